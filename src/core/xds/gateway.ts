import { field } from '../manifest/parse.ts';
import { hostMatches, isWildcard } from '../model/host.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { IstioConfigModel, MeshModel, ObjectSource } from '../model/mesh.ts';
import { listenerProtocolOf, parseProtocol } from '../registry/protocol.ts';
import { endpointsAtAddress, servicesWithHostname } from '../registry/registry.ts';
import type { ScopeInputs } from '../scope/sidecarScope.ts';
import { resolveGatewayName, virtualServicesForGateway, type VirtualService } from '../scope/virtualServices.ts';
import { buildClusters } from './clusters.ts';
import { weightedDestinationClusters, type ProxyContext } from './context.ts';
import { buildRoutesForVirtualService, isCatchAllMatch, translateRouteMatch } from './routes.ts';
import type { FilterChain, Listener, ProxyConfig, Route, RouteConfiguration, VirtualHost } from './types.ts';

export interface GatewayServer {
  gateway: IstioConfigModel;
  /** `namespace/name`, as VirtualServices bind to it. */
  gatewayName: string;
  index: number;
  port: number;
  targetPort: number;
  portName: string;
  protocol: string;
  hosts: Array<{ namespace: string; host: string }>;
  /**
   * The hosts as istiod keeps them after gateway.go: sanitizeServerHostNamespace (`ns/host`, or a bare host for `*`/).
   */
  sanitizedHosts: string[];
  tlsMode: string | undefined;
  credentialName: string | undefined;
  httpsRedirect: boolean;
}

/**
 * Whether the gateway terminates the server's TLS: HTTPS or TLS with a mode other than (AUTO_)PASSTHROUGH
 * (pkg/config/gateway/gateway.go).
 */
export function terminatesTls(server: GatewayServer): boolean {
  return (
    (server.protocol === 'HTTPS' || server.protocol === 'TLS') &&
    server.tlsMode !== undefined &&
    server.tlsMode !== 'PASSTHROUGH' &&
    server.tlsMode !== 'AUTO_PASSTHROUGH'
  );
}

/**
 * The SNI names a TLS-terminating server matches: its hosts without namespace (gateway.go: GetSNIHostsForServer), `*`
 * meaning any.
 */
function sniHostsOf(server: GatewayServer): string[] {
  const hosts = [...new Set(server.hosts.map((h) => h.host))];
  return hosts.includes('*') ? [] : hosts;
}

/** Gateways whose selector picks this pod, from any namespace (push_context.go: mergeGateways). */
export function gatewaysForPod(ctx: ProxyContext, model: MeshModel): IstioConfigModel[] {
  return [...(model.istio.get('Gateway') ?? [])]
    .sort((a, b) => a.order - b.order)
    .filter((gw) => {
      // Gateways made from the Gateway API bind to the pods behind their Services in the Gateway's namespace, not by
      // selector (pilot/pkg/model/push_context.go: mergeGateways, InternalGatewayServiceAnnotation).
      const gatewayServices = gw.annotations.get('internal.istio.io/gateway-service');
      // A ListenerSet's servers live in its namespace and bind to the parent Gateway's Service (parent-namespace).
      const serviceNamespace = gw.annotations.get('internal.istio.io/parent-namespace') ?? gw.namespace;
      if (gatewayServices !== undefined)
        return gatewayServices
          .split(',')
          .some((hostname) =>
            ctx.registry.services.some(
              (s) =>
                s.hostname === hostname &&
                s.namespace === serviceNamespace &&
                s.namespace === ctx.pod.namespace &&
                s.selector !== undefined &&
                s.selector.size > 0 &&
                labelsMatch(s.selector, ctx.pod.labels),
            ),
          );
      const selector = toStringMap(field(gw.spec, 'selector'));
      return labelsMatch(selector, ctx.pod.labels);
    });
}

/** A server port becomes the gateway Service's targetPort for this pod (pilot/pkg/model/gateway.go: resolvePorts). */
export function targetPortFor(ctx: ProxyContext, port: number): number {
  // The first service (in registry order) with this port whose endpoint for that port is this pod.
  for (const { service, endpoint } of endpointsAtAddress(ctx.registry, ctx.pod.ip)) {
    const servicePort = service.ports.find((p) => p.port === port);
    if (servicePort && endpoint.podName === ctx.pod.name && endpoint.servicePortName === servicePort.name)
      return endpoint.port;
  }
  return port;
}

export function gatewayServers(ctx: ProxyContext, model: MeshModel): GatewayServer[] {
  return gatewaysForPod(ctx, model).flatMap((gateway) => {
    const servers = field(gateway.spec, 'servers');
    if (!Array.isArray(servers)) return [];
    return servers.flatMap((server, index) => {
      const port = field(field(server, 'port'), 'number');
      if (typeof port !== 'number') return [];
      const protocol = field(field(server, 'port'), 'protocol');
      const portName = field(field(server, 'port'), 'name');
      const hosts = (Array.isArray(field(server, 'hosts')) ? (field(server, 'hosts') as unknown[]) : [])
        .filter((h): h is string => typeof h === 'string')
        .map((entry) => {
          // gateway.go: sanitizeServerHostNamespace — ns/host, ./host, */host or a bare host.
          const slash = entry.indexOf('/');
          if (slash < 0) return { namespace: '*', host: entry };
          const ns = entry.slice(0, slash);
          return { namespace: ns === '.' ? gateway.namespace : ns, host: entry.slice(slash + 1) };
        });
      const sanitizedHosts = hosts.some((h) => h.namespace === '*' && h.host === '*')
        ? ['*']
        : hosts.map((h) => (h.namespace === '*' ? h.host : `${h.namespace}/${h.host}`));
      const tls = field(server, 'tls');
      // ServerTLSSettings.mode defaults to PASSTHROUGH, the first value of its enum.
      const mode = field(tls, 'mode') ?? (tls !== undefined && tls !== null ? 'PASSTHROUGH' : undefined);
      const credentialName = field(tls, 'credentialName');
      return [
        {
          gateway,
          gatewayName: `${gateway.namespace}/${gateway.name}`,
          index,
          port,
          targetPort: targetPortFor(ctx, port),
          portName: typeof portName === 'string' ? portName : '',
          protocol: typeof protocol === 'string' ? protocol.toUpperCase() : 'HTTP',
          hosts,
          sanitizedHosts,
          tlsMode: typeof mode === 'string' ? mode : undefined,
          credentialName: typeof credentialName === 'string' ? credentialName : undefined,
          httpsRedirect: field(tls, 'httpsRedirect') === true,
        },
      ];
    });
  });
}

/** The more specific of two matching hosts (pkg/config/host/names.go: Intersection). */
function intersect(serverHost: string, vsHost: string): string | undefined {
  if (!hostMatches(serverHost, vsHost)) return undefined;
  if (!isWildcard(vsHost)) return vsHost;
  if (!isWildcard(serverHost)) return serverHost;
  return vsHost.length >= serverHost.length ? vsHost : serverHost;
}

const isCatchAll = (route: Route) => isCatchAllMatch(route.match);

/**
 * Route configuration of HTTP servers on one port (pilot/pkg/networking/core/gateway.go: buildGatewayHTTPRouteConfig).
 */
function gatewayRouteConfiguration(
  name: string,
  servers: GatewayServer[],
  ctx: ProxyContext,
  inputs: ScopeInputs,
): RouteConfiguration {
  const byHost = new Map<string, { routes: Route[]; sources: ObjectSource[]; redirect: boolean }>();
  for (const server of servers) {
    // gateway.go: buildGatewayHTTPRouteConfig — httpsRedirect sets require_tls ALL on the virtual hosts, which
    // redirects only requests that did not come over TLS: on a server that terminates TLS it changes nothing.
    const redirect = server.httpsRedirect && !terminatesTls(server);
    const bound = virtualServicesForGateway(inputs.virtualServices, ctx.pod.namespace, server.gatewayName);
    for (const vs of bound) {
      const hosts = new Set<string>();
      for (const { namespace, host } of server.hosts) {
        if (namespace !== '*' && namespace !== vs.namespace) continue;
        for (const vsHost of vs.hosts) {
          const kept = intersect(host, vsHost);
          if (kept) hosts.add(kept);
        }
      }
      if (hosts.size === 0) continue;
      const routes = redirect
        ? []
        : buildRoutesForVirtualService(
            vs,
            server.port,
            ctx,
            new Set([server.gatewayName]),
            (h) => ctx.scope.servicesByHostname.get(h) ?? servicesWithHostname(inputs.registry, h)[0],
            terminatesTls(server),
          );
      for (const host of hosts) {
        const key = host.toLowerCase();
        const entry = byHost.get(key) ?? { routes: [], sources: [server.gateway.source], redirect: false };
        // Several VirtualServices for one host on a gateway are merged (gateway.go; route.go: SortVHostRoutes).
        entry.routes.push(...routes);
        entry.sources.push(vs.config.source);
        entry.redirect ||= redirect;
        byHost.set(key, entry);
      }
    }
    // gateway.go: buildGatewayHTTPRouteConfig — an httpsRedirect server's hosts without a VirtualService still get a
    // virtual host that requires TLS (301 to https); hosts are taken as written after sanitizeServerHostNamespace.
    if (!server.httpsRedirect) continue;
    for (const written of server.sanitizedHosts) {
      const key = written.toLowerCase();
      const entry = byHost.get(key);
      if (entry) entry.redirect ||= redirect;
      else byHost.set(key, { routes: [], sources: [server.gateway.source], redirect });
    }
  }
  const virtualHosts: VirtualHost[] = [...byHost].map(([host, entry]) => ({
    name: `${host}:${servers[0]?.port ?? 0}`,
    domains: [host],
    routes: entry.redirect
      ? [
          {
            name: '',
            match: translateRouteMatch(undefined),
            action: { kind: 'redirect', status: 301, scheme: 'https' },
            virtualService: undefined,
            sources: entry.sources,
          },
        ]
      : [...entry.routes.filter((r) => !isCatchAll(r)), ...entry.routes.filter(isCatchAll)],
    sources: [...new Map(entry.sources.map((s) => [`${s.kind}/${s.namespace}/${s.name}`, s])).values()],
  }));
  if (virtualHosts.length === 0)
    virtualHosts.push({
      name: `blackhole:${servers[0]?.port ?? 0}`,
      domains: ['*'],
      routes: [],
      sources: servers.map((s) => s.gateway.source),
    });
  return { name, virtualHosts };
}

/**
 * TCP and TLS-passthrough chains of a gateway server (gateway.go: buildGatewayNetworkFiltersFromTCPRoutes,
 * FromTLSRoutes).
 */
function l4Chains(server: GatewayServer, bound: VirtualService[], ctx: ProxyContext): FilterChain[] {
  const chains: FilterChain[] = [];
  const seenSni = new Set<string>();
  const passthrough = server.tlsMode === 'PASSTHROUGH' || server.tlsMode === 'AUTO_PASSTHROUGH';
  for (const vs of bound) {
    if (
      !vs.hosts.some((h) =>
        server.hosts.some((s) => (s.namespace === '*' || s.namespace === vs.namespace) && hostMatches(s.host, h)),
      )
    )
      continue;
    // gateway.go: buildGatewayNetworkFiltersFromTCPRoutes — a terminating server falls back to the tls routes of a
    // VirtualService made from a TLSRoute (matched by port and gateway, not SNI).
    const fromTlsRoute = (vs.config.annotations.get('internal.istio.io/parents') ?? '').startsWith('TLSRoute/');
    const rules = passthrough ? vs.tls : vs.tcp.length === 0 && fromTlsRoute ? vs.tls : vs.tcp;
    for (const rule of rules) {
      const matches = rule.match.length > 0 ? rule.match : [undefined];
      for (const match of matches) {
        const gateways = match ? field(match, 'gateways') : undefined;
        if (
          Array.isArray(gateways) &&
          gateways.length > 0 &&
          !gateways.some((g) => typeof g === 'string' && resolveGatewayName(g, vs.namespace) === server.gatewayName)
        )
          continue;
        const matchPort = match ? field(match, 'port') : undefined;
        if (typeof matchPort === 'number' && matchPort !== server.port) continue;
        const sni =
          passthrough && match && Array.isArray(field(match, 'sniHosts'))
            ? (field(match, 'sniHosts') as unknown[]).filter((s): s is string => typeof s === 'string')
            : [];
        if (passthrough && sni.some((s) => seenSni.has(s))) continue;
        for (const s of sni) seenSni.add(s);
        // networkfilter.go: buildOutboundNetworkFilters; route.go: GetDestinationCluster.
        const clusters = weightedDestinationClusters(
          rule.route,
          (h) => ctx.scope.servicesByHostname.get(h),
          server.port,
        ).map((c) => ({ name: c.name, weight: c.weight }));
        chains.push({
          name: undefined,
          match: { ...(sni.length > 0 ? { serverNames: sni } : {}) },
          action: { kind: 'tcp', clusters },
          service: undefined,
          sources: [server.gateway.source, vs.config.source],
        });
        if (!passthrough) return chains;
      }
    }
  }
  return chains;
}

const isHttpProtocol = (protocol: string) => listenerProtocolOf(parseProtocol(protocol)) === 'HTTP';

/**
 * The servers that survive merging on their ports, in gateway order (pilot/pkg/model/gateway.go: mergeGateways): a TLS
 * server repeating a host already served on its port is skipped; after a plaintext server, a later one on the port
 * joins only when both speak HTTP (canMergeProtocols), so a second TCP server, or TCP and HTTP, keep the first.
 */
function mergeServers(servers: GatewayServer[]): GatewayServer[] {
  const plaintext = new Map<number, string>();
  const seenPorts = new Set<number>();
  const tlsHosts = new Map<number, Set<string>>();
  return servers.filter((server) => {
    const port = server.targetPort;
    if (server.tlsMode !== undefined) {
      const known = tlsHosts.get(port) ?? new Set<string>();
      tlsHosts.set(port, known);
      if (server.sanitizedHosts.some((h) => known.has(h))) return false;
      for (const h of server.sanitizedHosts) known.add(h);
    }
    const tls = server.tlsMode !== undefined && !isHttpProtocol(server.protocol);
    if (!seenPorts.has(port)) {
      seenPorts.add(port);
      if (!tls) plaintext.set(port, server.protocol);
      return true;
    }
    const current = plaintext.get(port);
    if (current !== undefined)
      return (isHttpProtocol(current) || current === server.protocol) && isHttpProtocol(server.protocol);
    if (!tls) plaintext.set(port, server.protocol);
    return true;
  });
}

/** Listeners, routes and clusters of a gateway proxy (pilot/pkg/networking/core/gateway.go: buildGatewayListeners). */
export function buildGatewayProxyConfig(ctx: ProxyContext, model: MeshModel, inputs: ScopeInputs): ProxyConfig {
  const servers = mergeServers(gatewayServers(ctx, model));
  const byTargetPort = new Map<number, GatewayServer[]>();
  for (const server of servers)
    byTargetPort.set(server.targetPort, [...(byTargetPort.get(server.targetPort) ?? []), server]);
  const listeners: Listener[] = [];
  const routes: RouteConfiguration[] = [];
  for (const [targetPort, group] of byTargetPort) {
    const chains: FilterChain[] = [];
    const httpServers = group.filter((s) => listenerProtocolOf(parseProtocol(s.protocol)) === 'HTTP');
    if (httpServers.length > 0) {
      const name = `http.${targetPort}`; // pilot/pkg/model/gateway.go: gatewayRDSRouteName
      routes.push(gatewayRouteConfiguration(name, httpServers, ctx, inputs));
      chains.push({
        name: undefined,
        match: {},
        action: { kind: 'http', routeConfigName: name },
        service: undefined,
        sources: httpServers.map((s) => s.gateway.source),
      });
    }
    for (const server of group.filter((s) => !httpServers.includes(s))) {
      // gateway.go: buildGatewayTCPBasedFilterChains — an HTTPS server that terminates TLS gets an HTTP chain matching
      // its hosts as SNI; a terminating TLS server a TCP chain from the VirtualServices' tcp routes, matching its
      // hosts. The certificate (credentialName) is taken to exist.
      const serverTls = terminatesTls(server)
        ? { mode: server.tlsMode ?? 'SIMPLE', credentialName: server.credentialName }
        : undefined;
      if (serverTls && server.protocol === 'HTTPS') {
        // gateway.go: gatewayRDSRouteName
        const name = `https.${server.port}.${server.portName}.${server.gateway.name}.${server.gateway.namespace}`;
        routes.push(gatewayRouteConfiguration(name, [server], ctx, inputs));
        chains.push({
          name: undefined,
          match: { serverNames: sniHostsOf(server) },
          action: { kind: 'http', routeConfigName: name },
          service: undefined,
          tls: 'mtls',
          serverTls,
          sources: [server.gateway.source],
        });
      } else {
        const l4 = l4Chains(
          server,
          virtualServicesForGateway(inputs.virtualServices, ctx.pod.namespace, server.gatewayName),
          ctx,
        );
        chains.push(
          ...(serverTls
            ? l4.map((chain) => ({
                ...chain,
                match: { serverNames: sniHostsOf(server) },
                tls: 'mtls' as const,
                serverTls,
              }))
            : l4),
        );
      }
    }
    // gateway.go: MutableGatewayListener.build — a listener without filter chains is not sent.
    if (chains.length === 0) continue;
    listeners.push({
      name: `0.0.0.0_${targetPort}`,
      address: '0.0.0.0',
      port: targetPort,
      kind: 'gateway',
      bindToPort: true,
      protocol: httpServers.length > 0 ? 'HTTP' : 'TCP',
      filterChains: chains,
      defaultFilterChain: undefined,
      services: [],
      droppedServices: [],
    });
  }
  const { clusters, endpoints } = buildClusters(ctx, model);
  return {
    proxy: { namespace: ctx.pod.namespace, name: ctx.pod.name, kind: 'gateway', ip: ctx.pod.ip },
    listeners,
    routes,
    clusters,
    endpoints,
    nameTable: [],
  };
}
