/**
 * Ambient mode: the walk through the node's ztunnel, a waypoint when the destination uses one, and the destination's
 * ztunnel. Decisions only, recorded as facts; explain/ words them.
 */
import { bindWaypoint, serviceMetadata, waypointIndex, type BindingTarget } from '../ambient/binding.ts';
import { acceptsHbone } from '../ambient/enrolment.ts';
import { GATEWAY_NAME_LABEL, HBONE_PORT, type WaypointModel } from '../ambient/waypoints.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import type { Registry, Service } from '../registry/registry.ts';
import { authorize, httpPoliciesAtZtunnel } from '../security/authorization.ts';
import { ztunnelMtls } from '../security/peerAuthentication.ts';
import type { EndFact, Outcome, TraceHop, WaypointChoice } from './facts.ts';
import { waypointHop, type WaypointWalker } from './waypoint.ts';

/** What the ambient walk needs from the tracer (simulate/trace.ts). */
export interface AmbientWalker extends WaypointWalker {
  readonly registry: Registry;
  readonly podsByIp: ReadonlyMap<string, PodModel>;
}

/** How the ambient part ended: the request's end, or a pod with a sidecar (or none) that the tracer takes over. */
export type AmbientResult =
  | { kind: 'end'; outcome: Outcome; status: number | null; flags: string; end: EndFact; sources: ObjectSource[] }
  | {
      kind: 'handOff';
      address: string;
      port: number;
      transport: 'plaintext' | 'mtls';
      /** The pod whose identity the connection carries (the waypoint's after a waypoint). */
      from: PodModel;
      host: string | undefined;
    };

/** The node proxy that serves a pod (one ztunnel per node): named by node, else by the pod. */
export function ztunnelName(pod: PodModel): string {
  return `ztunnel@${pod.nodeName ?? `node-of-${pod.namespace}/${pod.name}`}`;
}

const podRef = (pod: PodModel) => `${pod.namespace}/${pod.name}`;
const principalOf = (model: MeshModel, pod: PodModel) =>
  `${model.meshConfig.trustDomain}/ns/${pod.namespace}/sa/${pod.serviceAccount}`;

function metadataOf(model: MeshModel, service: Service) {
  return serviceMetadata(model, service.registry, service.namespace, service.name);
}

/** The waypoint a Service or workload uses (ambient/binding.ts), as a fact. */
export function waypointChoice(
  model: MeshModel,
  target: BindingTarget,
): { choice: WaypointChoice; pod: PodModel | undefined; waypoint: WaypointModel | undefined } {
  const binding = bindWaypoint(target, model.namespaces, waypointIndex(model));
  const found = binding.requested
    ? model.waypoints.find((w) => `${w.namespace}/${w.name}` === binding.requested)
    : undefined;
  const pod = binding.waypoint
    ? model.pods.find(
        (p) =>
          p.namespace === binding.waypoint?.namespace &&
          p.labels.get(GATEWAY_NAME_LABEL) === binding.waypoint.name &&
          p.ready &&
          p.ip !== '',
      )
    : undefined;
  return {
    choice: {
      waypoint: binding.waypoint ? `${binding.waypoint.namespace}/${binding.waypoint.name}` : undefined,
      requested: binding.requested,
      via: binding.via,
      optedOut: binding.optedOut,
      bypass: binding.bypass,
      notReadyReason: found?.notReadyReason,
      trafficType: found?.trafficType,
      ...(binding.canary ? { canary: binding.canary } : {}),
    },
    pod,
    waypoint: binding.waypoint,
  };
}

/**
 * The source ztunnel: outbound capture (15001), the destination's waypoint or its endpoint, then HBONE (mTLS over
 * HTTP/2 CONNECT) to port 15008 (ztunnel's README and ARCHITECTURE.md; istio.io docs/ambient/architecture/data-plane).
 */
export function ztunnelOutbound(w: AmbientWalker, client: PodModel, address: string, port: number): AmbientResult {
  const ztunnel = ztunnelName(client);
  w.hops.push({ proxy: ztunnel, direction: 'ztunnel-outbound' });
  w.stepAt(
    { kind: 'ztunnel', by: 'outbound', pod: podRef(client), address, port, reason: client.dataPlane.reason },
    ztunnel,
    [client.source],
  );
  // ztunnel also knows a ServiceEntry by the address istiod allocated to it (what its DNS proxy answers).
  const service = w.registry.services.find(
    (s) => s.clusterIPs.includes(address) || s.defaultAddress === address || s.autoAllocatedAddress === address,
  );
  const target = w.podsByIp.get(address);
  const choice = service
    ? waypointChoice(w.model, {
        kind: 'service',
        namespace: service.namespace,
        labels: metadataOf(w.model, service).labels,
        annotations: metadataOf(w.model, service).annotations,
      })
    : target
      ? waypointChoice(w.model, { kind: 'workload', namespace: target.namespace, labels: target.labels })
      : undefined;
  w.stepAt(
    {
      kind: 'ztunnel',
      by: 'destination',
      address,
      port,
      service: service?.hostname,
      pod: target ? podRef(target) : undefined,
      waypoint: choice?.choice,
    },
    ztunnel,
    service ? [service.source] : target ? [target.source] : [],
  );
  if (choice?.waypoint)
    return choice.pod
      ? throughWaypoint(w, ztunnel, choice.pod, choice.waypoint, service, { address, port }, client)
      : waypointWithoutEndpoint(w, choice.waypoint, address, port);
  if (!service && !target) {
    // Outside the mesh: ztunnel forwards the bytes as they are (passthrough).
    w.stepAt({ kind: 'ztunnel', by: 'plaintext', address, port, to: 'external', pod: undefined }, ztunnel, []);
    return {
      kind: 'end',
      outcome: 'passthrough',
      status: successStatus(w),
      flags: '-',
      end: { reason: 'DELIVERED', address, port, to: { external: address }, transport: 'plaintext' },
      sources: [],
    };
  }
  const endpoint = service ? pickEndpoint(w, service, port, client, address) : { address, port };
  if (!endpoint) return noEndpoint(service, address, port, service?.internalTrafficPolicyLocal === true);
  // A Service without a waypoint whose chosen pod has a workload waypoint: ztunnel sends to that waypoint
  // (istio.io docs/ambient/usage/waypoint: waypoint-for workload; ztunnel's outbound waypoint choice).
  const endpointPod = service ? w.podsByIp.get(endpoint.address) : undefined;
  if (endpointPod) {
    const workload = waypointChoice(w.model, {
      kind: 'workload',
      namespace: endpointPod.namespace,
      labels: endpointPod.labels,
    });
    if (workload.waypoint) {
      w.stepAt(
        {
          kind: 'ztunnel',
          by: 'destination',
          address: endpoint.address,
          port: endpoint.port,
          service: undefined,
          pod: podRef(endpointPod),
          waypoint: workload.choice,
        },
        ztunnel,
        [endpointPod.source],
      );
      return workload.pod
        ? throughWaypoint(w, ztunnel, workload.pod, workload.waypoint, undefined, endpoint, client)
        : waypointWithoutEndpoint(w, workload.waypoint, endpoint.address, endpoint.port);
    }
  }
  return toDestination(w, client, ztunnel, endpoint.address, endpoint.port, service?.hostname);
}

/**
 * HBONE to the waypoint on 15008, the waypoint's own config (simulate/waypoint.ts: chain by the destination's VIP and
 * port, L7 policy, route, cluster, endpoint), then HBONE from the waypoint to the chosen endpoint.
 */
export function throughWaypoint(
  w: AmbientWalker,
  senderProxy: string,
  waypointPod: PodModel,
  waypoint: WaypointModel,
  service: Service | undefined,
  target: { address: string; port: number },
  source: PodModel,
): AmbientResult {
  const dialled = `${target.address}:${target.port}`;
  w.stepAt(
    { kind: 'hbone', to: 'waypoint', address: `${waypointPod.ip}:${HBONE_PORT}`, target: dialled },
    senderProxy,
    [],
  );
  const result = waypointHop(w, waypointPod, waypoint, service, target, source);
  if (result.kind === 'end') return result;
  const proxy = `${waypointPod.namespace}/${waypointPod.name}`;
  return toDestination(w, waypointPod, proxy, result.address, result.port, result.host, result.tls);
}

/**
 * Config that shapes what a sidecar client sees and that ztunnel does not read: Sidecar resources, VirtualService
 * source matches (sourceLabels, sourceNamespace) and a Service's exportTo annotation. ztunnel gets every Service and
 * workload from istiod's ambient index (pilot/pkg/serviceregistry/ambient/services.go), which applies only a
 * ServiceEntry's visibility.
 */
export function ignoredInAmbient(model: MeshModel, client: PodModel): string[] {
  const root = model.meshConfig.rootNamespace;
  const out: string[] = [];
  for (const sidecar of model.istio.get('Sidecar') ?? [])
    if (sidecar.namespace === client.namespace || sidecar.namespace === root)
      out.push(`Sidecar ${sidecar.namespace}/${sidecar.name}`);
  for (const config of model.istio.get('VirtualService') ?? []) {
    const http = config.spec['http'];
    if (Array.isArray(http) && /"(sourceLabels|sourceNamespace)"/.test(JSON.stringify(http)))
      out.push(`VirtualService ${config.namespace}/${config.name}`);
  }
  for (const service of model.services)
    if (service.annotations.has('networking.istio.io/exportTo'))
      out.push(`Service ${service.namespace}/${service.name}`);
  return out;
}

function successStatus(w: AmbientWalker): number | null {
  return w.request.protocol === 'tcp' || w.request.protocol === 'tls' ? null : 200;
}

function noEndpoint(service: Service | undefined, address: string, port: number, nodeLocal: boolean): AmbientResult {
  return {
    kind: 'end',
    outcome: 'no-healthy-upstream',
    status: null,
    flags: '-',
    end: {
      reason: 'KUBE_PROXY_NO_ENDPOINT',
      address,
      port,
      service: service?.hostname ?? address,
      by: 'ztunnel',
      ...(nodeLocal ? { nodeLocal } : {}),
    },
    sources: service ? [service.source] : [],
  };
}

/**
 * istiod lists a waypoint once its Gateway has a status address and keeps it listed (ambient/waypoints.go:
 * gatewayToWaypointTransform), so ztunnel still sends to it when none of its pods is ready: the connection fails.
 */
export function waypointWithoutEndpoint(
  w: Pick<AmbientWalker, 'registry'>,
  waypoint: WaypointModel,
  address: string,
  port: number,
): AmbientResult {
  const own = w.registry.services.find(
    (s) => s.registry === 'Kubernetes' && s.namespace === waypoint.namespace && s.name === waypoint.serviceName,
  );
  return {
    kind: 'end',
    outcome: 'no-healthy-upstream',
    status: null,
    flags: '-',
    end: {
      reason: 'KUBE_PROXY_NO_ENDPOINT',
      address,
      port,
      service: own?.hostname ?? `${waypoint.serviceName}.${waypoint.namespace}`,
      by: 'ztunnel',
      waypoint: `${waypoint.namespace}/${waypoint.name}`,
    },
    sources: [waypoint.source],
  };
}

/**
 * ztunnel picks one ready endpoint of the service port (it balances itself; the first stands for the pick); a DNS
 * ServiceEntry's endpoint is a hostname ztunnel resolves itself.
 */
function pickEndpoint(
  w: AmbientWalker,
  service: Service,
  port: number,
  client: PodModel,
  dialled: string,
): { address: string; port: number } | undefined {
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort) return undefined;
  // ambient/services.go: a ServiceEntry with resolution NONE is PASSTHROUGH: ztunnel keeps the dialled address.
  if (service.resolution === 'Passthrough')
    return { address: dialled, port: service.passthroughTargetPorts.get(port) ?? port };
  const endpoint = (w.registry.endpoints.get(service) ?? []).find(
    (e) =>
      e.servicePortName === servicePort.name &&
      e.health === 'Healthy' &&
      (!e.isHostname || service.resolution === 'DNSLB' || service.resolution === 'DNSRoundRobinLB') &&
      // ambient/services.go: internalTrafficPolicy Local is a STRICT NODE preference: only the client's node.
      (!service.internalTrafficPolicyLocal || client.nodeName === undefined || e.nodeName === client.nodeName),
  );
  return endpoint ? { address: endpoint.address, port: endpoint.port } : undefined;
}

/**
 * From a ztunnel or a waypoint to the chosen pod: HBONE to an ambient pod's ztunnel; to a pod with a sidecar, HBONE
 * only when it declares networking.istio.io/tunnel=http, else plaintext
 * (pilot/pkg/serviceregistry/ambient/workloads.go: setTunnelProtocol); to a pod outside the mesh, plaintext.
 */
function toDestination(
  w: AmbientWalker,
  sender: PodModel,
  senderProxy: string,
  address: string,
  port: number,
  host: string | undefined,
  tls?: 'SIMPLE' | 'MUTUAL',
): AmbientResult {
  const pod = w.podsByIp.get(address);
  if (pod?.dataPlane.mode === 'ambient') {
    w.stepAt(
      { kind: 'hbone', to: 'ztunnel', address: `${address}:${HBONE_PORT}`, target: `${address}:${port}` },
      senderProxy,
      [],
    );
    return ztunnelInbound(w, pod, port, principalOf(w.model, sender), sender.ip);
  }
  if (pod && (pod.dataPlane.mode === 'sidecar' || pod.dataPlane.mode === 'gateway')) {
    const hbone = acceptsHbone(w.model, pod);
    if (hbone)
      w.stepAt(
        { kind: 'hbone', to: 'sidecar', address: `${address}:${HBONE_PORT}`, target: `${address}:${port}` },
        senderProxy,
        [],
      );
    else
      w.stepAt(
        {
          kind: 'ztunnel',
          by: 'plaintext',
          address,
          port,
          to: 'sidecar',
          pod: podRef(pod),
          ...(sender.dataPlane.mode === 'gateway' ? { from: 'waypoint' as const } : {}),
        },
        senderProxy,
        [pod.source],
      );
    return { kind: 'handOff', address, port, transport: hbone ? 'mtls' : 'plaintext', from: sender, host };
  }
  // A waypoint is not captured: it opens the connection itself, with the TLS its DestinationRule asks for.
  const fromWaypoint = sender.dataPlane.mode === 'gateway';
  w.stepAt(
    {
      kind: 'ztunnel',
      by: 'plaintext',
      address,
      port,
      to: 'noMesh',
      pod: pod ? podRef(pod) : undefined,
      ...(fromWaypoint ? { from: 'waypoint' as const } : {}),
      ...(tls ? { tls } : {}),
    },
    senderProxy,
    pod ? [pod.source] : [],
  );
  return {
    kind: 'end',
    outcome: 'routed',
    status: successStatus(w),
    flags: '-',
    end: {
      reason: 'DELIVERED',
      address,
      port,
      to: pod ? { pod: podRef(pod) } : { external: address },
      transport: tls ? 'tls' : 'plaintext',
    },
    sources: pod ? [pod.source] : [],
  };
}

/**
 * The destination's ztunnel: HBONE on 15008 (or plaintext on 15006 from outside the mesh), then the L4
 * AuthorizationPolicies that select the pod. ztunnel sees no HTTP: rules with HTTP fields are left out, so an ALLOW
 * rule that needs them matches nothing (pilot/pkg/serviceregistry/ambient/authorization.go:
 * convertAuthorizationPolicy).
 */
export function ztunnelInbound(
  w: AmbientWalker,
  pod: PodModel,
  port: number,
  principal: string | undefined,
  sourceIp: string,
): AmbientResult {
  const ztunnel = ztunnelName(pod);
  const hop: TraceHop = { proxy: ztunnel, direction: 'ztunnel-inbound', endpoint: `${pod.ip}:${port}` };
  w.hops.push(hop);
  w.stepAt(
    { kind: 'ztunnel', by: 'inbound', pod: podRef(pod), port, hbone: principal !== undefined, principal },
    ztunnel,
    [pod.source],
  );
  // PeerAuthentication reaches ztunnel as a DENY policy on connections without a peer identity
  // (pilot/pkg/serviceregistry/ambient/authorization.go: convertedSelectorPeerAuthentications).
  const mtls = principal === undefined ? ztunnelMtls(w.model, pod.namespace, pod.labels, port) : undefined;
  if (mtls?.strict) {
    const reason = `${mtls.reason}: ztunnel refuses a plaintext connection from outside the mesh`;
    const sources = mtls.source ? [mtls.source] : [];
    w.stepAt({ kind: 'authorization', allowed: false, reason, principal, mtlsRequired: true }, ztunnel, sources);
    return {
      kind: 'end',
      outcome: 'denied',
      status: null,
      flags: '-',
      end: { reason: 'DENIED', decision: reason, http: false, by: 'ztunnel' },
      sources,
    };
  }
  const decision = authorize(w.model, pod, { principal, sourceIp, http: undefined, port, ztunnel: true });
  const httpPolicies = httpPoliciesAtZtunnel(w.model, pod);
  w.stepAt(
    {
      kind: 'authorization',
      allowed: decision.allowed,
      reason: decision.reason,
      principal,
      ...(httpPolicies.length > 0
        ? { httpAtZtunnel: httpPolicies.map(({ policy, action, attributes }) => ({ policy, action, attributes })) }
        : {}),
    },
    ztunnel,
    [...(decision.policy ? [decision.policy] : []), ...httpPolicies.map((p) => p.source)],
  );
  if (!decision.allowed)
    return {
      kind: 'end',
      outcome: 'denied',
      status: null,
      flags: '-',
      end: {
        reason: 'DENIED',
        decision: decision.reason,
        http: false,
        by: 'ztunnel',
        ...(httpPolicies.length > 0 ? { httpPolicies: httpPolicies.map((p) => p.policy) } : {}),
      },
      sources: decision.policy ? [decision.policy] : [],
    };
  return {
    kind: 'end',
    outcome: 'routed',
    status: successStatus(w),
    flags: '-',
    end: { reason: 'DELIVERED_BY_ZTUNNEL', pod: podRef(pod), address: pod.ip, port, mtls: principal !== undefined },
    sources: [pod.source],
  };
}
