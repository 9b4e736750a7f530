import { field, isRecord } from '../manifest/parse.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';

/** What the destination proxy knows about a request when it evaluates AuthorizationPolicies. */
export interface AuthzRequest {
  /** `trustDomain/ns/NS/sa/SA` when the caller used Istio mTLS, else undefined. */
  principal: string | undefined;
  sourceNamespace: string | undefined;
  sourceIp: string | undefined;
  /** Undefined for TCP. */
  http: { host: string; method: string; path: string; headers: Map<string, string> } | undefined;
  port: number;
}

export interface AuthzDecision {
  allowed: boolean;
  /** The policy (and rule) that decided, for DENY and ALLOW; undefined when nothing applied. */
  policy: ObjectSource | undefined;
  ruleIndex: number | undefined;
  reason: string;
  /** Envoy's RESPONSE_CODE_DETAILS for a denial. */
  details: string | undefined;
  notes: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Istio's value match: exact, `prefix*`, `*suffix`, or `*` for presence (pilot/pkg/security/authz/matcher). */
function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return value === pattern;
}

function anyMatch(patterns: string[], value: string | undefined): boolean {
  return patterns.some((p) => valueMatches(p, value));
}

function ipInBlock(block: string, ip: string | undefined): boolean {
  if (!ip) return false;
  const [base = '', bits = '32'] = block.split('/');
  const toNumber = (text: string) => text.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base) / size);
}

const HTTP_ONLY_OPERATION = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

/** Positive and negative field pairs: a condition holds when the value is in the positive list (if any) and not in the negative one. */
function pair(spec: unknown, positive: string, negative: string, test: (patterns: string[]) => boolean, present: boolean): boolean | 'unknown' {
  const pos = strings(field(spec, positive));
  const neg = strings(field(spec, negative));
  if (pos.length === 0 && neg.length === 0) return true;
  if (!present) return 'unknown';
  return (pos.length === 0 || test(pos)) && (neg.length === 0 || !test(neg));
}

/**
 * Whether one rule matches. On TCP, HTTP-only conditions make an ALLOW rule match nothing and are ignored in a DENY
 * rule (pilot/pkg/security/authz/model/model.go: Generate).
 */
function ruleMatches(rule: unknown, request: AuthzRequest, action: string): boolean {
  const isDeny = action === 'DENY';
  const result = (value: boolean | 'unknown') => (value === 'unknown' ? isDeny : value);
  const froms = Array.isArray(field(rule, 'from')) ? (field(rule, 'from') as unknown[]) : [];
  const tos = Array.isArray(field(rule, 'to')) ? (field(rule, 'to') as unknown[]) : [];
  const whens = Array.isArray(field(rule, 'when')) ? (field(rule, 'when') as unknown[]) : [];
  const fromOk =
    froms.length === 0 ||
    froms.some((entry) => {
      const source = field(entry, 'source');
      const requestPrincipals = strings(field(source, 'requestPrincipals'));
      if (requestPrincipals.length > 0 && !isDeny) return false; // JWT identities are not simulated
      return (
        result(pair(source, 'principals', 'notPrincipals', (p) => anyMatch(p, request.principal), true)) &&
        result(pair(source, 'namespaces', 'notNamespaces', (p) => anyMatch(p, request.principal ? request.sourceNamespace : undefined), true)) &&
        result(pair(source, 'ipBlocks', 'notIpBlocks', (p) => p.some((b) => ipInBlock(b, request.sourceIp)), true)) &&
        result(pair(source, 'remoteIpBlocks', 'notRemoteIpBlocks', (p) => p.some((b) => ipInBlock(b, request.sourceIp)), true))
      );
    });
  const toOk =
    tos.length === 0 ||
    tos.some((entry) => {
      const operation = field(entry, 'operation');
      const http = request.http;
      if (!http && HTTP_ONLY_OPERATION.some((k) => strings(field(operation, k)).length > 0) && !isDeny) return false;
      return (
        result(pair(operation, 'ports', 'notPorts', (p) => p.includes(String(request.port)), true)) &&
        result(pair(operation, 'hosts', 'notHosts', (p) => anyMatch(p.map((h) => h.toLowerCase()), http?.host.toLowerCase()), http !== undefined)) &&
        result(pair(operation, 'methods', 'notMethods', (p) => anyMatch(p, http?.method), http !== undefined)) &&
        result(pair(operation, 'paths', 'notPaths', (p) => anyMatch(p, http?.path.split('?')[0]), http !== undefined))
      );
    });
  const whenOk = whens.every((condition) => {
    const key = field(condition, 'key');
    if (typeof key !== 'string') return true;
    let value: string | undefined;
    let known = true;
    const header = /^request\.headers\[(.+)\]$/.exec(key);
    if (header) {
      known = request.http !== undefined;
      value = request.http?.headers.get((header[1] ?? '').toLowerCase());
    } else if (key === 'source.namespace') value = request.principal ? request.sourceNamespace : undefined;
    else if (key === 'source.principal') value = request.principal;
    else if (key === 'source.ip' || key === 'remote.ip') value = request.sourceIp;
    else if (key === 'destination.port') value = String(request.port);
    else known = false;
    return result(pair(condition, 'values', 'notValues', (p) => (key.endsWith('.ip') ? p.some((b) => ipInBlock(b, value)) : anyMatch(p, value)), known));
  });
  return fromOk && toOk && whenOk;
}

function appliesTo(policy: IstioConfigModel, pod: PodModel, rootNamespace: string): boolean {
  if (field(policy.spec, 'targetRef') !== undefined || field(policy.spec, 'targetRefs') !== undefined) return false;
  if (policy.namespace !== rootNamespace && policy.namespace !== pod.namespace) return false;
  const selector = toStringMap(field(field(policy.spec, 'selector'), 'matchLabels'));
  return labelsMatch(selector, pod.labels);
}

/**
 * AuthorizationPolicy at the destination sidecar: CUSTOM, then DENY, then ALLOW (pilot/pkg/security/authz/builder/builder.go:
 * build). An ALLOW policy without rules matches nothing, so it denies everything; `rules: [{}]` allows everything.
 */
export function authorize(model: MeshModel, pod: PodModel, request: AuthzRequest): AuthzDecision {
  const root = model.meshConfig.rootNamespace;
  const policies = [...(model.istio.get('AuthorizationPolicy') ?? [])].sort((a, b) => a.order - b.order).filter((p) => appliesTo(p, pod, root));
  const notes: string[] = [];
  const actionOf = (p: IstioConfigModel) => (typeof field(p.spec, 'action') === 'string' ? String(field(p.spec, 'action')) : 'ALLOW');
  const dryRun = (p: IstioConfigModel) => p.annotations.get('istio.io/dry-run') === 'true';
  for (const policy of policies.filter((p) => actionOf(p) === 'CUSTOM')) {
    notes.push(`CUSTOM policy ${policy.namespace}/${policy.name} asks an external authorizer, which Meshpath cannot run: assumed to allow.`);
  }
  const rulesOf = (p: IstioConfigModel) => (Array.isArray(field(p.spec, 'rules')) ? (field(p.spec, 'rules') as unknown[]) : []);
  for (const policy of policies.filter((p) => actionOf(p) === 'DENY')) {
    const index = rulesOf(policy).findIndex((rule) => isRecord(rule) && ruleMatches(rule, request, 'DENY'));
    if (index < 0) continue;
    if (dryRun(policy)) {
      notes.push(`DENY policy ${policy.namespace}/${policy.name} would deny this request, but it is a dry run.`);
      continue;
    }
    return { allowed: false, policy: policy.source, ruleIndex: index, reason: `DENY policy ${policy.namespace}/${policy.name} rule ${index} matches the request`, details: `rbac_access_denied_matched_policy[ns[${policy.namespace}]-policy[${policy.name}]-rule[${index}]]`, notes };
  }
  const allowPolicies = policies.filter((p) => actionOf(p) === 'ALLOW' && !dryRun(p));
  if (allowPolicies.length === 0) return { allowed: true, policy: undefined, ruleIndex: undefined, reason: policies.length === 0 ? 'no AuthorizationPolicy applies to this workload' : 'no DENY rule matches and no ALLOW policy applies', details: undefined, notes };
  for (const policy of allowPolicies) {
    const index = rulesOf(policy).findIndex((rule) => isRecord(rule) && ruleMatches(rule, request, 'ALLOW'));
    if (index >= 0) return { allowed: true, policy: policy.source, ruleIndex: index, reason: `ALLOW policy ${policy.namespace}/${policy.name} rule ${index} matches the request`, details: undefined, notes };
  }
  return {
    allowed: false,
    policy: allowPolicies[0]?.source,
    ruleIndex: undefined,
    reason: `ALLOW policies apply (${allowPolicies.map((p) => `${p.namespace}/${p.name}`).join(', ')}) and none of their rules matches the request${request.principal ? '' : '; the caller has no mTLS identity'}`,
    details: 'rbac_access_denied_matched_policy[none]',
    notes,
  };
}
