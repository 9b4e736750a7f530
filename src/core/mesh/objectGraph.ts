import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import { field, stringField, type ManifestObject } from '../manifest/parse.ts';
import { latestObjects } from '../model/convert.ts';
import { DEFAULT_CLUSTER_DOMAIN, resolveShortname } from '../model/host.ts';
import {
  LabelIndex,
  labelIndexByNamespace,
  readLabelSelector,
  selectorIsEmpty,
  toStringMap,
  type LabelSelector,
} from '../model/labels.ts';

/**
 * The scenario as a graph of objects and how they refer to each other: which pods a Service selects, which hosts
 * and gateways a VirtualService binds, which host a DestinationRule configures, which pods a Gateway runs on.
 * This is the mesh view the path is drawn in; it is not a resolution of any request.
 */
export interface ObjectRef {
  kind: string;
  namespace: string | undefined;
  name: string;
}

export type ObjectGraphRelation =
  'selects' | 'manages' | 'routes-to' | 'binds-gateway' | 'configures' | 'runs-on' | 'applies-to';

export interface ObjectGraphNode {
  id: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  label: string;
  /** The namespace node this object sits in. */
  parent: string | undefined;
  /** Index into the parsed objects, undefined for implied namespaces. */
  objectIndex: number | undefined;
}

export interface ObjectGraphEdge {
  id: string;
  source: string;
  target: string;
  relation: ObjectGraphRelation;
  /** The field that made the reference, e.g. `spec.selector` or `spec.http[0].route[0].destination.host`. */
  via: string;
}

export interface ObjectGraph {
  nodes: ObjectGraphNode[];
  edges: ObjectGraphEdge[];
}

export function objectId(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** An edge an object's own fields ask for, before the other objects are known. */
type Link =
  /** Equality-based label selection (Service selector, Istio workloadSelector), in `namespace` or, undefined, all. */
  | {
      type: 'select';
      labels: ReadonlyMap<string, string>;
      namespace: string | undefined;
      relation: ObjectGraphRelation;
      via: string;
    }
  /** A workload's spec.selector (with matchExpressions) over the pods of its namespace. */
  | { type: 'manage'; selector: LabelSelector; via: string }
  /** A host, already expanded as written in the object's namespace. */
  | { type: 'host'; host: string; relation: ObjectGraphRelation; via: string }
  /** An object by its id, when there is one. */
  | { type: 'object'; target: string; relation: ObjectGraphRelation; via: string };

/**
 * What makes an object's node and what other objects find it by. Read in one go with its links, so that building the
 * graph reads each object's fields once (at 20,000 objects a pass per question no longer fits the processor's caches);
 * after an edit, read again for the changed objects, before and after, to tell whether only their own edges changed.
 */
interface GraphFacts {
  id: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  label: string;
  /** Drawn as a node (namespaces are drawn apart; ConfigMaps and Endpoints not at all). */
  shown: boolean;
  /** The labels its pods carry (the pod's own, or its template's), for a workload. */
  podLabels: ReadonlyMap<string, string> | undefined;
  /** The host a Service gives (its cluster name). */
  serviceHost: string | undefined;
  /** The hosts a ServiceEntry gives. */
  entryHosts: readonly string[];
}

const NONE: readonly never[] = [];

function readFacts(object: ManifestObject, clusterDomain: string): { facts: GraphFacts; links: readonly Link[] } {
  const { kind, name, namespace } = object;
  const spec = field(object.value, 'spec');
  const links: Link[] = [];
  // A host as written in a namespace: only a name without a dot is expanded (pilot/pkg/model/config.go:
  // ResolveShortnameToFQDN).
  const toHost = (
    host: string,
    relation: ObjectGraphRelation,
    via: string,
    hostNamespace: string | undefined = namespace,
  ): void => {
    links.push({
      type: 'host',
      host: resolveShortname(host, hostNamespace ?? 'default', clusterDomain),
      relation,
      via,
    });
  };
  const select = (
    labels: Map<string, string>,
    scope: string | undefined,
    relation: ObjectGraphRelation,
    via: string,
  ) => {
    // An empty selector selects nothing here.
    if (labels.size > 0) links.push({ type: 'select', labels, namespace: scope, relation, via });
  };
  const entryHosts: string[] = [];
  const workloadSelector = () => toStringMap(field(field(spec, 'workloadSelector'), 'labels'));
  switch (kind) {
    case 'Service':
      select(toStringMap(field(spec, 'selector')), namespace, 'selects', 'spec.selector');
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job': {
      // A workload's spec.selector, with matchExpressions; an empty one manages nothing here.
      const selector = readLabelSelector(field(spec, 'selector'));
      if (!selectorIsEmpty(selector)) links.push({ type: 'manage', selector, via: 'spec.selector' });
      break;
    }
    case 'ServiceEntry': {
      const hosts = field(spec, 'hosts');
      if (Array.isArray(hosts)) for (const host of hosts) if (typeof host === 'string') entryHosts.push(host);
      select(workloadSelector(), namespace, 'selects', 'spec.workloadSelector');
      break;
    }
    case 'Gateway':
      // A Gateway's selector picks gateway pods in any namespace by default.
      select(toStringMap(field(spec, 'selector')), undefined, 'runs-on', 'spec.selector');
      break;
    case 'Sidecar':
      select(workloadSelector(), namespace, 'applies-to', 'spec.workloadSelector');
      break;
    case 'PeerAuthentication':
    case 'RequestAuthentication':
    case 'AuthorizationPolicy':
      select(toStringMap(field(field(spec, 'selector'), 'matchLabels')), namespace, 'applies-to', 'spec.selector');
      break;
    case 'DestinationRule': {
      const host = stringField(spec, 'host');
      if (host) toHost(host, 'configures', 'spec.host');
      break;
    }
    case 'VirtualService':
      for (const gateway of arrayField(spec, 'gateways')) {
        if (typeof gateway !== 'string' || gateway === 'mesh') continue;
        const [gatewayNamespace, gatewayName] = gateway.includes('/') ? gateway.split('/', 2) : [namespace, gateway];
        const target = objectId({ kind: 'Gateway', namespace: gatewayNamespace, name: gatewayName ?? '' });
        links.push({ type: 'object', target, relation: 'binds-gateway', via: 'spec.gateways' });
      }
      for (const protocol of ['http', 'tls', 'tcp'] as const) {
        arrayField(spec, protocol).forEach((route, routeIndex) => {
          arrayField(route, 'route').forEach((destination, destinationIndex) => {
            const host = stringField(field(destination, 'destination'), 'host');
            if (host)
              toHost(host, 'routes-to', `spec.${protocol}[${routeIndex}].route[${destinationIndex}].destination.host`);
          });
        });
      }
      break;
    case 'HTTPRoute':
    case 'GRPCRoute':
    case 'TCPRoute':
    case 'TLSRoute':
      // A Gateway API route: its parentRefs (a Gateway, or a Service for mesh routing) and its backendRefs.
      arrayField(spec, 'parentRefs').forEach((ref, index) => {
        const refKind = stringField(ref, 'kind') ?? 'Gateway';
        const target = objectId({
          kind: refKind,
          namespace: stringField(ref, 'namespace') ?? namespace,
          name: stringField(ref, 'name') ?? '',
        });
        const relation = refKind === 'Gateway' ? 'binds-gateway' : 'configures';
        links.push({ type: 'object', target, relation, via: `spec.parentRefs[${index}]` });
      });
      arrayField(spec, 'rules').forEach((rule, ruleIndex) => {
        arrayField(rule, 'backendRefs').forEach((ref, refIndex) => {
          const refName = stringField(ref, 'name') ?? '';
          const refNamespace = stringField(ref, 'namespace') ?? namespace;
          const via = `spec.rules[${ruleIndex}].backendRefs[${refIndex}]`;
          if (stringField(ref, 'kind') === 'Hostname') toHost(refName, 'routes-to', via, 'default');
          else toHost(`${refName}.${refNamespace ?? 'default'}.svc.${clusterDomain}`, 'routes-to', via, refNamespace);
        });
      });
      break;
    case 'Ingress':
      arrayField(spec, 'rules').forEach((rule, ruleIndex) => {
        arrayField(field(rule, 'http'), 'paths').forEach((path, pathIndex) => {
          const serviceName = stringField(field(field(path, 'backend'), 'service'), 'name');
          if (serviceName)
            toHost(serviceName, 'routes-to', `spec.rules[${ruleIndex}].http.paths[${pathIndex}].backend`);
        });
      });
      break;
  }
  const facts: GraphFacts = {
    id: kind === 'Namespace' ? objectId({ kind, namespace: undefined, name }) : objectId(object),
    kind,
    name,
    namespace,
    label: kind === 'Namespace' ? name : `${kind}\n${name}`,
    shown: object.modelled && kind !== 'Namespace' && kind !== 'ConfigMap' && kind !== 'Endpoints',
    podLabels: !WORKLOAD_KINDS.has(kind)
      ? undefined
      : kind === 'Pod'
        ? toStringMap(field(field(object.value, 'metadata'), 'labels'))
        : toStringMap(field(field(field(spec, 'template'), 'metadata'), 'labels')),
    serviceHost: kind === 'Service' && namespace ? `${name}.${namespace}.svc.${clusterDomain}` : undefined,
    entryHosts: entryHosts.length > 0 ? entryHosts : NONE,
  };
  return { facts, links: links.length > 0 ? links : NONE };
}

interface Shown {
  facts: GraphFacts;
  links: readonly Link[];
  objectIndex: number;
}

/**
 * What a graph keeps for the next one (a graph of the same objects after an edit): where each object's edges start,
 * and what the edges of one object are made against (the workloads selectors pick from, the hosts, the node ids).
 */
interface GraphState {
  clusterDomain: string;
  nodes: readonly ObjectGraphNode[];
  edges: readonly ObjectGraphEdge[];
  /** The edges of the object at position p are edges[starts[p]] up to edges[starts[p + 1]]. */
  starts: Int32Array;
  targets: LinkTargets;
}

/** What one object's links are resolved against. */
interface LinkTargets {
  workloads: readonly GraphFacts[];
  pods: readonly GraphFacts[];
  hosts: ReadonlyMap<string, string>;
  nodeIds: ReadonlySet<string>;
}

const stateOf = new WeakMap<readonly ManifestObject[], GraphState>();
/** The objects of the last graph built (not kept alive by this). */
let lastObjects: WeakRef<readonly ManifestObject[]> | undefined;

export function buildObjectGraph(
  objects: readonly ManifestObject[],
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): ObjectGraph {
  const previous = lastObjects?.deref();
  const state = previous ? stateOf.get(previous) : undefined;
  const graph =
    (previous && state && patchGraph(previous, state, objects, clusterDomain)) ||
    buildWholeGraph(objects, clusterDomain);
  lastObjects = new WeakRef(objects);
  return graph;
}

/** Forgets the last graph built (for measuring, or checking, a first read). */
export function forgetLastGraph(): void {
  lastObjects = undefined;
}

/** The most objects an edit may have changed for the graph to be patched instead of built again. */
const PATCH_LIMIT = 256;

/**
 * The graph of `objects` made from the last one when at most a few parsed values changed, in place, and none of them
 * changed what makes a node or what other objects find it by (identity, labels, hosts): then only the edges of the
 * changed objects are made again. Undefined when that does not hold; a whole build follows.
 */
function patchGraph(
  previous: readonly ManifestObject[],
  state: GraphState,
  objects: readonly ManifestObject[],
  clusterDomain: string,
): ObjectGraph | undefined {
  if (state.clusterDomain !== clusterDomain || previous.length !== objects.length) return undefined;
  const changed = new Map<number, ReturnType<typeof readFacts>>();
  for (let p = 0; p < objects.length; p++) {
    const object = objects[p] as ManifestObject;
    const before = previous[p] as ManifestObject;
    if (object.value === before.value) continue;
    if (changed.size >= PATCH_LIMIT) return undefined;
    const after = readFacts(object, clusterDomain);
    if (!sameNode(readFacts(before, clusterDomain).facts, after.facts)) return undefined;
    changed.set(p, after);
  }
  if (latestObjects(objects).length !== objects.length) return undefined;
  const link = linker(state.targets);
  const edges: ObjectGraphEdge[] = [];
  const starts = new Int32Array(objects.length + 1);
  for (let p = 0; p < objects.length; p++) {
    starts[p] = edges.length;
    const after = changed.get(p);
    if (after) {
      if (after.facts.shown) link(after.facts, after.links, edges);
    } else
      for (let e = state.starts[p] ?? 0; e < (state.starts[p + 1] ?? 0); e++)
        edges.push(state.edges[e] as ObjectGraphEdge);
  }
  starts[objects.length] = edges.length;
  stateOf.set(objects, { ...state, edges, starts });
  return { nodes: state.nodes.slice(), edges: edges.slice() };
}

/** True when two reads of an object make the same node and the same targets for other objects' edges. */
function sameNode(a: GraphFacts, b: GraphFacts): boolean {
  return (
    a.id === b.id &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.namespace === b.namespace &&
    a.label === b.label &&
    a.shown === b.shown &&
    a.serviceHost === b.serviceHost &&
    a.entryHosts.length === b.entryHosts.length &&
    a.entryHosts.every((host, i) => host === b.entryHosts[i]) &&
    (a.podLabels === b.podLabels ||
      (a.podLabels !== undefined &&
        b.podLabels !== undefined &&
        a.podLabels.size === b.podLabels.size &&
        [...a.podLabels].every(([key, value]) => b.podLabels?.get(key) === value)))
  );
}

/**
 * Makes one object's edges into `out`. Edges are made object by object, so a repeated edge is looked for among the
 * current object's edges only (a short scan, then a set once it has many): no string per edge is hashed. An id two
 * objects share (one kind and name in two API groups) is looked for among all edges (`shared`).
 */
function linker(
  { workloads, pods, hosts, nodeIds }: LinkTargets,
  shared?: { ids: ReadonlySet<string>; edges: readonly ObjectGraphEdge[] },
): (facts: GraphFacts, links: readonly Link[], out: ObjectGraphEdge[]) => void {
  const labelsOf = (workload: GraphFacts) => workload.podLabels ?? NO_LABELS;
  const namespaceOf = (workload: GraphFacts) => workload.namespace;
  // Across namespaces only for a Gateway's selector: built on first use.
  let allWorkloads: LabelIndex<GraphFacts> | undefined;
  const workloadsIn = labelIndexByNamespace(workloads, namespaceOf, labelsOf);
  const podsIn = labelIndexByNamespace(pods, namespaceOf, labelsOf);
  let allEdgeIds: Set<string> | undefined;

  return (facts, links, out) => {
    const source = facts.id;
    const start = out.length;
    let sourceEdgeIds: Set<string> | undefined;
    const addEdge = (target: string, relation: ObjectGraphRelation, via: string): void => {
      if (source === target) return;
      const id = `${source}->${target}:${relation}`;
      if (shared && shared.ids.size > 0 && shared.ids.has(source)) {
        allEdgeIds ??= new Set(shared.edges.map((edge) => edge.id));
        if (allEdgeIds.has(id)) return;
      } else if (out.length - start <= 8) {
        for (let i = start; i < out.length; i++) {
          const edge = out[i] as ObjectGraphEdge;
          if (edge.target === target && edge.relation === relation) return;
        }
      } else {
        sourceEdgeIds ??= new Set(out.slice(start).map((edge) => edge.id));
        if (sourceEdgeIds.has(id)) return;
        sourceEdgeIds.add(id);
      }
      allEdgeIds?.add(id);
      out.push({ id, source, target, relation, via });
    };
    for (const link of links) {
      switch (link.type) {
        case 'select': {
          const index =
            link.namespace === undefined
              ? (allWorkloads ??= new LabelIndex(workloads, labelsOf))
              : workloadsIn(link.namespace);
          for (const workload of index.matching(link.labels)) addEdge(workload.id, link.relation, link.via);
          break;
        }
        case 'manage':
          for (const pod of podsIn(facts.namespace).select(link.selector)) addEdge(pod.id, 'manages', link.via);
          break;
        case 'host': {
          const target = hosts.get(link.host);
          if (target) addEdge(target, link.relation, link.via);
          break;
        }
        case 'object':
          if (nodeIds.has(link.target)) addEdge(link.target, link.relation, link.via);
          break;
      }
    }
  };
}

function buildWholeGraph(objects: readonly ManifestObject[], clusterDomain: string): ObjectGraph {
  const nodes: ObjectGraphNode[] = [];
  const edges: ObjectGraphEdge[] = [];
  const nodeIds = new Set<string>();
  const namespaceIds = new Map<string, string>();

  const namespaceNode = (namespace: string): string => {
    const existing = namespaceIds.get(namespace);
    if (existing) return existing;
    const id = objectId({ kind: 'Namespace', namespace: undefined, name: namespace });
    namespaceIds.set(namespace, id);
    if (!nodeIds.has(id)) {
      nodeIds.add(id);
      nodes.push({
        id,
        kind: 'Namespace',
        name: namespace,
        namespace: undefined,
        label: namespace,
        parent: undefined,
        objectIndex: undefined,
      });
    }
    return id;
  };

  // Of objects with the same identity the last is used, as in the mesh model (kubectl apply leaves that one).
  const kept = latestObjects(objects);
  // Kept objects are in their given order, so as many kept as given means all of them (no set to build).
  const latest = kept.length === objects.length ? undefined : new Set(kept);

  // One pass over the objects: declared namespaces, the objects shown, the workloads selectors pick from, the hosts
  // Services and ServiceEntries give, and the objects whose fields ask for edges.
  const declared: Shown[] = [];
  const shown: Shown[] = [];
  const workloads: GraphFacts[] = [];
  const pods: GraphFacts[] = [];
  const sources: Shown[] = [];
  const hosts = new Map<string, string>();
  for (let objectIndex = 0; objectIndex < objects.length; objectIndex++) {
    const object = objects[objectIndex] as ManifestObject;
    if (latest && !latest.has(object)) continue;
    const { facts, links } = readFacts(object, clusterDomain);
    if (facts.kind === 'Namespace') {
      declared.push({ facts, links, objectIndex });
      continue;
    }
    if (!facts.shown) continue;
    const item: Shown = { facts, links, objectIndex };
    shown.push(item);
    if (facts.podLabels) {
      workloads.push(facts);
      if (facts.kind === 'Pod') pods.push(facts);
    }
    if (links.length > 0) sources.push(item);
    if (facts.serviceHost) hosts.set(facts.serviceHost, facts.id);
    for (const host of facts.entryHosts) if (!hosts.has(host)) hosts.set(host, facts.id);
  }

  // Namespaces first, so that declared ones carry their object.
  for (const { facts, objectIndex } of declared) {
    const { id, name } = facts;
    namespaceIds.set(name, id);
    if (nodeIds.has(id)) continue;
    nodeIds.add(id);
    nodes.push({ id, kind: 'Namespace', name, namespace: undefined, label: name, parent: undefined, objectIndex });
  }
  const sharedIds = new Set<string>();
  for (const { facts, objectIndex } of shown) {
    const { id, kind, name, namespace, label } = facts;
    if (nodeIds.has(id)) {
      sharedIds.add(id);
      continue;
    }
    nodeIds.add(id);
    const parent = namespace ? namespaceNode(namespace) : undefined;
    nodes.push({ id, kind, name, namespace, label, parent, objectIndex });
  }

  const targets: LinkTargets = { workloads, pods, hosts, nodeIds };
  const link = linker(targets, { ids: sharedIds, edges });
  const starts = new Int32Array(objects.length + 1);
  let next = 0;
  for (const { facts, links, objectIndex } of sources) {
    for (; next <= objectIndex; next++) starts[next] = edges.length;
    link(facts, links, edges);
  }
  for (; next <= objects.length; next++) starts[next] = edges.length;

  // Kept for the next graph when each object is its own (no two with one identity or one id).
  if (!latest && sharedIds.size === 0)
    stateOf.set(objects, { clusterDomain, nodes: nodes.slice(), edges: edges.slice(), starts, targets });
  return { nodes, edges };
}

const NO_LABELS: ReadonlyMap<string, string> = new Map();

function arrayField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? found : [];
}
