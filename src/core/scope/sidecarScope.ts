import { field, isRecord } from '../manifest/parse.ts';
import { hostMatches, hostSubsetOf, isWildcard, mostSpecificHostMatch, resolveShortname } from '../model/host.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshConfig, MeshModel, ObjectSource, OutboundTrafficPolicyMode, PodModel } from '../model/mesh.ts';
import type { Protocol } from '../registry/protocol.ts';
import { parseProtocol } from '../registry/protocol.ts';
import type { Registry, Service } from '../registry/registry.ts';
import { mergeDelegates, resolveVirtualService, virtualServicesForGateway, type VirtualService } from './virtualServices.ts';

/** The egress hosts of one Sidecar egress listener, by namespace (pilot/pkg/model/sidecar.go: hostClassification). */
interface HostClassification {
  exact: Set<string>;
  all: string[];
  excluded: string[];
}

export interface EgressListener {
  /** Index in the Sidecar's spec.egress; undefined for the default listener that imports every namespace's hosts. */
  index: number | undefined;
  port: { number: number; protocol: Protocol | undefined; name: string | undefined } | undefined;
  bind: string | undefined;
  captureMode: string | undefined;
  hosts: string[];
  services: Service[];
  virtualServices: VirtualService[];
}

/** DestinationRules for one host in one namespace, merged as istiod merges them (pilot/pkg/model/destination_rule.go). */
export interface ConsolidatedDestinationRule {
  /** The DR host as resolved (FQDN or wildcard). */
  host: string;
  namespace: string;
  exportTo: Set<string>;
  trafficPolicy: Readonly<Record<string, unknown>> | undefined;
  subsets: Array<{ name: string; labels: Map<string, string>; trafficPolicy: Readonly<Record<string, unknown>> | undefined; from: IstioConfigModel }>;
  from: IstioConfigModel[];
}

/** What one proxy can see: its Sidecar's egress listeners with their services and VirtualServices, and its DestinationRules. */
export interface SidecarScope {
  namespace: string;
  sidecar: IstioConfigModel | undefined;
  /** Why this Sidecar (or none) applies, in words. */
  sidecarReason: string;
  egressListeners: EgressListener[];
  /** Every service the proxy gets clusters for: egress imports plus VirtualService destinations. */
  services: Service[];
  servicesByHostname: Map<string, Service>;
  outboundTrafficPolicy: OutboundTrafficPolicyMode;
  outboundTrafficPolicySource: ObjectSource | undefined;
  destinationRules: Map<string, ConsolidatedDestinationRule>;
}

/** Everything a proxy's scope is computed from. */
export interface ScopeInputs {
  model: MeshModel;
  registry: Registry;
  virtualServices: VirtualService[];
  clusterDomain: string;
}

export function prepareScopeInputs(model: MeshModel, registry: Registry, clusterDomain: string): ScopeInputs {
  return {
    model,
    registry,
    virtualServices: mergeDelegates((model.istio.get('VirtualService') ?? []).map((config) => resolveVirtualService(config, model.meshConfig, clusterDomain))),
    clusterDomain,
  };
}

/** A service's exportTo: its own, else the mesh default; `.` means its namespace (push_context.go: serviceExportTo). */
function serviceExportTo(service: Service, mesh: MeshConfig): Set<string> {
  const list = service.exportTo ?? mesh.defaultServiceExportTo;
  return new Set(list.map((e) => (e === '.' ? service.namespace : e)));
}

/** push_context.go: IsServiceVisible. */
export function isServiceVisible(service: Service, namespace: string, mesh: MeshConfig): boolean {
  const exportTo = serviceExportTo(service, mesh);
  return exportTo.has('*') || exportTo.has(namespace);
}

/** Services private or exported to the namespace, then public ones, each oldest first (push_context.go: servicesExportedToNamespace). */
export function servicesExportedToNamespace(services: readonly Service[], namespace: string, mesh: MeshConfig): Service[] {
  const exported: Service[] = [];
  const publicServices: Service[] = [];
  for (const service of services) {
    const exportTo = serviceExportTo(service, mesh);
    if (exportTo.has('*')) publicServices.push(service);
    else if (!exportTo.has('~') && exportTo.has(namespace)) exported.push(service);
  }
  return [...exported, ...publicServices];
}

/** sidecar.go: appendSidecarServices — one service per hostname; a Kubernetes Service wins; same-namespace entries merge ports. */
function appendService(list: Service[], byHostname: Map<string, Service>, service: Service): void {
  const existing = byHostname.get(service.hostname);
  if (!existing) {
    list.push(service);
    byHostname.set(service.hostname, service);
    return;
  }
  if (existing === service || (existing.registry === 'Kubernetes' && service.registry !== 'Kubernetes')) return;
  if (existing.registry !== 'Kubernetes' && service.registry === 'Kubernetes') {
    list[list.indexOf(existing)] = service;
    byHostname.set(service.hostname, service);
    return;
  }
  const samePorts = existing.ports.length === service.ports.length && existing.ports.every((p, i) => p.port === service.ports[i]?.port && p.name === service.ports[i]?.name);
  if (samePorts) return;
  const mergeable = existing.namespace === service.namespace && existing.resolution === service.resolution && existing.registry === service.registry;
  if (!mergeable) return;
  const merged: Service = { ...existing, ports: [...existing.ports, ...service.ports.filter((p) => !existing.ports.some((e) => e.port === p.port))] };
  list[list.indexOf(existing)] = merged;
  byHostname.set(service.hostname, merged);
}

function classifyHosts(hosts: readonly string[], namespace: string): Map<string, HostClassification> {
  const byNamespace = new Map<string, HostClassification>();
  for (const entry of hosts) {
    const slash = entry.indexOf('/');
    if (slash < 0 || entry.indexOf('/', slash + 1) >= 0) continue; // reported by the manifest checks
    let ns = entry.slice(0, slash);
    const name = entry.slice(slash + 1);
    const excluded = ns.startsWith('~');
    if (excluded) ns = ns.slice(1) || '*';
    if (ns === '.') ns = namespace;
    const classification = byNamespace.get(ns) ?? { exact: new Set<string>(), all: [], excluded: [] };
    if (excluded) classification.excluded.push(name);
    else {
      if (!isWildcard(name)) classification.exact.add(name);
      classification.all.push(name);
    }
    byNamespace.set(ns, classification);
  }
  return byNamespace;
}

const classificationExcludes = (c: HostClassification | undefined, host: string) => c !== undefined && c.excluded.some((e) => hostSubsetOf(host, e));
const classificationMatches = (c: HostClassification, host: string) =>
  c.exact.has(host) || c.all.some((imported) => (isWildcard(host) || isWildcard(imported)) && hostSubsetOf(host, imported));
const classificationMatchesVs = (c: HostClassification, host: string) =>
  c.exact.has(host) || c.all.some((imported) => (isWildcard(host) || isWildcard(imported)) && hostMatches(host, imported));

/** Trims a service to the egress listener's port (sidecar.go: serviceMatchingListenerPort). */
function matchingListenerPort(service: Service, port: EgressListener['port']): Service | undefined {
  if (!port) return service;
  const found = service.ports.find((p) => p.port === port.number);
  return found ? { ...service, ports: [found] } : undefined;
}

/** sidecar.go: selectServices. */
function selectServices(candidates: readonly Service[], hostsByNamespace: Map<string, HostClassification>, namespace: string, port: EgressListener['port']): Service[] {
  const imported: Service[] = [];
  const wildcard = hostsByNamespace.get('*');
  for (const service of candidates) {
    const nsHosts = hostsByNamespace.get(service.namespace);
    if (classificationExcludes(nsHosts, service.hostname) || classificationExcludes(wildcard, service.hostname)) continue;
    const pick = (c: HostClassification | undefined): Service | undefined => {
      if (!c || !classificationMatches(c, service.hostname)) return undefined;
      const trimmed = matchingListenerPort(service, port);
      if (!trimmed) return undefined;
      const aliases = trimmed.aliases.filter((alias) => classificationMatches(c, alias));
      return aliases.length === trimmed.aliases.length ? trimmed : { ...trimmed, aliases };
    };
    const chosen = pick(nsHosts) ?? pick(wildcard);
    if (chosen) imported.push(chosen);
  }
  // One namespace per hostname: the proxy's own, else a Kubernetes Service over a ServiceEntry, else the first.
  const chosenNamespace = new Map<string, { namespace: string; kubernetes: boolean }>();
  for (const service of imported) {
    const candidate = { namespace: service.namespace, kubernetes: service.registry === 'Kubernetes' };
    const existing = chosenNamespace.get(service.hostname);
    if (!existing || service.namespace === namespace || (!existing.kubernetes && candidate.kubernetes && (candidate.namespace === namespace || existing.namespace !== namespace))) {
      chosenNamespace.set(service.hostname, candidate);
    }
  }
  return imported.filter((service) => chosenNamespace.get(service.hostname)?.namespace === service.namespace);
}

/** virtualservice.go: SelectVirtualServices — a VS is imported when any of its hosts matches an import keyed by the VS's namespace or `*`. */
function selectVirtualServices(all: readonly VirtualService[], namespace: string, hostsByNamespace: Map<string, HostClassification>): VirtualService[] {
  const wildcard = hostsByNamespace.get('*');
  return virtualServicesForGateway(all, namespace, 'mesh').filter((vs) => {
    const nsHosts = hostsByNamespace.get(vs.namespace);
    return vs.hosts.some((host) => {
      const matched = (nsHosts && classificationMatchesVs(nsHosts, host)) || (wildcard && classificationMatchesVs(wildcard, host));
      return matched && !classificationExcludes(nsHosts, host) && !classificationExcludes(wildcard, host);
    });
  });
}

/** Destination hosts and ports of a VS's rules that apply to a client in `namespace` (push_context.go: virtualServiceDestinationsFilteredBySourceNamespace). */
function virtualServiceDestinations(vs: VirtualService, namespace: string): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  const add = (host: string, port: number | undefined) => {
    const ports = result.get(host) ?? new Set<number>();
    if (port !== undefined) ports.add(port);
    result.set(host, ports);
  };
  for (const rule of vs.http) {
    const sources = rule.match.map((m) => field(m, 'sourceNamespace'));
    if (rule.match.length > 0 && sources.every((s) => typeof s === 'string' && s !== namespace)) continue;
    for (const destination of rule.route) add(destination.host, destination.port);
    for (const mirror of [field(rule.raw, 'mirror'), ...(Array.isArray(field(rule.raw, 'mirrors')) ? (field(rule.raw, 'mirrors') as unknown[]).map((m) => field(m, 'destination')) : [])]) {
      const host = field(mirror, 'host');
      const port = field(field(mirror, 'port'), 'number');
      if (typeof host === 'string') add(resolveShortname(host, vs.namespace, 'cluster.local'), typeof port === 'number' ? port : undefined);
    }
  }
  for (const rule of [...vs.tcp, ...vs.tls]) for (const destination of rule.route) add(destination.host, destination.port);
  return result;
}

/** Which Sidecar applies to a pod (push_context.go: doGetSidecarScope). */
function selectSidecar(pod: PodModel, model: MeshModel): { sidecar: IstioConfigModel | undefined; reason: string } {
  const sidecars = [...(model.istio.get('Sidecar') ?? [])].sort((a, b) => a.order - b.order);
  const selectorOf = (s: IstioConfigModel) => toStringMap(field(field(s.spec, 'workloadSelector'), 'labels'));
  const inNamespace = sidecars.filter((s) => s.namespace === pod.namespace);
  const selected = inNamespace.find((s) => selectorOf(s).size > 0 && labelsMatch(selectorOf(s), pod.labels));
  if (selected) return { sidecar: selected, reason: `Sidecar ${selected.namespace}/${selected.name} selects this pod's labels` };
  const namespaceDefault = inNamespace.find((s) => selectorOf(s).size === 0);
  if (namespaceDefault) return { sidecar: namespaceDefault, reason: `Sidecar ${namespaceDefault.namespace}/${namespaceDefault.name} has no workloadSelector, so it applies to namespace ${pod.namespace}` };
  const root = model.meshConfig.rootNamespace;
  const meshDefault = sidecars.find((s) => s.namespace === root && selectorOf(s).size === 0);
  if (meshDefault) return { sidecar: meshDefault, reason: `Sidecar ${meshDefault.namespace}/${meshDefault.name} in the root namespace is the mesh-wide default` };
  return { sidecar: undefined, reason: 'No Sidecar resource applies: the proxy sees every service and VirtualService exported to its namespace (*/*)' };
}

/** The sidecar scope of a pod's sidecar proxy (pilot/pkg/model/sidecar.go: convertToSidecarScope, initSidecarScopeInternalIndexes). */
export function buildSidecarScope(pod: PodModel, inputs: ScopeInputs): SidecarScope {
  const { model, registry } = inputs;
  const mesh = model.meshConfig;
  const namespace = pod.namespace;
  const { sidecar, reason } = selectSidecar(pod, model);
  const egress = sidecar ? (Array.isArray(field(sidecar.spec, 'egress')) ? (field(sidecar.spec, 'egress') as unknown[]).filter(isRecord) : []) : [];
  const entries = egress.length > 0 ? egress : [{ hosts: ['*/*'] }];
  const visible = servicesExportedToNamespace(registry.services, namespace, mesh);
  const egressListeners: EgressListener[] = entries.map((entry, index) => {
    const hosts = Array.isArray(field(entry, 'hosts')) ? (field(entry, 'hosts') as unknown[]).filter((h): h is string => typeof h === 'string') : [];
    const portNumber = field(field(entry, 'port'), 'number');
    const protocolText = field(field(entry, 'port'), 'protocol');
    const portName = field(field(entry, 'port'), 'name');
    const protocol = typeof protocolText === 'string' ? parseProtocol(protocolText) : undefined;
    // sidecar.go: needsPortMatch — a port-specific listener keeps only services with that port, except HTTP_PROXY.
    const port = typeof portNumber === 'number' ? { number: portNumber, protocol, name: typeof portName === 'string' ? portName : undefined } : undefined;
    const matchPort = port !== undefined && protocol !== 'HTTP_PROXY' ? port : undefined;
    const hostsByNamespace = classifyHosts(hosts, namespace);
    const bind = field(entry, 'bind');
    const captureMode = field(entry, 'captureMode');
    return {
      index: egress.length > 0 ? index : undefined,
      port,
      bind: typeof bind === 'string' ? bind : undefined,
      captureMode: typeof captureMode === 'string' ? captureMode : undefined,
      hosts,
      services: selectServices(visible, hostsByNamespace, namespace, matchPort),
      virtualServices: selectVirtualServices(inputs.virtualServices, namespace, hostsByNamespace),
    };
  });

  // sidecar.go: collectImportedServices — egress imports first, then every VirtualService destination that is visible.
  const services: Service[] = [];
  const servicesByHostname = new Map<string, Service>();
  for (const listener of egressListeners) {
    for (const service of listener.services) appendService(services, servicesByHostname, service);
    for (const vs of listener.virtualServices) {
      for (const [host, ports] of virtualServiceDestinations(vs, namespace)) {
        const byNamespace = registry.services.filter((s) => s.hostname === host);
        if (byNamespace.length === 0) continue;
        const candidate =
          byNamespace.find((s) => s.namespace === namespace) ??
          [...byNamespace].filter((s) => isServiceVisible(s, namespace, mesh)).sort((a, b) => a.namespace.localeCompare(b.namespace))[0];
        if (!candidate) continue;
        const trimmed = listener.port && listener.port.protocol !== 'HTTP_PROXY' ? matchingListenerPort(candidate, listener.port) : ports.size > 0 ? trimToPorts(candidate, ports) : candidate;
        if (trimmed) appendService(services, servicesByHostname, trimmed);
      }
    }
  }

  const sidecarPolicy = sidecar ? field(field(sidecar.spec, 'outboundTrafficPolicy'), 'mode') : undefined;
  const outboundTrafficPolicy: OutboundTrafficPolicyMode = sidecarPolicy === 'REGISTRY_ONLY' || sidecarPolicy === 'ALLOW_ANY' ? sidecarPolicy : mesh.outboundTrafficPolicy;
  const destinationRules = new Map<string, ConsolidatedDestinationRule>();
  const index = indexDestinationRules(model, inputs.clusterDomain);
  for (const service of services) {
    const rule = destinationRuleFor(index, namespace, service, mesh.rootNamespace);
    if (rule) destinationRules.set(service.hostname, rule);
  }
  return {
    namespace,
    sidecar,
    sidecarReason: reason,
    egressListeners,
    services,
    servicesByHostname,
    outboundTrafficPolicy,
    outboundTrafficPolicySource: sidecarPolicy === 'REGISTRY_ONLY' || sidecarPolicy === 'ALLOW_ANY' ? sidecar?.source : mesh.source,
    destinationRules,
  };
}

/** A gateway's view: every service exported to its namespace, no Sidecar filtering (sidecar.go: DefaultSidecarScopeForGateway). */
export function buildGatewayScope(namespace: string, inputs: ScopeInputs): SidecarScope {
  const mesh = inputs.model.meshConfig;
  const services: Service[] = [];
  const servicesByHostname = new Map<string, Service>();
  for (const service of servicesExportedToNamespace(inputs.registry.services, namespace, mesh)) appendService(services, servicesByHostname, service);
  const index = indexDestinationRules(inputs.model, inputs.clusterDomain);
  const destinationRules = new Map<string, ConsolidatedDestinationRule>();
  for (const service of services) {
    const rule = destinationRuleFor(index, namespace, service, mesh.rootNamespace);
    if (rule) destinationRules.set(service.hostname, rule);
  }
  return {
    namespace,
    sidecar: undefined,
    sidecarReason: 'Gateways do not use Sidecar resources: a gateway sees every service exported to its namespace',
    egressListeners: [{ index: undefined, port: undefined, bind: undefined, captureMode: undefined, hosts: ['*/*'], services, virtualServices: virtualServicesForGateway(inputs.virtualServices, namespace, 'mesh') }],
    services,
    servicesByHostname,
    outboundTrafficPolicy: mesh.outboundTrafficPolicy,
    outboundTrafficPolicySource: mesh.source,
    destinationRules,
  };
}

function trimToPorts(service: Service, ports: Set<number>): Service | undefined {
  const kept = service.ports.filter((p) => ports.has(p.port));
  return kept.length > 0 ? { ...service, ports: kept } : service;
}

interface DestinationRuleIndex {
  /** Per namespace: rules visible inside it (exportTo empty, `*`, `.` or the namespace). */
  local: Map<string, Map<string, ConsolidatedDestinationRule>>;
  /** Per namespace: rules exported beyond it. */
  exported: Map<string, Map<string, ConsolidatedDestinationRule>>;
}

function mergeInto(target: Map<string, ConsolidatedDestinationRule>, host: string, config: IstioConfigModel, exportTo: Set<string>): void {
  const spec = config.spec;
  const trafficPolicy = isRecord(field(spec, 'trafficPolicy')) ? (field(spec, 'trafficPolicy') as Record<string, unknown>) : undefined;
  const subsets = (Array.isArray(field(spec, 'subsets')) ? (field(spec, 'subsets') as unknown[]) : []).flatMap((subset) => {
    const name = field(subset, 'name');
    if (typeof name !== 'string') return [];
    const policy = field(subset, 'trafficPolicy');
    return [{ name, labels: toStringMap(field(subset, 'labels')), trafficPolicy: isRecord(policy) ? policy : undefined, from: config }];
  });
  const existing = target.get(host);
  if (!existing) {
    target.set(host, { host, namespace: config.namespace, exportTo, trafficPolicy, subsets, from: [config] });
    return;
  }
  // destination_rule.go: mergeDestinationRule — subsets unioned (first name wins), the oldest trafficPolicy kept.
  for (const subset of subsets) if (!existing.subsets.some((s) => s.name === subset.name)) existing.subsets.push(subset);
  existing.trafficPolicy ??= trafficPolicy;
  existing.from.push(config);
}

function indexDestinationRules(model: MeshModel, clusterDomain: string): DestinationRuleIndex {
  const local = new Map<string, Map<string, ConsolidatedDestinationRule>>();
  const exported = new Map<string, Map<string, ConsolidatedDestinationRule>>();
  const rules = [...(model.istio.get('DestinationRule') ?? [])].sort((a, b) => a.order - b.order);
  for (const config of rules) {
    // A DestinationRule with a workloadSelector only applies to its own namespace's selected pods; not modelled as exported.
    const hostText = field(config.spec, 'host');
    if (typeof hostText !== 'string' || hostText === '') continue;
    const host = resolveShortname(hostText, config.namespace, clusterDomain);
    const exportList = Array.isArray(field(config.spec, 'exportTo')) ? (field(config.spec, 'exportTo') as unknown[]).filter((e): e is string => typeof e === 'string') : [];
    const effective = (exportList.length > 0 ? exportList : model.meshConfig.defaultDestinationRuleExportTo).map((e) => (e === '.' ? config.namespace : e));
    const exportTo = new Set(effective);
    if (exportTo.has('*') || exportTo.has(config.namespace)) {
      const map = local.get(config.namespace) ?? new Map();
      mergeInto(map, host, config, exportTo);
      local.set(config.namespace, map);
    }
    if (!exportTo.has('~') && [...exportTo].some((e) => e !== config.namespace)) {
      const map = exported.get(config.namespace) ?? new Map();
      mergeInto(map, host, config, exportTo);
      exported.set(config.namespace, map);
    }
  }
  return { local, exported };
}

/** push_context.go: destinationRule — the client's namespace, then the service's, then the root namespace; the first with a host match wins. */
function destinationRuleFor(index: DestinationRuleIndex, clientNamespace: string, service: Service, rootNamespace: string): ConsolidatedDestinationRule | undefined {
  const local = index.local.get(clientNamespace);
  if (local) {
    // In the root namespace only its private rules count here; its exported ones are the mesh-wide fallback below.
    const candidates = clientNamespace === rootNamespace ? new Map([...local].filter(([, rule]) => !rule.exportTo.has('*'))) : local;
    const inClient = mostSpecificHostMatch(service.hostname, candidates);
    if (inClient) return inClient.value;
  }
  const exportedFrom = (ns: string) => {
    const map = index.exported.get(ns);
    const match = map ? mostSpecificHostMatch(service.hostname, map) : undefined;
    if (!match) return undefined;
    const exportTo = match.value.exportTo;
    return exportTo.size === 0 || exportTo.has('*') || exportTo.has(clientNamespace) ? match.value : undefined;
  };
  return exportedFrom(service.namespace) ?? exportedFrom(rootNamespace);
}
