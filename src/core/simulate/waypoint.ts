/**
 * Inside a waypoint: the HBONE tunnel ends on connect_terminate, main_internal picks the filter chain by the
 * destination's address and port, the L7 AuthorizationPolicies attached with targetRefs run, then the route (HTTPRoute
 * or VirtualService), the cluster and the endpoint (pilot/pkg/networking/core/listener_waypoint.go). Decisions only.
 */
import type { WaypointModel } from '../ambient/types.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import type { Service } from '../registry/registry.ts';
import { attachesToWaypoint, authorizeAtWaypoint, hcmPath, trustedClientAddress } from '../security/authorization.ts';
import { authenticateWith, type JwtIdentity } from '../security/requestAuthentication.ts';
import type { ProxyContext } from '../xds/context.ts';
import type { ProxyConfig, Route } from '../xds/types.ts';
import { ENCAP, MAIN_INTERNAL } from '../xds/waypoint.ts';
import { matchFilterChain, matchRoute, matchVirtualHost, redirectLocation, type ConnectionFacts } from './envoy.ts';
import type {
  AssumptionFact,
  EndFact,
  ForwardedChange,
  Outcome,
  SimulatedRequest,
  StepFact,
  TraceHop,
} from './facts.ts';
import type { HopLog } from './accessLog.ts';
import { requestHeaders } from './request.ts';

/** What the waypoint walk needs from the tracer. */
export interface WaypointWalker {
  readonly model: MeshModel;
  readonly request: SimulatedRequest;
  readonly hops: TraceHop[];
  readonly isHttp: boolean;
  stepAt(fact: StepFact, proxy: string | undefined, sources: ObjectSource[]): void;
  proxyConfig(pod: PodModel): { config: ProxyConfig; ctx: ProxyContext };
  assume(fact: AssumptionFact): void;
  hostHeader(): string;
  /** Access logs (simulate/accessLog.ts): the connection arriving, and where each hop's line is kept. */
  wire: { remote: string; xff: string | undefined; protocol: string };
  record(hop: TraceHop, log: HopLog): void;
  requestFields(
    protocol: string,
  ): Pick<HopLog, 'method' | 'path' | 'protocol' | 'authority' | 'userAgent' | 'requestId'>;
  ephemeral(ip: string): string;
  /** Applies the matched route's request changes to the request later hops see (requestChanges.ts). */
  forwardThrough(
    pod: PodModel,
    route: Route,
    clusterName: string,
    hop: TraceHop,
    routeFact: { forwarded?: ForwardedChange },
  ): void;
  changedRequest(): { method: string; path: string; authority: string } | undefined;
}

/** How the waypoint ended the request, or the endpoint it forwards to (over HBONE, by the caller). */
export type WaypointResult =
  | { kind: 'end'; outcome: Outcome; status: number | null; flags: string; end: EndFact; sources: ObjectSource[] }
  | {
      kind: 'forward';
      address: string;
      port: number;
      host: string | undefined;
      /** The waypoint originates TLS (a DestinationRule's SIMPLE or MUTUAL). */
      tls?: 'SIMPLE' | 'MUTUAL';
    };

const ALPN: Record<string, string> = { http: 'http/1.1', http2: 'h2c', grpc: 'h2c' };

function end(
  outcome: Outcome,
  status: number | null,
  flags: string,
  fact: EndFact,
  sources: ObjectSource[],
): WaypointResult {
  return { kind: 'end', outcome, status, flags, end: fact, sources };
}

/**
 * One request through a waypoint. `target`: the address and port the client dialled (a Service VIP, or a workload's
 * IP); `source`: the pod whose identity the HBONE tunnel carries (the client, or an ingress gateway).
 */
export function waypointHop(
  w: WaypointWalker,
  waypointPod: PodModel,
  waypoint: WaypointModel,
  service: Service | undefined,
  target: { address: string; port: number },
  source: PodModel,
): WaypointResult {
  const proxy = `${waypointPod.namespace}/${waypointPod.name}`;
  const hop: TraceHop = { proxy, direction: 'waypoint', listener: MAIN_INTERNAL };
  w.hops.push(hop);
  const { config } = w.proxyConfig(waypointPod);
  const listener = config.listeners.find((l) => l.name === MAIN_INTERNAL);
  const http = w.isHttp;
  const connection: ConnectionFacts = {
    address: target.address,
    port: target.port,
    sni: undefined,
    transport: 'plaintext',
    alpn: http ? ALPN[w.request.protocol] : undefined,
  };
  const chain = listener ? matchFilterChain(listener, connection) : undefined;
  const onHttpChain = chain !== undefined && chain.action.kind !== 'tcp';
  const arriving = w.wire;
  let routeName = '-';
  // What the waypoint logs: its own answer, or the endpoint it forwarded to through connect_originate.
  const log = (own: HopLog['own'], cluster = '-', upstreamHost = '-') =>
    w.record(hop, {
      http: onHttpChain && http,
      own,
      ...w.requestFields(arriving.protocol),
      xff: arriving.xff,
      upstreamHost,
      cluster,
      upstreamLocal: own ? '-' : w.ephemeral(waypointPod.ip),
      downstreamLocal: `${target.address}:${target.port}`,
      downstreamRemote: arriving.remote,
      sni: undefined,
      route: routeName,
    });
  const refuse = (code: number | null, flags: string, details: string, cluster = '-') =>
    log({ code, flags, details, closes: 'reset' }, cluster);
  // The endpoint is filled in once the waypoint has chosen one (the step is the same object).
  const fact: Extract<StepFact, { kind: 'waypoint' }> = {
    kind: 'waypoint',
    by: service ? 'service' : 'workload',
    waypoint: `${waypoint.namespace}/${waypoint.name}`,
    service: service?.hostname,
    target: `${target.address}:${target.port}`,
    chain: chain?.name,
    http: onHttpChain,
    endpoint: '',
  };
  w.stepAt(fact, proxy, [waypoint.source, ...(service ? [service.source] : []), ...(chain?.sources ?? [])]);
  if (!chain) {
    refuse(null, 'NR', 'filter_chain_not_found');
    return end('no-listener', null, 'NR', { reason: 'NO_FILTER_CHAIN', listener: MAIN_INTERNAL, connection }, []);
  }
  hop.filterChain = chain.name;

  // listener_waypoint.go: buildWaypointHTTPFilters — RBAC runs before the router; the principal is the identity the
  // HBONE tunnel carries.
  const principal = `${w.model.meshConfig.trustDomain}/ns/${source.namespace}/sa/${source.serviceAccount}`;
  const attachTarget = service
    ? { name: service.name, namespace: service.namespace, registry: service.registry }
    : undefined;
  // listener_waypoint.go: buildWaypointHTTPFilters — the JWT filter of the RequestAuthentications attached to the
  // Service or the waypoint (authn.NewBuilderForService, by targetRefs) runs before RBAC.
  let jwt: JwtIdentity | undefined;
  if (onHttpChain && http) {
    const root = w.model.meshConfig.rootNamespace;
    const attached = (w.model.istio.get('RequestAuthentication') ?? []).filter((p) =>
      attachesToWaypoint(p, waypoint, attachTarget, root),
    );
    const outcome = authenticateWith(
      attached,
      requestHeaders(w.request, w.hostHeader()),
      w.request.path,
      Date.now() / 1000,
    );
    for (const note of outcome.notes) w.assume({ kind: 'authorization', note: `JWT: ${note}.` });
    if (outcome.kind === 'rejected') {
      refuse(401, '-', `jwt_authn_access_denied{${outcome.message.replace(/\s/g, '_')}}`);
      return end('denied', 401, '-', { reason: 'JWT_REJECTED', message: outcome.message }, outcome.policies);
    }
    if (outcome.kind === 'accepted') jwt = outcome.identity;
  }
  // A waypoint's connection manager does not use the remote address either: Envoy trusts the last X-Forwarded-For
  // entry for remoteIpBlocks (core/listener_waypoint.go: UseRemoteAddress false).
  const remoteIp = onHttpChain && http ? trustedClientAddress(arriving.xff, false, 0) : undefined;
  const decision = authorizeAtWaypoint(w.model, waypointPod, waypoint, attachTarget, {
    ...(jwt ? { jwt } : {}),
    ...(remoteIp ? { remoteIp } : {}),
    principal,
    sourceIp: source.ip,
    port: target.port,
    http:
      onHttpChain && http
        ? {
            host: w.hostHeader(),
            method: w.request.method,
            path: w.request.path,
            headers: new Map(Object.entries(w.request.headers)),
          }
        : undefined,
  });
  for (const note of decision.notes) w.assume({ kind: 'authorization', note });
  w.stepAt(
    {
      kind: 'authorization',
      allowed: decision.allowed,
      reason: decision.reason,
      principal,
      at: 'waypoint',
      ...(onHttpChain && http && w.changedRequest() ? { changedRequest: w.changedRequest() } : {}),
      ...(jwt ? { requestPrincipal: jwt.principal } : {}),
    },
    proxy,
    decision.policy ? [decision.policy] : [],
  );
  if (!decision.allowed) {
    refuse(onHttpChain ? 403 : null, '-', decision.details ?? 'rbac_access_denied');
    return end(
      'denied',
      onHttpChain ? 403 : null,
      '-',
      { reason: 'DENIED', decision: decision.reason, http: onHttpChain, by: 'waypoint' },
      decision.policy ? [decision.policy] : [],
    );
  }

  let clusters: Array<{ name: string; weight: number }>;
  let routeSources: ObjectSource[] = chain.sources;
  let matched: { route: Route; fact: { forwarded?: ForwardedChange } } | undefined;
  if (chain.action.kind === 'tcp') clusters = chain.action.clusters;
  else {
    if (!http) {
      refuse(null, '-', 'protocol_error');
      return end('no-listener', null, '-', { reason: 'NOT_HTTP', protocol: w.request.protocol }, chain.sources);
    }
    const routeConfigName = chain.action.routeConfigName;
    const routeConfig = config.routes.find((r) => r.name === routeConfigName);
    hop.routeConfig = routeConfigName;
    const hostHeader = w.hostHeader();
    const vhostMatch = routeConfig ? matchVirtualHost(routeConfig, hostHeader) : undefined;
    if (!vhostMatch) {
      refuse(404, 'NR', 'route_not_found');
      return end('no-route', 404, 'NR', { reason: 'NO_VIRTUAL_HOST', routeConfig: routeConfigName, hostHeader }, []);
    }
    const vhost = vhostMatch.vhost;
    hop.virtualHost = vhost.name;
    w.stepAt(
      {
        kind: 'virtualHost',
        virtualHost: vhost.name,
        routeConfig: routeConfigName,
        hostHeader,
        by: vhostMatch.by,
        domain: vhostMatch.domain,
        catchAllOnly: vhost.domains.length === 1 && vhost.domains[0] === '*',
        others: [],
      },
      proxy,
      vhost.sources,
    );
    const route = matchRoute(vhost, {
      path: hcmPath(w.model, w.request.path),
      headers: requestHeaders(w.request, hostHeader),
    });
    if (!route) {
      refuse(404, 'NR', 'route_not_found');
      return end(
        'no-route',
        404,
        'NR',
        {
          reason: 'NO_ROUTE',
          virtualHost: vhost.name,
          method: w.request.method,
          path: w.request.path,
          routes: vhost.routes.map((r) => r.match.description),
        },
        vhost.sources,
      );
    }
    hop.route = route.name || undefined;
    routeName = route.name || '-';
    const at = vhost.routes.indexOf(route);
    const routeFact: Extract<StepFact, { kind: 'route'; by: 'match' }> = {
      kind: 'route',
      by: 'match',
      route: route.name,
      virtualService: route.virtualService,
      method: w.request.method,
      path: w.request.path,
      match: route.match.description,
      others: vhost.routes.flatMap((r, i) =>
        i === at ? [] : [{ route: r.name, match: r.match.description, reached: i < at }],
      ),
    };
    matched = { route, fact: routeFact };
    w.stepAt(routeFact, proxy, route.sources);
    routeSources = route.sources;
    const action = route.action;
    if (action.kind === 'directResponse') {
      refuse(action.status, '-', 'direct_response');
      return end(
        'direct-response',
        action.status,
        '-',
        { reason: 'DIRECT_RESPONSE', status: action.status },
        routeSources,
      );
    }
    if (action.kind === 'redirect') {
      refuse(action.status, '-', 'redirect');
      const location = redirectLocation(action, route.match, hostHeader, w.request.path);
      return end('redirect', action.status, '-', { reason: 'REDIRECT', location }, routeSources);
    }
    if (action.kind === 'none') {
      refuse(404, 'NR', 'route_not_found');
      return end('no-route', 404, 'NR', { reason: 'ROUTE_WITHOUT_ACTION' }, routeSources);
    }
    const abort = action.fault?.abort;
    if (abort && abort.percent >= 100) {
      refuse(abort.status, 'FI', 'fault_filter_abort');
      return end('fault', abort.status, 'FI', { reason: 'FAULT_ABORT', status: abort.status }, routeSources);
    }
    if (abort) w.assume({ kind: 'faultAbortSkipped', percent: abort.percent, status: abort.status });
    clusters = action.clusters;
  }
  // The trace follows the heaviest destination of a split.
  const chosen = [...clusters].sort((a, b) => b.weight - a.weight)[0];
  if (!chosen) {
    refuse(503, 'NC', 'cluster_not_found');
    return end('cluster-not-found', 503, 'NC', { reason: 'ROUTE_WITHOUT_CLUSTER' }, routeSources);
  }
  if (clusters.length > 1)
    w.stepAt(
      {
        kind: 'route',
        by: 'weight',
        in: chain.action.kind === 'tcp' ? 'filterChain' : 'route',
        chosen: { name: chosen.name, weight: chosen.weight },
        clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })),
      },
      proxy,
      routeSources,
    );
  hop.cluster = chosen.name;
  const cluster = config.clusters.find((c) => c.name === chosen.name);
  if (!cluster) {
    refuse(onHttpChain ? 503 : null, 'NC', 'cluster_not_found');
    return end(
      'cluster-not-found',
      onHttpChain ? 503 : null,
      'NC',
      { reason: 'CLUSTER_NOT_FOUND', cluster: chosen.name, cause: { cause: 'notSent', cluster: chosen.name } },
      routeSources,
    );
  }
  // The router changes the request once the cluster exists (envoy router.cc: finalizeRequestHeaders).
  if (matched) w.forwardThrough(waypointPod, matched.route, cluster.name, hop, matched.fact);
  w.stepAt(
    {
      kind: 'cluster',
      by: 'service',
      cluster: cluster.name,
      type: cluster.type,
      subset: cluster.subset,
      destinationRule: cluster.destinationRule
        ? `${cluster.destinationRule.namespace ?? ''}/${cluster.destinationRule.name}`
        : undefined,
      tls: cluster.tls.reason,
    },
    proxy,
    cluster.sources,
  );
  // The direct chain's encap cluster keeps the address the client dialled (original destination).
  if (cluster.name === ENCAP || cluster.type === 'ORIGINAL_DST') {
    w.stepAt({ kind: 'endpoint', by: 'originalDestination', address: target.address, port: target.port }, proxy, []);
    hop.endpoint = `${target.address}:${target.port}`;
    fact.endpoint = hop.endpoint;
    log(undefined, cluster.name, `envoy://connect_originate/${hop.endpoint}`);
    return { kind: 'forward', address: target.address, port: target.port, host: service?.hostname };
  }
  const all = config.endpoints.find((e) => e.clusterName === cluster.name)?.endpoints ?? [];
  const healthy = all.filter((e) => e.health === 'HEALTHY');
  const picked = healthy[0];
  if (!picked) {
    refuse(onHttpChain ? 503 : null, 'UH', 'no_healthy_upstream', cluster.name);
    return end(
      'no-healthy-upstream',
      onHttpChain ? 503 : null,
      'UH',
      {
        reason: 'NO_HEALTHY_UPSTREAM',
        cluster: cluster.name,
        total: all.length,
        subset: cluster.subset,
        service: cluster.service ?? '',
      },
      cluster.sources,
    );
  }
  const endpoint = `${picked.address}:${picked.port}`;
  const originated = cluster.tls.mode === 'SIMPLE' || cluster.tls.mode === 'MUTUAL' ? cluster.tls.mode : undefined;
  w.stepAt(
    {
      kind: 'endpoint',
      by: 'loadBalancer',
      endpoint,
      pod: picked.podName,
      healthy: healthy.length,
      total: all.length,
      loadBalancer: cluster.loadBalancer,
      transport: picked.mtls ? 'mtls' : originated ? 'tls' : 'plaintext',
      endpoints: all.map((e) => ({
        address: `${e.address}:${e.port}`,
        state: e === picked ? 'chosen' : e.health === 'HEALTHY' ? 'healthy' : 'unhealthy',
        pod: e.podName,
      })),
    },
    proxy,
    picked.workload ? [picked.workload] : [],
  );
  hop.endpoint = endpoint;
  fact.endpoint = endpoint;
  log(undefined, cluster.name, `envoy://connect_originate/${endpoint}`);
  return {
    kind: 'forward',
    address: picked.address,
    port: picked.port,
    host: cluster.service,
    ...(originated ? { tls: originated } : {}),
  };
}
