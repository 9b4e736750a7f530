import type { Service } from '../registry/registry.ts';
import { isIpAddress } from '../model/ip.ts';
import { UNSPECIFIED_IP } from '../registry/registry.ts';
import { endpointsForPort, serviceAddressForProxy, type ProxyContext } from './context.ts';
import type { NameTableEntry } from './types.ts';

/** Alternate names the agent answers for a host (pkg/dns/client/dns.go: generateAltHosts). */
function altNames(service: Service, ctx: ProxyContext): string[] {
  const suffix = `.svc.${ctx.clusterDomain}`;
  if (service.registry !== 'Kubernetes' || !service.hostname.endsWith(suffix)) return [];
  const [name, namespace] = service.hostname.split('.');
  const names = [`${name ?? ''}.${namespace ?? ''}`, `${name ?? ''}.${namespace ?? ''}.svc`];
  if (namespace === ctx.pod.namespace) names.push(name ?? '');
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
            if (isIpAddress(endpoint.address) && (endpoint.health === 'Healthy' || service.publishNotReadyAddresses))
              ips.add(endpoint.address);
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
        altNames: altNames(service, ctx),
        registry: service.registry,
        namespace: service.namespace,
      });
    }
  }
  return [...table.values()];
}
