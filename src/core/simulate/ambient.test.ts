import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, type TraceRequest } from '../index.ts';
import { doc, istio, meshConfig, namespace, pod, service } from '../testkit.ts';
import type { Simulation, StepFact } from './facts.ts';
import { simulateRequest } from './trace.ts';

function trace(text: string, request: TraceRequest): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}
const directions = (t: Simulation) => t.hops.map((h) => `${h.direction} ${h.proxy}`);
function facts<K extends StepFact['kind']>(t: Simulation, kind: K): Array<Extract<StepFact, { kind: K }>> {
  return t.steps.filter((s) => s.fact.kind === kind).map((s) => s.fact as Extract<StepFact, { kind: K }>);
}
const endOf = (t: Simulation) => {
  const last = t.steps.at(-1)?.fact;
  return last?.kind === 'outcome' ? last.end : undefined;
};

const waypointGateway = (name: string, ns: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE}]`;

// An ambient namespace: client and reviews on two nodes.
const base = (nsLabels: Record<string, string> = {}) => [
  namespace('shop', { 'istio.io/dataplane-mode': 'ambient', ...nsLabels }),
  pod('client', 'shop', { labels: { app: 'client' }, ip: '10.244.1.10', serviceAccount: 'client', nodeName: 'node-a' }),
  pod('reviews-1', 'shop', {
    labels: { app: 'reviews' },
    ip: '10.244.2.20',
    serviceAccount: 'reviews',
    nodeName: 'node-b',
  }),
  service('reviews', 'shop', {
    ports: [{ port: 9080, name: 'http', targetPort: 9080 }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.50',
  }),
];
const toReviews: TraceRequest = { from: 'shop/client', to: 'http://reviews.shop:9080/' };

describe('ambient path: ztunnel to ztunnel (L4 only)', () => {
  it('client ztunnel → HBONE to the destination ztunnel on 15008 → pod', () => {
    const t = trace(doc(...base()), toReviews);
    expect(directions(t)).toEqual(['ztunnel-outbound ztunnel@node-a', 'ztunnel-inbound ztunnel@node-b']);
    expect(facts(t, 'hbone').map((f) => [f.to, f.address, f.target])).toEqual([
      ['ztunnel', '10.244.2.20:15008', '10.244.2.20:9080'],
    ]);
    expect(facts(t, 'ztunnel').find((f) => f.by === 'inbound')).toMatchObject({
      hbone: true,
      principal: 'cluster.local/ns/shop/sa/client',
    });
    expect(t.outcome).toBe('routed');
    expect(endOf(t)).toMatchObject({ reason: 'DELIVERED_BY_ZTUNNEL', pod: 'shop/reviews-1', mtls: true });
  });

  it('a selector-based L4 policy is enforced by the destination ztunnel', () => {
    const deny = istio(
      'AuthorizationPolicy',
      'deny-client',
      'shop',
      `selector: {matchLabels: {app: reviews}}
action: DENY
rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/client"]}}]}]`,
    );
    const t = trace(doc(...base(), deny), toReviews);
    expect(t.outcome).toBe('denied');
    expect(t.steps.find((s) => s.fact.kind === 'authorization')?.proxy).toBe('ztunnel@node-b');
  });

  it('an ALLOW policy with an HTTP rule enforced by ztunnel matches nothing: the request is denied', () => {
    const allowGet = istio(
      'AuthorizationPolicy',
      'allow-get',
      'shop',
      `selector: {matchLabels: {app: reviews}}
action: ALLOW
rules: [{to: [{operation: {methods: [GET]}}]}]`,
    );
    const t = trace(doc(...base(), allowGet), toReviews);
    expect(t.outcome).toBe('denied');
    // The same rule without the HTTP field allows.
    const allowAll = allowGet.replace('rules: [{to: [{operation: {methods: [GET]}}]}]', 'rules: [{}]');
    expect(trace(doc(...base(), allowAll), toReviews).outcome).toBe('routed');
  });

  it('a destination outside the mesh gets plaintext from the source ztunnel', () => {
    const t = trace(doc(...base()), { from: 'shop/client', to: 'http://203.0.113.7:80/' });
    expect(directions(t)).toEqual(['ztunnel-outbound ztunnel@node-a']);
    expect(facts(t, 'ztunnel').find((f) => f.by === 'plaintext')).toMatchObject({ to: 'external' });
    expect(t.outcome).toBe('passthrough');
  });
});

describe('ambient path through a waypoint', () => {
  it('a namespace waypoint: ztunnel → HBONE → waypoint → HBONE → destination ztunnel → pod', () => {
    const t = trace(
      doc(...base({ 'istio.io/use-waypoint': 'waypoint' }), waypointGateway('waypoint', 'shop')),
      toReviews,
    );
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(t.hops[1]?.proxy).toMatch(/^shop\/waypoint/);
    expect(facts(t, 'hbone').map((f) => f.to)).toEqual(['waypoint', 'ztunnel']);
    // The destination ztunnel sees the waypoint's identity, not the client's.
    expect(facts(t, 'ztunnel').find((f) => f.by === 'inbound')?.principal).toBe('cluster.local/ns/shop/sa/waypoint');
    expect(facts(t, 'waypoint')[0]).toMatchObject({ waypoint: 'shop/waypoint', target: '10.96.0.50:9080' });
    expect(t.hops[1]?.endpoint).toBe('10.244.2.20:9080');
    expect(t.hops[1]?.cluster).toBe('inbound-vip|9080|http|reviews.shop.svc.cluster.local');
    expect(t.outcome).toBe('routed');
    // A TCP port gets the waypoint's tcp cluster.
    const tcp = doc(...base({ 'istio.io/use-waypoint': 'waypoint' }), waypointGateway('waypoint', 'shop')).replace(
      '{port: 9080, name: http, targetPort: 9080}',
      '{port: 9080, name: tcp-db, targetPort: 9080}',
    );
    expect(trace(tcp, { from: 'shop/client', to: 'reviews.shop', port: 9080, protocol: 'tcp' }).hops[1]?.cluster).toBe(
      'inbound-vip|9080|tcp|reviews.shop.svc.cluster.local',
    );
  });

  it('a workload waypoint: a Service without one still reaches its pod through the waypoint the pod uses', () => {
    const workloadWaypoint = waypointGateway('wl', 'shop').replace(
      'metadata: {name: wl, namespace: shop}',
      'metadata: {name: wl, namespace: shop, labels: {istio.io/waypoint-for: workload}}',
    );
    const labelled = base().map((d) =>
      d.includes('name: reviews-1')
        ? d.replace('labels: {app: "reviews"}', 'labels: {app: "reviews", istio.io/use-waypoint: "wl"}')
        : d,
    );
    const t = trace(doc(...labelled, workloadWaypoint), toReviews);
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(facts(t, 'waypoint')[0]).toMatchObject({ by: 'workload', waypoint: 'shop/wl' });
    // The same label on a Service-only waypoint is refused: no waypoint.
    const serviceOnly = trace(doc(...labelled, waypointGateway('wl', 'shop')), toReviews);
    expect(serviceOnly.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
  });

  it('a waypoint that does not exist is bypassed, and the step says so', () => {
    const t = trace(doc(...base({ 'istio.io/use-waypoint': 'missing' })), toReviews);
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
    const destination = facts(t, 'ztunnel').find((f) => f.by === 'destination');
    expect(destination?.by === 'destination' && destination.waypoint).toMatchObject({
      waypoint: undefined,
      bypass: 'missing',
      requested: 'shop/missing',
    });
  });

  it('a client outside the mesh reaches the ambient pod through its ztunnel in plaintext, past the waypoint', () => {
    const t = trace(
      doc(
        ...base({ 'istio.io/use-waypoint': 'waypoint' }),
        waypointGateway('waypoint', 'shop'),
        namespace('legacy'),
        pod('old', 'legacy', { ip: '10.244.3.30' }),
      ),
      { from: 'legacy/old', to: 'http://reviews.shop:9080/' },
    );
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-inbound']);
    expect(facts(t, 'waypointBypass')[0]).toMatchObject({ why: 'sourceNotInMesh', waypoint: 'shop/waypoint' });
    expect(facts(t, 'ztunnel').find((f) => f.by === 'inbound')).toMatchObject({ hbone: false, principal: undefined });
  });
});

describe('ingress gateway to an ambient Service with a waypoint', () => {
  const ingressGateway = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata:
      labels: {istio: ingressgateway, sidecar.istio.io/inject: "true"}
      annotations: {inject.istio.io/templates: gateway}
    spec:
      serviceAccountName: istio-ingressgateway
      containers: [{name: istio-proxy, image: auto, args: [proxy, router]}]`;
  const gatewayConfig = [
    istio(
      'Gateway',
      'public',
      'shop',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
        '  hosts: ["shop.example.com"]',
    ),
    istio(
      'VirtualService',
      'public',
      'shop',
      'hosts: [shop.example.com]\ngateways: [public]\nhttp:\n' +
        '- route: [{destination: {host: reviews, port: {number: 9080}}}]',
    ),
  ];
  const scenario = (nsLabels: Record<string, string>) =>
    doc(
      ...base({ 'istio.io/use-waypoint': 'waypoint', ...nsLabels }),
      waypointGateway('waypoint', 'shop'),
      namespace('istio-system'),
      ingressGateway,
      ...gatewayConfig,
    );
  const request = { from: 'istio-system/istio-ingressgateway', to: 'http://shop.example.com/' };

  it('without istio.io/ingress-use-waypoint the gateway sends straight to the pod (HBONE), past the waypoint', () => {
    const t = trace(scenario({}), request);
    expect(t.hops.map((h) => h.direction)).toEqual(['gateway', 'ztunnel-inbound']);
    expect(facts(t, 'waypointBypass')[0]).toMatchObject({ why: 'ingressWithoutLabel' });
    expect(t.outcome).toBe('routed');
  });

  it('with istio.io/ingress-use-waypoint=true it goes through the waypoint', () => {
    const t = trace(scenario({ 'istio.io/ingress-use-waypoint': 'true' }), request);
    expect(t.hops.map((h) => h.direction)).toEqual(['gateway', 'waypoint', 'ztunnel-inbound']);
    expect(facts(t, 'waypointBypass')).toEqual([]);
    // The gateway's CONNECT names the Service's VIP and port: the waypoint routes on that, not on the pod it would
    // have picked.
    expect(facts(t, 'waypoint')[0]).toMatchObject({
      target: '10.96.0.50:9080',
      chain: expect.stringContaining('reviews'),
    });
  });
});

describe('config ztunnel does not read', () => {
  it('a Sidecar in the client namespace and a VirtualService source match are named as not applying', () => {
    const sidecar = istio('Sidecar', 'default', 'shop', 'egress: [{hosts: ["./nothing.example.com"]}]');
    const vs = istio(
      'VirtualService',
      'by-source',
      'shop',
      'hosts: [reviews]\nhttp:\n- match: [{sourceLabels: {app: other}}]\n  route: [{destination: {host: reviews}}]',
    );
    const t = trace(doc(...base(), sidecar, vs), toReviews);
    expect(t.assumptions.find((a) => a.kind === 'ambientIgnores')).toEqual({
      kind: 'ambientIgnores',
      objects: ['Sidecar shop/default', 'VirtualService shop/by-source'],
    });
    // The Sidecar would hide reviews from a sidecar client; ztunnel still delivers.
    expect(t.outcome).toBe('routed');
    expect(trace(doc(...base()), toReviews).assumptions.some((a) => a.kind === 'ambientIgnores')).toBe(false);
  });
});

describe('ambient and sidecars', () => {
  it('a sidecar pod without HBONE: ztunnel sends plaintext, which a STRICT sidecar refuses', () => {
    // A mesh config without ISTIO_META_ENABLE_HBONE (the ambient profile sets it): the injector adds no tunnel label.
    const withSidecar = [
      meshConfig('trustDomain: cluster.local'),
      namespace('legacy', { 'istio-injection': 'enabled' }),
      pod('ratings-1', 'legacy', { labels: { app: 'ratings' }, ip: '10.244.3.30' }),
      service('ratings', 'legacy', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'ratings' } }),
    ];
    const request = { from: 'shop/client', to: 'http://ratings.legacy:9080/' };
    const permissive = trace(doc(...base(), ...withSidecar), request);
    expect(permissive.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'inbound']);
    expect(facts(permissive, 'ztunnel').find((f) => f.by === 'plaintext')).toMatchObject({ to: 'sidecar' });
    expect(permissive.outcome).toBe('routed');
    const strict = istio('PeerAuthentication', 'strict', 'legacy', 'mtls: {mode: STRICT}');
    expect(trace(doc(...base(), ...withSidecar, strict), request).outcome).not.toBe('routed');
  });

  it('a sidecar client calling an ambient pod: HBONE to its ztunnel, with the sidecar identity', () => {
    const t = trace(
      doc(
        ...base(),
        namespace('legacy', { 'istio-injection': 'enabled' }),
        pod('web', 'legacy', { ip: '10.244.3.40', serviceAccount: 'web' }),
      ),
      { from: 'legacy/web', to: 'http://reviews.shop:9080/' },
    );
    expect(t.hops.map((h) => h.direction)).toEqual(['outbound', 'ztunnel-inbound']);
    expect(facts(t, 'ztunnel').find((f) => f.by === 'inbound')?.principal).toBe('cluster.local/ns/legacy/sa/web');
    expect(t.outcome).toBe('routed');
  });
});

describe('the ambient examples', () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

  it('ambient-l4: ztunnel to ztunnel, and the L4 policy refuses curl', () => {
    const text = fixture('ambient-l4');
    const t = trace(text, { from: 'shop/sleep', to: 'http://httpbin.shop:8000/headers' });
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
    expect(trace(text, { from: 'shop/curl', to: 'http://httpbin.shop:8000/headers' }).outcome).toBe('denied');
  });

  it('ambient-waypoint: productpage through the namespace waypoint, reviews (opted out) without it', () => {
    const text = fixture('ambient-waypoint');
    const viaWaypoint = trace(text, { from: 'shop/sleep', to: 'http://productpage.shop:9080/' });
    expect(viaWaypoint.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    const optedOut = trace(text, { from: 'shop/sleep', to: 'http://reviews.shop:9080/' });
    expect(optedOut.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
    expect(facts(optedOut, 'ztunnel').find((f) => f.by === 'destination')).toMatchObject({
      waypoint: { optedOut: true },
    });
  });

  it('ambient-waypoint-httproute: the waypoint applies the HTTPRoute canary and sends to reviews-v1', () => {
    const t = trace(fixture('ambient-waypoint-httproute'), {
      from: 'shop/sleep',
      to: 'http://reviews.shop:9080/reviews/1',
    });
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(t.hops[1]).toMatchObject({
      filterChain: 'inbound-vip|9080|http|reviews.shop.svc.cluster.local',
      cluster: 'inbound-vip|9080|http|reviews-v1.shop.svc.cluster.local',
    });
    expect(facts(t, 'route').find((f) => f.by === 'weight')).toMatchObject({ chosen: { weight: 90 } });
    expect(facts(t, 'ztunnel').find((f) => f.by === 'inbound')?.pod).toMatch(/^shop\/reviews-v1-/);
  });

  it('ambient-l7-policy-selector: ztunnel refuses even GET; with targetRefs GET passes, DELETE gets 403', () => {
    const text = fixture('ambient-l7-policy-selector');
    const t = trace(text, { from: 'shop/sleep', to: 'http://reviews.shop:9080/' });
    expect(t).toMatchObject({ outcome: 'denied', status: 503, responseFlags: 'UF' });
    const atZtunnel = facts(t, 'authorization').find((f) => f.at === undefined);
    expect(atZtunnel).toMatchObject({
      allowed: false,
      httpAtZtunnel: [{ policy: 'shop/reviews-read-only', action: 'ALLOW', attributes: ['to.operation.methods'] }],
    });
    expect(trace(text, { from: 'shop/sleep', to: 'http://ratings.shop:9080/' }).outcome).toBe('routed');
    const del = trace(text, { from: 'shop/sleep', to: 'http://ratings.shop:9080/', method: 'DELETE' });
    expect(del).toMatchObject({ outcome: 'denied', status: 403 });
  });

  it('ambient-waypoint-missing: the missing waypoint is bypassed and the step says so', () => {
    const t = trace(fixture('ambient-waypoint-missing'), { from: 'shop/sleep', to: 'http://productpage.shop:9080/' });
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
    expect(facts(t, 'ztunnel').find((f) => f.by === 'destination')).toMatchObject({
      waypoint: { bypass: 'missing', requested: 'shop/waypoint' },
    });
  });
});
