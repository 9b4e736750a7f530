import { derivedFrom } from '../model/memo.ts';
import type { MeshModel, NamespaceModel } from '../model/mesh.ts';
import { allowsAttachmentFrom, GATEWAY_NAME_LABEL, type WaypointModel } from './waypoints.ts';

export const USE_WAYPOINT_LABEL = 'istio.io/use-waypoint';
export const USE_WAYPOINT_NAMESPACE_LABEL = 'istio.io/use-waypoint-namespace';

/** Why a Service or workload has no waypoint although one was asked for. */
export type WaypointBypass =
  'missing' | 'not-ready' | 'attachment-denied' | 'unsupported-traffic-type' | 'cross-namespace-forbidden';

/** Which waypoint handles traffic for a Service, ServiceEntry or workload, and which label decided it. */
export interface WaypointBinding {
  waypoint: WaypointModel | undefined;
  /** Where the use-waypoint label was read: the object itself or its namespace; undefined when neither has one. */
  via: 'object' | 'namespace' | undefined;
  /** The waypoint the label names, namespace/name. */
  requested: string | undefined;
  /** The object opted out with istio.io/use-waypoint=none. */
  optedOut: boolean;
  bypass: WaypointBypass | undefined;
  /**
   * A canary waypoint (istio.io/use-waypoint-canary) that takes `weight` percent of a Service's connections; `waypoint`
   * is then the one taking most of them. `problem` says why istiod ignores the canary (all go to the primary).
   */
  canary?: { waypoint: string; weight: number; primary: string; problem: string | undefined };
}

export interface BindingTarget {
  kind: 'service' | 'workload';
  namespace: string;
  labels: ReadonlyMap<string, string>;
  /** The object's annotations (the canary's weight); none when omitted. */
  annotations?: ReadonlyMap<string, string>;
}

export const USE_WAYPOINT_CANARY_LABEL = 'istio.io/use-waypoint-canary';
export const USE_WAYPOINT_CANARY_NAMESPACE_LABEL = 'istio.io/use-waypoint-canary-namespace';
export const USE_WAYPOINT_CANARY_WEIGHT_ANNOTATION = 'istio.io/use-waypoint-canary-weight';

/** Looks waypoints up by namespace/name once, for many bindings. */
const waypointIndexes = new WeakMap<readonly WaypointModel[], ReadonlyMap<string, WaypointModel>>();
export function waypointIndex(model: Pick<MeshModel, 'waypoints'>): ReadonlyMap<string, WaypointModel> {
  return derivedFrom(
    waypointIndexes,
    model.waypoints,
    (list) => new Map(list.map((w) => [`${w.namespace}/${w.name}`, w])),
  );
}

function useWaypoint(labels: ReadonlyMap<string, string>, fallbackNamespace: string) {
  const name = labels.get(USE_WAYPOINT_LABEL);
  if (name === undefined) return undefined;
  if (name === 'none') return 'none' as const;
  return `${labels.get(USE_WAYPOINT_NAMESPACE_LABEL) ?? fallbackNamespace}/${name}`;
}

/**
 * pilot/pkg/serviceregistry/ambient/waypoints.go: fetchWaypointForTarget — the object's own use-waypoint label
 * (`none` opts out) wins over its namespace's; a named waypoint istiod does not list (missing, or no ready pod)
 * leaves the target without one, even when the namespace names a working one; then fetchWaypointForService /
 * fetchWaypointForWorkload check the waypoint's istio.io/waypoint-for.
 */
export function bindWaypoint(
  target: BindingTarget,
  namespaces: ReadonlyMap<string, NamespaceModel>,
  waypoints: ReadonlyMap<string, WaypointModel>,
): WaypointBinding {
  const none: WaypointBinding = {
    waypoint: undefined,
    via: undefined,
    requested: undefined,
    optedOut: false,
    bypass: undefined,
  };
  // waypoints.go: fetchWaypointForService — a waypoint's own Service never has a waypoint.
  if (target.kind === 'service' && target.labels.get('gateway.istio.io/managed') === 'istio.io-mesh-controller')
    return none;
  // workloads.go: computeWaypoint — a pod of a waypoint (fetchWaypointForInstance) never has a waypoint itself.
  const instanceOf = target.labels.get(GATEWAY_NAME_LABEL);
  if (target.kind === 'workload' && instanceOf !== undefined && waypoints.has(`${target.namespace}/${instanceOf}`))
    return none;
  const own = useWaypoint(target.labels, target.namespace);
  if (own === 'none') return { ...none, via: 'object', optedOut: true };
  const namespace = namespaces.get(target.namespace);
  const fromNamespace = own === undefined && namespace ? useWaypoint(namespace.labels, target.namespace) : undefined;
  const requested = own ?? (fromNamespace === 'none' ? undefined : fromNamespace);
  if (requested === undefined) return none;
  const via = own !== undefined ? 'object' : 'namespace';
  const found = waypoints.get(requested);
  const base = { ...none, via, requested } as const;
  if (!found) return { ...base, bypass: 'missing' };
  if (!found.ready) return { ...base, bypass: 'not-ready' };
  if (!allowsAttachmentFrom(found, namespace ?? { name: target.namespace, labels: new Map() }))
    return { ...base, bypass: 'attachment-denied' };
  const supported =
    found.trafficType === 'all' ||
    (target.kind === 'service' ? found.trafficType === 'service' : found.trafficType === 'workload');
  if (!supported) {
    // fetchWaypointForWorkload: a namespace binding to a service waypoint is simply not for workloads.
    if (target.kind === 'workload' && via === 'namespace') return none;
    return { ...base, bypass: 'unsupported-traffic-type' };
  }
  const bound: WaypointBinding = { ...base, waypoint: found };
  return target.kind === 'service' ? withCanary(bound, target, own !== undefined, namespace, waypoints) : bound;
}

/**
 * pilot/pkg/serviceregistry/ambient/waypoints.go: ResolveUseWaypointCanary, resolveCanaryWaypoint,
 * buildWeightedWaypoints — a Service's canary label (its namespace's only when the Service names no waypoint itself),
 * the weight annotation (0 when absent, ignored when not 0-100), the canary checked like the primary; the trace
 * follows the waypoint taking most connections.
 */
function withCanary(
  bound: WaypointBinding,
  target: BindingTarget,
  ownPrimary: boolean,
  namespace: NamespaceModel | undefined,
  waypoints: ReadonlyMap<string, WaypointModel>,
): WaypointBinding {
  const primary = bound.waypoint;
  if (!primary) return bound;
  const labels =
    !target.labels.has(USE_WAYPOINT_CANARY_LABEL) && !ownPrimary && namespace?.labels.has(USE_WAYPOINT_CANARY_LABEL)
      ? namespace.labels
      : target.labels;
  const name = labels.get(USE_WAYPOINT_CANARY_LABEL);
  if (name === undefined || name === '' || name === 'none') return bound;
  const key = `${labels.get(USE_WAYPOINT_CANARY_NAMESPACE_LABEL) ?? target.namespace}/${name}`;
  const written = target.annotations?.get(USE_WAYPOINT_CANARY_WEIGHT_ANNOTATION);
  const weight = written === undefined ? 0 : /^\d+$/.test(written) ? Number(written) : NaN;
  const canary = {
    waypoint: key,
    weight: Number.isNaN(weight) ? 0 : weight,
    primary: `${primary.namespace}/${primary.name}`,
  };
  const found = waypoints.get(key);
  const problem = !(weight >= 0 && weight <= 100)
    ? `its weight "${written ?? ''}" is not a percentage`
    : !found || !found.ready
      ? 'the canary waypoint does not exist or is not ready'
      : !allowsAttachmentFrom(found, namespace ?? { name: target.namespace, labels: new Map() })
        ? 'the canary waypoint does not allow this namespace'
        : found.trafficType !== 'service' && found.trafficType !== 'all'
          ? 'the canary waypoint is not for service traffic'
          : undefined;
  const takesMost = problem === undefined && canary.weight > 50;
  return { ...bound, waypoint: takesMost ? found : primary, canary: { ...canary, problem } };
}

type Metadata = { labels: ReadonlyMap<string, string>; annotations: ReadonlyMap<string, string> };
const metadataIndexes = new WeakMap<Pick<MeshModel, 'services' | 'istio'>, Map<string, Metadata>>();

/**
 * The labels and annotations of a Kubernetes Service or a ServiceEntry by `Kubernetes|External/namespace/name`,
 * indexed once per model (the binding reads a Service's or ServiceEntry's own use-waypoint labels).
 */
export function serviceMetadata(
  model: Pick<MeshModel, 'services' | 'istio'>,
  registry: 'Kubernetes' | 'External',
  namespace: string,
  name: string,
): Metadata {
  const index = derivedFrom(metadataIndexes, model, (m) => {
    const out = new Map<string, Metadata>();
    for (const s of m.services)
      out.set(`Kubernetes/${s.namespace}/${s.name}`, { labels: s.labels, annotations: s.annotations });
    for (const s of m.istio.get('ServiceEntry') ?? [])
      out.set(`External/${s.namespace}/${s.name}`, { labels: s.labels, annotations: s.annotations });
    return out;
  });
  return index.get(`${registry}/${namespace}/${name}`) ?? { labels: new Map(), annotations: new Map() };
}

export function serviceLabels(
  model: Pick<MeshModel, 'services' | 'istio'>,
  registry: 'Kubernetes' | 'External',
  namespace: string,
  name: string,
): ReadonlyMap<string, string> {
  return serviceMetadata(model, registry, namespace, name).labels;
}

/** The waypoint a pod is an instance of (its gateway-name label names a waypoint of its namespace), if any. */
export function waypointOfPod(
  model: Pick<MeshModel, 'waypoints'>,
  pod: { namespace: string; labels: ReadonlyMap<string, string> },
): WaypointModel | undefined {
  const name = pod.labels.get(GATEWAY_NAME_LABEL);
  return name === undefined ? undefined : waypointIndex(model).get(`${pod.namespace}/${name}`);
}
