import { field, isRecord } from '../manifest/parse.ts';
import { resolveShortname } from '../model/host.ts';
import type { IstioConfigModel, MeshConfig } from '../model/mesh.ts';

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
  /** The raw rule: redirect, directResponse, rewrite, fault, timeout, retries, mirror, headers, delegate... */
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
    return [{
      host: resolveShortname(host, namespace, clusterDomain),
      subset: typeof subset === 'string' && subset !== '' ? subset : undefined,
      port: typeof port === 'number' ? port : undefined,
      weight: typeof weight === 'number' ? weight : undefined,
      index,
    }];
  });
}

/** pilot/pkg/model/virtualservice.go: ResolveVirtualServiceShortnames; push_context.go: getGatewayNames. */
export function resolveVirtualService(config: IstioConfigModel, mesh: MeshConfig, clusterDomain: string): VirtualService {
  const spec = config.spec;
  const ns = config.namespace;
  const gateways = strings(field(spec, 'gateways')).map((g) => resolveGatewayName(g, ns));
  const exportTo = strings(field(spec, 'exportTo'));
  const effectiveExport = (exportTo.length > 0 ? exportTo : mesh.defaultVirtualServiceExportTo).map((e) => (e === '.' ? ns : e));
  return {
    config,
    name: config.name,
    namespace: ns,
    hosts: strings(field(spec, 'hosts')).map((h) => resolveShortname(h, ns, clusterDomain)),
    gateways: gateways.length > 0 ? gateways : ['mesh'],
    exportTo: new Set(effectiveExport),
    http: records(field(spec, 'http')).map((rule, index) => {
      const delegate = field(rule, 'delegate');
      const delegateName = field(delegate, 'name');
      const delegateNamespace = field(delegate, 'namespace');
      const name = field(rule, 'name');
      return {
        index,
        name: typeof name === 'string' ? name : undefined,
        match: records(field(rule, 'match')),
        route: destinations(rule, ns, clusterDomain),
        raw: rule,
        delegate: typeof delegateName === 'string' ? { name: delegateName, namespace: typeof delegateNamespace === 'string' ? delegateNamespace : ns } : undefined,
      };
    }),
    tcp: records(field(spec, 'tcp')).map((rule, index) => ({ index, match: records(field(rule, 'match')), route: destinations(rule, ns, clusterDomain) })),
    tls: records(field(spec, 'tls')).map((rule, index) => ({ index, match: records(field(rule, 'match')), route: destinations(rule, ns, clusterDomain) })),
    order: config.order,
  };
}

/**
 * The VirtualServices bound to `gateway` that a proxy in `namespace` may use, in Istio's order: private to the
 * namespace, exported to it, then public; each oldest first (push_context.go: initVirtualServices, VirtualServicesForGateway).
 */
export function virtualServicesForGateway(all: readonly VirtualService[], namespace: string, gateway: string): VirtualService[] {
  const bound = all.filter((vs) => vs.gateways.includes(gateway)).sort((a, b) => a.order - b.order);
  const isPublic = (vs: VirtualService) => vs.exportTo.has('*');
  const hidden = (vs: VirtualService) => vs.exportTo.has('~') && !isPublic(vs);
  const privateTo = bound.filter((vs) => !isPublic(vs) && !hidden(vs) && vs.namespace === namespace && vs.exportTo.has(namespace));
  const exportedTo = bound.filter((vs) => !isPublic(vs) && !hidden(vs) && vs.namespace !== namespace && vs.exportTo.has(namespace));
  return [...privateTo, ...exportedTo, ...bound.filter(isPublic)];
}
