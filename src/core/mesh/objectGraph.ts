import type { ManifestObject } from '../manifest/parse.ts';
import { latestObjects } from '../model/convert.ts';
import { DEFAULT_CLUSTER_DOMAIN } from '../model/host.ts';
import {
  FACT,
  forgetSharedStrings,
  hashOfId,
  type GraphLink,
  type LabelExpression,
  type ObjectGraphRelation,
} from './graphFacts.ts';

export { objectId } from './graphFacts.ts';
export type { ObjectGraphRelation } from './graphFacts.ts';

/**
 * The scenario as a graph of objects and how they refer to each other: which pods a Service selects, which hosts
 * and gateways a VirtualService binds, which host a DestinationRule configures, which pods a Gateway runs on.
 * This is the mesh view the path is drawn in; it is not a resolution of any request.
 *
 * Built from what the parser read of each object while it had the object at hand (graphFacts.ts), never from the
 * parsed trees: objects are found by their position and nodes by their number, so that building the graph touches a
 * few small records per object (at 20,000 objects the parsed trees no longer fit the processor's caches).
 */
export interface ObjectRef {
  kind: string;
  namespace: string | undefined;
  name: string;
}

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

/** Nodes by the hash of their id (GraphFacts.idHash): open addressing over node numbers, no string hashed. */
class NodeIds {
  private slots: Int32Array;
  /** The hash of each node's id, by node number. */
  private hashes: Int32Array;

  constructor(
    private readonly nodes: readonly ObjectGraphNode[],
    expected: number,
  ) {
    this.slots = new Int32Array(tableSize(expected));
    this.hashes = new Int32Array(this.slots.length / 2);
  }

  /** The number of the node with this id, -1 when there is none. */
  find(hash: number, id: string): number {
    const mask = this.slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot] ?? 0;
      if (entry === 0) return -1;
      const node = entry - 1;
      if (this.hashes[node] === hash && this.nodes[node]?.id === id) return node;
    }
  }

  /** Adds node `node` (the next one: nodes are added in order), keeping the table at most half full. */
  add(hash: number, node: number): void {
    if (node >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      this.slots = new Int32Array(this.slots.length * 2);
      for (let n = 0; n < node; n++) this.place(this.hashes[n] ?? 0, n);
    }
    this.hashes[node] = hash;
    this.place(hash, node);
  }

  private place(hash: number, node: number): void {
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    while ((this.slots[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = node + 1;
  }
}

function tableSize(expected: number): number {
  let size = 64;
  while (size < 2 * expected) size *= 2;
  return size;
}

/** What one object's links are resolved against, by position in the parsed objects. */
interface LinkTargets {
  /** The labels a workload's pods carry, by the workload's position. */
  podLabels: ReadonlyArray<readonly string[]>;
  nodes: readonly ObjectGraphNode[];
  /** The node number of the object at each position; -1 when it has none. */
  nodeAt: Int32Array;
  ids: NodeIds;
  /** Positions of workloads, of pods and of all workloads, by the id of their namespace node. */
  workloads: ReadonlyMap<string | undefined, readonly number[]>;
  pods: ReadonlyMap<string | undefined, readonly number[]>;
  allWorkloads: readonly number[];
  /** The host each Service and ServiceEntry gives, to the position of the object that gives it. */
  hosts: ReadonlyMap<string, number>;
  clusterDomain: string;
}

/**
 * What a graph keeps for the next one (a graph of the same objects after an edit): where each object's edges start,
 * and what the edges of one object are made against.
 */
interface GraphState {
  nodes: readonly ObjectGraphNode[];
  edges: readonly ObjectGraphEdge[];
  /** The edges of the object at position p are edges[starts[p]] up to edges[starts[p + 1]]. */
  starts: Int32Array;
  targets: LinkTargets;
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
  // The objects read are in the graph now: the strings shared while reading them need not be kept for later reads.
  forgetSharedStrings();
  return graph;
}

/** Forgets the last graph built (for measuring, or checking, a first read). */
export function forgetLastGraph(): void {
  lastObjects = undefined;
  forgetSharedStrings();
}

/** The most objects an edit may have changed for the graph to be patched instead of built again. */
const PATCH_LIMIT = 256;

/**
 * The graph of `objects` made from the last one when at most a few objects changed, in place, and none of them
 * changed what makes a node or what other objects find it by (identity, labels, hosts): then only the edges of the
 * changed objects are made again. Undefined when that does not hold; a whole build follows.
 */
function patchGraph(
  previous: readonly ManifestObject[],
  state: GraphState,
  objects: readonly ManifestObject[],
  clusterDomain: string,
): ObjectGraph | undefined {
  if (state.targets.clusterDomain !== clusterDomain || previous.length !== objects.length) return undefined;
  const changed: number[] = [];
  for (let p = 0; p < objects.length; p++) {
    const object = objects[p] as ManifestObject;
    const before = previous[p] as ManifestObject;
    if (object.graph === before.graph) continue;
    if (changed.length >= PATCH_LIMIT || !sameNode(before, object)) return undefined;
    changed.push(p);
  }
  if (latestObjects(objects).length !== objects.length) return undefined;
  const link = linker(state.targets);
  const edges: ObjectGraphEdge[] = [];
  const starts = new Int32Array(objects.length + 1);
  let next = 0;
  for (const p of changed) {
    copyEdges(state, next, p, edges, starts);
    starts[p] = edges.length;
    const { id, parent, flags, links } = (objects[p] as ManifestObject).graph;
    if (flags & FACT.shown) link(id, parent, links, state.targets.nodeAt[p] ?? -1, edges);
    next = p + 1;
  }
  copyEdges(state, next, objects.length, edges, starts);
  starts[objects.length] = edges.length;
  stateOf.set(objects, { ...state, edges, starts });
  return { nodes: state.nodes.slice(), edges: edges.slice() };
}

/** The last graph's edges of the objects at positions from `from` to `to` (exclusive), unchanged. */
function copyEdges(state: GraphState, from: number, to: number, edges: ObjectGraphEdge[], starts: Int32Array): void {
  const offset = edges.length - (state.starts[from] ?? 0);
  for (let p = from; p < to; p++) starts[p] = (state.starts[p] ?? 0) + offset;
  for (let e = state.starts[from] ?? 0; e < (state.starts[to] ?? 0); e++) edges.push(state.edges[e] as ObjectGraphEdge);
}

/** True when two reads of an object make the same node and the same targets for other objects' edges. */
function sameNode(before: ManifestObject, after: ManifestObject): boolean {
  const a = before.graph;
  const b = after.graph;
  return (
    a.id === b.id &&
    a.label === b.label &&
    a.flags === b.flags &&
    a.parent === b.parent &&
    before.kind === after.kind &&
    before.name === after.name &&
    before.namespace === after.namespace &&
    sameStrings(a.podLabels, b.podLabels) &&
    sameStrings(a.hosts, b.hosts)
  );
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The value of `key` in flat `[key, value, ...]` labels. */
function labelOf(labels: readonly string[], key: string): string | undefined {
  for (let i = 0; i < labels.length; i += 2) if (labels[i] === key) return labels[i + 1];
  return undefined;
}

/** True when every label of `selector` (flat) is on `labels` with the same value. */
function hasLabels(selector: readonly string[], labels: readonly string[]): boolean {
  for (let i = 0; i < selector.length; i += 2)
    if (labelOf(labels, selector[i] as string) !== selector[i + 1]) return false;
  return true;
}

/** A label selector's matchExpressions (k8s.io/apimachinery labels.Selector, as model/labels.ts reads them). */
function expressionsMatch(expressions: readonly LabelExpression[], labels: readonly string[]): boolean {
  for (const { key, operator, values } of expressions) {
    const value = labelOf(labels, key);
    const holds =
      operator === 'In'
        ? value !== undefined && values.includes(value)
        : operator === 'NotIn'
          ? value === undefined || !values.includes(value)
          : operator === 'Exists'
            ? value !== undefined
            : operator === 'DoesNotExist' && value === undefined;
    if (!holds) return false;
  }
  return true;
}

const NO_POSITIONS: readonly number[] = [];
const NO_LABELS: readonly string[] = [];

/** The workloads carrying one label key: by the label's value, and all of them. */
interface KeyIndex {
  byValue: Map<string, number[]>;
  all: number[];
}

const NO_KEY: KeyIndex = { byValue: new Map(), all: [] };

/** Keys indexed one by one, as selectors ask for them (most ask for one or two); past this many, all at once. */
const KEYS_ONE_BY_ONE = 8;

/**
 * Workloads (by position) by their pods' labels: an inverted index from a label key, then its value, so that a
 * selector reads only the workloads carrying one of its labels. A key is indexed when a selector first asks for it.
 * Label keys and values are the parser's shared strings.
 */
class PositionIndex {
  private readonly byKey = new Map<string, KeyIndex>();
  private complete = false;

  constructor(
    private readonly positions: readonly number[],
    private readonly podLabels: ReadonlyArray<readonly string[]>,
  ) {}

  private labelsAt(position: number): readonly string[] {
    return this.podLabels[position] ?? NO_LABELS;
  }

  private keyIndex(key: string): KeyIndex {
    const known = this.byKey.get(key);
    if (known || this.complete) return known ?? NO_KEY;
    if (this.byKey.size >= KEYS_ONE_BY_ONE) {
      this.indexAll();
      return this.byKey.get(key) ?? NO_KEY;
    }
    const index: KeyIndex = { byValue: new Map(), all: [] };
    for (const position of this.positions) {
      const value = labelOf(this.labelsAt(position), key);
      if (value === undefined) continue;
      append(index.byValue, value, position);
      index.all.push(position);
    }
    this.byKey.set(key, index);
    return index;
  }

  private indexAll(): void {
    this.byKey.clear();
    for (const position of this.positions) {
      const labels = this.labelsAt(position);
      for (let i = 0; i < labels.length; i += 2) {
        const key = labels[i] as string;
        let index = this.byKey.get(key);
        if (!index) this.byKey.set(key, (index = { byValue: new Map(), all: [] }));
        append(index.byValue, labels[i + 1] as string, position);
        index.all.push(position);
      }
    }
    this.complete = true;
  }

  private positionsOf(key: string, value: string): readonly number[] {
    return this.keyIndex(key).byValue.get(value) ?? NO_POSITIONS;
  }

  /** Positions of the workloads carrying every label of flat `labels` (not empty), in order. */
  matching(labels: readonly string[]): number[] {
    return this.select(labels, NO_EXPRESSIONS);
  }

  /** Positions of the workloads a selector (matchLabels flat, matchExpressions) selects, in order. */
  select(labels: readonly string[], expressions: readonly LabelExpression[]): number[] {
    let best: readonly number[] | undefined;
    for (let i = 0; i < labels.length; i += 2) {
      const positions = this.positionsOf(labels[i] as string, labels[i + 1] as string);
      if (!best || positions.length < best.length) best = positions;
    }
    for (const { key, operator, values } of expressions) {
      let positions: readonly number[] | undefined;
      if (operator === 'Exists') positions = this.keyIndex(key).all;
      else if (operator === 'In') {
        const union = new Set<number>();
        for (const value of values) for (const position of this.positionsOf(key, value)) union.add(position);
        positions = [...union].sort((a, b) => a - b);
      }
      if (positions && (!best || positions.length < best.length)) best = positions;
    }
    return (best ?? this.positions).filter((position) => {
      const podLabels = this.labelsAt(position);
      return hasLabels(labels, podLabels) && expressionsMatch(expressions, podLabels);
    });
  }
}

const NO_EXPRESSIONS: readonly LabelExpression[] = [];

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** What ends an edge's id, one string per relation (an id is the source's `id->`, the target's id, and this). */
const ID_ENDS: Readonly<Record<ObjectGraphRelation, string>> = {
  selects: ':selects',
  manages: ':manages',
  'routes-to': ':routes-to',
  'binds-gateway': ':binds-gateway',
  configures: ':configures',
  'runs-on': ':runs-on',
  'applies-to': ':applies-to',
};

/** The relations by number, so that a repeated edge is found by comparing numbers. */
const RELATIONS: Readonly<Record<ObjectGraphRelation, number>> = {
  selects: 0,
  manages: 1,
  'routes-to': 2,
  'binds-gateway': 3,
  configures: 4,
  'runs-on': 5,
  'applies-to': 6,
};

/**
 * Makes one object's edges into `out`. Edges are made object by object, so a repeated edge is looked for among the
 * current object's edges only, by target node and relation: no string per edge is hashed. An id two objects share
 * (one kind and name in two API groups, `shared`) is looked for among all edges.
 */
function linker(
  targets: LinkTargets,
  shared?: { nodes: Uint8Array; edges: readonly ObjectGraphEdge[] },
): (
  sourceId: string,
  namespace: string | undefined,
  links: readonly GraphLink[],
  source: number,
  out: ObjectGraphEdge[],
) => void {
  const { podLabels, nodes, nodeAt, ids, workloads, pods, allWorkloads, hosts, clusterDomain } = targets;
  const defaultDomain = clusterDomain === DEFAULT_CLUSTER_DOMAIN;
  const workloadIndexes = new Map<string | undefined, PositionIndex>();
  const podIndexes = new Map<string | undefined, PositionIndex>();
  // Across namespaces only for a Gateway's selector: built on first use.
  let everywhere: PositionIndex | undefined;
  const indexIn = (
    indexes: Map<string | undefined, PositionIndex>,
    groups: ReadonlyMap<string | undefined, readonly number[]>,
    namespace: string | undefined,
  ): PositionIndex => {
    let index = indexes.get(namespace);
    if (!index) indexes.set(namespace, (index = new PositionIndex(groups.get(namespace) ?? NO_POSITIONS, podLabels)));
    return index;
  };
  let allEdgeIds: Set<string> | undefined;
  // The current object's edges as target node × 8 + relation: scanned while few, then a set.
  const made: number[] = [];
  let madeSet: Set<number> | undefined;

  return (sourceId, namespace, links, source, out) => {
    made.length = 0;
    madeSet = undefined;
    // One `source->` for all the object's edges: each edge's id then adds two pieces, not four.
    let idStart: string | undefined;
    const isShared = shared !== undefined && shared.nodes[source] === 1;
    const addEdge = (target: number, relation: ObjectGraphRelation, via: string): void => {
      if (target < 0 || target === source) return;
      const targetId = (nodes[target] as ObjectGraphNode).id;
      const key = target * 8 + RELATIONS[relation];
      if (isShared) {
        allEdgeIds ??= new Set(shared.edges.map((edge) => edge.id));
        const id = `${sourceId}->${targetId}:${relation}`;
        if (allEdgeIds.has(id)) return;
      } else if (madeSet) {
        if (madeSet.has(key)) return;
        madeSet.add(key);
      } else {
        if (made.includes(key)) return;
        made.push(key);
        if (made.length > 16) madeSet = new Set(made);
      }
      const id = (idStart ??= `${sourceId}->`) + targetId + ID_ENDS[relation];
      allEdgeIds?.add(id);
      out.push({ id, source: sourceId, target: targetId, relation, via });
    };
    for (const link of links) {
      switch (link.type) {
        case 'select': {
          const index = link.everywhere
            ? (everywhere ??= new PositionIndex(allWorkloads, podLabels))
            : indexIn(workloadIndexes, workloads, namespace);
          for (const position of index.matching(link.labels)) addEdge(nodeAt[position] ?? -1, link.relation, link.via);
          break;
        }
        case 'manage':
          for (const position of indexIn(podIndexes, pods, namespace).select(link.labels, link.expressions))
            addEdge(nodeAt[position] ?? -1, 'manages', link.via);
          break;
        case 'host': {
          const host =
            defaultDomain || !link.expanded
              ? link.host
              : link.host.slice(0, link.host.length - DEFAULT_CLUSTER_DOMAIN.length) + clusterDomain;
          const position = hosts.get(host);
          if (position !== undefined) addEdge(nodeAt[position] ?? -1, link.relation, link.via);
          break;
        }
        case 'object':
          addEdge(ids.find(link.targetHash, link.target), link.relation, link.via);
          break;
      }
    }
  };
}

function buildWholeGraph(objects: readonly ManifestObject[], clusterDomain: string): ObjectGraph {
  // Of objects with the same identity the last is used, as in the mesh model (kubectl apply leaves that one).
  const kept = latestObjects(objects);
  // Kept objects are in their given order, so as many kept as given means all of them (no set to build).
  const latest = kept.length === objects.length ? undefined : new Set(kept);
  const defaultDomain = clusterDomain === DEFAULT_CLUSTER_DOMAIN;

  // One pass reads each object's facts, once: declared namespaces, the nodes of the objects shown, the workloads
  // selectors pick from, the hosts Services and ServiceEntries give, and the links of the objects that have some.
  // What the later passes need is put in small arrays here, so that they read no object again.
  const declared: number[] = [];
  // Positions of the objects shown (their count in `shownCount`), their nodes and the hashes of their ids.
  const shown = new Int32Array(objects.length);
  const shownHashes = new Int32Array(objects.length);
  const shownNodes: ObjectGraphNode[] = [];
  let shownCount = 0;
  /** Of the objects with links: their index in `shown`, and their links. */
  const sources: number[] = [];
  const sourceLinks: Array<readonly GraphLink[]> = [];
  const podLabels: Array<readonly string[]> = [];
  const workloads = new Map<string | undefined, number[]>();
  const pods = new Map<string | undefined, number[]>();
  const allWorkloads: number[] = [];
  const hosts = new Map<string, number>();
  for (let p = 0; p < objects.length; p++) {
    const object = objects[p] as ManifestObject;
    if (latest && !latest.has(object)) continue;
    const facts = object.graph;
    const flags = facts.flags;
    if (flags & FACT.namespace) {
      declared.push(p);
      continue;
    }
    if (!(flags & FACT.shown)) continue;
    const { kind, name, namespace } = object;
    const { id, parent } = facts;
    if (flags & FACT.linked) {
      sources.push(shownCount);
      sourceLinks.push(facts.links);
    }
    shown[shownCount] = p;
    shownHashes[shownCount++] = facts.idHash;
    shownNodes.push({ id, kind, name, namespace, label: facts.label, parent, objectIndex: p });
    if (flags & FACT.workload) {
      podLabels[p] = facts.podLabels;
      append(workloads, parent, p);
      allWorkloads.push(p);
      if (flags & FACT.pod) append(pods, parent, p);
    }
    if (flags & FACT.service)
      hosts.set(defaultDomain ? (facts.hosts[0] ?? '') : `${name}.${namespace}.svc.${clusterDomain}`, p);
    else for (const host of facts.hosts) if (!hosts.has(host)) hosts.set(host, p);
  }

  // Namespaces first, so that declared ones carry their object.
  const nodes: ObjectGraphNode[] = [];
  const ids = new NodeIds(nodes, declared.length + shownCount);
  const nodeAt = new Int32Array(objects.length).fill(-1);
  // The ids of the namespace nodes made (the parser shares each namespace's id string among its objects).
  const namespaceNodes = new Set<string>();
  for (const p of declared) {
    const { id, idHash } = (objects[p] as ManifestObject).graph;
    const { name } = objects[p] as ManifestObject;
    namespaceNodes.add(id);
    if (ids.find(idHash, id) >= 0) continue;
    nodeAt[p] = nodes.length;
    ids.add(idHash, nodes.length);
    nodes.push({ id, kind: 'Namespace', name, namespace: undefined, label: name, parent: undefined, objectIndex: p });
  }
  // Node numbers whose id two objects have.
  let sharedNodes: Uint8Array | undefined;
  shownNodes.forEach((node, i) => {
    const p = shown[i] as number;
    const hash = shownHashes[i] as number;
    const existing = ids.find(hash, node.id);
    if (existing >= 0) {
      nodeAt[p] = existing;
      (sharedNodes ??= new Uint8Array(declared.length + 2 * shownCount))[existing] = 1;
      return;
    }
    const { parent } = node;
    if (parent !== undefined && !namespaceNodes.has(parent)) {
      // A namespace no object declares.
      const namespace = node.namespace ?? '';
      namespaceNodes.add(parent);
      ids.add(hashOfId(parent), nodes.length);
      nodes.push({
        id: parent,
        kind: 'Namespace',
        name: namespace,
        namespace: undefined,
        label: namespace,
        parent: undefined,
        objectIndex: undefined,
      });
    }
    nodeAt[p] = nodes.length;
    ids.add(hash, nodes.length);
    nodes.push(node);
  });

  const targets: LinkTargets = { podLabels, nodes, nodeAt, ids, workloads, pods, allWorkloads, hosts, clusterDomain };
  const edges: ObjectGraphEdge[] = [];
  const link = linker(targets, sharedNodes && { nodes: sharedNodes, edges });
  const starts = new Int32Array(objects.length + 1);
  let next = 0;
  sources.forEach((i, k) => {
    const p = shown[i] as number;
    const { id, parent } = shownNodes[i] as ObjectGraphNode;
    for (; next <= p; next++) starts[next] = edges.length;
    link(id, parent, sourceLinks[k] as readonly GraphLink[], nodeAt[p] ?? -1, edges);
  });
  for (; next <= objects.length; next++) starts[next] = edges.length;

  // Kept for the next graph when each object is its own (no two with one identity or one id).
  if (!latest && !sharedNodes) stateOf.set(objects, { nodes: nodes.slice(), edges: edges.slice(), starts, targets });
  return { nodes, edges };
}
