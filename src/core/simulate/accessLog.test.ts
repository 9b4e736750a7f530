// Access-log lines field by field, as Istio's default format (EnvoyTextLogFormat, pilot/pkg/model/telemetry_logging.go)
// fills them on each proxy of the path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceOptions, type TraceRequest } from '../index.ts';
import type { Simulation } from './facts.ts';
import { simulateRequest } from './trace.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}

const FIELDS = [
  'startTime',
  'request',
  'code',
  'flags',
  'details',
  'termination',
  'failureReason',
  'bytesReceived',
  'bytesSent',
  'duration',
  'serviceTime',
  'xff',
  'userAgent',
  'requestId',
  'authority',
  'upstreamHost',
  'cluster',
  'upstreamLocal',
  'downstreamLocal',
  'downstreamRemote',
  'sni',
  'route',
] as const;

/** A line split into the fields of EnvoyTextLogFormat (quotes removed). */
function fields(line: string | undefined): Record<(typeof FIELDS)[number], string> {
  const values = [...(line ?? '').matchAll(/\[([^\]]*)\]|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  expect(values).toHaveLength(FIELDS.length);
  return Object.fromEntries(FIELDS.map((f, i) => [f, values[i] ?? ''])) as Record<(typeof FIELDS)[number], string>;
}

const ipOf = (text: string, name: string) =>
  analyze([{ name: 'scenario.yaml', text }]).model.pods.find((p) => p.name.startsWith(name))?.ip ?? '?';
const socket = (ip: string) => new RegExp(`^${ip.replaceAll('.', '\\.')}:\\d{5}$`);

describe('the egress gateway line of the walkthrough, field by field', () => {
  const text = fixture('egress-gateway');
  const sleep = ipOf(text, 'sleep');
  const gateway = ipOf(text, 'istio-egressgateway');

  it('fills every field the real egress gateway line has', () => {
    const t = trace(text, {
      from: 'application/sleep',
      to: 'http://google.com/',
      method: 'HEAD',
      address: '142.250.184.206',
      headers: { 'user-agent': 'curl/8.10.1' },
    });
    const [client, egress] = t.hops.map((h) => fields(h.accessLog));
    // The real line: "HEAD / HTTP/2" 301 - via_upstream - "-" 0 0 29 29 "10.244.0.66" "curl/8.10.1" "…" "google.com"
    // "142.250.184.206:80" outbound|80||google.com 10.244.0.58:45773 10.244.0.58:8080 10.244.0.66:57182 - -
    expect(egress).toMatchObject({
      request: 'HEAD / HTTP/2',
      code: '200',
      flags: '-',
      details: 'via_upstream',
      bytesReceived: '0',
      // Gateways set use_remote_address: the sidecar's IP is appended to X-Forwarded-For.
      xff: sleep,
      userAgent: 'curl/8.10.1',
      authority: 'google.com',
      // STRICT_DNS: Envoy logs the IP it resolved the hostname to, not the hostname.
      upstreamHost: '142.250.184.206:80',
      cluster: 'outbound|80||google.com',
      downstreamLocal: `${gateway}:8080`,
      sni: '-',
      route: '-',
    });
    expect(egress?.upstreamLocal).toMatch(socket(gateway));
    expect(egress?.downstreamRemote).toMatch(socket(sleep));
    // The sidecar's side: the application's protocol, no X-Forwarded-For (sidecars do not append it), its own
    // address on the connection the gateway receives.
    expect(client).toMatchObject({
      request: 'HEAD / HTTP/1.1',
      xff: '-',
      downstreamLocal: '142.250.184.206:80',
      upstreamHost: `${gateway}:8080`,
    });
    expect(client?.upstreamLocal).toBe(egress?.downstreamRemote);
    expect(client?.downstreamRemote).toMatch(socket(sleep));
    expect(client?.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(egress?.requestId).toBe(client?.requestId);
    expect(client?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('without an address, the STRICT_DNS host is a documentation address, and the assumptions say so', () => {
    const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), {
      from: 'application/sleep',
      to: 'http://google.com/',
    });
    if (!result.ok) throw new Error(result.reason);
    const egress = fields(result.trace.hops[1]?.accessLog);
    expect(egress.upstreamHost).toMatch(/^203\.0\.113\.\d+:80$/);
    const address = egress.upstreamHost.replace(/:80$/, '');
    expect(result.trace.assumptions.some((a) => a.includes(address) && a.includes('documentation address'))).toBe(true);
    expect(result.trace.assumptions.some((a) => a.includes('ephemeral ports are placeholders'))).toBe(true);
  });
});

describe('through the ingress gateway to a sidecar', () => {
  const text = fixture('ingress-gateway');
  const gateway = ipOf(text, 'istio-ingressgateway');

  it('the gateway appends the external client to X-Forwarded-For; the sidecar keeps it, logs its inbound side', () => {
    const t = trace(text, {
      from: 'istio-system/istio-ingressgateway',
      to: 'http://yuya.example.com/v1',
      headers: { 'x-request-id': 'my-request' },
    });
    expect(t.outcome).toBe('routed');
    const [edge, inbound] = t.hops.map((h) => fields(h.accessLog));
    expect(edge).toMatchObject({ xff: '192.0.2.10', requestId: 'my-request', downstreamLocal: `${gateway}:8080` });
    expect(edge?.downstreamRemote).toMatch(/^192\.0\.2\.10:\d{5}$/);
    const pod = (inbound?.downstreamLocal ?? '').replace(/:\d+$/, '');
    expect(inbound).toMatchObject({
      xff: '192.0.2.10',
      requestId: 'my-request',
      code: '200',
      // Since Istio 1.10 the inbound cluster connects to the pod's IP from 127.0.0.6.
      upstreamHost: inbound?.downstreamLocal,
      cluster: `inbound|${(inbound?.downstreamLocal ?? '').split(':')[1] ?? ''}||`,
      route: 'default',
      sni: 'outbound_.7777_._.dest-svc-v1.application.svc.cluster.local',
    });
    expect(pod).toMatch(/^10\./);
    expect(inbound?.upstreamLocal).toMatch(/^127\.0\.0\.6:\d{5}$/);
    expect(inbound?.downstreamRemote).toBe(edge?.upstreamLocal);
    expect(t.assumptions).toContainEqual({ kind: 'externalClient', address: '192.0.2.10' });
  });

  it('a local reply has no upstream connection, no upstream service time, and its body size', () => {
    const t = trace(text, { from: 'istio-system/istio-ingressgateway', to: 'http://other.example.com/' });
    expect(fields(t.hops[0]?.accessLog)).toMatchObject({
      code: '404',
      flags: 'NR',
      details: 'route_not_found',
      bytesSent: '0',
      serviceTime: '-',
      upstreamHost: '-',
      upstreamLocal: '-',
      cluster: '-',
    });
  });
});

describe('a subset with no endpoints (bookinfo)', () => {
  it('logs 503 UH with the local reply body, the cluster and no upstream host', () => {
    const text = fixture('bookinfo');
    const example = JSON.parse(
      readFileSync(new URL('../../../fixtures/scenarios/bookinfo/example.json', import.meta.url), 'utf8'),
    ) as { request: { from: string } };
    const from = example.request.from;
    const t = trace(text, { from, to: 'http://ratings:9080/mysql' });
    expect(t.outcome).toBe('no-healthy-upstream');
    expect(fields(t.hops[0]?.accessLog)).toMatchObject({
      code: '503',
      flags: 'UH',
      details: 'no_healthy_upstream',
      bytesSent: String('no healthy upstream'.length),
      serviceTime: '-',
      upstreamHost: '-',
      upstreamLocal: '-',
    });
    expect(fields(t.hops[0]?.accessLog).cluster).toMatch(/^outbound\|9080\|[\w-]+\|ratings\./);
  });
});
