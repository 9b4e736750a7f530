import type { WhatIfOutboundTrafficPolicy } from '../model/whatIf.ts';

/** A request as the application makes it, before any DNS or proxy sees it. */
export type AppProtocol = 'http' | 'http2' | 'grpc' | 'https' | 'tls' | 'tcp';

export const APP_PROTOCOLS: readonly AppProtocol[] = ['http', 'http2', 'grpc', 'https', 'tls', 'tcp'];

export interface TraceRequest {
  /** `namespace/pod` (or `namespace/workload`). */
  from: string;
  /** A hostname (short, name.ns, FQDN, external), an IP, or a URL such as http://reviews:9080/api?x=1. */
  to: string;
  port?: number;
  /** A port of the destination Service by its name (`http`), when `port` is not given. */
  portName?: string;
  protocol?: AppProtocol;
  /** The IP the connection really goes to, overriding DNS. */
  address?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  sni?: string;
}

export interface TraceOptions {
  outboundTrafficPolicy?: WhatIfOutboundTrafficPolicy;
  /** Force the source proxy's DNS capture on or off; undefined keeps what the manifests say. */
  dnsCapture?: boolean;
  clusterDomain?: string;
}

const SCHEMES: Record<string, { protocol: AppProtocol; port: number }> = {
  http: { protocol: 'http', port: 80 },
  https: { protocol: 'https', port: 443 },
  grpc: { protocol: 'grpc', port: 80 },
  h2c: { protocol: 'http2', port: 80 },
  tcp: { protocol: 'tcp', port: 0 },
  tls: { protocol: 'tls', port: 443 },
};

/** Parses `http://host:port/path?q`, `host:port/path`, `host`, `[v6]:port` into host, port, protocol and path. */
export function parseDestination(to: string): {
  host: string;
  port: number | undefined;
  protocol: AppProtocol | undefined;
  path: string | undefined;
  schemePort: number | undefined;
} {
  let rest = to.trim();
  let protocol: AppProtocol | undefined;
  let schemePort: number | undefined;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(rest);
  if (scheme) {
    const known = SCHEMES[(scheme[1] ?? '').toLowerCase()];
    protocol = known?.protocol;
    schemePort = known && known.port > 0 ? known.port : undefined;
    rest = rest.slice(scheme[0].length);
  }
  const slash = rest.search(/[/?#]/);
  const authority = slash >= 0 ? rest.slice(0, slash) : rest;
  let path = slash >= 0 ? rest.slice(slash) : undefined;
  if (path !== undefined && !path.startsWith('/')) path = `/${path}`;
  let host = authority.replace(/^[^@]*@/, '');
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (v6) {
    host = v6[1] ?? '';
    port = v6[2] ? Number(v6[2]) : undefined;
  } else {
    const colon = host.lastIndexOf(':');
    if (colon > 0 && /^\d+$/.test(host.slice(colon + 1)) && host.indexOf(':') === colon) {
      port = Number(host.slice(colon + 1));
      host = host.slice(0, colon);
    }
  }
  return { host: host.toLowerCase(), port, protocol, path, schemePort };
}

/** The headers Envoy's route matching sees: the request's own, and the pseudo-headers. */
export function requestHeaders(
  request: { headers: Record<string, string>; method: string; path: string; protocol: AppProtocol },
  authority: string,
): Map<string, string> {
  const headers = new Map(Object.entries(request.headers));
  headers.set(':method', request.method);
  headers.set(':authority', authority);
  headers.set(':path', request.path);
  headers.set(':scheme', request.protocol === 'https' ? 'https' : 'http');
  if (!headers.has('user-agent')) headers.set('user-agent', 'curl/8.5.0');
  return headers;
}
