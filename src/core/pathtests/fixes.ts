/**
 * Why not, and the smallest fix: for a request that did not reach a service, the decisive reason, what else was
 * close, and changes to the manifests that let it reach a service (routed, or direct from a client without a sidecar),
 * each verified by tracing again with it applied.
 * Covered so far: an external host in no ServiceEntry (passthrough or blackhole), a host a Sidecar's egress hides,
 * a port whose name gives Istio no HTTP protocol, a subset no DestinationRule defines, and a client without mTLS to a
 * STRICT server. Anything else gets the reason and no fix; nothing unverified is ever suggested.
 */
import type { Analysis } from '../analysis.ts';
import { traceRequest, type Trace } from '../explain/trace.ts';
import { dumpYaml } from '../manifest/dump.ts';
import { LineIndex } from '../manifest/lineIndex.ts';
import { resolveShortname } from '../model/host.ts';
import { isRecord, type ManifestFile, type ManifestObject } from '../manifest/parse.ts';
import type { EndFact, StepFact, UnknownHostCause } from '../simulate/facts.ts';
import type { TraceOptions, TraceRequest } from '../simulate/request.ts';
import { finalClusterHop } from './run.ts';

export interface VerifiedFix {
  title: string;
  /** `add` a new object (in a new file), or `edit` one that exists (the snippet is the whole object as changed). */
  change: 'add' | 'edit';
  /** The object changed, and where it is, for an edit. */
  object: {
    kind: string;
    namespace: string | undefined;
    name: string;
    file: string | undefined;
    line: number | undefined;
  };
  yaml: string;
  /** The result with the change applied, as traced. */
  result: { outcome: string; status: number | null; cluster: string | null };
}

export interface WhyNot {
  outcome: string;
  /** The step that decided the outcome, in words. */
  reason: string;
  /** What else was there and not taken, at the deciding steps. */
  alternatives: string[];
  fixes: VerifiedFix[];
  /** Changes that were tried and did not give a routed request (so are not suggested), in words. */
  rejected: string[];
  /** The cluster the user meant the request to reach, when they named one. */
  intendedCluster?: string;
  /** Headers the request itself would need to reach the intended cluster, each verified by tracing again. */
  requestChanges?: VerifiedRequestChange[];
}

/** A change to the request, not the manifests: headers that make an existing route match. */
export interface VerifiedRequestChange {
  title: string;
  headers: Record<string, string>;
  result: VerifiedFix['result'];
}

interface Candidate {
  title: string;
  change: 'add' | 'edit';
  object: ManifestObject | undefined;
  value: Record<string, unknown>;
}

const FIX_FILE = 'meshpath-fix.yaml';

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function findObject(analysis: Analysis, kind: string, ref: string): ManifestObject | undefined {
  const [namespace, name] = ref.includes('/') ? ref.split('/') : [undefined, ref];
  return analysis.objects.find((o) => o.kind === kind && o.name === name && (!namespace || o.namespace === namespace));
}

/** `reviews.bookinfo.svc.cluster.local` → Service bookinfo/reviews, for names of Kubernetes Services. */
function serviceOf(analysis: Analysis, hostname: string): ManifestObject | undefined {
  const match = /^([^.]+)\.([^.]+)\.svc\./.exec(hostname);
  return match ? findObject(analysis, 'Service', `${match[2]}/${match[1]}`) : undefined;
}

const ISTIO_PROTOCOL: Record<string, string> = {
  http: 'HTTP',
  http2: 'HTTP2',
  grpc: 'GRPC',
  https: 'TLS',
  tls: 'TLS',
  tcp: 'TCP',
};

function dnsLabel(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'external'
  );
}

function unknownHostFixes(analysis: Analysis, trace: Trace, cause: UnknownHostCause, port: number): Candidate[] {
  const namespace = trace.request.from.split('/')[0] ?? 'default';
  if (cause.cause === 'notRegistered') {
    const protocol = ISTIO_PROTOCOL[trace.request.protocol] ?? 'TCP';
    return [
      {
        title: `Add a ServiceEntry for ${cause.host}:${port}, so the proxy knows the host and routes to it`,
        change: 'add',
        object: undefined,
        value: {
          apiVersion: 'networking.istio.io/v1',
          kind: 'ServiceEntry',
          metadata: { name: dnsLabel(cause.host), namespace },
          spec: {
            hosts: [cause.host],
            location: 'MESH_EXTERNAL',
            resolution: 'DNS',
            ports: [{ number: port, name: `${protocol.toLowerCase()}-${port}`, protocol }],
          },
        },
      },
    ];
  }
  if (cause.cause === 'hiddenBySidecar') {
    const sidecar = findObject(analysis, 'Sidecar', cause.sidecar);
    if (!sidecar || !isRecord(sidecar.value['spec'])) return [];
    const value = clone(sidecar.value) as Record<string, unknown>;
    const spec = value['spec'] as Record<string, unknown>;
    const egress = Array.isArray(spec['egress']) ? (spec['egress'] as unknown[]) : [];
    const first = egress.find(isRecord);
    if (!first || !Array.isArray(first['hosts'])) return [];
    const serviceNamespace = /^[^.]+\.([^.]+)\.svc\./.exec(cause.hostname)?.[1] ?? '*';
    const host = `${serviceNamespace}/${cause.hostname}`;
    (first['hosts'] as unknown[]).push(host);
    return [
      {
        title: `Add ${host} to the egress hosts of Sidecar ${cause.sidecar}`,
        change: 'edit',
        object: sidecar,
        value,
      },
    ];
  }
  if (cause.cause === 'declaredTcp') {
    // A Service's port protocol comes from its name or appProtocol; a ServiceEntry's from its protocol field.
    const entry = analysis.objects.find((o) => {
      const spec = o.kind === 'ServiceEntry' ? o.value['spec'] : undefined;
      return isRecord(spec) && Array.isArray(spec['hosts']) && spec['hosts'].includes(cause.hostname);
    });
    const object = serviceOf(analysis, cause.hostname) ?? entry;
    if (!object || !isRecord(object.value['spec'])) return [];
    const value = clone(object.value) as Record<string, unknown>;
    const spec = value['spec'] as Record<string, unknown>;
    const ports = Array.isArray(spec['ports']) ? (spec['ports'] as unknown[]) : [];
    const servicePort = ports.find(
      (p): p is Record<string, unknown> => isRecord(p) && (p['port'] ?? p['number']) === cause.port,
    );
    if (!servicePort) return [];
    const old = typeof servicePort['name'] === 'string' ? servicePort['name'] : String(cause.port);
    // `tcp-api` → `http-api`, `web` → `http-web`: the prefix before the first dash is what Istio reads.
    const prefix = /^[a-z0-9]+(?=-|$)/.exec(old)?.[0];
    const name =
      prefix === 'http'
        ? old
        : prefix && ['tcp', 'tls', 'mongo', 'mysql', 'redis'].includes(prefix)
          ? `http${old.slice(prefix.length)}`
          : `http-${old}`;
    servicePort['name'] = name;
    delete servicePort['appProtocol'];
    if (object.kind === 'ServiceEntry') servicePort['protocol'] = 'HTTP';
    const what = `${object.kind} ${object.namespace ?? ''}/${object.name}`;
    return [
      {
        title:
          object.kind === 'Service'
            ? `Name port ${cause.port} of ${what} ${name}: Istio reads the protocol from the port name's prefix`
            : `Declare port ${cause.port} of ${what} as HTTP (name ${name})`,
        change: 'edit',
        object,
        value,
      },
    ];
  }
  return [];
}

function subsetFixes(analysis: Analysis, end: Extract<EndFact, { reason: 'CLUSTER_NOT_FOUND' }>): Candidate[] {
  const { cause } = end;
  if (cause.cause !== 'undefinedSubset' && cause.cause !== 'noSubsetRule') return [];
  // The label Istio's own examples give subsets; the re-trace tells whether pods carry it.
  const subset = { name: cause.subset, labels: { version: cause.subset } };
  if (cause.cause === 'undefinedSubset') {
    const rule = findObject(analysis, 'DestinationRule', cause.rule);
    if (!rule || !isRecord(rule.value['spec'])) return [];
    const value = clone(rule.value) as Record<string, unknown>;
    const spec = value['spec'] as Record<string, unknown>;
    spec['subsets'] = [...(Array.isArray(spec['subsets']) ? spec['subsets'] : []), subset];
    return [
      { title: `Add subset ${cause.subset} to DestinationRule ${cause.rule}`, change: 'edit', object: rule, value },
    ];
  }
  const namespace = /^[^.]+\.([^.]+)\.svc\./.exec(cause.hostname)?.[1] ?? 'default';
  return [
    {
      title: `Add a DestinationRule for ${cause.hostname} that defines subset ${cause.subset}`,
      change: 'add',
      object: undefined,
      value: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: dnsLabel(cause.hostname.split('.')[0] ?? cause.hostname), namespace },
        spec: { host: cause.hostname, subsets: [subset] },
      },
    },
  ];
}

function permissiveFix(analysis: Analysis, proxy: string): Candidate[] {
  const [namespace, name] = proxy.split('/');
  const pod = analysis.model.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) return [];
  const app = pod.labels.get('app') ?? pod.labels.get('app.kubernetes.io/name');
  const matchLabels =
    app !== undefined
      ? { [pod.labels.has('app') ? 'app' : 'app.kubernetes.io/name']: app }
      : Object.fromEntries(pod.labels);
  return [
    {
      title:
        `Let ${app ?? pod.name} in ${pod.namespace} accept plaintext too (PeerAuthentication PERMISSIVE for that ` +
        `workload)`,
      change: 'add',
      object: undefined,
      value: {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: `${dnsLabel(app ?? pod.name)}-permissive`, namespace: pod.namespace },
        spec: { selector: { matchLabels }, mtls: { mode: 'PERMISSIVE' } },
      },
    },
  ];
}

/**
 * A denial: exempt the caller from the DENY rule that matched, or add to the ALLOW policy a rule for this caller and
 * this request (security/ decides; the re-trace checks the change does what it says).
 */
function authorizationFixes(analysis: Analysis, trace: Trace): Candidate[] {
  const step = [...trace.steps].reverse().find((s) => s.fact.kind === 'authorization' && !s.fact.allowed);
  if (step?.fact.kind !== 'authorization' || !step.fact.principal) return [];
  const principal = step.fact.principal;
  const source = step.sources.find((s) => s.kind === 'AuthorizationPolicy');
  const policy = source && findObject(analysis, 'AuthorizationPolicy', `${source.namespace ?? ''}/${source.name}`);
  if (!policy || !isRecord(policy.value['spec'])) return [];
  const value = clone(policy.value) as Record<string, unknown>;
  const spec = value['spec'] as Record<string, unknown>;
  const rules = Array.isArray(spec['rules']) ? (spec['rules'] as unknown[]) : [];
  const name = `${policy.namespace ?? ''}/${policy.name}`;
  if (spec['action'] === 'DENY') {
    const index = Number(/rule (\d+)/.exec(step.fact.reason)?.[1]);
    const rule = rules[index];
    if (!isRecord(rule)) return [];
    // A rule matches when one of its `from` entries does: every entry must leave this caller out.
    const from = Array.isArray(rule['from']) ? (rule['from'] as unknown[]).filter(isRecord) : [];
    if (from.length === 0) rule['from'] = [{ source: { notPrincipals: [principal] } }];
    for (const entry of from) {
      const src = isRecord(entry['source']) ? entry['source'] : (entry['source'] = {});
      const list = Array.isArray(src['notPrincipals']) ? (src['notPrincipals'] as unknown[]) : [];
      src['notPrincipals'] = [...list, principal];
    }
    return [
      {
        title: `Leave ${principal} out of rule ${index} of DENY policy ${name}`,
        change: 'edit',
        object: policy,
        value,
      },
    ];
  }
  const { protocol } = trace.request;
  // The request the policy saw: a route on the way may have rewritten the application's (simulate/requestChanges.ts).
  const { method, path } = step.fact.changedRequest ?? trace.request;
  const http = protocol === 'http' || protocol === 'http2' || protocol === 'grpc';
  const rule: Record<string, unknown> = { from: [{ source: { principals: [principal] } }] };
  if (http) rule['to'] = [{ operation: { methods: [method], paths: [path.split('?')[0] ?? path] } }];
  spec['rules'] = [...rules, rule];
  return [
    {
      title:
        `Add to ALLOW policy ${name} a rule for ${principal}` +
        `${http ? ` (${method} ${path.split('?')[0] ?? path})` : ''}`,
      change: 'edit',
      object: policy,
      value,
    },
  ];
}

/** The changes worth trying for this trace's end. */
function candidates(analysis: Analysis, trace: Trace): Candidate[] {
  const facts: StepFact[] = trace.steps.map((s) => s.fact);
  const end = [...facts].reverse().find((f): f is Extract<StepFact, { kind: 'outcome' }> => f.kind === 'outcome')?.end;
  const unknown = [...facts]
    .reverse()
    .find((f) => f.kind === 'cluster' && (f.by === 'passthrough' || f.by === 'blackHole'));
  if (unknown?.kind === 'cluster' && (unknown.by === 'passthrough' || unknown.by === 'blackHole'))
    return unknownHostFixes(analysis, trace, unknown.unknown.cause, unknown.unknown.port);
  if (end?.reason === 'BLOCKED_BY_REGISTRY_ONLY') return unknownHostFixes(analysis, trace, end.cause, end.port);
  if (end?.reason === 'CLUSTER_NOT_FOUND') return subsetFixes(analysis, end);
  if (end?.reason === 'INBOUND_NO_FILTER_CHAIN' && end.requires === 'mtls') return permissiveFix(analysis, end.proxy);
  if (end?.reason === 'DENIED') return authorizationFixes(analysis, trace);
  return [];
}

/** The files with one change applied: a new file for an added object, the object's text replaced for an edit. */
function applyCandidate(
  files: readonly ManifestFile[],
  candidate: Candidate,
  yaml: string,
): ManifestFile[] | undefined {
  if (candidate.change === 'add') return [...files, { name: FIX_FILE, text: yaml }];
  const object = candidate.object;
  // An object inside a List or a JSON file cannot take a YAML block in its place.
  if (!object || object.itemIndex !== undefined || object.file.endsWith('.json')) return undefined;
  return files.map((file) => {
    if (file.name !== object.file) return file;
    const lines = new LineIndex(file.text);
    const start = lines.lineStart(object.range.start.line) + object.range.start.column - 1;
    const end = lines.lineStart(object.range.end.line) + object.range.end.column - 1;
    const tail = file.text.slice(end);
    return { name: file.name, text: file.text.slice(0, start) + yaml + (tail.startsWith('\n') ? tail.slice(1) : tail) };
  });
}

/** The request reached a service: through the mesh, or straight from a client without a sidecar. */
function reached(trace: Trace): boolean {
  return trace.outcome === 'routed' || (trace.outcome === 'direct' && trace.status !== null && trace.status < 400);
}

function resultOf(trace: Trace): VerifiedFix['result'] {
  return {
    outcome: trace.outcome,
    status: trace.status,
    cluster: trace.hops[finalClusterHop(trace) ?? -1]?.cluster ?? null,
  };
}

/** `outbound|9080|v2|reviews.bookinfo.svc.cluster.local` → its parts; undefined for any other name. */
function parseCluster(name: string): { port: number; subset: string; host: string } | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || parts[0] !== 'outbound') return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port) || !parts[3]) return undefined;
  return { port, subset: parts[2] ?? '', host: parts[3] };
}

function destinationsOf(rule: Record<string, unknown>): Record<string, unknown>[] {
  const route = Array.isArray(rule['route']) ? (rule['route'] as unknown[]) : [];
  return route.filter(isRecord).flatMap((r) => (isRecord(r['destination']) ? [r['destination']] : []));
}

/** The destination goes to the intended cluster: same host and subset, and the same port or none. */
function reachesIntended(
  destination: Record<string, unknown>,
  intended: { port: number; subset: string; host: string },
  namespace: string | undefined,
  domain: string,
): boolean {
  const host =
    typeof destination['host'] === 'string'
      ? resolveShortname(destination['host'], namespace ?? 'default', domain)
      : '';
  const subset = typeof destination['subset'] === 'string' ? destination['subset'] : '';
  const port = isRecord(destination['port']) ? destination['port']['number'] : undefined;
  return host === intended.host && subset === intended.subset && (port === undefined || port === intended.port);
}

/** The headers a VirtualService match asks for, as values a request could send; undefined when one is a regex. */
function headersFor(match: Record<string, unknown>): Record<string, string> | undefined {
  const headers = isRecord(match['headers']) ? match['headers'] : {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!isRecord(value)) return undefined;
    if (typeof value['exact'] === 'string') out[name] = value['exact'];
    else if (typeof value['prefix'] === 'string') out[name] = value['prefix'];
    else return undefined;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const sameCluster = (trace: Trace, cluster: string) =>
  trace.outcome === 'routed' && resultOf(trace).cluster === cluster;

/**
 * A routed request that reached another cluster than the one the user intended: which VirtualService rule sent it
 * elsewhere, which rule would have chosen the intended cluster, and the smallest changes (headers the request would
 * need, or that rule's destination edited) verified by tracing again.
 */
function explainIntended(
  analyze: Analyzer,
  files: readonly ManifestFile[],
  analysis: Analysis,
  trace: Trace,
  request: TraceRequest,
  options: TraceOptions,
  intendedCluster: string,
  why: WhyNot,
): void {
  why.intendedCluster = intendedCluster;
  why.requestChanges = [];
  const reachedCluster = resultOf(trace).cluster;
  if (trace.outcome === 'routed' && reachedCluster === intendedCluster) {
    why.reason = `The request already reaches ${intendedCluster}.`;
    return;
  }
  const intended = parseCluster(intendedCluster);
  if (!intended) {
    why.reason = `${intendedCluster} is not an outbound cluster name (outbound|PORT|SUBSET|HOST).`;
    return;
  }
  const domain = options.clusterDomain ?? 'cluster.local';
  const routeStep = [...trace.steps].reverse().find((s) => s.fact.kind === 'route' && s.fact.by === 'match');
  const decided = routeStep?.fact.kind === 'route' && routeStep.fact.by === 'match' ? routeStep.fact : undefined;
  const vsRef = decided?.virtualService;
  const service = vsRef && findObject(analysis, 'VirtualService', `${vsRef.namespace}/${vsRef.name}`);
  const spec = service && isRecord(service.value['spec']) ? service.value['spec'] : undefined;
  const rules = spec && Array.isArray(spec['http']) ? (spec['http'] as unknown[]) : [];
  const went = reachedCluster
    ? `to ${reachedCluster}${trace.outcome === 'routed' ? '' : ` (${trace.outcome})`}`
    : `nowhere (${trace.outcome})`;
  // What was close at the route: the other routes of the virtual host, and the weights of the rule that matched.
  why.alternatives = routeStep?.alternatives ? [...routeStep.alternatives] : [];
  const weights = trace.steps.find((s) => s.fact.kind === 'route' && s.fact.by === 'weight' && s.fact.in === 'route');
  const weighted = weights?.fact.kind === 'route' && weights.fact.by === 'weight' ? weights.fact.clusters : [];
  const share = weighted.find((c) => c.name === intendedCluster);
  const total = weighted.reduce((sum, c) => sum + c.weight, 0);
  const ruleName = (rule: unknown, index: number) =>
    `http[${index}]${isRecord(rule) && typeof rule['name'] === 'string' ? ` (${rule['name']})` : ''}`;
  if (!service || !vsRef) {
    why.reason =
      `The request went ${went}, not to ${intendedCluster}: no VirtualService decided its route ` +
      `(${decided ? `route ${decided.route}` : 'no HTTP route'}), so the default route for the host was taken.`;
  } else {
    why.reason =
      `VirtualService ${vsRef.namespace}/${vsRef.name} rule ${ruleName(rules[vsRef.httpIndex], vsRef.httpIndex)} ` +
      `matched (${decided?.match ?? 'any request'}) and sent the request ${went}, not to ${intendedCluster}` +
      (share
        ? `: that rule gives ${intendedCluster} weight ${share.weight} of ${total}, and the trace follows the heaviest.`
        : '.');
  }
  const candidates: Candidate[] = [];
  if (service && vsRef) {
    // Other rules of the deciding VirtualService that go to the intended cluster, and the headers they ask for.
    rules.forEach((rule, index) => {
      if (!isRecord(rule) || index === vsRef.httpIndex) return;
      if (!destinationsOf(rule).some((d) => reachesIntended(d, intended, service.namespace, domain))) return;
      const matches = Array.isArray(rule['match']) ? (rule['match'] as unknown[]).filter(isRecord) : [];
      why.alternatives.push(
        `Rule ${ruleName(rule, index)} of VirtualService ${vsRef.namespace}/${vsRef.name} goes to ${intendedCluster}` +
          `${matches.length > 0 ? ' but did not match this request' : ''}` +
          `${index > vsRef.httpIndex ? ' (it comes after the rule that matched)' : ''}.`,
      );
      for (const match of matches) {
        const extra = headersFor(match);
        if (!extra) continue;
        const changed = { ...request, headers: { ...request.headers, ...extra } };
        const again = traceRequest(analysis, changed, options);
        const said = Object.entries(extra)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ');
        if (again.ok && sameCluster(again.trace, intendedCluster))
          why.requestChanges?.push({
            title:
              `Send the request with header${Object.keys(extra).length > 1 ? 's' : ''} ${said}: ` +
              `rule ${ruleName(rule, index)} then matches`,
            headers: extra,
            result: resultOf(again.trace),
          });
        else
          why.rejected.push(
            `Sending ${said}: tried, but the request then ends ` +
              `${again.ok ? `${again.trace.outcome} via ${resultOf(again.trace).cluster ?? '-'}` : 'untraced'}.`,
          );
      }
    });
    // The rule that matched, sent to the intended cluster alone.
    const value = clone(service.value) as Record<string, unknown>;
    const rule = ((value['spec'] as Record<string, unknown>)['http'] as unknown[])[vsRef.httpIndex];
    if (isRecord(rule)) {
      const old = destinationsOf(rule)[0];
      const host =
        typeof old?.['host'] === 'string' &&
        resolveShortname(old['host'], service.namespace ?? 'default', domain) === intended.host
          ? old['host']
          : intended.host;
      const destination: Record<string, unknown> = { host };
      if (intended.subset) destination['subset'] = intended.subset;
      if (old && isRecord(old['port'])) destination['port'] = { number: intended.port };
      rule['route'] = [{ destination }];
      candidates.push({
        title:
          `Send rule ${ruleName(rule, vsRef.httpIndex)} of VirtualService ${vsRef.namespace}/${vsRef.name} ` +
          `to ${intendedCluster}`,
        change: 'edit',
        object: service,
        value,
      });
    }
  } else {
    const namespace = request.from.split('/')[0] ?? 'default';
    candidates.push({
      title: `Add a VirtualService for ${intended.host} that sends its requests to ${intendedCluster}`,
      change: 'add',
      object: undefined,
      value: {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: {
          name: dnsLabel(`${intended.host.split('.')[0] ?? 'route'}-${intended.subset || 'route'}`),
          namespace,
        },
        spec: {
          hosts: [intended.host],
          http: [
            {
              route: [
                { destination: { host: intended.host, ...(intended.subset ? { subset: intended.subset } : {}) } },
              ],
            },
          ],
        },
      },
    });
  }
  tryCandidates(analyze, files, request, options, candidates, why, (t) => sameCluster(t, intendedCluster));
}

/** Reads manifests into an analysis: the core entry's analyze(), passed in so this module does not import index.ts. */
export type Analyzer = (files: readonly ManifestFile[], clusterDomain: string | undefined) => Analysis;

/**
 * Explains a request that was not routed and finds the changes that route it: each candidate is applied to the
 * manifests and the request traced again; only those that then route are returned.
 */
export function explainWhyNot(
  analyze: Analyzer,
  files: readonly ManifestFile[],
  request: TraceRequest,
  options: TraceOptions = {},
  intendedCluster?: string,
): WhyNot | string {
  const analysis = analyze(files, options.clusterDomain);
  const traced = traceRequest(analysis, request, options);
  if (!traced.ok) return traced.reason;
  const trace = traced.trace;
  // The decisive step: the unknown destination's cluster when there is one (what comes after only follows from it),
  // else the last step that decided something; then the end in words.
  const deciding =
    trace.steps.find((s) => s.fact.kind === 'cluster' && (s.fact.by === 'passthrough' || s.fact.by === 'blackHole')) ??
    [...trace.steps].reverse().find((s) => s.kind !== 'outcome' && s.kind !== 'envoyFilter');
  const last = trace.steps.at(-1);
  const why: WhyNot = {
    outcome: trace.outcome,
    reason: [
      deciding?.detail ?? '',
      last && last !== deciding && !deciding?.detail.includes(last.detail) ? last.detail : '',
    ]
      .filter(Boolean)
      .join(' '),
    alternatives: trace.steps.flatMap((s) => s.alternatives ?? []),
    fixes: [],
    rejected: [],
  };
  if (intendedCluster !== undefined) {
    explainIntended(analyze, files, analysis, trace, request, options, intendedCluster, why);
    return why;
  }
  if (reached(trace)) return why;
  tryCandidates(analyze, files, request, options, candidates(analysis, trace), why, reached);
  return why;
}

/** Applies each candidate to the manifests and traces again: those giving `done` become fixes, the others are told. */
function tryCandidates(
  analyze: Analyzer,
  files: readonly ManifestFile[],
  request: TraceRequest,
  options: TraceOptions,
  list: Candidate[],
  why: WhyNot,
  done: (trace: Trace) => boolean,
): void {
  for (const candidate of list) {
    const yaml = dumpYaml(candidate.value);
    const changed = applyCandidate(files, candidate, yaml);
    if (!changed) {
      why.rejected.push(`${candidate.title}: the object sits in a List or a JSON file, so it was not tried.`);
      continue;
    }
    const again = traceRequest(analyze(changed, options.clusterDomain), request, options);
    const then = again.ok ? resultOf(again.trace) : undefined;
    const ended = then ? `${then.outcome}${then.cluster ? ` via ${then.cluster}` : ''}` : undefined;
    if (again.ok && done(again.trace)) {
      const meta = isRecord(candidate.value['metadata']) ? candidate.value['metadata'] : {};
      why.fixes.push({
        title: candidate.title,
        change: candidate.change,
        object: {
          kind: String(candidate.value['kind']),
          namespace: typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined,
          name: String(meta['name']),
          file: candidate.object?.file,
          line: candidate.object?.range.start.line,
        },
        yaml,
        result: resultOf(again.trace),
      });
    } else {
      why.rejected.push(
        `${candidate.title}: tried, but the request then ends ` + `${again.ok ? ended : `untraced (${again.reason})`}.`,
      );
    }
  }
}
