import { hostSubsetOf } from '../model/host.ts';
import { cidrMatch } from '../model/ip.ts';
import type { FilterChain, Listener, Route, RouteConfiguration, StringMatcher, VirtualHost } from '../xds/types.ts';
import type { RouteAction, RouteMatch } from '../xds/types.ts';

/** What Envoy knows about a connection when it picks a listener and filter chain. */
export interface ConnectionFacts {
  address: string;
  port: number;
  /** SNI, for TLS. */
  sni: string | undefined;
  transport: 'plaintext' | 'tls' | 'mtls';
  /** ALPN as the TLS inspector (TLS) or HTTP inspector (plaintext HTTP) would report it. */
  alpn: string | undefined;
}

/**
 * Envoy hands a redirected connection to the listener for IP:port, else 0.0.0.0:port, else keeps it on
 * virtualOutbound (simulation/traffic.go: matchListener).
 */
export function matchListener(listeners: readonly Listener[], address: string, port: number): Listener | undefined {
  // Every listener counts, virtualInbound (0.0.0.0:15006) too: a connection the app addresses to 15006 lands on its
  // loop-guard chain and BlackHoleCluster (sidecar_simulation_test.go: TestLoop).
  return (
    listeners.find((l) => l.address === address && l.port === port) ??
    listeners.find((l) => l.address === '0.0.0.0' && l.port === port) ??
    listeners.find((l) => l.kind === 'virtualOutbound')
  );
}

/** One more than the prefix length of the most specific CIDR containing the address (so a /0 counts), 0 if none. */
function cidrRank(ranges: readonly string[], address: string): number {
  return Math.max(0, ...ranges.map((range) => (cidrMatch(range, address) ?? -1) + 1));
}

function filterRank(
  chains: FilterChain[],
  isSet: (c: FilterChain) => boolean,
  rank: (c: FilterChain) => number,
): FilterChain[] {
  if (!chains.some(isSet)) return chains;
  let best = 0;
  const ranked = chains.map((c) => ({ c, r: isSet(c) ? rank(c) : 0 }));
  for (const { r } of ranked) best = Math.max(best, r);
  if (best > 0) return ranked.filter(({ r }) => r === best).map(({ c }) => c);
  return chains.filter((c) => !isSet(c));
}

/**
 * Whether a listener inspects TLS (some chain needs SNI or a TLS transport) and HTTP (some chain needs an ALPN) on a
 * port. The inspectors are enabled per destination port: a port with chains of its own follows those chains, any other
 * port the chains without a port (pilot/pkg/networking/core/listener_inbound.go: populateListenerFilters).
 */
function listenerInspectors(listener: Listener, port: number): { tls: boolean; http: boolean } {
  const forPort = listener.filterChains.filter((c) => c.match.destinationPort === port);
  const chains =
    forPort.length > 0 ? forPort : listener.filterChains.filter((c) => c.match.destinationPort === undefined);
  return {
    tls: chains.some((c) => (c.match.serverNames?.length ?? 0) > 0 || c.match.transportProtocol === 'tls'),
    http: chains.some((c) => (c.match.applicationProtocols?.length ?? 0) > 0),
  };
}

/**
 * Envoy's filter chain selection: destination port, prefix ranges (longest), server names (exact beats the longest
 * wildcard), transport protocol, application protocols; at each step chains that leave the field unset are kept only
 * when none of the others matched (simulation/traffic.go: matchFilterChain, filterRank).
 */
export function matchFilterChain(listener: Listener, facts: ConnectionFacts): FilterChain | undefined {
  const inspectors = listenerInspectors(listener, facts.port);
  let chains = [...listener.filterChains];
  chains = filterRank(
    chains,
    (c) => c.match.destinationPort !== undefined,
    (c) => (c.match.destinationPort === facts.port ? 1 : 0),
  );
  chains = filterRank(
    chains,
    (c) => (c.match.prefixRanges?.length ?? 0) > 0,
    (c) => cidrRank(c.match.prefixRanges ?? [], facts.address),
  );
  chains = filterRank(
    chains,
    (c) => (c.match.serverNames?.length ?? 0) > 0,
    (c) => {
      let best = 0;
      for (const name of c.match.serverNames ?? []) {
        if (facts.sni === undefined || !inspectors.tls || facts.transport === 'plaintext') continue;
        if (facts.sni === name) best = Number.MAX_SAFE_INTEGER;
        else if (hostSubsetOf(facts.sni, name)) best = Math.max(best, name.length);
      }
      return best;
    },
  );
  const transport = !inspectors.tls ? 'raw_buffer' : facts.transport === 'plaintext' ? 'raw_buffer' : 'tls';
  chains = filterRank(
    chains,
    (c) => c.match.transportProtocol !== undefined,
    (c) => (c.match.transportProtocol === transport ? 1 : 0),
  );
  const alpn =
    facts.transport === 'plaintext'
      ? inspectors.http
        ? facts.alpn
        : undefined
      : inspectors.tls
        ? facts.alpn
        : undefined;
  chains = filterRank(
    chains,
    (c) => (c.match.applicationProtocols?.length ?? 0) > 0,
    (c) => (alpn !== undefined && (c.match.applicationProtocols ?? []).includes(alpn) ? 1 : 0),
  );
  return chains.length === 0 ? listener.defaultFilterChain : chains[0];
}

export interface VirtualHostMatch {
  vhost: VirtualHost;
  domain: string;
  by: 'exactDomain' | 'suffixDomain' | 'prefixDomain' | 'catchAll';
}

/**
 * Envoy's virtual host selection, port stripped: exact, longest `*.suffix`, longest `prefix.*`, then `*`
 * (simulation/traffic.go: matchVirtualHost). Returns the domain that matched and how, too.
 */
export function matchVirtualHost(config: RouteConfiguration, hostHeader: string): VirtualHostMatch | undefined {
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase();
  const exact = config.virtualHosts.find((v) => v.domains.includes(host));
  if (exact) return { vhost: exact, domain: host, by: 'exactDomain' };
  const longestMatch = (by: VirtualHostMatch['by'], matches: (domain: string) => boolean) => {
    let best: VirtualHostMatch | undefined;
    for (const vhost of config.virtualHosts) {
      for (const domain of vhost.domains) {
        if (
          domain.length > 1 &&
          host.length >= domain.length &&
          matches(domain) &&
          domain.length > (best?.domain.length ?? 0)
        )
          best = { vhost, domain, by };
      }
    }
    return best;
  };
  const any = config.virtualHosts.find((v) => v.domains.includes('*'));
  return (
    longestMatch('suffixDomain', (d) => d.startsWith('*') && host.endsWith(d.slice(1))) ??
    longestMatch('prefixDomain', (d) => d.endsWith('*') && host.startsWith(d.slice(0, -1))) ??
    (any ? { vhost: any, domain: '*', by: 'catchAll' } : undefined)
  );
}

/**
 * Envoy's header and query matchers: a missing value fails a string match whether inverted or not, unless it is treated
 * as empty; a presence match is simply inverted (envoy source/common/http/header_utility.cc: matchHeaders).
 */
function matchString(matcher: StringMatcher, given: string | undefined): boolean {
  let result: boolean;
  const value = given === undefined && matcher.treatMissingAsEmpty ? '' : given;
  if (matcher.kind === 'present') result = value !== undefined;
  else if (value === undefined) return false;
  else {
    const left = matcher.ignoreCase ? value.toLowerCase() : value;
    const right = matcher.ignoreCase ? matcher.value.toLowerCase() : matcher.value;
    switch (matcher.kind) {
      case 'exact':
        result = left === right;
        break;
      case 'prefix':
        result = left.startsWith(right);
        break;
      case 'suffix':
        result = left.endsWith(right);
        break;
      case 'regex':
        result = fullRegexMatch(matcher.value, value);
        break;
    }
  }
  return matcher.invert ? !result : result;
}

function fullRegexMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

export interface HttpFacts {
  path: string;
  /** Request headers by lower-case name, including :method, :authority and :scheme. */
  headers: Map<string, string>;
  /** The payload of the JWT this proxy's JWT filter accepted, if any. */
  jwtClaims?: Record<string, unknown>;
}

/**
 * A JWT claim matcher: a string claim, or any string of a list claim, must match; no token or no such claim fails
 * (an inverted matcher then holds) (pilot/pkg/security/authz/model/util.go: MetadataMatcherForJWTClaims).
 */
function claimMatches(matcher: StringMatcher, path: string[], claims: Record<string, unknown> | undefined): boolean {
  let value: unknown = claims;
  for (const name of path)
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  const values =
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === 'string')
        : [];
  const plain = { ...matcher, invert: false };
  const result = values.some((v) => matchString(plain, v));
  return matcher.invert ? !result : result;
}

/** Whether one route's path, headers and query parameters all match the request. */
export function routeMatches(route: Route, request: HttpFacts): boolean {
  const queryAt = request.path.indexOf('?');
  const pathOnly = queryAt >= 0 ? request.path.slice(0, queryAt) : request.path;
  const path = route.match.path;
  const left = path.ignoreCase ? pathOnly.toLowerCase() : pathOnly;
  const right = path.ignoreCase ? path.value.toLowerCase() : path.value;
  const pathOk =
    path.kind === 'prefix'
      ? left.startsWith(right)
      : path.kind === 'exact'
        ? left === right
        : fullRegexMatch(path.value, pathOnly);
  if (!pathOk) return false;
  for (const header of route.match.headers) {
    const ok = header.claims
      ? claimMatches(header.matcher, header.claims, request.jwtClaims)
      : matchString(header.matcher, request.headers.get(header.name));
    if (!ok) return false;
  }
  if (route.match.queryParameters.length === 0) return true;
  const params = queryParameters(queryAt >= 0 ? request.path.slice(queryAt + 1) : '');
  for (const param of route.match.queryParameters)
    if (!matchString(param.matcher, params.get(param.name))) return false;
  return true;
}

/** `a=1&b=x%3Dy&c=k=v` → a: 1, b: x=y, c: k=v. A malformed escape is kept as written, never an error. */
function queryParameters(query: string): Map<string, string> {
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  const params = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decode(eq >= 0 ? part.slice(0, eq) : part);
    // Envoy matches a repeated parameter by its first value.
    if (!params.has(name)) params.set(name, decode(eq >= 0 ? part.slice(eq + 1) : ''));
  }
  return params;
}

/** The first route whose match succeeds (simulation/traffic.go: matchRoute). */
export function matchRoute(vhost: VirtualHost, request: HttpFacts): Route | undefined {
  return vhost.routes.find((route) => routeMatches(route, request));
}

/**
 * The Location of an Envoy redirect (envoy source/common/router/config_impl.cc: RouteEntryImplBase::newUri): the
 * scheme, else the request's (plaintext here); the host, else the Host header, whose port a port redirect replaces;
 * the path, or the matched prefix swapped; the query kept.
 */
export function redirectLocation(
  action: Extract<RouteAction, { kind: 'redirect' }>,
  match: RouteMatch,
  hostHeader: string,
  requestPath: string,
  requestScheme: 'http' | 'https' = 'http',
): string {
  // Envoy keeps the request's scheme unless the redirect sets one.
  const scheme = action.scheme ?? requestScheme;
  let host = action.host ?? hostHeader;
  if (action.port !== undefined) host = `${host.replace(/:\d+$/, '')}:${action.port}`;
  const queryAt = requestPath.indexOf('?');
  const path = queryAt >= 0 ? requestPath.slice(0, queryAt) : requestPath;
  const query = queryAt >= 0 ? requestPath.slice(queryAt) : '';
  let newPath = path;
  if (action.path !== undefined) newPath = action.path;
  else if (action.prefix !== undefined) {
    // A path_separated_prefix (Gateway API PathPrefix) is replaced like a prefix (conversion.go: createRedirectFilter).
    const matched = match.path.separatedPrefix ?? (match.path.kind === 'prefix' ? match.path.value : undefined);
    newPath =
      matched !== undefined && path.startsWith(matched)
        ? `${action.prefix}${path.slice(matched.length)}`
        : action.prefix;
  }
  const keepQuery = query !== '' && !newPath.includes('?');
  return `${scheme}://${host}${newPath}${keepQuery ? query : ''}`;
}
