import { field, isRecord } from '../manifest/parse.ts';
import { hostMatches, hostSubsetOf, isWildcard, mostSpecificHostMatch, resolveShortname } from '../model/host.ts';
import { DerivedCache } from '../model/memo.ts';
import { labelsMatch, readLabelSelector, selectorMatches, toStringMap, type LabelSelector } from '../model/labels.ts';
import type {
  IstioConfigModel,
  MeshConfig,
  MeshModel,
  ObjectSource,
  OutboundTrafficPolicyMode,
  PodModel,
} from '../model/mesh.ts';
import type { Protocol } from '../registry/protocol.ts';
import { parseProtocol } from '../registry/protocol.ts';
import { servicesWithHostname, type Registry, type Service } from '../registry/registry.ts';
import {
  mergeDelegates,
  resolveVirtualService,
  virtualServicesForGateway,
  type RouteDestination,
  type VirtualService,
} from './virtualServices.ts';

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

/**
 * DestinationRules for one host in one namespace, merged as istiod merges them (pilot/pkg/model/destination_rule.go).
 */
export interface ConsolidatedDestinationRule {
  /** The DR host as resolved (FQDN or wildcard). */
  host: string;
  namespace: string;
  /** exportTo as written (`.` kept, empty for none); `.` for a rule with a workloadSelector. */
  exportTo: Set<string>;
  /** Set for rules with a workloadSelector: they apply only to the selected proxies of their namespace. */
  workloadSelector: LabelSelector | undefined;
  trafficPolicy: Readonly<Record<string, unknown>> | undefined;
  subsets: Array<{
    name: string;
    labels: ReadonlyMap<string, string>;
    trafficPolicy: Readonly<Record<string, unknown>> | undefined;
    from: IstioConfigModel;
  }>;
  from: IstioConfigModel[];
}

/**
 * What one proxy can see: its Sidecar's egress listeners with their services and VirtualServices, and its
 * DestinationRules.
 */
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

const scopeInputs = new DerivedCache<Registry, MeshModel, ScopeInputs>();

/** The scope inputs of a model and its registry, made once per pair and shared by every proxy and request. */
export function prepareScopeInputs(model: MeshModel, registry: Registry, clusterDomain: string): ScopeInputs {
  const inputs = scopeInputs.get(registry, model, () => resolveScopeInputs(model, registry, clusterDomain));
  return inputs.clusterDomain === clusterDomain ? inputs : resolveScopeInputs(model, registry, clusterDomain);
}

function resolveScopeInputs(model: MeshModel, registry: Registry, clusterDomain: string): ScopeInputs {
  return {
    model,
    registry,
    virtualServices: mergeDelegates(
      (model.istio.get('VirtualService') ?? []).map((config) =>
        resolveVirtualService(config, model.meshConfig, clusterDomain),
      ),
    ),
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

/**
 * Services private or exported to the namespace, then public ones, each oldest first (push_context.go:
 * servicesExportedToNamespace).
 */
export function servicesExportedToNamespace(
  services: readonly Service[],
  namespace: string,
  mesh: MeshConfig,
): Service[] {
  const exported: Service[] = [];
  const publicServices: Service[] = [];
  for (const service of services) {
    const exportTo = serviceExportTo(service, mesh);
    if (exportTo.has('*')) publicServices.push(service);
    else if (!exportTo.has('~') && exportTo.has(namespace)) exported.push(service);
  }
  return [...exported, ...publicServices];
}

/** The services a scope imports, one per hostname, each where its hostname was first imported. */
class ImportedServices {
  readonly list: Service[] = [];
  readonly byHostname = new Map<string, Service>();
  private readonly positions = new Map<string, number>();

  /**
   * sidecar.go: appendSidecarServices — one service per hostname; a Kubernetes Service wins; same-namespace entries
   * merge ports.
   */
  append(service: Service): void {
    const existing = this.byHostname.get(service.hostname);
    if (!existing) {
      this.positions.set(service.hostname, this.list.length);
      this.list.push(service);
      this.byHostname.set(service.hostname, service);
      return;
    }
    if (existing === service || (existing.registry === 'Kubernetes' && service.registry !== 'Kubernetes')) return;
    if (existing.registry !== 'Kubernetes' && service.registry === 'Kubernetes') {
      this.replace(service);
      return;
    }
    const samePorts =
      existing.ports.length === service.ports.length &&
      existing.ports.every((p, i) => p.port === service.ports[i]?.port && p.name === service.ports[i]?.name);
    if (samePorts) return;
    const mergeable =
      existing.namespace === service.namespace &&
      existing.resolution === service.resolution &&
      existing.registry === service.registry;
    if (!mergeable) return;
    this.replace({
      ...existing,
      ports: [...existing.ports, ...service.ports.filter((p) => !existing.ports.some((e) => e.port === p.port))],
    });
  }

  private replace(service: Service): void {
    this.list[this.positions.get(service.hostname) ?? this.list.length] = service;
    this.byHostname.set(service.hostname, service);
  }
}

/**
 * Egress hosts by namespace: `.` is the proxy's namespace, `~ns/` excludes (sidecar.go: convertIstioListenerToWrapper,
 * hostClassification).
 */
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

const classificationExcludes = (c: HostClassification | undefined, host: string) =>
  c !== undefined && c.excluded.some((e) => hostSubsetOf(host, e));
const classificationMatches = (c: HostClassification, host: string) =>
  c.exact.has(host) ||
  c.all.some((imported) => (isWildcard(host) || isWildcard(imported)) && hostSubsetOf(host, imported));
const classificationMatchesVs = (c: HostClassification, host: string) =>
  c.exact.has(host) ||
  c.all.some((imported) => (isWildcard(host) || isWildcard(imported)) && hostMatches(host, imported));

/** Trims a service to the egress listener's port (sidecar.go: serviceMatchingListenerPort). */
function matchingListenerPort(service: Service, port: EgressListener['port']): Service | undefined {
  if (!port) return service;
  const found = service.ports.find((p) => p.port === port.number);
  return found ? { ...service, ports: [found] } : undefined;
}

/** sidecar.go: selectServices. */
function selectServices(
  candidates: readonly Service[],
  hostsByNamespace: Map<string, HostClassification>,
  namespace: string,
  port: EgressListener['port'],
): Service[] {
  const imported: Service[] = [];
  const wildcard = hostsByNamespace.get('*');
  for (const service of candidates) {
    const nsHosts = hostsByNamespace.get(service.namespace);
    if (classificationExcludes(nsHosts, service.hostname) || classificationExcludes(wildcard, service.hostname))
      continue;
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
    if (
      !existing ||
      service.namespace === namespace ||
      (!existing.kubernetes &&
        candidate.kubernetes &&
        (candidate.namespace === namespace || existing.namespace !== namespace))
    ) {
      chosenNamespace.set(service.hostname, candidate);
    }
  }
  return imported.filter((service) => chosenNamespace.get(service.hostname)?.namespace === service.namespace);
}

/**
 * virtualservice.go: SelectVirtualServices — a VS is imported when any of its hosts matches an import keyed by the VS's
 * namespace or `*`.
 */
function selectVirtualServices(
  all: readonly VirtualService[],
  namespace: string,
  hostsByNamespace: Map<string, HostClassification>,
): VirtualService[] {
  const wildcard = hostsByNamespace.get('*');
  return virtualServicesForGateway(all, namespace, 'mesh').filter((vs) => {
    const nsHosts = hostsByNamespace.get(vs.namespace);
    return vs.hosts.some((host) => {
      const matched =
        (nsHosts && classificationMatchesVs(nsHosts, host)) || (wildcard && classificationMatchesVs(wildcard, host));
      return matched && !classificationExcludes(nsHosts, host) && !classificationExcludes(wildcard, host);
    });
  });
}

/**
 * Destination hosts and ports of a VS's rules that apply to a client in `namespace`; port 0 stands for "a destination
 * names no port" (push_context.go: virtualServiceDestinationsFilteredBySourceNamespace).
 */
function virtualServiceDestinations(vs: VirtualService, namespace: string): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  const add = (destination: RouteDestination) => {
    const ports = result.get(destination.host) ?? new Set<number>();
    ports.add(destination.port ?? 0);
    result.set(destination.host, ports);
  };
  for (const rule of vs.http) {
    // A rule is skipped when a match names another sourceNamespace and none names this one (matches without one do not
    // count).
    let namespaceMatched = true;
    for (const match of rule.match) {
      const source = field(match, 'sourceNamespace');
      if (typeof source !== 'string' || source === '') continue;
      namespaceMatched = source === namespace;
      if (namespaceMatched) break;
    }
    if (!namespaceMatched) continue;
    for (const destination of rule.route) add(destination);
    for (const mirror of rule.mirrors) add(mirror);
  }
  for (const rule of [...vs.tcp, ...vs.tls]) for (const destination of rule.route) add(destination);
  return result;
}

/** Which Sidecar applies to a pod (push_context.go: doGetSidecarScope). */
function selectSidecar(pod: PodModel, model: MeshModel): { sidecar: IstioConfigModel | undefined; reason: string } {
  const sidecars = [...(model.istio.get('Sidecar') ?? [])].sort((a, b) => a.order - b.order);
  const selectorOf = (s: IstioConfigModel) => toStringMap(field(field(s.spec, 'workloadSelector'), 'labels'));
  const inNamespace = sidecars.filter((s) => s.namespace === pod.namespace);
  const selected = inNamespace.find((s) => selectorOf(s).size > 0 && labelsMatch(selectorOf(s), pod.labels));
  if (selected)
    return { sidecar: selected, reason: `Sidecar ${selected.namespace}/${selected.name} selects this pod's labels` };
  const namespaceDefault = inNamespace.find((s) => selectorOf(s).size === 0);
  if (namespaceDefault)
    return {
      sidecar: namespaceDefault,
      reason:
        `Sidecar ${namespaceDefault.namespace}/${namespaceDefault.name} has no workloadSelector, so it applies ` +
        `to namespace ${pod.namespace}`,
    };
  const root = model.meshConfig.rootNamespace;
  const meshDefault = sidecars.find((s) => s.namespace === root && selectorOf(s).size === 0);
  if (meshDefault)
    return {
      sidecar: meshDefault,
      reason: `Sidecar ${meshDefault.namespace}/${meshDefault.name} in the root namespace is the mesh-wide default`,
    };
  return {
    sidecar: undefined,
    reason:
      'No Sidecar resource applies: the proxy sees every service and VirtualService exported to its namespace (*/*)',
  };
}

/**
 * The sidecar scope of a pod's sidecar proxy (pilot/pkg/model/sidecar.go: convertToSidecarScope,
 * initSidecarScopeInternalIndexes).
 */
export function buildSidecarScope(pod: PodModel, inputs: ScopeInputs): SidecarScope {
  const { model, registry } = inputs;
  const mesh = model.meshConfig;
  const namespace = pod.namespace;
  const { sidecar, reason } = selectSidecar(pod, model);
  const egress = sidecar
    ? Array.isArray(field(sidecar.spec, 'egress'))
      ? (field(sidecar.spec, 'egress') as unknown[]).filter(isRecord)
      : []
    : [];
  const entries = egress.length > 0 ? egress : [{ hosts: ['*/*'] }];
  const visible = servicesExportedToNamespace(registry.services, namespace, mesh);
  // sidecar.go: convertIstioListenerToWrapper — one wrapper per egress listener (a single `*/*` one without a Sidecar).
  const egressListeners: EgressListener[] = entries.map((entry, index) => {
    const hosts = Array.isArray(field(entry, 'hosts'))
      ? (field(entry, 'hosts') as unknown[]).filter((h): h is string => typeof h === 'string')
      : [];
    const portNumber = field(field(entry, 'port'), 'number');
    const protocolText = field(field(entry, 'port'), 'protocol');
    const portName = field(field(entry, 'port'), 'name');
    const protocol = typeof protocolText === 'string' ? parseProtocol(protocolText) : undefined;
    // sidecar.go: needsPortMatch — a port-specific listener keeps only services with that port, except HTTP_PROXY.
    const port =
      typeof portNumber === 'number'
        ? { number: portNumber, protocol, name: typeof portName === 'string' ? portName : undefined }
        : undefined;
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
  const imported = new ImportedServices();
  for (const listener of egressListeners) {
    for (const service of listener.services) imported.append(service);
    for (const vs of listener.virtualServices) {
      for (const [host, ports] of virtualServiceDestinations(vs, namespace)) {
        const byNamespace = servicesWithHostname(registry, host);
        if (byNamespace.length === 0) continue;
        const candidate =
          byNamespace.find((s) => s.namespace === namespace) ??
          [...byNamespace]
            .filter((s) => isServiceVisible(s, namespace, mesh))
            .sort((a, b) => a.namespace.localeCompare(b.namespace))[0];
        if (!candidate) continue;
        const trimmed =
          listener.port && listener.port.protocol !== 'HTTP_PROXY'
            ? matchingListenerPort(candidate, listener.port)
            : matchingVirtualServicePorts(candidate, ports);
        if (trimmed) imported.append(trimmed);
      }
    }
  }

  // A Sidecar's outboundTrafficPolicy replaces the mesh's whole; its mode defaults to the enum's zero, REGISTRY_ONLY
  // (pilot/pkg/model/sidecar.go: DefaultSidecarScopeForNamespace/convertToSidecarScope).
  const sidecarField = sidecar ? field(sidecar.spec, 'outboundTrafficPolicy') : undefined;
  const sidecarMode = isRecord(sidecarField) ? field(sidecarField, 'mode') : undefined;
  const sidecarPolicy = isRecord(sidecarField)
    ? sidecarMode === 'ALLOW_ANY' || sidecarMode === 'ALLOW_ANY_DYNAMIC_DNS'
      ? 'ALLOW_ANY'
      : 'REGISTRY_ONLY'
    : undefined;
  const outboundTrafficPolicy: OutboundTrafficPolicyMode = sidecarPolicy ?? mesh.outboundTrafficPolicy;
  const { list: services, byHostname: servicesByHostname } = imported;
  const destinationRules = selectDestinationRules(inputs, services, namespace, pod.labels);
  return {
    namespace,
    sidecar,
    sidecarReason: reason,
    egressListeners,
    services,
    servicesByHostname,
    outboundTrafficPolicy,
    outboundTrafficPolicySource: sidecarPolicy !== undefined ? sidecar?.source : mesh.source,
    destinationRules,
  };
}

/**
 * A gateway's view: every service exported to its namespace, no Sidecar filtering (sidecar.go:
 * DefaultSidecarScopeForGateway).
 */
export function buildGatewayScope(
  namespace: string,
  inputs: ScopeInputs,
  labels: ReadonlyMap<string, string> = new Map(),
): SidecarScope {
  const mesh = inputs.model.meshConfig;
  const imported = new ImportedServices();
  for (const service of servicesExportedToNamespace(inputs.registry.services, namespace, mesh))
    imported.append(service);
  const { list: services, byHostname: servicesByHostname } = imported;
  const destinationRules = selectDestinationRules(inputs, services, namespace, labels);
  return {
    namespace,
    sidecar: undefined,
    sidecarReason: 'Gateways do not use Sidecar resources: a gateway sees every service exported to its namespace',
    egressListeners: [
      {
        index: undefined,
        port: undefined,
        bind: undefined,
        captureMode: undefined,
        hosts: ['*/*'],
        services,
        virtualServices: virtualServicesForGateway(inputs.virtualServices, namespace, 'mesh'),
      },
    ],
    services,
    servicesByHostname,
    outboundTrafficPolicy: mesh.outboundTrafficPolicy,
    outboundTrafficPolicySource: mesh.source,
    destinationRules,
  };
}

/**
 * Trims a VS destination service to the ports the VS names; port 0 (a destination without a port) keeps them all, and
 * none of them existing drops the service (sidecar.go: serviceMatchingVirtualServicePorts).
 */
function matchingVirtualServicePorts(service: Service, ports: ReadonlySet<number>): Service | undefined {
  if (ports.size === 0 || ports.has(0)) return service;
  const kept = service.ports.filter((p) => ports.has(p.port));
  if (kept.length === service.ports.length) return service;
  return kept.length > 0 ? { ...service, ports: kept } : undefined;
}

interface DestinationRuleIndex {
  /**
   * Per namespace: rules visible inside it (exportTo empty, `*`, `.` or the namespace), where its proxies look first.
   */
  namespaceLocal: Map<string, Map<string, ConsolidatedDestinationRule[]>>;
  /** Per namespace: rules exported beyond it. */
  exportedByNamespace: Map<string, Map<string, ConsolidatedDestinationRule[]>>;
  /** Private rules of the root namespace, where proxies of the root namespace look first. */
  rootNamespaceLocal: Map<string, ConsolidatedDestinationRule[]>;
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((e) => b.has(e));
const sameLabels = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

function consolidated(
  host: string,
  config: IstioConfigModel,
  exportTo: Set<string>,
  workloadSelector: LabelSelector | undefined,
): ConsolidatedDestinationRule {
  const spec = config.spec;
  const trafficPolicy = isRecord(field(spec, 'trafficPolicy'))
    ? (field(spec, 'trafficPolicy') as Record<string, unknown>)
    : undefined;
  const subsets = (Array.isArray(field(spec, 'subsets')) ? (field(spec, 'subsets') as unknown[]) : []).flatMap(
    (subset) => {
      const name = field(subset, 'name');
      if (typeof name !== 'string') return [];
      const policy = field(subset, 'trafficPolicy');
      return [
        {
          name,
          labels: toStringMap(field(subset, 'labels')),
          trafficPolicy: isRecord(policy) ? policy : undefined,
          from: config,
        },
      ];
    },
  );
  return { host, namespace: config.namespace, exportTo, workloadSelector, trafficPolicy, subsets, from: [config] };
}

/**
 * Adds a rule to the rules of its host (destination_rule.go: mergeDestinationRule, enhanced merge): it merges into each
 * earlier rule with the same exportTo (or whose exportTo it covers) unless both have different workloadSelectors —
 * subsets unioned (first name wins), the oldest trafficPolicy kept — and stays a separate entry unless it merged into
 * one with the same exportTo and the same (or no) selector.
 */
function mergeInto(
  target: Map<string, ConsolidatedDestinationRule[]>,
  host: string,
  config: IstioConfigModel,
  exportTo: Set<string>,
  workloadSelector: LabelSelector | undefined,
): void {
  const incoming = consolidated(host, config, exportTo, workloadSelector);
  const list = target.get(host);
  if (!list) {
    target.set(host, [incoming]);
    return;
  }
  let appendSeparately = true;
  for (const existing of list) {
    if (sameSet(exportTo, existing.exportTo)) appendSeparately = false;
    else if (existing.exportTo.size > 0 && [...existing.exportTo].every((e) => exportTo.has(e)))
      appendSeparately = true;
    else {
      appendSeparately = true;
      continue;
    }
    const bothWithout = !workloadSelector && !existing.workloadSelector;
    const bothWith = workloadSelector !== undefined && existing.workloadSelector !== undefined;
    if (bothWith && !sameLabels(workloadSelector.matchLabels, existing.workloadSelector?.matchLabels ?? new Map())) {
      appendSeparately = true;
      continue;
    }
    if (bothWithout || bothWith) appendSeparately = false;
    for (const subset of incoming.subsets)
      if (!existing.subsets.some((s) => s.name === subset.name)) existing.subsets.push(subset);
    existing.trafficPolicy ??= incoming.trafficPolicy;
    existing.from.push(config);
  }
  if (appendSeparately) list.push(incoming);
}

function addTo(
  index: Map<string, Map<string, ConsolidatedDestinationRule[]>>,
  namespace: string,
  host: string,
  config: IstioConfigModel,
  exportTo: Set<string>,
  workloadSelector: LabelSelector | undefined,
): void {
  const map = index.get(namespace) ?? new Map<string, ConsolidatedDestinationRule[]>();
  mergeInto(map, host, config, exportTo, workloadSelector);
  index.set(namespace, map);
}

/** The DestinationRule index of a model, built once per model and cluster domain and shared by every proxy. */
const destinationRuleIndexes = new DerivedCache<MeshModel, string, DestinationRuleIndex>();

/**
 * push_context.go: setDestinationRules — rules with a workloadSelector first, each oldest first; those are never
 * exported.
 */
function indexDestinationRules(model: MeshModel, clusterDomain: string): DestinationRuleIndex {
  const index: DestinationRuleIndex = {
    namespaceLocal: new Map(),
    exportedByNamespace: new Map(),
    rootNamespaceLocal: new Map(),
  };
  const selectorOf = (config: IstioConfigModel) =>
    isRecord(field(config.spec, 'workloadSelector'))
      ? readLabelSelector(field(config.spec, 'workloadSelector'))
      : undefined;
  const rules = [...(model.istio.get('DestinationRule') ?? [])].sort(
    (a, b) => Number(selectorOf(b) !== undefined) - Number(selectorOf(a) !== undefined) || a.order - b.order,
  );
  const meshDefault = model.meshConfig.defaultDestinationRuleExportTo;
  for (const config of rules) {
    const hostText = field(config.spec, 'host');
    if (typeof hostText !== 'string' || hostText === '') continue;
    const host = resolveShortname(hostText, config.namespace, clusterDomain);
    const workloadSelector = selectorOf(config);
    const written = Array.isArray(field(config.spec, 'exportTo'))
      ? (field(config.spec, 'exportTo') as unknown[]).filter((e): e is string => typeof e === 'string')
      : [];
    const exportTo = new Set(workloadSelector ? ['.'] : written);
    const ns = config.namespace;
    if (exportTo.size === 0 || exportTo.has('*') || exportTo.has('.') || exportTo.has(ns))
      addTo(index.namespaceLocal, ns, host, config, exportTo, workloadSelector);
    const privateOnly =
      (exportTo.size === 0 && meshDefault.includes('.')) ||
      (exportTo.size === 1 && (exportTo.has('.') || exportTo.has(ns)));
    if (!privateOnly) addTo(index.exportedByNamespace, ns, host, config, exportTo, workloadSelector);
    else if (ns === model.meshConfig.rootNamespace)
      mergeInto(index.rootNamespaceLocal, host, config, exportTo, workloadSelector);
  }
  return index;
}

/**
 * push_context.go: destinationRule — the client's namespace (root: its private rules), then the service's exported
 * rules, then the root's.
 */
function destinationRulesFor(
  index: DestinationRuleIndex,
  clientNamespace: string,
  service: Service,
  rootNamespace: string,
): ConsolidatedDestinationRule[] | undefined {
  const local =
    clientNamespace === rootNamespace ? index.rootNamespaceLocal : index.namespaceLocal.get(clientNamespace);
  const inClient = local ? mostSpecificHostMatch(service.hostname, local) : undefined;
  if (inClient) return inClient.value;
  const exportedFrom = (ns: string) => {
    const map = index.exportedByNamespace.get(ns);
    const match = map ? mostSpecificHostMatch(service.hostname, map) : undefined;
    const visible = (match?.value ?? []).filter(
      (rule) => rule.exportTo.size === 0 || rule.exportTo.has('*') || rule.exportTo.has(clientNamespace),
    );
    return visible.length > 0 ? visible : undefined;
  };
  return exportedFrom(service.namespace) ?? exportedFrom(rootNamespace);
}

/**
 * The rule a proxy uses for a host (sidecar.go: SidecarScope.DestinationRule): one with a workloadSelector in the
 * proxy's namespace that selects the proxy's labels, else the last one without a selector.
 */
function destinationRuleForProxy(
  rules: readonly ConsolidatedDestinationRule[] | undefined,
  namespace: string,
  labels: ReadonlyMap<string, string>,
): ConsolidatedDestinationRule | undefined {
  let catchAll: ConsolidatedDestinationRule | undefined;
  for (const rule of rules ?? []) {
    if (!rule.workloadSelector) catchAll = rule;
    else if (rule.namespace === namespace && selectorMatches(rule.workloadSelector, labels)) return rule;
  }
  return catchAll;
}

/** sidecar.go: selectDestinationRules, then the per-proxy choice for each service. */
function selectDestinationRules(
  inputs: ScopeInputs,
  services: readonly Service[],
  namespace: string,
  labels: ReadonlyMap<string, string>,
): Map<string, ConsolidatedDestinationRule> {
  const index = destinationRuleIndexes.get(inputs.model, inputs.clusterDomain, () =>
    indexDestinationRules(inputs.model, inputs.clusterDomain),
  );
  const out = new Map<string, ConsolidatedDestinationRule>();
  for (const service of services) {
    const rule = destinationRuleForProxy(
      destinationRulesFor(index, namespace, service, inputs.model.meshConfig.rootNamespace),
      namespace,
      labels,
    );
    if (rule) out.set(service.hostname, rule);
  }
  return out;
}
