import { singleClusterRoute, translateRouteMatch } from './routes.ts';
import type { Cluster, Listener, ProxyConfig, RouteConfiguration } from './types.ts';

/**
 * What every sidecar and gateway proxy has before istiod pushes anything: the static listeners and clusters of its
 * bootstrap (tools/packaging/common/envoy_bootstrap.json, static_resources; `zipkin` and the other tracer clusters
 * only when a tracer is configured, which Istio's default `tracer: none` is not). They are listed where istioctl
 * lists them, but are never in ProxyConfig's own listeners and clusters, so no traced request is routed through them.
 */
export interface BootstrapResources {
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
}

/** The bootstrap's two HTTP listeners: the health port for readiness probes and the merged Prometheus port. */
const STATIC_LISTENERS: ReadonlyArray<{ port: number; prefix: string; cluster: string }> = [
  { port: 15021, prefix: '/healthz/ready', cluster: 'agent' },
  { port: 15090, prefix: '/stats/prometheus', cluster: 'prometheus_stats' },
];

/** The bootstrap's clusters: Envoy's admin stats, the agent's status server, and the agent's SDS and xDS sockets. */
const STATIC_CLUSTERS = ['prometheus_stats', 'agent', 'sds-grpc', 'xds-grpc'];

function inlineRoute(prefix: string, cluster: string): RouteConfiguration {
  const route = singleClusterRoute('', { name: cluster, host: '', port: 0 }, []);
  return {
    name: '',
    virtualHosts: [
      {
        name: 'backend',
        domains: ['*'],
        sources: [],
        routes: [{ ...route, match: translateRouteMatch({ uri: { prefix } }) }],
      },
    ],
  };
}

function staticListener(port: number, route: RouteConfiguration): Listener {
  return {
    name: `0.0.0.0_${port}`,
    address: '0.0.0.0',
    port,
    kind: 'bootstrap',
    bindToPort: true,
    protocol: 'HTTP',
    filterChains: [
      {
        name: undefined,
        match: {},
        action: { kind: 'http-inline', routeConfigName: '' },
        service: undefined,
        sources: [],
      },
    ],
    defaultFilterChain: undefined,
    services: [],
    droppedServices: [],
    inlineRouteConfig: route,
  };
}

function staticCluster(name: string): Cluster {
  return {
    name,
    type: 'STATIC',
    direction: '',
    service: undefined,
    port: undefined,
    subset: undefined,
    tls: { mode: 'NONE', reason: 'a bootstrap cluster to a local socket of the proxy', sni: undefined },
    loadBalancer: 'ROUND_ROBIN',
    destinationRule: undefined,
    sources: [],
    bootstrap: true,
  };
}

const SHARED: BootstrapResources = (() => {
  const routes = STATIC_LISTENERS.map((l) => inlineRoute(l.prefix, l.cluster));
  return {
    listeners: STATIC_LISTENERS.map((l, i) => staticListener(l.port, routes[i] as RouteConfiguration)),
    // Static route configurations come after istiod's in Envoy's config dump, the metrics port's first.
    routes: [...routes].reverse(),
    clusters: STATIC_CLUSTERS.map(staticCluster),
  };
})();

const NONE: BootstrapResources = { listeners: [], routes: [], clusters: [] };

/** The bootstrap resources of this proxy: a sidecar's and a gateway's; none listed for a waypoint. */
export function bootstrapResources(config: ProxyConfig): BootstrapResources {
  return config.proxy.kind === 'waypoint' ? NONE : SHARED;
}

/**
 * The proxy's config as Envoy's config dump has it, istiod's resources and the bootstrap's together: for printing
 * (istioctl proxy-config, `-o json`) only, never for tracing.
 */
export function proxyConfigForDump(config: ProxyConfig): ProxyConfig {
  const bootstrap = bootstrapResources(config);
  if (bootstrap === NONE) return config;
  return {
    ...config,
    listeners: [...config.listeners, ...bootstrap.listeners],
    routes: [...config.routes, ...bootstrap.routes],
    clusters: [...config.clusters, ...bootstrap.clusters],
  };
}
