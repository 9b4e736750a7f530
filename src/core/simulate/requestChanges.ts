/**
 * What a matched route changes in the request before the proxy forwards it: header additions and removals, the host
 * rewrite and the path rewrite, in Envoy's order (envoy source/common/router/config_impl.cc:
 * RouteEntryImplBase::finalizeRequestHeaders — a weighted cluster's own changes first, then the route's headers, its
 * host rewrite, then the path; the route was matched on the request as it arrived).
 */
import { field, isRecord, parseEmbeddedYaml } from '../manifest/parse.ts';
import type { MeshConfig, PodModel } from '../model/mesh.ts';
import type { HeaderOperations, Route, RouteMatch } from '../xds/types.ts';
import type { ForwardedChange, SimulatedRequest } from './facts.ts';

/** Envoy's HeaderParser: every removal, then each addition (set overwrites; add joins a repeated value with `,`). */
function applyHeaderOperations(headers: Record<string, string>, ops: HeaderOperations | undefined): void {
  if (!ops) return;
  for (const name of ops.remove) delete headers[name];
  for (const { name, value, append } of ops.add) {
    const existing = headers[name];
    headers[name] = append && existing !== undefined ? `${existing},${value}` : value;
  }
}

/**
 * An RE2 pattern and substitution as JavaScript's: `(?P<n>` is `(?<n>`, a leading `(?i)` the `i` flag, `\N` is `$N`
 * (`\0` the whole match), a literal `$` is `$$`.
 */
function regexReplaceAll(path: string, pattern: string, substitution: string): string | undefined {
  let re: RegExp;
  // RE2's leading (?i) is JavaScript's i flag.
  const caseless = pattern.startsWith('(?i)');
  try {
    re = new RegExp((caseless ? pattern.slice(4) : pattern).replace(/\(\?P</g, '(?<'), caseless ? 'gi' : 'g');
  } catch {
    return undefined;
  }
  const replacement = substitution
    .replace(/\$/g, '$$$$')
    .replace(/\\(\d)/g, (_, n: string) => (n === '0' ? '$&' : `$${n}`));
  return path.replace(re, replacement);
}

/**
 * The path after a prefix rewrite: the matched prefix (an exact path is all of it, a regex match the whole path
 * without the query) is swapped for the rewrite (config_impl.cc: currentUrlPathAfterRewriteWithMatchedPath).
 */
function prefixRewritten(path: string, match: RouteMatch, rewrite: string): string {
  const queryAt = path.search(/[?#]/);
  const pathOnly = queryAt >= 0 ? path.slice(0, queryAt) : path;
  const matched =
    match.path.separatedPrefix ??
    (match.path.kind === 'regex' ? pathOnly : match.path.kind === 'exact' ? pathOnly : match.path.value);
  return `${rewrite}${path.slice(Math.min(matched.length, pathOnly.length))}`;
}

function rewrittenPath(path: string, route: Route): string | undefined {
  const action = route.action;
  if (action.kind !== 'route') return undefined;
  if (action.prefixRewrite !== undefined) return prefixRewritten(path, route.match, action.prefixRewrite);
  if (action.regexRewrite) {
    // Only the path is rewritten; the query is kept as it was.
    const queryAt = path.search(/[?#]/);
    const pathOnly = queryAt >= 0 ? path.slice(0, queryAt) : path;
    const replaced = regexReplaceAll(pathOnly, action.regexRewrite.pattern, action.regexRewrite.substitution);
    return replaced === undefined ? undefined : `${replaced}${queryAt >= 0 ? path.slice(queryAt) : ''}`;
  }
  return undefined;
}

/** The proxy's header options from ProxyConfig.proxyHeaders that change what it forwards. */
export interface ProxyHeaderOptions {
  /** envoyDebugHeaders.disabled: the router's suppress_envoy_headers, so no x-envoy-original-path. */
  suppressDebugHeaders: boolean;
  /** xForwardedHost.enabled: a route with a rewrite appends the old authority to x-forwarded-host. */
  xForwardedHost: boolean;
}

/**
 * proxyHeaders of the mesh's defaultConfig, then of the pod's proxy.istio.io/config annotation, field by field
 * (pkg/config/mesh/mesh.go: MergeProxyConfig; pilot/pkg/networking/util/proxy_headers.go).
 */
export function proxyHeaderOptions(pod: PodModel, mesh: MeshConfig): ProxyHeaderOptions {
  const annotation = pod.annotations.get('proxy.istio.io/config');
  const parsed = annotation ? parseEmbeddedYaml(annotation) : undefined;
  const own = parsed?.ok ? field(parsed.value, 'proxyHeaders') : undefined;
  const flag = (header: string, key: string) => {
    for (const headers of [own, mesh.defaultProxyHeaders]) {
      const value = isRecord(headers) ? field(field(headers, header), key) : undefined;
      if (typeof value === 'boolean') return value;
    }
    return false;
  };
  return {
    suppressDebugHeaders: flag('envoyDebugHeaders', 'disabled'),
    xForwardedHost: flag('xForwardedHost', 'enabled'),
  };
}

/**
 * The request as the next proxy (or the application) receives it after `route` forwarded it to `clusterName`, and
 * what changed; the request itself is not modified. A path rewrite keeps the path the route matched in
 * x-envoy-original-path (the router inserts it: Istio leaves suppress_envoy_headers off), which the access logs show.
 */
export function forwardedRequest(
  request: SimulatedRequest,
  authority: string,
  route: Route,
  clusterName: string,
  options: ProxyHeaderOptions = { suppressDebugHeaders: false, xForwardedHost: false },
): { request: SimulatedRequest; change: ForwardedChange | undefined } {
  const action = route.action;
  if (action.kind !== 'route') return { request, change: undefined };
  // A weighted destination's own changes (only a rule with several destinations has them: routes.ts requestChanges).
  const weighted = action.clusters.find((c) => c.name === clusterName);
  const headers: Record<string, string> = { ...request.headers };
  const before: Record<string, string> = { ...headers, host: authority };
  applyHeaderOperations(headers, weighted?.requestHeaders);
  if (weighted?.hostRewrite !== undefined) headers['host'] = weighted.hostRewrite;
  applyHeaderOperations(headers, action.requestHeaders);
  if (action.hostRewrite !== undefined) {
    // http/utility.cc: updateAuthority appends the authority it replaces to x-forwarded-host.
    const old = headers['host'] ?? authority;
    if (action.rewrite && options.xForwardedHost)
      headers['x-forwarded-host'] = headers['x-forwarded-host'] ? `${headers['x-forwarded-host']},${old}` : old;
    headers['host'] = action.hostRewrite;
  }
  const path = rewrittenPath(request.path, route);
  if (path !== undefined && !options.suppressDebugHeaders) headers['x-envoy-original-path'] = request.path;
  headers['host'] ??= authority;
  const changed: ForwardedChange = {};
  if (path !== undefined && path !== request.path) changed.path = { from: request.path, to: path };
  if (headers['host'] !== authority) changed.authority = { from: authority, to: headers['host'] };
  const names = new Set([...Object.keys(before), ...Object.keys(headers)]);
  names.delete('host');
  names.delete('x-envoy-original-path');
  const headerChanges = [...names]
    .filter((name) => before[name] !== headers[name])
    .sort()
    .map((name) => ({
      name,
      ...(before[name] !== undefined ? { from: before[name] } : {}),
      ...(headers[name] !== undefined ? { to: headers[name] } : {}),
    }));
  if (headerChanges.length > 0) changed.headers = headerChanges;
  const forwarded = { ...request, path: path ?? request.path, headers };
  return { request: forwarded, change: Object.keys(changed).length > 0 ? changed : undefined };
}
