import type { MeshConfig, PodModel } from '../model/mesh.ts';
import type { Registry, Service, ServiceEndpoint } from '../registry/registry.ts';
import { UNSPECIFIED_IP } from '../registry/registry.ts';
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
  return UNSPECIFIED_IP;
}

/** Endpoints of a service serving one of its ports, matched by port name (pilot/pkg/xds/endpoints/endpoint_builder.go). */
export function endpointsForPort(registry: Registry, service: Service, port: number): ServiceEndpoint[] {
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) return [];
  const all = registry.endpoints.get(service) ?? registry.endpoints.get(originalOf(registry, service)) ?? [];
  return all.filter((endpoint) => endpoint.servicePortName === servicePort.name);
}

/** Scope services may be trimmed copies; endpoints are keyed by the registry's own object. */
function originalOf(registry: Registry, service: Service): Service {
  return registry.services.find((s) => s.hostname === service.hostname && s.namespace === service.namespace && s.defaultAddress === service.defaultAddress) ?? service;
}

/** `outbound|port|subset|host` (pilot/pkg/model/service.go: BuildSubsetKey). */
export function outboundClusterName(port: number, subset: string | undefined, host: string): string {
  return `outbound|${port}|${subset ?? ''}|${host}`;
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';
