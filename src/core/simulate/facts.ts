/**
 * What the simulation found, as data: one fact per step, the end of the request, and what it had to assume.
 * No sentences here: explain/ turns these facts into the words a user reads.
 */
import type { ObjectSource } from '../model/mesh.ts';
import type { SelectedEnvoyFilter } from '../scope/envoyFilters.ts';
import type { ClusterType, FilterChainMatch, Route } from '../xds/types.ts';
import type { ConnectionFacts } from './envoy.ts';
import type { AppProtocol } from './request.ts';
import type { InboundCaptureRule } from './capture.ts';
import type { SidecarSocket, SocketAnswer, SocketBind } from './sidecarPorts.ts';

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

export type StepKind = StepFact['kind'];

export type TransportKind = 'plaintext' | 'tls' | 'mtls';

/** Why a connection is wrapped the way it is. */
export type TransportCause =
  | { by: 'externalClient' | 'application' | 'noSidecar' | 'passthroughCluster' }
  /** A gateway terminated the client's TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL) and goes on with what was inside. */
  | { by: 'gatewayTls'; mode: string }
  /** The upstream TLS the cluster settled on, in the words of xds/ (DestinationRule, auto mTLS...). */
  | { by: 'clusterTls'; reason: string };

/** One name the resolver asked for, and who answered. */
export interface DnsQuery {
  name: string;
  answeredBy: 'nameTable' | 'kubeDns' | 'upstream';
  /** The DNS proxy that answered from its name table: ztunnel's for an ambient pod, else the istio-agent's. */
  proxy?: 'ztunnel';
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** The query went through the istio-agent DNS proxy to kube-dns. */
  forwarded: boolean;
  /** An ExternalName Service's CNAME. */
  cname?: string;
}

/** How a lookup ended. */
export type DnsAnswer =
  | { by: 'ipAddress'; address: string }
  /** The pod's /etc/hosts names it (localhost): no DNS server is asked. */
  | { by: 'hostsFile'; name: string; addresses: string[] }
  | { by: 'nameTable'; asked: string; host: string; addresses: string[]; proxy?: 'ztunnel' }
  | { by: 'upstream'; name: string; forwarded: boolean }
  | { by: 'externalName'; name: string; cname: string; addresses: string[] }
  | { by: 'externalNameUnresolved'; name: string; cname: string }
  | { by: 'kubeDns'; name: string; forwarded: boolean; addresses: string[] }
  | { by: 'nxdomain'; name: string; tried: string[] };

/** The iptables rule that decided whether the client's connection is redirected to its sidecar. */
export type CaptureRule =
  | { rule: 'noSidecar'; pod: string; reason: string }
  /** sidecar.istio.io/interceptionMode NONE: the sidecar runs, but no iptables rule sends anything to it. */
  | { rule: 'interceptionNone'; pod: string }
  | { rule: 'excludedPort'; port: number }
  /** A loopback destination (127.0.0.0/8, ::1): the connection stays on `lo` and is not redirected. */
  | { rule: 'localhost'; address?: string }
  /** The application's connection to its own pod IP leaves on the loopback interface, which is not redirected. */
  | { rule: 'ownAddress'; address: string }
  | { rule: 'excludedRange'; address: string }
  | { rule: 'includedPort'; port: number }
  | { rule: 'allOutbound' }
  | { rule: 'includedRange'; address: string }
  | { rule: 'outsideIncludedRanges'; address: string; ranges: string[] };

/** Why a proxy does not route a destination as a known service. */
export type UnknownHostCause =
  | { cause: 'notRegistered'; host: string }
  /** The Service exists, in a namespace istiod does not watch (MeshConfig discoverySelectors). */
  | { cause: 'notDiscovered'; hostname: string; namespace: string }
  | { cause: 'hiddenBySidecar'; hostname: string; sidecar: string }
  | { cause: 'notExported'; hostname: string; namespace: string }
  | { cause: 'portNotDeclared'; hostname: string; port: number; ports: number[] }
  | { cause: 'passthroughServiceEntry'; hostname: string }
  | { cause: 'declaredTcp'; hostname: string; port: number; protocol: string }
  | { cause: 'listenerNotReached'; hostname: string; port: number }
  /** Addressed to the sidecar's own capture port (15001, 15006): a loop guard, whatever the policy. */
  | { cause: 'capturePort'; port: number };

/** A destination the proxy does not know, under its outbound traffic policy. */
export interface UnknownDestination {
  address: string;
  port: number;
  /** The Host header, for HTTP. */
  hostHeader: string | undefined;
  policy: {
    mode: 'ALLOW_ANY' | 'REGISTRY_ONLY';
    source: Pick<ObjectSource, 'kind' | 'namespace' | 'name'> | undefined;
  };
  cause: UnknownHostCause;
}

/** Why a cluster a route names was not sent to the proxy. */
export type MissingClusterCause =
  | { cause: 'unknownService'; cluster: string; host: string }
  | { cause: 'undefinedSubset'; subset: string; hostname: string; rule: string; subsets: string[] }
  | { cause: 'noSubsetRule'; subset: string; hostname: string }
  | { cause: 'noSuchPort'; port: string; hostname: string; ports: number[] }
  | { cause: 'notSent'; cluster: string };

export interface EndpointState {
  address: string;
  state: 'chosen' | 'healthy' | 'unhealthy' | 'excluded';
  pod: string | undefined;
}

/** Which waypoint the destination uses, and why (src/core/ambient/binding.ts). */
export interface WaypointChoice {
  /** namespace/name of the waypoint the traffic goes through; undefined when none. */
  waypoint: string | undefined;
  /** The waypoint an istio.io/use-waypoint label names. */
  requested: string | undefined;
  via: 'object' | 'namespace' | undefined;
  optedOut: boolean;
  bypass:
    | 'missing'
    | 'not-ready'
    | 'attachment-denied'
    | 'unsupported-traffic-type'
    | 'cross-namespace-forbidden'
    | undefined;
  notReadyReason: string | undefined;
  trafficType: 'service' | 'workload' | 'all' | 'none' | undefined;
  /** A canary waypoint taking `weight` percent; `waypoint` above is the one taking most. */
  canary?: { waypoint: string; weight: number; primary: string; problem: string | undefined };
}

/** What happened at one step: the data behind it, discriminated by `kind` (and `by` where a kind has several forms). */
export type StepFact =
  | { kind: 'dns'; by: 'ipAddress'; host: string }
  | {
      kind: 'dns';
      /** The user gave the address the application connects to (curl --resolve): no lookup decides it. */
      by: 'given';
      host: string;
      address: string;
      /** What the pod's resolver would have answered for the name; undefined when the host is an IP. */
      lookup: { rcode: 'NOERROR' | 'NXDOMAIN'; answers: string[]; answer: DnsAnswer } | undefined;
    }
  | {
      kind: 'dns';
      by: 'lookup';
      host: string;
      resolver: 'istioAgent' | 'kubeDnsCaptureOff' | 'kubeDnsNoSidecar' | 'ztunnel' | 'kubeDnsZtunnelOff' | 'hostsFile';
      rcode: 'NOERROR' | 'NXDOMAIN';
      answers: string[];
      answer: DnsAnswer;
      queries: DnsQuery[];
      /** The pod's resolv.conf nameserver when it is not the cluster's DNS (`node`: the node's own resolver). */
      nameserver?: string;
    }
  | { kind: 'capture'; by: 'gateway'; port: number; targetPort: number }
  | { kind: 'capture'; by: 'iptables'; captured: boolean; address: string; port: number; rule: CaptureRule }
  /** The destination pod's iptables let an arriving connection past its sidecar (set only when not captured). */
  | {
      kind: 'capture';
      by: 'iptablesInbound';
      captured: false;
      pod: string;
      address: string;
      port: number;
      rule: InboundCaptureRule;
    }
  | { kind: 'listener'; by: 'gatewayPod'; address: string; port: number }
  | {
      kind: 'listener';
      /** `boundToPort`: the sidecar binds this listener itself and the application connects to it, no redirect. */
      by: 'virtualOutbound' | 'gateway' | 'exactAddress' | 'wildcard' | 'boundToPort';
      listener: string;
      address: string;
      port: number;
      services: string[];
      others: Array<{ name: string; address: string }>;
    }
  | {
      kind: 'filterChain';
      chain: string;
      connection: ConnectionFacts;
      by: 'match' | 'defaultChain';
      match: FilterChainMatch;
      others: Array<{ match: FilterChainMatch; clusters: string[] } | { match: FilterChainMatch; routeConfig: string }>;
    }
  | {
      kind: 'virtualHost';
      virtualHost: string;
      routeConfig: string;
      hostHeader: string;
      /** How Envoy matched the domain (simulation/traffic.go: matchVirtualHost). */
      by: 'exactDomain' | 'suffixDomain' | 'prefixDomain' | 'catchAll';
      domain: string;
      /** The virtual host has no domain but `*`. */
      catchAllOnly: boolean;
      others: Array<{ name: string; domains: string[] }>;
    }
  | {
      kind: 'route';
      by: 'match';
      route: string;
      virtualService: Route['virtualService'];
      method: string;
      path: string;
      match: string;
      others: Array<{ route: string; match: string; reached: boolean }>;
      /** What the route changed in the request it forwarded, once the proxy forwards it. */
      forwarded?: ForwardedChange;
    }
  | {
      kind: 'route';
      by: 'weight';
      /** A route's weighted destinations, or a TCP chain's weighted clusters. */
      in: 'route' | 'filterChain';
      chosen: { name: string; weight: number } | undefined;
      clusters: Array<{ name: string; weight: number }>;
      /** Clusters of the split that do not exist: their share gets `status` from Envoy (NC), or a closed connection. */
      missing?: { clusters: string[]; status: number | null };
    }
  | { kind: 'cluster'; by: 'blackHole'; unknown: UnknownDestination }
  | { kind: 'cluster'; by: 'passthrough'; unknown: UnknownDestination }
  | {
      kind: 'cluster';
      by: 'service';
      cluster: string;
      type: ClusterType;
      subset: string | undefined;
      destinationRule: string | undefined;
      tls: string;
    }
  | {
      kind: 'endpoint';
      by: 'kubeProxy';
      address: string;
      port: number;
      endpoint: string;
      service: string;
      passthrough: boolean;
    }
  | { kind: 'endpoint'; by: 'originalDestination'; address: string; port: number }
  /** A dynamic forward proxy cluster: Envoy resolves the Host header or SNI itself (no name: nothing to resolve). */
  | {
      kind: 'endpoint';
      by: 'dynamicForwardProxy';
      host: string | undefined;
      address?: string;
      from: 'host' | 'sni';
      port: number;
      /** The outbound traffic policy ALLOW_ANY_DYNAMIC_DNS's cluster for unknown hosts, not a ServiceEntry's. */
      catchAll?: boolean;
    }
  | {
      kind: 'endpoint';
      by: 'loadBalancer';
      endpoint: string;
      pod: string | undefined;
      healthy: number;
      total: number;
      loadBalancer: string;
      transport: TransportKind;
      endpoints: EndpointState[];
    }
  | {
      kind: 'inbound';
      accepted: false;
      by: 'noFilterChain';
      port: number;
      accepts: string[];
      sent: TransportKind;
      cause: TransportCause;
    }
  | { kind: 'inbound'; accepted: false; by: 'plaintextChain'; port: number; sent: TransportKind; cause: TransportCause }
  | {
      kind: 'inbound';
      accepted: true;
      chain: string;
      cluster: string;
      connection: ConnectionFacts;
      match: FilterChainMatch;
      mtls: boolean;
    }
  | {
      kind: 'authorization';
      allowed: boolean;
      reason: string;
      principal: string | undefined;
      /** `iss/sub` of the JWT the proxy accepted (RequestAuthentication), when the request carried one. */
      requestPrincipal?: string;
      /** Evaluated by a waypoint: policies attached with targetRefs (set only there). */
      at?: 'waypoint';
      /** At ztunnel: refused because PeerAuthentication requires mTLS and the connection has no identity. */
      mtlsRequired?: true;
      /** The HTTP request the policies saw, when a route on the way changed it (rewrite, headers). */
      changedRequest?: { method: string; path: string; authority: string };
      /** At ztunnel: selector-based policies with HTTP attributes, which ztunnel cannot see (set only there). */
      httpAtZtunnel?: Array<{ policy: string; action: 'ALLOW' | 'DENY'; attributes: string[] }>;
    }
  /** An EnvoyFilter selects this proxy; its patches are not applied. */
  | {
      kind: 'envoyFilter';
      filter: Omit<SelectedEnvoyFilter, 'source'>;
      /** The side of the proxy this hop uses: which patch contexts concern it. */
      direction: 'outbound' | 'inbound' | 'gateway';
    }
  /** Ambient: the node's ztunnel captured the pod's connection (outbound, 15001). */
  | { kind: 'ztunnel'; by: 'outbound'; pod: string; address: string; port: number; reason: string }
  /** Ambient: what ztunnel knows of the destination address, and the waypoint it uses. */
  | {
      kind: 'ztunnel';
      by: 'destination';
      address: string;
      port: number;
      service: string | undefined;
      pod: string | undefined;
      waypoint: WaypointChoice | undefined;
    }
  /**
   * Ambient: ztunnel sends the bytes without a tunnel: outside the mesh, a pod without HBONE, or a sidecar without it.
   */
  | {
      kind: 'ztunnel';
      by: 'plaintext';
      address: string;
      port: number;
      to: 'external' | 'sidecar' | 'noMesh';
      pod: string | undefined;
      /** A waypoint sends it (not ztunnel), originating TLS when `tls` is set. */
      from?: 'waypoint';
      tls?: 'SIMPLE' | 'MUTUAL';
    }
  /** Ambient: the destination's ztunnel takes the connection (HBONE on 15008, or plaintext on 15006). */
  | { kind: 'ztunnel'; by: 'inbound'; pod: string; port: number; hbone: boolean; principal: string | undefined }
  /** Ambient: an HBONE tunnel (mTLS, HTTP/2 CONNECT) to port 15008 of a waypoint, a ztunnel or a sidecar. */
  | { kind: 'hbone'; to: 'waypoint' | 'ztunnel' | 'sidecar'; address: string; target: string }
  /**
   * Ambient: the waypoint ends the HBONE tunnel (connect_terminate) and hands the inner connection to main_internal,
   * whose filter chain is chosen by the destination's address and port (the Service VIP, or a workload's IP), not by
   * the Host header. `chain` is undefined when no chain takes it.
   */
  | {
      kind: 'waypoint';
      by: 'service' | 'workload';
      waypoint: string;
      service: string | undefined;
      /** The address:port the client dialled, carried in the CONNECT. */
      target: string;
      chain: string | undefined;
      /** HTTP routes and L7 policy apply on an HTTP chain; a TCP chain proxies bytes. */
      http: boolean;
      /** The endpoint the waypoint forwards to (address:port), once chosen; empty when it ends the request. */
      endpoint: string;
    }
  /** Ambient: a request that could have used a waypoint does not. */
  | {
      kind: 'waypointBypass';
      why: 'sourceNotInMesh' | 'ingressWithoutLabel' | 'sidecarClient';
      waypoint: string;
      service: string;
      /** ingressWithoutLabel: the Service has the label but no address, so the gateway cannot use the waypoint. */
      headless?: true;
    }
  | { kind: 'outcome'; outcome: Outcome; status: number | null; flags: string; end: EndFact };

/** Why the request ended where it did. Failure reasons are literals a user can search for. */
export type EndFact =
  | { reason: 'DNS_FAILURE'; answer: DnsAnswer }
  | {
      reason: 'KUBE_PROXY_NO_ENDPOINT';
      address: string;
      port: number;
      service: string;
      /** ztunnel (not kube-proxy) found no endpoint. */
      by?: 'ztunnel';
      /** ztunnel sends to this waypoint (namespace/name), which has no ready pod; `service` is its Service. */
      waypoint?: string;
      /** internalTrafficPolicy Local: ztunnel looked on the client's node only. */
      nodeLocal?: boolean;
    }
  | {
      reason: 'PEER_WITHOUT_SIDECAR';
      address: string;
      port: number;
      pod: string | undefined;
      cause: TransportCause;
      /** The pod has a sidecar, but its iptables do not send this port to it. */
      notCaptured?: true;
    }
  | {
      reason: 'DELIVERED';
      address: string;
      port: number;
      /**
       * A pod without a sidecar, or a host or address outside the mesh; `own`: the client's own pod, over loopback,
       * past its sidecar.
       */
      to: { pod: string; own?: true } | { external: string };
      transport: TransportKind;
      /** The pod has a sidecar, but its iptables do not send this port to it. */
      notCaptured?: true;
    }
  | { reason: 'DELIVERED_BY_ZTUNNEL'; pod: string; address: string; port: number; mtls: boolean }
  | { reason: 'DELIVERED_TO_SIDECAR'; proxy: string; address: string; port: number; mtls: boolean }
  | { reason: 'NO_LISTENER'; proxy: string; port: number; gateway: boolean }
  /**
   * A connection to the pod itself (loopback or its own IP) on a port nothing listens on: no container declares it and
   * no Service targets it, or it is a sidecar port bound elsewhere (`socket`, `bind`): the kernel refuses it.
   */
  | {
      reason: 'LOOPBACK_REFUSED';
      pod: string;
      address: string;
      port: number;
      ports: number[];
      socket?: SidecarSocket;
      bind?: SocketBind;
      /**
       * Who connected, when not the pod's own application: another pod past inbound capture, or the pod's sidecar
       * forwarding from its inbound listener (from 127.0.0.6).
       */
      from?: 'otherPod' | 'inboundCluster';
    }
  /** A connection from inside a sidecar pod to one of the istio-proxy container's own sockets, and its answer. */
  | {
      reason: 'SIDECAR_PORT';
      pod: string;
      address: string;
      port: number;
      socket: SidecarSocket;
      by: SocketAnswer['by'];
      answer: SocketAnswer['answer'] | 'accepted' | 'tlsToPlaintext';
      status: number | null;
      route?: SocketAnswer['route'];
      /** Another pod's connection, past iptables because the port is excluded from inbound capture. */
      fromOtherPod?: boolean;
      /** Another pod's connection, captured, then forwarded by the sidecar's inbound cluster from 127.0.0.6. */
      viaInboundCluster?: boolean;
    }
  | { reason: 'NO_FILTER_CHAIN'; listener: string; connection: ConnectionFacts }
  /**
   * A gateway server that terminates TLS fails the handshake: the client sent no TLS, or no client certificate from
   * the mesh CA to an ISTIO_MUTUAL server.
   */
  | {
      reason: 'GATEWAY_TLS_HANDSHAKE';
      proxy: string;
      mode: string;
      sent: TransportKind;
      cause: 'notTls' | 'clientCertificateRequired';
    }
  | { reason: 'NOT_HTTP'; protocol: AppProtocol }
  | { reason: 'NO_VIRTUAL_HOST'; routeConfig: string; hostHeader: string }
  | { reason: 'NO_ROUTE'; virtualHost: string; method: string; path: string; routes: string[] }
  | { reason: 'BLOCKED_BY_REGISTRY_ONLY'; hostHeader: string; port: number; cause: UnknownHostCause }
  | { reason: 'DIRECT_RESPONSE'; status: number }
  | { reason: 'REDIRECT'; location: string }
  | { reason: 'ROUTE_WITHOUT_ACTION' }
  | { reason: 'FAULT_ABORT'; status: number }
  | { reason: 'ROUTE_WITHOUT_CLUSTER' }
  | { reason: 'BLACKHOLE'; unknown: UnknownDestination }
  | { reason: 'CLUSTER_NOT_FOUND'; cluster: string; cause: MissingClusterCause }
  | { reason: 'NO_HEALTHY_UPSTREAM'; cluster: string; total: number; subset: string | undefined; service: string }
  | { reason: 'INBOUND_NO_FILTER_CHAIN'; proxy: string; port: number; requires: 'mtls' | 'plaintext' }
  | { reason: 'INBOUND_PLAINTEXT_ONLY'; proxy: string; port: number; sent: TransportKind }
  /** The application sent TLS and the cluster originates TLS over it (DestinationRule SIMPLE or MUTUAL). */
  | { reason: 'DOUBLE_TLS'; cluster: string; mode: 'SIMPLE' | 'MUTUAL' }
  | {
      reason: 'DENIED';
      decision: string;
      http: boolean;
      by?: 'waypoint' | 'ztunnel';
      /** At ztunnel: the selector policies whose HTTP attributes it left out (namespace/name). */
      httpPolicies?: string[];
    }
  /** The proxy's JWT filter refused the request's token (401), with Envoy's message. */
  | { reason: 'JWT_REJECTED'; message: string };

/** What the simulation had to take for granted. */
export type AssumptionFact =
  | { kind: 'portAssumed'; host: string; port: number }
  | { kind: 'externalDns'; name: string; address: string; given: boolean }
  /** A note of the AuthorizationPolicy evaluation, in the words of security/. */
  | { kind: 'authorization'; note: string }
  | { kind: 'faultAbortSkipped'; percent: number; status: number }
  /** A gateway server terminates TLS with a certificate Meshpath cannot see. */
  | { kind: 'gatewayCertificate'; gateway: string; mode: string; credentialName: string | undefined }
  /** A request from outside the mesh: its client's address stands in for the real one. */
  | { kind: 'externalClient'; address: string }
  /** Access-log fields only a running proxy knows (time, durations, sizes, request id, ephemeral ports). */
  | { kind: 'accessLogPlaceholders' }
  | { kind: 'envoyFilterNotApplied'; filter: string; proxy: string; patches: number }
  /** Ambient client: config that would shape a sidecar's view, which ztunnel does not read (Kind namespace/name). */
  | { kind: 'ambientIgnores'; objects: string[] };

/** One fact, where it happened and the objects that caused it. */
export interface SimulatedStep {
  fact: StepFact;
  /** `namespace/pod` of the proxy this happened in, if any. */
  proxy: string | undefined;
  /** Index of the hop (proxy) this step belongs to. */
  hop?: number;
  sources: ObjectSource[];
}

/** What one proxy did with the request (the `hops` of `meshpath trace --json`). */
export interface TraceHop {
  proxy: string;
  direction: 'outbound' | 'inbound' | 'gateway' | 'ztunnel-outbound' | 'waypoint' | 'ztunnel-inbound';
  listener?: string;
  filterChain?: string;
  routeConfig?: string;
  virtualHost?: string;
  route?: string;
  cluster?: string;
  endpoints?: string[];
  endpoint?: string;
  accessLog?: string;
  /** Clusters that get a copy of the request (VirtualService mirror); their answers are dropped. */
  mirrors?: string[];
  /** What this proxy's route changed in the request it forwarded: what the next proxy and the application see. */
  forwarded?: ForwardedChange;
}

/**
 * A route's changes to the request it forwards (VirtualService rewrite and headers, HTTPRoute URLRewrite and
 * RequestHeaderModifier): only what differs; a header without `from` was added, one without `to` removed.
 */
export interface ForwardedChange {
  path?: { from: string; to: string };
  authority?: { from: string; to: string };
  headers?: Array<{ name: string; from?: string; to?: string }>;
}

/** The request as the simulation understood it (defaults filled in). */
export interface SimulatedRequest {
  from: string;
  host: string;
  port: number;
  protocol: AppProtocol;
  path: string;
  method: string;
  headers: Record<string, string>;
  sni: string | undefined;
  address: string | undefined;
}

export interface DnsSummary {
  resolver: 'kube-dns' | 'istio-agent' | 'ztunnel' | 'hosts-file' | 'none';
  name: string;
  answers: string[];
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** The pod's resolv.conf nameserver when it is not the cluster's DNS (`node`: the node's own resolver). */
  nameserver?: string;
}

/** The whole walk of one request, as data (like pilot/pkg/simulation/traffic.go's Result, extended to every hop). */
export interface Simulation {
  outcome: Outcome;
  status: number | null;
  responseFlags: string;
  dns: DnsSummary;
  hops: TraceHop[];
  steps: SimulatedStep[];
  assumptions: AssumptionFact[];
  request: SimulatedRequest;
}

export type SimulationResult = { ok: true; simulation: Simulation } | { ok: false; reason: string };
