import { WORKLOAD_KINDS } from '../manifest/kinds.ts';
import { field, isRecord, stringField, type ManifestObject } from '../manifest/parse.ts';

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

export type ObjectGraphRelation = 'selects' | 'manages' | 'routes-to' | 'binds-gateway' | 'configures' | 'runs-on' | 'applies-to';

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

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export function objectId(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

function labelsOf(value: unknown): Map<string, string> {
  const labels = new Map<string, string>();
  if (!isRecord(value)) return labels;
  for (const [key, label] of Object.entries(value)) {
    if (typeof label === 'string') labels.set(key, label);
  }
  return labels;
}

/** Equality-based label selection: every selector label must be present with the same value. An empty selector selects nothing here. */
function selects(selector: Map<string, string>, labels: Map<string, string>): boolean {
  if (selector.size === 0) return false;
  for (const [key, value] of selector) {
    if (labels.get(key) !== value) return false;
  }
  return true;
}

/** The labels a workload's pods carry: the pod's own, or its template's. */
function podLabels(object: ManifestObject): Map<string, string> {
  if (object.kind === 'Pod') return labelsOf(field(field(object.value, 'metadata'), 'labels'));
  return labelsOf(field(field(field(field(object.value, 'spec'), 'template'), 'metadata'), 'labels'));
}

/** The object a Service or ServiceEntry hostname names, as written in a namespace (`reviews`, `reviews.ns`, FQDN). */
function hostCandidates(host: string, namespace: string | undefined, clusterDomain: string): string[] {
  const candidates = [host];
  if (!host.includes('.') && namespace) candidates.push(`${host}.${namespace}.svc.${clusterDomain}`);
  else if (host.split('.').length === 2) candidates.push(`${host}.svc.${clusterDomain}`);
  return candidates;
}

export function buildObjectGraph(objects: readonly ManifestObject[], clusterDomain = DEFAULT_CLUSTER_DOMAIN): ObjectGraph {
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
      nodes.push({ id, kind: 'Namespace', name: namespace, namespace: undefined, label: namespace, parent: undefined, objectIndex: undefined });
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

  // Namespaces first, so that declared ones carry their object.
  objects.forEach((object, objectIndex) => {
    if (object.kind !== 'Namespace') return;
    const id = objectId({ kind: 'Namespace', namespace: undefined, name: object.name });
    namespaceIds.set(object.name, id);
    if (nodeIds.has(id)) return;
    nodeIds.add(id);
    nodes.push({ id, kind: 'Namespace', name: object.name, namespace: undefined, label: object.name, parent: undefined, objectIndex });
  });

  const shown = objects
    .map((object, objectIndex) => ({ object, objectIndex, id: objectId(object) }))
    .filter(({ object }) => object.modelled && object.kind !== 'Namespace' && object.kind !== 'ConfigMap' && object.kind !== 'Endpoints');
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
  const hosts = new Map<string, string>();
  for (const { object, id } of shown) {
    if (object.kind === 'Service' && object.namespace) hosts.set(`${object.name}.${object.namespace}.svc.${clusterDomain}`, id);
    if (object.kind === 'ServiceEntry') {
      const seHosts = field(field(object.value, 'spec'), 'hosts');
      if (Array.isArray(seHosts)) for (const host of seHosts) if (typeof host === 'string' && !hosts.has(host)) hosts.set(host, id);
    }
  }
  const hostTarget = (host: string, namespace: string | undefined): string | undefined => {
    for (const candidate of hostCandidates(host, namespace, clusterDomain)) {
      const target = hosts.get(candidate);
      if (target) return target;
    }
    return undefined;
  };

  const selectWorkloads = (source: string, selector: Map<string, string>, namespace: string | undefined, relation: ObjectGraphRelation, via: string): void => {
    for (const workload of workloads) {
      if (namespace !== undefined && workload.object.namespace !== namespace) continue;
      if (selects(selector, podLabels(workload.object))) addEdge(source, workload.id, relation, via);
    }
  };

  for (const { object, id } of shown) {
    const spec = field(object.value, 'spec');
    switch (object.kind) {
      case 'Service':
        selectWorkloads(id, labelsOf(field(spec, 'selector')), object.namespace, 'selects', 'spec.selector');
        break;
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet':
      case 'Job': {
        const selector = labelsOf(field(field(spec, 'selector'), 'matchLabels'));
        for (const pod of workloads) {
          if (pod.object.kind === 'Pod' && pod.object.namespace === object.namespace && selects(selector, podLabels(pod.object))) {
            addEdge(id, pod.id, 'manages', 'spec.selector.matchLabels');
          }
        }
        break;
      }
      case 'ServiceEntry':
        selectWorkloads(id, labelsOf(field(field(spec, 'workloadSelector'), 'labels')), object.namespace, 'selects', 'spec.workloadSelector');
        break;
      case 'Gateway':
        // A Gateway's selector picks gateway pods in any namespace by default.
        selectWorkloads(id, labelsOf(field(spec, 'selector')), undefined, 'runs-on', 'spec.selector');
        break;
      case 'Sidecar':
      case 'PeerAuthentication':
      case 'RequestAuthentication':
      case 'AuthorizationPolicy':
        selectWorkloads(
          id,
          labelsOf(field(field(spec, object.kind === 'Sidecar' ? 'workloadSelector' : 'selector'), object.kind === 'Sidecar' ? 'labels' : 'matchLabels')),
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
          if (target) addEdge(id, target, 'routes-to', `spec.${protocol}[${routeIndex}].route[${destinationIndex}].destination.host`);
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
