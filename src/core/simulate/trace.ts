import type { Analysis } from '../analysis.ts';
import { field, parseEmbeddedYaml } from '../manifest/parse.ts';
import type { MeshModel, ObjectSource, PodModel } from '../model/mesh.ts';
import { fnv1a } from '../model/allocate.ts';
import { findPodByRef, unknownPodReason } from '../model/podRef.ts';
import { applyWhatIf } from '../model/whatIf.ts';
import { discoveryView } from '../model/discovery.ts';
import { listenerProtocolOf } from '../registry/protocol.ts';
import { cidrMatch, isIpAddress } from '../model/ip.ts';
import { buildRegistry, type Registry, type Service } from '../registry/registry.ts';
import { waypointOfPod } from '../ambient/binding.ts';
import { envoyFiltersFor } from '../scope/envoyFilters.ts';
import { prepareScopeInputs, type ScopeInputs } from '../scope/sidecarScope.ts';
import {
  authorize,
  hcmPath,
  trustedClientAddress,
  type AuthzDecision,
  type AuthzRequest,
} from '../security/authorization.ts';
import { authenticateRequest, type JwtIdentity } from '../security/requestAuthentication.ts';
import {
  ignoredInAmbient,
  throughWaypoint,
  waypointChoice,
  ztunnelInbound,
  ztunnelOutbound,
  type AmbientResult,
} from './ambient.ts';
import { ALLOW_ANY_DYNAMIC_DNS_CLUSTER, type ProxyContext } from '../xds/context.ts';
import { targetPortFor } from '../xds/gateway.ts';
import { buildZtunnelNameTable } from '../xds/nameTable.ts';
import { buildProxyConfig } from '../xds/proxyConfig.ts';
import { describeChainMatch } from '../xds/tables.ts';
import type { Cluster, FilterChain, LbEndpoint, Listener, ProxyConfig, Route } from '../xds/types.ts';
import { writeAccessLogs, type Answer, type HopLog } from './accessLog.ts';
import { forwardedRequest, proxyHeaderOptions } from './requestChanges.ts';
import { inboundBypass } from './capture.ts';
import { isLoopback, resolve, type DnsResult } from './dns.ts';
import {
  sidecarSocketAt,
  socketAccepts,
  socketAnswer,
  socketBind,
  type SidecarSocket,
  type SocketAnswer,
} from './sidecarPorts.ts';
import {
  matchFilterChain,
  matchListener,
  matchRoute,
  matchVirtualHost,
  redirectLocation,
  type ConnectionFacts,
} from './envoy.ts';
import type {
  AssumptionFact,
  CaptureRule,
  DnsSummary,
  EndFact,
  EndpointState,
  ForwardedChange,
  MissingClusterCause,
  Outcome,
  SimulatedRequest,
  SimulatedStep,
  SimulationResult,
  StepFact,
  TraceHop,
  TransportCause,
  TransportKind,
  UnknownDestination,
  UnknownHostCause,
} from './facts.ts';
import {
  parseDestination,
  requestHeaders as headersOf,
  type AppProtocol,
  type TraceOptions,
  type TraceRequest,
} from './request.ts';

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
  kind: TransportKind;
  why: TransportCause;
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
  /**
   * A workload outside Kubernetes (WorkloadEntry, ServiceEntry endpoint) declared to run an Istio proxy
   * (tlsMode istio): its namespace/name, or its address.
   */
  declaredProxy?: string;
}

/** How the request ended: the outcome, what Envoy answers, and why. */
interface Terminal {
  outcome: Outcome;
  status: number | null;
  flags: string;
  end: EndFact;
  sources: ObjectSource[];
}

class Tracer {
  readonly steps: SimulatedStep[] = [];
  readonly hops: TraceHop[] = [];
  readonly assumptions: AssumptionFact[] = [];
  private readonly configs = new Map<string, { config: ProxyConfig; ctx: ProxyContext }>();
  readonly podsByIp: Map<string, PodModel>;
  /** The name DNS answered for (the FQDN after the search path), and the address the app dialled. */
  resolvedName: string | undefined;
  dialled: string | undefined;

  constructor(
    readonly model: MeshModel,
    readonly registry: Registry,
    readonly inputs: ScopeInputs,
    /** The request as the proxy now on the path receives it: routes that rewrite or change headers replace it. */
    public request: SimulatedRequest,
    readonly client: PodModel,
    /** Every Service, as kube-dns and kube-proxy know them (`registry` is istiod's view). */
    readonly kube: Registry,
  ) {
    this.podsByIp = new Map(model.pods.filter((p) => p.ip).map((p) => [p.ip, p]));
    this.appRequest = request;
  }

  /** The request as the application made it. */
  readonly appRequest: SimulatedRequest;
  /** The Host header the last route matched, before its host rewrite (what Envoy's HTTP filters saw). */
  routedAuthority: string | undefined;

  /**
   * The matched route's request changes, applied to the request every later proxy and the application see
   * (requestChanges.ts), and shown on the hop and its route step.
   */
  /** The request this proxy checks, when a route before it changed what the application sent. */
  changedRequest(): { method: string; path: string; authority: string } | undefined {
    return this.request === this.appRequest
      ? undefined
      : { method: this.request.method, path: this.request.path, authority: this.hostHeader() };
  }

  forwardThrough(
    pod: PodModel,
    route: Route,
    clusterName: string,
    hop: TraceHop,
    routeFact: { forwarded?: ForwardedChange },
  ): void {
    const options = proxyHeaderOptions(pod, this.model.meshConfig);
    this.routedAuthority = this.hostHeader();
    const { request, change } = forwardedRequest(this.request, this.routedAuthority, route, clusterName, options);
    if (change) {
      this.request = request;
      hop.forwarded = change;
      routeFact.forwarded = change;
    }
  }

  step(fact: StepFact, proxy: PodModel | undefined, sources: ObjectSource[] = []): void {
    this.stepAt(fact, proxy ? proxyName(proxy) : undefined, sources);
  }

  /** A step at a proxy named by its hop (a ztunnel is not a pod). */
  stepAt(fact: StepFact, proxyRef: string | undefined, sources: ObjectSource[] = []): void {
    const lastHop = this.hops.length - 1;
    const hop = proxyRef !== undefined && lastHop >= 0 && this.hops[lastHop]?.proxy === proxyRef ? lastHop : undefined;
    this.steps.push({ fact, proxy: proxyRef, sources: unique(sources), ...(hop !== undefined ? { hop } : {}) });
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

  /** ztunnel's DNS proxy answers ambient pods (istio-cni's default); a what-if DNS capture off turns it off. */
  ztunnelDnsCapture = true;

  /** Set once a gateway terminated the client's TLS: HTTPS is plain HTTP from there on. */
  tlsTerminated = false;

  get isHttp(): boolean {
    return HTTP_PROTOCOLS.has(this.request.protocol) || (this.tlsTerminated && this.request.protocol === 'https');
  }

  hostHeader(): string {
    return this.request.headers['host'] ?? this.request.host;
  }

  /** The access-log record of each proxy on the path, written once the answer is known (accessLog.ts). */
  readonly logs = new Map<TraceHop, HopLog>();
  /** The connection arriving at the next proxy: its sender's address, X-Forwarded-For and HTTP version. */
  wire: { remote: string; xff: string | undefined; protocol: string } = { remote: '-', xff: undefined, protocol: '' };
  clusterDomain = 'cluster.local';
  private sockets = 0;

  /** An address with a placeholder ephemeral port (Linux's default range, 32768-60999) for a socket a pod opens. */
  ephemeral(ip: string): string {
    this.sockets += 1;
    const port = 32768 + (fnv1a(`${this.request.from}>${this.request.host}#${this.sockets}`) % 28232);
    return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  }

  assume(fact: AssumptionFact): void {
    const key = JSON.stringify(fact);
    if (!this.assumptions.some((a) => JSON.stringify(a) === key)) this.assumptions.push(fact);
  }

  /** Records (or replaces) what one hop logs; the line is written when the request's end is known. */
  record(hop: TraceHop, log: HopLog): void {
    this.logs.set(hop, log);
  }

  /** The request fields of a log line: method, path, authority, user agent and request id. */
  requestFields(
    protocol: string,
  ): Pick<HopLog, 'method' | 'path' | 'protocol' | 'authority' | 'userAgent' | 'requestId'> {
    const headers = this.request.headers;
    // Envoy generates x-request-id at the first proxy when the request carries none; every later proxy keeps it.
    const seed = `${this.appRequest.from}>${this.appRequest.host}${this.appRequest.path}`;
    const hex = [1, 2, 3, 4].map((i) => fnv1a(`${seed}#${i}`).toString(16).padStart(8, '0')).join('');
    const requestId =
      headers['x-request-id'] ??
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    return {
      method: this.request.method,
      // Istio's log format: %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% (pilot/pkg/model/telemetry_logging.go).
      path: headers['x-envoy-original-path'] ?? this.request.path,
      protocol,
      authority: this.hostHeader(),
      userAgent: headers['user-agent'] ?? 'curl/8.5.0',
      requestId,
    };
  }
}

/** The HTTP version the proxy speaks to a cluster: HTTP/2 for HTTP2 and gRPC ports, HTTP/1.1 for HTTP ones. */
function upstreamProtocol(tracer: Tracer, config: ProxyConfig, clusterName: string, downstream: string): string {
  const cluster = config.clusters.find((c) => c.name === clusterName);
  const service = cluster?.service ? tracer.registry.services.find((s) => s.hostname === cluster.service) : undefined;
  const protocol = service?.ports.find((p) => p.port === cluster?.port)?.protocol;
  if (protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-Web') return 'HTTP/2';
  return protocol === 'HTTP' ? 'HTTP/1.1' : downstream;
}

function hostOfSocket(socket: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(socket);
  return v6 ? (v6[1] ?? '') : socket.replace(/:\d+$/, '');
}

function chainLabel(chain: FilterChain): string {
  return chain.name ?? describeChainMatch(chain.match);
}

function alpnFor(protocol: AppProtocol, transport: TransportKind): string | undefined {
  if (transport === 'mtls')
    return protocol === 'http' ? 'istio-http/1.1' : protocol === 'http2' || protocol === 'grpc' ? 'istio-h2' : 'istio';
  if (transport === 'tls') return protocol === 'https' ? 'h2' : undefined;
  return protocol === 'http' ? 'http/1.1' : protocol === 'http2' || protocol === 'grpc' ? 'h2c' : undefined;
}

function weightiest<T extends { weight: number }>(items: T[]): T | undefined {
  return [...items].sort((a, b) => b.weight - a.weight)[0];
}

function objectName(source: Pick<ObjectSource, 'namespace' | 'name'>): string {
  return `${source.namespace ?? ''}/${source.name}`;
}

/**
 * Walks one request through the proxies on its way, as Envoy would, and records what happened at each step as facts
 * (modelled on pilot/pkg/simulation/traffic.go, extended from DNS to the destination's inbound side).
 */
export function simulateRequest(
  analysis: Analysis,
  request: TraceRequest,
  options: TraceOptions = {},
): SimulationResult {
  const clusterDomain = options.clusterDomain ?? 'cluster.local';
  const given = request.address?.trim() || undefined;
  if (given !== undefined && !isIpAddress(given))
    return { ok: false, reason: `The address to connect to must be an IP address, not ${given}.` };
  const original = findPodByRef(analysis.model, request.from);
  if (!original) return { ok: false, reason: unknownPodReason(analysis.model, request.from) };
  // The same what-if settings give back the same model and client, whose registry, scope inputs and configs are
  // memoized.
  const { model, client } = applyWhatIf(analysis.model, original, options);
  // istiod sees only the namespaces its discoverySelectors pick; kube-dns and kube-proxy see every Service.
  const visible = discoveryView(model);
  const kube = buildRegistry(model, clusterDomain);
  const registry = visible === model ? kube : buildRegistry(visible, clusterDomain);
  const inputs = prepareScopeInputs(visible, registry, clusterDomain);

  // The request as the application makes it.
  const parsed = parseDestination(request.to);
  const host = parsed.host;
  const knownService = findServiceByName(kube, host, client.namespace, clusterDomain);
  const knownPort = knownService && knownService.ports.length === 1 ? knownService.ports[0] : undefined;
  const portName = request.port === undefined ? request.portName?.trim() || undefined : undefined;
  const named = portName !== undefined ? knownService?.ports.find((p) => p.name === portName) : undefined;
  if (portName !== undefined && !named)
    return {
      ok: false,
      reason: knownService
        ? `${knownService.hostname} has no port named ${portName}; its ports: ` +
          `${knownService.ports.map((p) => `${p.name || '(unnamed)'} ${p.port}`).join(', ')}.`
        : `A port by name (${portName}) needs a Service or ServiceEntry as destination; ${host} is neither.`,
    };
  const requestPort = request.port ?? named?.port;
  const protocol: AppProtocol =
    request.protocol ??
    parsed.protocol ??
    protocolFromService(knownService, requestPort ?? parsed.port) ??
    (knownPort ? protocolOfPort(knownPort.protocol) : undefined) ??
    'http';
  const port =
    requestPort ??
    parsed.port ??
    parsed.schemePort ??
    knownPort?.port ??
    (protocol === 'https' || protocol === 'tls' ? 443 : 80);
  const defaultPort = protocol === 'https' ? 443 : 80;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const authority = host.includes(':') ? `[${host}]` : host; // an IPv6 literal is bracketed in Host
  if (headers['host'] === undefined) headers['host'] = port === defaultPort ? authority : `${authority}:${port}`;
  const normalized: SimulatedRequest = {
    from: `${client.namespace}/${client.name}`,
    host,
    port,
    protocol,
    // A client never sends a URL's #fragment (curl and Go's client drop it; tests/integration/pilot/common/routing.go
    // "rewrite uri" sends /foo?key=value#hash and the server sees /new/path?key=value).
    path: (request.path ?? parsed.path ?? '/').replace(/#.*$/, '') || '/',
    method: (request.method ?? 'GET').toUpperCase(),
    headers,
    sni: TLS_PROTOCOLS.has(protocol) ? (request.sni ?? (isIpAddress(host) ? undefined : host)) : request.sni,
    address: given,
  };
  const tracer = new Tracer(visible, registry, inputs, normalized, client, kube);
  if (!knownPort && requestPort === undefined && !parsed.port && !parsed.schemePort)
    tracer.assumptions.push({ kind: 'portAssumed', host, port });

  let dns: DnsSummary;
  let result: Terminal;
  tracer.clusterDomain = clusterDomain;
  tracer.ztunnelDnsCapture = options.dnsCapture !== false;
  const appProtocol = protocol === 'http' ? 'HTTP/1.1' : 'HTTP/2';
  if (client.proxy.kind === 'gateway') {
    // The external client's address is unknown: a documentation address (RFC 5737) stands for it.
    tracer.wire = { remote: tracer.ephemeral(EXTERNAL_CLIENT), xff: headers['x-forwarded-for'], protocol: appProtocol };
    tracer.assume({ kind: 'externalClient', address: EXTERNAL_CLIENT });
  } else {
    tracer.wire = { remote: tracer.ephemeral(client.ip), xff: headers['x-forwarded-for'], protocol: appProtocol };
  }
  if (client.proxy.kind === 'gateway') {
    // A request arriving at a gateway from outside: it is addressed to the gateway, its Host names the service.
    dns = { resolver: 'none', name: host, answers: [], rcode: 'NOERROR' };
    const { ctx } = tracer.proxyConfig(client);
    const targetPort = targetPortFor(ctx, port);
    tracer.step({ kind: 'capture', by: 'gateway', port, targetPort }, client, [client.source]);
    const transport: Transport = {
      kind: TLS_PROTOCOLS.has(protocol) ? 'tls' : 'plaintext',
      why: { by: 'externalClient' },
      from: undefined,
      sni: TLS_PROTOCOLS.has(protocol) ? normalized.sni : undefined,
    };
    result = gatewayHop(tracer, client, targetPort, transport, 0);
  } else {
    const resolved = resolveDestination(tracer, client, host, clusterDomain, given);
    dns = {
      resolver: resolved.resolver,
      name: resolved.name,
      answers: resolved.answers,
      rcode: resolved.rcode,
      ...(resolved.nameserver !== undefined ? { nameserver: resolved.nameserver } : {}),
    };
    if (resolved.rcode === 'NXDOMAIN' || resolved.answers.length === 0) {
      result = {
        outcome: 'dns-failure',
        status: null,
        flags: '-',
        end: { reason: 'DNS_FAILURE', answer: resolved.answer },
        sources: resolved.sources,
      };
    } else {
      const address = resolved.answers[0] ?? host;
      tracer.resolvedName = resolved.name;
      tracer.dialled = address;
      result = outboundFromClient(tracer, client, address);
    }
  }
  if (tracer.logs.size > 0) {
    // The application gets what the first proxy on the path answers: the lines are written from the end back.
    const written = writeAccessLogs(
      [...tracer.logs].map(([hop, log]) => ({
        log,
        write: (line: string) => {
          hop.accessLog = line;
        },
      })),
      answerAfterPath(result, protocol),
    );
    result = {
      ...result,
      status: written.answer.kind === 'http' ? written.answer.code : null,
      flags: written.flags,
    };
    tracer.assume({ kind: 'accessLogPlaceholders' });
  }
  tracer.step(
    { kind: 'outcome', outcome: result.outcome, status: result.status, flags: result.flags, end: result.end },
    undefined,
    result.sources,
  );
  return {
    ok: true,
    simulation: {
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

const EXTERNAL_CLIENT = '192.0.2.10';

/** What comes back to the last proxy on the path from beyond it: the application's answer, or a failed connection. */
function answerAfterPath(result: Terminal, protocol: AppProtocol): Answer {
  switch (result.end.reason) {
    case 'DELIVERED':
    case 'DELIVERED_BY_ZTUNNEL':
    case 'DELIVERED_TO_SIDECAR': {
      const status = successStatus(protocol);
      return status !== null ? { kind: 'http', code: status, body: 0 } : { kind: 'stream' };
    }
    case 'SIDECAR_PORT':
      return result.end.status !== null
        ? { kind: 'http', code: result.end.status, body: 0 }
        : result.end.answer === 'tlsToPlaintext'
          ? { kind: 'handshake', plaintextPeer: true }
          : result.end.answer === 'accepted'
            ? { kind: 'stream' }
            : { kind: 'reset' };
    // kube-proxy rejects a connection to a Service port with no ready endpoint (pkg/proxy/iptables: REJECT).
    case 'KUBE_PROXY_NO_ENDPOINT':
    case 'LOOPBACK_REFUSED':
      return { kind: 'refused' };
    case 'PEER_WITHOUT_SIDECAR':
      return { kind: 'handshake', plaintextPeer: true };
    // ztunnel refuses the HBONE tunnel of a proxy it denies: the proxy cannot connect upstream (UF).
    case 'DENIED':
      return result.end.by === 'ztunnel' ? { kind: 'refused' } : { kind: 'reset' };
    default:
      return { kind: 'reset' };
  }
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

/**
 * The service a name as the app writes it most likely means, for defaults only
 * (short, name.ns, FQDN, ServiceEntry host).
 */
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
  given: string | undefined,
): DnsResult {
  if (given !== undefined) {
    // The application connects to the address it was given, whatever DNS would say (like curl --resolve): Istio's
    // simulator takes the destination address as given (pilot/pkg/simulation/traffic.go: Call.Address).
    const lookup = isIpAddress(host) ? undefined : lookupName(client, host, clusterDomain, tracer, given);
    tracer.step(
      {
        kind: 'dns',
        by: 'given',
        host,
        address: given,
        lookup: lookup ? { rcode: lookup.rcode, answers: lookup.answers, answer: lookup.answer } : undefined,
      },
      client,
      lookup?.sources ?? [],
    );
    return {
      resolver: 'none',
      name: lookup?.rcode === 'NOERROR' ? lookup.name : host,
      answers: [given],
      rcode: 'NOERROR',
      queries: [],
      answer: { by: 'ipAddress', address: given },
      sources: [],
      assumption: undefined,
    };
  }
  if (isIpAddress(host)) {
    tracer.step({ kind: 'dns', by: 'ipAddress', host }, client);
    return {
      resolver: 'none',
      name: host,
      answers: [host],
      rcode: 'NOERROR',
      queries: [],
      answer: { by: 'ipAddress', address: host },
      sources: [],
      assumption: undefined,
    };
  }
  const capture = dnsCaptured(client);
  const result = lookupName(client, host, clusterDomain, tracer, undefined);
  if (result.assumption) tracer.assumptions.push(result.assumption);
  const resolver =
    result.answer.by === 'hostsFile'
      ? 'hostsFile'
      : client.dataPlane.mode === 'ambient'
        ? ztunnelDns(tracer, client)
          ? 'ztunnel'
          : 'kubeDnsZtunnelOff'
        : capture
          ? 'istioAgent'
          : client.proxy.kind === 'sidecar'
            ? 'kubeDnsCaptureOff'
            : 'kubeDnsNoSidecar';
  tracer.step(
    {
      kind: 'dns',
      by: 'lookup',
      host,
      resolver,
      rcode: result.rcode,
      answers: result.answers,
      answer: result.answer,
      queries: result.queries,
      ...(result.nameserver !== undefined ? { nameserver: result.nameserver } : {}),
    },
    client,
    [
      ...result.sources,
      ...(capture && client.proxy.proxyMetadata.has('ISTIO_META_DNS_CAPTURE') && tracer.model.meshConfig.source
        ? [tracer.model.meshConfig.source]
        : []),
    ],
  );
  return result;
}

function dnsCaptured(client: PodModel): boolean {
  // run.go: the DNS redirect to 15053 sits in ISTIO_OUTPUT after the excludeOutboundPorts RETURNs (TCP and UDP), and
  // a proxy without istio-init (interceptionMode NONE) has no rule at all: the agent's DNS proxy then goes unasked.
  return (
    client.proxy.kind === 'sidecar' &&
    client.proxy.dnsCapture &&
    client.proxy.interceptionMode !== 'NONE' &&
    !client.capture.excludeOutboundPorts.includes(53)
  );
}

/** An ambient pod's DNS goes to its node's ztunnel unless capture is turned off (what-if DNS capture off). */
function ztunnelDns(tracer: Tracer, client: PodModel): boolean {
  return client.dataPlane.mode === 'ambient' && tracer.ztunnelDnsCapture;
}

/** The pod's own lookup of a name: the istio-agent DNS proxy when it captures DNS, otherwise kube-dns. */
function lookupName(
  client: PodModel,
  host: string,
  clusterDomain: string,
  tracer: Tracer,
  given: string | undefined,
): DnsResult {
  const ztunnel = ztunnelDns(tracer, client);
  return resolve(host, {
    pod: client,
    registry: tracer.kube,
    clusterDomain,
    nameTable: ztunnel
      ? buildZtunnelNameTable(client, tracer.inputs)
      : dnsCaptured(client)
        ? tracer.proxyConfig(client).config.nameTable
        : undefined,
    ...(ztunnel ? { dnsProxy: 'ztunnel' as const } : {}),
    addressOverride: given,
  });
}

function ipInRanges(ranges: readonly string[], ip: string): boolean {
  return ranges.some((range) => range === '*' || cidrMatch(range, ip) !== undefined);
}

/** iptables capture decision for the client's connection (tools/istio-iptables/pkg/capture/run.go). */
function captured(client: PodModel, address: string, port: number): { captured: boolean; rule: CaptureRule } {
  if (client.proxy.kind !== 'sidecar')
    return { captured: false, rule: { rule: 'noSidecar', pod: proxyName(client), reason: client.proxy.reason } };
  // injection-template.yaml: interceptionMode NONE runs no istio-init, so nothing is redirected.
  if (client.proxy.interceptionMode === 'NONE')
    return { captured: false, rule: { rule: 'interceptionNone', pod: proxyName(client) } };
  const capture = client.capture;
  if (capture.excludeOutboundPorts.includes(port)) return { captured: false, rule: { rule: 'excludedPort', port } };
  // run.go: ISTIO_OUTPUT returns the application's traffic on `lo` (Envoy's own only is sent to ISTIO_IN_REDIRECT),
  // which carries loopback destinations and the pod's own IP, unless includeOutboundIPRanges names a loopback range;
  // 127.0.0.1 and ::1 always return.
  const loopbackIncluded = capture.includeOutboundIPRanges.some((range) => {
    const network = range.split('/')[0] ?? '';
    return range !== '*' && isLoopback(network);
  });
  if (address === '127.0.0.1' || address === '::1' || (isLoopback(address) && !loopbackIncluded))
    return { captured: false, rule: { rule: 'localhost', address } };
  if (address === client.ip && !loopbackIncluded) return { captured: false, rule: { rule: 'ownAddress', address } };
  if (ipInRanges(capture.excludeOutboundIPRanges, address))
    return { captured: false, rule: { rule: 'excludedRange', address } };
  if (capture.includeOutboundPorts.includes(port)) return { captured: true, rule: { rule: 'includedPort', port } };
  if (ipInRanges(capture.includeOutboundIPRanges, address)) {
    return {
      captured: true,
      rule: capture.includeOutboundIPRanges.includes('*')
        ? { rule: 'allOutbound' }
        : { rule: 'includedRange', address },
    };
  }
  return {
    captured: false,
    rule: { rule: 'outsideIncludedRanges', address, ranges: capture.includeOutboundIPRanges },
  };
}

function outboundFromClient(tracer: Tracer, client: PodModel, address: string): Terminal {
  const { port, protocol } = tracer.request;
  if (client.dataPlane.mode === 'ambient' && isLoopback(address))
    return loopbackDelivery(tracer, client, address, port);
  if (client.dataPlane.mode === 'ambient') {
    const ignored = ignoredInAmbient(tracer.model, client);
    if (ignored.length > 0) tracer.assume({ kind: 'ambientIgnores', objects: ignored });
    return afterAmbient(tracer, ztunnelOutbound(tracer, client, address, port), 0);
  }
  const capture = captured(client, address, port);
  tracer.step(
    { kind: 'capture', by: 'iptables', captured: capture.captured, address, port, rule: capture.rule },
    client,
    [client.source],
  );
  if (!capture.captured) {
    // A listener the sidecar binds itself (a Sidecar egress listener with captureMode NONE, or a proxy without
    // iptables) takes what the application sends to its address and port, with no redirect (listener.go).
    const bound = boundOutboundListener(tracer, client, address, port);
    if (!bound) return directDelivery(tracer, client, address, port, 0);
    return proxyHop(
      tracer,
      client,
      tracer.proxyConfig(client).config,
      'outbound',
      address,
      port,
      applicationTransport(tracer, client),
      0,
    );
  }
  const { config } = tracer.proxyConfig(client);
  const transport: Transport = {
    kind: TLS_PROTOCOLS.has(protocol) ? 'tls' : 'plaintext',
    why: { by: 'application' },
    from: client,
    sni: TLS_PROTOCOLS.has(protocol) ? tracer.request.sni : undefined,
  };
  return proxyHop(tracer, client, config, 'outbound', address, port, transport, 0);
}

/** An outbound listener of the client's sidecar bound for real to this local address and port. */
function boundOutboundListener(tracer: Tracer, client: PodModel, address: string, port: number): Listener | undefined {
  if (client.proxy.kind !== 'sidecar') return undefined;
  const local = isLoopback(address) || address === client.ip;
  return tracer
    .proxyConfig(client)
    .config.listeners.find(
      (l) =>
        l.kind === 'outbound' &&
        l.bindToPort &&
        l.port === port &&
        (l.address === address || (local && l.address === '0.0.0.0')),
    );
}

/** What the application sends, as it leaves the application: TLS when it speaks TLS itself. */
function applicationTransport(tracer: Tracer, client: PodModel): Transport {
  const tls = TLS_PROTOCOLS.has(tracer.request.protocol);
  return {
    kind: tls ? 'tls' : 'plaintext',
    why: { by: 'application' },
    from: client,
    sni: tls ? tracer.request.sni : undefined,
  };
}

/**
 * kube-proxy / the network delivers a connection to an address: a ClusterIP is DNATed to one of its ready endpoints.
 */
function deliverToAddress(
  tracer: Tracer,
  address: string,
  port: number,
  transport: Transport,
  via: Delivery['via'],
  depth: number,
): Terminal {
  const service = tracer.kube.services.find((s) => s.registry === 'Kubernetes' && s.clusterIPs.includes(address));
  if (service) {
    const servicePort = service.ports.find((p) => p.port === port);
    const endpoint = servicePort
      ? (tracer.kube.endpoints.get(service) ?? []).find(
          (e) => e.servicePortName === servicePort.name && e.health === 'Healthy' && isIpAddress(e.address),
        )
      : undefined;
    if (!endpoint) {
      return {
        outcome: 'no-healthy-upstream',
        status: null,
        flags: '-',
        end: { reason: 'KUBE_PROXY_NO_ENDPOINT', address, port, service: service.hostname },
        sources: [service.source],
      };
    }
    tracer.step(
      {
        kind: 'endpoint',
        by: 'kubeProxy',
        address,
        port,
        endpoint: `${endpoint.address}:${endpoint.port}`,
        service: service.hostname,
        passthrough: via === 'passthrough',
      },
      undefined,
      [service.source, ...(endpoint.workload ? [endpoint.workload] : [])],
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
  if (isLoopback(address) || address === client.ip) return ownPodDelivery(tracer, client, address, port);
  const tls = TLS_PROTOCOLS.has(tracer.request.protocol);
  return deliverToAddress(
    tracer,
    address,
    port,
    {
      kind: tls ? 'tls' : 'plaintext',
      why: { by: 'noSidecar' },
      from: client,
      sni: tls ? tracer.request.sni : undefined,
    },
    'direct',
    depth,
  );
}

/**
 * The ports something in the pod listens on, as far as the manifests say: its containers' declared ports and the
 * target ports of the Services that select it (the application must listen there for them to work).
 */
function listeningPorts(tracer: Tracer, pod: PodModel): number[] {
  const ports = new Set(pod.containerPorts.map((p) => p.containerPort));
  for (const endpoints of tracer.kube.endpoints.values())
    for (const e of endpoints) if (e.address === pod.ip && e.port > 0) ports.add(e.port);
  return [...ports].sort((a, b) => a - b);
}

/**
 * A connection from a pod to itself, over loopback or to its own IP, which iptables does not redirect: a sidecar's
 * own sockets answer on their ports (sidecarPorts.ts), the application on the ports it listens on; else it is refused.
 */
function ownPodDelivery(tracer: Tracer, client: PodModel, address: string, port: number): Terminal {
  const socket = client.proxy.kind === 'sidecar' ? sidecarSocketAt(port) : undefined;
  if (socket === undefined) return loopbackDelivery(tracer, client, address, port);
  const tls = TLS_PROTOCOLS.has(tracer.request.protocol);
  const transport: Transport = {
    kind: tls ? 'tls' : 'plaintext',
    why: { by: 'application' },
    from: client,
    sni: tls ? tracer.request.sni : undefined,
  };
  // A loopback connection comes from a loopback address, one to the pod's IP from that IP.
  const remote = tracer.ephemeral(isLoopback(address) ? address : client.ip);
  return sidecarSocketDelivery(tracer, client, socket, { address, port, transport, via: 'direct' }, remote, undefined);
}

/**
 * A connection that reaches one of the istio-proxy container's ports without being redirected: from the pod itself,
 * from another pod past inbound capture, or from the sidecar's own inbound cluster. A socket bound elsewhere refuses
 * it; a direct connection to an iptables target lands on that listener's loop guard (listener_builder.go:
 * blackholeFilterChain; listener_inbound.go: buildInboundBlackhole), where BlackHoleCluster closes it.
 */
function sidecarSocketDelivery(
  tracer: Tracer,
  pod: PodModel,
  socket: SidecarSocket,
  delivery: Pick<Delivery, 'address' | 'port' | 'transport' | 'via'>,
  remote: string,
  from: 'otherPod' | 'inboundCluster' | undefined,
): Terminal {
  const { address, port, transport } = delivery;
  const bind = socketBind(socket, pod.proxy.dnsCapture, {
    hbone: pod.proxy.proxyMetadata.get('ISTIO_META_ENABLE_HBONE') === 'true',
    interceptionNone: pod.proxy.interceptionMode === 'NONE',
  });
  if (!socketAccepts(socket, bind, address, pod.ip))
    return {
      outcome: 'no-listener',
      status: null,
      flags: '-',
      end: {
        reason: 'LOOPBACK_REFUSED',
        pod: proxyName(pod),
        address,
        port,
        ports: listeningPorts(tracer, pod),
        socket,
        bind,
        ...(from ? { from } : {}),
      },
      sources: [pod.source],
    };
  tracer.wire = { ...tracer.wire, remote };
  if (socket === 'virtualOutbound')
    return proxyHop(tracer, pod, tracer.proxyConfig(pod).config, 'outbound', address, port, transport, 0);
  // A chain that sends the inbound listener's own port back to it would loop; Envoy's inbound listener
  // only reaches itself through a Sidecar ingress on 15006, which its blackhole chain otherwise takes.
  if (socket === 'virtualInbound' && from !== 'inboundCluster')
    return inboundHop(tracer, pod, { ...delivery, host: undefined });
  return socketTerminal(tracer, pod, address, port, socket, transport.kind, delivery.via, from);
}

/** What one of the istio-proxy container's own sockets answers (sidecarPorts.ts). */
function socketTerminal(
  tracer: Tracer,
  target: PodModel,
  address: string,
  port: number,
  socket: SidecarSocket,
  sent: TransportKind,
  via: Delivery['via'],
  from: 'otherPod' | 'inboundCluster' | undefined,
): Terminal {
  const own = from === undefined;
  const { protocol, path, method } = tracer.request;
  const end = (
    answer: Extract<EndFact, { reason: 'SIDECAR_PORT' }>['answer'],
    by: SocketAnswer['by'],
    status: number | null,
    route?: SocketAnswer['route'],
  ): Terminal => ({
    outcome:
      answer === 'notFound' && by === 'envoy'
        ? 'no-route'
        : via === 'passthrough'
          ? 'passthrough'
          : via === 'cluster'
            ? 'routed'
            : 'direct',
    status,
    flags: answer === 'notFound' && by === 'envoy' ? 'NR' : '-',
    end: {
      reason: 'SIDECAR_PORT',
      pod: proxyName(target),
      address,
      port,
      socket,
      by,
      answer,
      status,
      ...(route ? { route } : {}),
      ...(own ? {} : { fromOtherPod: true }),
      ...(from === 'inboundCluster' ? { viaInboundCluster: true } : {}),
    },
    sources: [target.source],
  });
  if (sent !== 'plaintext') return end('tlsToPlaintext', 'none', null);
  if (!HTTP_PROTOCOLS.has(protocol)) return end('accepted', 'none', null);
  // The inbound cluster connects from 127.0.0.6, which the agent counts as localhost (pkg/util/net/ip.go:
  // IsRequestFromLocalhost).
  const answer = socketAnswer(socket, path, method, own ? isLoopback(address) : from === 'inboundCluster');
  return end(answer.answer, answer.by, answer.status, answer.route);
}

/** A connection to the pod itself reaches its application on a port it listens on; else it is refused. */
function loopbackDelivery(tracer: Tracer, client: PodModel, address: string, port: number): Terminal {
  const ports = listeningPorts(tracer, client);
  const pod = proxyName(client);
  if (!ports.includes(port))
    return {
      outcome: 'no-listener',
      status: null,
      flags: '-',
      end: { reason: 'LOOPBACK_REFUSED', pod, address, port, ports },
      sources: [client.source],
    };
  const tls = TLS_PROTOCOLS.has(tracer.request.protocol);
  return {
    outcome: 'direct',
    status: successStatus(tracer.request.protocol),
    flags: '-',
    end: { reason: 'DELIVERED', address, port, to: { pod, own: true }, transport: tls ? 'tls' : 'plaintext' },
    sources: [client.source],
  };
}

/**
 * A connection reaches an address: a gateway pod, a pod with a sidecar, a pod without one, or something outside
 * the mesh.
 */
function arrive(tracer: Tracer, delivery: Delivery, depth: number): Terminal {
  const pod = tracer.podsByIp.get(delivery.address);
  const protocol = tracer.request.protocol;
  if (pod && pod.proxy.kind === 'gateway' && depth < 6) {
    return gatewayHop(tracer, pod, delivery.port, delivery.transport, depth + 1);
  }
  const viaWaypoint = pod ? ingressThroughWaypoint(tracer, pod, delivery, depth) : undefined;
  if (viaWaypoint) return viaWaypoint;
  // A pod's own connection to itself that Envoy did not send stays on `lo` and never passes PREROUTING, where the
  // inbound redirect is (tools/istio-iptables/pkg/capture/run.go: ISTIO_INBOUND): the application gets it as sent.
  const toSelf = delivery.via === 'direct' && delivery.transport.from === pod;
  let notCaptured = false;
  if (pod && pod.proxy.kind === 'sidecar' && !toSelf) {
    const bypass = inboundBypass(pod, delivery.port);
    if (!bypass) return inboundHop(tracer, pod, delivery);
    // A Sidecar ingress listener bound to the port takes it itself (listener_inbound.go: inboundCustomListener).
    const bound = boundInboundListener(tracer.proxyConfig(pod).config, delivery.address, delivery.port);
    if (bound) return inboundHop(tracer, pod, delivery, bound);
    // ISTIO_INBOUND lets it by (tools/istio-iptables/pkg/capture/run.go: handleInboundPortsInclude): whatever listens
    // on the port takes it, one of the istio-proxy container's sockets or the application.
    notCaptured = true;
    tracer.step(
      {
        kind: 'capture',
        by: 'iptablesInbound',
        captured: false,
        pod: proxyName(pod),
        address: delivery.address,
        port: delivery.port,
        rule: bypass,
      },
      undefined,
      [pod.source],
    );
    const socket = sidecarSocketAt(delivery.port);
    if (socket !== undefined)
      return sidecarSocketDelivery(tracer, pod, socket, delivery, tracer.wire.remote, 'otherPod');
  }
  if (pod && pod.dataPlane.mode === 'ambient' && !toSelf) return ambientArrival(tracer, pod, delivery);
  // A WorkloadEntry with a serviceAccount (or an endpoint labelled tlsMode istio) is a VM running a proxy
  // (serviceentry/conversion.go: getTLSModeFromWorkloadEntry): it terminates the mTLS.
  if (delivery.transport.kind === 'mtls' && !pod && delivery.declaredProxy)
    return {
      outcome: 'routed',
      status: successStatus(protocol),
      flags: '-',
      end: {
        reason: 'DELIVERED_TO_SIDECAR',
        proxy: delivery.declaredProxy,
        address: delivery.address,
        port: delivery.port,
        mtls: true,
      },
      sources: [],
    };
  if (delivery.transport.kind === 'mtls') {
    return {
      outcome: 'mtls-failure',
      status: tracer.hops.length > 0 && HTTP_PROTOCOLS.has(protocol) ? 503 : null,
      flags: tracer.hops.length > 0 ? 'UF' : '-',
      end: {
        reason: 'PEER_WITHOUT_SIDECAR',
        address: delivery.address,
        port: delivery.port,
        pod: pod ? proxyName(pod) : undefined,
        cause: delivery.transport.why,
        ...(notCaptured ? { notCaptured: true as const } : {}),
      },
      sources: pod ? [pod.source] : [],
    };
  }
  const success = successStatus(protocol);
  const outcome: Outcome =
    delivery.via === 'passthrough' ? 'passthrough' : delivery.via === 'direct' ? 'direct' : 'routed';
  return {
    outcome,
    status: success,
    flags: '-',
    end: {
      reason: 'DELIVERED',
      address: delivery.address,
      port: delivery.port,
      to: pod
        ? { pod: proxyName(pod), ...(toSelf ? { own: true as const } : {}) }
        : { external: delivery.host && !isIpAddress(delivery.host) ? delivery.host : delivery.address },
      transport: delivery.transport.kind,
      ...(notCaptured ? { notCaptured: true as const } : {}),
    },
    sources: pod ? [pod.source] : [],
  };
}

/** The end of an ambient walk, or the sidecar pod it handed the connection to. */
function afterAmbient(tracer: Tracer, result: AmbientResult, depth: number): Terminal {
  if (result.kind === 'end') {
    const { kind: _kind, ...terminal } = result;
    return terminal;
  }
  const transport: Transport = {
    kind: result.transport,
    why: result.transport === 'mtls' ? { by: 'clusterTls', reason: 'ztunnel sends HBONE' } : { by: 'noSidecar' },
    from: result.from,
    sni: undefined,
  };
  return arrive(
    tracer,
    { address: result.address, port: result.port, transport, host: result.host, via: 'cluster' },
    depth + 1,
  );
}

/**
 * A gateway (not a waypoint) sends a Service's connections to the Service's waypoint when the Service, else its
 * namespace, has istio.io/ingress-use-waypoint=true and the Service has an address, whatever runs in its pods
 * (xds/endpoints/endpoint_builder.go: findServiceWaypoint; ambient/services.go: ingressUseWaypointFromLabels, a Go
 * bool). Its CONNECT names the Service's VIP and port, which the waypoint routes on.
 */
function ingressThroughWaypoint(
  tracer: Tracer,
  pod: PodModel,
  delivery: Delivery,
  depth: number,
): Terminal | undefined {
  const sender = delivery.transport.from;
  if (!sender || sender.dataPlane.mode !== 'gateway' || waypointOfPod(tracer.model, sender)) return undefined;
  const service = delivery.host
    ? tracer.registry.services.find((s) => s.hostname === delivery.host && s.registry === 'Kubernetes')
    : undefined;
  if (!service || service.clusterIPs.length === 0) return undefined;
  const model = tracer.model.services.find((s) => s.name === service.name && s.namespace === service.namespace);
  if (!model) return undefined;
  const ingressLabel =
    model.labels.get('istio.io/ingress-use-waypoint') ??
    tracer.model.namespaces.get(model.namespace)?.labels.get('istio.io/ingress-use-waypoint');
  if (!['1', 't', 'T', 'true', 'TRUE', 'True'].includes(ingressLabel ?? '')) return undefined;
  const { pod: waypointPod, waypoint } = waypointChoice(tracer.model, {
    kind: 'service',
    namespace: model.namespace,
    labels: model.labels,
  });
  if (!waypointPod || !waypoint) return undefined;
  const servicePortName = tracer.registry.endpoints
    .get(service)
    ?.find((e) => e.address === pod.ip && e.port === delivery.port)?.servicePortName;
  const servicePort = service.ports.find((p) => p.name === servicePortName)?.port ?? delivery.port;
  const result = throughWaypoint(
    tracer,
    proxyName(sender),
    waypointPod,
    waypoint,
    service,
    { address: service.defaultAddress, port: servicePort },
    sender,
  );
  return afterAmbient(tracer, result, Math.max(depth, 6));
}

/**
 * A connection from a sidecar, a gateway or outside the mesh reaches an ambient pod: its ztunnel takes it (HBONE from
 * a proxy, plaintext otherwise). Such clients do not go through the destination's waypoint
 * (istio.io docs/ambient/usage/waypoint: only ztunnel clients, and ingress gateways with
 * istio.io/ingress-use-waypoint=true, use it).
 */
function ambientArrival(tracer: Tracer, pod: PodModel, delivery: Delivery): Terminal {
  const sender = delivery.transport.from;
  const senderMode = sender?.dataPlane.mode ?? 'none';
  const service = delivery.host
    ? tracer.registry.services.find((s) => s.hostname === delivery.host && s.registry === 'Kubernetes')
    : undefined;
  const model =
    service && tracer.model.services.find((s) => s.name === service.name && s.namespace === service.namespace);
  if (model) {
    const { choice } = waypointChoice(tracer.model, {
      kind: 'service',
      namespace: model.namespace,
      labels: model.labels,
    });
    if (choice.waypoint) {
      const why =
        senderMode === 'gateway'
          ? 'ingressWithoutLabel'
          : senderMode === 'sidecar'
            ? 'sidecarClient'
            : 'sourceNotInMesh';
      const headless = why === 'ingressWithoutLabel' && service.clusterIPs.length === 0;
      tracer.step(
        {
          kind: 'waypointBypass',
          why,
          waypoint: choice.waypoint,
          service: service.hostname,
          ...(headless ? { headless } : {}),
        },
        undefined,
        [model.source],
      );
    }
  }
  // A sidecar or gateway sends HBONE to an ambient endpoint (pilot/pkg/networking/core/cluster_tls.go:
  // applyHBONETransportSocketMatches).
  const proxied = senderMode === 'sidecar' || senderMode === 'gateway';
  if (proxied)
    tracer.step(
      { kind: 'hbone', to: 'ztunnel', address: `${pod.ip}:15008`, target: `${pod.ip}:${delivery.port}` },
      sender,
      [],
    );
  const principal =
    proxied && sender
      ? `${tracer.model.meshConfig.trustDomain}/ns/${sender.namespace}/sa/${sender.serviceAccount}`
      : undefined;
  const result = ztunnelInbound(tracer, pod, delivery.port, principal, sender?.ip ?? '');
  if (result.kind !== 'end') return afterAmbient(tracer, result, 6);
  const { kind: _kind, ...terminal } = result;
  return terminal;
}

function proxyName(pod: PodModel): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * Listener → filter chain → (HTTP: route configuration → virtual host → route) or TCP cluster → endpoint,
 * in one proxy.
 */
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
  noteEnvoyFilters(tracer, pod, direction);
  const listener =
    direction === 'gateway'
      ? config.listeners.find((l) => l.port === port && l.kind === 'gateway')
      : matchListener(config.listeners, address, port);
  const downstreamLocal = `${address}:${port}`;
  // Until a filter chain is chosen the log line follows the application's protocol; then the chain's filter decides.
  let loggedAsHttp = tracer.isHttp;
  const arriving = tracer.wire;
  // Gateways set use_remote_address, so their connection manager appends the peer's address to X-Forwarded-For;
  // sidecars do not (pilot/pkg/networking/core/gateway.go and listener.go: useRemoteAddress).
  const xff =
    direction === 'gateway'
      ? `${arriving.xff ? `${arriving.xff}, ` : ''}${hostOfSocket(arriving.remote)}`
      : arriving.xff;
  // Set once the route's fault delay applies to this request.
  let delayed = false;
  const log = (code: number | null, flags: string, details: string, cluster = '-', upstreamHost = '-', route = '-') => {
    const forwarded = details === 'via_upstream';
    const upstreamLocal = forwarded ? tracer.ephemeral(pod.ip) : '-';
    const closes =
      !listener && direction === 'gateway'
        ? 'refused'
        : transport.kind !== 'plaintext' && !loggedAsHttp
          ? 'handshake'
          : 'reset';
    tracer.record(hop, {
      http: loggedAsHttp,
      own: forwarded ? undefined : { code, flags, details, closes, silent: !listener && direction === 'gateway' },
      ...tracer.requestFields(arriving.protocol),
      xff,
      upstreamHost,
      cluster,
      upstreamLocal,
      downstreamLocal,
      downstreamRemote: arriving.remote,
      sni: transport.sni,
      route,
      ...(delayed ? { delayed } : {}),
    });
    if (forwarded)
      tracer.wire = {
        remote: upstreamLocal,
        xff,
        protocol: upstreamProtocol(tracer, config, cluster, arriving.protocol),
      };
  };
  if (!listener) {
    // No filter chain, so no HTTP connection manager: the listener logs the connection.
    loggedAsHttp = false;
    log(null, 'NR', 'filter_chain_not_found');
    return {
      outcome: 'no-listener',
      status: null,
      flags: 'NR',
      end: { reason: 'NO_LISTENER', proxy: proxyName(pod), port, gateway: direction === 'gateway' },
      sources: [pod.source],
    };
  }
  hop.listener = listener.name;
  tracer.step(
    {
      kind: 'listener',
      by:
        listener.kind === 'virtualOutbound'
          ? 'virtualOutbound'
          : listener.kind === 'gateway'
            ? 'gateway'
            : listener.kind === 'outbound' && listener.bindToPort
              ? 'boundToPort'
              : listener.address === address
                ? 'exactAddress'
                : 'wildcard',
      listener: listener.name,
      address,
      port,
      services: listener.services,
      others: config.listeners
        .filter((l) => l !== listener && l.port === port)
        .map((l) => ({ name: l.name, address: l.address })),
    },
    pod,
  );
  const facts: ConnectionFacts = {
    address,
    port,
    // The SNI of the connection that arrives: the client's, or what the proxy before this one sent.
    sni: transport.kind !== 'plaintext' ? transport.sni : undefined,
    transport: transport.kind,
    alpn: alpnFor(request.protocol, transport.kind),
  };
  const chain = matchFilterChain(listener, facts);
  if (!chain) {
    // No filter chain, so no HTTP connection manager: the listener logs the connection.
    loggedAsHttp = false;
    log(null, 'NR', 'filter_chain_not_found');
    return {
      outcome: 'no-listener',
      status: null,
      flags: 'NR',
      end: { reason: 'NO_FILTER_CHAIN', listener: listener.name, connection: facts },
      sources: [],
    };
  }
  hop.filterChain = chainLabel(chain);
  const arrivedAs = transport;
  const handshake = direction === 'gateway' && chain.serverTls ? gatewayHandshake(chain.serverTls.mode, transport) : {};
  if (handshake.failed) {
    // The handshake fails before any filter runs: no HTTP answer, and no access-log line for the connection.
    tracer.step(
      {
        kind: 'filterChain',
        chain: chainLabel(chain),
        connection: facts,
        by: chain === listener.defaultFilterChain ? 'defaultChain' : 'match',
        match: chain.match,
        others: [],
      },
      pod,
      chain.sources,
    );
    tracer.logs.delete(hop);
    return {
      outcome: chain.serverTls?.mode === 'SIMPLE' ? 'no-listener' : 'mtls-failure',
      status: null,
      flags: '-',
      end: {
        reason: 'GATEWAY_TLS_HANDSHAKE',
        proxy: proxyName(pod),
        mode: chain.serverTls?.mode ?? 'SIMPLE',
        sent: transport.kind,
        cause: handshake.failed,
      },
      sources: chain.sources,
    };
  }
  if (direction === 'gateway' && chain.serverTls && transport.kind !== 'plaintext') {
    // The gateway terminates the client's TLS (gateway.go: buildGatewayTCPBasedFilterChains): the request inside goes
    // on.
    tracer.tlsTerminated = true;
    transport = { ...transport, kind: 'plaintext', why: { by: 'gatewayTls', mode: chain.serverTls.mode } };
    if (chain.serverTls.mode !== 'ISTIO_MUTUAL')
      tracer.assumptions.push({
        kind: 'gatewayCertificate',
        gateway: proxyName(pod),
        mode: chain.serverTls.mode,
        credentialName: chain.serverTls.credentialName,
      });
  }
  loggedAsHttp = tracer.isHttp && chain.action.kind !== 'tcp';
  tracer.step(
    {
      kind: 'filterChain',
      chain: chainLabel(chain),
      connection: facts,
      by: chain === listener.defaultFilterChain ? 'defaultChain' : 'match',
      match: chain.match,
      others: [...listener.filterChains, ...(listener.defaultFilterChain ? [listener.defaultFilterChain] : [])]
        .filter((c) => c !== chain)
        .map((c) =>
          c.action.kind === 'tcp'
            ? { match: c.match, clusters: c.action.clusters.map((x) => x.name) }
            : { match: c.match, routeConfig: c.action.routeConfigName },
        ),
    },
    pod,
    chain.sources,
  );
  let jwtClaims: Record<string, unknown> | undefined;
  if (direction === 'gateway') {
    const { denied, identity } = gatewayAuthorization(tracer, pod, chain, arrivedAs, port);
    if (denied) {
      log(denied.status, '-', denied.details);
      return denied.terminal;
    }
    jwtClaims = identity?.claims;
  }

  let clusterName: string;
  let route: Route | undefined;
  let routeFact: { forwarded?: ForwardedChange } = {};
  const action0 = chain.action;
  if (action0.kind === 'http' || action0.kind === 'http-inline') {
    const routeConfigName = action0.routeConfigName;
    if (!tracer.isHttp) {
      log(null, '-', 'protocol_error');
      return {
        outcome: 'no-listener',
        status: null,
        flags: '-',
        end: { reason: 'NOT_HTTP', protocol: request.protocol },
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
        end: { reason: 'NO_VIRTUAL_HOST', routeConfig: routeConfigName, hostHeader },
        sources: chain.sources,
      };
    }
    const vhost = vhostMatch.vhost;
    hop.virtualHost = vhost.name;
    tracer.step(
      {
        kind: 'virtualHost',
        virtualHost: vhost.name,
        routeConfig: routeConfigName,
        hostHeader,
        by: vhostMatch.by,
        domain: vhostMatch.domain,
        catchAllOnly: vhost.domains.includes('*') && vhost.domains.length === 1,
        others: (routeConfig?.virtualHosts ?? [])
          .filter((v) => v !== vhost)
          .map((v) => ({ name: v.name, domains: v.domains })),
      },
      pod,
      vhost.sources,
    );
    route = matchRoute(vhost, {
      path: hcmPath(tracer.model, request.path),
      headers: requestHeaders(tracer),
      ...(jwtClaims ? { jwtClaims } : {}),
    });
    if (!route) {
      log(404, 'NR', 'route_not_found', '-', '-', '-');
      return {
        outcome: 'no-route',
        status: 404,
        flags: 'NR',
        end: {
          reason: 'NO_ROUTE',
          virtualHost: vhost.name,
          method: request.method,
          path: request.path,
          routes: vhost.routes.map((r) => r.match.description),
        },
        sources: vhost.sources,
      };
    }
    hop.route = route.name || undefined;
    const at = vhost.routes.indexOf(route);
    // Routes are tried in order: those before the match were tried and failed, those after it were never reached.
    const matched: Extract<StepFact, { kind: 'route'; by: 'match' }> = {
      kind: 'route',
      by: 'match',
      route: route.name,
      virtualService: route.virtualService,
      method: request.method,
      path: request.path,
      match: route.match.description,
      others: vhost.routes.flatMap((r, i) =>
        i === at ? [] : [{ route: r.name, match: r.match.description, reached: i < at }],
      ),
    };
    routeFact = matched;
    tracer.step(matched, pod, route.sources);
    const action = route.action;
    if (action.kind === 'directResponse') {
      const blocked = route.name === 'block_all';
      log(action.status, '-', 'direct_response', '-', '-', route.name);
      return blocked
        ? {
            outcome: 'blackhole',
            status: 502,
            flags: '-',
            end: {
              reason: 'BLOCKED_BY_REGISTRY_ONLY',
              hostHeader,
              port,
              cause: unknownHostCause(tracer, pod, hostHeader),
            },
            sources: route.sources,
          }
        : {
            outcome: 'direct-response',
            status: action.status,
            flags: '-',
            end: { reason: 'DIRECT_RESPONSE', status: action.status },
            sources: route.sources,
          };
    }
    if (action.kind === 'redirect') {
      log(action.status, '-', 'redirect', '-', '-', route.name);
      const location = redirectLocation(
        action,
        route.match,
        hostHeader,
        request.path,
        request.protocol === 'https' ? 'https' : 'http',
      );
      return {
        outcome: 'redirect',
        status: action.status,
        flags: '-',
        end: { reason: 'REDIRECT', location },
        sources: route.sources,
      };
    }
    if (action.kind === 'none') {
      log(404, 'NR', 'route_not_found');
      return {
        outcome: 'no-route',
        status: 404,
        flags: 'NR',
        end: { reason: 'ROUTE_WITHOUT_ACTION' },
        sources: route.sources,
      };
    }
    // A delay for every request holds it, then it goes on (or is aborted): TranslateFault in
    // pilot/pkg/networking/core/route/route.go sets the percentage Envoy's fault filter rolls.
    if (action.fault?.delay && action.fault.delay.percent >= 100) delayed = true;
    if (action.fault?.abort) {
      if (action.fault.abort.percent >= 100) {
        log(action.fault.abort.status, 'FI', 'fault_filter_abort', '-', '-', route.name);
        return {
          outcome: 'fault',
          status: action.fault.abort.status,
          flags: 'FI',
          end: { reason: 'FAULT_ABORT', status: action.fault.abort.status },
          sources: route.sources,
        };
      }
      tracer.assumptions.push({
        kind: 'faultAbortSkipped',
        percent: action.fault.abort.percent,
        status: action.fault.abort.status,
      });
    }
    if (action.mirrorClusters.length > 0) hop.mirrors = action.mirrorClusters;
    const chosen = weightiest(action.clusters);
    if (!chosen) {
      log(503, 'NC', 'cluster_not_found');
      return {
        outcome: 'cluster-not-found',
        status: 503,
        flags: 'NC',
        end: { reason: 'ROUTE_WITHOUT_CLUSTER' },
        sources: route.sources,
      };
    }
    if (action.clusters.length > 1)
      tracer.step(
        weighted('route', chosen, action.clusters, config, action.clusterNotFoundStatus ?? 503),
        pod,
        route.sources,
      );
    clusterName = chosen.name;
  } else {
    const chosen = weightiest(action0.clusters);
    clusterName = chosen?.name ?? '';
    if (action0.clusters.length > 1)
      tracer.step(weighted('filterChain', chosen, action0.clusters, config, null), pod, chain.sources);
  }
  hop.cluster = clusterName;
  // The router changes the request once the cluster exists, before it picks an endpoint (envoy router.cc).
  if (route && config.clusters.some((c) => c.name === clusterName))
    tracer.forwardThrough(pod, route, clusterName, hop, routeFact);
  return clusterHop(tracer, pod, config, hop, clusterName, route, address, port, transport, depth, log);
}

/**
 * Whether a gateway server that terminates TLS completes the handshake (pilot/pkg/networking/core/listener.go:
 * BuildListenerTLSContext): plaintext is no TLS at all; ISTIO_MUTUAL requires a client certificate signed by the mesh's
 * root CA, which only a mesh proxy (Istio mTLS) presents, not a client outside the mesh.
 */
function gatewayHandshake(mode: string, transport: Transport): { failed?: 'notTls' | 'clientCertificateRequired' } {
  if (transport.kind === 'plaintext') return { failed: 'notTls' };
  if (mode === 'ISTIO_MUTUAL' && transport.kind !== 'mtls') return { failed: 'clientCertificateRequired' };
  return {};
}

/**
 * A gateway enforces the AuthorizationPolicies that select its pod too: the RBAC filter of an HTTP server's connection
 * manager runs before the router, so a denial comes before any 404; a TCP server gets the network RBAC filter
 * (pilot/pkg/networking/core/gateway.go: buildGatewayHTTPFilterChainOpts, buildGatewayNetworkFiltersFromTCPRoutes).
 */
function gatewayAuthorization(
  tracer: Tracer,
  pod: PodModel,
  chain: FilterChain,
  arrivedAs: Transport,
  port: number,
): { denied?: { status: number | null; details: string; terminal: Terminal }; identity?: JwtIdentity } {
  const request = tracer.request;
  const sender = arrivedAs.from;
  const principal =
    chain.serverTls?.mode === 'ISTIO_MUTUAL' && arrivedAs.kind === 'mtls' && sender
      ? `${tracer.model.meshConfig.trustDomain}/ns/${sender.namespace}/sa/${sender.serviceAccount}`
      : undefined;
  const http =
    chain.action.kind !== 'tcp' && tracer.isHttp
      ? { host: tracer.hostHeader(), method: request.method, path: request.path, headers: requestHeaders(tracer) }
      : undefined;
  const sourceIp = sender?.ip ?? hostOfSocket(tracer.wire.remote);
  // A gateway uses the remote address, trusting numTrustedProxies hops of X-Forwarded-For (core/gateway.go:
  // buildGatewayConnectionManager).
  const remoteIp = http ? trustedClientAddress(tracer.wire.xff, true, numTrustedProxies(tracer.model, pod)) : undefined;
  // The JWT filter comes before RBAC in the connection manager.
  const jwt = http ? checkJwt(tracer, pod) : undefined;
  if (jwt?.rejected) return { denied: { status: 401, details: jwt.rejected.details, terminal: jwt.rejected.terminal } };
  const identity = jwt?.identity ? { identity: jwt.identity } : {};
  // No policy decided: the gateway has no RBAC filter to show.
  const decision = authorizationStep(
    tracer,
    pod,
    {
      principal,
      sourceIp,
      http,
      port,
      ...(remoteIp ? { remoteIp } : {}),
      ...(arrivedAs.sni ? { sni: arrivedAs.sni } : {}),
    },
    jwt?.identity,
    'when-decided',
  );
  if (decision.allowed) return identity;
  const status = http ? 403 : null;
  return {
    denied: {
      status,
      details: decision.details ?? 'rbac_access_denied',
      terminal: {
        outcome: 'denied',
        status,
        flags: '-',
        end: { reason: 'DENIED', decision: decision.reason, http: http !== undefined },
        sources: decision.policy ? [decision.policy] : [],
      },
    },
  };
}

/** gatewayTopology.numTrustedProxies: the pod's proxy.istio.io/config, else the mesh's defaultConfig. */
function numTrustedProxies(model: MeshModel, pod: PodModel): number {
  const parsed = parseEmbeddedYaml(pod.annotations.get('proxy.istio.io/config') ?? '');
  const own = parsed.ok ? field(field(parsed.value, 'gatewayTopology'), 'numTrustedProxies') : undefined;
  if (typeof own === 'number' && Number.isInteger(own) && own >= 0) return own;
  return model.meshConfig.numTrustedProxies ?? 0;
}

/**
 * The proxy's JWT filter (RequestAuthentication), before RBAC: a present token that is malformed, expired or for
 * another audience gets Envoy's 401; a valid one gives the request its principal
 * (pilot/pkg/security/authn/policy_applier.go: convertToEnvoyJwtConfig).
 */
/**
 * RBAC at a sidecar or gateway: the decision, its notes as assumptions, and the authorization step (`when-decided`:
 * only when a policy decided, as a gateway without one has no RBAC filter to show).
 */
function authorizationStep(
  tracer: Tracer,
  pod: PodModel,
  attributes: Omit<AuthzRequest, 'jwt'>,
  jwt: JwtIdentity | undefined,
  show: 'always' | 'when-decided',
): AuthzDecision {
  const decision = authorize(tracer.model, pod, { ...attributes, ...(jwt ? { jwt } : {}) });
  for (const note of decision.notes) tracer.assumptions.push({ kind: 'authorization', note });
  if (show === 'when-decided' && decision.allowed && !decision.policy) return decision;
  tracer.step(
    {
      kind: 'authorization',
      allowed: decision.allowed,
      reason: decision.reason,
      principal: attributes.principal,
      ...(jwt ? { requestPrincipal: jwt.principal } : {}),
      ...(attributes.http && tracer.changedRequest() ? { changedRequest: tracer.changedRequest() } : {}),
    },
    pod,
    decision.policy ? [decision.policy] : [],
  );
  return decision;
}

function checkJwt(
  tracer: Tracer,
  pod: PodModel,
): { identity?: JwtIdentity; rejected?: { details: string; terminal: Terminal } } {
  const request = tracer.request;
  const outcome = authenticateRequest(tracer.model, pod, requestHeaders(tracer), request.path, Date.now() / 1000);
  for (const note of outcome.notes) tracer.assumptions.push({ kind: 'authorization', note: `JWT: ${note}.` });
  if (outcome.kind === 'none') return {};
  if (outcome.kind === 'accepted') return { identity: outcome.identity };
  return {
    rejected: {
      details: `jwt_authn_access_denied{${outcome.message.replace(/\s/g, '_')}}`,
      terminal: {
        outcome: 'denied',
        status: 401,
        flags: '-',
        end: { reason: 'JWT_REJECTED', message: outcome.message },
        sources: outcome.policies,
      },
    },
  };
}

/** A split across weighted destinations: this trace follows the heaviest. */
function weighted(
  where: 'route' | 'filterChain',
  chosen: { name: string; weight: number } | undefined,
  clusters: Array<{ name: string; weight: number }>,
  config: ProxyConfig,
  missingStatus: number | null,
): StepFact {
  // A share whose cluster does not exist is answered by Envoy itself (NC): 500 on a Gateway API route, else 503.
  const missing = clusters.filter((c) => !config.clusters.some((x) => x.name === c.name)).map((c) => c.name);
  return {
    kind: 'route',
    by: 'weight',
    in: where,
    chosen: chosen ? { name: chosen.name, weight: chosen.weight } : undefined,
    clusters: clusters.map((c) => ({ name: c.name, weight: c.weight })),
    ...(missing.length > 0 ? { missing: { clusters: missing, status: missingStatus } } : {}),
  };
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
    const unknown = unknownDestination(tracer, pod, address, port);
    tracer.step({ kind: 'cluster', by: 'blackHole', unknown }, pod, policySources(tracer, pod));
    log(null, 'UH', '-', 'BlackHoleCluster', '-', routeName);
    return {
      outcome: 'blackhole',
      status: null,
      flags: 'UH',
      end: { reason: 'BLACKHOLE', unknown },
      sources: policySources(tracer, pod),
    };
  }
  if (!cluster) {
    const status = route?.action.kind === 'route' ? (route.action.clusterNotFoundStatus ?? 503) : 503;
    log(isHttp ? status : null, 'NC', 'cluster_not_found', '-', '-', routeName);
    return {
      outcome: 'cluster-not-found',
      status: isHttp ? status : null,
      flags: 'NC',
      end: { reason: 'CLUSTER_NOT_FOUND', cluster: clusterName, cause: missingClusterCause(tracer, pod, clusterName) },
      sources: route?.sources ?? [],
    };
  }
  if (clusterName === 'PassthroughCluster') {
    const unknown = unknownDestination(tracer, pod, address, port);
    tracer.step({ kind: 'cluster', by: 'passthrough', unknown }, pod, policySources(tracer, pod));
    hop.endpoint = `${address}:${port}`;
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
        why: { by: 'passthroughCluster' },
        from: pod,
        sni: transport.kind === 'tls' ? transport.sni : undefined,
      },
      'passthrough',
      depth,
    );
  }
  tracer.step(
    {
      kind: 'cluster',
      by: 'service',
      cluster: cluster.name,
      type: cluster.type,
      subset: cluster.subset,
      destinationRule: cluster.destinationRule
        ? `${cluster.destinationRule.namespace}/${cluster.destinationRule.name}`
        : undefined,
      tls: cluster.tls.reason,
    },
    pod,
    cluster.sources,
  );
  if (cluster.type === 'DYNAMIC_FORWARD_PROXY')
    return dynamicForwardProxy(tracer, pod, hop, cluster, isHttp, port, transport, depth, (upstream) =>
      log(successStatus(tracer.request.protocol), '-', 'via_upstream', cluster.name, upstream, routeName),
    );
  const assignment = config.endpoints.find((e) => e.clusterName === cluster.name);
  const all = assignment?.endpoints ?? [];
  hop.endpoints = all.map((e) => `${e.address}:${e.port}`);
  if (cluster.type === 'ORIGINAL_DST') {
    tracer.step({ kind: 'endpoint', by: 'originalDestination', address, port }, pod, cluster.sources);
    hop.endpoint = `${address}:${port}`;
    log(successStatus(tracer.request.protocol), '-', 'via_upstream', cluster.name, `${address}:${port}`, routeName);
    const kind: TransportKind =
      cluster.tls.mode === 'ISTIO_MUTUAL' ? 'mtls' : transport.kind === 'tls' ? 'tls' : 'plaintext';
    return deliverToAddress(
      tracer,
      address,
      port,
      {
        kind,
        why: { by: 'clusterTls', reason: cluster.tls.reason },
        from: pod,
        sni: kind === 'mtls' ? mtlsSni(cluster) : kind === 'tls' ? transport.sni : undefined,
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
      end: {
        reason: 'NO_HEALTHY_UPSTREAM',
        cluster: cluster.name,
        total: all.length,
        subset: cluster.subset,
        service: cluster.service ?? '',
      },
      sources: cluster.sources,
    };
  }
  const chosen = healthy[0] as LbEndpoint;
  hop.endpoint = `${chosen.address}:${chosen.port}`;
  const upstream: TransportKind = chosen.mtls
    ? 'mtls'
    : cluster.tls.mode === 'SIMPLE' || cluster.tls.mode === 'MUTUAL' || transport.kind === 'tls'
      ? 'tls'
      : 'plaintext';
  tracer.step(
    {
      kind: 'endpoint',
      by: 'loadBalancer',
      endpoint: `${chosen.address}:${chosen.port}`,
      pod: chosen.podName,
      healthy: healthy.length,
      total: all.length,
      loadBalancer: cluster.loadBalancer,
      transport: upstream,
      endpoints: endpointStates(tracer, cluster, all, chosen),
    },
    pod,
    chosen.workload ? [chosen.workload] : [],
  );
  log(
    successStatus(tracer.request.protocol),
    '-',
    'via_upstream',
    cluster.name,
    `${endpointAddress(tracer, pod, chosen.address)}:${chosen.port}`,
    routeName,
  );
  // Double TLS (istio.io ops/common-problems/network-issues): the application's own TLS passes the proxy as TCP and
  // the DestinationRule wraps it in TLS again, so the server finds a ClientHello where it expects the request.
  if (transport.kind === 'tls' && (cluster.tls.mode === 'SIMPLE' || cluster.tls.mode === 'MUTUAL'))
    return {
      outcome: 'mtls-failure',
      status: null,
      flags: '-',
      end: { reason: 'DOUBLE_TLS', cluster: cluster.name, mode: cluster.tls.mode },
      sources: cluster.sources,
    };
  const sni =
    upstream === 'mtls' ? mtlsSni(cluster) : upstream === 'tls' ? (cluster.tls.sni ?? transport.sni) : undefined;
  return arrive(
    tracer,
    {
      address: chosen.address,
      port: chosen.port,
      transport: { kind: upstream, why: { by: 'clusterTls', reason: cluster.tls.reason }, from: pod, sni },
      host: cluster.service,
      via: 'cluster',
      ...(chosen.tlsMode === 'istio'
        ? {
            declaredProxy: chosen.workload
              ? `${chosen.workload.namespace}/${chosen.workload.name}`
              : `${chosen.address}`,
          }
        : {}),
    },
    depth,
  );
}

/**
 * A dynamic forward proxy cluster: Envoy resolves the request's Host (HTTP) or the connection's SNI (TLS) itself and
 * connects there, on the cluster's port (pilot/pkg/networking/core/listener_builder.go and networkfilter.go: the DFP
 * HTTP filter and sni_dynamic_forward_proxy for wildcard DYNAMIC_DNS ServiceEntries, Istio 1.31).
 */
function dynamicForwardProxy(
  tracer: Tracer,
  pod: PodModel,
  hop: TraceHop,
  cluster: Cluster,
  isHttp: boolean,
  port: number,
  transport: Transport,
  depth: number,
  logForwarded: (upstream: string) => void,
): Terminal {
  // The dynamic forward proxy filter runs before the router: it resolves the Host the route matched, not the host
  // rewrite the router then sends (envoy source/extensions/filters/http/dynamic_forward_proxy/proxy_filter.cc).
  const authority = tracer.routedAuthority ?? tracer.hostHeader();
  const name = (isHttp ? hostOfSocket(authority) : transport.sni)?.toLowerCase();
  if (!name) {
    // sni_dynamic_forward_proxy has no name to resolve without SNI: Envoy closes the connection.
    tracer.step({ kind: 'endpoint', by: 'dynamicForwardProxy', host: undefined, from: 'sni', port }, pod);
    return {
      outcome: 'no-healthy-upstream',
      status: null,
      flags: 'UH',
      end: { reason: 'NO_HEALTHY_UPSTREAM', cluster: cluster.name, total: 0, subset: undefined, service: '' },
      sources: cluster.sources,
    };
  }
  const address = endpointAddress(tracer, pod, name);
  // The HTTP filter connects to the Host header's port, else the scheme's default (Envoy's dynamic_forward_proxy).
  const hostPort = isHttp ? /:(\d+)$/.exec(authority)?.[1] : undefined;
  const upstreamTls = cluster.tls.mode === 'SIMPLE' || cluster.tls.mode === 'MUTUAL' || transport.kind === 'tls';
  port = isHttp ? (hostPort !== undefined ? Number(hostPort) : upstreamTls ? 443 : 80) : port;
  hop.endpoint = `${address}:${port}`;
  // ALLOW_ANY_DYNAMIC_DNS's catch-all for unknown hosts (cluster_builder.go: buildAllowAnyDFPCluster).
  const catchAll = cluster.name === ALLOW_ANY_DYNAMIC_DNS_CLUSTER;
  tracer.step(
    {
      kind: 'endpoint',
      by: 'dynamicForwardProxy',
      host: name,
      address,
      from: isHttp ? 'host' : 'sni',
      port,
      ...(catchAll ? { catchAll } : {}),
    },
    pod,
    catchAll ? policySources(tracer, pod) : cluster.sources,
  );
  logForwarded(`${address}:${port}`);
  const kind: TransportKind = upstreamTls ? 'tls' : 'plaintext';
  return arrive(
    tracer,
    {
      address,
      port,
      transport: {
        kind,
        why: { by: 'clusterTls', reason: cluster.tls.reason },
        from: pod,
        sni: kind === 'tls' ? (cluster.tls.sni ?? transport.sni ?? name) : undefined,
      },
      host: name,
      via: catchAll ? 'passthrough' : 'cluster',
    },
    depth,
  );
}

/**
 * The address Envoy connects to for an endpoint: a DNS cluster's hostname is resolved by the proxy itself
 * (STRICT_DNS / LOGICAL_DNS, through kube-dns: Envoy's own queries are not captured), and its access log shows the IP.
 */
function endpointAddress(tracer: Tracer, pod: PodModel, address: string): string {
  if (isIpAddress(address)) return address;
  const request = tracer.request;
  // The address the user gave for the requested name is the best guess for what that name resolves to.
  const given =
    request.address !== undefined && (address === request.host || address === tracer.resolvedName)
      ? request.address
      : undefined;
  const result = resolve(`${address}.`, {
    pod,
    registry: tracer.kube,
    clusterDomain: tracer.clusterDomain,
    nameTable: undefined,
    addressOverride: given,
  });
  if (result.assumption) tracer.assume(result.assumption);
  return result.answers[0] ?? address;
}

/**
 * Every endpoint of the cluster's service port: the one chosen, the other healthy and unhealthy ones, and those a
 * subset excluded.
 */
function endpointStates(tracer: Tracer, cluster: Cluster, all: LbEndpoint[], chosen: LbEndpoint): EndpointState[] {
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
  tracer.step({ kind: 'listener', by: 'gatewayPod', address: pod.ip, port }, pod, [pod.source]);
  return proxyHop(tracer, pod, config, 'gateway', pod.ip, port, transport, depth);
}

/** The inbound listener a sidecar bound to this address and port of its pod (a Sidecar ingress, captureMode NONE). */
function boundInboundListener(config: ProxyConfig, address: string, port: number): Listener | undefined {
  const inbound = config.listeners.filter((l) => l.kind === 'inbound' && l.port === port);
  return inbound.find((l) => l.address === address) ?? inbound.find((l) => l.address === '0.0.0.0');
}

/** The destination's sidecar: virtualInbound, the chain for the target port and transport, then AuthorizationPolicy. */
function inboundHop(tracer: Tracer, pod: PodModel, delivery: Delivery, bound?: Listener): Terminal {
  const request = tracer.request;
  const { config } = tracer.proxyConfig(pod);
  const listener = bound ?? config.listeners.find((l) => l.kind === 'virtualInbound');
  const hop: TraceHop = { proxy: proxyName(pod), direction: 'inbound', listener: listener?.name ?? 'virtualInbound' };
  tracer.hops.push(hop);
  noteEnvoyFilters(tracer, pod, 'inbound');
  const facts: ConnectionFacts = {
    address: delivery.address,
    port: delivery.port,
    sni: delivery.transport.kind === 'tls' ? request.sni : undefined,
    transport: delivery.transport.kind,
    alpn: alpnFor(tracer.isHttp && request.protocol === 'https' ? 'http' : request.protocol, delivery.transport.kind),
  };
  const viaSidecar = tracer.hops.length > 1 && tracer.hops.at(-2)?.direction !== 'inbound';
  const sender = delivery.transport.from;
  const httpClient = tracer.isHttp;
  let loggedAsHttp = httpClient;
  const arriving = tracer.wire;
  // Where an inbound cluster delivers: its one STATIC endpoint (LOCALHOST policy, a Sidecar ingress defaultEndpoint),
  // else, ORIGINAL_DST, the pod's IP on the port the request came to (cluster_builder.go: buildInboundCluster).
  const upstreamOf = (cluster: string) => {
    const assigned = config.endpoints.find((e) => e.clusterName === cluster)?.endpoints[0];
    if (!assigned) return { host: `${pod.ip}:${delivery.port}`, local: '127.0.0.6' };
    const host = assigned.port > 0 ? `${assigned.address}:${assigned.port}` : assigned.address;
    return { host, local: assigned.address === '127.0.0.1' ? '127.0.0.1' : pod.ip };
  };
  const log = (code: number | null, flags: string, details: string, cluster = '-') => {
    const forwarded = details === 'via_upstream';
    // Without a filter chain, or with TLS on a plaintext chain, the sender's TLS handshake fails; otherwise the
    // connection is closed under it.
    const handshake =
      delivery.transport.kind !== 'plaintext' &&
      (details === 'filter_chain_not_found' || details === 'http1.codec_error');
    tracer.record(hop, {
      http: loggedAsHttp,
      own: forwarded ? undefined : { code, flags, details, closes: handshake ? 'handshake' : 'reset' },
      ...tracer.requestFields(arriving.protocol),
      xff: arriving.xff,
      // Since Istio 1.10 the inbound cluster sends to the pod's own IP, from 127.0.0.6
      // (pilot/pkg/networking/core/listener_address.go: InboundPassthroughBindIpv4).
      upstreamHost: cluster === '-' ? '-' : upstreamOf(cluster).host,
      cluster,
      upstreamLocal: forwarded ? tracer.ephemeral(upstreamOf(cluster).local) : '-',
      downstreamLocal: `${isLoopback(delivery.address) ? delivery.address : pod.ip}:${delivery.port}`,
      downstreamRemote: arriving.remote,
      route: cluster === '-' ? '-' : 'default',
      sni: delivery.transport.sni,
    });
  };
  // A client sidecar that sent TLS sees the handshake fail (UF); one that sent plaintext sees the connection
  // closed (UC).
  const resetFlag = delivery.transport.kind === 'plaintext' ? 'UC' : 'UF';
  const chain = listener ? matchFilterChain(listener, facts) : undefined;
  if (!chain) {
    const mtls = listener?.filterChains.filter((c) => c.match.destinationPort === delivery.port) ?? [];
    const expects = mtls.map((c) => c.tls).filter((t) => t !== undefined);
    // No filter chain, so no HTTP connection manager: the listener logs the connection.
    loggedAsHttp = false;
    log(null, 'NR', 'filter_chain_not_found');
    const sources = unique(mtls.flatMap((c) => c.sources));
    tracer.step(
      {
        kind: 'inbound',
        accepted: false,
        by: 'noFilterChain',
        port: delivery.port,
        accepts: [...new Set(expects)],
        sent: delivery.transport.kind,
        cause: delivery.transport.why,
      },
      pod,
      sources,
    );
    return {
      outcome: 'mtls-failure',
      status: viaSidecar && httpClient ? 503 : null,
      flags: viaSidecar && httpClient ? resetFlag : '-',
      end: {
        reason: 'INBOUND_NO_FILTER_CHAIN',
        proxy: proxyName(pod),
        port: delivery.port,
        requires: expects.includes('mtls') && !expects.includes('plaintext') ? 'mtls' : 'plaintext',
      },
      sources,
    };
  }
  if (chain.tls === 'plaintext' && delivery.transport.kind !== 'plaintext' && chain.action.kind !== 'tcp') {
    // TLS bytes reach a plaintext HTTP chain: its HTTP codec cannot read them and closes the connection
    // (pilot/pkg/simulation/traffic.go: an HTTP connection manager reached without terminating TLS is a
    // protocol error).
    loggedAsHttp = false;
    log(null, 'DPE', 'http1.codec_error');
    tracer.step(
      {
        kind: 'inbound',
        accepted: false,
        by: 'plaintextChain',
        port: delivery.port,
        sent: delivery.transport.kind,
        cause: delivery.transport.why,
      },
      pod,
      chain.sources,
    );
    return {
      outcome: 'mtls-failure',
      status: viaSidecar && httpClient ? 503 : null,
      flags: viaSidecar && httpClient ? 'UF' : '-',
      end: {
        reason: 'INBOUND_PLAINTEXT_ONLY',
        proxy: proxyName(pod),
        port: delivery.port,
        sent: delivery.transport.kind,
      },
      sources: chain.sources,
    };
  }
  if (chain.tls === 'mtls' && delivery.transport.kind === 'tls') {
    // A chain that terminates Istio mTLS demands a client certificate of the mesh: plain TLS fails the handshake
    // (pilot/pkg/networking/core/sidecar_simulation_test.go: TestInbound, "tls to tcp" under STRICT).
    log(null, 'NR', 'filter_chain_not_found');
    tracer.step(
      {
        kind: 'inbound',
        accepted: false,
        by: 'noFilterChain',
        port: delivery.port,
        accepts: ['mtls'],
        sent: delivery.transport.kind,
        cause: delivery.transport.why,
      },
      pod,
      chain.sources,
    );
    return {
      outcome: 'mtls-failure',
      status: viaSidecar && httpClient ? 503 : null,
      flags: viaSidecar && httpClient ? 'UF' : '-',
      end: { reason: 'INBOUND_NO_FILTER_CHAIN', proxy: proxyName(pod), port: delivery.port, requires: 'mtls' },
      sources: chain.sources,
    };
  }
  if (chain.action.kind !== 'tcp' && !httpClient) {
    // Raw TCP into a chain that parses HTTP: the HTTP codec fails (sidecar_simulation_test.go: TestInbound,
    // "tcp to http").
    log(null, '-', 'protocol_error');
    return {
      outcome: 'no-listener',
      status: null,
      flags: '-',
      end: { reason: 'NOT_HTTP', protocol: request.protocol },
      sources: chain.sources,
    };
  }
  hop.filterChain = chainLabel(chain);
  loggedAsHttp = httpClient && chain.action.kind !== 'tcp';
  const cluster = chain.action.kind === 'tcp' ? (chain.action.clusters[0]?.name ?? '') : chain.action.routeConfigName;
  hop.cluster = cluster;
  if (chain.action.kind === 'http-inline' && loggedAsHttp)
    hop.virtualHost = config.routes.find((r) => r.name === cluster)?.virtualHosts[0]?.name;
  tracer.step(
    {
      kind: 'inbound',
      accepted: true,
      chain: chainLabel(chain),
      cluster,
      connection: facts,
      match: chain.match,
      mtls: chain.tls === 'mtls',
    },
    pod,
    chain.sources,
  );
  if (cluster === 'BlackHoleCluster') {
    log(null, 'UH', '-', cluster);
    return {
      outcome: 'blackhole',
      status: null,
      flags: 'UH',
      end: { reason: 'BLACKHOLE', unknown: unknownDestination(tracer, pod, pod.ip, delivery.port) },
      sources: [pod.source],
    };
  }
  // The identity and address the destination sees are those of the pod that opened this connection
  // (a gateway, after a gateway hop).
  const principal =
    delivery.transport.kind === 'mtls' && chain.tls === 'mtls' && sender
      ? `${tracer.model.meshConfig.trustDomain}/ns/${sender.namespace}/sa/${sender.serviceAccount}`
      : undefined;
  const http =
    chain.action.kind !== 'tcp' && httpClient
      ? { host: tracer.hostHeader(), method: request.method, path: request.path, headers: requestHeaders(tracer) }
      : undefined;
  const jwt = http ? checkJwt(tracer, pod) : undefined;
  if (jwt?.rejected) {
    log(401, '-', jwt.rejected.details);
    return jwt.rejected.terminal;
  }
  // A sidecar's inbound connection manager does not use the remote address: Envoy trusts the last X-Forwarded-For
  // entry (core/listener_builder.go: useRemoteAddress false).
  const remoteIp = http ? trustedClientAddress(arriving.xff, false, 0) : undefined;
  const decision = authorizationStep(
    tracer,
    pod,
    {
      principal,
      sourceIp: sender?.ip ?? '',
      http,
      port: delivery.port,
      ...(remoteIp ? { remoteIp } : {}),
      ...(delivery.transport.sni ? { sni: delivery.transport.sni } : {}),
    },
    jwt?.identity,
    'always',
  );
  if (!decision.allowed) {
    log(http ? 403 : null, '-', decision.details ?? 'rbac_access_denied');
    return {
      outcome: 'denied',
      status: http ? 403 : null,
      flags: '-',
      end: { reason: 'DENIED', decision: decision.reason, http: http !== undefined },
      sources: decision.policy ? [decision.policy] : [],
    };
  }
  const success = successStatus(request.protocol);
  hop.endpoint = upstreamOf(cluster).host;
  log(success, '-', 'via_upstream', cluster);
  // The inbound cluster connects from 127.0.0.6 to the pod, which iptables leaves alone (run.go: ISTIO_OUTPUT returns
  // 127.0.0.6 on `lo`); on a port of the istio-proxy container that socket, not the application, takes it.
  const assigned = config.endpoints.find((e) => e.clusterName === cluster)?.endpoints[0];
  const upstream = assigned
    ? { address: assigned.address, port: assigned.port }
    : { address: pod.ip, port: delivery.port };
  const toPod = upstream.address === pod.ip || isLoopback(upstream.address);
  // A Sidecar ingress listener bound there (captureMode NONE) takes what virtualInbound passed through.
  const boundThere = toPod && !bound ? boundInboundListener(config, upstream.address, upstream.port) : undefined;
  if (boundThere) {
    const transport: Transport = { kind: 'plaintext', why: { by: 'passthroughCluster' }, from: pod, sni: undefined };
    return inboundHop(
      tracer,
      pod,
      { address: upstream.address, port: upstream.port, transport, host: delivery.host, via: delivery.via },
      boundThere,
    );
  }
  const ownSocket = toPod ? sidecarSocketAt(upstream.port) : undefined;
  if (ownSocket !== undefined) {
    const tcp = chain.action.kind === 'tcp';
    const sent: TransportKind = tcp && delivery.transport.kind === 'tls' ? 'tls' : 'plaintext';
    const transport: Transport = { kind: sent, why: { by: 'passthroughCluster' }, from: pod, sni: undefined };
    return sidecarSocketDelivery(
      tracer,
      pod,
      ownSocket,
      { address: upstream.address, port: upstream.port, transport, via: delivery.via },
      tracer.wire.remote,
      'inboundCluster',
    );
  }
  const outcome: Outcome =
    delivery.via === 'passthrough' ? 'passthrough' : delivery.via === 'direct' ? 'direct' : 'routed';
  return {
    outcome,
    status: success,
    flags: '-',
    end: {
      reason: 'DELIVERED_TO_SIDECAR',
      proxy: proxyName(pod),
      address: pod.ip,
      port: delivery.port,
      mtls: delivery.transport.kind === 'mtls',
    },
    sources: [pod.source],
  };
}

/** EnvoyFilters that select this proxy: named on its hop and in the assumptions, as their patches are not applied. */
function noteEnvoyFilters(tracer: Tracer, pod: PodModel, direction: 'outbound' | 'inbound' | 'gateway'): void {
  for (const { source, ...filter } of envoyFiltersFor(tracer.model, pod)) {
    tracer.step({ kind: 'envoyFilter', filter, direction }, pod, [source]);
    tracer.assume({
      kind: 'envoyFilterNotApplied',
      filter: `${filter.namespace}/${filter.name}`,
      proxy: proxyName(pod),
      patches: filter.patches.length,
    });
  }
}

/**
 * A DestinationRule's ISTIO_MUTUAL `sni` replaces the cluster-name SNI, e.g. to reach an egress gateway server by host
 * (pilot/pkg/networking/core/cluster_tls.go: buildUpstreamTLSSettings).
 */
function mtlsSni(cluster: Cluster): string {
  return cluster.tls.mode === 'ISTIO_MUTUAL' && cluster.tls.sni ? cluster.tls.sni : istioMtlsSni(cluster.name);
}

/**
 * The SNI a sidecar or gateway sends with Istio mTLS: the cluster name's fields joined by `_.`
 * (pilot/pkg/model/service.go: BuildDNSSrvSubsetKey).
 */
function istioMtlsSni(clusterName: string): string {
  return clusterName.split('|').join('_.');
}

function requestHeaders(tracer: Tracer): Map<string, string> {
  return headersOf(tracer.request, tracer.hostHeader());
}

/** The objects that set the outbound traffic policy this proxy applies to unknown destinations. */
function policySources(tracer: Tracer, pod: PodModel): ObjectSource[] {
  const source = tracer.proxyConfig(pod).ctx.scope.outboundTrafficPolicySource;
  return source ? [source] : [];
}

/** A destination this proxy does not know, the outbound traffic policy it meets, and why it is unknown. */
function unknownDestination(tracer: Tracer, pod: PodModel, address: string, port: number): UnknownDestination {
  const { ctx } = tracer.proxyConfig(pod);
  const source = ctx.scope.outboundTrafficPolicySource;
  return {
    address,
    port,
    hostHeader: tracer.isHttp ? tracer.hostHeader() : undefined,
    policy: {
      mode: ctx.scope.outboundTrafficPolicy,
      source: source ? { kind: source.kind, namespace: source.namespace, name: source.name } : undefined,
    },
    // listener_builder.go: blackholeFilterChain; listener_inbound.go: buildInboundBlackhole — loop guards.
    cause:
      port === 15001 || port === 15006
        ? { cause: 'capturePort', port }
        : unknownHostCause(tracer, pod, tracer.request.host),
  };
}

/**
 * Why a destination is unknown to this proxy: not in the registry at all, hidden by exportTo or a Sidecar, or on
 * another port.
 */
function unknownHostCause(tracer: Tracer, pod: PodModel, hostOrAddress: string): UnknownHostCause {
  const host = hostOrAddress.replace(/:\d+$/, '');
  const { ctx } = tracer.proxyConfig(pod);
  const names = new Set([
    host,
    ...(tracer.resolvedName ? [tracer.resolvedName] : []),
    ...(tracer.dialled ? [tracer.dialled] : []),
  ]);
  const named = (s: Service) =>
    [...names].some(
      (n) =>
        s.hostname === n ||
        s.clusterIPs.includes(n) ||
        s.defaultAddress === n ||
        s.autoAllocatedAddress === n ||
        s.aliases.includes(n) ||
        (!n.includes('.') && s.hostname.startsWith(`${n}.`)),
    );
  const registered = tracer.registry.services.filter(named);
  if (registered.length === 0) {
    // A Service istiod does not watch (its namespace is outside discoverySelectors) still exists for kube-dns.
    const undiscovered = tracer.kube === tracer.registry ? undefined : tracer.kube.services.find(named);
    return undiscovered
      ? { cause: 'notDiscovered', hostname: undiscovered.hostname, namespace: undiscovered.namespace }
      : { cause: 'notRegistered', host };
  }
  const inScope = registered.filter((s) => ctx.scope.servicesByHostname.has(s.hostname));
  if (inScope.length === 0) {
    const hostname = registered[0]?.hostname ?? host;
    return ctx.scope.sidecar
      ? { cause: 'hiddenBySidecar', hostname, sidecar: objectName(ctx.scope.sidecar) }
      : { cause: 'notExported', hostname, namespace: pod.namespace };
  }
  const service = inScope[0] as Service;
  const port = tracer.request.port;
  const servicePort = service.ports.find((p) => p.port === port);
  if (!servicePort)
    return { cause: 'portNotDeclared', hostname: service.hostname, port, ports: service.ports.map((p) => p.port) };
  if (service.resolution === 'Passthrough' && service.registry === 'External')
    return { cause: 'passthroughServiceEntry', hostname: service.hostname };
  if (listenerProtocolOf(servicePort.protocol) === 'TCP' && HTTP_PROTOCOLS.has(tracer.request.protocol))
    return { cause: 'declaredTcp', hostname: service.hostname, port, protocol: servicePort.protocol };
  return { cause: 'listenerNotReached', hostname: service.hostname, port };
}

/** Why a cluster named by a route is missing from the proxy's config (Envoy answers 503 NC). */
function missingClusterCause(tracer: Tracer, pod: PodModel, clusterName: string): MissingClusterCause {
  const [, port, subset, host] = clusterName.split('|');
  const { ctx } = tracer.proxyConfig(pod);
  const service = ctx.scope.servicesByHostname.get(host ?? '');
  if (!service) return { cause: 'unknownService', cluster: clusterName, host: host ?? '' };
  if (subset) {
    const rule = ctx.scope.destinationRules.get(service.hostname);
    return rule
      ? {
          cause: 'undefinedSubset',
          subset,
          hostname: service.hostname,
          rule: `${rule.from[0]?.namespace ?? ''}/${rule.from[0]?.name ?? ''}`,
          subsets: rule.subsets.map((s) => s.name),
        }
      : { cause: 'noSubsetRule', subset, hostname: service.hostname };
  }
  if (!service.ports.some((p) => String(p.port) === port))
    return {
      cause: 'noSuchPort',
      port: port ?? '',
      hostname: service.hostname,
      ports: service.ports.map((p) => p.port),
    };
  return { cause: 'notSent', cluster: clusterName };
}
