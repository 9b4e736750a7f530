import { field, isRecord } from '../manifest/parse.ts';
import { attachesToWorkload } from './attachment.ts';
import type { IstioConfigModel, MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';

/** What a valid token tells AuthorizationPolicy (request.auth.* and requestPrincipals). */
export interface JwtIdentity {
  /** `iss/sub`. */
  principal: string;
  claims: Record<string, unknown>;
  audiences: string[];
  presenter: string | undefined;
}

/** What the proxy's JWT filter does with the request. */
export type JwtOutcome =
  /** No RequestAuthentication selects the proxy, or the request carries no token for it. */
  | { kind: 'none'; notes: string[] }
  /** Envoy rejects the request with 401 and this message. */
  | { kind: 'rejected'; message: string; policies: ObjectSource[]; notes: string[] }
  | { kind: 'accepted'; identity: JwtIdentity; policies: ObjectSource[]; notes: string[] };

interface JwtRule {
  issuer: string;
  audiences: string[];
  fromHeaders: Array<{ name: string; prefix: string }>;
  fromParams: string[];
  fromCookies: string[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * The RequestAuthentications for a workload: those of the root namespace and of its own namespace whose selector
 * matches (or that have none), all merged (pilot/pkg/model/authentication.go: GetJwtPoliciesForWorkload).
 */
function selectedFor(model: MeshModel, pod: PodModel): IstioConfigModel[] {
  const root = model.meshConfig.rootNamespace;
  return (model.istio.get('RequestAuthentication') ?? []).filter((policy) => attachesToWorkload(policy, pod, root));
}

function rulesOf(selected: readonly IstioConfigModel[]): { rules: JwtRule[]; policies: ObjectSource[] } {
  const rules: JwtRule[] = [];
  const policies: ObjectSource[] = [];
  for (const policy of selected) {
    const jwtRules = field(policy.spec, 'jwtRules');
    if (!Array.isArray(jwtRules)) continue;
    policies.push(policy.source);
    for (const rule of jwtRules) {
      const issuer = field(rule, 'issuer');
      if (typeof issuer !== 'string') continue;
      const fromHeaders = (Array.isArray(field(rule, 'fromHeaders')) ? (field(rule, 'fromHeaders') as unknown[]) : [])
        .map((h) => ({ name: field(h, 'name'), prefix: field(h, 'prefix') }))
        .filter((h): h is { name: string; prefix: unknown } => typeof h.name === 'string')
        .map((h) => ({ name: h.name.toLowerCase(), prefix: typeof h.prefix === 'string' ? h.prefix : '' }));
      rules.push({
        issuer,
        audiences: strings(field(rule, 'audiences')),
        fromHeaders,
        fromParams: strings(field(rule, 'fromParams')),
        fromCookies: strings(field(rule, 'fromCookies')),
      });
    }
  }
  return { rules, policies };
}

/**
 * Where each rule looks for its token: its fromHeaders and fromParams, else `Authorization: Bearer` and the
 * `access_token` query parameter (pilot/pkg/security/authn/policy_applier.go: convertToEnvoyJwtConfig; Envoy's
 * jwt_authn default locations).
 */
function tokensFor(rule: JwtRule, headers: ReadonlyMap<string, string>, path: string): string[] {
  // Any of fromHeaders, fromParams and fromCookies replaces Envoy's default locations (policy_applier.go).
  const custom = rule.fromHeaders.length > 0 || rule.fromParams.length > 0 || rule.fromCookies.length > 0;
  const locations = custom ? rule.fromHeaders : [{ name: 'authorization', prefix: 'Bearer ' }];
  const params = custom ? rule.fromParams : ['access_token'];
  const found: string[] = [];
  for (const { name, prefix } of locations) {
    const value = headers.get(name);
    if (value !== undefined && value.startsWith(prefix)) found.push(value.slice(prefix.length).trim());
  }
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  for (const pair of query.split('&')) {
    const [key = '', value] = pair.split('=');
    if (value !== undefined && params.includes(key)) found.push(value);
  }
  for (const pair of (headers.get('cookie') ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && rule.fromCookies.includes(pair.slice(0, at).trim())) found.push(pair.slice(at + 1).trim());
  }
  return found;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A base64url segment (padding allowed) as UTF-8 text; undefined when it is not base64url. */
function decodeSegment(segment: string): string | undefined {
  const text = segment.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text) {
    const value = BASE64URL.indexOf(ch);
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] ?? 0;
    const extra = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : 0;
    let code = extra === 0 ? b : b & (0x3f >> extra);
    for (let k = 1; k <= extra; k++) code = (code << 6) | ((bytes[i + k] ?? 0) & 0x3f);
    out += String.fromCodePoint(code);
    i += extra + 1;
  }
  return out;
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The JWT filter of the destination proxy (or gateway): each RequestAuthentication rule is `{provider OR
 * allow_missing}`, so a request without a token passes, and a present token must be well formed, unexpired and for an
 * allowed audience (policy_applier.go: convertToEnvoyJwtConfig). Envoy's messages are its jwt_authn status strings.
 */
export function authenticateRequest(
  model: MeshModel,
  pod: PodModel,
  headers: ReadonlyMap<string, string>,
  path: string,
  nowSeconds: number,
): JwtOutcome {
  return authenticateWith(selectedFor(model, pod), headers, path, nowSeconds);
}

/** The JWT filter built from the given RequestAuthentications (a waypoint's: those attached by targetRefs). */
export function authenticateWith(
  selected: readonly IstioConfigModel[],
  headers: ReadonlyMap<string, string>,
  path: string,
  nowSeconds: number,
): JwtOutcome {
  const { rules, policies } = rulesOf(selected);
  if (rules.length === 0) return { kind: 'none', notes: [] };
  const notes: string[] = [];
  const reject = (message: string): JwtOutcome => ({ kind: 'rejected', message, policies, notes });
  let identity: JwtIdentity | undefined;
  for (const token of new Set(rules.flatMap((rule) => tokensFor(rule, headers, path)))) {
    const parts = token.split('.');
    if (parts.length !== 3)
      return reject('Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections');
    const header = parseJson(decodeSegment(parts[0] ?? ''));
    if (!header) return reject('Jwt header is an invalid JSON');
    const payload = parseJson(decodeSegment(parts[1] ?? ''));
    if (!payload) return reject('Jwt payload is an invalid JSON');
    const iss = typeof payload['iss'] === 'string' ? payload['iss'] : '';
    const rule = rules.find((r) => r.issuer === iss);
    if (!rule) {
      notes.push(`a token from issuer "${iss}", which no jwtRule names, is treated as missing (allow_missing)`);
      continue;
    }
    const exp = payload['exp'];
    if (typeof exp === 'number' && exp < nowSeconds) return reject('Jwt is expired');
    const nbf = payload['nbf'];
    if (typeof nbf === 'number' && nbf > nowSeconds) return reject('Jwt not yet valid');
    const aud = payload['aud'];
    const audiences = typeof aud === 'string' ? [aud] : strings(aud);
    if (rule.audiences.length > 0 && !audiences.some((a) => rule.audiences.includes(a)))
      return reject('Audiences in Jwt are not allowed');
    notes.push(
      `the token of issuer "${iss}" is taken as correctly signed: Meshpath does not fetch or check the JWKS keys`,
    );
    const sub = typeof payload['sub'] === 'string' ? payload['sub'] : '';
    identity ??= {
      principal: `${iss}/${sub}`,
      claims: payload,
      audiences,
      presenter: typeof payload['azp'] === 'string' ? payload['azp'] : undefined,
    };
  }
  return identity ? { kind: 'accepted', identity, policies, notes } : { kind: 'none', notes };
}
