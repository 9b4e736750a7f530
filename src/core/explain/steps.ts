/** The words for each step of a trace: a title, a detail, and what was there and not taken. */
import { hboneStep, waypointBypassStep, waypointStep, ztunnelStep } from './ambient.ts';
import type { EndFact, EndpointState, ForwardedChange, SimulatedStep, StepFact } from '../simulate/facts.ts';
import type { SidecarSocket } from '../simulate/sidecarPorts.ts';
import type { InboundCaptureRule } from '../simulate/capture.ts';
import { describeChainMatch } from '../xds/tables.ts';
import {
  blackholeWhy,
  describeConnection,
  dnsAnswer,
  dnsQuery,
  missingCluster,
  passthroughWhy,
  transportCause,
  transportName,
  unknownHost,
} from './phrases.ts';

export interface StepWords {
  title: string;
  detail: string;
  /** The Istio/Envoy name of what was picked (listener, virtual host, cluster...), for labels. */
  name?: string;
  /** What else was there and not taken, in words. */
  alternatives?: string[];
  /** For endpoint steps: every endpoint of the service port and what happened to it. */
  endpoints?: EndpointState[];
}

type Fact<K extends StepFact['kind']> = Extract<StepFact, { kind: K }>;

const NOT_MESHED = ", without any of the mesh's routing, DestinationRules or mTLS";

function unnamed(name: string): string {
  return name || '(unnamed)';
}

function dns(fact: Fact<'dns'>): StepWords {
  if (fact.by === 'ipAddress')
    return {
      title: 'No DNS lookup',
      detail: `${fact.host} is an IP address: the application connects to it directly.`,
    };
  if (fact.by === 'given') return givenAddress(fact);
  const title =
    fact.rcode === 'NXDOMAIN'
      ? `${fact.host} does not resolve (NXDOMAIN)`
      : `${fact.host} → ${fact.answers.join(', ')}`;
  const who =
    fact.nameserver !== undefined && fact.resolver.startsWith('kubeDns')
      ? 'No DNS proxy answers for this pod: its own resolver asks the nameserver in its /etc/resolv.conf.'
      : fact.resolver === 'hostsFile'
        ? 'A name in /etc/hosts: no DNS query leaves the pod.'
        : fact.resolver === 'istioAgent'
          ? 'The istio-agent DNS proxy (DNS capture is on for this pod) handles the lookup.'
          : fact.resolver === 'kubeDnsCaptureOff'
            ? 'DNS capture is off for this pod: kube-dns answers, and Istio plays no part.'
            : fact.resolver === 'ztunnel'
              ? "The pod is in ambient mode: istio-cni redirects its DNS queries to the node's ztunnel, whose DNS " +
                'proxy answers names of Services and ServiceEntries itself (on by default, istio-cni ' +
                'ambient.dnsCapture).'
              : fact.resolver === 'kubeDnsZtunnelOff'
                ? "The pod is in ambient mode with ztunnel's DNS capture off: kube-dns answers."
                : 'The pod has no sidecar: kube-dns answers.';
  const server =
    fact.nameserver === undefined
      ? ''
      : ` The pod's /etc/resolv.conf does not name the cluster's DNS (its dnsPolicy, or hostNetwork) but ${
          fact.nameserver === 'node'
            ? "the node's own resolver"
            : fact.nameserver === 'none'
              ? 'no nameserver at all'
              : `nameserver ${fact.nameserver}`
        }, which knows no Service names.`;
  const tried =
    fact.queries.length > 0 ? ` Tried: ${fact.queries.map((q) => `${q.name} (${dnsQuery(q)})`).join('; ')}.` : '';
  return { title, detail: `${who}${server} ${dnsAnswer(fact.answer)}${tried}` };
}

/** The user said where the connection goes (--address): say so, and what DNS would have said if it differs. */
function givenAddress(fact: Extract<Fact<'dns'>, { by: 'given' }>): StepWords {
  const title = `${fact.host} → ${fact.address} (address given)`;
  const given =
    `The application connects to ${fact.address}, the address given, without asking DNS (like curl --resolve); ` +
    `the Host header and SNI stay ${fact.host}.`;
  const lookup = fact.lookup;
  if (!lookup) return { title, detail: given };
  if (lookup.rcode === 'NXDOMAIN' || lookup.answers.length === 0)
    return {
      title,
      detail:
        lookup.answer.by === 'nxdomain'
          ? `${given} DNS would not resolve it: ${lookup.answer.tried.join(', ')} all return NXDOMAIN.`
          : `${given} DNS would not resolve it: ${dnsAnswer(lookup.answer)}`,
    };
  if (lookup.answer.by === 'upstream') return { title, detail: `${given} ${dnsAnswer(lookup.answer)}` };
  const same = lookup.answers.includes(fact.address);
  return {
    title,
    detail: same
      ? `${given} DNS would answer the same: ${dnsAnswer(lookup.answer)}`
      : `${given} DNS would answer differently (${lookup.answers.join(', ')}): ${dnsAnswer(lookup.answer)}`,
  };
}

function captureRule(fact: Extract<Fact<'capture'>, { by: 'iptables' }>): string {
  const rule = fact.rule;
  switch (rule.rule) {
    case 'noSidecar':
      return `${rule.pod} has no sidecar (${rule.reason}), so nothing redirects its connections`;
    case 'interceptionNone':
      return (
        `${rule.pod} has sidecar.istio.io/interceptionMode NONE: its sidecar runs, but no iptables rule redirects ` +
        'the connections of the application to it'
      );
    case 'excludedPort':
      return `port ${rule.port} is in traffic.sidecar.istio.io/excludeOutboundPorts`;
    case 'localhost':
      return (
        `${rule.address ?? '127.0.0.1'} is a loopback address: the connection stays on the pod's loopback interface, ` +
        "where iptables redirects only Envoy's own traffic, so it bypasses the sidecar"
      );
    case 'ownAddress':
      return (
        `${rule.address} is the pod's own IP: the connection goes over the loopback interface, where iptables ` +
        'redirects only the traffic of Envoy itself'
      );
    case 'excludedRange':
      return `${rule.address} is in traffic.sidecar.istio.io/excludeOutboundIPRanges`;
    case 'includedPort':
      return `port ${rule.port} is in traffic.sidecar.istio.io/includeOutboundPorts`;
    case 'allOutbound':
      return 'iptables redirects every outbound TCP connection to Envoy on port 15001';
    case 'includedRange':
      return `${rule.address} is in traffic.sidecar.istio.io/includeOutboundIPRanges`;
    case 'outsideIncludedRanges':
      return `${rule.address} is outside traffic.sidecar.istio.io/includeOutboundIPRanges (${rule.ranges.join(',')})`;
  }
}

function inboundCaptureRule(rule: InboundCaptureRule): string {
  switch (rule.rule) {
    case 'interceptionNone':
      return 'the pod has sidecar.istio.io/interceptionMode NONE, so no iptables rule redirects anything to Envoy';
    case 'tunnelPort':
      return `iptables never redirects port ${rule.port} (Envoy's HBONE port)`;
    case 'noInboundPorts':
      return 'traffic.sidecar.istio.io/includeInboundPorts is empty, so iptables redirects no inbound connection';
    case 'notIncluded':
      return `port ${rule.port} is not in traffic.sidecar.istio.io/includeInboundPorts (${rule.ports.join(',')})`;
    case 'excluded':
      return rule.always
        ? `the injector always leaves port ${rule.port} out of inbound capture (15090, 15021 and the status port)`
        : `port ${rule.port} is in traffic.sidecar.istio.io/excludeInboundPorts`;
  }
}

function capture(fact: Fact<'capture'>, proxy: string): StepWords {
  if (fact.by === 'iptablesInbound')
    return {
      title: `Not captured at ${fact.pod}: its sidecar does not see the connection`,
      detail:
        `${inboundCaptureRule(fact.rule)}. The connection to ${fact.address}:${fact.port} goes to whatever listens ` +
        'there in the pod, past Envoy: no mTLS is terminated and no AuthorizationPolicy is enforced.',
    };
  if (fact.by === 'gateway') {
    const target =
      fact.targetPort !== fact.port ? `, which its Service sends to the pod's port ${fact.targetPort}` : '';
    return {
      title: `Arrives at gateway ${proxy}`,
      detail:
        `The request comes from outside the mesh to the gateway's port ${fact.port}${target}. ` +
        "The gateway's Envoy listens there itself; no iptables capture is involved.",
    };
  }
  if (!fact.captured) {
    // A connection to the pod itself never leaves it: no kube-proxy on the way.
    const self = fact.rule.rule === 'localhost' || fact.rule.rule === 'ownAddress';
    return {
      title: self ? 'Not captured: the connection stays in the pod' : 'Not captured: the connection goes straight out',
      detail:
        `${captureRule(fact)}. No VirtualService, DestinationRule, ServiceEntry or outbound traffic policy applies` +
        `${self ? '.' : '; kube-proxy delivers it.'}`,
    };
  }
  return {
    title: `Captured by ${proxy}'s sidecar`,
    detail: `TCP to ${fact.address}:${fact.port}: ${captureRule(fact)}.`,
  };
}

function listener(fact: Fact<'listener'>, proxy: string): StepWords {
  const at = `${fact.address}:${fact.port}`;
  if (fact.by === 'gatewayPod')
    return { title: `Gateway ${proxy}`, detail: `The request reaches the gateway pod ${at}.` };
  const services = fact.services;
  let detail: string;
  switch (fact.by) {
    case 'virtualOutbound':
      detail =
        `No listener exists for ${at} nor 0.0.0.0:${fact.port}, so the connection stays on virtualOutbound (15001), ` +
        'where only the catch-all chains apply.';
      break;
    case 'gateway':
      detail = `The gateway listens on 0.0.0.0:${fact.port} for its Gateway servers.`;
      break;
    case 'exactAddress':
      detail =
        `${at} has its own listener: ` +
        `${services.length > 0 ? `built for ${services.join(', ')}` : 'a per-address listener'}.`;
      break;
    case 'boundToPort':
      detail =
        `The sidecar binds ${fact.listener} itself (a Sidecar egress listener with captureMode NONE or a bind, or a ` +
        `proxy without iptables), so the application's connection to ${at} lands on Envoy with no redirect` +
        `${services.length > 0 ? `; built for ${services.join(', ')}` : ''}.`;
      break;
    case 'wildcard': {
      const listed = `${services.slice(0, 6).join(', ')}${services.length > 6 ? ', …' : ''}`;
      detail =
        `No listener for ${at} itself, so the shared wildcard listener 0.0.0.0:${fact.port} takes it` +
        `${services.length > 0 ? ` (services on it: ${listed})` : ''}.`;
      break;
    }
  }
  return {
    title: `Listener ${fact.listener}`,
    detail,
    name: fact.listener,
    alternatives: fact.others.map((l) => `${l.name} (for ${l.address})`),
  };
}

function filterChain(fact: Fact<'filterChain'>): StepWords {
  const how =
    fact.by === 'defaultChain'
      ? "matches none of the listener's other chains, so the default chain takes it"
      : `matches ${describeChainMatch(fact.match)}`;
  return {
    title: `Filter chain ${fact.chain}`,
    detail: `${describeConnection(fact.connection)} ${how}.`,
    name: fact.chain,
    alternatives: fact.others.map(
      (c) => `${describeChainMatch(c.match)} → ${'clusters' in c ? c.clusters.join(', ') : `route ${c.routeConfig}`}`,
    ),
  };
}

function virtualHost(fact: Fact<'virtualHost'>): StepWords {
  const how = fact.catchAllOnly
    ? 'matches no specific domain; the catch-all virtual host (*) takes it'
    : `matches the domain ${fact.domain}`;
  return {
    title: `Virtual host ${fact.virtualHost}`,
    detail: `Host ${fact.hostHeader} ${how} in route configuration ${fact.routeConfig}.`,
    name: fact.virtualHost,
    alternatives: fact.others.map(
      (v) => `${v.name}: ${v.domains.slice(0, 4).join(', ')}${v.domains.length > 4 ? ', …' : ''}`,
    ),
  };
}

/** What a route changed in the request it forwarded, as the next proxy sees it. */
function forwardedWords(change: ForwardedChange | undefined): string {
  if (!change) return '';
  const parts = [
    ...(change.path ? [`path ${change.path.from} → ${change.path.to}`] : []),
    ...(change.authority ? [`authority ${change.authority.from} → ${change.authority.to}`] : []),
    ...(change.headers ?? []).map((h) =>
      h.to === undefined
        ? `header ${h.name} removed`
        : h.from === undefined
          ? `header ${h.name}: ${h.to} added`
          : `header ${h.name}: ${h.from} → ${h.to}`,
    ),
  ];
  return ` After the match it is forwarded with ${parts.join('; ')} (what the next hop sees).`;
}

function route(fact: Fact<'route'>): StepWords {
  if (fact.by === 'weight') {
    // Envoy's weighted clusters share by weight over the sum of weights (Gateway API weights need not add up to 100).
    const total = fact.clusters.reduce((sum, c) => sum + c.weight, 0) || 1;
    const share = (weight: number) => `${Math.round((weight * 1000) / total) / 10}%`;
    const split = fact.clusters.map((c) => `${c.name} ${share(c.weight)}`).join(', ');
    const missing = fact.missing;
    const missingShare = missing
      ? fact.clusters.filter((c) => missing.clusters.includes(c.name)).reduce((sum, c) => sum + c.weight, 0)
      : 0;
    const lost = missing
      ? ` ${missing.clusters.join(', ')} ${missing.clusters.length > 1 ? 'do' : 'does'} not exist: ` +
        `${share(missingShare)} of ${fact.in === 'route' ? 'requests are answered ' : 'connections are closed'}` +
        `${fact.in === 'route' ? `${missing.status ?? 503} by Envoy (NC)` : ''}; the rest are routed.`
      : '';
    return fact.in === 'route'
      ? {
          title: `Weighted: ${fact.chosen?.name ?? ''} (${share(fact.chosen?.weight ?? 0)})`,
          detail: `The route splits traffic: ${split}.${lost} This trace follows the heaviest.`,
        }
      : {
          title: `Weighted: ${fact.chosen?.name ?? ''}`,
          detail: `The chain splits connections: ${split}.${lost} This trace follows the heaviest.`,
        };
  }
  const vs = fact.virtualService;
  const rule = vs ? ` (http[${vs.httpIndex}]${vs.matchIndex !== undefined ? `.match[${vs.matchIndex}]` : ''})` : '';
  return {
    title: `Route ${unnamed(fact.route)}${vs ? ` of VirtualService ${vs.namespace}/${vs.name}` : ''}`,
    detail: `${fact.method} ${fact.path} matches ${fact.match}${rule}.${forwardedWords(fact.forwarded)}`,
    name: unnamed(fact.route),
    alternatives: fact.others.map(
      (r) => `${unnamed(r.route)}: ${r.match} — ${r.reached ? 'does not match' : 'not reached'}`,
    ),
  };
}

function cluster(fact: Fact<'cluster'>): StepWords {
  if (fact.by === 'blackHole') return { title: 'BlackHoleCluster', detail: blackholeWhy(fact.unknown) };
  if (fact.by === 'passthrough') {
    const dialled = `${fact.unknown.address}:${fact.unknown.port}`;
    return {
      title: 'PassthroughCluster',
      detail:
        `${passthroughWhy(fact.unknown)} Envoy connects to the address the application dialled, ${dialled}, ` +
        'without mTLS.',
    };
  }
  const subset = fact.subset ? ` for subset ${fact.subset}` : '';
  const rule = fact.destinationRule ? ` (DestinationRule ${fact.destinationRule})` : '';
  return {
    title: `Cluster ${fact.cluster}`,
    detail: `${fact.type} cluster${subset}${rule}. Upstream TLS: ${fact.tls}.`,
    name: fact.cluster,
  };
}

function endpoint(fact: Fact<'endpoint'>): StepWords {
  switch (fact.by) {
    case 'kubeProxy':
      return {
        title: `kube-proxy → ${fact.endpoint}`,
        detail:
          `${fact.address}:${fact.port} is the ClusterIP of ${fact.service}; kube-proxy sends the connection to one ` +
          `of its ready endpoints${fact.passthrough ? NOT_MESHED : ''}.`,
        name: fact.endpoint,
      };
    case 'dynamicForwardProxy':
      return fact.host === undefined
        ? {
            title: 'No name to resolve',
            detail:
              'The dynamic forward proxy cluster resolves the SNI of the connection, and this one has none: ' +
              'Envoy closes it.',
          }
        : {
            title: `Dynamic forward proxy ${fact.host}:${fact.port}`,
            detail:
              `Envoy resolves the ${fact.from === 'host' ? 'Host header' : 'SNI'} ${fact.host} itself ` +
              `(${fact.address ?? 'its DNS answer'}) and connects to it on port ${fact.port}: ` +
              (fact.catchAll
                ? 'the outbound traffic policy ALLOW_ANY_DYNAMIC_DNS sends HTTP to unknown hosts this way.'
                : 'the wildcard DYNAMIC_DNS ServiceEntry has no endpoints of its own.'),
          };
    case 'originalDestination':
      return {
        title: `Original destination ${fact.address}:${fact.port}`,
        detail: 'The cluster forwards to the address the application dialled.',
      };
    case 'loadBalancer': {
      const unready = fact.total > fact.healthy ? ' (unready ones are never picked)' : '';
      return {
        title: `Endpoint ${fact.endpoint}${fact.pod ? ` (${fact.pod})` : ''}`,
        detail:
          `${fact.healthy} healthy of ${fact.total} endpoints${unready}; Envoy balances across them ` +
          `(${fact.loadBalancer}), this trace follows the first. Transport: ${transportName(fact.transport)}.`,
        name: fact.endpoint,
        endpoints: fact.endpoints,
      };
    }
  }
}

function inbound(fact: Fact<'inbound'>, proxy: string): StepWords {
  if (!fact.accepted) {
    const sent = `the client sends ${transportName(fact.sent)} (${transportCause(fact.cause)})`;
    return {
      title: `Rejected by ${proxy}'s sidecar`,
      detail:
        fact.by === 'noFilterChain'
          ? `Port ${fact.port} accepts ${fact.accepts.join(' or ') || 'nothing'}, but ${sent}: ` +
            'no filter chain takes the connection.'
          : `Port ${fact.port} accepts plaintext only (mTLS disabled), but ${sent}: ` +
            'the HTTP chain cannot read it and closes the connection.',
    };
  }
  return {
    title: `Inbound ${fact.chain} → ${fact.cluster}`,
    detail:
      `${proxy}'s sidecar takes the connection on virtualInbound (15006): ${describeConnection(fact.connection)} ` +
      `matches ${describeChainMatch(fact.match)}${fact.mtls ? ', terminating Istio mTLS' : ''}.`,
  };
}

function authorization(fact: Fact<'authorization'>): StepWords {
  const changed = fact.changedRequest;
  const caller =
    (fact.principal ? ` Caller identity: ${fact.principal}.` : ' The caller has no mTLS identity (plaintext).') +
    (fact.requestPrincipal ? ` Request principal (JWT): ${fact.requestPrincipal}.` : '') +
    (changed
      ? ` A route on the way changed the request: the policies check ${changed.method} ${changed.path}, ` +
        `Host ${changed.authority}.`
      : '');
  if (fact.at === 'waypoint')
    return {
      title: fact.allowed ? 'Authorized' : 'Denied by AuthorizationPolicy',
      detail:
        `At the waypoint: ${fact.reason}.${caller} A waypoint applies only AuthorizationPolicies attached with ` +
        'targetRefs (its Gateway, the Service or ServiceEntry, or the istio-waypoint GatewayClass in the root ' +
        'namespace); ' +
        'selector-based ones go to ztunnel.',
    };
  const http = (fact.httpAtZtunnel ?? []).map((p) =>
    p.action === 'ALLOW'
      ? `ALLOW policy ${p.policy} uses HTTP attributes (${p.attributes.join(', ')}), which ztunnel cannot see: ` +
        'its rules with them are left out, so they allow nothing and the policy denies what it was meant to let ' +
        'through.'
      : `DENY policy ${p.policy} uses HTTP attributes (${p.attributes.join(', ')}), which ztunnel cannot see: ` +
        'they are left out, so a rule with only those never fires and one with L4 conditions too denies more ' +
        'than written.',
  );
  const fix =
    http.length > 0
      ? ' HTTP rules in ambient mode need a waypoint: attach the policy to it with targetRefs (kind Service or ' +
        'Gateway) instead of a selector.'
      : '';
  if (fact.mtlsRequired) return { title: 'Refused: PeerAuthentication requires mTLS', detail: `${fact.reason}.` };
  return {
    title: fact.allowed ? 'Authorized' : 'Denied by AuthorizationPolicy',
    detail: `${fact.reason}.${caller}${http.length > 0 ? ` ${http.join(' ')}${fix}` : ''}`,
  };
}

/** Patch contexts that concern one side of a proxy (networking/v1alpha3/envoy_filter.proto: PatchContext). */
const CONTEXTS: Record<Fact<'envoyFilter'>['direction'], string[]> = {
  outbound: ['ANY', 'SIDECAR_OUTBOUND'],
  inbound: ['ANY', 'SIDECAR_INBOUND'],
  gateway: ['ANY', 'GATEWAY'],
};

function envoyFilter(fact: Fact<'envoyFilter'>, proxy: string): StepWords {
  const filter = fact.filter;
  const name = `${filter.namespace}/${filter.name}`;
  const how =
    filter.by === 'rootNamespace'
      ? `it is in the root namespace ${filter.namespace} with no workloadSelector, so it applies to every proxy`
      : filter.by === 'namespace'
        ? `it has no workloadSelector, so it applies to every proxy of namespace ${filter.namespace}`
        : filter.by === 'workloadSelector'
          ? `its workloadSelector matches ${proxy}'s labels`
          : `its targetRefs name ${proxy}'s Gateway`;
  const patches = filter.patches.map(
    (p) =>
      `${p.applyTo} in ${p.context} (${p.operation})` +
      `${CONTEXTS[fact.direction].includes(p.context) ? '' : `, not the ${fact.direction} side used here`}`,
  );
  return {
    title: `EnvoyFilter ${name} not applied`,
    detail:
      `EnvoyFilter ${name} selects ${proxy} (${how}) and patches ${patches.join('; ') || 'nothing'}. ` +
      'Meshpath does not apply EnvoyFilter patches: this hop shows the configuration without them.',
    name,
  };
}

/** Why the request ended there, in words (the detail of the last step, and of the banner above the path). */
export function explainEnd(end: EndFact, status: number | null, flags: string): string {
  switch (end.reason) {
    case 'DNS_FAILURE':
      return dnsAnswer(end.answer);
    case 'KUBE_PROXY_NO_ENDPOINT':
      if (end.waypoint)
        return (
          `${end.address}:${end.port} uses the waypoint ${end.waypoint}, which istiod still lists but which has ` +
          `no ready pod: ztunnel cannot open the HBONE tunnel to it and closes the connection; ` +
          `${clientSees(status, flags)}.`
        );
      if (end.by === 'ztunnel')
        return (
          `${end.address} is the address of ${end.service}, which has no ready endpoint on port ${end.port}` +
          `${end.nodeLocal ? " on the client's node (internalTrafficPolicy: Local)" : ''}: ztunnel closes the ` +
          `connection; ${clientSees(status, flags)}.`
        );
      return (
        `${end.address} is the ClusterIP of ${end.service}, which has no ready endpoint on port ${end.port}: ` +
        `kube-proxy refuses the connection; ${refusedSees(status, flags)}.`
      );
    case 'PEER_WITHOUT_SIDECAR':
      return (
        `${end.address}:${end.port} ${
          end.notCaptured
            ? `is ${end.pod ?? end.address}, whose iptables leave port ${end.port} out of inbound capture`
            : end.pod
              ? `is ${end.pod}, which has no sidecar`
              : 'is not a mesh workload'
        }, ` +
        `but the client's proxy sends Istio mTLS (${transportCause(end.cause)}): the handshake fails; ` +
        `${clientSees(status, flags)}.`
      );
    case 'DELIVERED': {
      if ('pod' in end.to && end.to.own)
        return (
          `The connection reaches the application in the client's own pod ${end.to.pod} ` +
          `on ${end.address}:${end.port} directly, over loopback: ` +
          'no Envoy sees it, so no route, mTLS or AuthorizationPolicy applies.'
        );
      const where =
        'pod' in end.to
          ? end.notCaptured
            ? `${end.to.pod} past its sidecar (the port is not captured: no mTLS is required and no ` +
              'AuthorizationPolicy is enforced)'
            : `${end.to.pod} (no sidecar: no mTLS is required and no AuthorizationPolicy is enforced there)`
          : `${end.to.external}, outside the mesh`;
      return `The connection reaches ${where} in ${end.transport === 'plaintext' ? 'plaintext' : 'TLS'}.`;
    }
    case 'DELIVERED_BY_ZTUNNEL':
      return (
        `The destination's ztunnel hands the connection to ${end.pod} on ${end.address}:${end.port}` +
        `${end.mtls ? ' (it arrived over HBONE, mTLS)' : ' (it arrived in plaintext)'}.`
      );
    case 'DELIVERED_TO_SIDECAR':
      return (
        `The request reaches the application in ${end.proxy} on ${end.address}:${end.port}` +
        `${end.mtls ? ' over Istio mTLS' : ' in plaintext'}.`
      );
    case 'NO_LISTENER':
      return (
        `${end.proxy} has no listener for port ${end.port}: ` +
        `${end.gateway ? 'no Gateway server of this gateway uses that port' : 'nothing handles the connection'}, ` +
        'so it is refused.'
      );
    case 'LOOPBACK_REFUSED':
      if (end.socket !== undefined)
        return (
          (end.from === 'inboundCluster'
            ? `The sidecar of ${end.pod} forwards the connection to ${end.address}:${end.port}, its own pod, where ` +
              `port ${end.port} belongs to `
            : end.from === 'otherPod'
              ? `The connection reaches ${end.address}:${end.port} of ${end.pod} past its sidecar, and port ` +
                `${end.port} belongs to `
              : `${end.address}:${end.port} is ${end.pod} itself, and port ${end.port} belongs to `) +
          `${socketName(end.socket)}, ` +
          (end.bind === 'loopback'
            ? `which listens on localhost only (127.0.0.1 or ::1, not ${end.address})`
            : end.socket === 'dnsProxy'
              ? 'which runs only when DNS capture is on (ISTIO_META_DNS_CAPTURE)'
              : end.socket === 'agentDebug'
                ? 'which istio-agent no longer opens (removed in Istio 1.25)'
                : 'which does not accept this address') +
          ': nothing listens there, so the connection is refused.'
        );
      return (
        `${end.address} is the pod's own ${isLoopbackText(end.address) ? 'loopback' : 'IP'}, and no container of ` +
        `${end.pod} declares port ${end.port} nor does a Service target it ` +
        `(${end.ports.length > 0 ? `listening: ${end.ports.join(', ')}` : 'none declares a port'}): ` +
        'nothing listens there, so the connection is refused.'
      );
    case 'SIDECAR_PORT':
      return sidecarPortText(end);
    case 'GATEWAY_TLS_HANDSHAKE':
      return end.cause === 'notTls'
        ? `The ${end.mode} server of ${end.proxy} expects a TLS handshake, and the client sent plaintext: ` +
            'the handshake fails and the connection is closed, with no HTTP answer.'
        : `The ISTIO_MUTUAL server of ${end.proxy} requires a client certificate signed by the mesh's root CA, ` +
            'which only a mesh proxy presents; this client sent ' +
            `${end.sent === 'tls' ? 'TLS without one' : end.sent}: ` +
            'the handshake fails and the connection is closed, with no HTTP answer. Use SIMPLE or MUTUAL (with ' +
            'credentialName) for clients outside the mesh.';
    case 'NO_FILTER_CHAIN':
      return (
        `No filter chain of ${end.listener} matches this connection (${describeConnection(end.connection)}), ` +
        'and the listener has no default chain: the connection is closed.'
      );
    case 'NOT_HTTP':
      return (
        `The chain parses HTTP, but this connection carries ${end.protocol}: ` + 'Envoy cannot decode it and closes it.'
      );
    case 'NO_VIRTUAL_HOST':
      return (
        `Route configuration ${end.routeConfig} has no virtual host whose domains match Host ${end.hostHeader}: ` +
        '404 NR.'
      );
    case 'NO_ROUTE': {
      const routes = end.routes.length > 0 ? ` (routes: ${end.routes.join('; ')})` : '';
      const request = `${end.method} ${end.path}`;
      return `None of the ${end.routes.length} routes of ${end.virtualHost} matches ${request}${routes}: 404 NR.`;
    }
    case 'BLOCKED_BY_REGISTRY_ONLY':
      return (
        `Host ${end.hostHeader} is not a service this proxy knows on port ${end.port}, and the outbound traffic ` +
        `policy is REGISTRY_ONLY: the block_all virtual host answers 502 itself. ${unknownHost(end.cause)}`
      );
    case 'DIRECT_RESPONSE':
      return `The route answers ${end.status} itself; no upstream is contacted.`;
    case 'REDIRECT':
      return `The route redirects to ${end.location}.`;
    case 'ROUTE_WITHOUT_ACTION':
      return 'The matched rule has no usable action (for example a redirect code Istio does not support).';
    case 'FAULT_ABORT':
      return `The route's fault.abort answers ${end.status} before any upstream is contacted.`;
    case 'ROUTE_WITHOUT_CLUSTER':
      return 'The route names no cluster.';
    case 'BLACKHOLE':
      return `${blackholeWhy(end.unknown)} The connection is closed.`;
    case 'CLUSTER_NOT_FOUND':
      return missingCluster(end.cause);
    case 'NO_HEALTHY_UPSTREAM':
      return end.total === 0
        ? `${end.cluster} has no endpoints` +
            `${end.subset ? `: no pod of ${end.service} has the labels of subset ${end.subset}` : ''}. 503 UH.`
        : `All ${end.total} endpoints of ${end.cluster} are unhealthy (not ready). 503 UH.`;
    case 'INBOUND_NO_FILTER_CHAIN':
      return (
        `${end.proxy} requires ${end.requires === 'mtls' ? 'mTLS (STRICT)' : 'plaintext (mTLS disabled)'} ` +
        `on port ${end.port} and closes the connection; ${clientSees(status, flags)}.`
      );
    case 'INBOUND_PLAINTEXT_ONLY':
      return (
        `${end.proxy} has mTLS disabled on port ${end.port}, but the client sends ${transportName(end.sent)}: ` +
        `the handshake fails; ${clientSees(status, flags)}.`
      );
    case 'DOUBLE_TLS':
      return (
        `The application sends TLS, which the proxy passes on as TCP, and ${end.cluster} originates TLS ` +
        `(${end.mode}) over it: the server finds a second TLS handshake where it expects the request, and the ` +
        'client fails with a TLS error (curl: wrong version number). Send plaintext and let the proxy originate TLS.'
      );
    case 'DENIED':
      if (end.by === 'ztunnel')
        return (
          `${end.decision}: the destination's ztunnel refuses the connection` +
          (status !== null ? `, so the proxy in front of it answers ${status} ${flags}` : '') +
          (end.httpPolicies
            ? `. ztunnel sees no HTTP: the HTTP rules of ${end.httpPolicies.join(', ')} (selected with a selector) ` +
              'are left out; attach L7 policy to the waypoint with targetRefs.'
            : '.')
        );
      return (
        `${end.decision}: ` +
        (end.http
          ? `the ${end.by === 'waypoint' ? 'waypoint' : 'proxy'} answers 403 RBAC: access denied.`
          : 'the connection is closed.')
      );
    case 'JWT_REJECTED':
      return (
        `A RequestAuthentication applies and the request's token fails its check: ` +
        `the proxy answers 401 "${end.message}".`
      );
  }
}

/** What the application sees when a connection is refused: its proxy's answer, or the refusal itself. */
function refusedSees(status: number | null, flags: string): string {
  if (status !== null) return `the client's proxy cannot connect and answers ${status} ${flags}`;
  return flags !== '-'
    ? `the client's proxy logs ${flags} and closes the connection`
    : 'the application sees it refused';
}

/** What the client sees when the destination closes the connection: its sidecar's answer, or a reset. */
function clientSees(status: number | null, flags: string): string {
  return status !== null ? `the client sidecar answers ${status} ${flags}` : 'the client sees a connection reset';
}

function outcome(fact: Fact<'outcome'>): StepWords {
  const status = fact.status !== null ? ` · ${fact.status}` : '';
  const flags = fact.flags !== '-' ? ` ${fact.flags}` : '';
  return { title: `${fact.outcome}${status}${flags}`, detail: explainEnd(fact.end, fact.status, fact.flags) };
}

/** The words for one step (explain* in the design notes: facts in, what a user reads out). */
export function explainStep(step: SimulatedStep): StepWords {
  const fact = step.fact;
  const proxy = step.proxy ?? '';
  switch (fact.kind) {
    case 'dns':
      return dns(fact);
    case 'capture':
      return capture(fact, proxy);
    case 'listener':
      return listener(fact, proxy);
    case 'filterChain':
      return filterChain(fact);
    case 'virtualHost':
      return virtualHost(fact);
    case 'route':
      return route(fact);
    case 'cluster':
      return cluster(fact);
    case 'endpoint':
      return endpoint(fact);
    case 'inbound':
      return inbound(fact, proxy);
    case 'authorization':
      return authorization(fact);
    case 'envoyFilter':
      return envoyFilter(fact, proxy);
    case 'ztunnel':
      return ztunnelStep(fact, proxy);
    case 'hbone':
      return hboneStep(fact);
    case 'waypoint':
      return waypointStep(fact, proxy);
    case 'waypointBypass':
      return waypointBypassStep(fact);
    case 'outcome':
      return outcome(fact);
  }
}

function isLoopbackText(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function socketName(socket: SidecarSocket): string {
  switch (socket) {
    case 'envoyAdmin':
      return "Envoy's admin interface";
    case 'virtualOutbound':
      return "Envoy's outbound capture listener virtualOutbound";
    case 'virtualInbound':
      return "Envoy's inbound capture listener virtualInbound";
    case 'agentStatus':
      return "the istio-agent's status server (merged Prometheus metrics, readiness, application probes)";
    case 'envoyHealth':
      return "Envoy's health listener (/healthz/ready, answered by the istio-agent)";
    case 'envoyPrometheus':
      return "Envoy's Prometheus listener (/stats/prometheus)";
    case 'dnsProxy':
      return "the istio-agent's DNS proxy";
    case 'agentDebug':
      return "the istio-agent's former debug port";
    case 'inboundTunnel':
      return "Envoy's HBONE port";
  }
}

function sidecarPortText(end: Extract<EndFact, { reason: 'SIDECAR_PORT' }>): string {
  const where = end.viaInboundCluster
    ? `The sidecar of ${end.pod} passes the connection on from 127.0.0.6 to ${end.address}:${end.port}, where ` +
      `${socketName(end.socket)} takes it`
    : end.fromOtherPod
      ? `Port ${end.port} of ${end.pod} is left out of inbound capture, so no inbound listener sees the ` +
        `connection and ${socketName(end.socket)} takes it`
      : `${end.address}:${end.port} is ${end.pod} itself; iptables leaves the connection alone and ` +
        `${socketName(end.socket)} takes it`;
  const via = end.route ? ` (route prefix ${end.route.prefix} to the ${end.route.cluster} cluster)` : '';
  switch (end.answer) {
    case 'accepted':
      return `${where}: the connection is accepted.`;
    case 'tlsToPlaintext':
      return `${where}, but it speaks plaintext: the TLS handshake fails and the connection is closed.`;
    case 'notHttp':
      return `${where}, but it is not an HTTP server: the request gets no HTTP answer.`;
    case 'served':
      return `${where}${via}, and answers ${end.status ?? ''}.`;
    case 'notFound':
      return end.by === 'envoy'
        ? `${where}, but its only route does not match the path: Envoy answers 404 (NR).`
        : `${where}, but it has no handler for the path: it answers 404.`;
    case 'postRequired':
      return `${where}${via}: that path changes the server and needs POST, so it answers 405.`;
    case 'localhostOnly':
      return (
        `${where}${via}: that path answers localhost callers only, and this one comes from ` +
        `${end.fromOtherPod ? 'another pod' : end.address}: 403.`
      );
  }
}
