import type { MeshConfig, PodModel } from '../model/mesh.ts';
import { field } from '../manifest/parse.ts';
import type { Registry, Service, ServiceEndpoint } from '../registry/registry.ts';
import { servicesWithHostname, UNSPECIFIED_IP } from '../registry/registry.ts';
import type { SidecarScope } from '../scope/sidecarScope.ts';

/** The proxy being configured and everything its configuration is computed from. */
export interface ProxyContext {
  pod: PodModel;
  scope: SidecarScope;
  registry: Registry;
  mesh: MeshConfig;
  clusterDomain: string;
}

/**
 * The address a proxy uses for a service: its ClusterIP or ServiceEntry address, else (only for DNS-capturing
 * proxies) the auto-allocated one, else 0.0.0.0 (pilot/pkg/model/service.go: GetAddressForProxy).
 */
export function serviceAddressForProxy(service: Service, pod: PodModel): string {
  if (service.defaultAddress !== UNSPECIFIED_IP) return service.defaultAddress;
  if (pod.proxy.dnsCapture && service.autoAllocatedAddress) return service.autoAllocatedAddress;
  // The old allocator's addresses also need ISTIO_META_DNS_AUTO_ALLOCATE (service.go: nodeUsesAutoallocatedIPs).
  if (pod.proxy.dnsCapture && pod.proxy.dnsAutoAllocate && service.legacyAutoAllocatedAddress)
    return service.legacyAutoAllocatedAddress;
  return UNSPECIFIED_IP;
}

/**
 * Endpoints of a service serving one of its ports, matched by port name (pilot/pkg/xds/endpoints/endpoint_builder.go).
 */
export function endpointsForPort(registry: Registry, service: Service, port: number): ServiceEndpoint[] {
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) return [];
  const all = registry.endpoints.get(service) ?? registry.endpoints.get(originalOf(registry, service)) ?? [];
  return all.filter((endpoint) => endpoint.servicePortName === servicePort.name);
}

/** Scope services may be trimmed copies; endpoints are keyed by the registry's own object. */
function originalOf(registry: Registry, service: Service): Service {
  return (
    servicesWithHostname(registry, service.hostname).find(
      (s) => s.namespace === service.namespace && s.defaultAddress === service.defaultAddress,
    ) ?? service
  );
}

/** `outbound|port|subset|host` (pilot/pkg/model/service.go: BuildSubsetKey). */
export function outboundClusterName(port: number, subset: string | undefined, host: string): string {
  return `outbound|${port}|${subset ?? ''}|${host}`;
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
/** The dynamic forward proxy cluster of ALLOW_ANY_DYNAMIC_DNS, and its route name (networking/util/util.go). */
export const ALLOW_ANY_DYNAMIC_DNS_CLUSTER = 'AllowAnyDynamicDNSCluster';
export const ALLOW_ANY_DYNAMIC_DNS = 'allow_any_dynamic_dns';

/**
 * Whether a sidecar's unknown plaintext HTTP goes through the dynamic forward proxy: outboundTrafficPolicy
 * ALLOW_ANY_DYNAMIC_DNS from its Sidecar, else from the mesh config (networking/util/util.go:
 * IsAllowAnyDynamicDNSOutbound; sidecars only).
 */
export function allowAnyDynamicDns(ctx: ProxyContext): boolean {
  if (ctx.pod.proxy.kind !== 'sidecar' || ctx.scope.outboundTrafficPolicy !== 'ALLOW_ANY') return false;
  const own = ctx.scope.sidecar ? field(field(ctx.scope.sidecar.spec, 'outboundTrafficPolicy'), 'mode') : undefined;
  if (own === 'ALLOW_ANY_DYNAMIC_DNS') return true;
  return own !== 'ALLOW_ANY' && ctx.mesh.allowAnyDynamicDns === true;
}
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

/**
 * Where a sidecar sends traffic to destinations it does not know: BlackHoleCluster under REGISTRY_ONLY, else
 * PassthroughCluster, or the cluster of its Sidecar's outboundTrafficPolicy.egressProxy, named from the host as
 * written (listener_builder.go: buildOutboundCatchAllNetworkFiltersOnly; route/route.go: GetDestinationCluster).
 */
export function unknownDestinationCluster(ctx: ProxyContext): string {
  if (ctx.scope.outboundTrafficPolicy === 'REGISTRY_ONLY') return BLACKHOLE_CLUSTER;
  const egressProxy = ctx.scope.sidecar
    ? field(field(ctx.scope.sidecar.spec, 'outboundTrafficPolicy'), 'egressProxy')
    : undefined;
  const host = field(egressProxy, 'host');
  if (typeof host !== 'string' || host === '') return PASSTHROUGH_CLUSTER;
  const port = field(field(egressProxy, 'port'), 'number');
  const subset = field(egressProxy, 'subset');
  return `outbound|${typeof port === 'number' ? port : 0}|${typeof subset === 'string' ? subset : ''}|${host}`;
}

/** A route destination as VirtualServices name it: host (already an FQDN), subset and optional port. */
export interface DestinationRef {
  host: string;
  subset: string | undefined;
  port: number | undefined;
}

/** One cluster a route sends to. */
export interface DestinationCluster {
  name: string;
  /** The host of the cluster: the destination host, or the target of an ExternalName alias. */
  host: string;
  subset: string | undefined;
  port: number;
}

/**
 * The cluster of a route destination (pilot/pkg/networking/core/route/route.go: GetDestinationCluster): an ExternalName
 * alias points at its target; the port is destination.port, else the service's only port, else the listener port.
 */
export function destinationCluster(
  destination: DestinationRef,
  service: Service | undefined,
  listenerPort: number,
): DestinationCluster {
  const host = service?.externalName ?? destination.host;
  const onlyPort = service && service.ports.length === 1 ? service.ports[0]?.port : undefined;
  const port = destination.port ?? onlyPort ?? listenerPort;
  return { name: outboundClusterName(port, destination.subset, host), host, subset: destination.subset, port };
}

/**
 * The clusters of a route's destinations with their weights: one destination takes all traffic; among several, those
 * with weight 0 are dropped (route.go: applyHTTPRouteDestination; networkfilter.go: buildOutboundNetworkFilters).
 */
export function weightedDestinationClusters(
  destinations: ReadonlyArray<DestinationRef & { weight: number | undefined }>,
  lookup: (host: string) => Service | undefined,
  listenerPort: number,
): Array<DestinationCluster & { weight: number }> {
  if (destinations.length === 1) {
    const only = destinations[0];
    return only ? [{ ...destinationCluster(only, lookup(only.host), listenerPort), weight: 100 }] : [];
  }
  return destinations
    .filter((d) => (d.weight ?? 0) > 0)
    .map((d) => ({ ...destinationCluster(d, lookup(d.host), listenerPort), weight: d.weight ?? 0 }));
}
