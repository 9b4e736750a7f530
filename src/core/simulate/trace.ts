import type { Analysis } from '../analysis.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import { findPodByRef, unknownPodReason } from '../model/podRef.ts';
import { listenerProtocolOf } from '../registry/protocol.ts';
import { cidrMatch, isIpAddress } from '../model/ip.ts';
import { buildRegistry, type Registry, type Service } from '../registry/registry.ts';
import { prepareScopeInputs, type ScopeInputs } from '../scope/sidecarScope.ts';
import { authorize } from '../security/authorization.ts';
import type { ProxyContext } from '../xds/context.ts';
import { targetPortFor } from '../xds/gateway.ts';
import { buildProxyConfig } from '../xds/proxyConfig.ts';
import { describeChainMatch } from '../xds/tables.ts';
import type { Cluster, FilterChain, LbEndpoint, Listener, ProxyConfig, Route } from '../xds/types.ts';
import { resolve, type DnsResult } from './dns.ts';
import { matchFilterChain, matchListener, matchRoute, matchVirtualHost, type ConnectionFacts } from './envoy.ts';
import { parseDestination, type AppProtocol, type TraceOptions, type TraceRequest } from './request.ts';

export type Outcome =
  | 'routed'
  | 'passthrough'
  | 'blackhole'
  | 'no-route'
  | 'no-listener'
  | 'direct'
  | 'dns-failure'
  | 'mtls-failure'
  | 'denied'
  | 'no-healthy-upstream'
  | 'cluster-not-found'
  | 'direct-response'
  | 'redirect'
  | 'fault';

export type StepKind =
  | 'dns'
  | 'capture'
  | 'listener'
  | 'filterChain'
  | 'virtualHost'
  | 'route'
  | 'cluster'
  | 'endpoint'
  | 'inbound'
  | 'authorization'
  | 'outcome';

/** One thing that happened to the request, why, and which objects caused it. */
export interface TraceStep {
  kind: StepKind;
  /** `namespace/pod` of the proxy this happened in, if any. */
  proxy: string | undefined;
  title: string;
  detail: string;
  sources: ObjectSource[];
  /** The Istio/Envoy name of what was picked (listener, virtual host, cluster...), for labels. */
  name?: string;
  /** What else was there and not taken, in words. */
  alternatives?: string[];
  /** Index of the hop (proxy) this step belongs to. */
  hop?: number;
  /** For endpoint steps: every endpoint of the service port and what happened to it. */
  endpoints?: Array<{
    address: string;
    state: 'chosen' | 'healthy' | 'unhealthy' | 'excluded';
    pod: string | undefined;
  }>;
}

/** What one proxy did with the request (the `hops` of `meshpath trace --json`). */
export interface TraceHop {
  proxy: string;
  direction: 'outbound' | 'inbound' | 'gateway';
  listener?: string;
  filterChain?: string;
  routeConfig?: string;
  virtualHost?: string;
  route?: string;
  cluster?: string;
  endpoints?: string[];
  endpoint?: string;
  accessLog?: string;
}

export interface Trace {
  outcome: Outcome;
  status: number | null;
  responseFlags: string;
  dns: { resolver: DnsResult['resolver']; name: string; answers: string[]; rcode: DnsResult['rcode'] };
  hops: TraceHop[];
  steps: TraceStep[];
  assumptions: string[];
  request: {
    from: string;
    host: string;
    port: number;
    protocol: AppProtocol;
    path: string;
    method: string;
    headers: Record<string, string>;
    sni: string | undefined;
    address: string | undefined;
  };
}

export type TraceResult = { ok: true; trace: Trace } | { ok: false; reason: string };

const HTTP_PROTOCOLS: ReadonlySet<AppProtocol> = new Set(['http', 'http2', 'grpc']);
const TLS_PROTOCOLS: ReadonlySet<AppProtocol> = new Set(['https', 'tls']);
/** The status an application sees when the request is served: HTTP-level protocols get one, raw TCP/TLS do not. */
const successStatus = (protocol: AppProtocol) => (protocol === 'tcp' || protocol === 'tls' ? null : 200);

function sourceKey(source: ObjectSource): string {
  return `${source.kind}/${source.namespace ?? ''}/${source.name}`;
}

function unique(sources: ObjectSource[]): ObjectSource[] {
  return [...new Map(sources.map((s) => [sourceKey(s), s])).values()];
}

/** A connection as its sender opens it: how it is wrapped, by whom, and the SNI it carries. */
interface Transport {
  kind: 'plaintext' | 'tls' | 'mtls';
  why: string;
  /** The pod whose application or proxy opened it; undefined for a client outside the mesh. */
  from: PodModel | undefined;
  sni: string | undefined;
}

/** Where the request goes after a proxy picked a cluster and an endpoint. */
interface Delivery {
  address: string;
  port: number;
  transport: Transport;
  /** The Service or ServiceEntry host of the cluster, when the proxy routed to one. */
  host: string | undefined;
  via: 'cluster' | 'passthrough' | 'direct';
}

type Terminal = {
  outcome: Outcome;
  status: number | null;
  flags: string;
  title: string;
  detail: string;
  sources: ObjectSource[];
};

class Tracer {
  readonly steps: TraceStep[] = [];
  readonly hops: TraceHop[] = [];
  readonly assumptions: string[] = [];
  private readonly configs = new Map<string, { config: ProxyConfig; ctx: ProxyContext }>();
  readonly podsByIp: Map<string, PodModel>;
  /** The name DNS answered for (the FQDN after the search path), and the address the app dialled. */
  resolvedName: string | undefined;
  dialled: string | undefined;

  constructor(
    readonly model: MeshModel,
    readonly registry: Registry,
    readonly inputs: ScopeInputs,
    readonly request: Trace['request'],
    readonly client: PodModel,
  ) {
    this.podsByIp = new Map(model.pods.filter((p) => p.ip).map((p) => [p.ip, p]));
  }

  step(
    kind: StepKind,
    proxy: PodModel | undefined,
    title: string,
    detail: string,
    sources: ObjectSource[] = [],
    extra: Pick<TraceStep, 'name' | 'alternatives' | 'endpoints'> = {},
  ): void {
    const proxyRef = proxy ? `${proxy.namespace}/${proxy.name}` : undefined;
    const lastHop = this.hops.length - 1;
    const hop = proxyRef !== undefined && lastHop >= 0 && this.hops[lastHop]?.proxy === proxyRef ? lastHop : undefined;
    this.steps.push({
      kind,
      proxy: proxyRef,
      title,
      detail,
      sources: unique(sources),
      ...extra,
      ...(hop !== undefined ? { hop } : {}),
    });
  }

  proxyConfig(pod: PodModel): { config: ProxyConfig; ctx: ProxyContext } {
    const key = `${pod.namespace}/${pod.name}`;
    let entry = this.configs.get(key);
    if (!entry) {
      entry = buildProxyConfig(pod, this.inputs);
      this.configs.set(key, entry);
    }
    return entry;
  }

  get isHttp(): boolean {
    return HTTP_PROTOCOLS.has(this.request.protocol);
  }

  hostHeader(): string {
    return this.request.headers['host'] ?? this.request.host;
  }

  /**
   * One line of Istio's default access-log format (EnvoyTextLogFormat in pilot/pkg/model/telemetry_logging.go). An HTTP
   * connection manager logs the request; a TCP proxy logs the connection, as `"- - -" 0` with no request fields, and a
   * network RBAC denial shows as connection termination details.
   */
  accessLog(hop: {
    http: boolean;
    code: number | null;
    flags: string;
    details: string;
    upstreamHost: string;
    cluster: string;
    downstreamLocal: string;
    downstreamRemote: string;
    route: string;
    sni: string | undefined;
  }): string {
    const tail = `"${hop.upstreamHost}" ${hop.cluster} - ${hop.downstreamLocal} ${hop.downstreamRemote} ${hop.sni ?? '-'}`;
    if (!hop.http) {
      const termination = hop.details.startsWith('rbac_') ? hop.details : '-';
      const details = hop.details === 'via_upstream' || termination !== '-' ? '-' : hop.details;
      return `[-] "- - -" 0 ${hop.flags} ${details} ${termination} "-" - - - - "-" "-" "-" "-" ${tail} -`;
    }
    const protocol = this.request.protocol === 'http' ? 'HTTP/1.1' : 'HTTP/2';
    return `[-] "${this.request.method} ${this.request.path} ${protocol}" ${hop.code ?? 0} ${hop.flags} ${hop.details} - "-" - - - - "-" "curl/8.5.0" "-" "${this.hostHeader()}" ${tail} ${hop.route || '-'}`;
  }
}

function chainLabel(chain: FilterChain): string {
  return chain.name ?? describeChainMatch(chain.match);
}

function alpnFor(protocol: AppProtocol, transport: Transport['kind']): string | undefined {
  if (transport === 'mtls')
    return protocol === 'http' ? 'istio-http/1.1' : protocol === 'http2' || protocol === 'grpc' ? 'istio-h2' : 'istio';
  if (transport === 'tls') return protocol === 'https' ? 'h2' : undefined;
  return protocol === 'http' ? 'http/1.1' : protocol === 'http2' || protocol === 'grpc' ? 'h2c' : undefined;
}

function weightiest<T extends { weight: number }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => b.weight - a.weight)[0];
}

/**
 * Walks one request through the proxies on its way, as Envoy would, and explains each step
 * (modelled on pilot/pkg/simulation/traffic.go, extended from DNS to the destination's inbound side).
 */
export function traceRequest(analysis: Analysis, request: TraceRequest, options: TraceOptions = {}): TraceResult {
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  const meshConfig = options.outboundTrafficPolicy
    ? { ...analysis.model.meshConfig, outboundTrafficPolicy: options.outboundTrafficPolicy }
    : analysis.model.meshConfig;
  const original = findPodByRef(analysis.model, request.from);
  if (!original) return { ok: false, reason: unknownPodReason(analysis.model, request.from) };
  const client: PodModel =
    options.dnsCapture !== undefined && original.proxy.kind !== 'none'
      ? { ...original, proxy: { ...original.proxy, dnsCapture: options.dnsCapture } }
      : original;
  const model: MeshModel = {
    ...analysis.model,
    meshConfig,
    pods: analysis.model.pods.map((p) => (p === original ? client : p)),
  };
  const registry = buildRegistry(model, clusterDomain);
  const inputs = prepareScopeInputs(model, registry, clusterDomain);

  // The request as the application makes it.
  const parsed = parseDestination(request.to);
  const host = parsed.host;
  const knownService = findServiceByName(registry, host, client.namespace, clusterDomain);
  const knownPort = knownService && knownService.ports.length === 1 ? knownService.ports[0] : undefined;
  const protocol: AppProtocol =
    request.protocol ??
    parsed.protocol ??
    protocolFromService(knownService, request.port ?? parsed.port) ??
    (knownPort ? protocolOfPort(knownPort.protocol) : undefined) ??
    'http';
  const port =
    request.port ??
    parsed.port ??
    parsed.schemePort ??
    knownPort?.port ??
    (protocol === 'https' || protocol === 'tls' ? 443 : 80);
  const defaultPort = protocol === 'https' ? 443 : 80;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  if (headers['host'] === undefined) headers['host'] = port === defaultPort ? host : `${host}:${port}`;
  const normalized: Trace['request'] = {
    from: `${client.namespace}/${client.name}`,
    host,
    port,
    protocol,
    path: request.path ?? parsed.path ?? '/',
    method: (request.method ?? 'GET').toUpperCase(),
    headers,
    sni: TLS_PROTOCOLS.has(protocol) ? (request.sni ?? (isIpAddress(host) ? undefined : host)) : request.sni,
    address: request.address,
  };
  const tracer = new Tracer(model, registry, inputs, normalized, client);
  if (!knownPort && !request.port && !parsed.port && !parsed.schemePort)
    tracer.assumptions.push(`No port given for ${host}: assumed ${port}.`);

  let dns: Trace['dns'];
  let result: Terminal;
  if (client.proxy.kind === 'gateway') {
    // A request arriving at a gateway from outside: it is addressed to the gateway, its Host names the service.
    dns = { resolver: 'none', name: host, answers: [], rcode: 'NOERROR' };
    const { ctx } = tracer.proxyConfig(client);
    const targetPort = targetPortFor(ctx, port);
    tracer.step(
      'capture',
      client,
      `Arrives at gateway ${client.namespace}/${client.name}`,
      `The request comes from outside the mesh to the gateway's port ${port}${targetPort !== port ? `, which its Service sends to the pod's port ${targetPort}` : ''}. The gateway's Envoy listens there itself; no iptables capture is involved.`,
      [client.source],
    );
    const transport: Transport = {
      kind: TLS_PROTOCOLS.has(protocol) ? 'tls' : 'plaintext',
      why: 'as sent by the external client',
      from: undefined,
      sni: TLS_PROTOCOLS.has(protocol) ? normalized.sni : undefined,
    };
    result = gatewayHop(tracer, client, targetPort, transport, 0);
  } else {
    const resolved = resolveDestination(tracer, client, host, clusterDomain, request.address);
    dns = { resolver: resolved.resolver, name: resolved.name, answers: resolved.answers, rcode: resolved.rcode };
    if (resolved.rcode === 'NXDOMAIN' || resolved.answers.length === 0) {
      result = {
        outcome: 'dns-failure',
        status: null,
        flags: '-',
        title: 'DNS lookup failed',
        detail: resolved.detail,
        sources: resolved.sources,
      };
    } else {
      const address = resolved.answers[0] ?? host;
      tracer.resolvedName = resolved.name;
      tracer.dialled = address;
      result = outboundFromClient(tracer, client, address);
    }
  }
  tracer.step(
    'outcome',
    undefined,
    `${result.outcome}${result.status !== null ? ` · ${result.status}` : ''}${result.flags !== '-' ? ` ${result.flags}` : ''}`,
    result.detail,
    result.sources,
  );
  return {
    ok: true,
    trace: {
      outcome: result.outcome,
      status: result.status,
      responseFlags: result.flags,
      dns,
      hops: tracer.hops,
      steps: tracer.steps,
      assumptions: tracer.assumptions,
      request: normalized,
    },
  };
}

function protocolOfPort(protocol: Service['ports'][number]['protocol']): AppProtocol {
  switch (protocol) {
    case 'HTTP2':
      return 'http2';
    case 'GRPC':
    case 'GRPC-Web':
      return 'grpc';
    case 'HTTPS':
      return 'https';
    case 'TLS':
      return 'tls';
    case 'TCP':
    case 'Mongo':
    case 'MySQL':
    case 'Redis':
      return 'tcp';
    default:
      return 'http';
  }
}

function protocolFromService(service: Service | undefined, port: number | undefined): AppProtocol | undefined {
  if (!service || port === undefined) return undefined;
  const servicePort = service.ports.find((p) => p.port === port);
  return servicePort ? protocolOfPort(servicePort.protocol) : undefined;
}

/** The service a name as the app writes it most likely means, for defaults only (short, name.ns, FQDN, ServiceEntry host). */
function findServiceByName(
  registry: Registry,
  host: string,
  namespace: string,
  clusterDomain: string,
): Service | undefined {
  const candidates = host.includes('.')
    ? [host, `${host}.svc.${clusterDomain}`]
    : [`${host}.${namespace}.svc.${clusterDomain}`];
  for (const candidate of candidates) {
    const service = registry.services.find((s) => s.hostname === candidate);
    if (service) return service;
  }
  return registry.services.find((s) => s.defaultAddress === host || s.clusterIPs.includes(host));
}

function resolveDestination(
  tracer: Tracer,
  client: PodModel,
  host: string,
  clusterDomain: string,
  address: string | undefined,
): DnsResult {
  if (isIpAddress(host)) {
    tracer.step('dns', client, 'No DNS lookup', `${host} is an IP address: the application connects to it directly.`);
    return {
      resolver: 'none',
      name: host,
      answers: [host],
      rcode: 'NOERROR',
      queries: [],
      detail: '',
      sources: [],
      assumption: undefined,
    };
  }
  const capture = client.proxy.kind === 'sidecar' && client.proxy.dnsCapture;
  const nameTable = capture ? tracer.proxyConfig(client).config.nameTable : undefined;
  const result = resolve(host, {
    pod: client,
    registry: tracer.registry,
    clusterDomain,
    nameTable,
    addressOverride: address,
  });
  if (result.assumption) tracer.assumptions.push(result.assumption);
  if (address && result.rcode === 'NOERROR' && !result.answers.includes(address)) {
    result.answers = [address, ...result.answers];
  }
  const title =
    result.rcode === 'NXDOMAIN' ? `${host} does not resolve (NXDOMAIN)` : `${host} → ${result.answers.join(', ')}`;
  const who = capture
    ? 'The istio-agent DNS proxy (DNS capture is on for this pod) handles the lookup.'
    : client.proxy.kind === 'sidecar'
      ? 'DNS capture is off for this pod: kube-dns answers, and Istio plays no part.'
      : 'The pod has no sidecar: kube-dns answers.';
  const tried =
    result.queries.length > 0 ? ` Tried: ${result.queries.map((q) => `${q.name} (${q.answeredBy})`).join('; ')}.` : '';
  tracer.step('dns', client, title, `${who} ${result.detail}${tried}`, [
    ...result.sources,
    ...(capture && client.proxy.proxyMetadata.has('ISTIO_META_DNS_CAPTURE') && tracer.model.meshConfig.source
      ? [tracer.model.meshConfig.source]
      : []),
  ]);
  return result;
}

function ipInRanges(ranges: readonly string[], ip: string): boolean {
  return ranges.some((range) => range === '*' || cidrMatch(range, ip) !== undefined);
}

/** iptables capture decision for the client's connection (tools/istio-iptables/pkg/capture/run.go). */
function captured(client: PodModel, address: string, port: number): { captured: boolean; why: string } {
  if (client.proxy.kind !== 'sidecar')
    return {
      captured: false,
      why: `${client.namespace}/${client.name} has no sidecar (${client.proxy.reason}), so nothing redirects its connections`,
    };
  const capture = client.capture;
  if (capture.excludeOutboundPorts.includes(port))
    return { captured: false, why: `port ${port} is in traffic.sidecar.istio.io/excludeOutboundPorts` };
  if (address === '127.0.0.1') return { captured: false, why: 'traffic to 127.0.0.1 is never redirected' };
  if (ipInRanges(capture.excludeOutboundIPRanges, address))
    return { captured: false, why: `${address} is in traffic.sidecar.istio.io/excludeOutboundIPRanges` };
  if (capture.includeOutboundPorts.includes(port))
    return { captured: true, why: `port ${port} is in traffic.sidecar.istio.io/includeOutboundPorts` };
  if (ipInRanges(capture.includeOutboundIPRanges, address)) {
    return {
      captured: true,
      why: capture.includeOutboundIPRanges.includes('*')
        ? 'iptables redirects every outbound TCP connection to Envoy on port 15001'
        : `${address} is in traffic.sidecar.istio.io/includeOutboundIPRanges`,
    };
  }
  return {
    captured: false,
    why: `${address} is outside traffic.sidecar.istio.io/includeOutboundIPRanges (${capture.includeOutboundIPRanges.join(',')})`,
  };
}

function outboundFromClient(tracer: Tracer, client: PodModel, address: string): Terminal {
  const { port, protocol } = tracer.request;
  const capture = captured(client, address, port);
  if (!capture.captured) {
    tracer.step(
      'capture',
      client,
      'Not captured: the connection goes straight out',
      `${capture.why}. No VirtualService, DestinationRule, ServiceEntry or outbound traffic policy applies; kube-proxy delivers it.`,
      [client.source],
    );
    return directDelivery(tracer, client, address, port, 0);
  }
  tracer.step(
    'capture',
    client,
    `Captured by ${client.namespace}/${client.name}'s sidecar`,
    `TCP to ${address}:${port}: ${capture.why}.`,
    [client.source],
  );
  const { config } = tracer.proxyConfig(client);
  const transport: Transport = {
    kind: TLS_PROTOCOLS.has(protocol) ? 'tls' : 'plaintext',
    why: 'as the application sends it',
    from: client,
    sni: TLS_PROTOCOLS.has(protocol) ? tracer.request.sni : undefined,
  };
  return proxyHop(tracer, client, config, 'outbound', address, port, transport, 0);
}

/** kube-proxy / the network delivers a connection to an address: a ClusterIP is DNATed to one of its ready endpoints. */
function deliverToAddress(
  tracer: Tracer,
  address: string,
  port: number,
  transport: Transport,
  via: Delivery['via'],
  depth: number,
): Terminal {
  const service = tracer.registry.services.find((s) => s.registry === 'Kubernetes' && s.clusterIPs.includes(address));
  if (service) {
    const servicePort = service.ports.find((p) => p.port === port);
    const endpoint = servicePort
      ? (tracer.registry.endpoints.get(service) ?? []).find(
          (e) => e.servicePortName === servicePort.name && e.health === 'Healthy' && isIpAddress(e.address),
        )
      : undefined;
    if (!endpoint) {
      return {
        outcome: 'no-healthy-upstream',
        status: null,
        flags: '-',
        title: 'kube-proxy has no endpoint',
        detail: `${address} is the ClusterIP of ${service.hostname}, which has no ready endpoint on port ${port}: the connection is refused.`,
        sources: [service.source],
      };
    }
    tracer.step(
      'endpoint',
      undefined,
      `kube-proxy → ${endpoint.address}:${endpoint.port}`,
      `${address}:${port} is the ClusterIP of ${service.hostname}; kube-proxy sends the connection to one of its ready endpoints${via === 'passthrough' ? ", without any of the mesh's routing, DestinationRules or mTLS" : ''}.`,
      [service.source, ...(endpoint.workload ? [endpoint.workload] : [])],
      { name: `${endpoint.address}:${endpoint.port}` },
    );
    return arrive(
      tracer,
      { address: endpoint.address, port: endpoint.port, transport, host: service.hostname, via },
      depth,
    );
  }
  return arrive(tracer, { address, port, transport, host: undefined, via }, depth);
}

function directDelivery(tracer: Tracer, client: PodModel, address: string, port: number, depth: number): Terminal {
  const tls = TLS_PROTOCOLS.has(tracer.request.protocol);
  return deliverToAddress(
    tracer,
    address,
    port,
    {
      kind: tls ? 'tls' : 'plaintext',
      why: 'not wrapped by any sidecar',
      from: client,
      sni: tls ? tracer.request.sni : undefined,
    },
    'direct',
    depth,
  );
}

/** A connection reaches an address: a gateway pod, a pod with a sidecar, a pod without one, or something outside the mesh. */
function arrive(tracer: Tracer, delivery: Delivery, depth: number): Terminal {
  const pod = tracer.podsByIp.get(delivery.address);
  const protocol = tracer.request.protocol;
  if (pod && pod.proxy.kind === 'gateway' && depth < 6) {
    return gatewayHop(tracer, pod, delivery.port, delivery.transport, depth + 1);
  }
  if (pod && pod.proxy.kind === 'sidecar') return inboundHop(tracer, pod, delivery);
  if (delivery.transport.kind === 'mtls') {
    return {
      outcome: 'mtls-failure',
      status: tracer.hops.length > 0 && HTTP_PROTOCOLS.has(protocol) ? 503 : null,
      flags: tracer.hops.length > 0 ? 'UF' : '-',
      title: 'The destination cannot speak Istio mTLS',
      detail: `${delivery.address}:${delivery.port} ${pod ? `is ${pod.namespace}/${pod.name}, which has no sidecar` : 'is not a mesh workload'}, but the client's proxy sends Istio mTLS (${delivery.transport.why}): the handshake fails.`,
      sources: pod ? [pod.source] : [],
    };
  }
  const success = successStatus(protocol);
  const outcome: Outcome =
    delivery.via === 'passthrough' ? 'passthrough' : delivery.via === 'direct' ? 'direct' : 'routed';
  const where = pod
    ? `${pod.namespace}/${pod.name} (no sidecar: no mTLS is required and no AuthorizationPolicy is enforced there)`
    : delivery.host && !isIpAddress(delivery.host)
      ? `${delivery.host}, outside the mesh`
      : `${delivery.address}, outside the mesh`;
  return {
    outcome,
    status: success,
    flags: '-',
    title: `Delivered to ${delivery.address}:${delivery.port}`,
    detail: `The connection reaches ${where} in ${delivery.transport.kind === 'plaintext' ? 'plaintext' : 'TLS'}.`,
    sources: pod ? [pod.source] : [],
  };
}

function proxyName(pod: PodModel): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Listener → filter chain → (HTTP: route configuration → virtual host → route) or TCP cluster → endpoint, in one proxy. */
function proxyHop(
  tracer: Tracer,
  pod: PodModel,
  config: ProxyConfig,
  direction: 'outbound' | 'gateway',
  address: string,
  port: number,
  transport: Transport,
  depth: number,
): Terminal {
  const request = tracer.request;
  const hop: TraceHop = { proxy: proxyName(pod), direction };
  tracer.hops.push(hop);
  const listener: Listener | undefined =
    direction === 'gateway'
      ? config.listeners.find((l) => l.port === port && l.kind === 'gateway')
      : matchListener(config.listeners, address, port);
  const downstreamLocal = `${address}:${port}`;
  // Until a filter chain is chosen the log line follows the application's protocol; then the chain's filter decides.
  let loggedAsHttp = tracer.isHttp;
  const log = (code: number | null, flags: string, details: string, cluster = '-', upstreamHost = '-', route = '-') => {
    hop.accessLog = tracer.accessLog({
      http: loggedAsHttp,
      code,
      flags,
      details,
      upstreamHost,
      cluster,
      downstreamLocal,
      downstreamRemote: transport.from?.ip ?? '-',
      route,
      sni: transport.sni,
    });
  };
  if (!listener) {
    log(null, 'NR', 'filter_chain_not_found');
    return {
      outcome: 'no-listener',
      status: null,
      flags: 'NR',
      title: `No listener on port ${port}`,
      detail: `${proxyName(pod)} has no listener for port ${port}: ${direction === 'gateway' ? 'no Gateway server of this gateway uses that port' : 'nothing handles the connection'}, so it is refused.`,
      sources: [pod.source],
    };
  }
  hop.listener = listener.name;
  const otherListeners = config.listeners
    .filter((l) => l !== listener && l.port === port)
    .map((l) => `${l.name} (for ${l.address})`);
  tracer.step('listener', pod, `Listener ${listener.name}`, listenerWhy(listener, address, port), [], {
    name: listener.name,
    alternatives: otherListeners,
  });
  const facts: ConnectionFacts = {
    address,
    port,
    sni: transport.kind !== 'plaintext' ? request.sni : undefined,
    transport: transport.kind,
    alpn: alpnFor(request.protocol, transport.kind),
  };
  const chain = matchFilterChain(listener, facts);
  if (!chain) {
    log(null, 'NR', 'filter_chain_not_found');
    return {
      outcome: 'no-listener',
      status: null,
      flags: 'NR',
      title: 'No filter chain matches',
      detail: `No filter chain of ${listener.name} matches this connection (${describeFacts(facts)}), and the listener has no default chain: the connection is closed.`,
      sources: [],
    };
  }
  hop.filterChain = chainLabel(chain);
  loggedAsHttp = tracer.isHttp && chain.action.kind !== 'tcp';
  const otherChains = [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])]
    .filter((c) => c !== chain)
    .map(
      (c) =>
        `${describeChainMatch(c.match)} → ${c.action.kind === 'tcp' ? c.action.clusters.map((x) => x.name).join(', ') : `route ${c.action.routeConfigName}`}`,
    );
  tracer.step(
    'filterChain',
    pod,
    `Filter chain ${chainLabel(chain)}`,
    `${describeFacts(facts)} ${chain === listener.defaultFilterChain ? `matches none of the listener's other chains, so the default chain takes it` : `matches ${describeChainMatch(chain.match)}`}.`,
    chain.sources,
    { name: chainLabel(chain), alternatives: otherChains },
  );

  let clusterName: string;
  let route: Route | undefined;
  const action0 = chain.action;
  if (action0.kind === 'http' || action0.kind === 'http-inline') {
    const routeConfigName = action0.routeConfigName;
    if (!tracer.isHttp) {
      log(null, '-', 'protocol_error');
      return {
        outcome: 'no-listener',
        status: null,
        flags: '-',
        title: 'Not HTTP',
        detail: `The chain parses HTTP, but this connection carries ${request.protocol}: Envoy cannot decode it and closes it.`,
        sources: chain.sources,
      };
    }
    const routeConfig = config.routes.find((r) => r.name === routeConfigName);
    hop.routeConfig = routeConfigName;
    const hostHeader = tracer.hostHeader();
    const vhostMatch = routeConfig ? matchVirtualHost(routeConfig, hostHeader) : undefined;
    if (!vhostMatch) {
      log(404, 'NR', 'route_not_found');
      return {
        outcome: 'no-route',
        status: 404,
        flags: 'NR',
        title: `No virtual host for ${hostHeader}`,
        detail: `Route configuration ${routeConfigName} has no virtual host whose domains match Host ${hostHeader}: 404 NR.`,
        sources: chain.sources,
      };
    }
    const vhost = vhostMatch.vhost;
    hop.virtualHost = vhost.name;
    tracer.step(
      'virtualHost',
      pod,
      `Virtual host ${vhost.name}`,
      `Host ${hostHeader} ${vhost.domains.includes('*') && vhost.domains.length === 1 ? 'matches no specific domain; the catch-all virtual host (*) takes it' : `matches the domain ${vhostMatch.domain}`} in route configuration ${routeConfigName}.`,
      vhost.sources,
      {
        name: vhost.name,
        alternatives: (routeConfig?.virtualHosts ?? [])
          .filter((v) => v !== vhost)
          .map((v) => `${v.name}: ${v.domains.slice(0, 4).join(', ')}${v.domains.length > 4 ? ', …' : ''}`),
      },
    );
    route = matchRoute(vhost, { path: request.path, headers: requestHeaders(tracer) });
    if (!route) {
      log(404, 'NR', 'route_not_found', '-', '-', '-');
      return {
        outcome: 'no-route',
        status: 404,
        flags: 'NR',
        title: 'No route matches',
        detail: `None of the ${vhost.routes.length} routes of ${vhost.name} matches ${request.method} ${request.path}${vhost.routes.length > 0 ? ` (routes: ${vhost.routes.map((r) => r.match.description).join('; ')})` : ''}: 404 NR.`,
        sources: vhost.sources,
      };
    }
    hop.route = route.name || undefined;
    const matchedRoute = route;
    const skipped = vhost.routes
      .slice(0, vhost.routes.indexOf(matchedRoute))
      .map((r) => `${r.name || '(unnamed)'}: ${r.match.description} — does not match`);
    const later = vhost.routes
      .slice(vhost.routes.indexOf(matchedRoute) + 1)
      .map((r) => `${r.name || '(unnamed)'}: ${r.match.description} — not reached`);
    tracer.step(
      'route',
      pod,
      `Route ${route.name || '(unnamed)'}${route.virtualService ? ` of VirtualService ${route.virtualService.namespace}/${route.virtualService.name}` : ''}`,
      `${request.method} ${request.path} matches ${route.match.description}${route.virtualService ? ` (http[${route.virtualService.httpIndex}]${route.virtualService.matchIndex !== undefined ? `.match[${route.virtualService.matchIndex}]` : ''})` : ''}.`,
      route.sources,
      { name: route.name || '(unnamed)', alternatives: [...skipped, ...later] },
    );
    const action = route.action;
    if (action.kind === 'directResponse') {
      const blocked = route.name === 'block_all';
      log(action.status, '-', 'direct_response', '-', '-', route.name);
      return blocked
        ? {
            outcome: 'blackhole',
            status: 502,
            flags: '-',
            title: `502 · blocked by REGISTRY_ONLY`,
            detail: `Host ${hostHeader} is not a service this proxy knows on port ${port}, and the outbound traffic policy is REGISTRY_ONLY: the block_all virtual host answers 502 itself. ${unknownHostCause(tracer, pod, hostHeader)}`,
            sources: route.sources,
          }
        : {
            outcome: 'direct-response',
            status: action.status,
            flags: '-',
            title: `Direct response ${action.status}`,
            detail: `The route answers ${action.status} itself; no upstream is contacted.`,
            sources: route.sources,
          };
    }
    if (action.kind === 'redirect') {
      log(action.status, '-', 'redirect', '-', '-', route.name);
      return {
        outcome: 'redirect',
        status: action.status,
        flags: '-',
        title: `Redirect ${action.status}`,
        detail: `The route redirects to ${action.scheme ? `${action.scheme}://` : ''}${action.host ?? hostHeader}${action.port ? `:${action.port}` : ''}${action.path ?? request.path}.`,
        sources: route.sources,
      };
    }
    if (action.kind === 'none') {
      log(404, 'NR', 'route_not_found');
      return {
        outcome: 'no-route',
        status: 404,
        flags: 'NR',
        title: 'The route has no action',
        detail: 'The matched rule has no usable action (for example a redirect code Istio does not support).',
        sources: route.sources,
      };
    }
    if (action.fault?.abort) {
      if (action.fault.abort.percent >= 100) {
        log(action.fault.abort.status, 'FI', 'fault_filter_abort', '-', '-', route.name);
        return {
          outcome: 'fault',
          status: action.fault.abort.status,
          flags: 'FI',
          title: `Fault injection aborts with ${action.fault.abort.status}`,
          detail: `The route's fault.abort answers ${action.fault.abort.status} before any upstream is contacted.`,
          sources: route.sources,
        };
      }
      tracer.assumptions.push(
        `The route aborts ${action.fault.abort.percent}% of requests with ${action.fault.abort.status}; this trace follows a request that is not aborted.`,
      );
    }
    const chosen = weightiest(action.clusters);
    if (!chosen) {
      log(503, 'NC', 'cluster_not_found');
      return {
        outcome: 'cluster-not-found',
        status: 503,
        flags: 'NC',
        title: 'No cluster',
        detail: 'The route names no cluster.',
        sources: route.sources,
      };
    }
    if (action.clusters.length > 1)
      tracer.step(
        'route',
        pod,
        `Weighted: ${chosen.name} (${chosen.weight}%)`,
        `The route splits traffic: ${action.clusters.map((c) => `${c.name} ${c.weight}%`).join(', ')}. This trace follows the heaviest.`,
        route.sources,
      );
    clusterName = chosen.name;
  } else {
    const chosen = weightiest(action0.clusters);
    clusterName = chosen?.name ?? '';
    if (action0.clusters.length > 1)
      tracer.step(
        'route',
        pod,
        `Weighted: ${clusterName}`,
        `The chain splits connections: ${action0.clusters.map((c) => `${c.name} ${c.weight}%`).join(', ')}. This trace follows the heaviest.`,
        chain.sources,
      );
  }
  hop.cluster = clusterName;
  return clusterHop(tracer, pod, config, hop, clusterName, route, address, port, transport, depth, log);
}

function clusterHop(
  tracer: Tracer,
  pod: PodModel,
  config: ProxyConfig,
  hop: TraceHop,
  clusterName: string,
  route: Route | undefined,
  address: string,
  port: number,
  transport: Transport,
  depth: number,
  log: (
    code: number | null,
    flags: string,
    details: string,
    cluster?: string,
    upstreamHost?: string,
    route?: string,
  ) => void,
): Terminal {
  const routeName = route?.name ?? '-';
  const isHttp = tracer.isHttp && route !== undefined;
  const cluster: Cluster | undefined = config.clusters.find((c) => c.name === clusterName);
  if (clusterName === 'BlackHoleCluster') {
    tracer.step(
      'cluster',
      pod,
      'BlackHoleCluster',
      blackholeWhy(tracer, pod, address, port),
      blackholeSources(tracer, pod),
    );
    log(null, 'UH', '-', 'BlackHoleCluster', '-', routeName);
    return {
      outcome: 'blackhole',
      status: null,
      flags: 'UH',
      title: 'Blocked: BlackHoleCluster',
      detail: `${blackholeWhy(tracer, pod, address, port)} The connection is closed.`,
      sources: blackholeSources(tracer, pod),
    };
  }
  if (!cluster) {
    log(isHttp ? 503 : null, 'NC', 'cluster_not_found', clusterName, '-', routeName);
    return {
      outcome: 'cluster-not-found',
      status: isHttp ? 503 : null,
      flags: 'NC',
      title: `Cluster ${clusterName} does not exist`,
      detail: clusterMissingWhy(tracer, pod, clusterName),
      sources: route?.sources ?? [],
    };
  }
  if (clusterName === 'PassthroughCluster') {
    tracer.step(
      'cluster',
      pod,
      'PassthroughCluster',
      `${passthroughWhy(tracer, pod, address, port)} Envoy connects to the address the application dialled, ${address}:${port}, without mTLS.`,
      blackholeSources(tracer, pod),
    );
    log(
      successStatus(tracer.request.protocol),
      '-',
      'via_upstream',
      'PassthroughCluster',
      `${address}:${port}`,
      routeName,
    );
    return deliverToAddress(
      tracer,
      address,
      port,
      {
        kind: transport.kind === 'tls' ? 'tls' : 'plaintext',
        why: 'PassthroughCluster adds no TLS',
        from: pod,
        sni: transport.kind === 'tls' ? transport.sni : undefined,
      },
      'passthrough',
      depth,
    );
  }
  tracer.step(
    'cluster',
    pod,
    `Cluster ${cluster.name}`,
    `${cluster.type} cluster${cluster.subset ? ` for subset ${cluster.subset}` : ''}${cluster.destinationRule ? ` (DestinationRule ${cluster.destinationRule.namespace}/${cluster.destinationRule.name})` : ''}. Upstream TLS: ${cluster.tls.reason}.`,
    cluster.sources,
    { name: cluster.name },
  );
  const assignment = config.endpoints.find((e) => e.clusterName === cluster.name);
  const all = assignment?.endpoints ?? [];
  hop.endpoints = all.map((e) => `${e.address}:${e.port}`);
  if (cluster.type === 'ORIGINAL_DST') {
    tracer.step(
      'endpoint',
      pod,
      `Original destination ${address}:${port}`,
      'The cluster forwards to the address the application dialled.',
      cluster.sources,
    );
    hop.endpoint = `${address}:${port}`;
    log(successStatus(tracer.request.protocol), '-', 'via_upstream', cluster.name, `${address}:${port}`, routeName);
    const kind: Transport['kind'] =
      cluster.tls.mode === 'ISTIO_MUTUAL' ? 'mtls' : transport.kind === 'tls' ? 'tls' : 'plaintext';
    return deliverToAddress(
      tracer,
      address,
      port,
      {
        kind,
        why: cluster.tls.reason,
        from: pod,
        sni: kind === 'mtls' ? istioMtlsSni(cluster.name) : kind === 'tls' ? transport.sni : undefined,
      },
      'cluster',
      depth,
    );
  }
  const healthy = all.filter((e) => e.health === 'HEALTHY');
  if (healthy.length === 0) {
    log(isHttp ? 503 : null, 'UH', 'no_healthy_upstream', cluster.name, '-', routeName);
    return {
      outcome: 'no-healthy-upstream',
      status: isHttp ? 503 : null,
      flags: 'UH',
      title: `No healthy endpoint in ${cluster.name}`,
      detail:
        all.length === 0
          ? `${cluster.name} has no endpoints${cluster.subset ? `: no pod of ${cluster.service ?? ''} has the labels of subset ${cluster.subset}` : ''}. 503 UH.`
          : `All ${all.length} endpoints of ${cluster.name} are unhealthy (not ready). 503 UH.`,
      sources: cluster.sources,
    };
  }
  const chosen = healthy[0] as LbEndpoint;
  hop.endpoint = `${chosen.address}:${chosen.port}`;
  const upstream: Transport['kind'] = chosen.mtls
    ? 'mtls'
    : cluster.tls.mode === 'SIMPLE' || cluster.tls.mode === 'MUTUAL' || transport.kind === 'tls'
      ? 'tls'
      : 'plaintext';
  tracer.step(
    'endpoint',
    pod,
    `Endpoint ${chosen.address}:${chosen.port}${chosen.podName ? ` (${chosen.podName})` : ''}`,
    `${healthy.length} healthy of ${all.length} endpoints${all.length > healthy.length ? ' (unready ones are never picked)' : ''}; Envoy balances across them (${cluster.loadBalancer}), this trace follows the first. Transport: ${upstream === 'mtls' ? 'Istio mTLS' : upstream === 'tls' ? 'TLS' : 'plaintext'}.`,
    chosen.workload ? [chosen.workload] : [],
    {
      name: `${chosen.address}:${chosen.port}`,
      endpoints: endpointStates(tracer, cluster, all, chosen),
    },
  );
  log(
    successStatus(tracer.request.protocol),
    '-',
    'via_upstream',
    cluster.name,
    `${chosen.address}:${chosen.port}`,
    routeName,
  );
  const sni =
    upstream === 'mtls'
      ? istioMtlsSni(cluster.name)
      : upstream === 'tls'
        ? (cluster.tls.sni ?? transport.sni)
        : undefined;
  return arrive(
    tracer,
    {
      address: chosen.address,
      port: chosen.port,
      transport: { kind: upstream, why: cluster.tls.reason, from: pod, sni },
      host: cluster.service,
      via: 'cluster',
    },
    depth,
  );
}

/** Every endpoint of the cluster's service port: the one chosen, the other healthy and unhealthy ones, and those a subset excluded. */
function endpointStates(
  tracer: Tracer,
  cluster: Cluster,
  all: LbEndpoint[],
  chosen: LbEndpoint,
): NonNullable<TraceStep['endpoints']> {
  const inCluster = all.map((e) => ({
    address: `${e.address}:${e.port}`,
    state: e === chosen ? ('chosen' as const) : e.health === 'HEALTHY' ? ('healthy' as const) : ('unhealthy' as const),
    pod: e.podName,
  }));
  if (!cluster.subset || !cluster.service) return inCluster;
  const service = tracer.registry.services.find((s) => s.hostname === cluster.service);
  const servicePort = service?.ports.find((p) => p.port === cluster.port);
  const excluded =
    service && servicePort
      ? (tracer.registry.endpoints.get(service) ?? []).filter(
          (e) =>
            e.servicePortName === servicePort.name &&
            e.health !== 'Terminating' &&
            !inCluster.some((c) => c.address === `${e.address}:${e.port}`),
        )
      : [];
  return [
    ...inCluster,
    ...excluded.map((e) => ({ address: `${e.address}:${e.port}`, state: 'excluded' as const, pod: e.podName })),
  ];
}

/** A gateway pod handles the request like a router: its own listener on the target port, routes and clusters. */
function gatewayHop(tracer: Tracer, pod: PodModel, port: number, transport: Transport, depth: number): Terminal {
  const { config } = tracer.proxyConfig(pod);
  tracer.step('listener', pod, `Gateway ${proxyName(pod)}`, `The request reaches the gateway pod ${pod.ip}:${port}.`, [
    pod.source,
  ]);
  return proxyHop(tracer, pod, config, 'gateway', pod.ip, port, transport, depth);
}

/** The destination's sidecar: virtualInbound, the chain for the target port and transport, then AuthorizationPolicy. */
function inboundHop(tracer: Tracer, pod: PodModel, delivery: Delivery): Terminal {
  const request = tracer.request;
  const { config } = tracer.proxyConfig(pod);
  const hop: TraceHop = { proxy: proxyName(pod), direction: 'inbound', listener: 'virtualInbound' };
  tracer.hops.push(hop);
  const listener = config.listeners.find((l) => l.kind === 'virtualInbound');
  const facts: ConnectionFacts = {
    address: delivery.address,
    port: delivery.port,
    sni: delivery.transport.kind === 'tls' ? request.sni : undefined,
    transport: delivery.transport.kind,
    alpn: alpnFor(request.protocol, delivery.transport.kind),
  };
  const viaSidecar = tracer.hops.length > 1 && tracer.hops.at(-2)?.direction !== 'inbound';
  const sender = delivery.transport.from;
  const httpClient = HTTP_PROTOCOLS.has(request.protocol);
  let loggedAsHttp = httpClient;
  const log = (code: number | null, flags: string, details: string, cluster = '-') => {
    hop.accessLog = tracer.accessLog({
      http: loggedAsHttp,
      code,
      flags,
      details,
      upstreamHost: cluster === '-' ? '-' : `${pod.ip}:${delivery.port}`,
      cluster,
      downstreamLocal: `${pod.ip}:${delivery.port}`,
      downstreamRemote: sender?.ip ?? '-',
      route: cluster === '-' ? '-' : 'default',
      sni: delivery.transport.sni,
    });
  };
  // A client sidecar that sent TLS sees the handshake fail (UF); one that sent plaintext sees the connection closed (UC).
  const resetFlag = delivery.transport.kind === 'plaintext' ? 'UC' : 'UF';
  const sentAs =
    delivery.transport.kind === 'mtls' ? 'Istio mTLS' : delivery.transport.kind === 'tls' ? 'TLS' : 'plaintext';
  const chain = listener ? matchFilterChain(listener, facts) : undefined;
  if (!chain) {
    const mtls = listener?.filterChains.filter((c) => c.match.destinationPort === delivery.port) ?? [];
    const expects = mtls.map((c) => c.tls).filter((t) => t !== undefined);
    log(null, 'NR', 'filter_chain_not_found');
    const sources = unique(mtls.flatMap((c) => c.sources));
    tracer.step(
      'inbound',
      pod,
      `Rejected by ${proxyName(pod)}'s sidecar`,
      `Port ${delivery.port} accepts ${expects.length > 0 ? [...new Set(expects)].join(' or ') : 'nothing'}, but the client sends ${sentAs} (${delivery.transport.why}): no filter chain takes the connection.`,
      sources,
    );
    return {
      outcome: 'mtls-failure',
      status: viaSidecar && httpClient ? 503 : null,
      flags: viaSidecar && httpClient ? resetFlag : '-',
      title: 'mTLS mismatch at the destination',
      detail: `${proxyName(pod)} requires ${expects.includes('mtls') && !expects.includes('plaintext') ? 'mTLS (STRICT)' : 'plaintext (mTLS disabled)'} on port ${delivery.port} and closes the connection; ${viaSidecar && httpClient ? `the client sidecar answers 503 ${resetFlag}` : 'the client sees a connection reset'}.`,
      sources,
    };
  }
  if (chain.tls === 'plaintext' && delivery.transport.kind !== 'plaintext' && chain.action.kind !== 'tcp') {
    // TLS bytes reach a plaintext HTTP chain: its HTTP codec cannot read them and closes the connection
    // (pilot/pkg/simulation/traffic.go: an HTTP connection manager reached without terminating TLS is a protocol error).
    loggedAsHttp = false;
    log(null, 'DPE', 'http1.codec_error');
    tracer.step(
      'inbound',
      pod,
      `Rejected by ${proxyName(pod)}'s sidecar`,
      `Port ${delivery.port} accepts plaintext only (mTLS disabled), but the client sends ${sentAs} (${delivery.transport.why}): the HTTP chain cannot read it and closes the connection.`,
      chain.sources,
    );
    return {
      outcome: 'mtls-failure',
      status: viaSidecar && httpClient ? 503 : null,
      flags: viaSidecar && httpClient ? 'UF' : '-',
      title: 'mTLS mismatch at the destination',
      detail: `${proxyName(pod)} has mTLS disabled on port ${delivery.port}, but the client sends ${sentAs}: the handshake fails; ${viaSidecar && httpClient ? 'the client sidecar answers 503 UF' : 'the client sees a connection reset'}.`,
      sources: chain.sources,
    };
  }
  hop.filterChain = chainLabel(chain);
  loggedAsHttp = httpClient && chain.action.kind !== 'tcp';
  const cluster = chain.action.kind === 'tcp' ? (chain.action.clusters[0]?.name ?? '') : chain.action.routeConfigName;
  hop.cluster = cluster;
  tracer.step(
    'inbound',
    pod,
    `Inbound ${chainLabel(chain)} → ${cluster}`,
    `${proxyName(pod)}'s sidecar takes the connection on virtualInbound (15006): ${describeFacts(facts)} matches ${describeChainMatch(chain.match)}${chain.tls === 'mtls' ? ', terminating Istio mTLS' : ''}.`,
    chain.sources,
  );
  // The identity and address the destination sees are those of the pod that opened this connection (a gateway, after a gateway hop).
  const principal =
    delivery.transport.kind === 'mtls' && chain.tls === 'mtls' && sender
      ? `${tracer.model.meshConfig.trustDomain}/ns/${sender.namespace}/sa/${sender.serviceAccount}`
      : undefined;
  const http =
    chain.action.kind !== 'tcp' && httpClient
      ? { host: tracer.hostHeader(), method: request.method, path: request.path, headers: requestHeaders(tracer) }
      : undefined;
  const decision = authorize(tracer.model, pod, { principal, sourceIp: sender?.ip ?? '', http, port: delivery.port });
  for (const note of decision.notes) tracer.assumptions.push(note);
  tracer.step(
    'authorization',
    pod,
    decision.allowed ? 'Authorized' : 'Denied by AuthorizationPolicy',
    `${decision.reason}.${principal ? ` Caller identity: ${principal}.` : ' The caller has no mTLS identity (plaintext).'}`,
    decision.policy ? [decision.policy] : [],
  );
  if (!decision.allowed) {
    log(http ? 403 : null, '-', decision.details ?? 'rbac_access_denied');
    return {
      outcome: 'denied',
      status: http ? 403 : null,
      flags: '-',
      title: `403 · ${decision.reason}`,
      detail: `${decision.reason}: ${http ? 'the sidecar answers 403 RBAC: access denied' : 'the connection is closed'}.`,
      sources: decision.policy ? [decision.policy] : [],
    };
  }
  const success = successStatus(request.protocol);
  hop.endpoint = `${pod.ip}:${delivery.port}`;
  log(success, '-', 'via_upstream', chain.action.kind === 'tcp' ? cluster : `inbound|${delivery.port}||`);
  const outcome: Outcome =
    delivery.via === 'passthrough' ? 'passthrough' : delivery.via === 'direct' ? 'direct' : 'routed';
  return {
    outcome,
    status: success,
    flags: '-',
    title: `Delivered to ${proxyName(pod)}`,
    detail: `The request reaches the application in ${proxyName(pod)} on ${pod.ip}:${delivery.port}${delivery.transport.kind === 'mtls' ? ' over Istio mTLS' : ' in plaintext'}.`,
    sources: [pod.source],
  };
}

/** The SNI a sidecar or gateway sends with Istio mTLS: the cluster name's fields joined by `_.` (pilot/pkg/model/service.go: BuildDNSSrvSubsetKey). */
function istioMtlsSni(clusterName: string): string {
  return clusterName.split('|').join('_.');
}

function requestHeaders(tracer: Tracer): Map<string, string> {
  const headers = new Map(Object.entries(tracer.request.headers));
  headers.set(':method', tracer.request.method);
  headers.set(':authority', tracer.hostHeader());
  headers.set(':path', tracer.request.path);
  headers.set(':scheme', tracer.request.protocol === 'https' ? 'https' : 'http');
  if (!headers.has('user-agent')) headers.set('user-agent', 'curl/8.5.0');
  return headers;
}

function describeFacts(facts: ConnectionFacts): string {
  return `${facts.transport === 'mtls' ? 'Istio mTLS' : facts.transport === 'tls' ? 'TLS' : 'plaintext'} to ${facts.address}:${facts.port}${facts.sni ? ` with SNI ${facts.sni}` : ''}${facts.alpn ? ` (ALPN ${facts.alpn})` : ''}`;
}

function listenerWhy(listener: Listener, address: string, port: number): string {
  if (listener.kind === 'virtualOutbound')
    return `No listener exists for ${address}:${port} nor 0.0.0.0:${port}, so the connection stays on virtualOutbound (15001), where only the catch-all chains apply.`;
  if (listener.kind === 'gateway') return `The gateway listens on 0.0.0.0:${port} for its Gateway servers.`;
  if (listener.address === address)
    return `${address}:${port} has its own listener: ${listener.services.length > 0 ? `built for ${listener.services.join(', ')}` : 'a per-address listener'}.`;
  return `No listener for ${address}:${port} itself, so the shared wildcard listener 0.0.0.0:${port} takes it${listener.services.length > 0 ? ` (services on it: ${listener.services.slice(0, 6).join(', ')}${listener.services.length > 6 ? ', …' : ''})` : ''}.`;
}

function policySourceText(tracer: Tracer, pod: PodModel): string {
  const { ctx } = tracer.proxyConfig(pod);
  const source = ctx.scope.outboundTrafficPolicySource;
  return source
    ? `${ctx.scope.outboundTrafficPolicy} (from ${source.kind} ${source.namespace ? `${source.namespace}/` : ''}${source.name})`
    : `${ctx.scope.outboundTrafficPolicy} (Istio's default)`;
}

function blackholeSources(tracer: Tracer, pod: PodModel): ObjectSource[] {
  const source = tracer.proxyConfig(pod).ctx.scope.outboundTrafficPolicySource;
  return source ? [source] : [];
}

/** Why a destination is unknown to this proxy: not in the registry at all, hidden by exportTo or a Sidecar, or on another port. */
function unknownHostCause(tracer: Tracer, pod: PodModel, hostOrAddress: string): string {
  const host = hostOrAddress.replace(/:\d+$/, '');
  const { ctx } = tracer.proxyConfig(pod);
  const names = new Set([
    host,
    ...(tracer.resolvedName ? [tracer.resolvedName] : []),
    ...(tracer.dialled ? [tracer.dialled] : []),
  ]);
  const registered = tracer.registry.services.filter((s) =>
    [...names].some(
      (n) =>
        s.hostname === n ||
        s.clusterIPs.includes(n) ||
        s.defaultAddress === n ||
        s.autoAllocatedAddress === n ||
        s.aliases.includes(n) ||
        (!n.includes('.') && s.hostname.startsWith(`${n}.`)),
    ),
  );
  if (registered.length === 0) return `${host} is in no Service or ServiceEntry.`;
  const inScope = registered.filter((s) => ctx.scope.servicesByHostname.has(s.hostname));
  if (inScope.length === 0) {
    return ctx.scope.sidecar
      ? `${registered[0]?.hostname ?? host} exists but is hidden from this proxy by Sidecar ${ctx.scope.sidecar.namespace}/${ctx.scope.sidecar.name} (its egress hosts) or by exportTo.`
      : `${registered[0]?.hostname ?? host} exists but is not exported to namespace ${pod.namespace} (exportTo).`;
  }
  const service = inScope[0] as Service;
  const port = tracer.request.port;
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort)
    return `${service.hostname} is known, but not on port ${port} (its ports: ${service.ports.map((p) => p.port).join(', ')}).`;
  if (service.resolution === 'Passthrough' && service.registry === 'External')
    return `${service.hostname} is a ServiceEntry with resolution NONE: it has no address or endpoints of its own, so the proxy cannot tell its traffic from unknown traffic on this port.`;
  if (listenerProtocolOf(servicePort.protocol) === 'TCP' && HTTP_PROTOCOLS.has(tracer.request.protocol))
    return `${service.hostname} declares port ${port} as ${servicePort.protocol}, so HTTP to it is not routed by Host.`;
  return `${service.hostname} is known on port ${port}, but this connection did not reach its listener.`;
}

function blackholeWhy(tracer: Tracer, pod: PodModel, address: string, port: number): string {
  return `The proxy does not know ${address}:${port} as a service destination and the outbound traffic policy is ${policySourceText(tracer, pod)}, so unknown traffic goes to BlackHoleCluster. ${unknownHostCause(tracer, pod, tracer.request.host)}`;
}

function passthroughWhy(tracer: Tracer, pod: PodModel, address: string, port: number): string {
  return `The proxy does not know ${address}:${port}${tracer.isHttp ? ` (Host ${tracer.hostHeader()})` : ''} as a service destination and the outbound traffic policy is ${policySourceText(tracer, pod)}, so unknown traffic passes through. ${unknownHostCause(tracer, pod, tracer.request.host)}`;
}

function clusterMissingWhy(tracer: Tracer, pod: PodModel, clusterName: string): string {
  const [, port, subset, host] = clusterName.split('|');
  const { ctx } = tracer.proxyConfig(pod);
  const service = ctx.scope.servicesByHostname.get(host ?? '');
  if (!service)
    return `The route sends to ${clusterName}, but ${host ?? ''} is not a service this proxy knows (not in the registry, or not visible here): Envoy answers 503 NC.`;
  if (subset) {
    const rule = ctx.scope.destinationRules.get(service.hostname);
    return rule
      ? `The route asks for subset ${subset}, but DestinationRule ${rule.from[0]?.namespace ?? ''}/${rule.from[0]?.name ?? ''} (the one this proxy uses for ${service.hostname}) defines only ${rule.subsets.map((s) => s.name).join(', ') || 'no subsets'}: 503 NC.`
      : `The route asks for subset ${subset} of ${service.hostname}, but no DestinationRule visible to this proxy defines it: 503 NC.`;
  }
  if (!service.ports.some((p) => String(p.port) === port))
    return `The route sends to port ${port ?? ''} of ${service.hostname}, which has no such port (${service.ports.map((p) => p.port).join(', ')}): 503 NC.`;
  return `${clusterName} was not sent to this proxy (a DNS cluster with no endpoints is left out): 503 NC.`;
}
