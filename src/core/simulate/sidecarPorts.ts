/**
 * The sockets a sidecar pod's istio-proxy container opens besides the listeners istiod pushes, and what each answers
 * to a connection from inside the pod (over loopback or to the pod's own IP, which iptables leaves alone).
 */
import { isIpAddress } from '../model/ip.ts';

/** Who owns a port of the istio-proxy container. */
export type SidecarSocket =
  /** Envoy's admin interface, bound to localhost only. */
  | 'envoyAdmin'
  /** The iptables targets virtualOutbound (15001) and virtualInbound (15006): Envoy listeners on 0.0.0.0. */
  | 'virtualOutbound'
  | 'virtualInbound'
  /** The istio-agent status server (merged metrics, readiness, app probes), on every interface. */
  | 'agentStatus'
  /** Envoy's static health listener, routing /healthz/ready to the agent. */
  | 'envoyHealth'
  /** Envoy's static Prometheus listener, routing /stats/prometheus to the admin interface. */
  | 'envoyPrometheus'
  /** The istio-agent DNS proxy, on localhost, when DNS capture is on. */
  | 'dnsProxy'
  /** The istio-agent's debug port: nothing listens there since Istio 1.25. */
  | 'agentDebug'
  /** Envoy's HBONE listener (15008), opened only when the proxy speaks HBONE (ISTIO_META_ENABLE_HBONE). */
  | 'inboundTunnel';

/**
 * The ports of an injected sidecar (pilot/cmd/pilot-agent/status/server.go: istioReservedPorts;
 * tools/packaging/common/envoy_bootstrap.json: admin and the static listeners).
 */
const SIDECAR_PORTS: ReadonlyMap<number, SidecarSocket> = new Map([
  [15000, 'envoyAdmin'],
  [15001, 'virtualOutbound'],
  [15004, 'agentDebug'],
  [15006, 'virtualInbound'],
  [15008, 'inboundTunnel'],
  [15020, 'agentStatus'],
  [15021, 'envoyHealth'],
  [15053, 'dnsProxy'],
  [15090, 'envoyPrometheus'],
]);

export function sidecarSocketAt(port: number): SidecarSocket | undefined {
  return SIDECAR_PORTS.get(port);
}

/** Where the socket is bound: localhost only, every interface, or not open at all. */
export type SocketBind = 'loopback' | 'wildcard' | 'closed';

/**
 * envoy_bootstrap.json binds admin to `{{ .localhost }}` and the static listeners to `{{ .wildcard }}`; the agent's
 * status server listens on `:15020` (server.go: Run); the DNS proxy on localhost:15053 only when DNS capture is on
 * (pkg/istio-agent/agent.go: dnsCapture); the debug port 15004 was removed in Istio 1.25
 * (pkg/istio-agent/xds_proxy.go).
 */
export function socketBind(
  socket: SidecarSocket,
  dnsCapture: boolean,
  proxy: { hbone?: boolean; interceptionNone?: boolean } = {},
): SocketBind {
  switch (socket) {
    // Without iptables istiod builds neither capture listener (listener_builder.go: buildVirtualOutboundListener;
    // listener_inbound.go: buildInboundListeners).
    case 'virtualOutbound':
    case 'virtualInbound':
      return proxy.interceptionNone ? 'closed' : 'wildcard';
    // listener_inbound.go: buildInboundHBONEListeners, for proxies with HBONE on only.
    case 'inboundTunnel':
      return proxy.hbone ? 'wildcard' : 'closed';
    case 'envoyAdmin':
      return 'loopback';
    case 'dnsProxy':
      return dnsCapture ? 'loopback' : 'closed';
    case 'agentDebug':
      return 'closed';
    default:
      return 'wildcard';
  }
}

/**
 * Whether a socket bound this way accepts a connection to this address of the pod: a localhost bind takes the
 * pod family's loopback address only (127.0.0.1, or ::1 for an IPv6 pod); Envoy's wildcard 0.0.0.0 takes every IPv4
 * address of the pod (the agent's `:port` takes IPv6 too).
 */
export function socketAccepts(socket: SidecarSocket, bind: SocketBind, address: string, podIp: string): boolean {
  if (bind === 'closed') return false;
  const v6Pod = podIp.includes(':');
  const v6 = address.includes(':');
  if (bind === 'loopback') return address === (v6Pod ? '::1' : '127.0.0.1');
  if (socket === 'agentStatus') return isIpAddress(address);
  return v6 === v6Pod;
}

/** What answers an HTTP request on a sidecar port, and with which status. */
export interface SocketAnswer {
  /** Who writes the answer: Envoy's admin, an Envoy static listener, the istio-agent, or nobody (no HTTP answer). */
  by: 'envoyAdmin' | 'envoy' | 'agent' | 'none';
  status: number | null;
  /** Why: served, no route or handler for the path, POST required, localhost only, not an HTTP server. */
  answer: 'served' | 'notFound' | 'postRequired' | 'localhostOnly' | 'notHttp';
  /** The route a static Envoy listener took (its prefix and cluster), when it forwarded the request. */
  route?: { prefix: string; cluster: 'agent' | 'prometheus_stats' };
}

// Envoy's admin handlers that only read (a GET is answered), and those that change the server (POST required).
const ADMIN_READ = new Set([
  '/',
  '/certs',
  '/clusters',
  '/config_dump',
  '/contention',
  '/help',
  '/hot_restart_version',
  '/init_dump',
  '/listeners',
  '/memory',
  '/ready',
  '/runtime',
  '/server_info',
  '/stats',
  '/stats/prometheus',
  '/stats/recentlookups',
]);
const ADMIN_MUTATE = new Set([
  '/cpuprofiler',
  '/drain_listeners',
  '/healthcheck/fail',
  '/healthcheck/ok',
  '/heapprofiler',
  '/logging',
  '/quitquitquit',
  '/reopen_logs',
  '/reset_counters',
  '/runtime_modify',
  '/stats/recentlookups/clear',
  '/stats/recentlookups/disable',
  '/stats/recentlookups/enable',
]);

/** Envoy's admin matches the whole path (without the query) and wants POST for a handler that changes state. */
function adminAnswer(path: string, method: string): SocketAnswer {
  if (ADMIN_READ.has(path)) return { by: 'envoyAdmin', status: 200, answer: 'served' };
  if (ADMIN_MUTATE.has(path))
    return method === 'POST'
      ? { by: 'envoyAdmin', status: 200, answer: 'served' }
      : { by: 'envoyAdmin', status: 405, answer: 'postRequired' };
  return { by: 'envoyAdmin', status: 404, answer: 'notFound' };
}

/**
 * The agent's status server (pilot/cmd/pilot-agent/status/server.go: Run): a Go ServeMux of exact paths and two
 * prefixes; /quitquitquit, /drain, /debug/ndsz and pprof answer localhost callers only, and the first two want POST.
 */
function agentAnswer(path: string, method: string, fromLoopback: boolean): SocketAnswer {
  const served: SocketAnswer = { by: 'agent', status: 200, answer: 'served' };
  if (path === '/healthz/ready' || path === '/metrics' || path === '/stats/prometheus') return served;
  if (path.startsWith('/app-health/') || path.startsWith('/app-lifecycle/')) return served;
  const localOnly = path === '/quitquitquit' || path === '/drain' || path === '/debug/ndsz';
  if (localOnly || path.startsWith('/debug/pprof/')) {
    if (!fromLoopback) return { by: 'agent', status: 403, answer: 'localhostOnly' };
    if ((path === '/quitquitquit' || path === '/drain') && method !== 'POST')
      return { by: 'agent', status: 405, answer: 'postRequired' };
    return served;
  }
  return { by: 'agent', status: 404, answer: 'notFound' };
}

/** The answer to an HTTP request (path without the query) on a sidecar socket that accepted the connection. */
export function socketAnswer(socket: SidecarSocket, path: string, method: string, fromLoopback: boolean): SocketAnswer {
  const bare = path.split('?')[0] || '/';
  switch (socket) {
    case 'envoyAdmin':
      return adminAnswer(bare, method);
    case 'agentStatus':
      return agentAnswer(bare, method, fromLoopback);
    case 'envoyHealth':
      // envoy_bootstrap.json: the 15021 listener routes the prefix /healthz/ready to the agent cluster
      // (127.0.0.1:15020), which serves that exact path; every other path has no route (404 NR).
      return bare.startsWith('/healthz/ready')
        ? { ...agentAnswer(bare, method, true), route: { prefix: '/healthz/ready', cluster: 'agent' } }
        : { by: 'envoy', status: 404, answer: 'notFound' };
    case 'envoyPrometheus':
      return bare.startsWith('/stats/prometheus')
        ? { ...adminAnswer(bare, 'GET'), route: { prefix: '/stats/prometheus', cluster: 'prometheus_stats' } }
        : { by: 'envoy', status: 404, answer: 'notFound' };
    default:
      return { by: 'none', status: null, answer: 'notHttp' };
  }
}
