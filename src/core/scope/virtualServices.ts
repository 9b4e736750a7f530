import { field, isRecord } from '../manifest/parse.ts';
import { resolveShortname } from '../model/host.ts';
import type { IstioConfigModel, MeshConfig } from '../model/mesh.ts';
import { derivedFrom } from '../model/memo.ts';
import { toStringMap } from '../model/labels.ts';

/** A VirtualService with its hosts, gateways, destinations and exportTo resolved as istiod resolves them. */
export interface VirtualService {
  config: IstioConfigModel;
  name: string;
  namespace: string;
  /** Hosts with short names expanded relative to the VirtualService's namespace. */
  hosts: string[];
  /** Normalised gateway names: `mesh` or `namespace/name`; `[mesh]` when none are listed. */
  gateways: string[];
  /** exportTo with `.` replaced by the namespace; the mesh default when empty. */
  exportTo: Set<string>;
  http: HttpRoute[];
  tcp: L4Route[];
  tls: L4Route[];
  /** Position in the input (creation order). */
  order: number;
}

export interface RouteDestination {
  host: string;
  subset: string | undefined;
  port: number | undefined;
  weight: number | undefined;
  /** Index in the rule's `route` list, for citations. */
  index: number;
}

export interface HttpRoute {
  index: number;
  name: string | undefined;
  match: Array<Readonly<Record<string, unknown>>>;
  route: RouteDestination[];
  /** mirror then mirrors[].destination, hosts expanded like route hosts. */
  mirrors: RouteDestination[];
  /**
   * The raw rule (mirror hosts expanded): redirect, directResponse, rewrite, fault, timeout, retries, mirror, headers,
   * delegate...
   */
  raw: Readonly<Record<string, unknown>>;
  delegate: { name: string; namespace: string } | undefined;
}

export interface L4Route {
  index: number;
  match: Array<Readonly<Record<string, unknown>>>;
  route: RouteDestination[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function records(value: unknown): Array<Readonly<Record<string, unknown>>> {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A VS gateway reference in `namespace/name` form (pilot/pkg/model/config.go: resolveGatewayName). */
export function resolveGatewayName(name: string, namespace: string): string {
  if (name === 'mesh') return name;
  if (name.includes('/')) {
    const [ns, rest] = name.split('/', 2);
    return ns === '.' ? `${namespace}/${rest ?? ''}` : name;
  }
  if (!name.includes('.')) return `${namespace}/${name}`;
  // Legacy FQDN form name.ns.svc.cluster.local → ns/name.
  const [short, ns] = name.split('.');
  return `${ns ?? ''}/${short ?? ''}`;
}

function destinations(rule: unknown, namespace: string, clusterDomain: string): RouteDestination[] {
  return records(field(rule, 'route')).flatMap((entry, index) => {
    const destination = field(entry, 'destination');
    const host = field(destination, 'host');
    if (typeof host !== 'string') return [];
    const subset = field(destination, 'subset');
    const port = field(field(destination, 'port'), 'number');
    const weight = field(entry, 'weight');
    return [
      {
        host: resolveShortname(host, namespace, clusterDomain),
        subset: typeof subset === 'string' && subset !== '' ? subset : undefined,
        port: typeof port === 'number' ? port : undefined,
        weight: typeof weight === 'number' ? weight : undefined,
        index,
      },
    ];
  });
}

function mirrorDestination(value: unknown, index: number): RouteDestination[] {
  const host = field(value, 'host');
  if (typeof host !== 'string') return [];
  const subset = field(value, 'subset');
  const port = field(field(value, 'port'), 'number');
  return [
    {
      host,
      subset: typeof subset === 'string' && subset !== '' ? subset : undefined,
      port: typeof port === 'number' ? port : undefined,
      weight: undefined,
      index,
    },
  ];
}

/** The mirror destinations of a rule whose hosts are already expanded: `mirror`, then each `mirrors[].destination`. */
function mirrorDestinations(raw: Readonly<Record<string, unknown>>): RouteDestination[] {
  // route.go: MirrorPercent, MirrorPercentByPolicy — a percentage of 0 written out mirrors nothing (no mirror policy).
  const zero = (percentage: unknown, percent?: unknown) => {
    const value = percentage !== undefined ? field(percentage, 'value') : percent;
    return (percentage !== undefined || percent !== undefined) && !(typeof value === 'number' && value > 0);
  };
  return [
    ...(zero(raw['mirrorPercentage'], raw['mirrorPercent']) ? [] : mirrorDestination(raw['mirror'], 0)),
    ...records(raw['mirrors']).flatMap((m, index) =>
      zero(m['percentage']) ? [] : mirrorDestination(m['destination'], index),
    ),
  ];
}

/**
 * The rule with its mirror hosts expanded in the VirtualService namespace (virtualservice.go:
 * ResolveVirtualServiceShortnames).
 */
function resolveMirrorHosts(
  rule: Readonly<Record<string, unknown>>,
  namespace: string,
  clusterDomain: string,
): Readonly<Record<string, unknown>> {
  const resolve = (destination: unknown): unknown => {
    const host = field(destination, 'host');
    return isRecord(destination) && typeof host === 'string'
      ? { ...destination, host: resolveShortname(host, namespace, clusterDomain) }
      : destination;
  };
  const out: Record<string, unknown> = { ...rule };
  if (rule['mirror'] !== undefined) out['mirror'] = resolve(rule['mirror']);
  if (Array.isArray(rule['mirrors']))
    out['mirrors'] = (rule['mirrors'] as unknown[]).map((m) =>
      isRecord(m) ? { ...m, destination: resolve(m['destination']) } : m,
    );
  return out;
}

/** pilot/pkg/model/virtualservice.go: ResolveVirtualServiceShortnames; push_context.go: getGatewayNames. */
export function resolveVirtualService(
  config: IstioConfigModel,
  mesh: MeshConfig,
  clusterDomain: string,
): VirtualService {
  const spec = config.spec;
  const ns = config.namespace;
  const gateways = strings(field(spec, 'gateways')).map((g) => resolveGatewayName(g, ns));
  const exportTo = strings(field(spec, 'exportTo'));
  const effectiveExport = (exportTo.length > 0 ? exportTo : mesh.defaultVirtualServiceExportTo).map((e) =>
    e === '.' ? ns : e,
  );
  return {
    config,
    name: config.name,
    namespace: ns,
    hosts: strings(field(spec, 'hosts')).map((h) => resolveShortname(h, ns, clusterDomain)),
    gateways: gateways.length > 0 ? gateways : ['mesh'],
    exportTo: new Set(effectiveExport),
    http: records(field(spec, 'http')).map((written, index) => {
      const rule = resolveMirrorHosts(written, ns, clusterDomain);
      const delegate = field(rule, 'delegate');
      const delegateName = field(delegate, 'name');
      const delegateNamespace = field(delegate, 'namespace');
      const name = field(rule, 'name');
      return {
        index,
        name: typeof name === 'string' ? name : undefined,
        match: records(field(rule, 'match')),
        route: destinations(rule, ns, clusterDomain),
        mirrors: mirrorDestinations(rule),
        raw: rule,
        delegate:
          typeof delegateName === 'string'
            ? { name: delegateName, namespace: typeof delegateNamespace === 'string' ? delegateNamespace : ns }
            : undefined,
      };
    }),
    tcp: records(field(spec, 'tcp')).map((rule, index) => ({
      index,
      match: records(field(rule, 'match')),
      route: destinations(rule, ns, clusterDomain),
    })),
    tls: records(field(spec, 'tls')).map((rule, index) => ({
      index,
      match: records(field(rule, 'match')),
      route: destinations(rule, ns, clusterDomain),
    })),
    order: config.order,
  };
}

const gatewayIndexes = new WeakMap<readonly VirtualService[], Map<string, VirtualService[]>>();

/** The VirtualServices bound to each gateway name, oldest first; built once per list. */
function boundTo(all: readonly VirtualService[]): Map<string, VirtualService[]> {
  return derivedFrom(gatewayIndexes, all, (list) => {
    const byGateway = new Map<string, VirtualService[]>();
    for (const vs of [...list].sort((a, b) => a.order - b.order)) {
      for (const gateway of new Set(vs.gateways)) {
        const bound = byGateway.get(gateway);
        if (bound) bound.push(vs);
        else byGateway.set(gateway, [vs]);
      }
    }
    return byGateway;
  });
}

/**
 * The VirtualServices bound to `gateway` that a proxy in `namespace` may use, in Istio's order: private to the
 * namespace, exported to it, then public; each oldest first (push_context.go: initVirtualServices,
 * VirtualServicesForGateway).
 */
export function virtualServicesForGateway(
  all: readonly VirtualService[],
  namespace: string,
  gateway: string,
): VirtualService[] {
  const bound = boundTo(all).get(gateway) ?? [];
  const isPublic = (vs: VirtualService) => vs.exportTo.has('*');
  const hidden = (vs: VirtualService) => vs.exportTo.has('~') && !isPublic(vs);
  const privateTo = bound.filter(
    (vs) => !isPublic(vs) && !hidden(vs) && vs.namespace === namespace && vs.exportTo.has(namespace),
  );
  const exportedTo = bound.filter(
    (vs) => !isPublic(vs) && !hidden(vs) && vs.namespace !== namespace && vs.exportTo.has(namespace),
  );
  return [...privateTo, ...exportedTo, ...bound.filter(isPublic)];
}

type Match = Readonly<Record<string, unknown>>;

/**
 * virtualservice.go: stringMatchConflict — a delegate condition must narrow the root's, never widen or contradict it.
 */
function stringMatchConflict(root: unknown, leaf: unknown): boolean {
  if (!isRecord(root) || !isRecord(leaf)) return false;
  const text = (m: Record<string, unknown>, k: string) => (typeof m[k] === 'string' ? (m[k] as string) : '');
  if (text(root, 'regex') && (text(leaf, 'regex') || text(leaf, 'prefix') || text(leaf, 'exact'))) return true;
  if (text(leaf, 'regex') && (text(root, 'regex') || text(root, 'prefix') || text(root, 'exact'))) return true;
  const exact = text(root, 'exact');
  if (exact) return text(leaf, 'prefix') !== '' || text(leaf, 'exact') !== exact;
  const prefix = text(root, 'prefix');
  if (prefix) {
    if (text(leaf, 'prefix')) return !text(leaf, 'prefix').startsWith(prefix);
    if (text(leaf, 'exact')) return !text(leaf, 'exact').startsWith(prefix);
  }
  return true;
}

/** Match gateways in `namespace/name` form, resolved in their own VirtualService's namespace. */
function matchGateways(match: Match, namespace: string): string[] {
  return strings(field(match, 'gateways')).map((g) => resolveGatewayName(g, namespace));
}

/** virtualservice.go: hasConflict. */
function matchConflict(root: Match, leaf: Match, rootNamespace: string, leafNamespace: string): boolean {
  for (const key of ['uri', 'scheme', 'method', 'authority'])
    if (stringMatchConflict(field(root, key), field(leaf, key))) return true;
  for (const group of ['headers', 'withoutHeaders', 'queryParams']) {
    const leafGroup = field(leaf, group);
    if (isRecord(leafGroup))
      for (const key of Object.keys(leafGroup))
        if (stringMatchConflict(field(field(root, group), key), leafGroup[key])) return true;
  }
  if ((field(root, 'ignoreUriCase') === true) !== (field(leaf, 'ignoreUriCase') === true)) return true;
  const rootPort = field(root, 'port');
  const leafPort = field(leaf, 'port');
  if (
    typeof rootPort === 'number' &&
    typeof leafPort === 'number' &&
    rootPort > 0 &&
    leafPort > 0 &&
    rootPort !== leafPort
  )
    return true;
  const rootNs = field(root, 'sourceNamespace');
  if (typeof rootNs === 'string' && rootNs !== '' && field(leaf, 'sourceNamespace') !== rootNs) return true;
  // The root's sourceLabels and gateways must cover the delegate's.
  const rootLabels = toStringMap(field(root, 'sourceLabels'));
  for (const [key, value] of toStringMap(field(leaf, 'sourceLabels')))
    if (rootLabels.has(key) && rootLabels.get(key) !== value) return true;
  const rootGateways = matchGateways(root, rootNamespace);
  const leafGateways = matchGateways(leaf, leafNamespace);
  if (rootGateways.length > 0 && leafGateways.length > 0)
    return rootGateways.length < leafGateways.length || leafGateways.some((g) => !rootGateways.includes(g));
  return false;
}

/** virtualservice.go: mergeHTTPMatchRequest — unset delegate fields come from the root; maps are merged. */
function mergeMatch(root: Match, leaf: Match, rootNamespace: string, leafNamespace: string): Match {
  const out: Record<string, unknown> = { ...leaf };
  // Gateways are resolved in each VirtualService's namespace before the merge (ResolveVirtualServiceShortnames).
  if (matchGateways(leaf, leafNamespace).length > 0) out['gateways'] = matchGateways(leaf, leafNamespace);
  else if (matchGateways(root, rootNamespace).length > 0) out['gateways'] = matchGateways(root, rootNamespace);
  for (const key of ['uri', 'scheme', 'method', 'authority', 'sourceNamespace', 'port'])
    if (out[key] === undefined) out[key] = root[key];
  for (const key of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels']) {
    const merged = {
      ...(isRecord(root[key]) ? (root[key] as Record<string, unknown>) : {}),
      ...(isRecord(leaf[key]) ? (leaf[key] as Record<string, unknown>) : {}),
    };
    if (Object.keys(merged).length > 0) out[key] = merged;
  }
  const rootName = typeof root['name'] === 'string' ? root['name'] : '';
  const leafName = typeof leaf['name'] === 'string' ? leaf['name'] : '';
  out['name'] = leafName === '' ? rootName : rootName !== '' ? `${rootName}-${leafName}` : leafName;
  return out;
}

function mergeMatches(root: Match[], leaf: Match[], rootNamespace: string, leafNamespace: string): Match[] | undefined {
  if (root.length === 0) return leaf;
  if (leaf.length === 0) return root;
  const out: Match[] = [];
  for (const sub of leaf) {
    const merged = root
      .filter((r) => !matchConflict(r, sub, rootNamespace, leafNamespace))
      .map((r) => mergeMatch(r, sub, rootNamespace, leafNamespace));
    if (merged.length === 0) return undefined;
    out.push(...merged);
  }
  return out;
}

const INHERITED = [
  'rewrite',
  'directResponse',
  'timeout',
  'retries',
  'fault',
  'mirror',
  'mirrorPercent',
  'mirrorPercentage',
  'corsPolicy',
  'mirrors',
  'headers',
];

/**
 * Root VirtualServices get their delegates' routes in place of each `delegate` rule
 * (pilot/pkg/model/virtualservice_controller.go: mergeVirtualServices; virtualservice.go: mergeHTTPRoute). The delegate
 * must be exported to the root's namespace; a delegate route whose matches conflict with the root's is dropped.
 */
export function mergeDelegates(all: readonly VirtualService[]): VirtualService[] {
  const delegates = all.filter((vs) => vs.hosts.length === 0);
  return all
    .filter((vs) => vs.hosts.length > 0)
    .map((root) => {
      if (!root.http.some((rule) => rule.delegate)) return root;
      const http: HttpRoute[] = [];
      for (const rule of root.http) {
        if (!rule.delegate) {
          http.push({ ...rule, index: http.length });
          continue;
        }
        const target = delegates.find(
          (d) =>
            d.name === rule.delegate?.name &&
            d.namespace === rule.delegate.namespace &&
            (d.exportTo.has('*') || d.exportTo.has(root.namespace)),
        );
        if (!target) continue;
        for (const sub of target.http) {
          const match = mergeMatches(rule.match as Match[], sub.match as Match[], root.namespace, target.namespace);
          if (!match) continue;
          const raw: Record<string, unknown> = { ...sub.raw };
          for (const key of INHERITED)
            if (raw[key] === undefined && rule.raw[key] !== undefined) raw[key] = rule.raw[key];
          const name =
            sub.name === undefined || sub.name === '' ? rule.name : rule.name ? `${rule.name}-${sub.name}` : sub.name;
          http.push({
            ...sub,
            index: http.length,
            name,
            match,
            raw,
            mirrors: mirrorDestinations(raw),
            delegate: undefined,
          });
        }
      }
      return { ...root, http };
    });
}
