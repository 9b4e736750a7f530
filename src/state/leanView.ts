import { isSuccess } from './outcome.ts';
import { decidingSources, type StepSource } from './stepSources.ts';
import {
  computeProxyConfig,
  findPod,
  meshEnds,
  problemsNaming,
  reverseRequest,
  lookupPod,
  proxyConfigTables,
  type Analysis,
  type Assumption,
  type Diagnostic,
  type ManifestFile,
  type MeshEnds,
  type ReverseRequest,
  type TraceResult,
  type ObjectGraphEdge,
  type OutboundTrafficPolicyMode,
  type PodModel,
  type ProxyConfigTables,
  type ProxyKind,
  type SourceRange,
  type ZtunnelConfigTables,
  ztunnelConfigTables,
} from '../core/index.ts';

/**
 * What the screen shows of an Analysis, and nothing more: the worker keeps the Analysis (objects, positioned YAML
 * trees, the mesh model) and sends the main thread these plain, small values. Every place a click reveals in the
 * editor travels with them (file and line range).
 */
export interface LeanAnalysis {
  objectCount: number;
  diagnostics: Diagnostic[];
  assumptions: Assumption[];
  /** Every pod a request can start from, sorted by namespace and name. */
  pods: PodSummary[];
  mesh: MeshSummary;
  graph: MeshGraphData;
  /** Where each graph node is written, apart from the graph: an edit that only moves lines resends only this. */
  places: ObjectPlaces;
  /** The pods a request can start from and the hosts it can go to, for clicks in the Mesh view and suggestions. */
  ends: MeshEnds;
}

/**
 * The file and line range of every graph node, by its index in `graph.nodes`: five numbers per node (file index,
 * start line, start column, end line, end column), -1 for a namespace only implied by its objects. A typed array
 * crosses from the worker as one block of memory.
 */
export interface ObjectPlaces {
  files: string[];
  ranges: Int32Array;
}

export function placeOf(places: ObjectPlaces, index: number): { file: string; range: SourceRange } | undefined {
  const at = index * 5;
  const file = places.files[places.ranges[at] ?? -1];
  if (file === undefined) return undefined;
  const [startLine = 0, startColumn = 0, endLine = 0, endColumn = 0] = places.ranges.subarray(at + 1, at + 5);
  return {
    file,
    range: { start: { line: startLine, column: startColumn }, end: { line: endLine, column: endColumn } },
  };
}

export interface PodSummary {
  /** `namespace/name`. */
  ref: string;
  proxy: ProxyKind;
  /** Enrolled in ambient mode: no sidecar, the node's ztunnel carries its traffic. */
  ambient: boolean;
  /** `namespace/name` of the waypoint (Gateway of class istio-waypoint) this pod runs, if it runs one. */
  waypoint?: string;
  /** Made from a workload's template because the manifests have no Pod for it. */
  assumed: boolean;
}

export interface MeshSummary {
  /** The mode as the mesh config writes it: ALLOW_ANY_DYNAMIC_DNS is kept apart from ALLOW_ANY. */
  outboundTrafficPolicy: OutboundTrafficPolicyMode | 'ALLOW_ANY_DYNAMIC_DNS';
  /** `kind name` of the object the mesh config came from; undefined for Istio's defaults. */
  source: string | undefined;
  /** ISTIO_META_DNS_CAPTURE in the mesh's default proxy metadata. */
  dnsCapture: boolean;
}

/** How the trace read the source-pod reference: the pod it took, or the pods to pick from, and how it read it. */
export interface SourcePodSummary {
  pod: { ref: string; proxy: ProxyKind; ambient: boolean; dnsCapture: boolean } | undefined;
  /** `namespace/name` of one pod per workload, when pods of several workloads fit. */
  choices: string[];
  note: string | undefined;
}

export interface MeshGraphNode {
  id: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  label: string;
  parent: string | undefined;
  namespaceAssumed: boolean;
}

export interface MeshGraphData {
  nodes: MeshGraphNode[];
  edges: ObjectGraphEdge[];
}

export type ProxyConfigView =
  | {
      ok: true;
      kind: 'envoy';
      tables: ProxyConfigTables;
      /** `namespace/name` of the waypoint the pod runs: its Envoy config is the waypoint's. */
      waypoint: string | undefined;
      sidecarReason: string;
      outboundTrafficPolicy: OutboundTrafficPolicyMode;
      /** `kind name` of the object the policy came from; undefined for Istio's default. */
      outboundTrafficPolicySource: string | undefined;
    }
  | {
      ok: true;
      /** An ambient pod has no proxy of its own: what the ztunnel on its node knows (istioctl ztunnel-config). */
      kind: 'ztunnel';
      tables: ZtunnelConfigTables;
      /** Why the pod is in ambient mode, in words. */
      reason: string;
      /** The pod's node in the manifests, if they give one. */
      node: string | undefined;
    }
  | { ok: false; reason: string };

/** The label istiod puts on the pods it deploys for a Gateway (a waypoint's pods among them). */
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';

/** `namespace/name` of the waypoint each pod runs, found through the waypoints (not a loop over all pods for each). */
function waypointOf(analysis: Analysis): (pod: PodModel) => string | undefined {
  const waypoints = new Set(analysis.model.waypoints.map((w) => `${w.namespace}/${w.name}`));
  return (pod) => {
    const gateway = pod.labels.get(GATEWAY_NAME_LABEL);
    const ref = gateway !== undefined ? `${pod.namespace}/${gateway}` : undefined;
    return ref !== undefined && waypoints.has(ref) ? ref : undefined;
  };
}

export function leanAnalysis(analysis: Analysis): LeanAnalysis {
  const { model, objects, objectGraph } = analysis;
  const mesh = model.meshConfig;
  const waypointRun = waypointOf(analysis);
  return {
    objectCount: objects.length,
    diagnostics: analysis.diagnostics,
    assumptions: analysis.assumptions,
    pods: [...model.pods]
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
      .map((p) => {
        const waypoint = waypointRun(p);
        return {
          ref: `${p.namespace}/${p.name}`,
          proxy: p.proxy.kind,
          ambient: p.dataPlane.mode === 'ambient',
          ...(waypoint !== undefined ? { waypoint } : {}),
          assumed: p.assumed,
        };
      }),
    mesh: {
      outboundTrafficPolicy: mesh.allowAnyDynamicDns === true ? 'ALLOW_ANY_DYNAMIC_DNS' : mesh.outboundTrafficPolicy,
      source: mesh.source ? `${mesh.source.kind} ${mesh.source.name}` : undefined,
      dnsCapture: mesh.defaultProxyMetadata.get('ISTIO_META_DNS_CAPTURE') === 'true',
    },
    graph: {
      nodes: objectGraph.nodes.map((node) => ({
        id: node.id,
        kind: node.kind,
        name: node.name,
        namespace: node.namespace,
        label: node.label,
        parent: node.parent,
        namespaceAssumed: node.objectIndex !== undefined && objects[node.objectIndex]?.namespaceAssumed === true,
      })),
      edges: objectGraph.edges.map(({ id, source, target, relation, via }) => ({ id, source, target, relation, via })),
    },
    places: placesOf(analysis),
    ends: meshEnds(model),
  };
}

function placesOf({ objects, objectGraph }: Analysis): ObjectPlaces {
  const files: string[] = [];
  const fileIndex = new Map<string, number>();
  const ranges = new Int32Array(objectGraph.nodes.length * 5).fill(-1);
  objectGraph.nodes.forEach((node, i) => {
    const object = node.objectIndex !== undefined ? objects[node.objectIndex] : undefined;
    if (!object) return;
    let f = fileIndex.get(object.file);
    if (f === undefined) {
      f = files.push(object.file) - 1;
      fileIndex.set(object.file, f);
    }
    const { start, end } = object.range;
    ranges.set([f, start.line, start.column, end.line, end.column], i * 5);
  });
  return { files, ranges };
}

export function samePlaces(a: ObjectPlaces, b: ObjectPlaces): boolean {
  return (
    a.files.length === b.files.length &&
    a.files.every((file, i) => file === b.files[i]) &&
    a.ranges.length === b.ranges.length &&
    a.ranges.every((v, i) => v === b.ranges[i])
  );
}

export function sourcePodSummary(analysis: Analysis, ref: string): SourcePodSummary {
  const { pod, choices, note } = lookupPod(analysis, ref);
  return {
    pod: pod && {
      ref: `${pod.namespace}/${pod.name}`,
      proxy: pod.proxy.kind,
      ambient: pod.dataPlane.mode === 'ambient',
      dnsCapture: pod.proxy.dnsCapture,
    },
    choices: choices.map((p) => `${p.namespace}/${p.name}`),
    note,
  };
}

/** ztunnel's tables are the same for every ambient pod: built once per analysis. */
const ztunnelTables = new WeakMap<Analysis, ZtunnelConfigTables>();

/**
 * istioctl proxy-config for one pod, as the tables the Proxy config panel shows; for an ambient pod, what its node's
 * ztunnel knows (istioctl ztunnel-config workloads and services).
 */
export function proxyConfigView(analysis: Analysis, podRef: string): ProxyConfigView {
  const pod = findPod(analysis, podRef);
  if (pod?.dataPlane.mode === 'ambient') {
    let tables = ztunnelTables.get(analysis);
    if (!tables) {
      tables = ztunnelConfigTables(analysis.model);
      ztunnelTables.set(analysis, tables);
    }
    return { ok: true, kind: 'ztunnel', tables, reason: pod.dataPlane.reason, node: pod.nodeName };
  }
  const result = computeProxyConfig(analysis, podRef);
  if (!result.ok) return result;
  const source = result.scope.outboundTrafficPolicySource;
  return {
    ok: true,
    kind: 'envoy',
    tables: proxyConfigTables(result.config),
    waypoint: pod ? waypointOf(analysis)(pod) : undefined,
    sidecarReason: result.scope.sidecarReason,
    outboundTrafficPolicy: result.scope.outboundTrafficPolicy,
    outboundTrafficPolicySource: source ? `${source.kind} ${source.name}` : undefined,
  };
}

/** The lean analysis of no manifests, for the parts a run has not sent yet. */
export const EMPTY_LEAN_ANALYSIS: LeanAnalysis = {
  objectCount: 0,
  diagnostics: [],
  assumptions: [],
  pods: [],
  mesh: { outboundTrafficPolicy: 'ALLOW_ANY', source: undefined, dnsCapture: false },
  graph: { nodes: [], edges: [] },
  places: { files: [], ranges: new Int32Array(0) },
  ends: { sources: [], destinations: [] },
};

/** A trace as the screen shows it: what the worker computes beside it, since it needs the objects' YAML trees. */
export interface TraceView {
  result: TraceResult | undefined;
  source: SourcePodSummary;
  /** Per step, the objects behind it, narrowed to the rule that decided it (a click shows those lines). */
  stepSources: StepSource[][];
  /** Errors in documents that mention what a failed request needed. */
  related: Diagnostic[];
  /** The same request the other way round (Trace back from here), or why there is none. */
  reverse?: ReverseRequest;
}

/** The names a failed request depends on: the host it asked for (and its short name), or the source it named. */
export function namesOf(trace: TraceResult | undefined, from: string): string[] {
  if (!trace) return [];
  if (!trace.ok) return [from.trim().split('/').pop() ?? ''];
  if (isSuccess(trace.trace.outcome)) return [];
  const host = trace.trace.request.host;
  return [host, host.split('.')[0] ?? ''];
}

export function traceView(
  analysis: Analysis,
  files: readonly ManifestFile[],
  from: string,
  result: TraceResult | undefined,
): TraceView {
  return {
    result,
    source: sourcePodSummary(analysis, from),
    stepSources: result?.ok ? result.trace.steps.map((step) => decidingSources(step, files, analysis.objects)) : [],
    related: problemsNaming(files, analysis.diagnostics, namesOf(result, from)),
    ...(result?.ok
      ? { reverse: reverseRequest(analysis.model, result.trace, meshEnds(analysis.model).destinations) }
      : {}),
  };
}
