import { objectId } from '../mesh/objectGraph.ts';
import { DEFAULT_CLUSTER_DOMAIN, hostMatches, isWildcard, resolveShortname } from '../model/host.ts';
import { LabelIndex, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import { DerivedCache } from '../model/memo.ts';
import type { Protocol } from '../registry/protocol.ts';
import { buildRegistry, type Registry, type Service } from '../registry/registry.ts';

/**
 * The two ends a user can click to make a request: the pods a request can start from, and the hosts the mesh knows
 * (Services, ServiceEntry hosts, VirtualService hosts, hosts served at gateways), each with its ports and a hint of
 * what it is. Plain, small values: the UI receives them from the analysis worker.
 */
export interface MeshEnds {
  sources: SourceEnd[];
  destinations: DestinationEnd[];
}

/** A pod a request can start from, and the graph objects (object-graph ids) that stand for it. */
export interface SourceEnd {
  /** `namespace/name`. */
  pod: string;
  /**
   * What the Source pod field gets: the pod, or `namespace/workload` for a pod Meshpath made from a workload's
   * template (its name is made up; the workload finds the same pod).
   */
  ref: string;
  /** The Pod's own node (when the manifests have the Pod), and its workload's node for the workload's first pod. */
  objects: string[];
}

export interface DestinationPort {
  port: number;
  /** Istio's protocol of the port, lower case (`http`, `grpc`, `tcp`); `auto` when istiod detects it (sniffing). */
  protocol: string;
  name: string;
}

export type DestinationKind = 'Service' | 'ServiceEntry' | 'VirtualService' | 'Gateway';

/** One host the mesh knows, under every name a client can use for it. */
export interface DestinationEnd {
  /** Shortest first: `reviews`, `reviews.shop`, `reviews.shop.svc.cluster.local` for a Service; the host otherwise. */
  names: string[];
  /** The namespace the host lives in: a Service's short name resolves only from pods of this namespace. */
  namespace: string;
  kind: DestinationKind;
  /** The graph objects (object-graph ids) that declare or name this host, the declaring one first. */
  objects: string[];
  ports: DestinationPort[];
  /** For a host served at a gateway: the gateway pods a request to it arrives at (`namespace/name`). */
  gatewayPods: string[];
  /** How the Source pod field names the first of them (see SourceEnd.ref). */
  gatewaySource?: string;
  /** What declares it: `Service shop/reviews`, `HTTPRoute app/web, Gateway istio-ingress/gateway`. */
  label: string;
  /** What it is, in a few words: `Service shop/reviews · 9080 http`. */
  hint: string;
  /** For a Service or ServiceEntry: a ready pod behind it (`namespace/name`), to start a request from. */
  readyPod: string | undefined;
}

const idOf = (source: ObjectSource) => objectId(source);

function protocolWord(protocol: Protocol): string {
  return protocol === 'Unsupported' ? 'auto' : protocol.toLowerCase();
}

function portsText(ports: readonly DestinationPort[]): string {
  if (ports.length === 0) return 'no ports';
  const shown = ports.slice(0, 4).map((p) => `${p.port} ${p.protocol}`);
  return ports.length > 4 ? `${shown.join(', ')}, +${ports.length - 4}` : shown.join(', ');
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** How a user would name a pod as a source: a pod made from a template by its workload. */
export function sourceRef(pod: PodModel): string {
  return pod.assumed && pod.owner ? `${pod.namespace}/${pod.owner.name}` : `${pod.namespace}/${pod.name}`;
}

/** The pods a request can start from: every pod, and for each workload its first pod (a ready one if any). */
function sourceEnds(pods: readonly PodModel[]): SourceEnd[] {
  const firstOfOwner = new Map<string, PodModel>();
  for (const pod of pods) {
    if (!pod.owner) continue;
    const key = idOf(pod.owner);
    const first = firstOfOwner.get(key);
    if (!first || (!first.ready && pod.ready)) firstOfOwner.set(key, pod);
  }
  const ownerOf = new Map([...firstOfOwner].map(([owner, pod]) => [pod, owner]));
  return pods.map((pod) => {
    const objects: string[] = [];
    if (!pod.assumed) objects.push(objectId({ kind: 'Pod', namespace: pod.namespace, name: pod.name }));
    const owner = ownerOf.get(pod);
    if (owner) objects.push(owner);
    return { pod: `${pod.namespace}/${pod.name}`, ref: sourceRef(pod), objects };
  });
}

/** A healthy endpoint's pod: where a request to the Service lands, so a request back can start there. */
function readyPodOf(registry: Registry, service: Service): string | undefined {
  const endpoint = (registry.endpoints.get(service) ?? []).find((e) => e.health === 'Healthy' && e.podName);
  if (!endpoint?.podName) return undefined;
  return `${endpoint.workload?.namespace ?? service.namespace}/${endpoint.podName}`;
}

const cache = new DerivedCache<MeshModel, string, MeshEnds>();

/** Every end a user can pick in this mesh, computed once per model (the trace's reversal reads it again). */
export function meshEnds(model: MeshModel, clusterDomain = DEFAULT_CLUSTER_DOMAIN): MeshEnds {
  return cache.get(model, clusterDomain, () => buildMeshEnds(model, clusterDomain));
}

/**
 * One pass over pods, registry services, VirtualServices and Gateways, with
 * look-ups through maps: no loop over all objects inside another.
 */
function buildMeshEnds(model: MeshModel, clusterDomain: string): MeshEnds {
  const registry = buildRegistry(model, clusterDomain);
  const destinations: DestinationEnd[] = [];
  const byHostname = new Map<string, DestinationEnd>();

  for (const service of registry.services) {
    if (isWildcard(service.hostname)) continue;
    const existing = byHostname.get(service.hostname);
    const ports = service.ports.map((p) => ({ port: p.port, protocol: protocolWord(p.protocol), name: p.name }));
    if (existing) {
      // A ServiceEntry host with several addresses is one service per address: one end.
      if (!existing.objects.includes(idOf(service.source))) existing.objects.push(idOf(service.source));
      continue;
    }
    const kubernetes = service.registry === 'Kubernetes';
    const kind: DestinationKind = kubernetes ? 'Service' : 'ServiceEntry';
    const end: DestinationEnd = {
      names: kubernetes ? [service.name, `${service.name}.${service.namespace}`, service.hostname] : [service.hostname],
      namespace: service.namespace,
      kind,
      // A Service istiod deploys for a Gateway API Gateway has no object of its own to click.
      objects: service.source.kind === kind ? [idOf(service.source)] : [],
      ports,
      gatewayPods: [],
      label: `${kind} ${service.namespace}/${service.name}`,
      hint:
        `${kind} ${service.namespace}/${service.name} · ${portsText(ports)}` +
        (service.externalName ? ` · alias of ${service.externalName}` : service.meshExternal ? ' · external' : ''),
      readyPod: readyPodOf(registry, service),
    };
    byHostname.set(service.hostname, end);
    destinations.push(end);
  }

  // Gateways by `namespace/name`, and the pods each runs on.
  const gateways = model.istio.get('Gateway') ?? [];
  const gatewayByName = new Map(gateways.map((g) => [`${g.namespace}/${g.name}`, g]));
  const podIndex = new LabelIndex(model.pods, (pod) => pod.labels);
  const servicesByHostname = new Map(registry.services.map((s) => [s.hostname, s]));
  const podsOfGateway = new Map<IstioConfigModel, string[]>();
  const gatewayPods = (gateway: IstioConfigModel): string[] => {
    const known = podsOfGateway.get(gateway);
    if (known) return known;
    const refs = new Set<string>();
    // A Gateway's selector picks gateway pods in any namespace (pilot/pkg/model/gateway.go: the default scope).
    const selector = toStringMap(gateway.spec['selector']);
    if (selector.size > 0) for (const pod of podIndex.matching(selector)) refs.add(`${pod.namespace}/${pod.name}`);
    // A Gateway istiod made from a Gateway API Gateway names the Service of what it deploys.
    for (const host of (gateway.annotations.get('internal.istio.io/gateway-service') ?? '').split(',')) {
      const service = host ? servicesByHostname.get(host) : undefined;
      const ready = service ? readyPodOf(registry, service) : undefined;
      if (ready) refs.add(ready);
    }
    const list = [...refs].sort();
    podsOfGateway.set(gateway, list);
    return list;
  };
  const serverPorts = (gateway: IstioConfigModel, host: string): DestinationPort[] =>
    (Array.isArray(gateway.spec['servers']) ? gateway.spec['servers'] : []).flatMap((server) => {
      const hosts = stringList(record(server)?.['hosts']).map((h) => h.slice(h.indexOf('/') + 1));
      const port = record(record(server)?.['port']);
      const number = port?.['number'];
      if (typeof number !== 'number' || !hosts.some((h) => hostMatches(h, host))) return [];
      const protocol = typeof port?.['protocol'] === 'string' ? port['protocol'].toLowerCase() : 'http';
      return [{ port: number, protocol, name: typeof port?.['name'] === 'string' ? port['name'] : '' }];
    });

  const gatewayHosts = new Map<string, DestinationEnd>();
  for (const vs of model.istio.get('VirtualService') ?? []) {
    const bound = stringList(vs.spec['gateways']);
    const toMesh = bound.length === 0 || bound.includes('mesh');
    for (const host of stringList(vs.spec['hosts'])) {
      if (isWildcard(host)) continue;
      if (toMesh) {
        const fqdn = resolveShortname(host, vs.namespace, clusterDomain);
        const known = byHostname.get(fqdn);
        if (known) {
          if (!known.objects.includes(idOf(vs.source))) known.objects.push(idOf(vs.source));
        } else {
          const end: DestinationEnd = {
            names: fqdn === host ? [host] : [host, fqdn],
            namespace: vs.namespace,
            kind: 'VirtualService',
            objects: [idOf(vs.source)],
            ports: [],
            gatewayPods: [],
            label: `${vs.source.kind} ${vs.namespace}/${vs.source.name}`,
            hint: `${vs.source.kind} ${vs.namespace}/${vs.source.name} · no Service or ServiceEntry has this host`,
            readyPod: undefined,
          };
          byHostname.set(fqdn, end);
          destinations.push(end);
        }
      }
      for (const name of bound) {
        if (name === 'mesh') continue;
        const gateway = gatewayByName.get(name.includes('/') ? name : `${vs.namespace}/${name}`);
        if (!gateway) continue;
        let end = gatewayHosts.get(host);
        if (!end) {
          end = {
            names: [host],
            namespace: vs.namespace,
            kind: 'Gateway',
            objects: [idOf(vs.source)],
            ports: [],
            gatewayPods: [],
            label: '',
            hint: '',
            readyPod: undefined,
          };
          gatewayHosts.set(host, end);
        }
        for (const id of [idOf(vs.source), idOf(gateway.source)]) if (!end.objects.includes(id)) end.objects.push(id);
        for (const port of serverPorts(gateway, host))
          if (!end.ports.some((p) => p.port === port.port)) end.ports.push(port);
        for (const pod of gatewayPods(gateway)) if (!end.gatewayPods.includes(pod)) end.gatewayPods.push(pod);
        if (end.label === '') {
          const route =
            vs.source.kind === 'VirtualService' ? '' : `${vs.source.kind} ${vs.namespace}/${vs.source.name}, `;
          end.label = `${route}Gateway ${gateway.source.namespace ?? vs.namespace}/${gateway.source.name}`;
        }
      }
    }
  }
  const podsByRef = new Map(model.pods.map((pod) => [`${pod.namespace}/${pod.name}`, pod]));
  for (const end of gatewayHosts.values()) {
    end.ports.sort((a, b) => a.port - b.port);
    const first = end.gatewayPods[0] ? podsByRef.get(end.gatewayPods[0]) : undefined;
    if (first) end.gatewaySource = sourceRef(first);
    end.hint =
      `${end.label} · ${portsText(end.ports)}` +
      (end.gatewayPods[0] ? ` · arrives at ${end.gatewayPods[0]}` : ' · no gateway pod runs it');
    destinations.push(end);
  }
  return { sources: sourceEnds(model.pods), destinations };
}
