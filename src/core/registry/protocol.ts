/** Istio's protocol of a service port (pkg/config/protocol/instance.go). `Unsupported` means "auto-detect (sniff)". */
export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP_PROXY'
  | 'HTTPS'
  | 'TLS'
  | 'TCP'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'UDP'
  | 'Unsupported';

/** Case-insensitive protocol name (pkg/config/protocol/instance.go: Parse). */
export function parseProtocol(text: string): Protocol {
  switch (text.toLowerCase()) {
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    case 'grpc':
      return 'GRPC';
    case 'grpc-web':
      return 'GRPC-Web';
    case 'http':
      return 'HTTP';
    case 'http_proxy':
      return 'HTTP_PROXY';
    case 'http2':
      return 'HTTP2';
    case 'https':
      return 'HTTPS';
    case 'tls':
      return 'TLS';
    case 'mongo':
      return 'Mongo';
    case 'redis':
      return 'Redis';
    case 'mysql':
      return 'MySQL';
    default:
      return 'Unsupported';
  }
}

const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);

/**
 * A Kubernetes Service port's protocol: UDP, appProtocol (with the kubernetes.io/ names), then the port name's prefix
 * before "-", with server-first well-known ports defaulting to TCP (pkg/config/kube/conversion.go: ConvertProtocol).
 */
export function kubernetesPortProtocol(
  port: number,
  name: string | undefined,
  l4: string,
  appProtocol: string | undefined,
): Protocol {
  if (l4 === 'UDP') return 'UDP';
  let text = name ?? '';
  if (appProtocol !== undefined) {
    if (appProtocol === 'kubernetes.io/h2c') return 'HTTP2';
    if (appProtocol === 'kubernetes.io/ws') return 'HTTP';
    if (appProtocol === 'kubernetes.io/wss') return 'HTTPS';
    text = appProtocol;
  }
  if (text.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = text.indexOf('-');
  const parsed = parseProtocol(dash >= 0 ? text.slice(0, dash) : text);
  if (parsed === 'Unsupported' && WELL_KNOWN_TCP_PORTS.has(port)) return 'TCP';
  return parsed;
}

/** How a sidecar listens for a protocol (pilot/pkg/networking/networking.go: ModelProtocolToListenerProtocol). */
export type ListenerProtocol = 'HTTP' | 'TCP' | 'AUTO' | 'NONE';

export function listenerProtocolOf(protocol: Protocol): ListenerProtocol {
  switch (protocol) {
    case 'HTTP':
    case 'HTTP2':
    case 'GRPC':
    case 'GRPC-Web':
    case 'HTTP_PROXY':
      return 'HTTP';
    case 'TCP':
    case 'HTTPS':
    case 'TLS':
    case 'Mongo':
    case 'Redis':
    case 'MySQL':
      return 'TCP';
    case 'Unsupported':
      return 'AUTO';
    case 'UDP':
      return 'NONE';
  }
}

export function isTlsProtocol(protocol: Protocol): boolean {
  return protocol === 'HTTPS' || protocol === 'TLS';
}
