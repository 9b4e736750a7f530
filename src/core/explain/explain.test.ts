import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceOptions, type TraceRequest } from '../index.ts';
import type { SimulatedStep } from '../simulate/facts.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { explainStep } from './steps.ts';
import { explainAssumption } from './trace.ts';

function trace(text: string, request: TraceRequest, options: TraceOptions = {}): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const step = (t: Trace, kind: Trace['steps'][number]['kind']) => t.steps.find((s) => s.kind === kind);

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10', serviceAccount: 'client-sa' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews', version: 'v1' }, ip: '10.244.1.1' }),
  pod('reviews-v2', 'app', { labels: { app: 'reviews', version: 'v2' }, ip: '10.244.1.2' }),
  istio(
    'DestinationRule',
    'reviews',
    'app',
    'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]',
  ),
);

describe('the words of a trace', () => {
  it('titles every step of an in-mesh request and says why each was taken', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://reviews:9080/' });
    expect(t.steps.map((s) => s.title)).toEqual([
      'reviews → 10.96.0.30',
      "Captured by app/client's sidecar",
      'Listener 0.0.0.0_9080',
      'Filter chain Trans: raw_buffer; App: http/1.1,h2c',
      'Virtual host reviews.app.svc.cluster.local:9080',
      'Route default',
      'Cluster outbound|9080||reviews.app.svc.cluster.local',
      'Endpoint 10.244.1.1:9080 (reviews-v1)',
      'Inbound 0.0.0.0_9080 → inbound|9080||',
      'Authorized',
      'routed · 200',
    ]);
    expect(step(t, 'dns')?.detail).toBe(
      'DNS capture is off for this pod: kube-dns answers, and Istio plays no part. ' +
        'kube-dns answers reviews.app.svc.cluster.local with 10.96.0.30. ' +
        'Tried: reviews.app.svc.cluster.local (kube-dns).',
    );
    expect(step(t, 'virtualHost')?.detail).toBe(
      'Host reviews:9080 matches the domain reviews in route configuration 9080.',
    );
    expect(step(t, 'virtualHost')?.alternatives?.at(-1)).toMatch(/^allow_any: \*/);
    expect(t.steps.at(-1)?.detail).toBe(
      'The request reaches the application in app/reviews-v1 on 10.244.1.1:9080 over Istio mTLS.',
    );
  });

  it('names the split of a weighted route, the routes not reached, and the caller identity', () => {
    const shift = istio(
      'VirtualService',
      'reviews',
      'app',
      'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /api}}]\n' +
        '  route: [{destination: {host: reviews, subset: v2}}]\n' +
        '- route:\n  - {destination: {host: reviews, subset: v1}, weight: 75}\n' +
        '  - {destination: {host: reviews, subset: v2}, weight: 25}',
    );
    const t = trace(doc(mesh, shift), { from: 'app/client', to: 'http://reviews:9080/' });
    const weighted = t.steps.find((s) => s.title.startsWith('Weighted'));
    expect(weighted?.title).toBe('Weighted: outbound|9080|v1|reviews.app.svc.cluster.local (75%)');
    expect(weighted?.detail).toBe(
      'The route splits traffic: outbound|9080|v1|reviews.app.svc.cluster.local 75%, ' +
        'outbound|9080|v2|reviews.app.svc.cluster.local 25%. This trace follows the heaviest.',
    );
    expect(step(t, 'route')?.alternatives).toEqual(['(unnamed): path prefix /api — does not match']);
    expect(step(t, 'authorization')?.detail).toContain('Caller identity: cluster.local/ns/app/sa/client-sa.');
  });

  it('explains why an unknown host passes through, and why a missing subset answers 503 NC', () => {
    const github = trace(mesh, { from: 'app/client', to: 'http://github.com/' });
    const dialled = `${github.dns.answers[0] ?? ''}:80`;
    expect(step(github, 'cluster')?.detail).toBe(
      `The proxy does not know ${dialled} (Host github.com) as a service destination and the outbound traffic ` +
        "policy is ALLOW_ANY (Istio's default), so unknown traffic passes through. " +
        'github.com is in no Service or ServiceEntry. ' +
        `Envoy connects to the address the application dialled, ${dialled}, without mTLS.`,
    );
    expect(github.assumptions[0]).toMatch(/^github\.com is resolved by DNS outside the cluster; Meshpath cannot know/);
    const v3 = istio(
      'VirtualService',
      'reviews',
      'app',
      'hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews, subset: v3}}]',
    );
    const missing = trace(doc(mesh, v3), { from: 'app/client', to: 'http://reviews:9080/' });
    expect(missing.steps.at(-1)?.title).toBe('cluster-not-found · 503 NC');
    expect(missing.steps.at(-1)?.detail).toBe(
      'The route asks for subset v3, but DestinationRule app/reviews (the one this proxy uses for ' +
        'reviews.app.svc.cluster.local) defines only v1, v2: 503 NC.',
    );
  });
});

describe('the words of a JWT check', () => {
  const jwtRule = istio(
    'RequestAuthentication',
    'jwt',
    'app',
    'selector: {matchLabels: {app: reviews}}\njwtRules:\n- issuer: issuer.example',
  );
  it("says a refused token gets the proxy's 401 with Envoy's message, and which JWT principal was accepted", () => {
    const refused = trace(doc(mesh, jwtRule), {
      from: 'app/client',
      to: 'http://reviews:9080/',
      headers: { authorization: 'Bearer not-a-jwt' },
    });
    expect(refused.steps.at(-1)?.detail).toContain('the proxy answers 401 "Jwt is not in the form of');
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'RS256' })}.${part({ iss: 'issuer.example', sub: 'alice' })}.sig`;
    const accepted = trace(doc(mesh, jwtRule), {
      from: 'app/client',
      to: 'http://reviews:9080/',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(step(accepted, 'authorization')?.detail).toContain('Request principal (JWT): issuer.example/alice.');
    expect(accepted.assumptions.join(' ')).toContain('does not fetch or check the JWKS keys');
  });
});

describe('explainStep, from facts alone', () => {
  const at = (fact: SimulatedStep['fact'], proxy?: string): SimulatedStep => ({ fact, proxy, sources: [] });

  it('lists the names a lookup tried and who answered each', () => {
    const words = explainStep(
      at(
        {
          kind: 'dns',
          by: 'lookup',
          host: 'db',
          resolver: 'istioAgent',
          rcode: 'NXDOMAIN',
          answers: [],
          answer: { by: 'nxdomain', name: 'db', tried: ['db.app.svc.cluster.local', 'db'] },
          queries: [
            { name: 'db.app.svc.cluster.local', answeredBy: 'kubeDns', rcode: 'NXDOMAIN', forwarded: true },
            { name: 'db', answeredBy: 'upstream', rcode: 'NXDOMAIN', forwarded: true },
          ],
        },
        'app/client',
      ),
    );
    expect(words.title).toBe('db does not resolve (NXDOMAIN)');
    expect(words.detail).toBe(
      'The istio-agent DNS proxy (DNS capture is on for this pod) handles the lookup. ' +
        'No DNS server knows db: db.app.svc.cluster.local, db all returned NXDOMAIN. ' +
        'The application gets a DNS error and never opens a connection. ' +
        'Tried: db.app.svc.cluster.local (kube-dns (forwarded): NXDOMAIN); db (upstream DNS: NXDOMAIN).',
    );
  });

  it("says whether the client's sidecar answers or the client sees a reset when the destination refuses mTLS", () => {
    const refused = (status: number | null, flags: string) =>
      explainStep(
        at({
          kind: 'outcome',
          outcome: 'mtls-failure',
          status,
          flags,
          end: { reason: 'INBOUND_NO_FILTER_CHAIN', proxy: 'app/db-0', port: 5432, requires: 'mtls' },
        }),
      );
    expect(refused(503, 'UC')).toEqual({
      title: 'mtls-failure · 503 UC',
      detail:
        'app/db-0 requires mTLS (STRICT) on port 5432 and closes the connection; the client sidecar answers 503 UC.',
    });
    expect(refused(null, '-').detail).toBe(
      'app/db-0 requires mTLS (STRICT) on port 5432 and closes the connection; the client sees a connection reset.',
    );
  });

  it('words an assumed external address differently when the user gave it', () => {
    expect(explainAssumption({ kind: 'externalDns', name: 'api.example.com', address: '192.0.2.7', given: true })).toBe(
      'api.example.com is resolved by DNS outside the cluster; the address given (192.0.2.7) is used.',
    );
    expect(
      explainAssumption({ kind: 'externalDns', name: 'api.example.com', address: '203.0.113.9', given: false }),
    ).toContain('Pass --address to use the real one.');
  });
});
