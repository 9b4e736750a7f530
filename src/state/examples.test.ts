import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toTraceOptions, toTraceRequest } from './engine.ts';
import { EXAMPLES, findExample, openExample } from './examples.ts';
import {
  DEFAULT_OPTIONS,
  EMPTY_REQUEST,
  parseScenarioJson,
  scenarioJson,
  type MeshOptions,
  type RequestInput,
} from './scenarioCodec.ts';
import { analyze, traceRequest, type Trace } from '../core/index.ts';
import { finalCluster } from '../ui/graph/pathElements.ts';

// Every built-in example (fixtures/scenarios/*/, as the app loads them): its manifests, request and options give the
// outcome it promises.
const folders = readdirSync(new URL('../../fixtures/scenarios/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

function run(
  id: string,
  request: Partial<RequestInput> = {},
  options: Partial<MeshOptions> = {},
  extraYaml = '',
): Trace {
  const example = findExample(id);
  if (!example) throw new Error(`no example ${id}`);
  const traceInput = toTraceRequest({ ...(example.scenario.request ?? EMPTY_REQUEST), ...request });
  if (typeof traceInput === 'string') throw new Error(traceInput);
  const result = traceRequest(
    analyze([...example.scenario.files, ...(extraYaml ? [{ name: 'extra.yaml', text: extraYaml }] : [])]),
    traceInput,
    toTraceOptions({ ...(example.scenario.options ?? DEFAULT_OPTIONS), ...options }),
  );
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('the examples library', () => {
  it('has at least the twelve examples the product promises, one per fixture folder, each explained', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(12);
    expect(EXAMPLES.map((e) => e.scenario.files[0]?.name).sort()).toEqual(folders.map((f) => `${f}.yaml`).sort());
    for (const example of EXAMPLES) {
      expect(example.title.length).toBeGreaterThan(10);
      expect(example.description.split('. ').length).toBeGreaterThanOrEqual(2);
      expect(example.scenario.files[0]?.text.length).toBeGreaterThan(100);
    }
  });

  it.each(EXAMPLES.map((e) => [e.id] as const))('%s loads without errors and gives its expected outcome', (id) => {
    const example = findExample(id);
    if (!example) throw new Error(id);
    const analysis = analyze(example.scenario.files);
    const expected = example.expect.diagnostics ?? [];
    expect(analysis.diagnostics.filter((d) => d.severity !== 'info' && !expected.includes(d.code))).toEqual([]);
    for (const code of expected) expect(analysis.diagnostics.map((d) => d.code)).toContain(code);
    const t = run(id);
    expect({ outcome: t.outcome, status: t.status }).toEqual({
      outcome: example.expect.outcome,
      status: example.expect.status,
    });
    if (example.expect.cluster) expect(finalCluster(t)).toBe(example.expect.cluster);
  });
});

describe('the one-click "try next" actions of the examples', () => {
  const actions = EXAMPLES.flatMap((e) => e.tryNext.map((t) => [e.id, t.label, t] as const));
  it('exist for the examples whose story asks the user to change something', () => {
    expect(actions.length).toBeGreaterThanOrEqual(8);
  });
  it.each(actions)('%s: "%s" gives the outcome it promises', (id, _label, action) => {
    const t = run(id, action.request, action.options);
    expect({ outcome: t.outcome, status: t.status }).toEqual(action.expect);
    // Each action changes what the user sees: the outcome, or at least why it happens.
    expect(`${t.outcome} ${t.steps.at(-1)?.detail ?? ''}`).not.toBe(
      `${run(id).outcome} ${run(id).steps.at(-1)?.detail ?? ''}`,
    );
  });
});

describe('the request form', () => {
  it('sends the IP to connect to, so a name DNS does not know still reaches its listener', () => {
    expect(toTraceRequest({ ...EMPTY_REQUEST, from: 'a/b', to: 'http://x/', address: ' 10.0.0.1 ' })).toMatchObject({
      address: '10.0.0.1',
    });
    const given = run('egress-gateway', { to: 'http://nosuch.example/', address: '10.96.0.10' });
    expect(given.outcome).not.toBe('dns-failure');
    expect(given.steps[0]?.title).toBe('nosuch.example → 10.96.0.10 (address given)');
    // Links and scenario files keep it; older ones without it still open.
    const request = { ...EMPTY_REQUEST, from: 'a/b', to: 'x', address: '10.0.0.1' };
    const files = [{ name: 'a.yaml', text: 'kind: Namespace' }];
    expect(parseScenarioJson(scenarioJson({ files, request }))).toMatchObject({ ok: true, scenario: { request } });
    const older = parseScenarioJson(scenarioJson({ files, request: EMPTY_REQUEST }));
    expect(older.ok && older.scenario.request?.address).toBeUndefined();
  });
});

describe('what each example invites the user to try', () => {
  it('in-mesh HTTP: the shared listener, the Host-chosen virtual host and a real-looking access log', () => {
    const t = run('demo');
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_7777',
      virtualHost: 'dest-svc-v1.application.svc.cluster.local:7777',
      route: 'default',
    });
    expect(t.hops[0]?.endpoint).toMatch(/^10\.244\.\d+\.\d+:5678$/);
    expect(t.hops[0]?.accessLog).toMatch(
      new RegExp(
        String.raw`" 200 - via_upstream - "-" .* "dest-svc-v1:7777" "10\.244\.\d+\.\d+:5678" ` +
          String.raw`outbound\|7777\|\|dest-svc-v1\.application\.svc\.cluster\.local ` +
          String.raw`10\.244\.\d+\.\d+:\d+ 10\.96\.\d+\.\d+:7777 .* default$`,
      ),
    );
  });

  it('discovery without sidecars: balanced over three plain pods, in plaintext, with no inbound hop', () => {
    const t = run('discovery-without-sidecars');
    expect(t.hops[0]?.endpoints).toHaveLength(3);
    expect(t.hops.map((h) => h.direction)).toEqual(['outbound']);
    expect(t.steps.at(-1)?.detail).toContain('no sidecar: no mTLS is required and no AuthorizationPolicy is enforced');
  });

  it('registry-only: google.com (a ServiceEntry) gets through while github.com gets 502', () => {
    expect(run('registry-only', { to: 'http://google.com/' }).outcome).toBe('routed');
    expect(run('allow-any', { to: 'https://github.com' }).outcome).toBe('passthrough');
    expect(run('registry-only', { to: 'https://github.com' })).toMatchObject({
      outcome: 'blackhole',
      status: null,
      responseFlags: 'UH',
    });
  });

  it('sidecar egress gotcha: passthrough misses the VirtualService, and REGISTRY_ONLY really blocks', () => {
    const t = run('sidecar-egress-gotcha');
    expect(t.steps.find((s) => s.kind === 'cluster')?.detail).toContain(
      'hidden from this proxy by Sidecar team-a/default',
    );
    // team-a sees no HTTP service on 8080, so there is no listener there: BlackHoleCluster resets the connection (no
    // 502).
    expect(run('sidecar-egress-gotcha', {}, { outboundTrafficPolicy: 'REGISTRY_ONLY' })).toMatchObject({
      outcome: 'blackhole',
      status: null,
      responseFlags: 'UH',
    });
    // The passthrough goes through virtualOutbound's TCP proxy, so team-a's sidecar logs a connection, not a request.
    expect(t.hops[0]?.accessLog).toMatch(
      new RegExp(
        String.raw`^\[\S+\] "- - -" 0 - - - "-" 0 0 1 - "-" "-" "-" "-" "10\.96\.\d+\.\d+:8080" PassthroughCluster ` +
          String.raw`10\.244\.\d+\.\d+:\d+ 10\.96\.\d+\.\d+:8080 10\.244\.\d+\.\d+:\d+ - -$`,
      ),
    );
    // An AuthorizationPolicy at team-b does block it: the plaintext caller has no identity to match.
    const onlyTeamB = [
      'apiVersion: security.istio.io/v1',
      'kind: AuthorizationPolicy',
      'metadata: {name: only-team-b, namespace: team-b}',
      'spec:',
      '  rules:',
      '  - from:',
      '    - source: {namespaces: [team-b]}',
      '',
    ].join('\n');
    const denied = run('sidecar-egress-gotcha', {}, {}, onlyTeamB);
    expect(denied).toMatchObject({ outcome: 'denied', status: 403 });
    expect(denied.hops.at(-1)?.accessLog).toContain('" 403 - rbac_access_denied_matched_policy[none] -');
  });

  it('egress gateway: two hops with their own listener, route and cluster', () => {
    const t = run('egress-gateway');
    expect(t.hops.map((h) => `${h.direction} ${h.listener} ${h.cluster}`)).toEqual([
      'outbound 0.0.0.0_80 outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local',
      'gateway 0.0.0.0_8080 outbound|80||google.com',
    ]);
  });

  it('ingress: other paths and hosts get 404 NR, with Istio resources and with a Kubernetes Ingress', () => {
    for (const folder of ['ingress-gateway', 'ingress-kubernetes']) {
      expect(run(folder, { to: 'http://yuya.example.com/v2' })).toMatchObject({
        outcome: 'no-route',
        status: 404,
        responseFlags: 'NR',
      });
      expect(run(folder).hops[0]).toMatchObject({
        direction: 'gateway',
        listener: '0.0.0.0_8080',
        routeConfig: 'http.8080',
        virtualHost: 'yuya.example.com:80',
      });
    }
  });

  it('DNS: NXDOMAIN without the DNS proxy, the allocated address with it', () => {
    expect(run('dns-proxy').dns).toMatchObject({ resolver: 'istio-agent', answers: ['240.240.0.1'] });
    expect(run('dns-proxy', {}, { dnsCapture: 'off' })).toMatchObject({
      outcome: 'dns-failure',
      dns: { resolver: 'kube-dns', rcode: 'NXDOMAIN' },
    });
  });

  it('shared listeners: HTTP by Host (even on another service VIP), TLS by SNI, TCP by IP:port', () => {
    expect(run('shared-listeners', { to: 'http://10.96.10.2:8080/', headers: 'Host: web-a' }).hops[0]).toMatchObject({
      listener: '0.0.0.0_8080',
      virtualHost: 'web-a.shop.svc.cluster.local:8080',
    });
    const tls = run('shared-listeners', { to: 'https://api.pay-b.com', protocol: 'tls' });
    expect(tls.hops[0]).toMatchObject({
      listener: '0.0.0.0_443',
      filterChain: 'SNI: api.pay-b.com',
      cluster: 'outbound|443||api.pay-b.com',
    });
    const tcp = run('shared-listeners', { to: 'users-db:5432' });
    expect(tcp.hops[0]).toMatchObject({
      listener: '10.96.10.4_5432',
      cluster: 'outbound|5432||users-db.shop.svc.cluster.local',
    });
    // A TCP proxy logs connections: no method, path, status or authority, and no route name.
    expect(tcp.hops.map((h) => h.accessLog?.replace(/^\[\S+\] /, '').slice(0, 19))).toEqual(
      tcp.hops.map(() => '"- - -" 0 - - - "-"'),
    );
    expect(tcp.hops[0]?.accessLog).toMatch(
      / outbound\|5432\|\|users-db\.shop\.svc\.cluster\.local \S+:\d+ 10\.96\.10\.4:5432 \S+:\d+ - -$/,
    );
  });

  it('bookinfo: weighted shifting, a subset without pods (503 UH), a VirtualService matching nothing (404 NR)', () => {
    expect(run('bookinfo', { headers: '' }).hops[0]).toMatchObject({
      route: 'shift',
      cluster: 'outbound|9080|v1|reviews.bookinfo.svc.cluster.local',
    });
    expect(run('bookinfo', { to: 'http://ratings:9080/mysql', headers: '' })).toMatchObject({
      outcome: 'no-healthy-upstream',
      status: 503,
      responseFlags: 'UH',
    });
    expect(run('bookinfo', { to: 'http://details:9080/health', headers: '' })).toMatchObject({
      outcome: 'no-route',
      status: 404,
      responseFlags: 'NR',
    });
  });

  it('mTLS: PERMISSIVE accepts the plaintext STRICT rejects', () => {
    expect(run('mtls', { to: 'http://httpbin.open:8000/headers' })).toMatchObject({ outcome: 'direct', status: 200 });
  });

  it('authorization: the ALLOW list admits foo/sleep and refuses bar/sleep', () => {
    expect(run('authorization', { to: 'http://httpbin.foo:8000/headers' }).outcome).toBe('routed');
    const refused = run('authorization', { from: 'bar/sleep', to: 'http://httpbin.foo:8000/headers' });
    expect(refused).toMatchObject({ outcome: 'denied', status: 403 });
    expect(refused.steps.find((s) => s.kind === 'authorization')?.detail).toContain('none of their rules matches');
    expect(
      run('authorization')
        .steps.at(-1)
        ?.sources.map((s) => s.name),
    ).toEqual(['deny-admin']);
  });
});

describe('the example story stays only while the example is on screen', () => {
  const demo = findExample('demo');
  it('through edits of the example, not after a paste over all of it', () => {
    const file = demo?.scenario.files[0];
    if (!demo || !file) throw new Error('no demo');
    expect(openExample([file])?.id).toBe(demo.id);
    expect(openExample([{ ...file, text: `${file.text}\n# my note\n` }])?.id).toBe(demo.id);
    expect(openExample([{ ...file, text: 'apiVersion: v1\nkind: List\nitems: []\n' }])).toBeUndefined();
  });
});
