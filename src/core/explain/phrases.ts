/** Phrases several explanations share: how a connection looks, why it is wrapped, why a destination is unknown. */
import type { ConnectionFacts } from '../simulate/envoy.ts';
import type {
  DnsAnswer,
  DnsQuery,
  MissingClusterCause,
  TransportCause,
  TransportKind,
  UnknownDestination,
  UnknownHostCause,
} from '../simulate/facts.ts';

export function transportName(kind: TransportKind): string {
  return kind === 'mtls' ? 'Istio mTLS' : kind === 'tls' ? 'TLS' : 'plaintext';
}

/** `Istio mTLS to 10.0.0.1:80 with SNI x (ALPN istio-http/1.1)`: what Envoy sees of a connection. */
export function describeConnection(c: ConnectionFacts): string {
  const sni = c.sni ? ` with SNI ${c.sni}` : '';
  const alpn = c.alpn ? ` (ALPN ${c.alpn})` : '';
  return `${transportName(c.transport)} to ${c.address}:${c.port}${sni}${alpn}`;
}

export function transportCause(cause: TransportCause): string {
  switch (cause.by) {
    case 'externalClient':
      return 'as sent by the external client';
    case 'application':
      return 'as the application sends it';
    case 'noSidecar':
      return 'not wrapped by any sidecar';
    case 'passthroughCluster':
      return 'PassthroughCluster adds no TLS';
    case 'clusterTls':
      return cause.reason;
    case 'gatewayTls':
      return `the gateway terminated the client's TLS (${cause.mode})`;
  }
}

export function dnsQuery(query: DnsQuery): string {
  if (query.answeredBy === 'nameTable')
    return query.proxy === 'ztunnel' ? "ztunnel's name table" : 'istio-agent name table';
  if (query.answeredBy === 'upstream') return query.rcode === 'NXDOMAIN' ? 'upstream DNS: NXDOMAIN' : 'upstream DNS';
  if (query.cname !== undefined) return `kube-dns: CNAME ${query.cname}`;
  if (query.rcode === 'NXDOMAIN') return query.forwarded ? 'kube-dns (forwarded): NXDOMAIN' : 'kube-dns: NXDOMAIN';
  return query.forwarded ? 'kube-dns (forwarded by the DNS proxy)' : 'kube-dns';
}

export function dnsAnswer(answer: DnsAnswer): string {
  switch (answer.by) {
    case 'ipAddress':
      return '';
    case 'hostsFile':
      return (
        `The pod's /etc/hosts, which kubelet writes, maps ${answer.name} to ${answer.addresses.join(', ')}: ` +
        'the resolver reads it before asking any DNS server, so neither kube-dns nor a DNS proxy sees the name.'
      );
    case 'nameTable':
      return (
        `${answer.proxy === 'ztunnel' ? "ztunnel's DNS proxy" : 'The istio-agent DNS proxy'} answers ${answer.asked} ` +
        `from the name table istiod sent it ` +
        `(${answer.host}: ${answer.addresses.join(', ')}), without asking kube-dns.`
      );
    case 'upstream':
      return (
        `${answer.name} is not a cluster name; ${answer.forwarded ? 'the DNS proxy forwards it and ' : ''}` +
        'DNS outside the cluster answers it.'
      );
    case 'externalName':
      return (
        `${answer.name} is an ExternalName Service: kube-dns answers with a CNAME to ${answer.cname}, ` +
        `which resolves to ${answer.addresses.join(', ')}.`
      );
    case 'externalNameUnresolved':
      return `${answer.name} is an ExternalName alias of ${answer.cname}, which does not resolve.`;
    case 'kubeDns':
      return (
        `${answer.forwarded ? 'The DNS proxy forwards the query and ' : ''}` +
        `kube-dns answers ${answer.name} with ${answer.addresses.join(', ')}.`
      );
    case 'nxdomain':
      return (
        `No DNS server knows ${answer.name}: ${answer.tried.join(', ')} ${answer.tried.length > 1 ? 'all ' : ''}` +
        'returned NXDOMAIN. ' +
        'The application gets a DNS error and never opens a connection.'
      );
  }
}

export function unknownHost(cause: UnknownHostCause): string {
  switch (cause.cause) {
    case 'notRegistered':
      return `${cause.host} is in no Service or ServiceEntry.`;
    case 'notDiscovered':
      return (
        `${cause.hostname} exists, but namespace ${cause.namespace} matches none of the mesh config's ` +
        'discoverySelectors: istiod does not watch it, so no proxy knows the Service (kube-dns still answers for it).'
      );
    case 'hiddenBySidecar':
      return (
        `${cause.hostname} exists but is hidden from this proxy by Sidecar ${cause.sidecar} (its egress hosts) ` +
        'or by exportTo.'
      );
    case 'notExported':
      return `${cause.hostname} exists but is not exported to namespace ${cause.namespace} (exportTo).`;
    case 'portNotDeclared':
      return `${cause.hostname} is known, but not on port ${cause.port} (its ports: ${cause.ports.join(', ')}).`;
    case 'passthroughServiceEntry':
      return (
        `${cause.hostname} is a ServiceEntry with resolution NONE: it has no address or endpoints of its own, ` +
        'so the proxy cannot tell its traffic from unknown traffic on this port.'
      );
    case 'declaredTcp':
      return `${cause.hostname} declares port ${cause.port} as ${cause.protocol}, so HTTP to it is not routed by Host.`;
    case 'listenerNotReached':
      return `${cause.hostname} is known on port ${cause.port}, but this connection did not reach its listener.`;
    case 'capturePort':
      return (
        `Port ${cause.port} is a capture port of the sidecar (15001 outbound, 15006 inbound): its loop-guard chain ` +
        'sends the connection to BlackHoleCluster, whatever the outbound traffic policy.'
      );
  }
}

function outboundPolicy(policy: UnknownDestination['policy']): string {
  const source = policy.source;
  return source
    ? `${policy.mode} (from ${source.kind} ${source.namespace ? `${source.namespace}/` : ''}${source.name})`
    : `${policy.mode} (Istio's default)`;
}

export function blackholeWhy(unknown: UnknownDestination): string {
  if (unknown.cause.cause === 'capturePort') return unknownHost(unknown.cause);
  return (
    `The proxy does not know ${unknown.address}:${unknown.port} as a service destination and the outbound ` +
    `traffic policy is ${outboundPolicy(unknown.policy)}, so unknown traffic goes to BlackHoleCluster. ` +
    unknownHost(unknown.cause)
  );
}

export function passthroughWhy(unknown: UnknownDestination): string {
  const host = unknown.hostHeader !== undefined ? ` (Host ${unknown.hostHeader})` : '';
  return (
    `The proxy does not know ${unknown.address}:${unknown.port}${host} as a service destination and the outbound ` +
    `traffic policy is ${outboundPolicy(unknown.policy)}, so unknown traffic passes through. ` +
    unknownHost(unknown.cause)
  );
}

export function missingCluster(cause: MissingClusterCause): string {
  switch (cause.cause) {
    case 'unknownService':
      return (
        `The route sends to ${cause.cluster}, but ${cause.host} is not a service this proxy knows ` +
        '(not in the registry, or not visible here): Envoy answers 503 NC.'
      );
    case 'undefinedSubset':
      return (
        `The route asks for subset ${cause.subset}, but DestinationRule ${cause.rule} (the one this proxy uses for ` +
        `${cause.hostname}) defines only ${cause.subsets.join(', ') || 'no subsets'}: 503 NC.`
      );
    case 'noSubsetRule':
      return (
        `The route asks for subset ${cause.subset} of ${cause.hostname}, but no DestinationRule visible to this ` +
        'proxy defines it: 503 NC.'
      );
    case 'noSuchPort':
      return (
        `The route sends to port ${cause.port} of ${cause.hostname}, which has no such port ` +
        `(${cause.ports.join(', ')}): 503 NC.`
      );
    case 'notSent':
      return `${cause.cluster} was not sent to this proxy (a DNS cluster with no endpoints is left out): 503 NC.`;
  }
}
