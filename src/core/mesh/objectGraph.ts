import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import { field, stringField, type ManifestObject } from '../manifest/parse.ts';
import { latestObjects } from '../model/convert.ts';
import { DEFAULT_CLUSTER_DOMAIN, resolveShortname } from '../model/host.ts';
import { LabelIndex, labelIndexByNamespace, readLabelSelector, selectorIsEmpty, toStringMap } from '../model/labels.ts';

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

/**
 * The labels a workload's pods carry: the pod's own, or its template's. Kept per parsed value, which an edit keeps for
 * every document whose text did not change, so the next graph reads only the changed ones.
 */
const podLabelsOf = new WeakMap<object, Map<string, string>>();
function podLabels(object: ManifestObject): Map<string, string> {
  let labels = podLabelsOf.get(object.value);
  if (!labels) {
    labels =
      object.kind === 'Pod'
        ? toStringMap(field(field(object.value, 'metadata'), 'labels'))
        : toStringMap(field(field(field(field(object.value, 'spec'), 'template'), 'metadata'), 'labels'));
    podLabelsOf.set(object.value, labels);
  }
  return labels;
}

export function buildObjectGraph(
  objects: readonly ManifestObject[],
  clusterDomain = DEFAULT_CLUSTER_DOMAIN,
): ObjectGraph {
  const nodes: ObjectGraphNode[] = [];
  const edges: ObjectGraphEdge[] = [];
  const nodeIds = new Set<string>();
  const edgeIds = new Set<string>();
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

  const addEdge = (source: string, target: string, relation: ObjectGraphRelation, via: string): void => {
    if (source === target) return;
    const id = `${source}->${target}:${relation}`;
    if (edgeIds.has(id)) return;
    edgeIds.add(id);
    edges.push({ id, source, target, relation, via });
  };

  // Of objects with the same identity the last is used, as in the mesh model (kubectl apply leaves that one).
  const kept = latestObjects(objects);
  // Kept objects are in their given order, so as many kept as given means all of them (no set to build).
  const latest = kept.length === objects.length ? undefined : new Set(kept);
  const isLatest = (object: ManifestObject): boolean => !latest || latest.has(object);

  // Namespaces first, so that declared ones carry their object.
  objects.forEach((object, objectIndex) => {
    if (object.kind !== 'Namespace' || !isLatest(object)) return;
    const id = objectId({ kind: 'Namespace', namespace: undefined, name: object.name });
    namespaceIds.set(object.name, id);
    if (nodeIds.has(id)) return;
    nodeIds.add(id);
    nodes.push({
      id,
      kind: 'Namespace',
      name: object.name,
      namespace: undefined,
      label: object.name,
      parent: undefined,
      objectIndex,
    });
  });

  const shown: Array<{ object: ManifestObject; objectIndex: number; id: string }> = [];
  objects.forEach((object, objectIndex) => {
    if (
      isLatest(object) &&
      object.modelled &&
      object.kind !== 'Namespace' &&
      object.kind !== 'ConfigMap' &&
      object.kind !== 'Endpoints'
    )
      shown.push({ object, objectIndex, id: objectId(object) });
  });
  for (const { object, objectIndex, id } of shown) {
    if (nodeIds.has(id)) continue;
    nodeIds.add(id);
    nodes.push({
      id,
      kind: object.kind,
      name: object.name,
      namespace: object.namespace,
      label: `${object.kind}\n${object.name}`,
      parent: object.namespace ? namespaceNode(object.namespace) : undefined,
      objectIndex,
    });
  }

  const workloads = shown.filter(({ object }) => WORKLOAD_KINDS.has(object.kind));
  const labelsOf = (workload: (typeof workloads)[number]) => podLabels(workload.object);
  const namespaceOf = (workload: (typeof workloads)[number]) => workload.object.namespace;
  // Across namespaces only for a Gateway's selector: built on first use.
  let allWorkloads: LabelIndex<(typeof workloads)[number]> | undefined;
  const workloadsIn = labelIndexByNamespace(workloads, namespaceOf, labelsOf);
  const podsIn = labelIndexByNamespace(
    workloads.filter(({ object }) => object.kind === 'Pod'),
    namespaceOf,
    labelsOf,
  );
  const hosts = new Map<string, string>();
  for (const { object, id } of shown) {
    if (object.kind === 'Service' && object.namespace)
      hosts.set(`${object.name}.${object.namespace}.svc.${clusterDomain}`, id);
    if (object.kind === 'ServiceEntry') {
      const seHosts = field(field(object.value, 'spec'), 'hosts');
      if (Array.isArray(seHosts))
        for (const host of seHosts) if (typeof host === 'string' && !hosts.has(host)) hosts.set(host, id);
    }
  }
  // A host as written in a namespace: only a name without a dot is expanded (pilot/pkg/model/config.go:
  // ResolveShortnameToFQDN).
  const hostTarget = (host: string, namespace: string | undefined): string | undefined =>
    hosts.get(resolveShortname(host, namespace ?? 'default', clusterDomain));

  /**
   * Equality-based label selection (Service selector, Istio workloadSelector): an empty selector selects nothing here.
   */
  const selectWorkloads = (
    source: string,
    selector: ReadonlyMap<string, string>,
    namespace: string | undefined,
    relation: ObjectGraphRelation,
    via: string,
  ): void => {
    if (selector.size === 0) return;
    const index =
      namespace === undefined ? (allWorkloads ??= new LabelIndex(workloads, labelsOf)) : workloadsIn(namespace);
    for (const workload of index.matching(selector)) addEdge(source, workload.id, relation, via);
  };

  for (const { object, id } of shown) {
    const spec = field(object.value, 'spec');
    switch (object.kind) {
      case 'Service':
        selectWorkloads(id, toStringMap(field(spec, 'selector')), object.namespace, 'selects', 'spec.selector');
        break;
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet':
      case 'Job': {
        // A workload's spec.selector, with matchExpressions; an empty one manages nothing here.
        const selector = readLabelSelector(field(spec, 'selector'));
        if (selectorIsEmpty(selector)) break;
        for (const pod of podsIn(object.namespace).select(selector)) addEdge(id, pod.id, 'manages', 'spec.selector');
        break;
      }
      case 'ServiceEntry':
        selectWorkloads(
          id,
          toStringMap(field(field(spec, 'workloadSelector'), 'labels')),
          object.namespace,
          'selects',
          'spec.workloadSelector',
        );
        break;
      case 'Gateway':
        // A Gateway's selector picks gateway pods in any namespace by default.
        selectWorkloads(id, toStringMap(field(spec, 'selector')), undefined, 'runs-on', 'spec.selector');
        break;
      case 'Sidecar':
      case 'PeerAuthentication':
      case 'RequestAuthentication':
      case 'AuthorizationPolicy':
        selectWorkloads(
          id,
          toStringMap(
            field(
              field(spec, object.kind === 'Sidecar' ? 'workloadSelector' : 'selector'),
              object.kind === 'Sidecar' ? 'labels' : 'matchLabels',
            ),
          ),
          object.namespace,
          'applies-to',
          object.kind === 'Sidecar' ? 'spec.workloadSelector' : 'spec.selector',
        );
        break;
      case 'DestinationRule': {
        const host = stringField(spec, 'host');
        const target = host ? hostTarget(host, object.namespace) : undefined;
        if (target) addEdge(id, target, 'configures', 'spec.host');
        break;
      }
      case 'VirtualService':
        linkVirtualService(object, id, spec);
        break;
      case 'HTTPRoute':
      case 'GRPCRoute':
      case 'TCPRoute':
      case 'TLSRoute':
        linkGatewayApiRoute(object, id, spec);
        break;
      case 'Ingress': {
        for (const [ruleIndex, rule] of arrayField(spec, 'rules').entries()) {
          for (const [pathIndex, path] of arrayField(field(rule, 'http'), 'paths').entries()) {
            const serviceName = stringField(field(field(path, 'backend'), 'service'), 'name');
            const target = serviceName ? hostTarget(serviceName, object.namespace) : undefined;
            if (target) addEdge(id, target, 'routes-to', `spec.rules[${ruleIndex}].http.paths[${pathIndex}].backend`);
          }
        }
        break;
      }
    }
  }

  /** A Gateway API route: its parentRefs (a Gateway, or a Service for mesh routing) and its backendRefs. */
  function linkGatewayApiRoute(object: ManifestObject, id: string, spec: unknown): void {
    for (const [index, ref] of arrayField(spec, 'parentRefs').entries()) {
      const name = stringField(ref, 'name') ?? '';
      const namespace = stringField(ref, 'namespace') ?? object.namespace;
      const kind = stringField(ref, 'kind') ?? 'Gateway';
      const target = objectId({ kind, namespace, name });
      if (nodeIds.has(target))
        addEdge(id, target, kind === 'Gateway' ? 'binds-gateway' : 'configures', `spec.parentRefs[${index}]`);
    }
    for (const [ruleIndex, rule] of arrayField(spec, 'rules').entries()) {
      for (const [refIndex, ref] of arrayField(rule, 'backendRefs').entries()) {
        const name = stringField(ref, 'name') ?? '';
        const namespace = stringField(ref, 'namespace') ?? object.namespace;
        const target =
          stringField(ref, 'kind') === 'Hostname'
            ? hostTarget(name, undefined)
            : hostTarget(`${name}.${namespace ?? 'default'}.svc.${clusterDomain}`, namespace);
        if (target) addEdge(id, target, 'routes-to', `spec.rules[${ruleIndex}].backendRefs[${refIndex}]`);
      }
    }
  }

  function linkVirtualService(object: ManifestObject, id: string, spec: unknown): void {
    for (const gateway of arrayField(spec, 'gateways')) {
      if (typeof gateway !== 'string' || gateway === 'mesh') continue;
      const [namespace, name] = gateway.includes('/') ? gateway.split('/', 2) : [object.namespace, gateway];
      const target = objectId({ kind: 'Gateway', namespace, name: name ?? '' });
      if (nodeIds.has(target)) addEdge(id, target, 'binds-gateway', 'spec.gateways');
    }
    for (const protocol of ['http', 'tls', 'tcp'] as const) {
      for (const [routeIndex, route] of arrayField(spec, protocol).entries()) {
        for (const [destinationIndex, destination] of arrayField(route, 'route').entries()) {
          const host = stringField(field(destination, 'destination'), 'host');
          const target = host ? hostTarget(host, object.namespace) : undefined;
          if (target)
            addEdge(
              id,
              target,
              'routes-to',
              `spec.${protocol}[${routeIndex}].route[${destinationIndex}].destination.host`,
            );
        }
      }
    }
  }

  return { nodes, edges };
}

function arrayField(value: unknown, key: string): unknown[] {
  const found = field(value, key);
  return Array.isArray(found) ? found : [];
}
