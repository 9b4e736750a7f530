import { field, isRecord } from '../manifest/parse.ts';
import { HostIndex } from '../model/host.ts';
import { derivedFrom } from '../model/memo.ts';
import { labelsMatch, toStringMap } from '../model/labels.ts';
import type { ObjectSource } from '../model/mesh.ts';
import { isTlsProtocol, listenerProtocolOf, type Protocol } from '../registry/protocol.ts';
import type { Service } from '../registry/registry.ts';
import { canonicalCidr, isIpAddress } from '../model/ip.ts';
import { UNSPECIFIED_IP } from '../registry/registry.ts';
import type { EgressListener } from '../scope/sidecarScope.ts';
import type { RouteDestination, VirtualService } from '../scope/virtualServices.ts';
import {
  ALLOW_ANY_DYNAMIC_DNS,
  allowAnyDynamicDns,
  BLACKHOLE_CLUSTER,
  endpointsForPort,
  outboundClusterName,
  serviceAddressForProxy,
  unknownDestinationCluster,
  weightedDestinationClusters,
  type ProxyContext,
} from './context.ts';
import type { FilterChain, FilterChainMatch, Listener } from './types.ts';

const PLAINTEXT_HTTP_ALPNS = ['http/1.1', 'h2c'];

interface ListenerEntry {
  bind: string;
  port: number;
  /** Istio's protocol for the entry: an HTTP port on a wildcard bind is recorded as Unsupported (sniffed). */
  protocol: Protocol;
  chains: FilterChain[];
  locked: boolean;
  services: string[];
  dropped: Array<{ hostname: string; reason: string }>;
  /** The first chain of each distinct match, made when another service's chains are merged in. */
  chainsByMatch?: Map<string, FilterChain>;
  /** Envoy binds the address and port itself (captureMode NONE): the application connects to it directly. */
  bindToPort?: boolean;
}

const passthroughCluster = unknownDestinationCluster;

/**
 * Static match conditions of a VS tcp/tls match, evaluated for this client (pilot/pkg/networking/core/tls.go: matchTCP,
 * matchTLS).
 */
function staticMatch(match: Readonly<Record<string, unknown>>, ctx: ProxyContext, port: number): boolean {
  const matchPort = field(match, 'port');
  if (typeof matchPort === 'number' && matchPort !== port) return false;
  const gateways = field(match, 'gateways');
  // `mesh` is never rewritten
  if (Array.isArray(gateways) && gateways.length > 0 && !gateways.includes('mesh')) return false;
  const sourceLabels = field(match, 'sourceLabels');
  if (isRecord(sourceLabels) && !labelsMatch(toStringMap(sourceLabels), ctx.pod.labels)) return false;
  const sourceNamespace = field(match, 'sourceNamespace');
  if (typeof sourceNamespace === 'string' && sourceNamespace !== '' && sourceNamespace !== ctx.pod.namespace)
    return false;
  return true;
}

/** Clusters of a tcp/tls route (networkfilter.go: buildOutboundNetworkFilters; route.go: GetDestinationCluster). */
function routeClusters(
  routes: readonly RouteDestination[],
  listenPort: number,
  ctx: ProxyContext,
): Array<{ name: string; weight: number }> {
  return weightedDestinationClusters(routes, (host) => ctx.scope.servicesByHostname.get(host), listenPort).map((c) => ({
    name: c.name,
    weight: c.weight,
  }));
}

function vsSource(vs: VirtualService): ObjectSource {
  return vs.config.source;
}

const virtualServiceHostIndexes = new WeakMap<readonly VirtualService[], HostIndex<VirtualService>>();

/** VirtualServices whose hosts match the service, either way round, in their order (tls.go: getConfigsForHost). */
function virtualServicesForHost(virtualServices: readonly VirtualService[], hostname: string): VirtualService[] {
  const index = derivedFrom(virtualServiceHostIndexes, virtualServices, (list) => {
    const byHost = new HostIndex<VirtualService>();
    for (const vs of list) for (const host of vs.hosts) byHost.add(host, vs);
    return byHost;
  });
  return [...new Set(index.matches(hostname).map(({ item }) => item))];
}

function defaultDestinationPort(service: Service, listenPort: number): number {
  return service.ports.length === 1 ? (service.ports[0]?.port ?? listenPort) : listenPort;
}

/** TCP chains of a service port (tls.go: buildSidecarOutboundTCPFilterChainOpts). */
function tcpChains(
  service: Service,
  listenPort: number,
  protocol: Protocol,
  cidrs: string[] | undefined,
  vses: readonly VirtualService[],
  ctx: ProxyContext,
): FilterChain[] {
  if (isTlsProtocol(protocol)) return [];
  const chains: FilterChain[] = [];
  const base = (): FilterChainMatch => (cidrs ? { prefixRanges: cidrs } : {});
  for (const vs of vses) {
    for (const rule of vs.tcp) {
      if (rule.route.length === 0) continue;
      if (rule.match.length === 0) {
        chains.push({
          name: undefined,
          match: base(),
          action: { kind: 'tcp', clusters: routeClusters(rule.route, listenPort, ctx) },
          service: service.hostname,
          sources: [vsSource(vs)],
        });
        return chains;
      }
      const subnets: string[] = [];
      for (const match of rule.match) {
        if (!staticMatch(match, ctx, listenPort)) continue;
        const destinationSubnets = field(match, 'destinationSubnets');
        if (!Array.isArray(destinationSubnets) || destinationSubnets.length === 0) {
          chains.push({
            name: undefined,
            match: base(),
            action: { kind: 'tcp', clusters: routeClusters(rule.route, listenPort, ctx) },
            service: service.hostname,
            sources: [vsSource(vs)],
          });
          return chains;
        }
        subnets.push(...destinationSubnets.filter((s): s is string => typeof s === 'string'));
      }
      if (subnets.length > 0)
        chains.push({
          name: undefined,
          match: { prefixRanges: subnets },
          action: { kind: 'tcp', clusters: routeClusters(rule.route, listenPort, ctx) },
          service: service.hostname,
          sources: [vsSource(vs)],
        });
    }
  }
  chains.push({
    name: undefined,
    match: base(),
    action: {
      kind: 'tcp',
      clusters: [
        {
          name: outboundClusterName(defaultDestinationPort(service, listenPort), undefined, service.hostname),
          weight: 100,
        },
      ],
    },
    service: service.hostname,
    sources: [service.source],
  });
  return chains;
}

/** TLS chains of a TLS/HTTPS service port (tls.go: buildSidecarOutboundTLSFilterChainOpts). */
function tlsChains(
  service: Service,
  listenPort: number,
  protocol: Protocol,
  bind: string,
  cidrs: string[] | undefined,
  vses: readonly VirtualService[],
  ctx: ProxyContext,
): FilterChain[] {
  if (!isTlsProtocol(protocol)) return [];
  const chains: FilterChain[] = [];
  const handled = new Set<string>();
  for (const vs of vses) {
    for (const rule of vs.tls) {
      if (rule.route.length === 0) continue;
      for (const match of rule.match) {
        if (!staticMatch(match, ctx, listenPort)) continue;
        const sniHosts = Array.isArray(field(match, 'sniHosts'))
          ? (field(match, 'sniHosts') as unknown[]).filter((s): s is string => typeof s === 'string')
          : [];
        const destinationSubnets = Array.isArray(field(match, 'destinationSubnets'))
          ? (field(match, 'destinationSubnets') as unknown[]).filter((s): s is string => typeof s === 'string')
          : [];
        const key = JSON.stringify([sniHosts, destinationSubnets]);
        if (handled.has(key)) continue;
        handled.add(key);
        const prefixRanges = destinationSubnets.length > 0 ? destinationSubnets : cidrs;
        chains.push({
          name: undefined,
          match: {
            ...(sniHosts.length > 0 ? { serverNames: sniHosts } : {}),
            ...(prefixRanges ? { prefixRanges } : {}),
          },
          action: { kind: 'tcp', clusters: routeClusters(rule.route, listenPort, ctx) },
          service: service.hostname,
          sources: [vsSource(vs)],
        });
      }
    }
  }
  if (chains.length > 0) return chains;
  const address = serviceAddressForProxy(service, ctx.pod);
  const listenAddress = address.includes('/') ? '' : address;
  // SNI matters only where the listener is shared (wildcard or CIDR bind) or the service is dynamic DNS.
  const needsSni =
    cidrs !== undefined ||
    listenAddress === '' ||
    (listenAddress === UNSPECIFIED_IP && bind === UNSPECIFIED_IP) ||
    (service.hostname.startsWith('*') && service.resolution === 'DynamicDNS');
  return [
    {
      name: undefined,
      match: {
        ...(needsSni ? { serverNames: [service.hostname, ...service.aliases] } : {}),
        ...(cidrs ? { prefixRanges: cidrs } : {}),
      },
      action: {
        kind: 'tcp',
        clusters: [
          {
            name: outboundClusterName(defaultDestinationPort(service, listenPort), undefined, service.hostname),
            weight: 100,
          },
        ],
      },
      service: service.hostname,
      sources: [service.source],
    },
  ];
}

function httpChain(service: Service, routeConfigName: string, sniffed: boolean): FilterChain {
  return {
    name: undefined,
    match: sniffed ? { transportProtocol: 'raw_buffer', applicationProtocols: PLAINTEXT_HTTP_ALPNS } : {},
    action: { kind: 'http', routeConfigName },
    service: service.hostname,
    sources: [service.source],
  };
}

/** Two matches are the same when this key is: lists compared as sets, `*` ignored. */
function matchKey(match: FilterChainMatch): string {
  const set = (values: string[] | undefined) => [...(values ?? [])].filter((v) => v !== '*').sort();
  return JSON.stringify([
    match.transportProtocol ?? '',
    set(match.applicationProtocols),
    set(match.serverNames),
    // Ranges that are the same network after masking are the same match (listener.go: conflictsWith).
    set(match.prefixRanges?.map(canonicalCidr)),
    match.destinationPort ?? 0,
  ]);
}

/** listener.go: mergeTCPFilterChains — a chain whose match equals an existing one is dropped (first wins). */
function mergeChains(entry: ListenerEntry, incoming: FilterChain[], hostname: string): void {
  if (!entry.chainsByMatch) {
    entry.chainsByMatch = new Map();
    for (const chain of entry.chains) {
      const key = matchKey(chain.match);
      if (!entry.chainsByMatch.has(key)) entry.chainsByMatch.set(key, chain);
    }
  }
  for (const chain of incoming) {
    const key = matchKey(chain.match);
    const conflict = entry.chainsByMatch.get(key);
    if (conflict)
      entry.dropped.push({
        hostname,
        reason:
          `its filter chain has the same match as the one for ${conflict.service ?? 'an earlier service'}, which ` +
          `came first`,
      });
    else {
      entry.chains.push(chain);
      entry.chainsByMatch.set(key, chain);
    }
  }
}

const isHttpProtocol = (p: Protocol) => listenerProtocolOf(p) === 'HTTP';
const isTcpProtocol = (p: Protocol) => listenerProtocolOf(p) === 'TCP';

/** One service port onto the listener map (listener.go: buildSidecarOutboundListener). */
function addServicePort(
  listeners: Map<string, ListenerEntry>,
  service: Service,
  port: { port: number; protocol: Protocol },
  bindOverride: { bind: string; cidrs?: string[]; bindToPort?: boolean } | undefined,
  vses: readonly VirtualService[],
  ctx: ProxyContext,
): void {
  if (service.resolution === 'Alias') return;
  const listenerProtocol = listenerProtocolOf(port.protocol);
  if (listenerProtocol === 'NONE') return;
  let bind = bindOverride?.bind ?? '';
  let cidrs = bindOverride?.cidrs;
  if (!bind) {
    if (listenerProtocol === 'HTTP') bind = UNSPECIFIED_IP;
    else {
      const address = serviceAddressForProxy(service, ctx.pod);
      if (address.includes('/')) {
        bind = UNSPECIFIED_IP;
        cidrs = [address];
      } else bind = address;
    }
  }
  const key = `${bind}_${port.port}`;
  const current = listeners.get(key);
  if (current?.locked) return;
  const hostVses = virtualServicesForHost(vses, service.hostname);
  let protocol = port.protocol;
  let chains: FilterChain[];
  let conflict:
    'none' | 'http-over-tcp' | 'tcp-over-http' | 'tcp-over-tcp' | 'tcp-over-auto' | 'auto-over-http' | 'auto-over-tcp' =
    'none';

  if (listenerProtocol === 'HTTP') {
    if (current) {
      if (isTcpProtocol(current.protocol)) conflict = 'http-over-tcp';
      else {
        current.services.push(service.hostname);
        return; // the HTTP chain exists; this service arrives through the route configuration
      }
    }
    const wildcard = bind === UNSPECIFIED_IP;
    chains = [httpChain(service, String(port.port), wildcard)];
    // An HTTP port on a wildcard bind gets ALPN matching and a fallthrough chain: Istio records it as sniffed.
    if (wildcard) protocol = 'Unsupported';
  } else if (listenerProtocol === 'TCP') {
    chains = [
      ...tlsChains(service, port.port, port.protocol, bind, cidrs, hostVses, ctx),
      ...tcpChains(service, port.port, port.protocol, cidrs, hostVses, ctx),
    ];
    if (current)
      conflict = isHttpProtocol(current.protocol)
        ? 'tcp-over-http'
        : isTcpProtocol(current.protocol)
          ? 'tcp-over-tcp'
          : 'tcp-over-auto';
  } else {
    // AUTO: TCP chains plus an HTTP chain chosen by the HTTP inspector.
    if (current && !isHttpProtocol(current.protocol) && !isTcpProtocol(current.protocol)) {
      conflict = 'tcp-over-auto';
      chains = tcpChains(service, port.port, port.protocol, cidrs, hostVses, ctx);
    } else {
      if (current) conflict = isHttpProtocol(current.protocol) ? 'auto-over-http' : 'auto-over-tcp';
      const routeName = bind !== UNSPECIFIED_IP ? `${service.hostname}:${port.port}` : String(port.port);
      chains = [
        ...tcpChains(service, port.port, port.protocol, cidrs, hostVses, ctx),
        httpChain(service, routeName, true),
      ];
    }
  }

  // listener.go: isConflictWithWellKnownPort — MySQL and Mongo never share a port with another protocol.
  if (
    current &&
    conflict !== 'none' &&
    (['Mongo', 'MySQL'].includes(port.protocol) || ['Mongo', 'MySQL'].includes(current.protocol)) &&
    port.protocol !== current.protocol
  ) {
    current.dropped.push({
      hostname: service.hostname,
      reason: `${current.protocol} and ${port.protocol} cannot share port ${port.port}`,
    });
    return;
  }
  switch (conflict) {
    case 'none':
    case 'auto-over-http':
      listeners.set(key, {
        bind,
        port: port.port,
        protocol,
        chains,
        locked: false,
        services: [...(current?.services ?? []), service.hostname],
        dropped: current?.dropped ?? [],
        ...(bindOverride?.bindToPort || current?.bindToPort ? { bindToPort: true } : {}),
      });
      return;
    case 'http-over-tcp':
    case 'tcp-over-http':
    case 'auto-over-tcp':
      if (!current) return;
      mergeChains(current, chains, service.hostname);
      current.protocol = 'Unsupported';
      current.services.push(service.hostname);
      return;
    case 'tcp-over-tcp':
    case 'tcp-over-auto':
      if (!current) return;
      mergeChains(current, chains, service.hostname);
      current.services.push(service.hostname);
  }
}

/**
 * The proxy's own listener ports, which no service listener may take: the status (15021) and Prometheus (15090)
 * ports, and the virtual outbound and inbound ports (15001, 15006) (pilot/pkg/model/context.go:
 * conflictWithReservedListener). Only a listener on 0.0.0.0 collides: an HTTP port, or an explicit wildcard bind.
 */
const RESERVED_PORTS = new Set([15001, 15006, 15021, 15090]);
function conflictsWithReservedListener(port: number, protocol: Protocol, bind: string | undefined): boolean {
  if (!RESERVED_PORTS.has(port)) return false;
  return bind ? bind === UNSPECIFIED_IP : listenerProtocolOf(protocol) === 'HTTP';
}

/**
 * listener.go: buildSidecarOutboundListeners — port-specific egress listeners first (then locked), then the catch-all.
 */
export function buildOutboundListeners(ctx: ProxyContext): Listener[] {
  const listeners = new Map<string, ListenerEntry>();
  for (const egress of ctx.scope.egressListeners) {
    // listener.go: buildSidecarOutboundListeners — a proxy without iptables, an egress listener with captureMode NONE
    // or one bound to a unix socket binds its listeners for real: to its bind, else to 127.0.0.1.
    const bindToPort =
      ctx.pod.proxy.interceptionMode === 'NONE' ||
      egress.captureMode === 'NONE' ||
      (egress.bind?.startsWith('unix://') ?? false);
    const bind = egress.bind || (bindToPort ? '127.0.0.1' : undefined);
    const override = bind ? { bind, ...(bindToPort ? { bindToPort } : {}) } : undefined;
    if (egress.port) {
      const listenPort = { port: egress.port.number, protocol: egress.port.protocol ?? 'Unsupported' };
      if (conflictsWithReservedListener(listenPort.port, listenPort.protocol, bind)) continue;
      for (const service of egress.services)
        addServicePort(listeners, service, listenPort, override, egress.virtualServices, ctx);
      continue;
    }
    for (const entry of listeners.values()) entry.locked = true;
    addCatchAllEgress(listeners, egress, override, ctx);
  }
  return [...listeners.values()].map((entry) => finalizeListener(entry, ctx));
}

function addCatchAllEgress(
  listeners: Map<string, ListenerEntry>,
  egress: EgressListener,
  override: { bind: string; bindToPort?: boolean } | undefined,
  ctx: ProxyContext,
): void {
  const bind = override?.bind;
  for (const service of egress.services) {
    const address = serviceAddressForProxy(service, ctx.pod);
    for (const port of service.ports) {
      if (conflictsWithReservedListener(port.port, port.protocol, bind)) continue;
      const listenerProtocol = listenerProtocolOf(port.protocol);
      // Headless services and address-less NONE ServiceEntries on TCP/AUTO ports: one listener per endpoint IP
      // (listener.go: buildSidecarOutboundListeners).
      if (
        !bind &&
        service.resolution === 'Passthrough' &&
        address === UNSPECIFIED_IP &&
        (listenerProtocol === 'TCP' || listenerProtocol === 'AUTO')
      ) {
        const instances = endpointsForPort(ctx.registry, service, port.port);
        if (service.registry !== 'Kubernetes' && instances.length === 0 && !service.selector) {
          addServicePort(listeners, service, port, undefined, egress.virtualServices, ctx);
          continue;
        }
        for (const instance of instances) {
          if (!isIpAddress(instance.address) || instance.address === ctx.pod.ip) continue;
          addServicePort(listeners, service, port, { bind: instance.address }, egress.virtualServices, ctx);
        }
        continue;
      }
      addServicePort(listeners, service, port, override, egress.virtualServices, ctx);
    }
  }
}

/**
 * listener.go: buildListenerFromEntry — a match-all chain becomes the default; otherwise the default is the
 * PassthroughFilterChain.
 */
function finalizeListener(entry: ListenerEntry, ctx: ProxyContext): Listener {
  const isMatchAll = (chain: FilterChain) => Object.keys(chain.match).length === 0;
  const matchAll = entry.chains.find(isMatchAll);
  const chains = entry.chains.filter((chain) => chain !== matchAll);
  const protocol = listenerProtocolOf(entry.protocol);
  return {
    name: `${entry.bind}_${entry.port}`,
    address: entry.bind,
    port: entry.port,
    kind: 'outbound',
    bindToPort: entry.bindToPort ?? false,
    protocol: protocol === 'NONE' ? 'TCP' : protocol,
    filterChains: chains,
    defaultFilterChain: matchAll
      ? { ...matchAll, name: chains.length > 0 ? 'default_filter_chain' : undefined }
      : {
          name: 'PassthroughFilterChain',
          match: {},
          action: { kind: 'tcp', clusters: [{ name: passthroughCluster(ctx), weight: 100 }] },
          service: undefined,
          sources: ctx.scope.outboundTrafficPolicySource ? [ctx.scope.outboundTrafficPolicySource] : [],
        },
    services: entry.services,
    droppedServices: entry.dropped,
  };
}

/** The virtualOutbound listener on 15001 (listener_builder.go: buildVirtualOutboundListener). */
export function buildVirtualOutboundListener(ctx: ProxyContext): Listener {
  const sources = ctx.scope.outboundTrafficPolicySource ? [ctx.scope.outboundTrafficPolicySource] : [];
  return {
    name: 'virtualOutbound',
    address: UNSPECIFIED_IP,
    port: 15001,
    kind: 'virtualOutbound',
    bindToPort: true,
    protocol: 'TCP',
    filterChains: [
      {
        name: 'virtualOutbound-blackhole',
        match: { destinationPort: 15001 },
        action: { kind: 'tcp', clusters: [{ name: BLACKHOLE_CLUSTER, weight: 100 }] },
        service: undefined,
        sources: [],
      },
      // listener_builder.go: buildAllowAnyDynamicDNSHTTPFilterChain — plaintext HTTP (HTTP inspector) to an unknown
      // destination goes to the dynamic forward proxy, routed by an inline allow_any_dynamic_dns route.
      ...(allowAnyDynamicDns(ctx)
        ? [
            {
              name: 'virtualOutbound-catchall-tcp-http',
              match: { applicationProtocols: ['http/1.0', 'http/1.1', 'h2c'] },
              action: { kind: 'http-inline' as const, routeConfigName: ALLOW_ANY_DYNAMIC_DNS },
              service: undefined,
              sources,
            },
          ]
        : []),
    ],
    defaultFilterChain: {
      name: 'virtualOutbound-catchall-tcp',
      match: {},
      action: { kind: 'tcp', clusters: [{ name: passthroughCluster(ctx), weight: 100 }] },
      service: undefined,
      sources,
    },
    services: [],
    droppedServices: [],
  };
}
