import { field, isRecord, stringField } from '../manifest/parse.ts';
import { DerivedCache, derivedFrom } from '../model/memo.ts';
import { fnv1a } from '../model/allocate.ts';
import { compareCreationTimes } from '../model/creation.ts';
import { labelIndexByNamespace, toStringMap, type LabelIndex } from '../model/labels.ts';
import type { Assumption, IstioConfigModel, MeshModel, ObjectSource, PodModel, ServiceModel } from '../model/mesh.ts';
import { kubernetesPortProtocol, parseProtocol, type Protocol } from './protocol.ts';
import { ipv4ToNumber, isCidr, isIpAddress, singleAddressOfCidr } from '../model/ip.ts';

/** How a service's endpoints are found (pilot/pkg/model/service.go: Resolution). */
export type Resolution = 'ClientSideLB' | 'DNSLB' | 'DNSRoundRobinLB' | 'Passthrough' | 'Alias' | 'DynamicDNS';

export const UNSPECIFIED_IP = '0.0.0.0';

export interface ServicePort {
  name: string;
  port: number;
  protocol: Protocol;
}

/**
 * A service as istiod's registry holds it (pilot/pkg/model/service.go: Service): one per hostname (× address for
 * ServiceEntries).
 */
export interface Service {
  hostname: string;
  namespace: string;
  /** The Kubernetes Service or ServiceEntry name. */
  name: string;
  registry: 'Kubernetes' | 'External';
  /** ClusterIP, ServiceEntry address or CIDR, or 0.0.0.0. */
  defaultAddress: string;
  clusterIPs: string[];
  /** An address istiod allocated to a ServiceEntry (240.240.0.0/16), used only by DNS-capturing proxies. */
  autoAllocatedAddress: string | undefined;
  /**
   * The address the old in-memory allocator gives when istiod runs with PILOT_ENABLE_IP_AUTOALLOCATE=false, used only
   * by proxies that capture DNS and set ISTIO_META_DNS_AUTO_ALLOCATE.
   */
  legacyAutoAllocatedAddress?: string;
  ports: ServicePort[];
  resolution: Resolution;
  meshExternal: boolean;
  /** exportTo as written; undefined means the mesh default. */
  exportTo: string[] | undefined;
  /** Kubernetes spec.selector or ServiceEntry workloadSelector labels. */
  selector: ReadonlyMap<string, string> | undefined;
  /** Kubernetes targetPort (a number or a container port name) by service port. */
  targetPorts?: ReadonlyMap<number, number | string>;
  /** ServiceEntry NONE targetPort overrides (service port → upstream port). */
  passthroughTargetPorts: Map<number, number>;
  /** For an ExternalName Service: the host it aliases. */
  externalName: string | undefined;
  /** Hostnames of ExternalName Services that alias this one. */
  aliases: string[];
  subjectAltNames: string[];
  internalTrafficPolicyLocal: boolean;
  publishNotReadyAddresses: boolean;
  /** Rank of the Service or ServiceEntry in "oldest first" (model/creation.ts). */
  order: number;
  /** Its metadata.creationTimestamp in milliseconds, absent when not written. */
  creationTime?: number;
  source: ObjectSource;
}

export type EndpointHealth = 'Healthy' | 'UnHealthy' | 'Terminating';

/** One address:port serving one port of a service (pilot/pkg/model/service.go: IstioEndpoint). */
export interface ServiceEndpoint {
  address: string;
  port: number;
  /** The service port name this endpoint port serves (EndpointSlice port name / ServiceEntry port name). */
  servicePortName: string;
  labels: ReadonlyMap<string, string>;
  serviceAccount: string | undefined;
  tlsMode: 'istio' | 'disabled';
  health: EndpointHealth;
  nodeName: string | undefined;
  /** True for a DNS name (resolved by Envoy), false for an IP. */
  isHostname: boolean;
  /** The pod or WorkloadEntry behind it, if known. */
  workload: ObjectSource | undefined;
  podName: string | undefined;
  /** The pod's spec.hostname and spec.subdomain, for the per-pod DNS names of headless Services. */
  podHostname?: string | undefined;
  podSubdomain?: string | undefined;
}

export interface Registry {
  services: Service[];
  endpoints: Map<Service, ServiceEndpoint[]>;
  workloadEntries: WorkloadEntry[];
  assumptions: Assumption[];
}

export interface WorkloadEntry {
  name: string;
  namespace: string;
  address: string;
  labels: ReadonlyMap<string, string>;
  ports: Map<string, number>;
  serviceAccount: string | undefined;
  tlsMode: 'istio' | 'disabled';
  source: ObjectSource;
}

export function serviceHostname(name: string, namespace: string, clusterDomain: string): string {
  return `${name}.${namespace}.svc.${clusterDomain}`;
}

function podTlsMode(labels: ReadonlyMap<string, string>): 'istio' | 'disabled' {
  // pilot/pkg/serviceregistry/kube/conversion.go: PodTLSMode
  return labels.get('security.istio.io/tlsMode') === 'istio' ? 'istio' : 'disabled';
}

/**
 * A WorkloadEntry: labels from spec merged under metadata, tlsMode from label or serviceAccount
 * (serviceentry/conversion.go: ConvertWorkloadEntry).
 */
function readWorkloadEntry(config: IstioConfigModel): WorkloadEntry {
  const spec = config.spec;
  const labels = new Map([...toStringMap(field(spec, 'labels')), ...config.labels]);
  const serviceAccount = typeof spec['serviceAccount'] === 'string' ? spec['serviceAccount'] : undefined;
  const explicit = labels.get('security.istio.io/tlsMode');
  const ports = new Map<string, number>();
  const portsValue = field(spec, 'ports');
  if (isRecord(portsValue))
    for (const [name, value] of Object.entries(portsValue)) if (typeof value === 'number') ports.set(name, value);
  return {
    name: config.name,
    namespace: config.namespace,
    address: typeof spec['address'] === 'string' ? spec['address'] : '',
    labels,
    ports,
    serviceAccount,
    tlsMode:
      explicit !== undefined ? (explicit === 'istio' ? 'istio' : 'disabled') : serviceAccount ? 'istio' : 'disabled',
    source: config.source,
  };
}

function convertKubernetesService(service: ServiceModel, clusterDomain: string): Service {
  const headless = service.clusterIP === 'None';
  const exportAnnotation = service.annotations.get('networking.istio.io/exportTo');
  return {
    hostname: serviceHostname(service.name, service.namespace, clusterDomain),
    namespace: service.namespace,
    name: service.name,
    registry: 'Kubernetes',
    // pilot/pkg/serviceregistry/kube/conversion.go: ConvertService
    defaultAddress:
      service.type === 'ExternalName' || headless || !service.clusterIP ? UNSPECIFIED_IP : service.clusterIP,
    clusterIPs:
      headless || service.type === 'ExternalName'
        ? []
        : service.clusterIPs.length > 0
          ? service.clusterIPs
          : service.clusterIP
            ? [service.clusterIP]
            : [],
    autoAllocatedAddress: undefined,
    ports: service.ports.map((port) => ({
      name: port.name ?? '',
      port: port.port,
      protocol: kubernetesPortProtocol(port.port, port.name, port.protocol, port.appProtocol),
    })),
    resolution:
      service.type === 'ExternalName' && service.externalName ? 'Alias' : headless ? 'Passthrough' : 'ClientSideLB',
    meshExternal: service.type === 'ExternalName',
    exportTo: exportAnnotation
      ? exportAnnotation
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== '')
      : undefined,
    selector: service.selector,
    targetPorts: new Map(service.ports.map((port) => [port.port, port.targetPort])),
    passthroughTargetPorts: new Map(),
    externalName: service.type === 'ExternalName' ? service.externalName : undefined,
    aliases: [],
    subjectAltNames: [],
    internalTrafficPolicyLocal: service.internalTrafficPolicy === 'Local',
    publishNotReadyAddresses: service.publishNotReadyAddresses,
    order: service.order,
    creationTime: service.creationTime,
    source: service.source,
  };
}

const SE_RESOLUTION: Record<string, Resolution> = {
  NONE: 'Passthrough',
  STATIC: 'ClientSideLB',
  DNS: 'DNSLB',
  DNS_ROUND_ROBIN: 'DNSRoundRobinLB',
  DYNAMIC_DNS: 'DynamicDNS',
};

interface ServiceEntryPort extends ServicePort {
  targetPort: number | undefined;
}

function serviceEntryPorts(spec: Readonly<Record<string, unknown>>): ServiceEntryPort[] {
  const ports = field(spec, 'ports');
  if (!Array.isArray(ports)) return [];
  return ports.flatMap((port) => {
    const number = field(port, 'number');
    if (typeof number !== 'number') return [];
    const name = field(port, 'name');
    const protocol = field(port, 'protocol');
    const targetPort = field(port, 'targetPort');
    return [
      {
        name: typeof name === 'string' ? name : '',
        port: number,
        // serviceentry/conversion.go: convertPort — only `protocol`, never the name.
        protocol: typeof protocol === 'string' ? parseProtocol(protocol) : 'Unsupported',
        targetPort: typeof targetPort === 'number' ? targetPort : undefined,
      },
    ];
  });
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Addresses istiod's allocator would give eligible ServiceEntries (pilot/pkg/controllers/ipallocate/ipallocate.go): it
 * allocates as each one's creation reaches its queue, so by creation time and, within a second, in the order they were
 * applied, which for one file is the order of its documents (not their names).
 */
function autoAllocate(serviceEntries: readonly IstioConfigModel[]): Map<IstioConfigModel, Map<string, string>> {
  const result = new Map<IstioConfigModel, Map<string, string>>();
  const used = new Set<string>();
  const applied = [...serviceEntries].sort((a, b) => compareCreationTimes(a.creationTime, b.creationTime));
  const eligible = applied.filter((se) => {
    const resolution = field(se.spec, 'resolution');
    // pilot/pkg/networking/serviceentry/ip_autoallocation.go: shouldV2AutoAllocateIPFromPieces
    return (
      resolution !== 'NONE' &&
      se.labels.get('networking.istio.io/enable-autoallocate-ip')?.toLowerCase() !== 'false' &&
      stringArray(field(se.spec, 'addresses')).length === 0
    );
  });
  // Addresses users wrote in spec.addresses are never handed out (ipallocate.go: checkInSpecAddresses).
  for (const se of applied) for (const address of stringArray(field(se.spec, 'addresses'))) used.add(address);
  // Addresses already in status (a dump of a live cluster) are kept.
  for (const se of eligible) {
    const status = field(se.status, 'addresses');
    if (!Array.isArray(status)) continue;
    const byHost = new Map<string, string>();
    for (const entry of status) {
      const value = field(entry, 'value');
      const host = field(entry, 'host');
      if (typeof value === 'string' && ipv4ToNumber(value) !== undefined && typeof host === 'string') {
        byHost.set(host, value);
        used.add(value);
      }
    }
    if (byHost.size > 0) result.set(se, byHost);
  }
  let next = 1;
  const allocate = (): string => {
    for (;;) {
      const candidate = `240.240.${Math.floor(next / 256)}.${next % 256}`;
      next++;
      if (!used.has(candidate) && !candidate.endsWith('.0') && !candidate.endsWith('.255')) {
        used.add(candidate);
        return candidate;
      }
    }
  };
  for (const se of eligible) {
    const byHost = result.get(se) ?? new Map<string, string>();
    const dynamic = field(se.spec, 'resolution') === 'DYNAMIC_DNS';
    for (const host of stringArray(field(se.spec, 'hosts'))) {
      if (byHost.has(host) || (host.startsWith('*') && !dynamic)) continue;
      byHost.set(host, allocate());
    }
    result.set(se, byHost);
  }
  return result;
}

/**
 * The allocator istiod used before its controller (PILOT_ENABLE_IP_AUTOALLOCATE=false,
 * pilot/pkg/serviceregistry/serviceentry/auto_allocation.go: autoAllocateIPs): each `namespace/host` of a ServiceEntry
 * with no address, resolution other than NONE and no wildcard hashes (FNV-1a) to a slot of 256*254, collisions
 * double-hashed; slots are then numbered in order into 240.240.x.y, skipping y=0. No label opts out; status is ignored.
 */
function legacyAutoAllocate(serviceEntries: readonly IstioConfigModel[]): Map<string, string> {
  const maxIps = 256 * 254;
  const prime = 65011;
  const slots = new Map<number, string>();
  const applied = [...serviceEntries].sort((a, b) => compareCreationTimes(a.creationTime, b.creationTime));
  for (const se of applied) {
    if (
      field(se.spec, 'resolution') === 'NONE' ||
      !Object.hasOwn(SE_RESOLUTION, stringField(se.spec, 'resolution') ?? '')
    )
      continue;
    if (stringArray(field(se.spec, 'addresses')).length > 0) continue;
    for (const host of stringArray(field(se.spec, 'hosts'))) {
      if (host.startsWith('*')) continue;
      const key = `${se.namespace}/${host}`;
      const hash = fnv1a(key);
      let slot = hash % maxIps;
      // Every service takes its own slot, even one whose key already has one (the first slot of a key names it).
      for (let i = 1; slots.has(slot); i++) slot = ((hash + Math.imul(i, prime - (hash % prime))) >>> 0) % (maxIps - 1);
      slots.set(slot, key);
    }
  }
  const result = new Map<string, string>();
  let x = 0;
  let previous = -1;
  for (const slot of [...slots.keys()].sort((a, b) => a - b)) {
    x += slot - previous;
    previous = slot;
    if (x % 255 === 0) x++;
    const key = slots.get(slot) ?? '';
    if (!result.has(key)) result.set(key, `240.240.${Math.floor(x / 255)}.${x % 255}`);
  }
  return result;
}

function convertServiceEntry(
  se: IstioConfigModel,
  autoAddresses: ReadonlyMap<string, string> | undefined,
  legacyAddresses: ReadonlyMap<string, string> | undefined,
): Service[] {
  const spec = se.spec;
  // Only a known resolution name counts: not an object (String() of {toString: 1} throws), nor `toString` from the
  // prototype.
  const resolutionText = stringField(spec, 'resolution') ?? 'NONE';
  const resolution =
    (Object.hasOwn(SE_RESOLUTION, resolutionText) ? SE_RESOLUTION[resolutionText] : undefined) ?? 'Passthrough';
  const ports = serviceEntryPorts(spec);
  const passthroughTargetPorts = new Map<number, number>();
  if (resolution === 'Passthrough')
    for (const port of ports) if (port.targetPort !== undefined) passthroughTargetPorts.set(port.port, port.targetPort);
  const selector = isRecord(field(spec, 'workloadSelector'))
    ? toStringMap(field(field(spec, 'workloadSelector'), 'labels'))
    : undefined;
  // serviceentry/conversion.go: convertServices — a CIDR of one address (/32, /128) becomes that address; text that
  // is neither an address nor a CIDR is dropped.
  const addresses = stringArray(field(spec, 'addresses')).flatMap((address) =>
    isIpAddress(address) ? [address] : isCidr(address) ? [singleAddressOfCidr(address) ?? address] : [],
  );
  const exportTo = stringArray(field(spec, 'exportTo'));
  const base = {
    namespace: se.namespace,
    name: se.name,
    registry: 'External' as const,
    ports: ports.map(({ name, port, protocol }) => ({ name, port, protocol })),
    resolution,
    meshExternal: field(spec, 'location') !== 'MESH_INTERNAL',
    exportTo: exportTo.length > 0 ? exportTo : undefined,
    selector,
    passthroughTargetPorts,
    externalName: undefined,
    aliases: [],
    subjectAltNames: stringArray(field(spec, 'subjectAltNames')),
    internalTrafficPolicyLocal: false,
    publishNotReadyAddresses: false,
    order: se.order,
    creationTime: se.creationTime,
    source: se.source,
  };
  // serviceentry/conversion.go: convertServices — one service per host × address.
  return stringArray(field(spec, 'hosts')).flatMap((hostname): Service[] =>
    addresses.length > 0
      ? addresses.map((address) => ({
          ...base,
          hostname,
          defaultAddress: address,
          clusterIPs: [],
          autoAllocatedAddress: undefined,
        }))
      : [
          {
            ...base,
            hostname,
            defaultAddress: UNSPECIFIED_IP,
            clusterIPs: [],
            autoAllocatedAddress: autoAddresses?.get(hostname),
            ...(legacyAddresses?.has(`${se.namespace}/${hostname}`)
              ? { legacyAutoAllocatedAddress: legacyAddresses.get(`${se.namespace}/${hostname}`) }
              : {}),
          },
        ],
  );
}

/** EndpointSlice health (pilot/pkg/serviceregistry/kube/controller/endpointslice.go: endpointHealthStatus). */
function sliceHealth(ready: boolean | undefined, terminating: boolean | undefined): EndpointHealth {
  if (ready === undefined || ready) return 'Healthy';
  if (terminating === undefined || terminating) return 'Terminating';
  return 'UnHealthy';
}

function podEndpoint(
  pod: PodModel,
  port: number,
  servicePortName: string,
  health: EndpointHealth,
  address = pod.ip,
): ServiceEndpoint {
  return {
    address,
    port,
    servicePortName,
    labels: pod.labels,
    serviceAccount: pod.serviceAccount,
    tlsMode: podTlsMode(pod.labels),
    health,
    nodeName: pod.nodeName,
    isHostname: false,
    workload: pod.source,
    podName: pod.name,
    podHostname: pod.hostname,
    podSubdomain: pod.subdomain,
  };
}

/** The port a pod serves a Service port on: a number, or a named container port (K8S: the endpoints controller). */
function resolveTargetPort(target: number | string, pod: PodModel): number | undefined {
  if (typeof target === 'number') return target;
  return pod.containerPorts.find((port) => port.name === target)?.containerPort;
}

const registries = new DerivedCache<MeshModel, string, Registry>();

/**
 * The registry istiod builds from the manifests: model services from Kubernetes Services and ServiceEntries, and their
 * endpoints from EndpointSlices (or the pods a selector picks), ServiceEntry endpoints, selected pods and
 * WorkloadEntries. Built once per model and cluster domain; callers must not change it.
 */
export function buildRegistry(model: MeshModel, clusterDomain = 'cluster.local'): Registry {
  return registries.get(model, clusterDomain, () => convertRegistry(model, clusterDomain));
}

function convertRegistry(model: MeshModel, clusterDomain: string): Registry {
  const assumptions: Assumption[] = [];
  const endpoints = new Map<Service, ServiceEndpoint[]>();
  const istio = (kind: string) => model.istio.get(kind) ?? [];
  const workloadEntries = istio('WorkloadEntry').map(readWorkloadEntry);
  const podsByName = new Map(model.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
  const podsByIp = new Map(model.pods.map((pod) => [pod.ip, pod]));
  const podsIn = labelIndexByNamespace(
    model.pods,
    (pod) => pod.namespace,
    (pod) => pod.labels,
  );
  const workloadEntriesIn = labelIndexByNamespace(
    workloadEntries,
    (entry) => entry.namespace,
    (entry) => entry.labels,
  );

  // Kubernetes Services.
  const kubeServices = model.services.map((service) => ({
    model: service,
    service: convertKubernetesService(service, clusterDomain),
  }));
  const slicesByService = new Map<string, typeof model.endpointSlices>();
  for (const slice of model.endpointSlices) {
    if (!slice.serviceName || slice.addressType === 'FQDN') continue;
    const key = `${slice.namespace}/${slice.serviceName}`;
    const list = slicesByService.get(key);
    if (list) list.push(slice);
    else slicesByService.set(key, [slice]);
  }
  for (const { model: kube, service } of kubeServices) {
    const list: ServiceEndpoint[] = [];
    const slices = slicesByService.get(`${kube.namespace}/${kube.name}`);
    if (slices) {
      // pilot/pkg/serviceregistry/kube/controller/endpointslice.go: updateEndpointCacheForSlice
      for (const slice of slices) {
        for (const endpoint of slice.endpoints) {
          const ref =
            endpoint.targetRef?.kind === 'Pod'
              ? podsByName.get(`${endpoint.targetRef.namespace ?? slice.namespace}/${endpoint.targetRef.name}`)
              : undefined;
          for (const address of endpoint.addresses) {
            const pod = ref ?? podsByIp.get(address);
            for (const port of slice.ports) {
              const health = sliceHealth(endpoint.ready, endpoint.terminating);
              if (pod)
                list.push({
                  ...podEndpoint(pod, port.port, port.name ?? '', health, address),
                  nodeName: endpoint.nodeName ?? pod.nodeName,
                });
              else {
                list.push({
                  address,
                  port: port.port,
                  servicePortName: port.name ?? '',
                  labels: new Map(),
                  serviceAccount: undefined,
                  tlsMode: 'disabled',
                  health,
                  nodeName: endpoint.nodeName,
                  isHostname: false,
                  workload: slice.source,
                  podName: undefined,
                });
              }
            }
          }
        }
      }
    } else if (kube.selector && kube.selector.size > 0 && service.resolution !== 'Alias') {
      // No EndpointSlice in the manifests: the Kubernetes endpoint controller would list the selected pods.
      let derived = 0;
      for (const pod of podsIn(kube.namespace).matching(kube.selector)) {
        if (!pod.ip) continue;
        for (const port of kube.ports) {
          if (port.protocol === 'SCTP') continue;
          const target = resolveTargetPort(port.targetPort, pod);
          if (target === undefined) continue;
          list.push(
            podEndpoint(
              pod,
              target,
              port.name ?? '',
              pod.ready || kube.publishNotReadyAddresses ? 'Healthy' : 'UnHealthy',
            ),
          );
          derived++;
        }
      }
      if (derived > 0) {
        assumptions.push({
          code: 'ENDPOINTS_FROM_SELECTOR',
          message:
            `Service ${kube.namespace}/${kube.name} has no EndpointSlice in the manifests: its endpoints are the ` +
            `pods its selector picks.`,
          subject: kube.source,
        });
      }
    }
    // A Kubernetes Service also selects WorkloadEntries in its namespace (kube/controller/controller.go:
    // workloadInstanceHandler).
    if (kube.selector && kube.selector.size > 0) {
      for (const entry of workloadEntriesIn(kube.namespace).matching(kube.selector)) {
        if (!entry.address) continue;
        for (const port of kube.ports) {
          const target =
            typeof port.targetPort === 'number' ? port.targetPort : (entry.ports.get(port.targetPort) ?? port.port);
          list.push(workloadEntryEndpoint(entry, target, port.name ?? ''));
        }
      }
    }
    endpoints.set(service, list);
  }

  // ServiceEntries.
  const serviceEntries = istio('ServiceEntry');
  // istiod's allocator controller runs unless PILOT_ENABLE_IP_AUTOALLOCATE=false (pilot/pkg/features/pilot.go).
  const legacy = model.meshConfig.ipAutoallocate === false;
  const autoAddresses = legacy ? new Map<IstioConfigModel, Map<string, string>>() : autoAllocate(serviceEntries);
  const legacyAddresses = legacy ? legacyAutoAllocate(serviceEntries) : undefined;
  const seServices: Service[] = [];
  for (const se of serviceEntries) {
    const services = convertServiceEntry(se, autoAddresses.get(se), legacyAddresses);
    const seEndpoints = serviceEntryEndpoints(se, services[0], podsIn(se.namespace), workloadEntriesIn(se.namespace));
    for (const service of services) {
      endpoints.set(
        service,
        service.resolution === 'DNSLB' || service.resolution === 'DNSRoundRobinLB'
          ? withDnsDefault(seEndpoints, service, se)
          : seEndpoints,
      );
      seServices.push(service);
    }
  }

  // Every service, oldest first; which one of several with the same hostname a proxy uses is decided in its scope.
  const services = [...kubeServices.map((k) => k.service), ...seServices].sort(compareServicesByCreationTime);

  // ExternalName Services become aliases of the service they name (push_context.go: resolveServiceAliases).
  const byHostname = servicesByHostname(services);
  for (const alias of services.filter((s) => s.resolution === 'Alias' && s.externalName)) {
    for (const target of byHostname.get(alias.externalName ?? '') ?? [])
      if (target.resolution !== 'Alias') target.aliases.push(alias.hostname);
  }

  return { services, endpoints, workloadEntries, assumptions };
}

/**
 * Oldest first as istiod sorts services (pilot/pkg/model/push_context.go: SortServicesByCreationTime): by creation
 * time, equal times by name then namespace, the name of a ServiceEntry's service being its hostname.
 */
export function compareServicesByCreationTime(a: Service, b: Service): number {
  const name = (s: Service) => (s.registry === 'External' ? s.hostname : s.name);
  return (
    compareCreationTimes(a.creationTime, b.creationTime) ||
    compareText(name(a), name(b)) ||
    compareText(a.namespace, b.namespace) ||
    a.order - b.order
  );
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const hostnameIndexes = new WeakMap<Registry, Map<string, Service[]>>();

/** The registry's services with this hostname, oldest first (one per namespace, or per ServiceEntry address). */
export function servicesWithHostname(registry: Registry, hostname: string): readonly Service[] {
  return derivedFrom(hostnameIndexes, registry, (r) => servicesByHostname(r.services)).get(hostname) ?? [];
}

const addressIndexes = new WeakMap<Registry, Map<string, Array<{ service: Service; endpoint: ServiceEndpoint }>>>();

/** The endpoints at one address with their services, in registry order: what the pod (or entry) there serves. */
export function endpointsAtAddress(
  registry: Registry,
  address: string,
): ReadonlyArray<{ service: Service; endpoint: ServiceEndpoint }> {
  const index = derivedFrom(addressIndexes, registry, (r) => {
    const byAddress = new Map<string, Array<{ service: Service; endpoint: ServiceEndpoint }>>();
    for (const service of r.services) {
      for (const endpoint of r.endpoints.get(service) ?? []) {
        const list = byAddress.get(endpoint.address);
        if (list) list.push({ service, endpoint });
        else byAddress.set(endpoint.address, [{ service, endpoint }]);
      }
    }
    return byAddress;
  });
  return index.get(address) ?? [];
}

/** Services by hostname, in the order given. */
function servicesByHostname(services: readonly Service[]): Map<string, Service[]> {
  const byHostname = new Map<string, Service[]>();
  for (const service of services) {
    const list = byHostname.get(service.hostname);
    if (list) list.push(service);
    else byHostname.set(service.hostname, [service]);
  }
  return byHostname;
}

function workloadEntryEndpoint(entry: WorkloadEntry, port: number, servicePortName: string): ServiceEndpoint {
  return {
    address: entry.address,
    port,
    servicePortName,
    labels: entry.labels,
    serviceAccount: entry.serviceAccount,
    tlsMode: entry.tlsMode,
    health: 'Healthy',
    nodeName: undefined,
    isHostname: !isIpAddress(entry.address),
    workload: entry.source,
    podName: undefined,
  };
}

/** serviceentry/conversion.go: convertServiceEntryToInstances, convertWorkloadInstanceToServiceInstance. */
function serviceEntryEndpoints(
  se: IstioConfigModel,
  first: Service | undefined,
  podsInNamespace: LabelIndex<PodModel>,
  workloadEntriesInNamespace: LabelIndex<WorkloadEntry>,
): ServiceEndpoint[] {
  const ports = serviceEntryPorts(se.spec);
  const list: ServiceEndpoint[] = [];
  const listed = field(se.spec, 'endpoints');
  if (Array.isArray(listed) && listed.length > 0) {
    for (const entry of listed) {
      const address = field(entry, 'address');
      if (typeof address !== 'string') continue;
      const labels = toStringMap(field(entry, 'labels'));
      const portMap = field(entry, 'ports');
      const serviceAccount = field(entry, 'serviceAccount');
      const explicit = labels.get('security.istio.io/tlsMode');
      for (const port of ports) {
        const override = isRecord(portMap) ? field(portMap, port.name) : undefined;
        list.push({
          address,
          port: typeof override === 'number' ? override : (port.targetPort ?? port.port),
          servicePortName: port.name,
          labels,
          serviceAccount: typeof serviceAccount === 'string' ? serviceAccount : undefined,
          tlsMode:
            explicit !== undefined
              ? explicit === 'istio'
                ? 'istio'
                : 'disabled'
              : typeof serviceAccount === 'string'
                ? 'istio'
                : 'disabled',
          health: 'Healthy',
          nodeName: undefined,
          isHostname: !isIpAddress(address) && !address.startsWith('unix://'),
          workload: se.source,
          podName: undefined,
        });
      }
    }
    return list;
  }
  const selector = first?.selector;
  if (selector) {
    // workloadSelector: pods and WorkloadEntries in the ServiceEntry's namespace.
    for (const pod of podsInNamespace.matching(selector)) {
      if (!pod.ip) continue;
      for (const port of ports)
        list.push(podEndpoint(pod, port.targetPort ?? port.port, port.name, pod.ready ? 'Healthy' : 'UnHealthy'));
    }
    for (const entry of workloadEntriesInNamespace.matching(selector)) {
      if (!entry.address) continue;
      for (const port of ports)
        list.push(workloadEntryEndpoint(entry, entry.ports.get(port.name) ?? port.targetPort ?? port.port, port.name));
    }
  }
  return list;
}

/**
 * DNS ServiceEntries without endpoints resolve their own host name (serviceentry/conversion.go:
 * convertServiceEntryToInstances).
 */
function withDnsDefault(list: ServiceEndpoint[], service: Service, se: IstioConfigModel): ServiceEndpoint[] {
  if (list.length > 0 || service.selector) return list;
  return serviceEntryPorts(se.spec).map((port) => ({
    address: service.hostname,
    port: port.targetPort ?? port.port,
    servicePortName: port.name,
    labels: new Map(),
    serviceAccount: undefined,
    tlsMode: 'disabled',
    health: 'Healthy',
    nodeName: undefined,
    isHostname: true,
    workload: se.source,
    podName: undefined,
  }));
}
