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

/** What ztunnel enforces of PeerAuthentication on one port of an ambient workload. */
export interface ZtunnelMtls {
  /** ztunnel refuses a connection that carries no peer identity (plaintext) on this port. */
  strict: boolean;
  /** The PeerAuthentication whose converted policy decides, if any. */
  source: ObjectSource | undefined;
  reason: string;
}

const isStrict = (p: IstioConfigModel | undefined) => modeOf(field(field(p?.spec, 'mtls'), 'mode')) === 'STRICT';
const isUnset = (p: IstioConfigModel | undefined) => modeOf(field(field(p?.spec, 'mtls'), 'mode')) === undefined;
const isNonStrict = (mode: MtlsMode | undefined) => mode === 'PERMISSIVE' || mode === 'DISABLE';

/**
 * PeerAuthentication at ztunnel: istiod turns it into ztunnel DENY policies that refuse connections without a peer
 * identity — a static STRICT policy for a workload whose effective mode is STRICT, and for a workload policy with
 * portLevelMtls a converted policy with per-port exceptions (pilot/pkg/serviceregistry/ambient/authorization.go:
 * convertedSelectorPeerAuthentications, convertPeerAuthentication, including their quirks). DISABLE is PERMISSIVE
 * there: ztunnel always accepts HBONE and never turns mTLS off.
 */
export function ztunnelMtls(
  model: MeshModel,
  namespace: string,
  labels: ReadonlyMap<string, string>,
  port: number,
): ZtunnelMtls {
  const { meshLevel, namespaceLevel, workloadLevel } = applicablePolicies(model, namespace, labels);
  const permissive = (reason: string, source?: ObjectSource): ZtunnelMtls => ({ strict: false, source, reason });
  const strictBy = (policy: IstioConfigModel, why: string): ZtunnelMtls => ({
    strict: true,
    source: policy.source,
    reason: `PeerAuthentication ${policy.namespace}/${policy.name} ${why}`,
  });
  let strictFrom: IstioConfigModel | undefined = isStrict(meshLevel) ? meshLevel : undefined;
  if (namespaceLevel && !isUnset(namespaceLevel)) strictFrom = isStrict(namespaceLevel) ? namespaceLevel : undefined;
  const staticStrict = (): ZtunnelMtls =>
    strictFrom
      ? strictBy(strictFrom, 'sets STRICT')
      : permissive('no PeerAuthentication makes this workload STRICT: ztunnel also accepts plaintext');
  if (!workloadLevel) return staticStrict();
  const workloadMode = modeOf(field(field(workloadLevel.spec, 'mtls'), 'mode'));
  if (workloadMode === 'STRICT') strictFrom = workloadLevel;
  if (isNonStrict(workloadMode)) strictFrom = undefined;
  const portLevel = field(workloadLevel.spec, 'portLevelMtls');
  const ports = isRecord(portLevel)
    ? Object.entries(portLevel).map(([key, value]) => ({ port: Number(key), mode: modeOf(field(value, 'mode')) }))
    : [];
  const anyPort = (test: (mode: MtlsMode | undefined) => boolean) => ports.some((p) => test(p.mode));
  let converted = false;
  if (workloadMode === 'STRICT') {
    if (anyPort(isNonStrict)) [converted, strictFrom] = [true, undefined];
  } else if (isNonStrict(workloadMode)) converted = anyPort((m) => m === 'STRICT');
  else if (strictFrom) {
    // Only a PERMISSIVE port counts here: a DISABLE port under a STRICT namespace or mesh stays STRICT.
    if (anyPort((m) => m === 'PERMISSIVE')) [converted, strictFrom] = [true, undefined];
  } else converted = anyPort((m) => m === 'STRICT');
  if (!converted) return staticStrict();
  return convertedPolicy(workloadLevel, workloadMode, namespaceLevel, meshLevel, ports, port) ?? staticStrict();
}

/**
 * The DENY policy convertPeerAuthentication builds from a workload PeerAuthentication with portLevelMtls, applied to a
 * connection without identity on `port`; undefined when istiod builds none.
 */
function convertedPolicy(
  workload: IstioConfigModel,
  mode: MtlsMode | undefined,
  ns: IstioConfigModel | undefined,
  root: IstioConfigModel | undefined,
  ports: ReadonlyArray<{ port: number; mode: MtlsMode | undefined }>,
  port: number,
): ZtunnelMtls | undefined {
  const name = `PeerAuthentication ${workload.namespace}/${workload.name}`;
  // One group of ANDed conditions on `port`; other groups: one per STRICT port.
  const rules: boolean[] = mode === 'STRICT' ? [true] : [];
  const strictPorts: number[] = [];
  let nonStrictPort = false;
  for (const entry of ports) {
    if (entry.mode === 'STRICT') {
      const parentStrict =
        mode === 'STRICT' ||
        (mode === undefined && ns !== undefined && isStrict(ns)) ||
        ((ns === undefined || isUnset(ns)) && isStrict(root));
      if (!parentStrict) strictPorts.push(entry.port);
    } else if (isNonStrict(entry.mode)) {
      if (isNonStrict(mode)) continue;
      if (
        mode === undefined &&
        ((ns !== undefined && !isStrict(ns)) ||
          (ns === undefined && root !== undefined && !isStrict(root)) ||
          !(ns || root))
      )
        continue;
      nonStrictPort = true;
      rules.push(entry.port !== port);
    }
  }
  if (mode === 'STRICT' && !nonStrictPort) return undefined;
  if (rules.length === 0 && strictPorts.length === 0) return undefined;
  const mergeStrict = (isStrict(root) && (ns === undefined || isUnset(ns) || isStrict(ns))) || isStrict(ns);
  if (mergeStrict && nonStrictPort) rules.push(true);
  const denies = strictPorts.includes(port) || (rules.length > 0 && rules.every(Boolean));
  if (denies)
    return {
      strict: true,
      source: workload.source,
      reason: `${name} makes port ${port} STRICT`,
    };
  return {
    strict: false,
    source: workload.source,
    reason: `${name} leaves port ${port} open to plaintext (portLevelMtls)`,
  };
}
