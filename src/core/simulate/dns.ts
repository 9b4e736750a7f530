import type { ObjectSource, PodModel } from '../model/mesh.ts';
import { fnv1a } from '../model/allocate.ts';
import { isIpAddress } from '../model/ip.ts';
import type { Registry, Service } from '../registry/registry.ts';
import type { NameTableEntry } from '../xds/types.ts';
import type { AssumptionFact, DnsAnswer, DnsQuery } from './facts.ts';

export interface DnsResult {
  resolver: 'kube-dns' | 'istio-agent' | 'ztunnel' | 'hosts-file' | 'none';
  /** The name that answered (after the search path), or the name as asked when nothing did. */
  name: string;
  answers: string[];
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** The names tried, in order, with who answered each. */
  queries: DnsQuery[];
  /** How the lookup ended. */
  answer: DnsAnswer;
  sources: ObjectSource[];
  assumption: AssumptionFact | undefined;
}

// Top-level domains that exist on the public internet, so an external name under them is assumed to resolve there.
const PUBLIC_TLDS = new Set(
  [
    'com org net io dev app co ai edu gov mil int info biz cloud tech me tv us uk de fr nl be es it ch at se no dk fi',
    'pl cz ru ua jp cn kr in au nz ca br mx ar cl za eu asia xyz site online store blog news page sh gg ly to fm am',
    'im is ie pt gr hu ro bg sk si hr rs lt lv ee by kz tr il sa ae sg hk tw my th vn id ph pk ng ke eg ma',
  ]
    .join(' ')
    .split(' '),
);

export interface DnsContext {
  pod: PodModel;
  registry: Registry;
  clusterDomain: string;
  nameTable: NameTableEntry[] | undefined;
  /** Whose DNS proxy holds the name table: ztunnel's for an ambient pod (the istio-agent's by default). */
  dnsProxy?: 'ztunnel';
  /** An address the user says the name resolves to (--address). */
  addressOverride: string | undefined;
}

/** K8S: resolv.conf search list and ndots:5 — names with fewer than 5 dots are tried with each suffix first. */
export function searchCandidates(name: string, namespace: string, clusterDomain: string): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const suffixes = [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
  const dots = name.split('.').length - 1;
  const searched = suffixes.map((s) => `${name}.${s}`);
  return dots >= 5 ? [name, ...searched] : [...searched, name];
}

function kubeService(registry: Registry, fqdn: string): Service | undefined {
  return registry.services.find((s) => s.registry === 'Kubernetes' && s.hostname === fqdn);
}

/** What cluster DNS (CoreDNS / kube-dns) answers for one exact name (K8S: DNS for Services and Pods). */
function kubeDnsAnswer(
  name: string,
  ctx: DnsContext,
): { answers: string[]; cname?: string; source?: ObjectSource } | 'nxdomain' | 'upstream' {
  const domain = ctx.clusterDomain;
  if (name === domain || name.endsWith(`.${domain}`)) {
    const service = kubeService(ctx.registry, name);
    if (!service) return podRecord(name, ctx) ?? 'nxdomain';
    if (service.externalName) return { answers: [], cname: service.externalName, source: service.source };
    if (service.clusterIPs.length > 0) return { answers: service.clusterIPs, source: service.source };
    const ips = new Set<string>();
    for (const endpoint of ctx.registry.endpoints.get(service) ?? [])
      if (isIpAddress(endpoint.address) && (endpoint.health === 'Healthy' || service.publishNotReadyAddresses))
        ips.add(endpoint.address);
    return ips.size > 0 ? { answers: [...ips], source: service.source } : 'nxdomain';
  }
  return 'upstream';
}

/**
 * A pod's own name `<hostname>.<subdomain>.<ns>.svc.<domain>`: kube-dns answers it when the pod sets spec.hostname and
 * its spec.subdomain names a headless Service that has the pod as an endpoint (K8S: DNS for Services and Pods, the
 * EndpointSlice hostname of the pod).
 */
function podRecord(name: string, ctx: DnsContext): { answers: string[]; source: ObjectSource } | undefined {
  const dot = name.indexOf('.');
  const service = dot > 0 ? kubeService(ctx.registry, name.slice(dot + 1)) : undefined;
  if (!service || service.clusterIPs.length > 0 || service.externalName) return undefined;
  const hostname = name.slice(0, dot);
  const ips = new Set<string>();
  let source: ObjectSource | undefined;
  for (const endpoint of ctx.registry.endpoints.get(service) ?? [])
    if (
      endpoint.podHostname === hostname &&
      endpoint.podSubdomain === service.name &&
      isIpAddress(endpoint.address) &&
      (endpoint.health === 'Healthy' || service.publishNotReadyAddresses)
    ) {
      ips.add(endpoint.address);
      source ??= endpoint.workload;
    }
  return ips.size > 0 ? { answers: [...ips], source: source ?? service.source } : undefined;
}

function upstreamAnswer(name: string, ctx: DnsContext): { answers: string[]; assumption: AssumptionFact } | undefined {
  const tld = name.split('.').pop() ?? '';
  if (!name.includes('.') || !PUBLIC_TLDS.has(tld)) return undefined;
  // A documentation address (RFC 5737) stands in for the real one unless the user gave it.
  const address = ctx.addressOverride ?? `203.0.113.${(fnv1a(name) % 250) + 2}`;
  return {
    answers: [address],
    assumption: { kind: 'externalDns', name, address, given: ctx.addressOverride !== undefined },
  };
}

/**
 * The app's lookup of `name`: through the istio-agent DNS proxy when the pod captures DNS (pkg/dns/client/dns.go:
 * ServeDNS — its name table first, else forwarded), otherwise kube-dns with the pod's search path.
 */
export function resolve(name: string, ctx: DnsContext): DnsResult {
  const local = hostsFileAnswer(name);
  if (local)
    return {
      resolver: 'hosts-file',
      name,
      answers: local,
      rcode: 'NOERROR',
      queries: [],
      answer: { by: 'hostsFile', name, addresses: local },
      sources: [],
      assumption: undefined,
    };
  const agent = ctx.nameTable !== undefined;
  const resolver = agent ? (ctx.dnsProxy === 'ztunnel' ? 'ztunnel' : 'istio-agent') : 'kube-dns';
  const proxy = ctx.dnsProxy === 'ztunnel' ? ({ proxy: 'ztunnel' } as const) : {};
  const queries: DnsResult['queries'] = [];
  const firstSearch = `.${ctx.pod.namespace}.svc.${ctx.clusterDomain}`;
  const tableLookup = (candidate: string): { entry: NameTableEntry; wildcard: boolean } | undefined => {
    if (!ctx.nameTable) return undefined;
    // The agent also holds every name followed by the first search domain, as a CNAME to the name itself, except names
    // that already end with that domain (dns.go: buildDNSAnswers).
    const stripped = candidate.endsWith(firstSearch) ? candidate.slice(0, -firstSearch.length) : undefined;
    const short = stripped !== undefined && !stripped.endsWith(firstSearch.slice(1)) ? stripped : undefined;
    const exact = ctx.nameTable.find(
      (entry) =>
        !isWildcardEntry(entry.name) &&
        (entry.name === candidate ||
          entry.altNames.includes(candidate) ||
          (short !== undefined && (entry.name === short || entry.altNames.includes(short)))),
    );
    if (exact) return { entry: exact, wildcard: false };
    // dns.go: lookupHost — no exact name: walk up the labels, so *.b.example answers before *.example.
    const labels = candidate.split('.');
    for (let i = 1; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      const unexpanded = `.${suffix}`.endsWith(firstSearch) ? `.${suffix}`.slice(0, -firstSearch.length) : undefined;
      const entry = ctx.nameTable.find(
        (e) => e.name === `*.${suffix}` || (unexpanded !== undefined && e.name === `*${unexpanded}`),
      );
      if (entry) return { entry, wildcard: true };
    }
    return undefined;
  };
  for (const candidate of searchCandidates(name, ctx.pod.namespace, ctx.clusterDomain)) {
    const found = tableLookup(candidate);
    if (found) {
      const entry = found.entry;
      queries.push({ name: candidate, answeredBy: 'nameTable', rcode: 'NOERROR', forwarded: false, ...proxy });
      const service = ctx.registry.services.find((s) => s.hostname === entry.name && s.namespace === entry.namespace);
      const asked = candidate.endsWith(firstSearch) ? candidate.slice(0, -firstSearch.length) : candidate;
      return {
        resolver,
        // The agent also answers <name>.<first search domain> (a CNAME to the host itself): report the host, or for a
        // wildcard entry the name asked, as the answer carries it.
        name: found.wildcard ? asked : entry.name,
        answers: entry.addresses,
        rcode: 'NOERROR',
        queries,
        answer: { by: 'nameTable', asked: candidate, host: entry.name, addresses: entry.addresses, ...proxy },
        sources: service ? [service.source] : [],
        assumption: undefined,
      };
    }
    const answer = kubeDnsAnswer(candidate, ctx);
    if (answer === 'nxdomain') {
      queries.push({ name: candidate, answeredBy: 'kubeDns', rcode: 'NXDOMAIN', forwarded: agent });
      continue;
    }
    if (answer === 'upstream') {
      const upstream = upstreamAnswer(candidate, ctx);
      if (!upstream) {
        queries.push({ name: candidate, answeredBy: 'upstream', rcode: 'NXDOMAIN', forwarded: agent });
        continue;
      }
      queries.push({ name: candidate, answeredBy: 'upstream', rcode: 'NOERROR', forwarded: agent });
      return {
        resolver,
        name: candidate,
        answers: upstream.answers,
        rcode: 'NOERROR',
        queries,
        answer: { by: 'upstream', name: candidate, forwarded: agent },
        sources: [],
        assumption: upstream.assumption,
      };
    }
    if (answer.cname) {
      queries.push({ name: candidate, answeredBy: 'kubeDns', rcode: 'NOERROR', forwarded: agent, cname: answer.cname });
      const target = isIpAddress(answer.cname)
        ? { answers: [answer.cname], assumption: undefined }
        : (upstreamAnswer(answer.cname, ctx) ?? resolveInCluster(answer.cname, ctx));
      if (!target)
        return {
          resolver,
          name: candidate,
          answers: [],
          rcode: 'NXDOMAIN',
          queries,
          answer: { by: 'externalNameUnresolved', name: candidate, cname: answer.cname },
          sources: answer.source ? [answer.source] : [],
          assumption: undefined,
        };
      return {
        resolver,
        name: candidate,
        answers: target.answers,
        rcode: 'NOERROR',
        queries,
        answer: { by: 'externalName', name: candidate, cname: answer.cname, addresses: target.answers },
        sources: answer.source ? [answer.source] : [],
        assumption: target.assumption,
      };
    }
    queries.push({ name: candidate, answeredBy: 'kubeDns', rcode: 'NOERROR', forwarded: agent });
    return {
      resolver,
      name: candidate,
      answers: answer.answers,
      rcode: 'NOERROR',
      queries,
      answer: { by: 'kubeDns', name: candidate, forwarded: agent, addresses: answer.answers },
      sources: answer.source ? [answer.source] : [],
      assumption: undefined,
    };
  }
  return {
    resolver,
    name,
    answers: [],
    rcode: 'NXDOMAIN',
    queries,
    answer: { by: 'nxdomain', name, tried: queries.map((q) => q.name) },
    sources: [],
    assumption: undefined,
  };
}

function resolveInCluster(name: string, ctx: DnsContext): { answers: string[]; assumption: undefined } | undefined {
  const answer = kubeDnsAnswer(name, ctx);
  return typeof answer === 'object' && answer.answers.length > 0
    ? { answers: answer.answers, assumption: undefined }
    : undefined;
}

function isWildcardEntry(name: string): boolean {
  return name.startsWith('*.');
}

/**
 * The loopback names kubelet writes into every pod's /etc/hosts (pkg/kubelet/kubelet_pods.go: managedHostsFileContent);
 * the resolver reads that file before any DNS server, so neither kube-dns nor a DNS proxy sees these names.
 */
const HOSTS_FILE: ReadonlyMap<string, readonly string[]> = new Map([
  ['localhost', ['127.0.0.1', '::1']],
  ['ip6-localhost', ['::1']],
  ['ip6-loopback', ['::1']],
]);

function hostsFileAnswer(name: string): string[] | undefined {
  const entry = HOSTS_FILE.get(name.toLowerCase());
  return entry ? [...entry] : undefined;
}

/** 127.0.0.0/8 and ::1: addresses the kernel keeps on the pod's loopback interface. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}
