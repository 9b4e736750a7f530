import { field, isRecord } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshModel, ObjectSource } from '../model/mesh.ts';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface EffectiveMtls {
  mode: MtlsMode;
  /** The PeerAuthentication that decided it, if any. */
  source: ObjectSource | undefined;
  reason: string;
}

function modeOf(value: unknown): MtlsMode | undefined {
  return value === 'STRICT' || value === 'PERMISSIVE' || value === 'DISABLE' ? value : undefined;
}

/**
 * The oldest mesh-level, namespace-level and workload-level PeerAuthentication of a workload (policy_applier.go:
 * ComposePeerAuthentication).
 */
function applicablePolicies(
  model: MeshModel,
  namespace: string,
  labels: ReadonlyMap<string, string> | undefined,
): Record<'meshLevel' | 'namespaceLevel' | 'workloadLevel', IstioConfigModel | undefined> {
  const root = model.meshConfig.rootNamespace;
  const policies = [...(model.istio.get('PeerAuthentication') ?? [])].sort((a, b) => a.order - b.order);
  const selectorOf = (p: IstioConfigModel) => toStringMap(field(field(p.spec, 'selector'), 'matchLabels'));
  return {
    meshLevel: policies.find((p) => p.namespace === root && selectorOf(p).size === 0),
    namespaceLevel:
      namespace === root ? undefined : policies.find((p) => p.namespace === namespace && selectorOf(p).size === 0),
    // A root-namespace policy with a selector is ignored, even for workloads in the root namespace.
    workloadLevel:
      labels && namespace !== root
        ? policies.find(
            (p) => p.namespace === namespace && selectorOf(p).size > 0 && labelsMatch(selectorOf(p), labels),
          )
        : undefined,
  };
}

/** The ports the workload's PeerAuthentication sets with portLevelMtls (policy_applier.go: PortLevelSetting). */
export function portLevelMtlsPorts(model: MeshModel, namespace: string, labels: ReadonlyMap<string, string>): number[] {
  const portLevel = field(applicablePolicies(model, namespace, labels).workloadLevel?.spec, 'portLevelMtls');
  if (!isRecord(portLevel)) return [];
  return Object.keys(portLevel)
    .map(Number)
    .filter((port) => Number.isInteger(port) && port > 0 && port < 65536)
    .sort((a, b) => a - b);
}

/**
 * The mTLS mode a workload's sidecar enforces on one port (pilot/pkg/security/authn/policy_applier.go:
 * ComposePeerAuthentication, GetMutualTLSModeForPort): PERMISSIVE, then the mesh-level (root namespace, no selector),
 * namespace-level and workload-level policy, oldest of each level; portLevelMtls of the workload policy by target port.
 */
export function peerAuthenticationMode(
  model: MeshModel,
  namespace: string,
  labels: ReadonlyMap<string, string> | undefined,
  targetPort: number | undefined,
): EffectiveMtls {
  const { meshLevel, namespaceLevel, workloadLevel } = applicablePolicies(model, namespace, labels);
  let result: EffectiveMtls = {
    mode: 'PERMISSIVE',
    source: undefined,
    reason: 'no PeerAuthentication applies: Istio defaults to PERMISSIVE',
  };
  for (const [policy, level] of [
    [meshLevel, 'mesh-wide'],
    [namespaceLevel, 'namespace'],
    [workloadLevel, 'workload'],
  ] as const) {
    if (!policy) continue;
    const mode = modeOf(field(field(policy.spec, 'mtls'), 'mode'));
    if (mode)
      result = {
        mode,
        source: policy.source,
        reason: `${level} PeerAuthentication ${policy.namespace}/${policy.name} sets ${mode}`,
      };
  }
  if (workloadLevel && targetPort !== undefined) {
    const portLevel = field(workloadLevel.spec, 'portLevelMtls');
    if (isRecord(portLevel)) {
      const mode = modeOf(field(portLevel[String(targetPort)], 'mode'));
      if (mode)
        result = {
          mode,
          source: workloadLevel.source,
          reason:
            `PeerAuthentication ${workloadLevel.namespace}/${workloadLevel.name} sets ${mode} on ` +
            `port ${targetPort}`,
        };
    }
  }
  return result;
}

/**
 * The service-wide mode auto mTLS starts from: mesh and namespace policies of the service's namespace only
 * (push_context.go: BestEffortInferServiceMTLSMode).
 */
export function inferServiceMtlsMode(model: MeshModel, namespace: string): MtlsMode {
  return peerAuthenticationMode(model, namespace, undefined, undefined).mode;
}
