import { field } from '../manifest/parse.ts';
import { listenerProtocolOf, parseProtocol, type Protocol } from '../registry/protocol.ts';
import { inboundServiceTargets } from '../registry/serviceTargets.ts';
import { peerAuthenticationMode, portLevelMtlsPorts, type EffectiveMtls } from '../security/peerAuthentication.ts';
import { BLACKHOLE_CLUSTER, INBOUND_PASSTHROUGH_CLUSTER, type ProxyContext } from './context.ts';
import type { MeshModel, ObjectSource } from '../model/mesh.ts';
import { singleClusterRoute } from './routes.ts';
import type { FilterChain, FilterChainMatch, Listener, NetworkAction, RouteConfiguration } from './types.ts';

// pilot/pkg/networking/core/listener.go: the ALPNs the inbound chains match.
const MTLS_HTTP_ALPNS = ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
const ALL_ISTIO_MTLS_ALPNS = ['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2'];
const MTLS_TCP_ALPNS = ['istio-peer-exchange', 'istio'];
const PLAINTEXT_HTTP_ALPNS = ['http/1.1', 'h2c'];

type ChainProtocol = 'HTTP' | 'TCP' | 'AUTO';

/** The ports of Envoy's static listeners (15021, 15090) and of the capture listeners (15001, 15006). */
const RESERVED_INBOUND_PORTS = new Set([15001, 15006, 15021, 15090]);

/** One match option of a chain set: what it matches, whether it parses HTTP, and how it treats TLS. */
interface ChainOption {
  match: FilterChainMatch;
  http: boolean;
  tls: NonNullable<FilterChain['tls']>;
}

/**
 * The chains one port gets for its protocol and mTLS mode (pilot/pkg/networking/core/filterchain_options.go:
 * getFilterChainMatchOptions). Plaintext chains of a DISABLE port match raw_buffer; with no chain asking for TLS on
 * the port, the TLS inspector does not run there and TLS bytes take them too.
 */
function chainOptions(protocol: ChainProtocol, mode: EffectiveMtls['mode']): ChainOption[] {
  const tls = (http: boolean, alpns?: string[]): ChainOption => ({
    match: { transportProtocol: 'tls', ...(alpns ? { applicationProtocols: alpns } : {}) },
    http,
    tls: 'mtls',
  });
  const raw = (http: boolean, alpns?: string[]): ChainOption => ({
    match: { transportProtocol: 'raw_buffer', ...(alpns ? { applicationProtocols: alpns } : {}) },
    http,
    tls: 'plaintext',
  });
  const plainTls: ChainOption = { match: { transportProtocol: 'tls' }, http: false, tls: 'passthrough-tls' };
  if (protocol === 'HTTP')
    return mode === 'STRICT'
      ? [tls(true)]
      : mode === 'PERMISSIVE'
        ? [tls(true, ALL_ISTIO_MTLS_ALPNS), raw(true)]
        : [raw(true)];
  if (protocol === 'TCP')
    return mode === 'STRICT'
      ? [tls(false)]
      : mode === 'PERMISSIVE'
        ? [tls(false, ALL_ISTIO_MTLS_ALPNS), plainTls, raw(false)]
        : [raw(false)];
  return mode === 'STRICT'
    ? [tls(true, MTLS_HTTP_ALPNS), tls(false)]
    : mode === 'PERMISSIVE'
      ? [tls(true, MTLS_HTTP_ALPNS), raw(true, PLAINTEXT_HTTP_ALPNS), tls(false, MTLS_TCP_ALPNS), raw(false), plainTls]
      : [raw(true, PLAINTEXT_HTTP_ALPNS), raw(false)];
}

/**
 * The inline route configuration of an inbound HTTP chain (pilot/pkg/networking/core/httproute.go:
 * buildSidecarInboundHTTPRouteConfig).
 */
function inboundRouteConfiguration(
  cluster: string,
  servicePort: number,
  host: string | undefined,
  sources: ObjectSource[],
): RouteConfiguration {
  return {
    name: cluster,
    virtualHosts: [
      {
        // The virtual host is named after the service port (0 for the passthrough chains), the cluster after the target
        // port.
        name: `inbound|http|${servicePort}`,
        domains: ['*'],
        routes: [singleClusterRoute('default', { name: cluster, host: host ?? '', port: servicePort }, sources)],
        sources,
      },
    ],
  };
}

/** One port the inbound listener serves on its own chains (listener_inbound.go: inboundChainConfig). */
export interface InboundChainConfig {
  targetPort: number;
  /** The service port, which names the HTTP virtual host; the Sidecar ingress port for those. */
  servicePort: number;
  protocol: Protocol;
  /** The service host, when a service declared the port. */
  host: string | undefined;
  /**
   * Where the inbound cluster sends the request (a STATIC cluster); undefined for ORIGINAL_DST, which connects to the
   * pod's IP on the port the request came to.
   */
  upstream: { address: string; port: number } | undefined;
  /** The address the chains are named after (`<bind>_<port>`): 0.0.0.0 for services, the pod's IP by default else. */
  bind: string;
  /** A listener of its own bound to bind:port (captureMode NONE, or a proxy without iptables), not virtualInbound. */
  bindToPort: boolean;
  /** The port is one of the proxy's own listeners': it gets a cluster but no chain. */
  conflict?: boolean;
  source: ObjectSource;
}

/**
 * A Sidecar ingress `defaultEndpoint`: `127.0.0.1:P` the loopback, `0.0.0.0:P` the pod's IP, `unix://` a socket
 * (pilot/pkg/networking/core/cluster.go: buildInboundClustersFromSidecar).
 */
function ingressUpstream(defaultEndpoint: unknown, podIp: string): InboundChainConfig['upstream'] {
  if (typeof defaultEndpoint !== 'string' || defaultEndpoint === '') return undefined;
  if (defaultEndpoint.startsWith('unix://')) return { address: defaultEndpoint.slice('unix://'.length), port: 0 };
  const colon = defaultEndpoint.lastIndexOf(':');
  const port = Number(defaultEndpoint.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0) return undefined;
  const host = defaultEndpoint.slice(0, colon).replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0' || host === '::') return { address: podIp, port };
  if (host === '127.0.0.1' || host === '::1') return { address: host, port };
  return undefined;
}

/**
 * The ports a sidecar's inbound listener serves, one per target port, oldest first (listener_inbound.go:
 * buildInboundChainConfigs): those of a Sidecar's `ingress` listeners when it has any, which then replace the ports of
 * the pod's services; otherwise the target ports of the services the pod serves.
 */
export function inboundChainConfigs(ctx: ProxyContext): InboundChainConfig[] {
  const ingress = field(ctx.scope.sidecar?.spec, 'ingress');
  const configs: InboundChainConfig[] = [];
  if (ctx.scope.sidecar && Array.isArray(ingress) && ingress.length > 0) {
    for (const listener of ingress) {
      const number = field(field(listener, 'port'), 'number');
      const protocol = field(field(listener, 'port'), 'protocol');
      if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0) continue;
      const bind = field(listener, 'bind');
      const parsed = parseProtocol(typeof protocol === 'string' ? protocol : '');
      // context.go: conflictWithReservedListener, called without a push context here: only the static listeners
      // (15021, 15090) conflict, for a wildcard bind or, with none, an HTTP port.
      const wildcard =
        typeof bind === 'string' && bind !== '' ? bind === '0.0.0.0' : listenerProtocolOf(parsed) === 'HTTP';
      const conflict = wildcard && (number === 15021 || number === 15090);
      // listener_inbound.go: getBindToPort — captureMode NONE binds, IPTABLES does not, DEFAULT follows the proxy;
      // without a bind the chain is named after the pod's IP (listener_address.go: getSidecarInboundBindIPs).
      const captureMode = field(listener, 'captureMode');
      const bindToPort =
        captureMode === 'NONE' || (captureMode !== 'IPTABLES' && ctx.pod.proxy.interceptionMode === 'NONE');
      configs.push({
        targetPort: number,
        servicePort: number,
        protocol: parsed,
        host: undefined,
        upstream: ingressUpstream(field(listener, 'defaultEndpoint'), ctx.pod.ip),
        bind: typeof bind === 'string' && bind !== '' ? bind : ctx.pod.ip || '0.0.0.0',
        bindToPort,
        ...(conflict ? { conflict } : {}),
        source: ctx.scope.sidecar.source,
      });
    }
  } else if (ctx.pod.proxy.interceptionMode !== 'NONE') {
    // Without iptables only a Sidecar's ingress listeners make inbound listeners (buildInboundChainConfigs).
    for (const target of inboundServiceTargets(ctx.registry, ctx.pod)) {
      configs.push({
        targetPort: target.targetPort,
        servicePort: target.servicePort.port,
        protocol: target.servicePort.protocol,
        host: target.service.hostname,
        // cluster.go: buildInboundClustersFromServiceInstances — LOCALHOST binds the cluster to 127.0.0.1.
        upstream:
          ctx.mesh.inboundTrafficPolicy === 'LOCALHOST' ? { address: '127.0.0.1', port: target.targetPort } : undefined,
        bind: '0.0.0.0',
        bindToPort: false,
        // listener_inbound.go: getFilterChainsByServicePort binds service chains to the wildcard, so a target port on
        // a static or capture listener gets no chain, though it keeps its cluster (context.go: CanBindToPort,
        // conflictWithReservedListener; cluster.go: buildInboundClustersFromServiceInstances).
        ...(RESERVED_INBOUND_PORTS.has(target.targetPort) ? { conflict: true } : {}),
        source: target.service.source,
      });
    }
  }
  // The first config of a target port wins (listener_inbound.go: reportInboundConflict).
  const byPort = new Map<number, InboundChainConfig>();
  for (const config of configs) if (!byPort.has(config.targetPort)) byPort.set(config.targetPort, config);
  return [...byPort.values()];
}

/**
 * The inbound listener of a sidecar, virtualInbound on 15006 (pilot/pkg/networking/core/listener_inbound.go:
 * buildInboundListeners): the loop guard; the passthrough chains for ports no service declares, with the workload's
 * mode, plus per-port passthrough chains for portLevelMtls ports no service declares (plugin/authn/authentication.go:
 * ForPassthrough); then, per target port of the pod's services, the chains its protocol and mTLS mode allow.
 */
export function buildInboundListener(
  ctx: ProxyContext,
  model: MeshModel,
): { listeners: Listener[]; routes: RouteConfiguration[] } {
  const chains: FilterChain[] = [
    {
      name: 'virtualInbound-blackhole',
      match: { destinationPort: 15006 },
      action: { kind: 'tcp', clusters: [{ name: BLACKHOLE_CLUSTER, weight: 100 }] },
      service: undefined,
      sources: [],
    },
  ];
  const routes: RouteConfiguration[] = [];
  const targets = inboundChainConfigs(ctx);

  // Passthrough chains: to InboundPassthroughCluster, for the ports the chains below do not take.
  const passthroughHttp: NetworkAction = { kind: 'http-inline', routeConfigName: INBOUND_PASSTHROUGH_CLUSTER };
  const passthroughTcp: NetworkAction = { kind: 'tcp', clusters: [{ name: INBOUND_PASSTHROUGH_CLUSTER, weight: 100 }] };
  const declared = new Set(targets.map((t) => t.targetPort));
  const passthroughPorts = [
    undefined,
    ...portLevelMtlsPorts(model, ctx.pod.namespace, ctx.pod.labels).filter((port) => !declared.has(port)),
  ];
  let passthroughSources: ObjectSource[] = [];
  for (const port of passthroughPorts) {
    const mtls = peerAuthenticationMode(model, ctx.pod.namespace, ctx.pod.labels, port);
    const sources = mtls.source ? [mtls.source] : [];
    passthroughSources = [...passthroughSources, ...sources];
    for (const option of chainOptions('AUTO', mtls.mode))
      chains.push({
        name: option.http ? 'virtualInbound-catchall-http' : 'virtualInbound',
        match: { ...(port !== undefined ? { destinationPort: port } : {}), ...option.match },
        action: option.http ? passthroughHttp : passthroughTcp,
        service: undefined,
        tls: option.tls,
        sources,
      });
  }
  routes.push(inboundRouteConfiguration(INBOUND_PASSTHROUGH_CLUSTER, 0, undefined, passthroughSources));

  const bound: Listener[] = [];
  for (const target of targets) {
    if (target.conflict) continue;
    const mtls = peerAuthenticationMode(model, ctx.pod.namespace, ctx.pod.labels, target.targetPort);
    const sources = mtls.source ? [target.source, mtls.source] : [target.source];
    const cluster = `inbound|${target.targetPort}||`;
    const protocol = listenerProtocolOf(target.protocol);
    const options = chainOptions(protocol === 'HTTP' || protocol === 'AUTO' ? protocol : 'TCP', mtls.mode);
    if (options.some((o) => o.http))
      routes.push(inboundRouteConfiguration(cluster, target.servicePort, target.host, sources));
    const own = options.map((option): FilterChain => ({
      name: `${target.bind}_${target.targetPort}`,
      match: { destinationPort: target.targetPort, ...option.match },
      action: option.http
        ? { kind: 'http-inline', routeConfigName: cluster }
        : { kind: 'tcp', clusters: [{ name: cluster, weight: 100 }] },
      service: target.host,
      tls: option.tls,
      sources,
    }));
    // listener_inbound.go: inboundCustomListener — a listener of its own, bound to bind:port.
    if (target.bindToPort)
      bound.push({
        name: `${target.bind}_${target.targetPort}`,
        address: target.bind,
        port: target.targetPort,
        kind: 'inbound',
        bindToPort: true,
        protocol: 'TCP',
        filterChains: own,
        defaultFilterChain: undefined,
        services: [],
        droppedServices: [],
      });
    else chains.push(...own);
  }
  // Without iptables there is no virtualInbound (buildInboundListeners).
  const virtualInbound: Listener[] =
    ctx.pod.proxy.interceptionMode === 'NONE'
      ? []
      : [
          {
            name: 'virtualInbound',
            address: '0.0.0.0',
            port: 15006,
            kind: 'virtualInbound',
            bindToPort: true,
            protocol: 'TCP',
            filterChains: chains,
            defaultFilterChain: undefined,
            services: [],
            droppedServices: [],
          },
        ];
  return { listeners: [...virtualInbound, ...bound], routes };
}
