import { field, isRecord } from '../manifest/parse.ts';
import { HostIndex, isWildcard } from '../model/host.ts';
import type { ObjectSource } from '../model/mesh.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import { listenerProtocolOf } from '../registry/protocol.ts';
import type { Service } from '../registry/registry.ts';
import { UNSPECIFIED_IP } from '../registry/registry.ts';
import type { EgressListener } from '../scope/sidecarScope.ts';
import { resolveGatewayName, type HttpRoute, type VirtualService } from '../scope/virtualServices.ts';
import {
  ALLOW_ANY_DYNAMIC_DNS,
  ALLOW_ANY_DYNAMIC_DNS_CLUSTER,
  allowAnyDynamicDns,
  destinationCluster,
  outboundClusterName,
  serviceAddressForProxy,
  unknownDestinationCluster,
  weightedDestinationClusters,
  type ProxyContext,
} from './context.ts';
import type {
  HeaderOperations,
  Listener,
  Route,
  RouteAction,
  RouteConfiguration,
  RouteMatch,
  StringMatcher,
  VirtualHost,
} from './types.ts';

/** Istio's default retry policy (pilot/pkg/networking/core/route/retry/retry.go: ConvertPolicy). */
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

const isHttpOrSniffed = (service: Service, port: number) => {
  const p = service.ports.find((sp) => sp.port === port);
  return p !== undefined && (listenerProtocolOf(p.protocol) === 'HTTP' || listenerProtocolOf(p.protocol) === 'AUTO');
};

function stringMatcher(value: unknown): StringMatcher | undefined {
  if (!isRecord(value)) return undefined;
  for (const kind of ['exact', 'prefix', 'regex'] as const) {
    const text = value[kind];
    if (typeof text === 'string') {
      // route.go: canBeConvertedToPresentMatch — an empty match or the regex "*" means "present".
      if (kind === 'regex' && text === '*') return { kind: 'present', value: '' };
      return { kind, value: text };
    }
  }
  return { kind: 'present', value: '' };
}

/** A header condition; a null StringMatch is a presence match too (route.go: canBeConvertedToPresentMatch). */
function headerMatcher(value: unknown): StringMatcher | undefined {
  if (value === null) return { kind: 'present', value: '' };
  return stringMatcher(value);
}

/**
 * `@request.auth.claims.a.b` or `@request.auth.claims[a][b]`: the claim path a JWT metadata matcher reads instead of a
 * header (pkg/jwt/routing.go: ToRoutingClaim; route.go: translateMetadataMatch); undefined for any other name.
 */
export function routingClaim(name: string): string[] | undefined {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  if (rest.startsWith('.') && rest.length > 1) return rest.slice(1).split('.');
  if (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2) return rest.slice(1, -1).split('][');
  return undefined;
}

/** An Istio HTTPMatchRequest as Envoy matches it (route.go: TranslateRouteMatch). */
export function translateRouteMatch(match: Readonly<Record<string, unknown>> | undefined): RouteMatch {
  const out: RouteMatch = {
    path: { kind: 'prefix', value: '/', ignoreCase: false },
    headers: [],
    queryParameters: [],
    description: 'any request',
  };
  if (!match) return out;
  const parts: string[] = [];
  const headers = field(match, 'headers');
  if (isRecord(headers)) {
    for (const name of Object.keys(headers).sort()) {
      const matcher = headerMatcher(headers[name]);
      if (!matcher) continue;
      const claims = routingClaim(name);
      out.headers.push({ name: name.toLowerCase(), matcher, ...(claims ? { claims } : {}) });
      parts.push(`header ${name} ${matcher.kind}${matcher.value ? ` ${matcher.value}` : ''}`);
    }
  }
  const without = field(match, 'withoutHeaders');
  if (isRecord(without)) {
    for (const name of Object.keys(without).sort()) {
      const matcher = headerMatcher(without[name]);
      if (!matcher) continue;
      const claims = routingClaim(name);
      // route.go: TranslateRouteMatch — withoutHeaders inverts the match; a value match treats a missing header as
      // empty (so `exact: ""` does not match a request without the header), a presence match cannot. A claim
      // matcher is simply inverted.
      out.headers.push({
        name: name.toLowerCase(),
        matcher: {
          ...matcher,
          invert: true,
          ...(matcher.kind !== 'present' && !claims ? { treatMissingAsEmpty: true } : {}),
        },
        ...(claims ? { claims } : {}),
      });
      parts.push(`no header ${name} ${matcher.kind}${matcher.value ? ` ${matcher.value}` : ''}`);
    }
  }
  out.headers.sort((a, b) => a.name.localeCompare(b.name));
  const ignoreCase = field(match, 'ignoreUriCase') === true;
  const uri = stringMatcher(field(match, 'uri'));
  if (uri && uri.kind !== 'present' && uri.kind !== 'suffix') {
    out.path = {
      kind: uri.kind === 'exact' ? 'exact' : uri.kind === 'regex' ? 'regex' : 'prefix',
      value: uri.value,
      ignoreCase,
    };
    parts.unshift(`path ${uri.kind} ${uri.value}`);
  }
  out.path.ignoreCase = ignoreCase;
  for (const [key, header] of [
    ['method', ':method'],
    ['authority', ':authority'],
    ['scheme', ':scheme'],
  ] as const) {
    const matcher = stringMatcher(field(match, key));
    if (field(match, key) !== undefined && matcher) {
      out.headers.push({ name: header, matcher });
      parts.push(`${key} ${matcher.kind} ${matcher.value}`);
    }
  }
  const query = field(match, 'queryParams');
  if (isRecord(query)) {
    for (const name of Object.keys(query)) {
      const matcher = query[name] === null ? { kind: 'present' as const, value: '' } : stringMatcher(query[name]);
      if (!matcher) continue;
      out.queryParameters.push({ name, matcher });
      parts.push(`query ${name} ${matcher.kind} ${matcher.value}`);
    }
  }
  out.description = parts.length > 0 ? parts.join(', ') : 'any request';
  return out;
}

/** route.go: IsCatchAllRoute — prefix `/` or regex `.*` with no header or query conditions. */
export function isCatchAllMatch(match: RouteMatch): boolean {
  const path =
    (match.path.kind === 'prefix' && match.path.value === '/') ||
    (match.path.kind === 'regex' && match.path.value === '.*');
  return path && match.headers.length === 0 && match.queryParameters.length === 0;
}

/** route.go: sourceMatchHTTP — gateways (must include mesh) replace the sourceLabels/sourceNamespace checks. */
function sourceMatches(
  match: Readonly<Record<string, unknown>>,
  ctx: ProxyContext,
  gatewayNames: ReadonlySet<string>,
  vsNamespace: string,
): boolean {
  const gateways = field(match, 'gateways');
  // Match gateways are normalised like the VS's own (virtualservice.go: ResolveVirtualServiceShortnames).
  if (Array.isArray(gateways) && gateways.length > 0)
    return gateways.some((g) => typeof g === 'string' && gatewayNames.has(resolveGatewayName(g, vsNamespace)));
  const sourceLabels = field(match, 'sourceLabels');
  if (isRecord(sourceLabels) && !labelsMatch(toStringMap(sourceLabels), ctx.pod.labels)) return false;
  const sourceNamespace = field(match, 'sourceNamespace');
  return typeof sourceNamespace !== 'string' || sourceNamespace === '' || sourceNamespace === ctx.pod.namespace;
}

function duration(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function percent(value: unknown): number {
  const v = field(value, 'value');
  return typeof v === 'number' ? v : 100;
}

/**
 * A delay without `percentage` falls back to the deprecated integer `percent`, which is 0 when absent: no request is
 * delayed (pilot/pkg/networking/core/route/route.go: TranslateFault).
 */
function delayPercent(delay: unknown): number {
  if (field(delay, 'percentage') !== undefined) return percent(field(delay, 'percentage'));
  const legacy = field(delay, 'percent');
  return typeof legacy === 'number' ? legacy : 0;
}

/**
 * A header block's request operations (route.go: TranslateHeadersOperations): `set` overwrites, `add` appends, each in
 * key order; `:authority` or `host` (set beats add) becomes the host rewrite; pseudo-headers and `host` are dropped.
 */
function requestHeaderOperations(headers: unknown): {
  ops: HeaderOperations | undefined;
  authority: string | undefined;
} {
  const request = field(headers, 'request');
  if (!isRecord(request)) return { ops: undefined, authority: undefined };
  const internal = (name: string) => name.startsWith(':') || name.toLowerCase() === 'host';
  const authorityOf = (ops: unknown) =>
    isRecord(ops)
      ? Object.entries(ops)
          .filter(([name, value]) => /^(:authority|host)$/i.test(name) && typeof value === 'string')
          .at(-1)?.[1]
      : undefined;
  const entries = (ops: unknown, append: boolean) =>
    isRecord(ops)
      ? Object.keys(ops)
          .sort()
          .flatMap((name) => {
            const value = ops[name];
            return typeof value === 'string' && !internal(name) ? [{ name: name.toLowerCase(), value, append }] : [];
          })
      : [];
  const add = [...entries(field(request, 'set'), false), ...entries(field(request, 'add'), true)];
  const removed = field(request, 'remove');
  const remove = Array.isArray(removed)
    ? removed.filter((n): n is string => typeof n === 'string' && !internal(n)).map((n) => n.toLowerCase())
    : [];
  const authority = authorityOf(field(request, 'set')) ?? authorityOf(field(request, 'add'));
  return {
    ops: add.length > 0 || remove.length > 0 ? { add, remove } : undefined,
    authority: typeof authority === 'string' && authority !== '' ? authority : undefined,
  };
}

interface RequestChanges {
  prefixRewrite: string | undefined;
  regexRewrite: { pattern: string; substitution: string } | undefined;
  hostRewrite: string | undefined;
  requestHeaders: HeaderOperations | undefined;
  perCluster: Array<{ requestHeaders?: HeaderOperations; hostRewrite?: string }>;
}

/**
 * What a route changes in the request it forwards (route.go: TranslateRoute, applyHTTPRouteDestination,
 * processDestination, processWeightedDestination): a regex rewrite wins over a uri rewrite, which is a prefix rewrite
 * (on gateway-semantics routes `/` strips the matched prefix); rewrite.authority beats a header-set authority; a single
 * destination's headers join the route's (its authority only when the route sets none), a weighted one keeps its own.
 */
function requestChanges(
  rule: HttpRoute,
  match: RouteMatch,
  clusters: number,
  gatewaySemantics: boolean,
): RequestChanges {
  const raw = rule.raw;
  const rewrite = field(raw, 'rewrite');
  const regex = field(rewrite, 'uriRegexRewrite');
  const uri = field(rewrite, 'uri');
  let prefixRewrite: string | undefined;
  let regexRewrite: RequestChanges['regexRewrite'];
  if (isRecord(regex)) {
    const pattern = field(regex, 'match');
    const substitution = field(regex, 'rewrite');
    if (typeof pattern === 'string')
      regexRewrite = { pattern, substitution: typeof substitution === 'string' ? substitution : '' };
  } else if (typeof uri === 'string' && uri !== '') {
    if (gatewaySemantics && uri === '/') {
      const prefix = (match.path.separatedPrefix ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      regexRewrite = { pattern: `^${prefix}(/?)(.*)`, substitution: '/\\2' };
    } else prefixRewrite = uri;
  }
  const routeHeaders = requestHeaderOperations(field(raw, 'headers'));
  const authority = field(rewrite, 'authority');
  let hostRewrite = typeof authority === 'string' && authority !== '' ? authority : routeHeaders.authority;
  let requestHeaders = routeHeaders.ops;
  const rawRoutes = Array.isArray(field(raw, 'route')) ? (field(raw, 'route') as unknown[]) : [];
  // The destinations behind the clusters, in order: the only one, or those with a weight (weightedDestinationClusters).
  const destinations = rule.route.length === 1 ? rule.route : rule.route.filter((d) => (d.weight ?? 0) > 0);
  const perCluster: RequestChanges['perCluster'] = [];
  for (const [i, destination] of destinations.entries()) {
    if (i >= clusters) break;
    const own = requestHeaderOperations(field(rawRoutes[destination.index], 'headers'));
    if (rule.route.length === 1) {
      if (own.ops)
        requestHeaders = {
          add: [...(requestHeaders?.add ?? []), ...own.ops.add],
          remove: [...(requestHeaders?.remove ?? []), ...own.ops.remove],
        };
      hostRewrite ??= own.authority;
      perCluster.push({});
    } else
      perCluster.push({
        ...(own.ops ? { requestHeaders: own.ops } : {}),
        ...(own.authority ? { hostRewrite: own.authority } : {}),
      });
  }
  return { prefixRewrite, regexRewrite, hostRewrite, requestHeaders, perCluster };
}

/**
 * The action of one http rule (route.go: ApplyRedirect, ApplyDirectResponse, applyHTTPRouteDestination,
 * TranslateFault).
 */
function translateAction(
  rule: HttpRoute,
  match: RouteMatch,
  listenPort: number,
  lookup: (host: string) => Service | undefined,
  tls: boolean,
  gatewaySemantics: boolean,
): RouteAction {
  const raw = rule.raw;
  const redirect = field(raw, 'redirect');
  if (isRecord(redirect)) {
    const code = field(redirect, 'redirectCode');
    const status = typeof code === 'number' ? code : 301;
    if (![301, 302, 303, 307, 308].includes(status)) return { kind: 'none' };
    const derive = field(redirect, 'derivePort') === 'FROM_REQUEST_PORT';
    const port = field(redirect, 'port');
    const out: RouteAction = { kind: 'redirect', status };
    const scheme = field(redirect, 'scheme');
    const authority = field(redirect, 'authority');
    const uri = field(redirect, 'uri');
    const prefixRewrite = field(redirect, 'prefixRewrite');
    if (typeof scheme === 'string' && scheme !== '') out.scheme = scheme;
    if (typeof authority === 'string' && authority !== '') out.host = authority;
    // route.go: ApplyRedirect — a prefix rewrite, else the uri as the new path.
    if (typeof prefixRewrite === 'string' && prefixRewrite !== '') out.prefix = prefixRewrite;
    else if (typeof uri === 'string' && uri !== '') out.path = uri;
    if (typeof port === 'number') out.port = port;
    else if (derive) out.port = listenPort;
    // No explicit :80 for http nor :443 for https (the request's scheme unless the redirect says otherwise: https on a
    // gateway server that terminates TLS, route.go: ApplyRedirect isTLS).
    const redirectScheme = out.scheme ?? (tls ? 'https' : 'http');
    if ((out.port === 80 && redirectScheme === 'http') || (out.port === 443 && redirectScheme === 'https'))
      delete out.port;
    return out;
  }
  const direct = field(raw, 'directResponse');
  if (isRecord(direct)) {
    const status = field(direct, 'status');
    const body = field(field(direct, 'body'), 'string');
    return {
      kind: 'directResponse',
      status: typeof status === 'number' ? status : 200,
      ...(typeof body === 'string' ? { body } : {}),
    };
  }
  const clusters = weightedDestinationClusters(rule.route, lookup, listenPort);
  const retries = field(raw, 'retries');
  const attempts = field(retries, 'attempts');
  const fault = field(raw, 'fault');
  const abort = field(fault, 'abort');
  const delay = field(fault, 'delay');
  const grpcStatus = field(abort, 'grpcStatus');
  // A gRPC abort is answered with HTTP 200 and the grpc-status (route.go: TranslateFault; Envoy's fault filter).
  const abortStatus =
    typeof field(abort, 'httpStatus') === 'number'
      ? field(abort, 'httpStatus')
      : typeof grpcStatus === 'string' && grpcStatus !== ''
        ? 200
        : undefined;
  const fixedDelay = field(delay, 'fixedDelay');
  const changes = requestChanges(rule, match, clusters.length, gatewaySemantics);
  return {
    kind: 'route',
    clusters: clusters.map((c, i) => ({ ...c, ...changes.perCluster[i] })),
    timeout: duration(field(raw, 'timeout')),
    retries:
      attempts === 0
        ? undefined
        : {
            attempts: typeof attempts === 'number' ? attempts : 2,
            retryOn:
              typeof field(retries, 'retryOn') === 'string' ? String(field(retries, 'retryOn')) : DEFAULT_RETRY_ON,
          },
    prefixRewrite: changes.prefixRewrite,
    hostRewrite: changes.hostRewrite,
    ...(changes.regexRewrite ? { regexRewrite: changes.regexRewrite } : {}),
    ...(changes.requestHeaders ? { requestHeaders: changes.requestHeaders } : {}),
    // route.go: applyHTTPRouteDestination sets append_x_forwarded_host only inside `if in.Rewrite != nil`.
    ...(isRecord(field(raw, 'rewrite')) ? { rewrite: true as const } : {}),
    mirrors: rule.mirrors.map((m) => m.host),
    // Mirror clusters are named like destinations (route.go: TranslateRequestMirrorPolicy, GetDestinationCluster).
    mirrorClusters: rule.mirrors.map((m) => destinationCluster(m, lookup(m.host), listenPort).name),
    fault:
      abort !== undefined || delay !== undefined
        ? {
            ...(typeof abortStatus === 'number'
              ? { abort: { status: abortStatus, percent: percent(field(abort, 'percentage')) } }
              : {}),
            ...(typeof fixedDelay === 'string' ? { delay: { fixedDelay, percent: delayPercent(delay) } } : {}),
          }
        : undefined,
    // route.go: applyHTTPRouteDestination — a Gateway API route answers 500 for a backend with no cluster.
    ...(gatewaySemantics ? { clusterNotFoundStatus: 500 } : {}),
  };
}

/**
 * route.go: BuildHTTPRoutesForVirtualService — one route per match; static conditions decided here; stop at a
 * catch-all.
 */
export function buildRoutesForVirtualService(
  vs: VirtualService,
  listenPort: number,
  ctx: ProxyContext,
  gatewayNames: ReadonlySet<string>,
  lookup: (host: string) => Service | undefined,
  tls = false,
): Route[] {
  const out: Route[] = [];
  for (const rule of vs.http) {
    const matches: Array<Readonly<Record<string, unknown>> | undefined> =
      rule.match.length > 0 ? rule.match : [undefined];
    let catchAll = rule.match.length === 0;
    for (const [matchIndex, match] of matches.entries()) {
      if (match) {
        const port = field(match, 'port');
        if (typeof port === 'number' && port !== listenPort) continue;
        if (!sourceMatches(match, ctx, gatewayNames, vs.namespace)) continue;
      }
      const matchName = match ? field(match, 'name') : undefined;
      const name =
        typeof matchName === 'string' && matchName !== '' ? `${rule.name ?? ''}.${matchName}` : (rule.name ?? '');
      const translated = segmentedPrefix(translateRouteMatch(match), vs);
      out.push({
        name,
        match: translated,
        action: translateAction(
          rule,
          translated,
          listenPort,
          lookup,
          tls,
          vs.config.annotations.get('internal.istio.io/route-semantics') === 'gateway',
        ),
        virtualService: {
          namespace: vs.namespace,
          name: vs.name,
          httpIndex: rule.index,
          matchIndex: match ? matchIndex : undefined,
        },
        sources: [vs.config.routeSources?.[rule.index] ?? vs.config.source],
      });
      if (isCatchAllMatch(translated)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) break;
  }
  return out;
}

/**
 * A route that sends every request to one cluster, with no timeout and no retries: the `allow_any` route and the
 * inbound `default` route (httproute.go: buildSidecarInboundHTTPRouteConfig, BuildAllowAnyHTTPRoute).
 */
export function singleClusterRoute(
  name: string,
  cluster: { name: string; host: string; port: number },
  sources: ObjectSource[],
): Route {
  return {
    name,
    match: translateRouteMatch(undefined),
    action: {
      kind: 'route',
      clusters: [{ ...cluster, weight: 100, subset: undefined }],
      timeout: '0s',
      retries: undefined,
      prefixRewrite: undefined,
      hostRewrite: undefined,
      mirrors: [],
      mirrorClusters: [],
      fault: undefined,
    },
    virtualService: undefined,
    sources,
  };
}

/** Istio's default route for a service without a VirtualService (route.go: BuildDefaultHTTPOutboundRoute). */
function defaultRoute(service: Service, port: number): Route {
  return {
    name: 'default',
    match: translateRouteMatch(undefined),
    action: {
      kind: 'route',
      clusters: [
        {
          name: outboundClusterName(port, undefined, service.hostname),
          weight: 100,
          host: service.hostname,
          subset: undefined,
          port,
        },
      ],
      timeout: undefined,
      retries: { attempts: 2, retryOn: DEFAULT_RETRY_ON },
      prefixRewrite: undefined,
      hostRewrite: undefined,
      mirrors: [],
      mirrorClusters: [],
      fault: undefined,
    },
    virtualService: undefined,
    sources: [service.source],
  };
}

/**
 * Domains of a service's virtual host for a sidecar client (httproute.go: generateVirtualHostDomains,
 * GenerateAltVirtualHosts): FQDN, FQDN., short forms for Kubernetes services, wildcards for headless, then the VIPs.
 */
export function virtualHostDomains(service: Service, ctx: ProxyContext): { domains: string[]; altHosts: string[] } {
  const domains: string[] = [];
  const altHosts: string[] = [];
  for (const name of [service.hostname, ...service.aliases]) {
    const alt = [`${name}.`];
    if (name.endsWith(`svc.${ctx.clusterDomain}`)) {
      const ih = name.indexOf('.svc.');
      const ns = name.indexOf('.');
      if (ih > 0 && ns + 1 <= ih) {
        const serviceNamespace = name.slice(ns + 1, ih);
        if (serviceNamespace === ctx.pod.namespace)
          alt.push(name.slice(0, ns), `${name.slice(0, ih)}.svc`, name.slice(0, ih));
        else alt.push(name.slice(0, ih), `${name.slice(0, ih)}.svc`);
      }
    }
    domains.push(name, ...alt);
    altHosts.push(...alt);
  }
  if (service.resolution === 'Passthrough' && service.registry === 'Kubernetes')
    domains.push(...domains.map((d) => `*.${d}`));
  const addresses = service.clusterIPs.length > 0 ? service.clusterIPs : [serviceAddressForProxy(service, ctx.pod)];
  // httproute.go: appendDomainPort — an IPv6 address is written in brackets, as it appears in a Host header.
  for (const address of addresses)
    if (address && address !== UNSPECIFIED_IP) domains.push(address.includes(':') ? `[${address}]` : address);
  return { domains, altHosts };
}

interface VirtualHostWrapper {
  port: number;
  services: Service[];
  virtualServiceHosts: string[];
  routes: Route[];
}

/** The VS hosts that are not services, and the services the VS binds (route.go: separateVSHostsAndServices). */
function separateHostsAndServices(
  vs: VirtualService,
  servicesByName: Map<string, Service>,
  serviceNames: HostIndex<Service>,
  mostSpecific: Map<string, VirtualService>,
): { hosts: string[]; services: Service[] } {
  const hosts: string[] = [];
  const services: Service[] = [];
  for (const host of vs.hosts.filter((h) => !isWildcard(h))) {
    const service = servicesByName.get(host.toLowerCase());
    if (service) services.push(service);
    else hosts.push(host);
  }
  for (const host of vs.hosts.filter(isWildcard)) {
    const matched = serviceNames.matches(host);
    for (const { host: name, item: service } of matched) if (mostSpecific.get(name) === vs) services.push(service);
    if (matched.length === 0) hosts.push(host.toLowerCase());
  }
  return { hosts, services };
}

/**
 * For each service, the VS whose host names it most specifically (sidecar.go: computeWildcardHostVirtualServiceIndex).
 */
function mostSpecificVirtualServices(
  virtualServices: readonly VirtualService[],
  services: readonly Service[],
): Map<string, VirtualService> {
  const byHost = new HostIndex<VirtualService>();
  for (const vs of virtualServices) for (const host of vs.hosts) byHost.add(host, vs);
  const index = new Map<string, { vs: VirtualService; host: string }>();
  for (const service of services) {
    for (const { host, item: vs } of byHost.matches(service.hostname)) {
      const current = index.get(service.hostname);
      const better =
        !current ||
        (isWildcard(current.host) && !isWildcard(host)) ||
        (isWildcard(current.host) && isWildcard(host) && host.length > current.host.length);
      if (better) index.set(service.hostname, { vs, host });
    }
  }
  return new Map([...index].map(([name, { vs }]) => [name, vs]));
}

/**
 * The egress listener a route configuration comes from: the one on the port, else the catch-all (sidecar.go:
 * GetEgressListenerForRDS).
 */
function egressListenerForRds(ctx: ProxyContext, port: number): EgressListener | undefined {
  return (
    ctx.scope.egressListeners.find((e) => e.port?.number === port) ??
    ctx.scope.egressListeners.find((e) => e.port === undefined)
  );
}

/** httproute.go: BuildSidecarOutboundVirtualHosts for route configuration "<port>". */
function buildVirtualHosts(ctx: ProxyContext, listenPort: number): VirtualHost[] {
  const egress = egressListenerForRds(ctx, listenPort);
  if (!egress) return [];
  const servicesByName = new Map<string, Service>();
  for (const service of egress.services) {
    const port = service.ports.find((p) => p.port === listenPort);
    if (port) servicesByName.set(service.hostname.toLowerCase(), { ...service, ports: [port] });
  }
  const serviceNames = new HostIndex<Service>();
  for (const [name, service] of servicesByName) serviceNames.add(name, service);
  const lookup = (host: string) => servicesByName.get(host) ?? ctx.scope.servicesByHostname.get(host);
  // For ports other than 80 a VS is used only when one of its hosts is a service with this port (httproute.go:
  // selectVirtualServices).
  const virtualServices =
    listenPort === 80
      ? egress.virtualServices
      : egress.virtualServices.filter((vs) => vs.hosts.some((h) => serviceNames.hasMatch(h.toLowerCase())));
  const mostSpecific = mostSpecificVirtualServices(virtualServices, [...servicesByName.values()]);
  const wrappers: VirtualHostWrapper[] = [];
  const covered = new Set<string>();
  for (const vs of virtualServices) {
    const routes = buildRoutesForVirtualService(vs, listenPort, ctx, new Set(['mesh']), lookup);
    if (routes.length === 0) continue; // a VS with no routes for this client is ignored entirely
    const { hosts, services } = separateHostsAndServices(vs, servicesByName, serviceNames, mostSpecific);
    const httpServices = services.filter((s) => isHttpOrSniffed(s, listenPort));
    if (httpServices.length === 0 && listenPort !== 80) continue;
    wrappers.push({ port: listenPort, services: httpServices, virtualServiceHosts: hosts, routes });
    for (const service of services) covered.add(service.hostname);
  }
  for (const service of servicesByName.values()) {
    if (covered.has(service.hostname) || service.resolution === 'Alias' || !isHttpOrSniffed(service, listenPort))
      continue;
    wrappers.push({
      port: listenPort,
      services: [service],
      virtualServiceHosts: [],
      routes: [defaultRoute(service, listenPort)],
    });
  }

  const knownFqdn = new Set<string>();
  for (const wrapper of wrappers) for (const service of wrapper.services) knownFqdn.add(service.hostname);
  const names = new Set<string>();
  const taken = new Set<string>();
  const out: VirtualHost[] = [];
  const build = (hostname: string, wrapper: VirtualHostWrapper, service: Service | undefined): void => {
    const name = `${hostname}:${wrapper.port}`;
    if (names.has(name)) return; // the first VirtualService (or service) to claim a host keeps it
    names.add(name);
    const { domains, altHosts } = service ? virtualHostDomains(service, ctx) : { domains: [hostname], altHosts: [] };
    // httproute.go: dedupeDomains — a domain already taken, or an alternate name that is another service's FQDN, is
    // dropped.
    const kept = domains.filter((d) => {
      if (taken.has(d.toLowerCase())) return false;
      if (altHosts.includes(d) && knownFqdn.has(d)) return false;
      taken.add(d.toLowerCase());
      return true;
    });
    if (kept.length === 0) return;
    const sources = [
      ...new Map(
        [...wrapper.routes.flatMap((r) => r.sources), ...(service ? [service.source] : [])].map((s) => [
          `${s.kind}/${s.namespace}/${s.name}`,
          s,
        ]),
      ).values(),
    ];
    out.push({ name, domains: kept, routes: wrapper.routes, sources });
  };
  for (const wrapper of wrappers) {
    for (const host of wrapper.virtualServiceHosts) build(host.toLowerCase(), wrapper, undefined);
    for (const service of wrapper.services) build(service.hostname, wrapper, service);
  }
  return out;
}

/** The catch-all virtual host every sidecar route configuration ends with (httproute.go: buildCatchAllVirtualHost). */
function catchAllVirtualHost(ctx: ProxyContext): VirtualHost {
  const sources = ctx.scope.outboundTrafficPolicySource ? [ctx.scope.outboundTrafficPolicySource] : [];
  if (allowAnyDynamicDns(ctx))
    return {
      name: ALLOW_ANY_DYNAMIC_DNS,
      domains: ['*'],
      routes: [
        singleClusterRoute(ALLOW_ANY_DYNAMIC_DNS, { name: ALLOW_ANY_DYNAMIC_DNS_CLUSTER, host: '', port: 0 }, sources),
      ],
      sources,
    };
  if (ctx.scope.outboundTrafficPolicy === 'REGISTRY_ONLY') {
    return {
      name: 'block_all',
      domains: ['*'],
      routes: [
        {
          name: 'block_all',
          match: translateRouteMatch(undefined),
          action: { kind: 'directResponse', status: 502 },
          virtualService: undefined,
          sources,
        },
      ],
      sources,
    };
  }
  return {
    name: 'allow_any',
    domains: ['*'],
    routes: [singleClusterRoute('allow_any', { name: unknownDestinationCluster(ctx), host: '', port: 0 }, sources)],
    sources,
  };
}

/**
 * The route configurations a sidecar's outbound listeners refer to (httproute.go: buildSidecarOutboundHTTPRouteConfig).
 */
export function buildOutboundRouteConfigurations(
  ctx: ProxyContext,
  listeners: readonly Listener[],
): RouteConfiguration[] {
  const names = new Set<string>();
  for (const listener of listeners) {
    for (const chain of [
      ...listener.filterChains,
      ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : []),
    ]) {
      if (chain.action.kind === 'http') names.add(chain.action.routeConfigName);
    }
  }
  // The virtual hosts of a port, built once for the port's route configuration and every sniffed VIP on it.
  const byPort = new Map<
    number,
    { virtualHosts: VirtualHost[]; byDomain: Map<string, number>; byName: Map<string, number> }
  >();
  const virtualHostsOn = (port: number) => {
    let built = byPort.get(port);
    if (!built) {
      const virtualHosts = buildVirtualHosts(ctx, port);
      const byDomain = new Map<string, number>();
      const byName = new Map<string, number>();
      virtualHosts.forEach((vhost, position) => {
        for (const domain of vhost.domains) if (!byDomain.has(domain)) byDomain.set(domain, position);
        if (!byName.has(vhost.name)) byName.set(vhost.name, position);
      });
      built = { virtualHosts, byDomain, byName };
      byPort.set(port, built);
    }
    return built;
  };
  const out: RouteConfiguration[] = [];
  for (const name of [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) {
    const colon = name.lastIndexOf(':');
    if (colon > 0) {
      // A sniffed service on its own VIP: only its virtual host, for any Host, and no catch-all.
      const host = name.slice(0, colon);
      const port = Number(name.slice(colon + 1));
      const { virtualHosts, byDomain, byName } = virtualHostsOn(port);
      // The first virtual host that has the host as a domain or is named after it.
      const position = Math.min(byDomain.get(host) ?? Infinity, byName.get(`${host}:${port}`) ?? Infinity);
      const vhost = virtualHosts[position];
      out.push({ name, virtualHosts: vhost ? [{ ...vhost, domains: ['*'] }] : [] });
    } else {
      const port = Number(name);
      out.push({ name, virtualHosts: [...virtualHostsOn(port).virtualHosts, catchAllVirtualHost(ctx)] });
    }
  }
  // The inline route configuration of virtualOutbound's dynamic forward proxy chain.
  if (allowAnyDynamicDns(ctx)) out.push({ name: ALLOW_ANY_DYNAMIC_DNS, virtualHosts: [catchAllVirtualHost(ctx)] });
  return out;
}

/**
 * With Ingress or Gateway semantics a prefix other than `/` matches whole path segments: Envoy's
 * path_separated_prefix, the prefix without its trailing `/`, here as the equivalent regex (route.go:
 * TranslateRouteMatch).
 */
function segmentedPrefix(match: RouteMatch, vs: VirtualService): RouteMatch {
  const semantics = vs.config.annotations.get('internal.istio.io/route-semantics');
  if ((semantics !== 'ingress' && semantics !== 'gateway') || match.path.kind !== 'prefix' || match.path.value === '/')
    return match;
  const separatedPrefix = match.path.value.replace(/\/$/, '');
  const prefix = separatedPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { ...match, path: { ...match.path, kind: 'regex', value: `${prefix}(/.*)?`, separatedPrefix } };
}
