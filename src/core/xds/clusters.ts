import { field, isRecord } from '../manifest/parse.ts';
import { labelsMatch } from '../model/labels.ts';
import { DerivedCache, derivedFrom } from '../model/memo.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import type { Service, ServiceEndpoint } from '../registry/registry.ts';
import { inboundChainConfigs } from './inbound.ts';
import { isIpAddress } from '../model/ip.ts';
import type { ConsolidatedDestinationRule } from '../scope/sidecarScope.ts';
import { inferServiceMtlsMode, peerAuthenticationMode, type MtlsMode } from '../security/peerAuthentication.ts';
import {
  ALLOW_ANY_DYNAMIC_DNS_CLUSTER,
  allowAnyDynamicDns,
  BLACKHOLE_CLUSTER,
  endpointsForPort,
  INBOUND_PASSTHROUGH_CLUSTER,
  outboundClusterName,
  PASSTHROUGH_CLUSTER,
  type ProxyContext,
} from './context.ts';
import type { Cluster, ClusterLoadAssignment, ClusterTls, ClusterType, LbEndpoint } from './types.ts';

type Policy = Readonly<Record<string, unknown>> | undefined;

const BLOCKS = ['connectionPool', 'loadBalancer', 'outlierDetection', 'tls'] as const;

/**
 * A DR policy for one port: a portLevelSettings entry replaces the four blocks wholesale
 * (pilot/pkg/networking/util/util.go: GetPortLevelTrafficPolicy).
 */
function portLevelPolicy(policy: Policy, port: number): Policy {
  if (!policy) return undefined;
  const settings = field(policy, 'portLevelSettings');
  const entry = Array.isArray(settings) ? settings.find((s) => field(field(s, 'port'), 'number') === port) : undefined;
  if (!isRecord(entry)) return policy;
  const out: Record<string, unknown> = { ...policy };
  for (const block of BLOCKS) out[block] = entry[block];
  return out;
}

/** The effective policy of a (subset) cluster (util.go: MergeSubsetTrafficPolicy). */
export function effectiveTrafficPolicy(
  rule: ConsolidatedDestinationRule | undefined,
  subset: string | undefined,
  port: number,
): Policy {
  const base = portLevelPolicy(rule?.trafficPolicy, port);
  const subsetPolicy = subset ? rule?.subsets.find((s) => s.name === subset)?.trafficPolicy : undefined;
  if (!subsetPolicy) return base;
  const subsetPort = portLevelPolicy(subsetPolicy, port);
  const hasPortLevel = subsetPort !== subsetPolicy;
  const out: Record<string, unknown> = { ...(base ?? {}) };
  for (const block of BLOCKS)
    if (hasPortLevel || field(subsetPort, block) !== undefined) out[block] = field(subsetPort, block);
  return out;
}

/**
 * A wildcard host resolved by DYNAMIC_DNS gets one dynamic forward proxy cluster per HTTP, TLS, gRPC or HTTP/2 port,
 * without subsets (pilot/pkg/networking/core/cluster.go: buildOutboundClusters, Istio 1.31).
 */
export function isDynamicForwardProxy(service: Service): boolean {
  return service.resolution === 'DynamicDNS' && service.hostname.startsWith('*');
}
const DFP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'TLS', 'GRPC', 'HTTP2']);

/**
 * The discovery type (cluster.go: convertResolution; cluster_traffic_policy.go: applyLoadBalancer turns PASSTHROUGH
 * into ORIGINAL_DST).
 */
function clusterType(service: Service, policy: Policy, gateway: boolean): ClusterType {
  if (isDynamicForwardProxy(service)) return 'DYNAMIC_FORWARD_PROXY';
  if (field(field(policy, 'loadBalancer'), 'simple') === 'PASSTHROUGH') return 'ORIGINAL_DST';
  switch (service.resolution) {
    case 'ClientSideLB':
      return 'EDS';
    case 'DNSLB':
      return 'STRICT_DNS';
    case 'DNSRoundRobinLB':
      return 'LOGICAL_DNS';
    case 'Passthrough':
      return gateway ? 'EDS' : 'ORIGINAL_DST';
    default:
      return 'EDS';
  }
}

/**
 * The mTLS mode auto mTLS starts from (pilot/pkg/model/push_context.go: BestEffortInferServiceMTLSMode): for a
 * passthrough service (resolution NONE / headless, or loadBalancer PASSTHROUGH in the top-level policy of the
 * DestinationRule or
 * subset), DISABLE unless the port has endpoints and none of them has tlsMode disabled; then the namespace/mesh mode.
 */
function inferServiceMtls(
  service: Service,
  topLevelPolicy: Policy,
  port: number,
  model: MeshModel,
  ctx: ProxyContext,
): { mode: MtlsMode; reason: string } {
  if (
    service.resolution === 'Passthrough' ||
    field(field(topLevelPolicy, 'loadBalancer'), 'simple') === 'PASSTHROUGH'
  ) {
    const instances = endpointsForPort(ctx.registry, service, port);
    if (instances.length === 0)
      return {
        mode: 'DISABLE',
        reason: `passthrough service ${service.hostname} has no endpoints on port ${port}: no auto mTLS`,
      };
    const plain = instances.find((e) => e.tlsMode === 'disabled');
    if (plain)
      return {
        mode: 'DISABLE',
        reason:
          `passthrough service ${service.hostname}: endpoint ${plain.address} has no sidecar (tlsMode disabled), ` +
          `so no auto mTLS`,
      };
  }
  const mode = serviceModes.get(model, service.namespace, () => inferServiceMtlsMode(model, service.namespace));
  return {
    mode,
    reason:
      mode === 'DISABLE' ? `a PeerAuthentication disables mTLS for namespace ${service.namespace}: no auto mTLS` : '',
  };
}

/**
 * Upstream TLS of a cluster (pilot/pkg/networking/core/cluster_tls.go: buildUpstreamTLSSettings,
 * applyUpstreamTLSSettings).
 */
function clusterTls(
  service: Service,
  policy: Policy,
  topLevelPolicy: Policy,
  rule: ConsolidatedDestinationRule | undefined,
  model: MeshModel,
  port: number,
  subset: string | undefined,
  type: ClusterType,
  ctx: ProxyContext,
): ClusterTls {
  const tls = field(policy, 'tls');
  const mode = field(tls, 'mode');
  const sni = field(tls, 'sni');
  const istioSni = `outbound_.${port}_.${subset ?? ''}_.${service.hostname}`;
  if (mode === 'DISABLE') return { mode: 'NONE', reason: 'the DestinationRule sets tls.mode DISABLE', sni: undefined };
  if (mode === 'ISTIO_MUTUAL')
    return {
      mode: 'ISTIO_MUTUAL',
      reason: 'the DestinationRule sets tls.mode ISTIO_MUTUAL',
      sni: typeof sni === 'string' ? sni : istioSni,
    };
  if (mode === 'SIMPLE' || mode === 'MUTUAL') {
    const credentialName = field(tls, 'credentialName');
    // cluster_tls.go: buildUpstreamClusterTLSContext — a credentialName (other than configmap://) needs a
    // DestinationRule workloadSelector on sidecars.
    if (
      typeof credentialName === 'string' &&
      credentialName !== '' &&
      !credentialName.startsWith('configmap://') &&
      ctx.pod.proxy.kind === 'sidecar' &&
      !rule?.workloadSelector
    ) {
      return {
        mode: 'NONE',
        reason:
          `tls.mode ${mode} with credentialName is ignored on sidecars (no workloadSelector): the cluster stays ` +
          `plaintext`,
        sni: undefined,
      };
    }
    return {
      mode,
      reason: `the DestinationRule originates TLS (${mode})`,
      sni: typeof sni === 'string' ? sni : undefined,
    };
  }
  if (!model.meshConfig.enableAutoMtls)
    return {
      mode: 'NONE',
      reason: 'auto mTLS is off in the mesh config and no DestinationRule sets tls',
      sni: undefined,
    };
  if (service.meshExternal)
    return {
      mode: 'NONE',
      reason: 'the service is outside the mesh (MESH_EXTERNAL or ExternalName): no auto mTLS',
      sni: undefined,
    };
  const inferred = inferServiceMtls(service, topLevelPolicy, port, model, ctx);
  if (inferred.mode === 'DISABLE') return { mode: 'NONE', reason: inferred.reason, sni: undefined };
  // cluster_tls.go: applyUpstreamTLSSettings — an ORIGINAL_DST cluster gets no transport socket matches: mTLS to every
  // endpoint.
  if (type === 'ORIGINAL_DST')
    return {
      mode: 'ISTIO_MUTUAL',
      reason: 'auto mTLS on an original-destination cluster: no per-endpoint choice, every connection uses mTLS',
      sni: istioSni,
    };
  return {
    mode: 'AUTO',
    reason:
      'auto mTLS: mTLS to endpoints that run a sidecar (tlsMode=istio) and do not disable it, plaintext to the others',
    sni: undefined,
  };
}

function drSource(rule: ConsolidatedDestinationRule | undefined, subset: string | undefined): ObjectSource | undefined {
  if (!rule) return undefined;
  return (subset ? rule.subsets.find((s) => s.name === subset)?.from.source : undefined) ?? rule.from[0]?.source;
}

interface OutboundClusterInput {
  service: Service;
  port: number;
  subset: string | undefined;
  labels: ReadonlyMap<string, string> | undefined;
}

/**
 * Endpoints a cluster keeps: not terminating, in the subset, on the client's node for internalTrafficPolicy Local
 * (endpoint_builder.go: filterIstioEndpoint).
 */
function endpointAllowed(
  endpoint: ServiceEndpoint,
  labels: ReadonlyMap<string, string> | undefined,
  service: Service,
  pod: PodModel,
): boolean {
  if (endpoint.health === 'Terminating') return false;
  if (labels && !labelsMatch(labels, endpoint.labels)) return false;
  // internalTrafficPolicy: Local keeps only endpoints on the client's node.
  if (service.internalTrafficPolicyLocal && endpoint.nodeName !== pod.nodeName) return false;
  return true;
}

/** A namespace's service-wide mode, looked up once per model. */
const serviceModes = new DerivedCache<MeshModel, string, MtlsMode>();
const endpointModes = new DerivedCache<MeshModel, string, WeakMap<ReadonlyMap<string, string>, MtlsMode>>();

/** Per-endpoint upstream transport (pilot/pkg/xds/endpoints/mtls_checker.go: checkMtlsEnabled). */
function endpointMtls(endpoint: ServiceEndpoint, tls: ClusterTls, model: MeshModel): boolean {
  if (tls.mode === 'ISTIO_MUTUAL') return true;
  if (tls.mode !== 'AUTO' || endpoint.tlsMode !== 'istio') return false;
  const namespace = endpoint.workload?.namespace ?? '';
  // The endpoints of one pod share its labels: its mode on a port is looked up once per model.
  const byLabels = endpointModes.get(model, `${namespace}|${endpoint.port}`, () => new WeakMap());
  const mode = derivedFrom(
    byLabels,
    endpoint.labels,
    (labels) => peerAuthenticationMode(model, namespace, labels, endpoint.port).mode,
  );
  return mode !== 'DISABLE';
}

/**
 * Clusters and endpoint assignments for a proxy (pilot/pkg/networking/core/cluster.go: buildOutboundClusters;
 * xds/endpoints/endpoint_builder.go).
 */
export function buildClusters(
  ctx: ProxyContext,
  model: MeshModel,
): { clusters: Cluster[]; endpoints: ClusterLoadAssignment[] } {
  const clusters: Cluster[] = [];
  const endpoints: ClusterLoadAssignment[] = [];
  const gateway = ctx.pod.proxy.kind === 'gateway';
  for (const service of ctx.scope.services) {
    if (service.resolution === 'Alias') continue;
    const rule = ctx.scope.destinationRules.get(service.hostname);
    const dynamic = isDynamicForwardProxy(service);
    for (const port of service.ports) {
      if (port.protocol === 'UDP') continue;
      if (dynamic && !DFP_PROTOCOLS.has(port.protocol)) continue;
      const inputs: OutboundClusterInput[] = [
        { service, port: port.port, subset: undefined, labels: undefined },
        ...(dynamic ? [] : (rule?.subsets ?? [])).map((s) => ({
          service,
          port: port.port,
          subset: s.name,
          labels: s.labels,
        })),
      ];
      for (const input of inputs) {
        const policy = effectiveTrafficPolicy(rule, input.subset, input.port);
        const type = clusterType(service, policy, gateway);
        // cluster_builder.go: applyDestinationRule, buildSubsetCluster — the inference reads the DR's (or the subset's)
        // top-level policy.
        const topLevelPolicy = input.subset
          ? rule?.subsets.find((s) => s.name === input.subset)?.trafficPolicy
          : rule?.trafficPolicy;
        const tls = clusterTls(service, policy, topLevelPolicy, rule, model, input.port, input.subset, type, ctx);
        const name = outboundClusterName(input.port, input.subset, service.hostname);
        const serviceEndpoints = endpointsForPort(ctx.registry, service, input.port).filter((e) =>
          endpointAllowed(e, input.labels, service, ctx.pod),
        );
        // cluster_builder.go: buildCluster
        if ((type === 'STRICT_DNS' || type === 'LOGICAL_DNS') && serviceEndpoints.length === 0) continue;
        // cluster_traffic_policy.go: applyLoadBalancer — ORIGINAL_DST is CLUSTER_PROVIDED; consistentHash is RING_HASH;
        // default LEAST_REQUEST.
        const simple = field(field(policy, 'loadBalancer'), 'simple');
        const consistentHash = field(field(policy, 'loadBalancer'), 'consistentHash');
        clusters.push({
          name,
          type,
          direction: 'outbound',
          service: service.hostname,
          port: input.port,
          subset: input.subset,
          tls,
          loadBalancer:
            type === 'ORIGINAL_DST' || type === 'DYNAMIC_FORWARD_PROXY'
              ? 'CLUSTER_PROVIDED'
              : typeof simple === 'string'
                ? simple
                : consistentHash !== undefined
                  ? 'RING_HASH'
                  : 'LEAST_REQUEST',
          destinationRule: drSource(rule, input.subset),
          sources: [
            service.source,
            ...(drSource(rule, input.subset) ? [drSource(rule, input.subset) as ObjectSource] : []),
          ],
        });
        if (type === 'EDS') {
          // endpoint_builder.go: BuildClusterLoadAssignment — IP endpoints only, each with its own mTLS decision.
          endpoints.push({
            clusterName: name,
            endpoints: serviceEndpoints
              .filter((e) => isIpAddress(e.address))
              .map((e): LbEndpoint => ({
                address: e.address,
                port: e.port,
                health: e.health === 'Healthy' ? 'HEALTHY' : 'UNHEALTHY',
                mtls: endpointMtls(e, tls, model),
                tlsMode: e.tlsMode,
                labels: e.labels,
                workload: e.workload,
                podName: e.podName,
              })),
          });
        } else if (type === 'STRICT_DNS' || type === 'LOGICAL_DNS') {
          endpoints.push({
            clusterName: name,
            endpoints: serviceEndpoints.map((e): LbEndpoint => ({
              address: e.address,
              port: e.port,
              health: 'HEALTHY',
              mtls: endpointMtls(e, tls, model),
              tlsMode: e.tlsMode,
              labels: e.labels,
              workload: e.workload,
              podName: e.podName,
            })),
          });
        }
      }
    }
  }
  // cluster_builder.go: buildBlackHoleCluster, buildDefaultPassthroughCluster, buildInboundPassthroughCluster.
  const special = (name: string, type: ClusterType, reason: string): Cluster => ({
    name,
    type,
    direction: '',
    service: undefined,
    port: undefined,
    subset: undefined,
    tls: { mode: 'NONE', reason, sni: undefined },
    loadBalancer: type === 'ORIGINAL_DST' || type === 'DYNAMIC_FORWARD_PROXY' ? 'CLUSTER_PROVIDED' : 'ROUND_ROBIN',
    destinationRule: undefined,
    sources: [],
  });
  clusters.push(special(BLACKHOLE_CLUSTER, 'STATIC', 'no endpoints: anything sent here fails'));
  clusters.push(
    special(PASSTHROUGH_CLUSTER, 'ORIGINAL_DST', 'connects to the address the application dialled, without TLS'),
    // cluster_builder.go: buildAllowAnyDFPCluster.
    ...(allowAnyDynamicDns(ctx)
      ? [
          special(
            ALLOW_ANY_DYNAMIC_DNS_CLUSTER,
            'DYNAMIC_FORWARD_PROXY',
            'none of its own: the request goes on as the application sent it',
          ),
        ]
      : []),
  );
  if (!gateway) {
    clusters.push(special(INBOUND_PASSTHROUGH_CLUSTER, 'ORIGINAL_DST', 'inbound traffic to ports no Service declares'));
    for (const port of inboundChainConfigs(ctx)) {
      const name = `inbound|${port.targetPort}||`;
      // cluster_builder.go: buildInboundCluster — STATIC to a set address, else ORIGINAL_DST to the pod's IP.
      const upstream = port.upstream;
      if (upstream)
        endpoints.push({
          clusterName: name,
          endpoints: [
            {
              address: upstream.address,
              port: upstream.port,
              health: 'HEALTHY',
              mtls: false,
              labels: new Map(),
              workload: undefined,
              podName: undefined,
            },
          ],
        });
      clusters.push({
        name,
        type: upstream ? 'STATIC' : 'ORIGINAL_DST',
        direction: 'inbound',
        service: port.host,
        port: port.targetPort,
        subset: undefined,
        tls: {
          mode: 'NONE',
          reason: upstream
            ? `delivers to the application at ${upstreamName(upstream)}, plaintext`
            : 'delivers to the application on the pod IP, plaintext',
          sni: undefined,
        },
        loadBalancer: upstream ? 'ROUND_ROBIN' : 'CLUSTER_PROVIDED',
        destinationRule: undefined,
        sources: [port.source],
      });
    }
  }
  return { clusters, endpoints };
}

/** An address and port, or a unix socket's path alone. */
const upstreamName = (u: { address: string; port: number }) => (u.port > 0 ? `${u.address}:${u.port}` : u.address);
