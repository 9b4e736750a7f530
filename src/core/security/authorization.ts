import { field, isRecord } from '../manifest/parse.ts';
import { cidrMatch, isIpAddress } from '../model/ip.ts';
import type { IstioConfigModel, MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import { attachesToWorkload as appliesTo, targetRefsOf } from './attachment.ts';
import type { JwtIdentity } from './requestAuthentication.ts';

/**
 * The client address Envoy's connection manager trusts in X-Forwarded-For: with use_remote_address (gateways) the
 * `trustedHops`-th entry from the right, and nothing when there are no trusted hops; without it (sidecars) the entry
 * `trustedHops` places left of the last. Undefined: the peer address stands (Envoy original IP detection, xff).
 */
export function trustedClientAddress(
  xff: string | undefined,
  useRemoteAddress: boolean,
  trustedHops: number,
): string | undefined {
  const entries = (xff ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (useRemoteAddress && trustedHops === 0) return undefined;
  const entry = entries[entries.length - (useRemoteAddress ? trustedHops : trustedHops + 1)];
  return entry !== undefined && isIpAddress(entry) ? entry : undefined;
}

/** What the destination proxy knows about a request when it evaluates AuthorizationPolicies. */
export interface AuthzRequest {
  /** `trustDomain/ns/NS/sa/SA` when the caller used Istio mTLS, else undefined. */
  principal: string | undefined;
  sourceIp: string | undefined;
  /**
   * The client address Envoy trusts (its `remote_ip`, for remoteIpBlocks and remote.ip): from X-Forwarded-For when the
   * proxy's settings say so; undefined: the peer address.
   */
  remoteIp?: string;
  /** The TLS server name the connection asked for (connection.sni); undefined for plaintext or when unknown. */
  sni?: string;
  /** Undefined for TCP. */
  http: { host: string; method: string; path: string; headers: Map<string, string> } | undefined;
  port: number;
  /** The request's JWT, once the proxy's JWT filter accepted it (requestAuthentication.ts). */
  jwt?: JwtIdentity;
  /** Evaluated by ztunnel, which drops HTTP attributes its own way (serviceregistry/ambient/authorization.go). */
  ztunnel?: boolean;
}

export interface AuthzDecision {
  allowed: boolean;
  /** The policy that decided, for DENY and ALLOW; undefined when nothing applied. */
  policy: ObjectSource | undefined;
  reason: string;
  /** Envoy's RESPONSE_CODE_DETAILS for a denial. */
  details: string | undefined;
  notes: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Istio's value match: `*` for presence, then `*suffix`, then `prefix*`, else exact; a leading `*` wins over a trailing
 * one (pilot/pkg/security/authz/matcher/string.go: StringMatcherWithPrefix, header.go: HeaderMatcher).
 */
function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function anyMatch(patterns: string[], value: string | undefined): boolean {
  return patterns.some((p) => valueMatches(p, value));
}

function ipInBlock(block: string, ip: string | undefined): boolean {
  return ip !== undefined && cidrMatch(block, ip) !== undefined;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const fullMatch = (regex: string, value: string | undefined) =>
  value !== undefined && new RegExp(`^(?:${regex})$`).test(value);

/** Whether trust domain `a` is in `list`, with `*` prefix and suffix wildcards on either side (trustdomain/util.go). */
function trustDomainListed(a: string, list: readonly string[]): boolean {
  const prefix = (x: string, pattern: string) => pattern.endsWith('*') && x.startsWith(pattern.slice(0, -1));
  const suffix = (x: string, pattern: string) => pattern.startsWith('*') && x.endsWith(pattern.slice(1));
  return list.some((s) => a === s || s === '*' || prefix(a, s) || prefix(s, a) || suffix(a, s) || suffix(s, a));
}

/**
 * A principal of the mesh's trust domain, of one of its aliases or of `cluster.local` stands for the same identity in
 * each of them (pilot/pkg/security/trustdomain/bundle.go: ReplaceTrustDomainAliases).
 */
function withTrustDomainAliases(principals: string[], trustDomains: readonly string[]): string[] {
  const out = new Set<string>();
  for (const principal of principals) {
    const parts = principal.split('/');
    const domain = parts[0] ?? '';
    if (parts.length !== 5 || domain === '*') out.add(principal);
    else if (!trustDomainListed(domain, trustDomains) && domain !== 'cluster.local') out.add(principal);
    else
      for (const td of trustDomains)
        out.add(td.startsWith('*') && domain.endsWith(td.slice(1)) ? principal : [td, ...parts.slice(1)].join('/'));
  }
  return [...out];
}

/** `trustDomains` naming the mesh's trust domain or an alias name them all (bundle.go: ExpandTrustDomainAliases). */
function withAliasDomains(values: string[], trustDomains: readonly string[]): string[] {
  return [...new Set(values.flatMap((v) => (trustDomains.includes(v) ? trustDomains : [v])))];
}

/** `namespaces`: each `*` is `.*`, matched inside the caller identity (generator.go: srcNamespaceGenerator). */
function namespaceMatches(pattern: string, principal: string | undefined): boolean {
  return fullMatch(`.*/ns/${pattern.split('*').map(escapeRegex).join('.*')}/.*`, principal);
}

/** `serviceAccounts`: `ns/sa`, or `sa` in the policy's namespace; no wildcards (generator.go: serviceAccountRegex). */
function serviceAccountMatches(value: string, policyNamespace: string, principal: string | undefined): boolean {
  const slash = value.indexOf('/');
  const [ns, sa] = slash < 0 ? [policyNamespace, value] : [value.slice(0, slash), value.slice(slash + 1)];
  return fullMatch(`.+/ns/${escapeRegex(ns)}/(.+/|)sa/${escapeRegex(sa)}(/.+)?`, principal);
}

/**
 * `trustDomains`: `*` for any identity, exact, or one wildcard within the trust domain (generator.go:
 * srcTrustDomainGenerator).
 */
function trustDomainMatches(value: string, principal: string | undefined): boolean {
  if (principal === undefined) return false;
  if (value === '*') return true;
  if (!value.includes('*')) return principal.startsWith(`${value}/`);
  const [head = '', tail = ''] = [value.slice(0, value.indexOf('*')), value.slice(value.indexOf('*') + 1)];
  return fullMatch(`${escapeRegex(head)}[^/]*${escapeRegex(tail)}/.*`, principal);
}

/** One field of a rule: it holds when the value is in `values` (if any) and not in `notValues`. */
interface Constraint {
  label: string;
  values: string[];
  notValues: string[];
  /** Generating it for a TCP filter chain is an error in Istio (generator.go: "is HTTP only"). */
  httpOnly: boolean;
  /** Undefined when Meshpath cannot evaluate it; `unknown` then says why. */
  test: ((patterns: string[]) => boolean) | undefined;
  unknown?: string;
  /** An assumption worth a note whenever the field is evaluated. */
  note?: string;
}

interface RuleContext {
  request: AuthzRequest;
  pod: PodModel;
  policy: IstioConfigModel;
  ruleIndex: number;
  isDeny: boolean;
  notes: string[];
  /** The mesh's trust domain, then its aliases. */
  trustDomains: readonly string[];
  /** The path as the connection manager normalized it before RBAC. */
  normalizePath: (path: string | undefined) => string | undefined;
}

interface FieldPair {
  positive: string;
  negative: string;
  httpOnly: boolean;
  test: ((patterns: string[]) => boolean) | undefined;
  unknown?: string;
  note?: string;
}

const NO_JWT =
  "checks the request's JWT, and Meshpath's requests carry none: values never match and notValues always do";

/** A constraint Meshpath cannot evaluate for each key of `spec` that AuthorizationPolicy does not define. */
function unknownFields(spec: unknown, prefix: string, known: readonly string[]): Constraint[] {
  return Object.entries(isRecord(spec) ? spec : {})
    .filter(([key]) => !known.includes(key))
    .map(([key, value]) => ({
      label: `${prefix}.${key}`,
      values: [String(JSON.stringify(value))],
      notValues: [],
      httpOnly: false,
      test: undefined,
      unknown: 'is not a field of AuthorizationPolicy (Kubernetes would reject or prune it)',
    }));
}

/** The field pairs of a Source or Operation, plus its unknown fields. */
function objectConstraints(spec: unknown, prefix: string, pairs: FieldPair[]): Constraint[] {
  const out: Constraint[] = [];
  for (const { positive, negative, httpOnly, test, unknown, note } of pairs) {
    const values = strings(field(spec, positive));
    const notValues = strings(field(spec, negative));
    const written =
      values.length > 0 && notValues.length === 0
        ? positive
        : notValues.length > 0 && values.length === 0
          ? negative
          : `${positive}/${negative}`;
    const label = `${prefix}.${written}`;
    out.push({ label, values, notValues, httpOnly, test, ...(unknown ? { unknown } : {}), ...(note ? { note } : {}) });
  }
  return [
    ...out,
    ...unknownFields(
      spec,
      prefix,
      pairs.flatMap((p) => [p.positive, p.negative]),
    ),
  ];
}

/** Source fields at Istio HEAD (pilot/pkg/security/authz/model/model.go: New). */
function sourceConstraints(source: unknown, ctx: RuleContext): Constraint[] {
  const { principal, sourceIp, remoteIp } = ctx.request;
  const ips = (p: string[]) => p.some((b) => ipInBlock(b, sourceIp));
  const remoteIps = (p: string[]) => p.some((b) => ipInBlock(b, remoteIp ?? sourceIp));
  return objectConstraints(source, 'from.source', [
    {
      positive: 'principals',
      negative: 'notPrincipals',
      httpOnly: false,
      test: (p) => anyMatch(withTrustDomainAliases(p, ctx.trustDomains), principal),
    },
    {
      positive: 'requestPrincipals',
      negative: 'notRequestPrincipals',
      httpOnly: true,
      test: (p) => anyMatch(p, ctx.request.jwt?.principal),
      ...(ctx.request.jwt ? {} : { note: NO_JWT }),
    },
    {
      positive: 'namespaces',
      negative: 'notNamespaces',
      httpOnly: false,
      test: (p) => p.some((v) => namespaceMatches(v, principal)),
    },
    {
      positive: 'serviceAccounts',
      negative: 'notServiceAccounts',
      httpOnly: false,
      test: (p) => p.some((v) => serviceAccountMatches(v, ctx.policy.namespace, principal)),
    },
    {
      positive: 'trustDomains',
      negative: 'notTrustDomains',
      httpOnly: false,
      test: (p) => withAliasDomains(p, ctx.trustDomains).some((v) => trustDomainMatches(v, principal)),
    },
    { positive: 'ipBlocks', negative: 'notIpBlocks', httpOnly: false, test: ips },
    // remoteIpBlocks is Envoy's remote_ip, ipBlocks its direct_remote_ip (authz/model/generator.go: remoteIPGenerator).
    { positive: 'remoteIpBlocks', negative: 'notRemoteIpBlocks', httpOnly: false, test: remoteIps },
  ]);
}

/** Operation fields (model.go: New). */
function operationConstraints(operation: unknown, ctx: RuleContext): Constraint[] {
  const http = ctx.request.http;
  return objectConstraints(operation, 'to.operation', [
    {
      positive: 'ports',
      negative: 'notPorts',
      httpOnly: false,
      test: (p) => p.some((v) => Number(v) === ctx.request.port),
    },
    {
      positive: 'hosts',
      negative: 'notHosts',
      httpOnly: true,
      test: (p) =>
        anyMatch(
          p.map((h) => h.toLowerCase()),
          http?.host.toLowerCase(),
        ),
    },
    { positive: 'methods', negative: 'notMethods', httpOnly: true, test: (p) => anyMatch(p, http?.method) },
    {
      positive: 'paths',
      negative: 'notPaths',
      httpOnly: true,
      test: (p) => p.some((v) => pathMatches(v, ctx.normalizePath(http?.path.split('?')[0]))),
    },
  ]);
}

/** The characters of one path segment in an Envoy URI template (uri_template_internal.cc). */
const SEGMENT_CHARS = "a-zA-Z0-9\\-._~%!$&'()+,;:@=";

/**
 * A path with `{*}` or `{**}` is an Envoy URI template, `*` one path segment and `**` any run of them
 * (pilot/pkg/security/authz/matcher/template.go; Envoy uri_template); any other path is an Istio string match.
 */
function pathMatches(pattern: string, path: string | undefined): boolean {
  if (!pattern.includes('{*}') && !pattern.includes('{**}')) return valueMatches(pattern, path);
  const regex = pattern
    .split(/(\{\*\*\}|\{\*\}|\*\*|\*)/)
    .map((part) =>
      part === '{**}' || part === '**'
        ? `[${SEGMENT_CHARS}/]*`
        : part === '{*}' || part === '*'
          ? `[${SEGMENT_CHARS}]+`
          : escapeRegex(part),
    )
    .join('');
  return fullMatch(regex, path);
}

/** A `when` condition by key (model.go: New); undefined for a key Istio does not know. */
function whenConstraint(condition: unknown, key: string, ctx: RuleContext): Constraint | undefined {
  const { principal, sourceIp, remoteIp, http, port } = ctx.request;
  const values = strings(field(condition, 'values'));
  const notValues = strings(field(condition, 'notValues'));
  const make = (
    httpOnly: boolean,
    test: ((patterns: string[]) => boolean) | undefined,
    extra: Pick<Constraint, 'unknown' | 'note'> = {},
  ): Constraint => ({ label: `when ${key}`, values, notValues, httpOnly, test, ...extra });
  const header = /^request\.headers\[(.+)\]$/.exec(key);
  if (header) return make(true, (p) => anyMatch(p, http?.headers.get((header[1] ?? '').toLowerCase())));
  if (key.startsWith('request.headers'))
    return make(true, undefined, { unknown: 'is not of the form request.headers[name]' });
  if (
    key === 'request.auth.principal' ||
    key === 'request.auth.audiences' ||
    key === 'request.auth.presenter' ||
    key.startsWith('request.auth.claims')
  ) {
    const jwt = ctx.request.jwt;
    if (!jwt) return make(true, () => false, { note: NO_JWT });
    if (key === 'request.auth.principal') return make(true, (p) => anyMatch(p, jwt.principal));
    if (key === 'request.auth.presenter') return make(true, (p) => anyMatch(p, jwt.presenter));
    if (key === 'request.auth.audiences') return make(true, (p) => jwt.audiences.some((a) => anyMatch(p, a)));
    const path = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
    if (!path) return make(true, undefined, { unknown: 'is not of the form request.auth.claims[name]' });
    const names = [...(path[1] ?? '').matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] ?? '');
    return make(true, (p) => claimValues(jwt.claims, names).some((v) => anyMatch(p, v)));
  }
  switch (key) {
    case 'source.ip':
      return make(false, (p) => p.some((b) => ipInBlock(b, sourceIp)));
    case 'remote.ip':
      return make(false, (p) => p.some((b) => ipInBlock(b, remoteIp ?? sourceIp)));
    case 'source.namespace':
      return make(false, (p) => p.some((v) => namespaceMatches(v, principal)));
    case 'source.principal':
      return make(false, (p) => anyMatch(withTrustDomainAliases(p, ctx.trustDomains), principal));
    case 'source.serviceAccount':
      return make(false, (p) => p.some((v) => serviceAccountMatches(v, ctx.policy.namespace, principal)));
    case 'source.trustDomain':
      return make(false, (p) => withAliasDomains(p, ctx.trustDomains).some((v) => trustDomainMatches(v, principal)));
    case 'destination.port':
      return make(false, (p) => p.some((v) => Number(v) === port));
    case 'destination.ip':
      return make(false, (p) => p.some((b) => ipInBlock(b, ctx.pod.ip)));
    case 'connection.sni':
      // Envoy's requested_server_name (generator.go: connSNIGenerator).
      return make(false, (p) => anyMatch(p, ctx.request.sni));
    default:
      return key.startsWith('experimental.envoy.filters.')
        ? make(false, undefined, { unknown: 'reads Envoy filter metadata, which Meshpath does not model' })
        : undefined;
  }
}

/**
 * A claim's values by its path of names: a string, or each string of a list; `scope` and `permission` are
 * space-delimited (pilot/pkg/security/authz/model/generator.go: requestClaimGenerator; policy_applier.go:
 * buildSpaceDelimitedClaims).
 */
function claimValues(claims: Record<string, unknown>, names: string[]): string[] {
  let value: unknown = claims;
  for (const name of names) value = isRecord(value) ? value[name] : undefined;
  const last = names.at(-1) ?? '';
  if (typeof value === 'string')
    return names.length === 1 && (last === 'scope' || last === 'permission') ? value.split(' ') : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return strings(value);
}

function addNote(ctx: RuleContext, note: string) {
  const action = ctx.isDeny ? 'DENY' : 'ALLOW';
  const text = `${action} policy ${ctx.policy.namespace}/${ctx.policy.name} rule ${ctx.ruleIndex}: ${note}`;
  if (!ctx.notes.includes(text)) ctx.notes.push(text);
}

function holds(c: Constraint, ctx: RuleContext): boolean {
  if (c.values.length === 0 && c.notValues.length === 0) return true;
  // On TCP, a DENY rule drops HTTP-only fields (model.go: checkError); an ALLOW rule with them was skipped already.
  if (c.httpOnly && ctx.request.http === undefined) return ctx.isDeny;
  if (c.note) addNote(ctx, `${c.label} ${c.note}.`);
  if (c.test === undefined) {
    addNote(
      ctx,
      `${c.label} ${c.unknown ?? 'cannot be evaluated by Meshpath'}: ` +
        `assumed ${ctx.isDeny ? 'to match, so the rule denies' : 'not to match'}.`,
    );
    return ctx.isDeny;
  }
  return (c.values.length === 0 || c.test(c.values)) && (c.notValues.length === 0 || !c.test(c.notValues));
}

/** Whether one rule matches: any `from`, any `to`, and every `when` (pilot/pkg/security/authz/model/model.go). */
function ruleMatches(rule: unknown, ctx: RuleContext): boolean {
  const list = (key: string) => (Array.isArray(field(rule, key)) ? (field(rule, key) as unknown[]) : []);
  const froms = list('from').map((entry) => [
    ...sourceConstraints(field(entry, 'source'), ctx),
    ...unknownFields(entry, 'from', ['source']),
  ]);
  const tos = list('to').map((entry) => [
    ...operationConstraints(field(entry, 'operation'), ctx),
    ...unknownFields(entry, 'to', ['operation']),
  ]);
  const whens: Constraint[] = unknownFields(rule, 'rule', ['from', 'to', 'when']);
  for (const condition of list('when')) {
    const key = field(condition, 'key');
    if (typeof key !== 'string') continue;
    const constraint = whenConstraint(condition, key, ctx);
    if (!constraint) {
      // An unknown attribute fails model.New, so istiod skips the rule for every action (builder.go: build).
      addNote(ctx, `skipped: istiod does not know the condition key ${key} (the validating webhook rejects it).`);
      return false;
    }
    whens.push(constraint, ...unknownFields(condition, `when ${key}`, ['key', 'values', 'notValues']));
  }
  const used = [...froms.flat(), ...tos.flat(), ...whens].filter((c) => c.values.length > 0 || c.notValues.length > 0);
  // For TCP, an HTTP-only field anywhere makes Generate fail, and istiod skips the whole ALLOW rule (builder.go:
  // build).
  // At ztunnel remoteIpBlocks and every `when` key but five are HTTP attributes too (ambient/authorization.go).
  const isL7 = (c: Constraint) =>
    c.httpOnly ||
    (ctx.request.ztunnel === true &&
      (c.label.includes('emoteIpBlocks') || (c.label.startsWith('when ') && !L4_WHEN_KEYS.has(c.label.slice(5)))));
  if (ctx.request.http === undefined && !ctx.isDeny && used.some(isL7)) return false;
  const all = (cs: Constraint[]) => cs.every((c) => holds(c, ctx));
  if (ctx.request.ztunnel && ctx.isDeny) {
    // ambient/authorization.go: handleRule — HTTP attributes are left out of each match; a match left empty matches
    // nothing at ztunnel (isMatchEmpty), so a DENY rule that only had HTTP conditions never fires.
    const l4 = (cs: Constraint[]) => {
      const kept = cs.filter((c) => !isL7(c) && (c.values.length > 0 || c.notValues.length > 0));
      return kept.length > 0 && kept.every((c) => holds(c, ctx));
    };
    const whensHold = whens.every((c) => !isL7(c) && holds(c, ctx));
    return (froms.length === 0 || froms.some(l4)) && (tos.length === 0 || tos.some(l4)) && whensHold;
  }
  return (froms.length === 0 || froms.some(all)) && (tos.length === 0 || tos.some(all)) && all(whens);
}

/** The Service (or ServiceEntry) a waypoint chain is for. */
export interface WaypointTarget {
  name: string;
  namespace: string;
  registry: 'Kubernetes' | 'External';
}

/**
 * Whether a policy attaches to a waypoint (pilot/pkg/model/policyattachment.go: ShouldAttachPolicy): never by
 * `selector`; by targetRefs naming the Service or ServiceEntry the request is for (policy in its namespace), the
 * GatewayClass istio-waypoint (policy in the root namespace), or the waypoint's Gateway (policy in its namespace).
 */
export function attachesToWaypoint(
  policy: IstioConfigModel,
  waypoint: { name: string; namespace: string },
  service: WaypointTarget | undefined,
  rootNamespace: string,
): boolean {
  for (const ref of targetRefsOf(policy)) {
    const rawGroup = field(ref, 'group');
    const group = typeof rawGroup === 'string' ? rawGroup : '';
    const kind = field(ref, 'kind');
    const name = field(ref, 'name');
    const namespace = field(ref, 'namespace');
    if (kind === 'Service' && (group === '' || group === 'core') && service?.registry === 'Kubernetes')
      if (name === service.name && policy.namespace === service.namespace) return true;
    if (kind === 'ServiceEntry' && group === 'networking.istio.io' && service?.registry === 'External')
      if (name === service.name && policy.namespace === service.namespace) return true;
    if (
      kind === 'GatewayClass' &&
      group === 'gateway.networking.k8s.io' &&
      name === 'istio-waypoint' &&
      policy.namespace === rootNamespace
    )
      return true;
    if (policy.namespace !== waypoint.namespace) continue;
    if (namespace !== undefined && namespace !== '' && namespace !== waypoint.namespace) continue;
    if (kind === 'Gateway' && group === 'gateway.networking.k8s.io' && name === waypoint.name) return true;
  }
  return false;
}

/**
 * AuthorizationPolicy at the destination sidecar: CUSTOM, then DENY, then ALLOW
 * (pilot/pkg/security/authz/builder/builder.go: build). An ALLOW policy without rules matches nothing, so it denies
 * everything; `rules: [{}]` allows everything.
 */
export function authorize(model: MeshModel, pod: PodModel, request: AuthzRequest): AuthzDecision {
  const root = model.meshConfig.rootNamespace;
  return evaluate(
    (model.istio.get('AuthorizationPolicy') ?? []).filter((p) => appliesTo(p, pod, root)),
    pod,
    request,
    meshSettingsOf(model),
  );
}

/**
 * AuthorizationPolicy at a waypoint for a request to `service` (undefined for a workload address): the policies
 * attached by targetRefs (listener_waypoint.go: buildWaypointHTTPFilters, authz.NewBuilderForService).
 */
export function authorizeAtWaypoint(
  model: MeshModel,
  waypointPod: PodModel,
  waypoint: { name: string; namespace: string },
  service: WaypointTarget | undefined,
  request: AuthzRequest,
): AuthzDecision {
  const root = model.meshConfig.rootNamespace;
  return evaluate(
    (model.istio.get('AuthorizationPolicy') ?? []).filter((p) => attachesToWaypoint(p, waypoint, service, root)),
    waypointPod,
    request,
    meshSettingsOf(model),
  );
}

/** What the mesh config adds to a policy's own words. */
interface MeshSettings {
  /** The trust domain bundle: the trust domain, then its aliases (plugin/authz/authorization.go: NewBundle). */
  trustDomains: readonly string[];
  extAuthzProviders: ReadonlySet<string>;
  normalizePath: (path: string | undefined) => string | undefined;
}

/** RFC 3986 remove_dot_segments, as Envoy's normalize_path does (`/a/../b` is `/b`). */
function removeDotSegments(path: string | undefined): string | undefined {
  if (path === undefined || !path.startsWith('/')) return path;
  const segments = path.split('/').slice(1);
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop();
      if (last) out.push('');
    } else out.push(segment);
  });
  return `/${out.join('/')}`;
}

/**
 * The :path an Istio HTTP connection manager hands its routes, filters and upstream (core/listener_builder.go:
 * pathNormalization): NONE leaves it as sent; BASE (the default) removes dot segments (RFC 3986); MERGE_SLASHES also
 * merges adjacent slashes; DECODE_AND_MERGE_SLASHES first decodes %2F and %5C. The query is left as sent.
 */
export function normalizedPath(mode: string | undefined, path: string): string {
  if (mode === 'NONE') return path;
  const query = path.indexOf('?');
  let bare = query < 0 ? path : path.slice(0, query);
  if (mode === 'DECODE_AND_MERGE_SLASHES') bare = bare.replace(/%2F/gi, '/').replace(/%5C/gi, '\\');
  bare = removeDotSegments(bare) ?? bare;
  if (mode === 'MERGE_SLASHES' || mode === 'DECODE_AND_MERGE_SLASHES') bare = bare.replace(/\/{2,}/g, '/');
  return `${bare}${query < 0 ? '' : path.slice(query)}`;
}

/** The path the proxies of this mesh route and authorize on (normalizedPath with the mesh's setting). */
export function hcmPath(model: MeshModel, path: string): string {
  return normalizedPath(model.meshConfig.pathNormalization, path);
}

function meshSettingsOf(model: MeshModel): MeshSettings {
  const mesh = model.meshConfig;
  return {
    trustDomains: [mesh.trustDomain, ...(mesh.trustDomainAliases ?? [])],
    extAuthzProviders: new Set(mesh.extAuthzProviders ?? []),
    // Every normalization but NONE normalizes the path before routing and RBAC (core/listener_builder.go).
    normalizePath: (path) => (path === undefined ? path : normalizedPath(mesh.pathNormalization, path)),
  };
}

function evaluate(
  applicable: readonly IstioConfigModel[],
  pod: PodModel,
  request: AuthzRequest,
  { trustDomains, extAuthzProviders, normalizePath }: MeshSettings,
): AuthzDecision {
  const policies = [...applicable].sort((a, b) => a.order - b.order);
  const notes: string[] = [];
  const actionOf = (p: IstioConfigModel) =>
    typeof field(p.spec, 'action') === 'string' ? String(field(p.spec, 'action')) : 'ALLOW';
  const dryRun = (p: IstioConfigModel) => p.annotations.get('istio.io/dry-run') === 'true';
  const rulesOf = (p: IstioConfigModel) =>
    Array.isArray(field(p.spec, 'rules')) ? (field(p.spec, 'rules') as unknown[]) : [];
  const custom = policies.filter((p) => actionOf(p) === 'CUSTOM');
  const providerOf = (p: IstioConfigModel) => {
    const name = field(field(p.spec, 'provider'), 'name');
    return typeof name === 'string' ? name : '';
  };
  // PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS is off by default: two providers on one workload are an error.
  const severalProviders = new Set(custom.map(providerOf)).size > 1;
  for (const policy of custom) {
    const provider = providerOf(policy);
    if (request.ztunnel || (!severalProviders && extAuthzProviders.has(provider))) {
      notes.push(
        `CUSTOM policy ${policy.namespace}/${policy.name} asks an external authorizer, which Meshpath cannot ` +
          `run: assumed to allow.`,
      );
      continue;
    }
    // istiod turns the rules of a CUSTOM policy it cannot build into DENY rules (builder.go: getBadCustomDenyRules).
    if (dryRun(policy)) continue;
    const index = rulesOf(policy).findIndex(
      (rule, ruleIndex) =>
        isRecord(rule) &&
        ruleMatches(rule, { request, pod, policy, ruleIndex, isDeny: true, notes, trustDomains, normalizePath }),
    );
    if (index < 0) continue;
    const why = severalProviders
      ? 'the workload has CUSTOM policies for several providers'
      : `provider "${provider}" is not an ext_authz extensionProvider of the mesh config`;
    return {
      allowed: false,
      policy: policy.source,
      reason: `CUSTOM policy ${policy.namespace}/${policy.name} rule ${index} matches and ${why}, so istiod denies it`,
      details:
        `rbac_access_denied_matched_policy[istio-ext-authz-${provider ? `${provider}-` : ''}ns[${policy.namespace}]-` +
        `policy[${policy.name}]-rule[${index}]-deny-due-to-bad-CUSTOM-action]`,
      notes,
    };
  }
  for (const policy of policies.filter((p) => actionOf(p) === 'DENY')) {
    const index = rulesOf(policy).findIndex(
      (rule, ruleIndex) =>
        isRecord(rule) &&
        ruleMatches(rule, { request, pod, policy, ruleIndex, isDeny: true, notes, trustDomains, normalizePath }),
    );
    if (index < 0) continue;
    if (dryRun(policy)) {
      notes.push(`DENY policy ${policy.namespace}/${policy.name} would deny this request, but it is a dry run.`);
      continue;
    }
    return {
      allowed: false,
      policy: policy.source,
      reason: `DENY policy ${policy.namespace}/${policy.name} rule ${index} matches the request`,
      details: `rbac_access_denied_matched_policy[ns[${policy.namespace}]-policy[${policy.name}]-rule[${index}]]`,
      notes,
    };
  }
  const allowPolicies = policies.filter((p) => actionOf(p) === 'ALLOW' && !dryRun(p));
  if (allowPolicies.length === 0)
    return {
      allowed: true,
      policy: undefined,
      reason:
        policies.length === 0
          ? 'no AuthorizationPolicy applies to this workload'
          : 'no DENY rule matches and no ALLOW policy applies',
      details: undefined,
      notes,
    };
  for (const policy of allowPolicies) {
    const index = rulesOf(policy).findIndex(
      (rule, ruleIndex) =>
        isRecord(rule) &&
        ruleMatches(rule, { request, pod, policy, ruleIndex, isDeny: false, notes, trustDomains, normalizePath }),
    );
    if (index >= 0)
      return {
        allowed: true,
        policy: policy.source,
        reason: `ALLOW policy ${policy.namespace}/${policy.name} rule ${index} matches the request`,
        details: undefined,
        notes,
      };
  }
  return {
    allowed: false,
    policy: allowPolicies[0]?.source,
    reason:
      `ALLOW policies apply (${allowPolicies.map((p) => `${p.namespace}/${p.name}`).join(', ')}) and none of ` +
      `their rules matches the request`,
    details: 'rbac_access_denied_matched_policy[none]',
    notes,
  };
}

const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];
const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const L4_WHEN_KEYS = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.port',
  'destination.ip',
]);

/**
 * The HTTP attributes a policy's rules use, which ztunnel cannot enforce (ambient/authorization.go: httpOperations,
 * httpSources, l4WhenAttributes): `to.operation.methods`, `when request.headers[x]`...
 */
export function httpAttributes(policy: IstioConfigModel): string[] {
  const found = new Set<string>();
  const rules = field(policy.spec, 'rules');
  for (const rule of Array.isArray(rules) ? rules : []) {
    for (const to of Array.isArray(field(rule, 'to')) ? (field(rule, 'to') as unknown[]) : [])
      for (const key of HTTP_OPERATION_FIELDS)
        if (strings(field(field(to, 'operation'), key)).length > 0) found.add(`to.operation.${key}`);
    for (const from of Array.isArray(field(rule, 'from')) ? (field(rule, 'from') as unknown[]) : [])
      for (const key of HTTP_SOURCE_FIELDS)
        if (strings(field(field(from, 'source'), key)).length > 0) found.add(`from.source.${key}`);
    for (const when of Array.isArray(field(rule, 'when')) ? (field(rule, 'when') as unknown[]) : []) {
      const key = field(when, 'key');
      if (typeof key === 'string' && !L4_WHEN_KEYS.has(key)) found.add(`when ${key}`);
    }
  }
  return [...found];
}

/** The selector-based policies ztunnel applies to a pod that use HTTP attributes, with those attributes. */
export function httpPoliciesAtZtunnel(
  model: MeshModel,
  pod: PodModel,
): Array<{ policy: string; action: 'ALLOW' | 'DENY'; attributes: string[]; source: ObjectSource }> {
  const root = model.meshConfig.rootNamespace;
  return (model.istio.get('AuthorizationPolicy') ?? []).flatMap((p) => {
    const action = field(p.spec, 'action') ?? 'ALLOW';
    if ((action !== 'ALLOW' && action !== 'DENY') || !appliesTo(p, pod, root)) return [];
    const attributes = httpAttributes(p);
    return attributes.length > 0 ? [{ policy: `${p.namespace}/${p.name}`, action, attributes, source: p.source }] : [];
  });
}
