import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, type TraceOptions, type TraceRequest } from '../index.ts';
import { doc, istio, meshConfig, namespace, pod, service } from '../testkit.ts';
import type { EndFact, Simulation, StepFact } from './facts.ts';
import { simulateRequest } from './trace.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

function trace(
  text: string,
  request: Omit<TraceRequest, 'headers'> & { headers?: Record<string, string> },
  options: TraceOptions = {},
): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}
const summary = (t: Simulation) => ({ outcome: t.outcome, status: t.status, responseFlags: t.responseFlags });
const lastHop = (t: Simulation) => t.hops.at(-1);
/** The fact of the first step of a kind (and, for kinds with several forms, of one form). */
function fact<K extends StepFact['kind']>(t: Simulation, kind: K): Extract<StepFact, { kind: K }> | undefined {
  return t.steps.find((s) => s.fact.kind === kind)?.fact as Extract<StepFact, { kind: K }> | undefined;
}
/** Why the request ended where it did. */
function end(t: Simulation): EndFact | undefined {
  const last = t.steps.at(-1)?.fact;
  return last?.kind === 'outcome' ? last.end : undefined;
}

// A small mesh: client and server in `app` (injected), a plain pod, and `reviews` with two versions.
const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('istio-system'),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10', serviceAccount: 'client-sa' }),
  pod('plain', 'legacy', { labels: { app: 'plain' }, ip: '10.244.0.20' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', {
    labels: { app: 'reviews', version: 'v1' },
    ip: '10.244.1.1',
    ports: [{ containerPort: 9080 }],
  }),
  pod('reviews-v2', 'app', {
    labels: { app: 'reviews', version: 'v2' },
    ip: '10.244.1.2',
    ports: [{ containerPort: 9080 }],
  }),
  service('db', 'app', { ports: [{ port: 5432, name: 'tcp-pg' }], selector: { app: 'db' }, clusterIP: '10.96.0.31' }),
  pod('db-0', 'app', { labels: { app: 'db' }, ip: '10.244.1.5' }),
);

describe('in-mesh HTTP (istio-semantics §0.2)', () => {
  it('resolves by kube-dns, is captured, takes 0.0.0.0_9080, the service vhost and route, reaches a pod (mTLS)', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://reviews:9080/reviews/1' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.dns).toEqual({
      resolver: 'kube-dns',
      name: 'reviews.app.svc.cluster.local',
      answers: ['10.96.0.30'],
      rcode: 'NOERROR',
    });
    expect(t.hops[0]).toMatchObject({
      proxy: 'app/client',
      direction: 'outbound',
      listener: '0.0.0.0_9080',
      routeConfig: '9080',
      virtualHost: 'reviews.app.svc.cluster.local:9080',
      route: 'default',
      cluster: 'outbound|9080||reviews.app.svc.cluster.local',
      endpoints: ['10.244.1.1:9080', '10.244.1.2:9080'],
      endpoint: '10.244.1.1:9080',
    });
    expect(t.hops[1]).toMatchObject({
      proxy: 'app/reviews-v1',
      direction: 'inbound',
      listener: 'virtualInbound',
      cluster: 'inbound|9080||',
    });
    expect(t.steps.map((s) => s.fact.kind)).toEqual([
      'dns',
      'capture',
      'listener',
      'filterChain',
      'virtualHost',
      'route',
      'cluster',
      'endpoint',
      'inbound',
      'authorization',
      'outcome',
    ]);
    expect(t.hops[0]?.accessLog).toBe(
      '[1970-01-01T00:00:00.000Z] "GET /reviews/1 HTTP/1.1" 200 - via_upstream - "-" 0 0 1 1 "-" "curl/8.5.0" ' +
        '"d952420f-da52-43a2-8b52-4535d4523a30" "reviews:9080" "10.244.1.1:9080" ' +
        'outbound|9080||reviews.app.svc.cluster.local 10.244.0.10:51948 10.96.0.30:9080 10.244.0.10:47149 - default',
    );
  });

  it('routes plain TCP by the VIP listener to the service cluster', () => {
    const t = trace(mesh, { from: 'app/client', to: 'db:5432' });
    expect(t.request.protocol).toBe('tcp');
    expect(summary(t)).toEqual({ outcome: 'routed', status: null, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({
      listener: '10.96.0.31_5432',
      cluster: 'outbound|5432||db.app.svc.cluster.local',
      endpoint: '10.244.1.5:5432',
    });
  });

  it('follows header-based routing to a subset and weighted shifting to the heaviest destination', () => {
    const rules = doc(
      mesh,
      istio(
        'DestinationRule',
        'reviews',
        'app',
        'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]',
      ),
      istio(
        'VirtualService',
        'reviews',
        'app',
        'hosts: [reviews]\nhttp:\n- name: jason\n  match: [{headers: {end-user: {exact: jason}}}]\n' +
          '  route: [{destination: {host: reviews, subset: v2}}]\n- name: shift\n  route:\n' +
          '  - {destination: {host: reviews, subset: v1}, weight: 75}\n' +
          '  - {destination: {host: reviews, subset: v2}, weight: 25}',
      ),
    );
    const jason = trace(rules, { from: 'app/client', to: 'http://reviews:9080/', headers: { 'end-user': 'jason' } });
    expect(jason.hops[0]).toMatchObject({
      route: 'jason',
      cluster: 'outbound|9080|v2|reviews.app.svc.cluster.local',
      endpoint: '10.244.1.2:9080',
    });
    const anyone = trace(rules, { from: 'app/client', to: 'http://reviews:9080/' });
    expect(anyone.hops[0]).toMatchObject({ route: 'shift', cluster: 'outbound|9080|v1|reviews.app.svc.cluster.local' });
    expect(anyone.steps.find((s) => s.fact.kind === 'route' && s.fact.by === 'weight')?.fact).toEqual({
      kind: 'route',
      by: 'weight',
      in: 'route',
      chosen: { name: 'outbound|9080|v1|reviews.app.svc.cluster.local', weight: 75 },
      clusters: [
        { name: 'outbound|9080|v1|reviews.app.svc.cluster.local', weight: 75 },
        { name: 'outbound|9080|v2|reviews.app.svc.cluster.local', weight: 25 },
      ],
    });
  });
});

describe('unknown destinations: ALLOW_ANY and REGISTRY_ONLY (istio-semantics §7)', () => {
  const withGoogle = doc(
    mesh,
    istio(
      'ServiceEntry',
      'google',
      'app',
      'hosts: [google.com]\nresolution: DNS\nlocation: MESH_EXTERNAL\n' +
        'ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]',
    ),
  );

  it('passes an unknown HTTP host through PassthroughCluster under ALLOW_ANY', () => {
    const t = trace(withGoogle, { from: 'app/client', to: 'http://github.com/' });
    expect(summary(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_80',
      virtualHost: 'allow_any',
      route: 'allow_any',
      cluster: 'PassthroughCluster',
    });
    expect(fact(t, 'cluster')).toMatchObject({
      by: 'passthrough',
      unknown: {
        address: t.dns.answers[0],
        port: 80,
        hostHeader: 'github.com',
        policy: { mode: 'ALLOW_ANY', source: undefined },
        cause: { cause: 'notRegistered', host: 'github.com' },
      },
    });
  });

  it('answers 502 from block_all for an unknown HTTP host in REGISTRY_ONLY; a ServiceEntry host gets through', () => {
    const github = trace(
      withGoogle,
      { from: 'app/client', to: 'http://github.com/' },
      { outboundTrafficPolicy: 'REGISTRY_ONLY' },
    );
    expect(summary(github)).toEqual({ outcome: 'blackhole', status: 502, responseFlags: '-' });
    expect(github.hops[0]).toMatchObject({ virtualHost: 'block_all', route: 'block_all' });
    expect(end(github)).toEqual({
      reason: 'BLOCKED_BY_REGISTRY_ONLY',
      hostHeader: 'github.com',
      port: 80,
      cause: { cause: 'notRegistered', host: 'github.com' },
    });
    const google = trace(
      withGoogle,
      { from: 'app/client', to: 'http://google.com/' },
      { outboundTrafficPolicy: 'REGISTRY_ONLY' },
    );
    expect(summary(google)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(google.hops[0]).toMatchObject({ cluster: 'outbound|80||google.com', endpoint: 'google.com:80' });
  });

  it('closes unknown TLS on a shared 443 listener via BlackHoleCluster under REGISTRY_ONLY; a known SNI passes', () => {
    const github = trace(
      withGoogle,
      { from: 'app/client', to: 'https://github.com' },
      { outboundTrafficPolicy: 'REGISTRY_ONLY' },
    );
    expect(summary(github)).toEqual({ outcome: 'blackhole', status: null, responseFlags: 'UH' });
    expect(github.hops[0]).toMatchObject({
      listener: '0.0.0.0_443',
      filterChain: 'PassthroughFilterChain',
      cluster: 'BlackHoleCluster',
    });
    const google = trace(
      withGoogle,
      { from: 'app/client', to: 'https://google.com' },
      { outboundTrafficPolicy: 'REGISTRY_ONLY' },
    );
    expect(google.hops[0]).toMatchObject({
      listener: '0.0.0.0_443',
      filterChain: 'SNI: google.com',
      cluster: 'outbound|443||google.com',
    });
  });

  it('stays on virtualOutbound when no listener has the port, and resets there under REGISTRY_ONLY', () => {
    const allow = trace(mesh, { from: 'app/client', to: 'example.org:7000', protocol: 'tcp' });
    expect(allow.hops[0]).toMatchObject({
      listener: 'virtualOutbound',
      filterChain: 'virtualOutbound-catchall-tcp',
      cluster: 'PassthroughCluster',
    });
    expect(allow.outcome).toBe('passthrough');
    const block = trace(doc(mesh, meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}')), {
      from: 'app/client',
      to: 'example.org:7000',
      protocol: 'tcp',
    });
    expect(summary(block)).toEqual({ outcome: 'blackhole', status: null, responseFlags: 'UH' });
    expect(end(block)).toMatchObject({ reason: 'BLACKHOLE', unknown: { policy: { mode: 'REGISTRY_ONLY' } } });
    expect(block.steps.find((s) => s.fact.kind === 'cluster')?.sources.map((s) => `${s.kind}/${s.name}`)).toEqual([
      'ConfigMap/istio',
    ]);
  });

  it('names a Sidecar that hides a service as the cause of a passthrough', () => {
    const sidecar = istio('Sidecar', 'default', 'app', 'egress:\n- hosts: ["istio-system/*"]');
    const t = trace(doc(mesh, sidecar), { from: 'app/client', to: 'http://reviews:9080/' });
    expect(t.outcome).toBe('passthrough');
    expect(fact(t, 'cluster')).toMatchObject({
      by: 'passthrough',
      unknown: {
        cause: { cause: 'hiddenBySidecar', hostname: 'reviews.app.svc.cluster.local', sidecar: 'app/default' },
      },
    });
  });
});

describe('routing failures (istio-semantics §12.3)', () => {
  it('answers 404 NR when a VirtualService matches nothing', () => {
    const vs = istio(
      'VirtualService',
      'reviews',
      'app',
      'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /v1}}]\n  route: [{destination: {host: reviews}}]',
    );
    const t = trace(doc(mesh, vs), { from: 'app/client', to: 'http://reviews:9080/v2' });
    expect(summary(t)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
    expect(lastHop(t)).toMatchObject({ virtualHost: 'reviews.app.svc.cluster.local:9080' });
    expect(end(t)).toEqual({
      reason: 'NO_ROUTE',
      virtualHost: 'reviews.app.svc.cluster.local:9080',
      method: 'GET',
      path: '/v2',
      routes: ['path prefix /v1'],
    });
  });

  it('answers 503 NC for a subset the DestinationRule does not define, and 503 UH for one that selects no pod', () => {
    const dr = istio(
      'DestinationRule',
      'reviews',
      'app',
      'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}, {name: v9, labels: {version: v9}}]',
    );
    const to = (subset: string) =>
      istio(
        'VirtualService',
        'reviews',
        'app',
        `hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews, subset: ${subset}}}]`,
      );
    const missing = trace(doc(mesh, dr, to('v3')), { from: 'app/client', to: 'http://reviews:9080/' });
    expect(summary(missing)).toEqual({ outcome: 'cluster-not-found', status: 503, responseFlags: 'NC' });
    expect(end(missing)).toEqual({
      reason: 'CLUSTER_NOT_FOUND',
      cluster: 'outbound|9080|v3|reviews.app.svc.cluster.local',
      cause: {
        cause: 'undefinedSubset',
        subset: 'v3',
        hostname: 'reviews.app.svc.cluster.local',
        rule: 'app/reviews',
        subsets: ['v1', 'v9'],
      },
    });
    const empty = trace(doc(mesh, dr, to('v9')), { from: 'app/client', to: 'http://reviews:9080/' });
    expect(summary(empty)).toEqual({ outcome: 'no-healthy-upstream', status: 503, responseFlags: 'UH' });
    expect(end(empty)).toEqual({
      reason: 'NO_HEALTHY_UPSTREAM',
      cluster: 'outbound|9080|v9|reviews.app.svc.cluster.local',
      total: 0,
      subset: 'v9',
      service: 'reviews.app.svc.cluster.local',
    });
  });

  it('answers from the route itself: direct response, redirect and fault abort', () => {
    const vs = istio(
      'VirtualService',
      'reviews',
      'app',
      'hosts: [reviews]\nhttp:\n- match: [{uri: {exact: /health}}]\n  directResponse: {status: 204}\n' +
        '- match: [{uri: {prefix: /old}}]\n  redirect: {uri: /new, redirectCode: 302}\n' +
        '- match: [{uri: {prefix: /flaky}}]\n  fault: {abort: {httpStatus: 503, percentage: {value: 100}}}\n' +
        '  route: [{destination: {host: reviews}}]\n- route: [{destination: {host: reviews}}]',
    );
    const text = doc(mesh, vs);
    expect(summary(trace(text, { from: 'app/client', to: 'http://reviews:9080/health' }))).toEqual({
      outcome: 'direct-response',
      status: 204,
      responseFlags: '-',
    });
    expect(summary(trace(text, { from: 'app/client', to: 'http://reviews:9080/old/x' }))).toEqual({
      outcome: 'redirect',
      status: 302,
      responseFlags: '-',
    });
    expect(summary(trace(text, { from: 'app/client', to: 'http://reviews:9080/flaky' }))).toEqual({
      outcome: 'fault',
      status: 503,
      responseFlags: 'FI',
    });
    expect(end(trace(text, { from: 'app/client', to: 'http://reviews:9080/health' }))).toEqual({
      reason: 'DIRECT_RESPONSE',
      status: 204,
    });
    expect(end(trace(text, { from: 'app/client', to: 'http://reviews:9080/old/x' }))).toEqual({
      reason: 'REDIRECT',
      location: 'http://reviews:9080/new',
    });
    expect(end(trace(text, { from: 'app/client', to: 'http://reviews:9080/flaky' }))).toEqual({
      reason: 'FAULT_ABORT',
      status: 503,
    });
  });
});

describe('DNS (istio-semantics §8)', () => {
  const dbEntry = istio(
    'ServiceEntry',
    'ext-db',
    'app',
    'hosts: [db.corp.internal]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]',
  );

  it('fails a name no DNS server knows: the request never leaves the pod', () => {
    const t = trace(mesh, { from: 'app/client', to: 'http://nosuch:8080/' });
    expect(summary(t)).toEqual({ outcome: 'dns-failure', status: null, responseFlags: '-' });
    expect(t.dns).toMatchObject({ resolver: 'kube-dns', rcode: 'NXDOMAIN', answers: [] });
    expect(t.hops).toEqual([]);
  });

  it('does not resolve a made-up ServiceEntry host without DNS capture; with it, answers the allocated address', () => {
    expect(trace(doc(mesh, dbEntry), { from: 'app/client', to: 'db.corp.internal:5432' }).outcome).toBe('dns-failure');
    const captured = trace(
      doc(mesh, dbEntry),
      { from: 'app/client', to: 'db.corp.internal:5432' },
      { dnsCapture: true },
    );
    expect(captured.dns).toEqual({
      resolver: 'istio-agent',
      name: 'db.corp.internal',
      answers: ['240.240.0.1'],
      rcode: 'NOERROR',
    });
    expect(captured.hops[0]).toMatchObject({
      listener: '240.240.0.1_5432',
      cluster: 'outbound|5432||db.corp.internal',
    });
  });

  it('answers a headless service with the pod IPs, and an ExternalName service with a CNAME', () => {
    const text = doc(
      mesh,
      service('pods', 'app', { ports: [{ port: 7000, name: 'tcp' }], clusterIP: 'None', selector: { app: 'db' } }),
      service('alias', 'app', {
        ports: [{ port: 80, name: 'http' }],
        type: 'ExternalName',
        externalName: 'google.com',
      }),
    );
    expect(trace(text, { from: 'app/client', to: 'pods:7000' }).dns.answers).toEqual(['10.244.1.5']);
    const alias = trace(text, { from: 'app/client', to: 'http://alias/' });
    expect(alias.dns.rcode).toBe('NOERROR');
    expect(alias.steps[0]?.fact).toMatchObject({
      kind: 'dns',
      by: 'lookup',
      answer: { by: 'externalName', name: 'alias.app.svc.cluster.local', cname: 'google.com' },
    });
  });
});

describe('capture and clients without a sidecar (istio-semantics §9)', () => {
  it('does not capture an excluded port: kube-proxy delivers it directly', () => {
    const excluded = mesh.replace(
      'metadata: {name: client, namespace: app, labels: {app: "client"}, annotations: {}}',
      'metadata: {name: client, namespace: app, labels: {app: "client"}, ' +
        'annotations: {traffic.sidecar.istio.io/excludeOutboundPorts: "9080"}}',
    );
    const t = trace(excluded, { from: 'app/client', to: 'http://reviews:9080/' });
    expect(fact(t, 'capture')).toEqual({
      kind: 'capture',
      by: 'iptables',
      captured: false,
      address: '10.96.0.30',
      port: 9080,
      rule: { rule: 'excludedPort', port: 9080 },
    });
    expect(t.outcome).toBe('direct');
    expect(t.hops.map((h) => h.direction)).toEqual(['inbound']);
  });

  it('honours excluded and included IP ranges and included ports (tools/istio-iptables)', () => {
    const withAnnotations = (annotations: string) =>
      mesh.replace(
        'metadata: {name: client, namespace: app, labels: {app: "client"}, annotations: {}}',
        `metadata: {name: client, namespace: app, labels: {app: "client"}, annotations: {${annotations}}}`,
      );
    const captureOf = (text: string, to: string) => {
      const capture = fact(trace(text, { from: 'app/client', to }), 'capture');
      return capture?.by === 'iptables' ? { captured: capture.captured, rule: capture.rule.rule } : undefined;
    };
    const excluded = withAnnotations('traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.96.0.0/24"');
    expect(captureOf(excluded, 'http://reviews:9080/')).toEqual({ captured: false, rule: 'excludedRange' });
    expect(captureOf(excluded, 'http://1.2.3.4/')).toEqual({ captured: true, rule: 'allOutbound' });
    const included = withAnnotations('traffic.sidecar.istio.io/includeOutboundIPRanges: "10.96.0.0/16"');
    expect(captureOf(included, 'http://reviews:9080/')).toEqual({ captured: true, rule: 'includedRange' });
    expect(captureOf(included, 'http://1.2.3.4/')).toEqual({ captured: false, rule: 'outsideIncludedRanges' });
    const port = withAnnotations(
      'traffic.sidecar.istio.io/includeOutboundIPRanges: "10.96.0.0/16", ' +
        'traffic.sidecar.istio.io/includeOutboundPorts: "80"',
    );
    expect(captureOf(port, 'http://1.2.3.4:80/')).toEqual({ captured: true, rule: 'includedPort' });
    expect(captureOf(port, 'http://1.2.3.4:81/')).toEqual({ captured: false, rule: 'outsideIncludedRanges' });
  });

  it('lets a client without a sidecar reach a PERMISSIVE workload in plaintext, and be reset by a STRICT one', () => {
    const permissive = trace(mesh, { from: 'legacy/plain', to: 'http://reviews.app:9080/' });
    expect(summary(permissive)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    const strict = trace(doc(mesh, istio('PeerAuthentication', 'default', 'app', 'mtls: {mode: STRICT}')), {
      from: 'legacy/plain',
      to: 'http://reviews.app:9080/',
    });
    // The only proxy on the path, the server's sidecar, finds no filter chain for plaintext and logs NR.
    expect(summary(strict)).toEqual({ outcome: 'mtls-failure', status: null, responseFlags: 'NR' });
  });

  it('fails when a DestinationRule forces ISTIO_MUTUAL towards a pod without a sidecar', () => {
    const text = doc(
      mesh,
      service('plain', 'legacy', {
        ports: [{ port: 80, name: 'http' }],
        selector: { app: 'plain' },
        clusterIP: '10.96.0.40',
      }),
      istio('DestinationRule', 'plain', 'legacy', 'host: plain\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}'),
    );
    expect(summary(trace(text, { from: 'app/client', to: 'http://plain.legacy/' }))).toEqual({
      outcome: 'mtls-failure',
      status: 503,
      responseFlags: 'UF',
    });
    expect(
      summary(
        trace(text.replace('trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}', 'subsets: []'), {
          from: 'app/client',
          to: 'http://plain.legacy/',
        }),
      ),
    ).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
  });
});

describe('authorization at the destination (istio-semantics §10.4)', () => {
  const deny = istio(
    'AuthorizationPolicy',
    'deny-admin',
    'app',
    'selector: {matchLabels: {app: reviews}}\naction: DENY\nrules:\n- to: [{operation: {paths: ["/admin*"]}}]',
  );
  const allowOnly = (principal: string) =>
    istio(
      'AuthorizationPolicy',
      'allow-list',
      'app',
      `selector: {matchLabels: {app: reviews}}\naction: ALLOW\nrules:\n` +
        `- from: [{source: {principals: ["${principal}"]}}]`,
    );

  it('answers 403 for a DENY rule match, naming the policy', () => {
    const t = trace(doc(mesh, deny), { from: 'app/client', to: 'http://reviews:9080/admin/users' });
    expect(summary(t)).toEqual({ outcome: 'denied', status: 403, responseFlags: '-' });
    expect(t.steps.at(-1)?.sources.map((s) => s.name)).toEqual(['deny-admin']);
    expect(fact(t, 'authorization')).toMatchObject({ allowed: false, principal: 'cluster.local/ns/app/sa/client-sa' });
    expect(end(t)).toMatchObject({ reason: 'DENIED', http: true });
    expect(t.hops.at(-1)?.accessLog).toContain('rbac_access_denied_matched_policy[ns[app]-policy[deny-admin]-rule[0]]');
    expect(trace(doc(mesh, deny), { from: 'app/client', to: 'http://reviews:9080/public' }).outcome).toBe('routed');
  });

  it('allows only listed principals, which need mTLS', () => {
    expect(
      trace(doc(mesh, allowOnly('cluster.local/ns/app/sa/client-sa')), {
        from: 'app/client',
        to: 'http://reviews:9080/',
      }).outcome,
    ).toBe('routed');
    expect(
      summary(
        trace(doc(mesh, allowOnly('cluster.local/ns/app/sa/someone-else')), {
          from: 'app/client',
          to: 'http://reviews:9080/',
        }),
      ),
    ).toEqual({ outcome: 'denied', status: 403, responseFlags: '-' });
    // Without a sidecar the caller has no identity.
    expect(
      trace(doc(mesh, allowOnly('cluster.local/ns/app/sa/client-sa')), {
        from: 'legacy/plain',
        to: 'http://reviews.app:9080/',
      }).outcome,
    ).toBe('denied');
  });

  it('denies everything with an ALLOW policy that has no rules', () => {
    const nothing = istio('AuthorizationPolicy', 'allow-nothing', 'app', 'action: ALLOW');
    expect(trace(doc(mesh, nothing), { from: 'app/client', to: 'http://reviews:9080/' }).outcome).toBe('denied');
  });
});

describe('gateways (istio-semantics §11)', () => {
  it('takes the egress-gateway path in two hops: sidecar → istio-egressgateway → google.com', () => {
    const t = trace(fixture('egress-gateway'), { from: 'application/sleep', to: 'http://google.com/' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops.map((h) => [h.direction, h.listener, h.routeConfig, h.cluster])).toEqual([
      ['outbound', '0.0.0.0_80', '80', 'outbound|80|google|istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', '0.0.0.0_8080', 'http.8080', 'outbound|80||google.com'],
    ]);
    expect(t.hops[1]?.endpoint).toBe('google.com:80');
  });

  it('routes a request arriving at the ingress gateway by Host and path to the service', () => {
    const ingress = doc(
      fixture('demo'),
      istio(
        'Gateway',
        'public',
        'application',
        'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
          '  hosts: ["yuya.example.com"]',
      ),
      istio(
        'VirtualService',
        'yuya',
        'application',
        'hosts: [yuya.example.com]\ngateways: [public]\nhttp:\n- match: [{uri: {prefix: /v1}}]\n' +
          '  route: [{destination: {host: dest-svc-v1, port: {number: 7777}}}]',
      ),
    );
    const t = trace(ingress, { from: 'istio-system/istio-ingressgateway', to: 'http://yuya.example.com/v1' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({
      direction: 'gateway',
      listener: '0.0.0.0_8080',
      routeConfig: 'http.8080',
      virtualHost: 'yuya.example.com:80',
      cluster: 'outbound|7777||dest-svc-v1.application.svc.cluster.local',
    });
    expect(t.hops[1]).toMatchObject({ direction: 'inbound' });
    expect(
      trace(ingress, { from: 'istio-system/istio-ingressgateway', to: 'http://yuya.example.com/v2' }).outcome,
    ).toBe('no-route');
    expect(
      summary(trace(ingress, { from: 'istio-system/istio-ingressgateway', to: 'http://other.example.com/v1' })),
    ).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
  });
});

describe('what the destination sees of the sender', () => {
  it('after a gateway hop, the destination sees the gateway: its identity decides, its SNI and IP are logged', () => {
    const onlyGateway = istio(
      'AuthorizationPolicy',
      'only-ingress',
      'application',
      'selector: {matchLabels: {app: helloworld}}\naction: ALLOW\nrules:\n' +
        '- from: [{source: {principals: ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]}}]',
    );
    const text = doc(fixture('ingress-gateway'), onlyGateway);
    // sleep's sidecar → istio-ingressgateway → helloworld: the last connection is the gateway's, not sleep's.
    const t = trace(text, {
      from: 'application/sleep',
      to: 'http://istio-ingressgateway.istio-system/v1',
      headers: { host: 'yuya.example.com' },
    });
    expect(t.hops.map((h) => h.direction)).toEqual(['outbound', 'gateway', 'inbound']);
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(fact(t, 'authorization')).toMatchObject({
      allowed: true,
      principal: 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
    });
    const ipOf = (name: string) =>
      analyze([{ name: 'scenario.yaml', text }]).model.pods.find((p) => p.name.startsWith(name))?.ip;
    // Downstream remote address and requested server name of the destination's log line: the gateway and its
    // cluster's SNI.
    const sni = 'outbound_.7777_._.dest-svc-v1.application.svc.cluster.local';
    expect(t.hops[2]?.accessLog).toMatch(
      new RegExp(` ${(ipOf('istio-ingressgateway') ?? '?').replaceAll('.', '\\.')}:\\d+ ${sni} default$`),
    );
    expect(ipOf('istio-ingressgateway')).not.toBe(ipOf('sleep'));
  });
});

describe('mTLS into a plaintext-only port', () => {
  it('fails with 503 UF when a DestinationRule forces ISTIO_MUTUAL at a sidecar whose port has mTLS disabled', () => {
    const text = doc(
      mesh,
      istio('DestinationRule', 'reviews', 'app', 'host: reviews\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}'),
      istio(
        'PeerAuthentication',
        'reviews-off',
        'app',
        'selector: {matchLabels: {app: reviews}}\nmtls: {mode: DISABLE}',
      ),
    );
    const t = trace(text, { from: 'app/client', to: 'http://reviews:9080/' });
    expect(summary(t)).toEqual({ outcome: 'mtls-failure', status: 503, responseFlags: 'UF' });
    expect(t.hops.at(-1)?.accessLog).toMatch(/^\[[^\]]+\] "- - -" 0 DPE http1\.codec_error /);
    // Without the DestinationRule, auto mTLS sends plaintext to the DISABLE port, which is accepted.
    expect(
      trace(
        doc(
          mesh,
          istio(
            'PeerAuthentication',
            'reviews-off',
            'app',
            'selector: {matchLabels: {app: reviews}}\nmtls: {mode: DISABLE}',
          ),
        ),
        { from: 'app/client', to: 'http://reviews:9080/' },
      ).outcome,
    ).toBe('routed');
  });
});

describe('virtual hosts', () => {
  it('prefers the longest wildcard domain that matches the Host (simulation/traffic.go: matchVirtualHost)', () => {
    const entry = (name: string, host: string) =>
      istio(
        'ServiceEntry',
        name,
        'app',
        `hosts: ["${host}"]\nlocation: MESH_EXTERNAL\nresolution: NONE\n` +
          `ports: [{number: 80, name: http, protocol: HTTP}]`,
      );
    const t = trace(doc(mesh, entry('wide', '*.example.com'), entry('narrow', '*.api.example.com')), {
      from: 'app/client',
      to: 'http://v1.api.example.com/',
    });
    expect(t.hops[0]?.virtualHost).toBe('*.api.example.com:80');
    expect(fact(t, 'virtualHost')).toMatchObject({
      virtualHost: '*.api.example.com:80',
      by: 'suffixDomain',
      domain: '*.api.example.com',
      catchAllOnly: false,
    });
  });
});

describe('query strings', () => {
  const byQuery = istio(
    'VirtualService',
    'reviews',
    'app',
    'hosts: [reviews]\nhttp:\n- match: [{queryParams: {token: {exact: "a=b"}}}]\n' +
      '  route: [{destination: {host: reviews, subset: v2}}]\n- route: [{destination: {host: reviews, subset: v1}}]',
  );
  const subsets = istio(
    'DestinationRule',
    'reviews',
    'app',
    'host: reviews\nsubsets:\n- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}',
  );

  it('matches a parameter whose value holds "=", takes the first of repeated ones, survives a malformed escape', () => {
    const cluster = (to: string) => trace(doc(mesh, byQuery, subsets), { from: 'app/client', to }).hops[0]?.cluster;
    expect(cluster('http://reviews:9080/x?token=a=b')).toBe('outbound|9080|v2|reviews.app.svc.cluster.local');
    expect(cluster('http://reviews:9080/x?token=a%3Db&token=zzz')).toBe(
      'outbound|9080|v2|reviews.app.svc.cluster.local',
    );
    expect(cluster('http://reviews:9080/x?token=%zz')).toBe('outbound|9080|v1|reviews.app.svc.cluster.local');
    expect(trace(mesh, { from: 'app/client', to: 'http://reviews:9080/x?a=%zz' }).outcome).toBe('routed');
  });
});

describe('source pods and listeners', () => {
  it('finds the source by pod name, workload name, a generated-looking pod name, or Service name', () => {
    const demo = fixture('demo');
    for (const from of [
      'application/sleep',
      'application/sleep-7f8d9c5b6-xk2p4',
      'istio-system/istio-ingressgateway',
    ]) {
      const result = simulateRequest(analyze([{ name: 'demo.yaml', text: demo }]), {
        from,
        to: 'http://dest-svc-v1.application:7777/',
      });
      expect(result.ok).toBe(true);
    }
  });

  it('reports no-listener when a gateway has no server on the port the request arrives at', () => {
    const t = trace(fixture('demo'), { from: 'istio-system/istio-ingressgateway', to: 'http://shop.example.com/' });
    // Nothing listens on that port of the gateway pod: the connection is refused and Envoy logs nothing.
    expect(summary(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({ direction: 'gateway' });
    expect(t.hops[0]?.listener).toBeUndefined();
    expect(t.hops[0]?.accessLog).toBeUndefined();
  });
});

describe('what the UI shows beside each step', () => {
  it('lists every endpoint with its fate: chosen, unready, or excluded by the subset', () => {
    const text = doc(
      mesh,
      pod('reviews-v1b', 'app', { labels: { app: 'reviews', version: 'v1' }, ip: '10.244.1.3', ready: false }),
      istio('DestinationRule', 'reviews', 'app', 'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}]'),
      istio(
        'VirtualService',
        'reviews',
        'app',
        'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /api}}]\n' +
          '  route: [{destination: {host: reviews, subset: v1}}]\n- route: [{destination: {host: reviews}}]',
      ),
    );
    const t = trace(text, { from: 'app/client', to: 'http://reviews:9080/api' });
    const endpoint = fact(t, 'endpoint');
    expect(endpoint?.by === 'loadBalancer' ? endpoint.endpoints : undefined).toEqual([
      { address: '10.244.1.1:9080', state: 'chosen', pod: 'reviews-v1' },
      { address: '10.244.1.3:9080', state: 'unhealthy', pod: 'reviews-v1b' },
      { address: '10.244.1.2:9080', state: 'excluded', pod: 'reviews-v2' },
    ]);
    const route = t.steps.find((s) => s.fact.kind === 'route');
    expect(route?.fact).toMatchObject({ by: 'match', others: [{ route: '', match: 'any request', reached: false }] });
    expect(fact(t, 'virtualHost')?.others.at(-1)).toEqual({ name: 'allow_any', domains: ['*'] });
    expect(route?.hop).toBe(0);
  });
});
