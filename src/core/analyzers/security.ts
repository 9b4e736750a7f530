/**
 * Security settings that break or surprise: client TLS a STRICT server refuses, AuthorizationPolicy fields TCP never
 * carries, and ALLOW policies that make a workload deny everything else.
 */
import { field, isRecord } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, PodModel } from '../model/mesh.ts';
import { listenerProtocolOf } from '../registry/protocol.ts';
import { list, nameOf, someOf, strings, type AnalyzerContext, type HostPort, type KnownHost } from './context.ts';
import { drHost, drSubsets } from './destinations.ts';

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';
const modeOf = (value: unknown): Mode | undefined =>
  value === 'STRICT' || value === 'PERMISSIVE' || value === 'DISABLE' ? value : undefined;

/**
 * The mTLS mode a pod's sidecar enforces on a target port, from PeerAuthentications indexed once: mesh-wide (root
 * namespace, no selector), namespace, then workload policy with its portLevelMtls, oldest of each level
 * (pilot/pkg/security/authn/policy_applier.go: ComposePeerAuthentication).
 */
function peerAuthenticationIndex(ctx: AnalyzerContext) {
  return ctx.memo('peerAuthentication', () => {
    const sorted = [...ctx.istio('PeerAuthentication')].sort((a, b) => a.order - b.order);
    const selectorOf = (p: IstioConfigModel) => toStringMap(field(field(p.spec, 'selector'), 'matchLabels'));
    let mesh: IstioConfigModel | undefined;
    const namespaces = new Map<string, IstioConfigModel>();
    const workloads = new Map<string, IstioConfigModel[]>();
    for (const p of sorted) {
      const selector = selectorOf(p);
      if (p.namespace === ctx.rootNamespace) {
        if (selector.size === 0) mesh ??= p;
      } else if (selector.size === 0) {
        if (!namespaces.has(p.namespace)) namespaces.set(p.namespace, p);
      } else workloads.set(p.namespace, [...(workloads.get(p.namespace) ?? []), p]);
    }
    return (pod: PodModel, port: number): { mode: Mode; policy: IstioConfigModel | undefined } => {
      let result: { mode: Mode; policy: IstioConfigModel | undefined } = { mode: 'PERMISSIVE', policy: undefined };
      const workload = (workloads.get(pod.namespace) ?? []).find((p) => labelsMatch(selectorOf(p), pod.labels));
      for (const p of [
        mesh,
        pod.namespace === ctx.rootNamespace ? undefined : namespaces.get(pod.namespace),
        workload,
      ]) {
        const mode = modeOf(field(field(p?.spec, 'mtls'), 'mode'));
        if (p && mode) result = { mode, policy: p };
      }
      const portLevel = field(workload?.spec, 'portLevelMtls');
      const portMode = isRecord(portLevel) ? modeOf(field(portLevel[String(port)], 'mode')) : undefined;
      if (portMode) result = { mode: portMode, policy: workload };
      return result;
    };
  });
}

/** The pods behind a known host, from its selector (a Service's, or a ServiceEntry's workloadSelector). */
function podsOf(ctx: AnalyzerContext, host: KnownHost, extra: ReadonlyMap<string, string> = new Map()): PodModel[] {
  if (!host.selector || host.selector.size === 0 || host.externalName) return [];
  return ctx.selectPods(host.namespace, new Map([...host.selector, ...extra]));
}

function targetPort(port: HostPort, pod: PodModel): number | undefined {
  return typeof port.targetPort === 'number'
    ? port.targetPort
    : pod.containerPorts.find((c) => c.name === port.targetPort)?.containerPort;
}

/**
 * Client TLS toward pods that require mTLS: DISABLE sends plaintext, SIMPLE a TLS without Istio's client certificate
 * (istio#30117).
 */
function tlsTowardStrict(ctx: AnalyzerContext, dr: IstioConfigModel): void {
  const host = drHost(ctx, dr);
  if (!host || host.includes('*')) return;
  const known = ctx.exactHosts(host);
  if (known.length === 0) return;
  const modeFor = peerAuthenticationIndex(ctx);
  const portLevel = list(field(field(dr.spec, 'trafficPolicy'), 'portLevelSettings'));
  const portLevelNumbers = new Set(
    portLevel.map((s) => field(field(s, 'port'), 'number')).filter((n): n is number => typeof n === 'number'),
  );
  const check = (
    mode: unknown,
    path: Array<string | number>,
    ports: (p: HostPort) => boolean,
    labels: ReadonlyMap<string, string>,
  ) => {
    if (mode !== 'DISABLE' && mode !== 'SIMPLE') return;
    for (const k of known) {
      for (const pod of podsOf(ctx, k, labels)) {
        if (pod.proxy.kind !== 'sidecar') continue;
        for (const port of k.ports.filter(ports)) {
          const target = targetPort(port, pod);
          if (target === undefined) continue;
          const { mode: serverMode, policy } = modeFor(pod, target);
          if (serverMode !== 'STRICT') continue;
          ctx.report(
            dr.source,
            path,
            'error',
            'TLS_TO_STRICT',
            `tls.mode ${mode} makes proxies send ` +
              `${mode === 'DISABLE' ? 'plaintext' : "TLS without Istio's client certificate"} to ` +
              `${host}:${port.number}, but ${pod.namespace}/${pod.name} requires mutual TLS on port ` +
              `${target} (STRICT, from PeerAuthentication ${policy ? nameOf(policy) : '?'}): its ` +
              'sidecar closes the connection, so calls fail with 503 UF (URX once retries run out). ' +
              'Use ISTIO_MUTUAL or leave tls unset (auto mTLS).',
          );
          return;
        }
      }
    }
  };
  const top = field(field(field(dr.spec, 'trafficPolicy'), 'tls'), 'mode');
  // A port-level entry replaces the top-level policy for its port (pilot/pkg/networking/util/util.go:
  // GetPortLevelTrafficPolicy).
  check(top, ['spec', 'trafficPolicy', 'tls', 'mode'], (p) => !portLevelNumbers.has(p.number), new Map());
  portLevel.forEach((setting, i) => {
    const number = field(field(setting, 'port'), 'number');
    check(
      field(field(setting, 'tls'), 'mode'),
      ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'mode'],
      (p) => p.number === number,
      new Map(),
    );
  });
  for (const subset of drSubsets(dr)) {
    const raw = list(field(dr.spec, 'subsets'))[subset.index];
    check(
      field(field(field(raw, 'trafficPolicy'), 'tls'), 'mode'),
      ['spec', 'subsets', subset.index, 'trafficPolicy', 'tls', 'mode'],
      () => true,
      subset.labels,
    );
  }
}

/** The pods with a proxy (sidecar or gateway) a policy applies to; a root-namespace policy applies mesh-wide. */
function policyPods(ctx: AnalyzerContext, policy: IstioConfigModel): PodModel[] {
  const selector = toStringMap(field(field(policy.spec, 'selector'), 'matchLabels'));
  const namespace = policy.namespace === ctx.rootNamespace ? undefined : policy.namespace;
  return ctx.selectPods(namespace, selector).filter((p) => p.proxy.kind !== 'none');
}

/** Target ports each pod serves as plain TCP (not HTTP, not sniffed), from the Services that select it. */
function tcpPortsByPod(ctx: AnalyzerContext): Map<PodModel, Set<number>> {
  return ctx.memo('tcpPorts', () => {
    const out = new Map<PodModel, Set<number>>();
    for (const entries of ctx.allHosts())
      for (const host of entries) {
        if (host.kind !== 'Service') continue;
        const tcp = host.ports.filter((p) => listenerProtocolOf(p.protocol) === 'TCP');
        if (tcp.length === 0) continue;
        for (const pod of podsOf(ctx, host))
          for (const port of tcp) {
            const target = targetPort(port, pod);
            if (target === undefined) continue;
            const set = out.get(pod) ?? new Set<number>();
            set.add(target);
            out.set(pod, set);
          }
      }
    return out;
  });
}

const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

/**
 * Paths of the fields of a rule only HTTP requests carry (pilot/pkg/security/authz/model/model.go: New, "is HTTP
 * only").
 */
function httpOnlyFields(
  rule: unknown,
  base: Array<string | number>,
): Array<{ label: string; path: Array<string | number> }> {
  const out: Array<{ label: string; path: Array<string | number> }> = [];
  list(field(rule, 'from')).forEach((from, j) => {
    for (const key of HTTP_ONLY_SOURCE)
      if (field(field(from, 'source'), key) !== undefined)
        out.push({ label: `from.source.${key}`, path: [...base, 'from', j, 'source', key] });
  });
  list(field(rule, 'to')).forEach((to, j) => {
    for (const key of HTTP_ONLY_OPERATION)
      if (field(field(to, 'operation'), key) !== undefined)
        out.push({ label: `to.operation.${key}`, path: [...base, 'to', j, 'operation', key] });
  });
  list(field(rule, 'when')).forEach((when, k) => {
    const key = field(when, 'key');
    if (typeof key === 'string' && (key.startsWith('request.') || key.startsWith('experimental.')))
      out.push({ label: `when ${key}`, path: [...base, 'when', k, 'key'] });
  });
  return out;
}

function authorizationPolicy(ctx: AnalyzerContext, policy: IstioConfigModel): void {
  const actionText = field(policy.spec, 'action');
  const action = typeof actionText === 'string' ? actionText : 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') return;
  if (field(policy.spec, 'targetRef') !== undefined || field(policy.spec, 'targetRefs') !== undefined) return;
  const pods = policyPods(ctx, policy);
  if (pods.length === 0) return;
  const rules = list(field(policy.spec, 'rules'));
  const podNames = someOf(pods.map((p) => `${p.namespace}/${p.name}`));

  if (action === 'ALLOW')
    ctx.report(
      policy.source,
      rules.length === 0 ? ['spec'] : ['spec', 'action'],
      'info',
      rules.length === 0 ? 'AUTHZ_DENY_ALL' : 'AUTHZ_ALLOW_DENIES_OTHERS',
      rules.length === 0
        ? 'An ALLOW policy without rules matches no request, so it denies every request to ' +
            `${podNames} (Istio's allow-nothing policy): 403 "RBAC: access denied" for HTTP, a ` +
            'closed connection for TCP.'
        : 'Once an ALLOW policy applies to a workload, every request no ALLOW rule matches is ' +
            'denied (403 "RBAC: access denied", or a closed connection for TCP): this is now so for ' +
            `${podNames}.`,
    );

  const tcpPorts = tcpPortsByPod(ctx);
  rules.forEach((rule, i) => {
    const fields = httpOnlyFields(rule, ['spec', 'rules', i]);
    if (fields.length === 0) return;
    const restricted = list(field(rule, 'to')).flatMap((to) =>
      strings(field(field(to, 'operation'), 'ports')).map(Number),
    );
    const affected = new Map<PodModel, number[]>();
    for (const pod of pods) {
      const ports = [...(tcpPorts.get(pod) ?? [])].filter((p) => restricted.length === 0 || restricted.includes(p));
      if (ports.length > 0) affected.set(pod, ports);
    }
    if (affected.size === 0) return;
    const first = fields[0];
    if (!first) return;
    const ports = [...new Set([...affected.values()].flat())].sort((a, b) => a - b);
    const where =
      `TCP port${ports.length > 1 ? 's' : ''} ${someOf(ports.map(String))} of ` +
      `${someOf([...affected.keys()].map((p) => `${p.namespace}/${p.name}`))}`;
    // pilot/pkg/security/authz/builder/builder.go: build — an ALLOW rule with HTTP-only fields is left out of TCP
    // filter chains; for DENY the HTTP-only fields are dropped (model.go: checkError), so the rule matches more.
    ctx.report(
      policy.source,
      first.path,
      'warning',
      'AUTHZ_HTTP_ONLY_ON_TCP',
      action === 'ALLOW'
        ? `rules[${i}] uses ${someOf(fields.map((f) => f.label))}, which only HTTP requests ` +
            `carry: on ${where}, istiod leaves this rule out, so it allows nothing there.`
        : `rules[${i}] uses ${someOf(fields.map((f) => f.label))}, which only HTTP requests ` +
            `carry: on ${where}, istiod drops these conditions, so this DENY rule refuses every ` +
            'connection its other conditions match.',
    );
  });
}

export function analyzeSecurity(ctx: AnalyzerContext): void {
  for (const dr of ctx.istio('DestinationRule')) tlsTowardStrict(ctx, dr);
  for (const policy of ctx.istio('AuthorizationPolicy')) authorizationPolicy(ctx, policy);
}
