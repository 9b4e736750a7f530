import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import { DEFAULT_CLUSTER_DOMAIN, resolveShortname } from '../model/host.ts';

/**
 * What the object graph (objectGraph.ts) needs of one object, read by the parser right after it reads the object, while
 * the object's fields are still in the processor's cache: at 20,000 objects, reading them again from the parsed trees
 * when the graph is built costs more than the rest of the graph. Kept with the parsed object (and with its document in
 * the parser's cache), so that an edit reads again only the objects it changed.
 *
 * This module reads parsed data only: it imports nothing from the parser (which imports it).
 */

export type ObjectGraphRelation =
  'selects' | 'manages' | 'routes-to' | 'binds-gateway' | 'configures' | 'runs-on' | 'applies-to';

/** Bits of GraphFacts.flags. */
export const FACT = {
  /** Drawn as a node (namespaces are drawn apart; ConfigMaps and Endpoints not at all). */
  shown: 1,
  namespace: 2,
  /** A workload: its pods carry `podLabels` (the pod's own, or its template's). */
  workload: 4,
  pod: 8,
  /** A Service in a namespace: it gives the host `name.namespace.svc.<cluster domain>`. */
  service: 16,
  /** Its fields ask for edges (it has links). */
  linked: 32,
} as const;

export interface LabelExpression {
  readonly key: string;
  readonly operator: string;
  readonly values: readonly string[];
}

/** An edge an object's own fields ask for, before the other objects are known. */
export type GraphLink =
  /**
   * Equality-based label selection (Service selector, Istio workloadSelector), flat `[key, value, ...]`, among the
   * workloads of the object's namespace or, `everywhere`, of all namespaces.
   */
  | {
      readonly type: 'select';
      readonly labels: readonly string[];
      readonly everywhere: boolean;
      readonly relation: ObjectGraphRelation;
      readonly via: string;
    }
  /** A workload's spec.selector (matchLabels flat, and matchExpressions) over the pods of its namespace. */
  | {
      readonly type: 'manage';
      readonly labels: readonly string[];
      readonly expressions: readonly LabelExpression[];
      readonly via: string;
    }
  /**
   * A host, expanded in the object's namespace when it was written as a short name (`expanded`): as the default cluster
   * domain expands it, since the graph is told the domain and the parser is not.
   */
  | {
      readonly type: 'host';
      readonly host: string;
      readonly expanded: boolean;
      readonly relation: ObjectGraphRelation;
      readonly via: string;
    }
  /** An object by its id. */
  | {
      readonly type: 'object';
      readonly target: string;
      readonly targetHash: number;
      readonly relation: ObjectGraphRelation;
      readonly via: string;
    };

export interface GraphFacts {
  /** `kind/namespace/name` (`Namespace//name` for a Namespace): the node's id, shared with the node. */
  readonly id: string;
  /** idHash() of `id`, so that the graph finds a node by a number instead of hashing every id string again. */
  readonly idHash: number;
  readonly label: string;
  /** FACT bits. */
  readonly flags: number;
  /** The id of the namespace node the object sits in (one string per namespace, shared while parsing). */
  readonly parent: string | undefined;
  /** Flat `[key, value, ...]`: the labels a workload's pods carry. */
  readonly podLabels: readonly string[];
  /**
   * The hosts the object gives: a ServiceEntry's spec.hosts; a Service's `name.namespace.svc.cluster.local` (with the
   * default cluster domain).
   */
  readonly hosts: readonly string[];
  readonly links: readonly GraphLink[];
}

/** An object's id (its node's): `kind/namespace/name`. */
export function objectId(ref: { kind: string; namespace: string | undefined; name: string }): string {
  return [ref.kind, ref.namespace ?? '', ref.name].join('/');
}

const FNV_OFFSET = 0x811c9dc5;

function fnv(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** A 32-bit hash of `objectId({ kind, namespace, name })`, computed without making the id. */
export function idHash(kind: string, namespace: string | undefined, name: string): number {
  return fnv(fnv(fnv(fnv(fnv(FNV_OFFSET, kind), '/'), namespace ?? ''), '/'), name);
}

/** The same hash of an id already made. */
export function hashOfId(id: string): number {
  return fnv(FNV_OFFSET, id);
}

/**
 * One string instance per string the graph's reader composes (an expanded host, a field path, a namespace's node id)
 * while a list of objects is read, as the parser keeps one per value it reads: equal strings then compare as the same
 * string (no characters read), their hash is computed once, and they are stored once. Only a speed-up: strings that
 * were not shared compare by their characters. Emptied when a graph has been built (see forgetSharedStrings), and
 * when large.
 */
const shared = new Map<string, string>();
const namespaceIds = new Map<string, string>();
const MAX_SHARED = 65_536;

function share(text: string): string {
  const known = shared.get(text);
  if (known !== undefined) return known;
  if (shared.size >= MAX_SHARED) shared.clear();
  shared.set(text, text);
  return text;
}

function namespaceNodeId(namespace: string): string {
  const known = namespaceIds.get(namespace);
  if (known !== undefined) return known;
  if (namespaceIds.size >= MAX_SHARED) namespaceIds.clear();
  const id = objectId({ kind: 'Namespace', namespace: undefined, name: namespace });
  namespaceIds.set(namespace, id);
  return id;
}

/** Lets go of the shared strings (they would keep texts read earlier alive). */
export function forgetSharedStrings(): void {
  shared.clear();
  namespaceIds.clear();
}

// Parsed data: own-property reads only (a Service may be named `constructor`).
function mapping(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Readonly<Record<string, unknown>>)
    : undefined;
}

function at(value: unknown, key: string): unknown {
  const map = mapping(value);
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

function text(value: unknown, key: string): string | undefined {
  const found = at(value, key);
  return typeof found === 'string' ? found : undefined;
}

function list(value: unknown, key: string): readonly unknown[] {
  const found = at(value, key);
  return Array.isArray(found) ? found : NONE;
}

/** A mapping's string values, flat `[key, value, ...]` (what toStringMap keeps, in the same order). */
function stringPairs(value: unknown): readonly string[] {
  const map = mapping(value);
  if (!map) return NONE;
  let pairs: string[] | undefined;
  for (const key of Object.keys(map)) {
    const item = map[key];
    if (typeof item === 'string') (pairs ??= []).push(key, item);
  }
  return exact(pairs);
}

const NONE: readonly never[] = [];

/** A list grown by push holds room for more: kept, it is copied to its length. */
function exact<T>(items: T[] | undefined): readonly T[] {
  return items && items.length > 0 ? items.slice() : NONE;
}

/** `name.namespace.svc.cluster.local`, made as one string (a template would keep its parts). */
function serviceHost(name: string, namespace: string): string {
  return [name, '.', namespace, '.svc.', DEFAULT_CLUSTER_DOMAIN].join('');
}

/** What the graph needs of an object it neither draws nor links. */
const HIDDEN: GraphFacts = {
  id: '',
  idHash: 0,
  label: '',
  flags: 0,
  parent: undefined,
  podLabels: NONE,
  hosts: NONE,
  links: NONE,
};

/** What the graph needs of one parsed object (its kind, name and namespace as the parser read them). */
export function readGraphFacts(
  kind: string,
  name: string,
  namespace: string | undefined,
  modelled: boolean,
  value: Readonly<Record<string, unknown>>,
): GraphFacts {
  const isNamespace = kind === 'Namespace';
  const shown = modelled && !isNamespace && kind !== 'ConfigMap' && kind !== 'Endpoints';
  if (!shown && !isNamespace) return HIDDEN;
  const spec = at(value, 'spec');
  const links: GraphLink[] = [];
  const hostNamespace = namespace ?? 'default';
  const toHost = (host: string, relation: ObjectGraphRelation, via: string, inNamespace = hostNamespace): void => {
    // A name without a dot is expanded in the namespace (pilot/pkg/model/config.go: ResolveShortnameToFQDN).
    const expanded = resolveShortname(host, inNamespace, DEFAULT_CLUSTER_DOMAIN) !== host;
    const resolved = expanded ? share(serviceHost(host, inNamespace)) : host;
    links.push({ type: 'host', host: resolved, expanded, relation, via: share(via) });
  };
  const select = (labels: readonly string[], everywhere: boolean, relation: ObjectGraphRelation, via: string) => {
    // An empty selector selects nothing here.
    if (labels.length > 0) links.push({ type: 'select', labels, everywhere, relation, via });
  };
  const toObject = (
    targetKind: string,
    targetNamespace: string | undefined,
    targetName: string,
    relation: ObjectGraphRelation,
    via: string,
  ): void => {
    const target = objectId({ kind: targetKind, namespace: targetNamespace, name: targetName });
    links.push({ type: 'object', target, targetHash: hashOfId(target), relation, via: share(via) });
  };
  let hosts: string[] | undefined;
  const workloadSelector = () => stringPairs(at(at(spec, 'workloadSelector'), 'labels'));
  switch (kind) {
    case 'Service':
      select(stringPairs(at(spec, 'selector')), namespace === undefined, 'selects', 'spec.selector');
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job': {
      // A workload's spec.selector, with matchExpressions (as readLabelSelector reads it); an empty one manages
      // nothing here.
      const selector = at(spec, 'selector');
      const labels = stringPairs(at(selector, 'matchLabels'));
      const expressions: LabelExpression[] = [];
      for (const expression of list(selector, 'matchExpressions')) {
        const key = at(expression, 'key');
        const operator = at(expression, 'operator');
        const values = at(expression, 'values');
        if (typeof key === 'string' && typeof operator === 'string')
          expressions.push({
            key,
            operator,
            values: Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : NONE,
          });
      }
      if (labels.length > 0 || expressions.length > 0)
        links.push({
          type: 'manage',
          labels,
          expressions: exact(expressions),
          via: 'spec.selector',
        });
      break;
    }
    case 'ServiceEntry':
      for (const host of list(spec, 'hosts')) if (typeof host === 'string') (hosts ??= []).push(host);
      select(workloadSelector(), namespace === undefined, 'selects', 'spec.workloadSelector');
      break;
    case 'Gateway':
      // A Gateway's selector picks gateway pods in any namespace by default.
      select(stringPairs(at(spec, 'selector')), true, 'runs-on', 'spec.selector');
      break;
    case 'Sidecar':
      select(workloadSelector(), namespace === undefined, 'applies-to', 'spec.workloadSelector');
      break;
    case 'PeerAuthentication':
    case 'RequestAuthentication':
    case 'AuthorizationPolicy':
      select(
        stringPairs(at(at(spec, 'selector'), 'matchLabels')),
        namespace === undefined,
        'applies-to',
        'spec.selector',
      );
      break;
    case 'DestinationRule': {
      const host = text(spec, 'host');
      if (host) toHost(host, 'configures', 'spec.host');
      break;
    }
    case 'VirtualService':
      for (const gateway of list(spec, 'gateways')) {
        if (typeof gateway !== 'string' || gateway === 'mesh') continue;
        const [gatewayNamespace, gatewayName] = gateway.includes('/') ? gateway.split('/', 2) : [namespace, gateway];
        toObject('Gateway', gatewayNamespace, gatewayName ?? '', 'binds-gateway', 'spec.gateways');
      }
      for (const protocol of ['http', 'tls', 'tcp'] as const) {
        list(spec, protocol).forEach((route, routeIndex) => {
          list(route, 'route').forEach((destination, destinationIndex) => {
            const host = text(at(destination, 'destination'), 'host');
            if (host)
              toHost(
                host,
                'routes-to',
                ['spec.', protocol, '[', routeIndex, '].route[', destinationIndex, '].destination.host'].join(''),
              );
          });
        });
      }
      break;
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TCPRoute':
    case 'TLSRoute':
      // A Gateway API route: its parentRefs (a Gateway, or a Service for mesh routing) and its backendRefs.
      list(spec, 'parentRefs').forEach((ref, index) => {
        const refKind = text(ref, 'kind') ?? 'Gateway';
        const relation = refKind === 'Gateway' ? 'binds-gateway' : 'configures';
        const via = ['spec.parentRefs[', index, ']'].join('');
        toObject(refKind, text(ref, 'namespace') ?? namespace, text(ref, 'name') ?? '', relation, via);
      });
      list(spec, 'rules').forEach((rule, ruleIndex) => {
        list(rule, 'backendRefs').forEach((ref, refIndex) => {
          const refName = text(ref, 'name') ?? '';
          const refNamespace = text(ref, 'namespace') ?? namespace;
          const via = ['spec.rules[', ruleIndex, '].backendRefs[', refIndex, ']'].join('');
          if (text(ref, 'kind') === 'Hostname') toHost(refName, 'routes-to', via, 'default');
          else {
            const host = share(serviceHost(refName, refNamespace ?? 'default'));
            links.push({ type: 'host', host, expanded: true, relation: 'routes-to', via: share(via) });
          }
        });
      });
      break;
    case 'Ingress':
      list(spec, 'rules').forEach((rule, ruleIndex) => {
        list(at(rule, 'http'), 'paths').forEach((path, pathIndex) => {
          const serviceName = text(at(at(path, 'backend'), 'service'), 'name');
          if (serviceName)
            toHost(
              serviceName,
              'routes-to',
              ['spec.rules[', ruleIndex, '].http.paths[', pathIndex, '].backend'].join(''),
            );
        });
      });
      break;
  }
  const workload = WORKLOAD_KINDS.has(kind);
  const flags =
    (shown ? FACT.shown : 0) |
    (isNamespace ? FACT.namespace : 0) |
    (workload ? FACT.workload : 0) |
    (kind === 'Pod' ? FACT.pod : 0) |
    (kind === 'Service' && namespace ? FACT.service : 0) |
    (links.length > 0 ? FACT.linked : 0);
  if (kind === 'Service' && namespace) hosts = [share(serviceHost(name, namespace))];
  return {
    id: isNamespace ? namespaceNodeId(name) : objectId({ kind, namespace, name }),
    idHash: isNamespace ? idHash(kind, undefined, name) : idHash(kind, namespace, name),
    label: isNamespace ? name : share(`${kind}\n`) + name,
    flags,
    parent: namespace ? namespaceNodeId(namespace) : undefined,
    podLabels: !workload
      ? NONE
      : kind === 'Pod'
        ? stringPairs(at(at(value, 'metadata'), 'labels'))
        : stringPairs(at(at(at(spec, 'template'), 'metadata'), 'labels')),
    hosts: exact(hosts),
    links: exact(links),
  };
}
