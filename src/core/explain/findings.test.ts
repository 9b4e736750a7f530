import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceOptions, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const scenario = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url)), 'utf8');
const step = (t: Trace, kind: Trace['steps'][number]['kind']) => t.steps.find((s) => s.kind === kind);
const codes = (t: Trace) => t.steps.map((s) => [s.kind, (s.findings ?? []).map((d) => d.code)]);

const reviews = [
  namespace('app', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  service('reviews', 'app', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews', version: 'v1' }, ip: '10.244.1.1' }),
];
const route = (name: string, prefix: string) =>
  istio(
    'VirtualService',
    name,
    'app',
    `hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: ${prefix}}}]\n  route: [{destination: {host: reviews}}]`,
  );

describe('findings on the trace steps they concern', () => {
  it('shows on the route step which VirtualService wins a host another one also defines (IST0109)', () => {
    const text = doc(...reviews, route('reviews-a', '/a'), route('reviews-b', '/'));
    const t = trace(text, { from: 'app/client', to: 'http://reviews:9080/a' });
    const routeStep = step(t, 'route');
    expect(routeStep?.sources.map((s) => s.name)).toEqual(['reviews-a']);
    const ignored = routeStep?.findings?.find((d) => d.message.includes('this VirtualService is ignored'));
    expect(ignored?.code).toBe('IST0109');
    expect(ignored?.message).toContain('app/reviews-a wins');
    // The loser's own hosts line, so that the link opens the VirtualService that is ignored.
    const loserLine = text.split('\n').findIndex((l) => l.includes('name: reviews-b')) + 1;
    expect(ignored?.range.start.line).toBeGreaterThan(loserLine);
    expect(routeStep?.findings?.map((d) => d.code)).toEqual(['IST0109', 'IST0109']);
    // The steps before the route decide nothing about which VirtualService is used.
    expect(step(t, 'listener')?.findings).toBeUndefined();
    expect(step(t, 'endpoint')?.findings).toBeUndefined();
  });

  it('leaves steps without a finding as they were: no findings key at all', () => {
    const t = trace(doc(...reviews, route('reviews-a', '/')), { from: 'app/client', to: 'http://reviews:9080/' });
    expect(t.steps.every((s) => !('findings' in s))).toBe(true);
  });

  it("puts Bookinfo's empty subset v2-mysql (IST0173) on the cluster and the 503, not on other subsets", () => {
    const text = scenario('bookinfo');
    const t = trace(text, { from: 'bookinfo/productpage-v1', to: 'http://ratings:9080/mysql' });
    expect(t.outcome).toBe('no-healthy-upstream');
    const cluster = step(t, 'cluster');
    expect(cluster?.findings?.map((d) => d.code)).toEqual(['IST0173']);
    expect(cluster?.findings?.[0]?.message).toContain('the subset v2-mysql is empty');
    const labelsLine = text.split('\n').findIndex((l) => l.includes('version: v2-mysql')) + 1;
    expect(cluster?.findings?.[0]?.range.start.line).toBe(labelsLine);
    expect(step(t, 'outcome')?.findings?.map((d) => d.code)).toEqual(['IST0173']);

    // The same DestinationRule's other subset is not affected by it.
    const v1 = trace(text, { from: 'bookinfo/reviews-v2', to: 'http://ratings:9080/ratings/0' });
    expect(step(v1, 'cluster')?.title).toBe('Cluster outbound|9080|v1|ratings.bookinfo.svc.cluster.local');
    expect(step(v1, 'cluster')?.sources.map((s) => s.kind)).toContain('DestinationRule');
    expect(codes(v1).flatMap(([, c]) => c)).not.toContain('IST0173');
  });

  it('links a passthrough of a host a Sidecar hides to SIDECAR_HIDES_HOSTS, not the REGISTRY_ONLY block', () => {
    const text = scenario('sidecar-egress-gotcha');
    const request = { from: 'team-a/sleep', to: 'http://payments.team-b:8080/' };
    const passthrough = trace(text, request);
    expect(passthrough.outcome).toBe('passthrough');
    expect(step(passthrough, 'cluster')?.findings?.map((d) => d.code)).toEqual(['SIDECAR_HIDES_HOSTS']);
    const blocked = trace(text, request, { outboundTrafficPolicy: 'REGISTRY_ONLY' });
    expect(blocked.outcome).toBe('blackhole');
    expect(codes(blocked).flatMap(([, c]) => c)).not.toContain('SIDECAR_HIDES_HOSTS');
  });
});

describe('a 404 at a gateway for a host of a Gateway API route the Gateway refused', () => {
  const text = scenario('gateway-api-not-attached');
  const from = 'istio-ingress/gateway-istio';

  it('names the route and why it is not attached (NotAllowedByListeners)', () => {
    const t = trace(text, { from, to: 'http://httpbin.example.com/status/200' });
    expect(t.outcome).toBe('no-route');
    const findings = step(t, 'outcome')?.findings ?? [];
    expect(findings.map((d) => d.code)).toEqual(['ROUTE_NOT_ACCEPTED']);
    expect(findings[0]?.message).toMatch(/NotAllowedByListeners: HTTPRoute application\/httpbin is not attached/);
  });

  it('says nothing for a host that no refused route names', () => {
    const t = trace(text, { from, to: 'http://other.example.com/status/200' });
    expect(t.outcome).toBe('no-route');
    expect(step(t, 'outcome')?.findings ?? []).toEqual([]);
  });
});
