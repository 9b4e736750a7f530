import type { ObjectSource } from '../model/mesh.ts';

/** What a filter chain requires of a connection (Envoy's FilterChainMatch). Absent fields match anything. */
export interface FilterChainMatch {
  destinationPort?: number;
  prefixRanges?: string[];
  serverNames?: string[];
  transportProtocol?: 'tls' | 'raw_buffer';
  applicationProtocols?: string[];
}

/** What a filter chain does with a connection: HTTP routing by a route configuration, or TCP proxying to clusters. */
export type NetworkAction =
  | { kind: 'http'; routeConfigName: string }
  | { kind: 'http-inline'; routeConfigName: string }
  | { kind: 'tcp'; clusters: Array<{ name: string; weight: number }> };

export interface FilterChain {
  /** Envoy's chain name where Istio sets one (virtualOutbound-catchall-tcp, PassthroughFilterChain, ...). */
  name: string | undefined;
  match: FilterChainMatch;
  action: NetworkAction;
  /** The service the chain was built for, if any. */
  service: string | undefined;
  /** mTLS handling on inbound chains; `mtls` on a gateway chain means the gateway terminates TLS. */
  tls?: 'mtls' | 'plaintext' | 'passthrough-tls';
  /** The TLS settings of the gateway server whose TLS this chain terminates. */
  serverTls?: { mode: string; credentialName: string | undefined };
  sources: ObjectSource[];
}

/** `bootstrap`: a static listener of the proxy's bootstrap (15021, 15090), only printed, never traced through. */
/** `inbound`: a Sidecar ingress listener bound to its own address and port (captureMode NONE). */
export type ListenerKind =
  'virtualOutbound' | 'outbound' | 'virtualInbound' | 'inbound' | 'gateway' | 'waypoint' | 'bootstrap';

export interface Listener {
  name: string;
  address: string;
  port: number;
  kind: ListenerKind;
  /** Bound for real (gateways, virtualOutbound, virtualInbound), or only receiving hand-offs from virtualOutbound. */
  bindToPort: boolean;
  /** An Envoy internal listener (a waypoint's main_internal, connect_originate): no address, reached from a cluster. */
  internal?: boolean;
  /** HTTP, TCP, or AUTO (sniffed, HTTP and TCP chains) as Istio classified the port. */
  protocol: 'HTTP' | 'TCP' | 'AUTO';
  filterChains: FilterChain[];
  defaultFilterChain: FilterChain | undefined;
  /** Services placed on this listener, in order; the first one won any conflict. */
  services: string[];
  /** Services that wanted this listener but lost a conflict to an earlier one. */
  droppedServices: Array<{ hostname: string; reason: string }>;
  /** The unnamed route configuration a bootstrap listener carries inline. */
  inlineRouteConfig?: RouteConfiguration;
}

export interface StringMatcher {
  kind: 'exact' | 'prefix' | 'suffix' | 'regex' | 'present';
  value: string;
  ignoreCase?: boolean;
  invert?: boolean;
  /** Envoy's treat_missing_header_as_empty: a missing header is matched as the empty string. */
  treatMissingAsEmpty?: boolean;
}

export interface RouteMatch {
  /**
   * `separatedPrefix`: Envoy's path_separated_prefix (Ingress and Gateway API semantics), matched as the regex in
   * `value`; a redirect's prefix rewrite replaces this prefix.
   */
  path: { kind: 'prefix' | 'exact' | 'regex'; value: string; ignoreCase: boolean; separatedPrefix?: string };
  /** `claims`: a JWT claim path matched in the JWT filter's metadata instead of a header (`@request.auth.claims`). */
  headers: Array<{ name: string; matcher: StringMatcher; claims?: string[] }>;
  queryParameters: Array<{ name: string; matcher: StringMatcher }>;
  /** The Istio match this came from, for explanations. */
  description: string;
}

export type RouteAction =
  | {
      kind: 'route';
      clusters: Array<{
        name: string;
        weight: number;
        host: string;
        subset: string | undefined;
        port: number;
        /** A weighted destination's own request changes (Envoy applies them before the route's). */
        requestHeaders?: HeaderOperations;
        hostRewrite?: string;
      }>;
      timeout: string | undefined;
      retries: { attempts: number; retryOn: string } | undefined;
      prefixRewrite: string | undefined;
      hostRewrite: string | undefined;
      /** Envoy's regex_rewrite: every match of the pattern in the path (not the query) is substituted. */
      regexRewrite?: { pattern: string; substitution: string };
      /** The route's request_headers_to_add/remove (a single destination's own are appended). */
      requestHeaders?: HeaderOperations;
      /** The rule has a `rewrite`: its host rewrite appends x-forwarded-host when the proxy's xForwardedHost is on. */
      rewrite?: true;
      mirrors: string[];
      /** The clusters the mirrored copies go to (the answer is never waited for). */
      mirrorClusters: string[];
      fault:
        { abort?: { status: number; percent: number }; delay?: { fixedDelay: string; percent: number } } | undefined;
      /** What Envoy answers when the chosen cluster does not exist (500 for Gateway API routes; else 503). */
      clusterNotFoundStatus?: number;
    }
  | { kind: 'redirect'; status: number; scheme?: string; host?: string; port?: number; path?: string; prefix?: string }
  | { kind: 'directResponse'; status: number; body?: string }
  | { kind: 'none' };

/** Envoy's request header mutations: every removal, then each addition in order (set overwrites, add appends). */
export interface HeaderOperations {
  add: Array<{ name: string; value: string; append: boolean }>;
  remove: string[];
}

export interface Route {
  name: string;
  match: RouteMatch;
  action: RouteAction;
  /** The VirtualService rule behind it, if any. */
  virtualService: { namespace: string; name: string; httpIndex: number; matchIndex: number | undefined } | undefined;
  sources: ObjectSource[];
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes: Route[];
  sources: ObjectSource[];
}

export interface RouteConfiguration {
  name: string;
  virtualHosts: VirtualHost[];
}

/** DYNAMIC_FORWARD_PROXY: Envoy resolves the Host header or SNI itself (a wildcard DYNAMIC_DNS ServiceEntry). */
export type ClusterType = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST' | 'STATIC' | 'DYNAMIC_FORWARD_PROXY';

export interface ClusterTls {
  /** ISTIO_MUTUAL / SIMPLE / MUTUAL from a DestinationRule, AUTO (auto mTLS per endpoint), or NONE (plaintext). */
  mode: 'ISTIO_MUTUAL' | 'SIMPLE' | 'MUTUAL' | 'AUTO' | 'NONE';
  reason: string;
  sni: string | undefined;
}

export interface Cluster {
  name: string;
  type: ClusterType;
  /** `inbound-vip`: a waypoint's cluster for a Service it serves (listener_waypoint.go). */
  direction: 'outbound' | 'inbound' | 'inbound-vip' | '';
  /** The service FQDN, port and subset for outbound clusters. */
  service: string | undefined;
  port: number | undefined;
  subset: string | undefined;
  tls: ClusterTls;
  loadBalancer: string;
  destinationRule: ObjectSource | undefined;
  sources: ObjectSource[];
  /** A static cluster of the proxy's bootstrap (agent, sds-grpc, ...), not pushed by istiod; only printed. */
  bootstrap?: true;
}

export interface LbEndpoint {
  address: string;
  port: number;
  health: 'HEALTHY' | 'UNHEALTHY';
  /** Upstream transport chosen for this endpoint (auto mTLS is per endpoint). */
  mtls: boolean;
  /** Whether the workload behind it runs an Istio proxy (the endpoint's tlsMode). */
  tlsMode?: 'istio' | 'disabled';
  labels: ReadonlyMap<string, string>;
  workload: ObjectSource | undefined;
  podName: string | undefined;
}

export interface ClusterLoadAssignment {
  clusterName: string;
  endpoints: LbEndpoint[];
}

/** One entry of the DNS name table istiod pushes to a DNS-capturing proxy. */
export interface NameTableEntry {
  name: string;
  addresses: string[];
  /** The other names the agent answers for this entry (short names, name.ns, ...). */
  altNames: string[];
  registry: 'Kubernetes' | 'External';
  namespace: string;
}

/** Everything istiod would push to one proxy, plus what Meshpath needs to explain it. */
export interface ProxyConfig {
  proxy: { namespace: string; name: string; kind: 'sidecar' | 'gateway' | 'waypoint'; ip: string };
  listeners: Listener[];
  routes: RouteConfiguration[];
  clusters: Cluster[];
  endpoints: ClusterLoadAssignment[];
  nameTable: NameTableEntry[];
}
