/**
 * A waypoint's own Envoy configuration, as istiod builds it for a Gateway of class istio-waypoint
 * (pilot/pkg/networking/core/listener_waypoint.go, cluster_waypoint.go, waypoint.go): HBONE is terminated on
 * `connect_terminate` (15008), each CONNECT goes to the internal listener `main_internal`, whose filter chains are
 * keyed on the destination Service's VIP and port (not the Host header); its clusters `inbound-vip|PORT|http|HOST`
 * hand the request to `connect_originate`, which opens HBONE to the chosen endpoint.
 */
import { bindWaypoint, serviceLabels, waypointIndex } from '../ambient/binding.ts';
import { acceptsHbone } from '../ambient/enrolment.ts';
import type { WaypointModel } from '../ambient/types.ts';
import { field, isRecord } from '../manifest/parse.ts';
import { hostMatches } from '../model/host.ts';
import { isIpAddress } from '../model/ip.ts';
import { labelsMatch } from '../model/labels.ts';
import type { MeshModel, PodModel } from '../model/mesh.ts';
import { listenerProtocolOf } from '../registry/protocol.ts';
import {
  compareServicesByCreationTime,
  servicesWithHostname,
  type Registry,
  type Service,
} from '../registry/registry.ts';
import { buildSidecarScope, type ScopeInputs } from '../scope/sidecarScope.ts';
import type { VirtualService } from '../scope/virtualServices.ts';
import { buildClusters, effectiveTrafficPolicy } from './clusters.ts';
import { endpointsForPort, weightedDestinationClusters, type ProxyContext } from './context.ts';
import { buildRoutesForVirtualService, singleClusterRoute, translateRouteMatch } from './routes.ts';
import type {
  Cluster,
  ClusterTls,
  ClusterLoadAssignment,
  FilterChain,
  Listener,
  ProxyConfig,
  Route,
  RouteConfiguration,
} from './types.ts';

export const CONNECT_TERMINATE = 'connect_terminate';
export const MAIN_INTERNAL = 'main_internal';
export const CONNECT_ORIGINATE = 'connect_originate';
export const ENCAP = 'encap';

/** What a waypoint serves: the Services and ServiceEntries bound to it, and the pods bound to it as workloads. */
export interface WaypointTargets {
  services: Service[];
  workloads: PodModel[];
}

/**
 * pilot/pkg/networking/core/waypoint.go: findWaypointResources — the services whose waypoint (ambient/binding.ts) is
 * this one, oldest first, leaving out MESH_INTERNAL services resolved by dynamic DNS; and the workloads bound to it.
 */
export function waypointTargets(model: MeshModel, registry: Registry, waypoint: WaypointModel): WaypointTargets {
  const waypoints = waypointIndex(model);
  const isThis = (w: WaypointModel | undefined) => w?.name === waypoint.name && w.namespace === waypoint.namespace;
  const key = `${waypoint.namespace}/${waypoint.name}`;
  const services = registry.services.filter((service) => {
    if (service.resolution === 'Alias') return false;
    if (service.resolution === 'DynamicDNS' && !service.meshExternal) return false;
    const labels = serviceLabels(model, service.registry, service.namespace, service.name);
    const binding = bindWaypoint(
      { kind: 'service', namespace: service.namespace, labels },
      model.namespaces,
      waypoints,
    );
    // A valid canary waypoint serves the Service too (ambient/waypoints.go: buildWeightedWaypoints).
    const canary = binding.canary;
    return isThis(binding.waypoint) || (canary?.problem === undefined && canary?.waypoint === key);
  });
  const workloads = model.pods.filter(
    (pod) =>
      pod.dataPlane.mode === 'ambient' &&
      pod.ip !== '' &&
      isThis(
        bindWaypoint({ kind: 'workload', namespace: pod.namespace, labels: pod.labels }, model.namespaces, waypoints)
          .waypoint,
      ),
  );
  return { services: [...services].sort(compareServicesByCreationTime), workloads };
}

/** listener_waypoint.go: portToSubset — `http` for HTTP and sniffed ports (and unknown ones), `tcp` otherwise. */
function protocolSubset(service: Service | undefined, port: number, subset: string | undefined): string {
  const servicePort = service?.ports.find((p) => p.port === port);
  const listener = servicePort ? listenerProtocolOf(servicePort.protocol) : 'HTTP';
  const base = listener === 'TCP' ? 'tcp' : 'http';
  return subset ? `${base}/${subset}` : base;
}

export function inboundVipClusterName(kind: string, port: number, host: string): string {
  return `inbound-vip|${port}|${kind}|${host}`;
}

/**
 * The addresses a waypoint matches for a Service: its cluster IPs or ServiceEntry address, else the one istiod
 * allocated to the ServiceEntry (model.Service GetAllAddressesForProxy).
 */
function vipsOf(service: Service): string[] {
  const addresses = service.clusterIPs.length > 0 ? service.clusterIPs : [service.defaultAddress];
  const vips = addresses.filter((a) => isIpAddress(a) && a !== '0.0.0.0' && a !== '::');
  return vips.length === 0 && service.autoAllocatedAddress ? [service.autoAllocatedAddress] : vips;
}

/**
 * listener_waypoint.go: getVirtualServiceForWaypoint — of the VirtualServices the waypoint sees (mesh-bound, exported
 * to its namespace), those in the waypoint's namespace or the Service's whose hosts match the Service's host.
 */
export function waypointVirtualServices(ctx: ProxyContext, service: Service): VirtualService[] {
  const visible = ctx.scope.egressListeners[0]?.virtualServices ?? [];
  return visible.filter(
    (vs) =>
      (vs.namespace === ctx.pod.namespace || vs.namespace === service.namespace) &&
      vs.hosts.some((h) => hostMatches(h, service.hostname)),
  );
}

/**
 * listener_waypoint.go: waypointInboundRoute — matches with sourceLabels are dropped (no source labels in ambient);
 * a rule whose every match is dropped makes no route.
 */
function withoutSourceLabels(vs: VirtualService): VirtualService {
  const hasLabels = (m: Readonly<Record<string, unknown>>) =>
    isRecord(field(m, 'sourceLabels')) && Object.keys(field(m, 'sourceLabels') as object).length > 0;
  const http = vs.http.flatMap((rule) => {
    if (!rule.match.some(hasLabels)) return [rule];
    const kept = rule.match.filter((m) => !hasLabels(m));
    return kept.length > 0 ? [{ ...rule, match: kept }] : [];
  });
  return { ...vs, http };
}

interface Built {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
}

/**
 * cluster_waypoint.go: buildWaypointTLSContext — a DestinationRule's SIMPLE or MUTUAL makes the waypoint originate
 * TLS (inside the HBONE tunnel for a mesh endpoint, directly to one outside it); ISTIO_MUTUAL and DISABLE change
 * nothing.
 */
function waypointClusterTls(policy: Readonly<Record<string, unknown>> | undefined): ClusterTls {
  const tls = field(policy, 'tls');
  const mode = field(tls, 'mode');
  const sni = field(tls, 'sni');
  if (mode === 'SIMPLE' || mode === 'MUTUAL')
    return {
      mode,
      reason: `the DestinationRule sets tls.mode ${mode}: the waypoint originates TLS to the endpoint`,
      sni: typeof sni === 'string' ? sni : undefined,
    };
  return {
    mode: 'ISTIO_MUTUAL',
    reason: `through ${CONNECT_ORIGINATE}: HBONE (mTLS, HTTP/2 CONNECT) to the endpoint's port 15008`,
    sni: undefined,
  };
}

const special = (name: string, type: Cluster['type'], reason: string): Cluster => ({
  name,
  type,
  direction: '',
  service: undefined,
  port: undefined,
  subset: undefined,
  tls: { mode: type === 'ORIGINAL_DST' ? 'ISTIO_MUTUAL' : 'NONE', reason, sni: undefined },
  loadBalancer: type === 'ORIGINAL_DST' ? 'CLUSTER_PROVIDED' : 'ROUND_ROBIN',
  destinationRule: undefined,
  sources: [],
});

/** Everything istiod pushes to a waypoint proxy, with the context it was built in. */
export function buildWaypointProxyConfig(
  pod: PodModel,
  waypoint: WaypointModel,
  inputs: ScopeInputs,
): { config: ProxyConfig; ctx: ProxyContext } {
  const ctx: ProxyContext = {
    pod,
    scope: buildSidecarScope(pod, inputs),
    registry: inputs.registry,
    mesh: inputs.model.meshConfig,
    clusterDomain: inputs.clusterDomain,
  };
  const targets = waypointTargets(inputs.model, inputs.registry, waypoint);
  const podsByIp = new Map(inputs.model.pods.filter((p) => p.ip !== '').map((p) => [p.ip, p]));
  const hboneEndpoint = (address: string) => {
    const target = podsByIp.get(address);
    return target !== undefined && (target.dataPlane.mode === 'ambient' || acceptsHbone(inputs.model, target));
  };
  const served = new Map(targets.services.map((s) => [s.hostname, s]));
  const out: Built = { listeners: [], routes: [], clusters: [], endpoints: [] };
  const outboundNeeded = new Set<string>();
  const lookup = (host: string) =>
    served.get(host) ?? ctx.scope.servicesByHostname.get(host) ?? servicesWithHostname(inputs.registry, host)[0];
  // listener_waypoint.go: getWaypointDestinationCluster — a destination the waypoint serves goes to its inbound-vip
  // cluster, any other to an outbound cluster.
  const remap = <T extends { name: string; host: string; subset: string | undefined; port: number }>(c: T): T => {
    const service = served.get(c.host);
    if (service)
      return { ...c, name: inboundVipClusterName(protocolSubset(service, c.port, c.subset), c.port, c.host) };
    outboundNeeded.add(c.name);
    return c;
  };

  // listener_waypoint.go: buildConnectTerminateListener — mTLS on 15008, CONNECT requests to main_internal.
  const connectRoute: Route = {
    name: '',
    match: { ...translateRouteMatch(undefined), description: 'CONNECT' },
    action: {
      kind: 'route',
      clusters: [{ name: MAIN_INTERNAL, weight: 100, host: MAIN_INTERNAL, subset: undefined, port: 0 }],
      timeout: undefined,
      retries: undefined,
      prefixRewrite: undefined,
      hostRewrite: undefined,
      mirrors: [],
      mirrorClusters: [],
      fault: undefined,
    },
    virtualService: undefined,
    sources: [],
  };
  out.listeners.push({
    name: CONNECT_TERMINATE,
    address: '0.0.0.0',
    port: 15008,
    kind: 'waypoint',
    bindToPort: true,
    protocol: 'HTTP',
    filterChains: [
      {
        name: 'default',
        match: {},
        action: { kind: 'http-inline', routeConfigName: 'default' },
        service: undefined,
        tls: 'mtls',
        sources: [waypoint.source],
      },
    ],
    defaultFilterChain: undefined,
    services: [],
    droppedServices: [],
  });
  out.routes.push({
    name: 'default',
    virtualHosts: [{ name: 'default', domains: ['*'], routes: [connectRoute], sources: [waypoint.source] }],
  });

  const chains: FilterChain[] = [];
  for (const service of targets.services) {
    const vips = vipsOf(service);
    const rule = ctx.scope.destinationRules.get(service.hostname);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      const listener = listenerProtocolOf(port.protocol);
      const http = listener === 'HTTP' || listener === 'AUTO';
      const tcp = listener === 'TCP' || listener === 'AUTO';
      // cluster_waypoint.go: buildWaypointInboundVIP — tcp and/or http clusters, and one per DestinationRule subset.
      for (const subset of [undefined, ...(rule?.subsets ?? [])]) {
        for (const kind of [...(tcp ? ['tcp'] : []), ...(http ? ['http'] : [])]) {
          const name = inboundVipClusterName(subset ? `${kind}/${subset.name}` : kind, port.port, service.hostname);
          const drSource = subset ? subset.from.source : rule?.from[0]?.source;
          const type: Cluster['type'] =
            service.resolution === 'DNSLB'
              ? 'STRICT_DNS'
              : service.resolution === 'DNSRoundRobinLB'
                ? 'LOGICAL_DNS'
                : service.resolution === 'Passthrough'
                  ? 'ORIGINAL_DST'
                  : 'EDS';
          out.clusters.push({
            name,
            type,
            direction: 'inbound-vip',
            service: service.hostname,
            port: port.port,
            subset: subset?.name,
            tls: waypointClusterTls(effectiveTrafficPolicy(rule, subset?.name, port.port)),
            loadBalancer: type === 'ORIGINAL_DST' ? 'CLUSTER_PROVIDED' : 'LEAST_REQUEST',
            destinationRule: drSource,
            sources: [service.source, ...(drSource ? [drSource] : [])],
          });
          if (type === 'ORIGINAL_DST') continue;
          out.endpoints.push({
            clusterName: name,
            endpoints: endpointsForPort(inputs.registry, service, port.port)
              .filter((e) => e.health !== 'Terminating' && (!subset || labelsMatch(subset.labels, e.labels)))
              .map((e) => ({
                address: e.address,
                port: e.port,
                health: e.health === 'Healthy' ? 'HEALTHY' : 'UNHEALTHY',
                // endpoint_builder.go: buildEnvoyLbEndpoint — HBONE only to a workload that takes it.
                mtls: hboneEndpoint(e.address),
                labels: e.labels,
                workload: e.workload,
                podName: e.podName,
              })),
          });
        }
      }
      // With no address the waypoint cannot match the Service's traffic: its chains are never reached.
      if (vips.length === 0) continue;
      const prefixRanges = vips.map((v) => (v.includes(':') ? `${v}/128` : `${v}/32`));
      const virtualServices = waypointVirtualServices(ctx, service).map(withoutSourceLabels);
      if (tcp) {
        const tcpName = inboundVipClusterName('tcp', port.port, service.hostname);
        const routes = waypointTcpRoutes(virtualServices, port.port, service.hostname);
        const clusters =
          routes.length > 0
            ? weightedDestinationClusters(routes, lookup, port.port).map(remap)
            : [{ name: tcpName, weight: 100 }];
        chains.push({
          name: tcpName,
          match: { prefixRanges, destinationPort: port.port },
          action: { kind: 'tcp', clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })) },
          service: service.hostname,
          sources: [service.source],
        });
      }
      if (http) {
        const httpName = inboundVipClusterName('http', port.port, service.hostname);
        chains.push({
          name: httpName,
          match: {
            prefixRanges,
            destinationPort: port.port,
            ...(tcp ? { applicationProtocols: ['h2c', 'http/1.1'] } : {}),
          },
          action: { kind: 'http-inline', routeConfigName: httpName },
          service: service.hostname,
          sources: [service.source],
        });
        out.routes.push(httpRouteConfig(ctx, service, port.port, httpName, virtualServices, lookup, remap));
      }
    }
  }
  // listener_waypoint.go: the direct pod access chains, reached for the IPs of the workloads bound to the waypoint.
  const podRanges = targets.workloads.map((p) => (p.ip.includes(':') ? `${p.ip}/128` : `${p.ip}/32`));
  if (podRanges.length > 0) {
    chains.push(
      {
        name: 'direct-tcp',
        match: { prefixRanges: podRanges },
        action: { kind: 'tcp', clusters: [{ name: ENCAP, weight: 100 }] },
        service: undefined,
        sources: [waypoint.source],
      },
      {
        name: 'direct-http',
        match: { prefixRanges: podRanges, applicationProtocols: ['h2c', 'http/1.1'] },
        action: { kind: 'http-inline', routeConfigName: ENCAP },
        service: undefined,
        sources: [waypoint.source],
      },
    );
    out.routes.push({
      name: ENCAP,
      virtualHosts: [
        {
          name: 'inbound|http|0',
          domains: ['*'],
          routes: [singleClusterRoute('default', { name: ENCAP, host: ENCAP, port: 0 }, [waypoint.source])],
          sources: [waypoint.source],
        },
      ],
    });
  }
  out.listeners.push(
    {
      name: MAIN_INTERNAL,
      address: '',
      port: 0,
      kind: 'waypoint',
      bindToPort: false,
      internal: true,
      protocol: 'AUTO',
      filterChains: chains,
      defaultFilterChain: undefined,
      services: targets.services.map((s) => s.hostname),
      droppedServices: [],
    },
    {
      name: CONNECT_ORIGINATE,
      address: '',
      port: 0,
      kind: 'waypoint',
      bindToPort: false,
      internal: true,
      protocol: 'TCP',
      filterChains: [
        {
          name: undefined,
          match: {},
          action: { kind: 'tcp', clusters: [{ name: CONNECT_ORIGINATE, weight: 100 }] },
          service: undefined,
          sources: [],
        },
      ],
      defaultFilterChain: undefined,
      services: [],
      droppedServices: [],
    },
  );
  // cluster_waypoint.go: buildWaypointInboundClusters — main_internal and encap (internal), connect_originate.
  out.clusters.unshift(
    special(MAIN_INTERNAL, 'STATIC', `hands each CONNECT to the internal listener ${MAIN_INTERNAL}`),
    special(ENCAP, 'STATIC', `hands the connection to the internal listener ${CONNECT_ORIGINATE}`),
  );
  out.clusters.push(
    special(
      CONNECT_ORIGINATE,
      'ORIGINAL_DST',
      `HBONE (mTLS, HTTP/2 CONNECT) to port 15008 of the chosen endpoint, accepting identities of namespace ` +
        `${pod.namespace}'s waypoints and of any workload`,
    ),
  );
  // waypoint.go: filterWaypointOutboundServices — outbound clusters only for routes to services it does not serve.
  if (outboundNeeded.size > 0) {
    const outbound = buildClusters(ctx, inputs.model);
    out.clusters.push(...outbound.clusters.filter((c) => outboundNeeded.has(c.name)));
    out.endpoints.push(...outbound.endpoints.filter((e) => outboundNeeded.has(e.clusterName)));
  }
  return {
    config: {
      proxy: { namespace: pod.namespace, name: pod.name, kind: 'waypoint', ip: pod.ip },
      listeners: out.listeners,
      routes: out.routes,
      clusters: out.clusters,
      endpoints: out.endpoints,
      nameTable: [],
    },
    ctx,
  };
}

/**
 * listener_waypoint.go: buildWaypointInboundHTTPRouteConfig — one virtual host `inbound|http|PORT` for any Host (the
 * VIP already chose the Service), with the routes of every matching VirtualService (HTTPRoutes become these), else the
 * default route to the Service's http cluster.
 */
function httpRouteConfig(
  ctx: ProxyContext,
  service: Service,
  port: number,
  name: string,
  virtualServices: VirtualService[],
  lookup: (host: string) => Service | undefined,
  remap: <T extends { name: string; host: string; subset: string | undefined; port: number }>(c: T) => T,
): RouteConfiguration {
  const routes: Route[] = [];
  for (const vs of virtualServices) {
    if (vs.http.length === 0) continue;
    for (const route of buildRoutesForVirtualService(vs, port, ctx, new Set(['mesh']), lookup))
      routes.push(
        route.action.kind === 'route'
          ? { ...route, action: { ...route.action, clusters: route.action.clusters.map(remap) } }
          : route,
      );
  }
  const domains = service.resolution === 'DynamicDNS' ? [service.hostname] : ['*'];
  return {
    name,
    virtualHosts: [
      {
        name: `inbound|http|${port}`,
        domains,
        routes:
          routes.length > 0
            ? routes
            : [singleClusterRoute('default', { name, host: service.hostname, port }, [service.source])],
        sources: routes.length > 0 ? [...new Set(routes.flatMap((r) => r.sources))] : [service.source],
      },
    ],
  };
}

/**
 * listener_waypoint.go: getWaypointTCPRoutes — a TLS rule whose single SNI host is the Service's, else the first TCP
 * rule matching the port (no source labels, gateway `mesh`).
 */
function waypointTcpRoutes(
  virtualServices: VirtualService[],
  port: number,
  hostname: string,
): VirtualService['tcp'][number]['route'] {
  const portMatches = (m: Readonly<Record<string, unknown>>) => {
    const p = field(m, 'port');
    const gateways = field(m, 'gateways');
    const gatewayOk = !Array.isArray(gateways) || gateways.length === 0 || gateways.includes('mesh');
    return (typeof p !== 'number' || p === port) && gatewayOk;
  };
  const sniIsService = (m: Readonly<Record<string, unknown>>) => {
    const hosts = field(m, 'sniHosts');
    return Array.isArray(hosts) && hosts.length === 1 && hosts[0] === hostname;
  };
  for (const vs of virtualServices)
    for (const rule of vs.tls)
      if (rule.match.length === 0 || rule.match.some((m) => sniIsService(m) && portMatches(m))) return rule.route;
  for (const vs of virtualServices)
    for (const rule of vs.tcp) if (rule.match.length === 0 || rule.match.some(portMatches)) return rule.route;
  return [];
}
