import type { ObjectSource, PodModel } from '../model/mesh.ts';
import { fnv1a } from '../model/allocate.ts';
import { ipv4ToNumber, isIpAddress } from '../model/ip.ts';
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
  /** The pod's nameserver when it is not the cluster's DNS (dnsPolicy Default or None, a hostNetwork pod). */
  nameserver?: string;
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

/** What kubelet writes into a pod's /etc/resolv.conf: who the resolver asks, its search list and ndots. */
export interface ResolvConf {
  /** The first nameserver is the cluster's DNS (kube-dns / CoreDNS), which knows the cluster domain. */
  clusterDns: boolean;
  /** The first nameserver when it is not the cluster's DNS: `node` for the node's own resolver. */
  nameserver: string | undefined;
  search: string[];
  ndots: number;
}

/**
 * The pod's resolv.conf (K8S pkg/kubelet/network/dns/dns.go: getPodDNSType, GetPodDNS, appendDNSConfig): ClusterFirst
 * (hostNetwork pods fall back to Default unless ClusterFirstWithHostNet) names the cluster DNS with search
 * `<ns>.svc.<domain> svc.<domain> <domain>` and ndots:5; Default takes the node's file; None starts empty; dnsConfig
 * then appends nameservers and searches and overrides options. The node's search list and resolver are not in the
 * manifests: no search domains, and a resolver that does not know the cluster domain, are assumed.
 */
export function resolvConfOf(pod: PodModel, clusterDomain: string, clusterDnsAddresses: readonly string[]): ResolvConf {
  const policy = pod.dns?.policy ?? 'ClusterFirst';
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.hostNetwork);
  const nameservers: string[] = cluster ? [CLUSTER_DNS] : policy === 'None' ? [] : ['node'];
  const search = cluster ? [`${pod.namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain] : [];
  for (const server of pod.dns?.nameservers ?? []) if (!nameservers.includes(server)) nameservers.push(server);
  for (const domain of pod.dns?.searches ?? []) {
    const trimmed = domain.replace(/\.$/, '').toLowerCase();
    if (trimmed && !search.includes(trimmed)) search.push(trimmed);
  }
  // glibc's default is ndots:1; kubelet writes ndots:5 for the cluster policies.
  const ndots = pod.dns?.ndots ?? (cluster ? 5 : 1);
  const first = nameservers[0];
  const clusterDns = first === CLUSTER_DNS || (first !== undefined && clusterDnsAddresses.includes(first));
  return { clusterDns, nameserver: clusterDns ? undefined : (first ?? 'none'), search, ndots };
}

const CLUSTER_DNS = 'cluster-dns';

/** The default ClusterFirst resolv.conf of a pod in `namespace`. */
function clusterFirst(namespace: string, clusterDomain: string): ResolvConf {
  return {
    clusterDns: true,
    nameserver: undefined,
    search: [`${namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain],
    ndots: 5,
  };
}

/** glibc's search: a name with at least ndots dots is tried as-is first, others after each search domain. */
export function searchCandidates(name: string, conf: ResolvConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((s) => `${name}.${s}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}

/** The pod's own resolv.conf; the cluster DNS is kube-system/kube-dns's ClusterIP, else kubeadm's 10.96.0.10. */
function podResolvConf(ctx: DnsContext): ResolvConf {
  const kubeDns = kubeService(ctx.registry, `kube-dns.kube-system.svc.${ctx.clusterDomain}`);
  return resolvConfOf(ctx.pod, ctx.clusterDomain, kubeDns ? kubeDns.clusterIPs : ['10.96.0.10']);
}

function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

function kubeService(registry: Registry, fqdn: string): Service | undefined {
  return registry.services.find((s) => s.registry === 'Kubernetes' && s.hostname === fqdn);
}

/** What cluster DNS (CoreDNS / kube-dns) answers for one exact name (K8S: DNS for Services and Pods). */
function kubeDnsAnswer(
  name: string,
  ctx: DnsContext,
): { answers: string[]; cname?: string; source?: ObjectSource } | 'nxdomain' | 'upstream' {
  if (inDomain(name, ctx.clusterDomain)) {
    const service = kubeService(ctx.registry, name);
    if (!service) return podRecord(name, ctx) ?? podIpRecord(name, ctx.clusterDomain) ?? 'nxdomain';
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
  for (const endpoint of ctx.registry.endpoints.get(service) ?? []) {
    // An endpoint without a hostname in its EndpointSlice is named by its dashed IP (CoreDNS plugin/kubernetes:
    // endpointHostname).
    const named = endpoint.podHostname !== undefined && endpoint.podSubdomain === service.name;
    if (
      (named ? endpoint.podHostname === hostname : endpoint.address.replaceAll(/[.:]/g, '-') === hostname) &&
      isIpAddress(endpoint.address) &&
      (endpoint.health === 'Healthy' || service.publishNotReadyAddresses)
    ) {
      ips.add(endpoint.address);
      source ??= endpoint.workload;
    }
  }
  return ips.size > 0 ? { answers: [...ips], source: source ?? service.source } : undefined;
}

/**
 * `a-b-c-d.<ns>.pod.<domain>`: CoreDNS's `pods insecure` (the kubeadm Corefile) answers the address the name spells,
 * whether or not such a pod exists (CoreDNS plugin/kubernetes: podsInsecure mode).
 */
function podIpRecord(name: string, domain: string): { answers: string[] } | undefined {
  const labels = name.slice(0, -domain.length - 1).split('.');
  if (labels.length !== 3 || labels[2] !== 'pod') return undefined;
  const address = labels[0]?.replaceAll('-', '.') ?? '';
  return ipv4ToNumber(address) !== undefined ? { answers: [address] } : undefined;
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
  const own =
    ctx.pod.dns || ctx.pod.hostNetwork ? podResolvConf(ctx) : clusterFirst(ctx.pod.namespace, ctx.clusterDomain);
  // ztunnel forwards what it does not hold with its own resolv.conf, the cluster's DNS (ztunnel src/dns/server.rs).
  const conf = ctx.dnsProxy === 'ztunnel' ? { ...own, clusterDns: true, nameserver: undefined } : own;
  const nameserver = conf.nameserver !== undefined ? { nameserver: conf.nameserver } : {};
  // The agent's CNAME shortcut uses the first search domain of the pod's own resolv.conf (dns.go: NewLocalDNSServer).
  const firstSearch = conf.search[0] !== undefined ? `.${conf.search[0]}` : undefined;
  const tableLookup = (candidate: string): { entry: NameTableEntry; wildcard: boolean } | undefined => {
    if (!ctx.nameTable) return undefined;
    // The agent also holds every name followed by the first search domain, as a CNAME to the name itself, except names
    // that already end with that domain (dns.go: buildDNSAnswers).
    const stripped =
      firstSearch !== undefined && candidate.endsWith(firstSearch)
        ? candidate.slice(0, -firstSearch.length)
        : undefined;
    const short = stripped !== undefined && !stripped.endsWith(firstSearch?.slice(1) ?? '') ? stripped : undefined;
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
      const unexpanded =
        firstSearch !== undefined && `.${suffix}`.endsWith(firstSearch)
          ? `.${suffix}`.slice(0, -firstSearch.length)
          : undefined;
      const entry = ctx.nameTable.find(
        (e) => e.name === `*.${suffix}` || (unexpanded !== undefined && e.name === `*${unexpanded}`),
      );
      if (entry) return { entry, wildcard: true };
    }
    return undefined;
  };
  for (const candidate of searchCandidates(name, conf)) {
    const found = tableLookup(candidate);
    if (found) {
      const entry = found.entry;
      queries.push({ name: candidate, answeredBy: 'nameTable', rcode: 'NOERROR', forwarded: false, ...proxy });
      const service = ctx.registry.services.find((s) => s.hostname === entry.name && s.namespace === entry.namespace);
      const asked =
        firstSearch !== undefined && candidate.endsWith(firstSearch)
          ? candidate.slice(0, -firstSearch.length)
          : candidate;
      return {
        resolver,
        ...nameserver,
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
    // A nameserver other than the cluster's DNS knows nothing of the cluster domain.
    const answer = conf.clusterDns ? kubeDnsAnswer(candidate, ctx) : 'upstream';
    if (answer === 'nxdomain') {
      queries.push({ name: candidate, answeredBy: 'kubeDns', rcode: 'NXDOMAIN', forwarded: agent });
      continue;
    }
    if (answer === 'upstream') {
      const upstream =
        conf.clusterDns || !inDomain(candidate, ctx.clusterDomain) ? upstreamAnswer(candidate, ctx) : undefined;
      if (!upstream) {
        queries.push({ name: candidate, answeredBy: 'upstream', rcode: 'NXDOMAIN', forwarded: agent });
        continue;
      }
      queries.push({ name: candidate, answeredBy: 'upstream', rcode: 'NOERROR', forwarded: agent });
      return {
        resolver,
        ...nameserver,
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
          ...nameserver,
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
        ...nameserver,
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
      ...nameserver,
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
    ...nameserver,
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
