// Outcome, status, response flags and every access-log line of a trace tell one story, as they do on a real mesh:
// a proxy that forwards logs what came back to it (Envoy's router), the application gets what the first proxy
// answers, and each flag goes with its status (Envoy's response flags: UF/UC/UH/NC 503, NR 404 or a refused chain).
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, namespace, pod, service } from '../testkit.ts';
import { isIpAddress } from '../model/ip.ts';
import { buildRegistry } from '../registry/registry.ts';
import type { Simulation } from './facts.ts';
import type { AppProtocol, TraceRequest } from './request.ts';
import { simulateRequest } from './trace.ts';

const root = new URL('../../../fixtures/scenarios/', import.meta.url);
const folders = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

interface LogLine {
  http: boolean;
  code: number;
  flags: string;
  details: string;
  upstreamHost: string;
  cluster: string;
  upstreamLocal: string;
  downstreamRemote: string;
}

// [START_TIME] "REQ" CODE FLAGS DETAILS TERMINATION "FAILURE" RX TX DURATION SVC_TIME "XFF" "UA" "ID" "AUTHORITY"
// "UPSTREAM_HOST" CLUSTER UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE
const LINE =
  /^\[[^\]]+\] "([^"]*)" (\d+) (\S+) (\S+) (\S+) "[^"]*" \d+ \d+ \d+ (?:\d+|-) "[^"]*" "[^"]*" "[^"]*" "[^"]*" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/;

function parse(line: string): LogLine {
  const m = LINE.exec(line);
  if (!m) throw new Error(`not an access-log line: ${line}`);
  return {
    http: m[1] !== '- - -',
    code: Number(m[2]),
    flags: m[3] ?? '',
    details: m[4] ?? '',
    upstreamHost: m[6] ?? '',
    cluster: m[7] ?? '',
    upstreamLocal: m[8] ?? '',
    downstreamRemote: m[10] ?? '',
  };
}

const SUCCESS = new Set(['routed', 'passthrough', 'direct']);
const RESET_DETAILS = /^upstream_reset_before_response_started\{connection_(failure|termination)\}$/;

/** Every contradiction between the outcome, the status, the flags and the lines; empty when they agree. */
function contradictions(t: Simulation): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(problem);
  const lines = t.hops.flatMap((h) => (h.accessLog ? [parse(h.accessLog)] : []));
  const http = lines.filter((l) => l.http);
  if (t.outcome === 'dns-failure' && (t.hops.length > 0 || t.status !== null)) say('a DNS failure reached a proxy');
  for (const l of http) {
    if (t.status === null) say(`a proxy answered ${l.code}, but the application gets no status`);
    else if (l.code !== t.status) say(`a line logs ${l.code}, the application gets ${t.status}`);
    if (l.details === 'via_upstream' && l.flags !== '-') say(`via_upstream with flags ${l.flags}`);
    if (['UF', 'UC', 'UH', 'NC'].includes(l.flags) && l.code !== 503) say(`${l.flags} with ${l.code}`);
    if ((l.flags === 'UF' || l.flags === 'UC') && !RESET_DETAILS.test(l.details)) say(`${l.flags} with ${l.details}`);
    if (l.flags === 'UH' && l.details !== 'no_healthy_upstream') say(`UH with ${l.details}`);
    if (l.flags === 'NR' && l.code !== 404) say(`NR with ${l.code}`);
    if (l.code === 0) say('an HTTP line with no response code');
  }
  for (const l of lines) {
    if (!l.http && l.code !== 0) say('a connection line with a response code');
    if (['UH', 'NC', 'NR'].includes(l.flags) && l.upstreamHost !== '-') say(`${l.flags} with an upstream host`);
    if (l.flags === 'UF' && l.upstreamLocal !== '-') say('UF with an upstream connection');
    const forwarded = l.http ? l.details === 'via_upstream' || l.flags === 'UC' : l.flags === '-' && l.cluster !== '-';
    if (forwarded && l.upstreamLocal === '-') say(`forwarded to ${l.cluster} without an upstream connection`);
    if (l.downstreamRemote !== '-' && !/:\d+$/.test(l.downstreamRemote)) say('a downstream address without a port');
  }
  if (t.responseFlags !== '-' && !lines.some((l) => l.flags === t.responseFlags))
    say(`flags ${t.responseFlags} that no proxy logged`);
  if (t.responseFlags === '-' && lines.some((l) => l.flags !== '-')) say('a proxy logged flags the result omits');
  const httpApp = ['http', 'http2', 'grpc', 'https'].includes(t.request.protocol);
  if (SUCCESS.has(t.outcome)) {
    if (t.status !== (httpApp ? 200 : null)) say(`${t.outcome} with status ${String(t.status)}`);
    if (t.responseFlags !== '-') say(`${t.outcome} with flags ${t.responseFlags}`);
  } else if (t.status === 200) say(`${t.outcome} with status 200`);
  if (t.status !== null && !httpApp) say(`status ${t.status} on a ${t.request.protocol} connection`);
  const expected: Partial<Record<string, Array<number | null>>> = {
    'no-healthy-upstream': [503, null],
    'cluster-not-found': [503, null],
    'no-route': [404],
    'mtls-failure': [503, null],
    'no-listener': [null, 503],
    denied: [403, 503, null],
    blackhole: [502, null],
  };
  const allowed = expected[t.outcome];
  if (allowed && !allowed.includes(t.status)) say(`${t.outcome} with status ${String(t.status)}`);
  return problems;
}

/** Destinations worth trying in a scenario: its services on their ports and on a wrong one, external names, IPs. */
function destinations(text: string): TraceRequest[] {
  const analysis = analyze([{ name: 'scenario.yaml', text }]);
  const registry = buildRegistry(analysis.model, 'cluster.local');
  const out: Array<Omit<TraceRequest, 'from'>> = [];
  for (const service of registry.services.slice(0, 8)) {
    const host = service.hostname.replace(/^\*\./, 'www.');
    for (const port of service.ports.slice(0, 2)) out.push({ to: host, port: port.port });
    const first = service.ports[0]?.port ?? 80;
    out.push({ to: host, port: first + 1, protocol: 'http' });
    out.push({ to: host, port: first, protocol: 'tcp' });
    const ip = service.clusterIPs[0];
    if (ip) out.push({ to: ip, port: first, protocol: 'http' });
  }
  const podIp = analysis.model.pods.find((p) => p.ip && isIpAddress(p.ip))?.ip;
  if (podIp) out.push({ to: podIp, port: 8080, protocol: 'http' });
  out.push(
    { to: 'http://example.com/' },
    { to: 'https://example.com/' },
    { to: 'nosuch.invalid', port: 80, protocol: 'http' },
    { to: '1.2.3.4', port: 443, protocol: 'tls' },
  );
  const second = registry.services.find((s) => s.clusterIPs.length > 0);
  if (second) out.push({ to: 'http://not-there.example/', address: second.clusterIPs[0], port: second.ports[0]?.port });
  return out.map((d) => ({ ...d, from: '' }));
}

describe('outcome, status, flags and access-log lines never contradict each other', () => {
  it.each(folders)(
    'in %s, for every pod × destination × protocol',
    (folder) => {
      const text = readFileSync(new URL(`${folder}/manifests.yaml`, root), 'utf8');
      const analysis = analyze([{ name: 'scenario.yaml', text }]);
      const found: string[] = [];
      let traces = 0;
      const targets = destinations(text);
      for (const pod of analysis.model.pods) {
        for (const destination of targets) {
          const request = { ...destination, from: `${pod.namespace}/${pod.name}` };
          const result = simulateRequest(analysis, request);
          if (!result.ok) continue;
          traces += 1;
          for (const problem of contradictions(result.simulation))
            found.push(`${request.from} → ${request.to}:${request.port ?? ''}/${request.protocol ?? ''}: ${problem}`);
        }
      }
      expect(traces).toBeGreaterThan(analysis.model.pods.length);
      expect(found).toEqual([]);
    },
    30_000,
  );

  it('catches the contradictions it is for', () => {
    const base: Simulation = {
      outcome: 'no-healthy-upstream',
      status: null,
      responseFlags: 'UH',
      dns: { resolver: 'none', name: 'x', answers: [], rcode: 'NOERROR' },
      hops: [
        {
          proxy: 'a/b',
          direction: 'outbound',
          accessLog:
            '[t] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 0 1 1 "-" "curl" "id" "x" "10.0.0.1:80" ' +
            'PassthroughCluster 10.0.0.2:40000 10.96.0.1:80 10.0.0.2:40001 - allow_any',
        },
      ],
      steps: [],
      assumptions: [],
      request: {
        from: 'a/b',
        host: 'x',
        port: 80,
        protocol: 'http' as AppProtocol,
        path: '/',
        method: 'GET',
        headers: {},
        sni: undefined,
        address: undefined,
      },
    };
    expect(contradictions(base)).toEqual([
      'a proxy answered 200, but the application gets no status',
      'flags UH that no proxy logged',
    ]);
  });
});

describe('a passthrough to a ClusterIP with no ready endpoint', () => {
  // kube-proxy rejects connections to a Service port with no ready endpoint; the client's Envoy cannot connect:
  // 503 UF upstream_reset_before_response_started{connection_failure} for HTTP, UF on a TCP proxy.
  const text = doc(
    namespace('app', { 'istio-injection': 'enabled' }),
    namespace('other'),
    pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
    service('reviews', 'app', {
      ports: [{ port: 9080, name: 'http' }],
      selector: { app: 'reviews' },
      clusterIP: '10.96.0.30',
    }),
    pod('reviews-v1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
    // Not exported to app, so app's sidecar passes it through; no pod is ready behind it.
    service('empty', 'other', {
      ports: [
        { port: 9080, name: 'http' },
        { port: 7000, name: 'tcp' },
      ],
      selector: { app: 'gone' },
      clusterIP: '10.96.0.50',
      annotations: { 'networking.istio.io/exportTo': '.' },
    }),
    pod('plain', 'other', { labels: { app: 'plain' }, ip: '10.244.2.1' }),
  );
  const run = (request: TraceRequest) => {
    const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request);
    if (!result.ok) throw new Error(result.reason);
    return result.simulation;
  };

  it('HTTP through the allow_any route: 503 UF, and the line says so', () => {
    const t = run({ from: 'app/client', to: 'http://empty.other:9080/' });
    expect({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags }).toEqual({
      outcome: 'no-healthy-upstream',
      status: 503,
      responseFlags: 'UF',
    });
    expect(t.hops).toHaveLength(1);
    const line = parse(t.hops[0]?.accessLog ?? '');
    expect(line).toMatchObject({
      http: true,
      code: 503,
      flags: 'UF',
      details: 'upstream_reset_before_response_started{connection_failure}',
      upstreamHost: '10.96.0.50:9080',
      cluster: 'PassthroughCluster',
      upstreamLocal: '-',
    });
    expect(contradictions(t)).toEqual([]);
    const words = traceRequest(analyze([{ name: 'scenario.yaml', text }]), {
      from: 'app/client',
      to: 'http://empty.other:9080/',
    });
    expect(words.ok && words.trace.steps.at(-1)).toMatchObject({
      title: 'no-healthy-upstream · 503 UF',
      detail:
        '10.96.0.50 is the ClusterIP of empty.other.svc.cluster.local, which has no ready endpoint on port 9080: ' +
        "kube-proxy refuses the connection; the client's proxy cannot connect and answers 503 UF.",
    });
  });

  it('TCP on virtualOutbound: UF on the connection, no status', () => {
    const t = run({ from: 'app/client', to: 'empty.other', port: 7000, protocol: 'tcp' });
    expect({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags }).toEqual({
      outcome: 'no-healthy-upstream',
      status: null,
      responseFlags: 'UF',
    });
    expect(parse(t.hops[0]?.accessLog ?? '')).toMatchObject({ http: false, code: 0, flags: 'UF', upstreamLocal: '-' });
  });

  it('without a sidecar no proxy is involved: the connection is refused, no status and no flags', () => {
    const t = run({ from: 'other/plain', to: 'http://empty:9080/' });
    expect({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags }).toEqual({
      outcome: 'no-healthy-upstream',
      status: null,
      responseFlags: '-',
    });
    expect(t.hops).toEqual([]);
  });
});
