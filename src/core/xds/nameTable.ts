import { isIpAddress } from '../model/ip.ts';
import type { PodModel } from '../model/mesh.ts';
import { DerivedCache } from '../model/memo.ts';
import { buildGatewayScope, type ScopeInputs } from '../scope/sidecarScope.ts';
import { UNSPECIFIED_IP } from '../registry/registry.ts';
import { endpointsForPort, serviceAddressForProxy, type ProxyContext } from './context.ts';
import type { NameTableEntry } from './types.ts';

/**
 * Alternate names the agent answers for a Kubernetes host in the cluster's domain (pkg/dns/client/dns.go:
 * generateAltHosts): `short.ns`, `short.ns.svc`, and `short` from the same namespace. `short` is the Service name, or
 * `hostname.subdomain` for a pod's own name.
 */
function altNames(hostname: string, short: string, namespace: string, ctx: ProxyContext): string[] {
  if (!hostname.endsWith(`.svc.${ctx.clusterDomain}`)) return [];
  const names = [`${short}.${namespace}`, `${short}.${namespace}.svc`];
  if (namespace === ctx.pod.namespace) names.push(short);
  return names;
}

/**
 * The DNS name table istiod sends a DNS-capturing proxy (pkg/dns/server/name_table.go: BuildNameTable): the services of
 * its egress listeners with the addresses this proxy uses; headless services and NONE entries answer with endpoint IPs.
 */
export function buildNameTable(ctx: ProxyContext): NameTableEntry[] {
  const table = new Map<string, NameTableEntry>();
  for (const listener of ctx.scope.egressListeners) {
    for (const service of listener.services) {
      // name_table.go: BuildNameTable — an unspecified address makes the service headless; other non-IP addresses
      // (a ServiceEntry CIDR) are skipped, so an entry with only a CIDR gets no name.
      const serviceAddresses =
        service.clusterIPs.length > 0 ? service.clusterIPs : [serviceAddressForProxy(service, ctx.pod)];
      const headless = serviceAddresses.includes(UNSPECIFIED_IP);
      let addresses = headless ? [] : serviceAddresses.filter(isIpAddress);
      if (headless && service.resolution === 'Passthrough' && service.ports.length > 0) {
        const ips = new Set<string>();
        for (const port of service.ports) {
          for (const endpoint of endpointsForPort(ctx.registry, service, port.port)) {
            if (!isIpAddress(endpoint.address) || (endpoint.health !== 'Healthy' && !service.publishNotReadyAddresses))
              continue;
            ips.add(endpoint.address);
            // A pod with a subdomain gets <hostname>.<subdomain>.<ns>.svc.<domain>, its hostname defaulting to its
            // name.
            if (!endpoint.podSubdomain) continue;
            const short = `${endpoint.podHostname ?? endpoint.podName ?? ''}.${endpoint.podSubdomain}`;
            const name = `${short}.${service.hostname.slice(service.hostname.indexOf('.') + 1)}`;
            const entry = table.get(name);
            if (entry && entry.registry === service.registry && entry.namespace === service.namespace) {
              if (!entry.addresses.includes(endpoint.address)) entry.addresses.push(endpoint.address);
            } else
              table.set(name, {
                name,
                addresses: [endpoint.address],
                altNames: altNames(name, short, service.namespace, ctx),
                registry: service.registry,
                namespace: service.namespace,
              });
          }
        }
        addresses = [...ips];
      }
      if (addresses.length === 0) continue;
      const existing = table.get(service.hostname);
      if (existing && existing.registry === 'External' && service.registry === 'External') {
        existing.addresses.push(...addresses.filter((a) => !existing.addresses.includes(a)));
        continue;
      }
      if (existing && !(existing.registry === 'External' && service.registry === 'Kubernetes')) continue;
      table.set(service.hostname, {
        name: service.hostname,
        addresses,
        altNames:
          service.registry === 'Kubernetes' ? altNames(service.hostname, service.name, service.namespace, ctx) : [],
        registry: service.registry,
        namespace: service.namespace,
      });
    }
  }
  return [...table.values()];
}

/**
 * The names ztunnel's DNS proxy answers for an ambient pod (istio-cni ambient.dnsCapture, on by default): every
 * Service and ServiceEntry visible in the pod's namespace, no Sidecar narrowing it, ServiceEntries without an address
 * with the one istiod allocated (pilot/pkg/serviceregistry/ambient/services.go; ztunnel's src/dns/server.rs).
 */
export function buildZtunnelNameTable(pod: PodModel, inputs: ScopeInputs): NameTableEntry[] {
  // The table depends only on the pod's namespace: built once per namespace and model.
  return ztunnelTables.get(inputs, pod.namespace, () =>
    buildNameTable({
      // Ambient reads only the allocator controller's addresses, never the old allocator's.
      pod: { ...pod, proxy: { ...pod.proxy, dnsCapture: true, dnsAutoAllocate: false } },
      scope: buildGatewayScope(pod.namespace, inputs),
      registry: inputs.registry,
      mesh: inputs.model.meshConfig,
      clusterDomain: inputs.clusterDomain,
    }),
  );
}

const ztunnelTables = new DerivedCache<ScopeInputs, string, NameTableEntry[]>(32);
