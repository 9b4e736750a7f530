import type { ObjectSource } from '../model/mesh.ts';
import { proxyConfigForDump } from './bootstrap.ts';
import type { FilterChain, FilterChainMatch, ProxyConfig, RouteConfiguration, RouteMatch } from './types.ts';

/** One row of a proxy-config table, with the objects that produced it. */
export interface TableRow {
  cells: string[];
  sources: ObjectSource[];
}

export interface Table {
  headers: string[];
  rows: TableRow[];
}

export interface ProxyConfigTables {
  listeners: Table;
  routes: Table;
  clusters: Table;
  endpoints: Table;
}

// The ALPN lists istioctl names (istioctl/pkg/writer/envoy/configdump/listener.go: protDescrs).
const PROTOCOL_DESCRIPTIONS: Array<[string, string[]]> = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
];

/**
 * The MATCH column of `istioctl proxy-config listeners` (istioctl/pkg/writer/envoy/configdump/listener.go: getMatches).
 */
export function describeChainMatch(match: FilterChainMatch): string {
  const parts: string[] = [];
  if (match.serverNames && match.serverNames.length > 0) parts.push(`SNI: ${match.serverNames.join(',')}`);
  if (match.transportProtocol) parts.push(`Trans: ${match.transportProtocol}`);
  if (match.applicationProtocols && match.applicationProtocols.length > 0) {
    const named = PROTOCOL_DESCRIPTIONS.find(
      ([, list]) => JSON.stringify(list) === JSON.stringify(match.applicationProtocols),
    );
    parts.push(named ? named[0] : `App: ${match.applicationProtocols.join(',')}`);
  }
  const port = match.destinationPort !== undefined ? `:${match.destinationPort}` : '';
  if (match.prefixRanges && match.prefixRanges.length > 0)
    parts.push(`Addr: ${match.prefixRanges.map((p) => (p.includes('/') ? p : `${p}/32`)).join(',')}${port}`);
  else if (port) parts.push(`Addr: *${port}`);
  return parts.length > 0 ? parts.join('; ') : 'ALL';
}

function describeRouteMatch(match: RouteMatch): string {
  if (match.path.kind === 'prefix') return `${match.path.value}*`;
  if (match.path.kind === 'exact') return match.path.value;
  return `regex ${match.path.value}`;
}

/** The DESTINATION column (istioctl/pkg/writer/envoy/configdump/listener.go: getFilterType, describeRouteConfig). */
function describeChainDestination(
  chain: FilterChain,
  routes: readonly RouteConfiguration[],
  inline?: RouteConfiguration,
): string {
  if (chain.action.kind === 'http') return `Route: ${chain.action.routeConfigName}`;
  if (chain.action.kind === 'http-inline') {
    const name = chain.action.routeConfigName;
    return describeInlineRoute(inline ?? routes.find((r) => r.name === name));
  }
  const cluster =
    chain.action.clusters.length === 1
      ? (chain.action.clusters[0]?.name ?? '')
      : chain.action.clusters.map((c) => `${c.name}(${c.weight})`).join(',');
  // istioctl prints a BlackHoleCluster tcp_proxy as Non-HTTP/Non-TCP.
  if (cluster === 'BlackHoleCluster') return 'Non-HTTP/Non-TCP';
  return cluster.includes('Cluster') && !cluster.includes('|') ? cluster : `Cluster: ${cluster}`;
}

/** A match-all route to one cluster prints as that cluster, anything else as its matches (getMatchAllCluster). */
function describeInlineRoute(config: RouteConfiguration | undefined): string {
  const vhost = config?.virtualHosts[0];
  const route = vhost?.routes[0];
  if (
    config &&
    config.virtualHosts.length === 1 &&
    vhost?.domains.length === 1 &&
    vhost.domains[0] === '*' &&
    vhost.routes.length === 1 &&
    route?.match.path.kind === 'prefix' &&
    route.match.path.value === '/' &&
    route.action.kind === 'route' &&
    route.action.clusters.length === 1
  ) {
    const cluster = route.action.clusters[0]?.name ?? '';
    return cluster.includes('Cluster') ? cluster : `Cluster: ${cluster}`;
  }
  const matches = (config?.virtualHosts ?? []).map((v) => {
    const described = v.routes.map((r) => describeRouteMatch(r.match)).join(', ');
    return v.domains.length === 1 && v.domains[0] === '*' ? described : `${v.domains.join('/')} ${described}`;
  });
  return `Inline Route: ${matches.join('; ')}`;
}

/**
 * istioctl's DOMAINS column: two port-free domains, the rest counted (istioctl/pkg/writer/envoy/configdump/route.go:
 * describeRouteDomains, unexpandDomains).
 */
export function describeDomains(domains: readonly string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0] ?? '';
  const withoutPort = domains.filter((d) => !d.includes(':') || ((d.match(/:/g)?.length ?? 0) > 2 && d.endsWith(']')));
  const unique = new Set(withoutPort);
  const kept = withoutPort.filter((d) => {
    const full = d.endsWith('.svc.cluster.local') ? d.slice(0, -'.svc.cluster.local'.length) : d;
    const partial = d.endsWith('.svc') ? d.slice(0, -'.svc'.length) : d;
    return !((full !== d && unique.has(full)) || (partial !== d && unique.has(partial)));
  });
  if (kept.length > 2) return `${kept.slice(0, 2).join(', ')} + ${kept.length - 2} more...`;
  return kept.join(', ');
}

/** Host, subset, port, direction: the order istioctl sorts clusters in (cluster.go retrieveSortedClusterSlice). */
function clusterSortKey(name: string): [string, string, number, string] {
  const parts = name.split('|');
  if (parts.length < 4) return [name, '', 0, ''];
  return [parts[3] ?? '', parts[2] ?? '', Number(parts[1]), parts[0] ?? ''];
}

/** Go's string order: by code unit, so upper case before lower case. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The four tables of `istioctl proxy-config` (istioctl/pkg/writer/envoy/configdump/: listener.go PrintListenerSummary,
 * route.go PrintRouteSummary, cluster.go PrintClusterSummary, and istioctl/pkg/writer/envoy/clusters/clusters.go
 * PrintEndpointsSummary), for the CLI and the app alike.
 */
export function proxyConfigTables(pushed: ProxyConfig): ProxyConfigTables {
  // Envoy's config dump, and so istioctl, lists the bootstrap's static listeners and clusters with istiod's.
  const config = proxyConfigForDump(pushed);
  const listeners = [...config.listeners].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
  const listenerRows: TableRow[] =
    config.proxy.kind === 'waypoint'
      ? waypointListenerRows(config)
      : listeners.flatMap((listener) =>
          [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])]
            .map((chain) => ({
              match: describeChainMatch(chain.match),
              destination: describeChainDestination(chain, config.routes, listener.inlineRouteConfig),
              sources: chain.sources,
            }))
            .sort((a, b) => (a.destination < b.destination ? 1 : a.destination > b.destination ? -1 : 0))
            .map((row) => ({
              cells: [listener.address, String(listener.port), row.match, row.destination],
              sources: row.sources,
            })),
        );
  const routes = [...config.routes].sort((a, b) => {
    // Go's strconv.Atoi, as istioctl sorts: an unnamed (static) route configuration is no number.
    const an = a.name === '' ? NaN : Number(a.name);
    const bn = b.name === '' ? NaN : Number(b.name);
    return Number.isNaN(an) || Number.isNaN(bn) ? 0 : an - bn;
  });
  const routeRows: TableRow[] = routes.flatMap((rc) =>
    rc.virtualHosts.flatMap((vhost) => {
      if (vhost.routes.length === 0)
        return [{ cells: [rc.name, vhost.name, describeDomains(vhost.domains), '/*', '404'], sources: vhost.sources }];
      return vhost.routes
        .filter(
          (route) =>
            !(
              route.action.kind === 'route' &&
              route.action.clusters.length === 1 &&
              route.action.clusters[0]?.name === 'PassthroughCluster'
            ),
        )
        .map((route) => ({
          cells: [
            rc.name,
            vhost.name,
            describeDomains(vhost.domains),
            describeRouteMatch(route.match),
            route.virtualService ? `${route.virtualService.name}.${route.virtualService.namespace}` : '',
          ],
          sources: route.sources,
        }));
    }),
  );
  const clusterRows: TableRow[] = [...config.clusters]
    .sort((a, b) => {
      const [ah, as, ap, ad] = clusterSortKey(a.name);
      const [bh, bs, bp, bd] = clusterSortKey(b.name);
      return byteOrder(ah, bh) || byteOrder(as, bs) || ap - bp || byteOrder(ad, bd);
    })
    .map((cluster) => {
      const parts = cluster.name.split('|');
      const dr = cluster.destinationRule
        ? `${cluster.destinationRule.name}.${cluster.destinationRule.namespace ?? ''}`
        : '';
      const cells =
        parts.length > 3
          ? [parts[3] ?? '', parts[1] ?? '', parts[2] || '-', parts[0] ?? '', cluster.type, dr]
          : [cluster.name, '-', '-', '-', cluster.type, dr];
      return { cells, sources: cluster.sources };
    });
  const endpointRows: TableRow[] = config.endpoints
    .flatMap((assignment) =>
      assignment.endpoints.map((e) => ({
        cells: [`${e.address}:${e.port}`, e.health, 'OK', assignment.clusterName],
        sources: e.workload ? [e.workload] : [],
      })),
    )
    .sort((a, b) => (a.cells[0] ?? '').localeCompare(b.cells[0] ?? '', undefined, { numeric: true }));
  return {
    listeners: {
      headers:
        config.proxy.kind === 'waypoint'
          ? ['LISTENER', 'CHAIN', 'MATCH', 'DESTINATION']
          : ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'],
      rows: listenerRows,
    },
    routes: { headers: ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'], rows: routeRows },
    clusters: {
      headers: ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
      rows: clusterRows,
    },
    endpoints: { headers: ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], rows: endpointRows },
  };
}

/**
 * A waypoint's listeners as istioctl prints them (istioctl/pkg/writer/envoy/configdump/listener.go:
 * PrintRemoteListenerSummary): internal listeners named `envoy://NAME`, sorted by name, one row per match of the
 * listener's matcher tree (`ip=VIP -> port=PORT`, then the sniffed protocol where a port is sniffed).
 */
function waypointListenerRows(config: ProxyConfig): TableRow[] {
  const sorted = [...config.listeners].sort((a, b) =>
    a.internal && b.internal ? a.name.localeCompare(b.name) : a.internal ? -1 : b.internal ? 1 : a.port - b.port,
  );
  return sorted.flatMap((listener) => {
    const name = listener.internal ? `envoy://${listener.name}` : listener.name;
    return listener.filterChains.flatMap((chain) => {
      const destination = describeChainDestination(chain, config.routes);
      const { prefixRanges = [], destinationPort, applicationProtocols = [] } = chain.match;
      // The TCP half of a sniffed pair is the matcher's no-match branch.
      const sniffed = listener.filterChains.some(
        (c) =>
          c !== chain &&
          (c.match.applicationProtocols?.length ?? 0) > 0 &&
          c.match.destinationPort === destinationPort &&
          JSON.stringify(c.match.prefixRanges) === JSON.stringify(prefixRanges),
      );
      const tails =
        applicationProtocols.length > 0
          ? applicationProtocols.map((p) => ` -> application-protocol='${p}'`)
          : [sniffed ? ' -> ANY' : ''];
      const port = destinationPort !== undefined ? ` -> port=${destinationPort}` : '';
      const matches =
        prefixRanges.length === 0
          ? [listener.internal ? 'ANY' : 'ALL']
          : prefixRanges.flatMap((range) => {
              const ip = range.endsWith('/32') || range.endsWith('/128') ? range.replace(/\/\d+$/, '') : range;
              return tails.map((tail) => `ip=${ip}${port}${tail}`);
            });
      return matches.map((match) => ({ cells: [name, chain.name ?? '', match, destination], sources: chain.sources }));
    });
  });
}

/** Text like Go's tabwriter with padding 1, as istioctl prints it. */
export function formatTable(table: Table): string {
  const lines = [table.headers, ...table.rows.map((r) => r.cells)];
  const widths = table.headers.map((_, column) => Math.max(...lines.map((cells) => (cells[column] ?? '').length)));
  const padded = (cells: string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd((widths[column] ?? 0) + 1))).join('');
  return `${lines.map(padded).join('\n')}\n`;
}
