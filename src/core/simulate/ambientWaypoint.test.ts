import { describe, expect, it } from 'vitest';
import { analyze, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, proxyConfigFor, service } from '../testkit.ts';
import { proxyConfigTables } from '../xds/tables.ts';
import type { Simulation, StepFact } from './facts.ts';
import { simulateRequest } from './trace.ts';

// The waypoint's layer 7: its own config (xds/waypoint.ts) and the walk through it (simulate/waypoint.ts).

function trace(text: string, request: TraceRequest): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}
function facts<K extends StepFact['kind']>(t: Simulation, kind: K): Array<Extract<StepFact, { kind: K }>> {
  return t.steps.filter((s) => s.fact.kind === kind).map((s) => s.fact as Extract<StepFact, { kind: K }>);
}
const waypointHop = (t: Simulation) => t.hops.find((h) => h.direction === 'waypoint');

const waypointGateway = (name: string, ns: string, from = 'Same') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE, allowedRoutes: {namespaces: {from: ${from}}}}]`;

const REVIEWS = 'reviews.shop.svc.cluster.local';
const V1 = 'reviews-v1.shop.svc.cluster.local';
const V2 = 'reviews-v2.shop.svc.cluster.local';

// shop is ambient and uses the namespace waypoint; reviews has two versions, each with its own Service.
const base = (nsLabels: Record<string, string> = { 'istio.io/use-waypoint': 'waypoint' }) => [
  namespace('shop', { 'istio.io/dataplane-mode': 'ambient', ...nsLabels }),
  waypointGateway('waypoint', 'shop'),
  pod('client', 'shop', { labels: { app: 'client' }, ip: '10.244.1.10', serviceAccount: 'client', nodeName: 'node-a' }),
  pod('reviews-v1', 'shop', {
    labels: { app: 'reviews', version: 'v1' },
    ip: '10.244.2.21',
    serviceAccount: 'reviews',
    nodeName: 'node-b',
  }),
  pod('reviews-v2', 'shop', {
    labels: { app: 'reviews', version: 'v2' },
    ip: '10.244.2.22',
    serviceAccount: 'reviews',
    nodeName: 'node-b',
  }),
  service('reviews', 'shop', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.50',
  }),
  service('reviews-v1', 'shop', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews', version: 'v1' },
    clusterIP: '10.96.0.51',
  }),
  service('reviews-v2', 'shop', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews', version: 'v2' },
    clusterIP: '10.96.0.52',
  }),
];
const toReviews: TraceRequest = { from: 'shop/client', to: 'http://reviews.shop:9080/' };

const canary = (ns = 'shop', weights: [number, number] = [90, 10]) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews-canary, namespace: ${ns}}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, namespace: shop, port: 9080}]
  rules:
  - backendRefs:
    - {name: reviews-v1, namespace: shop, port: 9080, weight: ${weights[0]}}
    - {name: reviews-v2, namespace: shop, port: 9080, weight: ${weights[1]}}`;

describe('waypoint routing (listener_waypoint.go)', () => {
  it('an HTTPRoute for the Service splits 90/10 at the waypoint: its clusters, then HBONE to the chosen pod', () => {
    const t = trace(doc(...base(), canary()), toReviews);
    expect(t.hops.map((h) => h.direction)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    const hop = waypointHop(t);
    expect(hop).toMatchObject({
      listener: 'main_internal',
      filterChain: `inbound-vip|9080|http|${REVIEWS}`,
      routeConfig: `inbound-vip|9080|http|${REVIEWS}`,
      virtualHost: 'inbound|http|9080',
      cluster: `inbound-vip|9080|http|${V1}`,
      endpoint: '10.244.2.21:9080',
    });
    const split = facts(t, 'route').find((f) => f.by === 'weight');
    expect(split).toMatchObject({
      chosen: { name: `inbound-vip|9080|http|${V1}`, weight: 90 },
      clusters: [
        { name: `inbound-vip|9080|http|${V1}`, weight: 90 },
        { name: `inbound-vip|9080|http|${V2}`, weight: 10 },
      ],
    });
    // The route came from the HTTPRoute (as the VirtualService istiod derives from it).
    expect(t.steps.find((s) => s.fact.kind === 'route' && s.fact.by === 'match')?.sources[0]).toMatchObject({
      kind: 'HTTPRoute',
      name: 'reviews-canary',
    });
    expect(t.hops.at(-1)?.endpoint).toBe('10.244.2.21:9080');
    expect(t.outcome).toBe('routed');
    expect(t.status).toBe(200);
    // The waypoint logs the request it forwarded through connect_originate.
    expect(hop?.accessLog).toContain(`"envoy://connect_originate/10.244.2.21:9080" inbound-vip|9080|http|${V1}`);
    // The heavier side wins the trace: 10/90 follows v2.
    expect(waypointHop(trace(doc(...base(), canary('shop', [10, 90])), toReviews))?.endpoint).toBe('10.244.2.22:9080');
  });

  it('without a route the waypoint sends to the Service itself (the default route to its http cluster)', () => {
    const hop = waypointHop(trace(doc(...base()), toReviews));
    expect(hop).toMatchObject({ route: 'default', cluster: `inbound-vip|9080|http|${REVIEWS}` });
  });

  it('routing is keyed on the Service VIP and port, not the Host header (istio#49149)', () => {
    // A VirtualService for the name the client puts in Host is not one for reviews: the waypoint ignores it.
    const byHost = istio(
      'VirtualService',
      'by-host',
      'shop',
      'hosts: [reviews.example.com]\nhttp:\n- route: [{destination: {host: reviews-v2}}]',
    );
    const t = trace(doc(...base(), byHost), { ...toReviews, headers: { host: 'reviews.example.com' } });
    expect(waypointHop(t)).toMatchObject({
      filterChain: `inbound-vip|9080|http|${REVIEWS}`,
      route: 'default',
      cluster: `inbound-vip|9080|http|${REVIEWS}`,
    });
    expect(facts(t, 'virtualHost')[0]).toMatchObject({ hostHeader: 'reviews.example.com', by: 'catchAll' });
    // Dialling reviews-v2's VIP with reviews' Host goes to reviews-v2.
    const v2 = trace(doc(...base()), {
      from: 'shop/client',
      to: 'http://reviews-v2.shop:9080/',
      headers: { host: 'reviews.shop' },
    });
    expect(waypointHop(v2)?.filterChain).toBe(`inbound-vip|9080|http|${V2}`);
  });

  it("routes only from the Service's namespace or the waypoint's; source labels are dropped", () => {
    const vs = (ns: string) =>
      istio('VirtualService', 'to-v2', ns, `hosts: [${REVIEWS}]\nhttp:\n- route: [{destination: {host: ${V2}}}]`);
    const fromShop = waypointHop(trace(doc(...base(), vs('shop')), toReviews));
    expect(fromShop?.cluster).toBe(`inbound-vip|9080|http|${V2}`);
    const elsewhere = trace(doc(...base(), namespace('team'), vs('team')), toReviews);
    expect(waypointHop(elsewhere)?.cluster).toBe(`inbound-vip|9080|http|${REVIEWS}`);
    // A consumer HTTPRoute in another namespace is not used by the waypoint either.
    const consumer = trace(doc(...base(), namespace('team'), canary('team')), toReviews);
    expect(waypointHop(consumer)?.cluster).toBe(`inbound-vip|9080|http|${REVIEWS}`);
    // A match on source labels never matches at a waypoint; the next rule takes the request.
    const bySource = istio(
      'VirtualService',
      'by-source',
      'shop',
      'hosts: [reviews]\nhttp:\n- match: [{sourceLabels: {app: client}}]\n' +
        '  route: [{destination: {host: reviews-v2}}]\n' +
        '- route: [{destination: {host: reviews-v1}}]',
    );
    expect(waypointHop(trace(doc(...base(), bySource), toReviews))?.cluster).toBe(`inbound-vip|9080|http|${V1}`);
  });

  it('DestinationRule subsets become the waypoint clusters inbound-vip|PORT|http/SUBSET|HOST', () => {
    const dr = istio(
      'DestinationRule',
      'reviews',
      'shop',
      'host: reviews\nsubsets: [{name: v2, labels: {version: v2}}]',
    );
    const vs = istio(
      'VirtualService',
      'reviews',
      'shop',
      'hosts: [reviews]\nhttp:\n- route: [{destination: {host: reviews, subset: v2}}]',
    );
    const t = trace(doc(...base(), dr, vs), toReviews);
    expect(waypointHop(t)).toMatchObject({
      cluster: `inbound-vip|9080|http/v2|${REVIEWS}`,
      endpoint: '10.244.2.22:9080',
    });
  });

  it('a TCP port gets a TCP chain: the weighted TCP route of a VirtualService, no HTTP routing', () => {
    const text = doc(
      ...base(),
      istio('VirtualService', 'tcp', 'shop', 'hosts: [reviews]\ntcp:\n- route: [{destination: {host: reviews-v2}}]'),
    ).replaceAll('{port: 9080, name: http', '{port: 9080, name: tcp-db');
    const t = trace(text, { from: 'shop/client', to: 'reviews.shop', port: 9080, protocol: 'tcp' });
    expect(waypointHop(t)).toMatchObject({
      filterChain: `inbound-vip|9080|tcp|${REVIEWS}`,
      cluster: `inbound-vip|9080|tcp|${V2}`,
    });
    expect(waypointHop(t)?.routeConfig).toBeUndefined();
  });

  it('a redirect rule is answered by the waypoint with the Location Envoy writes', () => {
    const redirect = istio(
      'VirtualService',
      'moved',
      'shop',
      'hosts: [reviews]\nhttp:\n- match: [{uri: {prefix: /old}}]\n  redirect: {uri: /new}\n' +
        '- route: [{destination: {host: reviews}}]',
    );
    const t = trace(doc(...base(), redirect), { ...toReviews, to: 'http://reviews.shop:9080/old?x=1' });
    expect(t).toMatchObject({ outcome: 'redirect', status: 301 });
    const last = t.steps.at(-1)?.fact;
    expect(last?.kind === 'outcome' && last.end).toEqual({
      reason: 'REDIRECT',
      location: 'http://reviews.shop:9080/new?x=1',
    });
    expect(waypointHop(t)?.accessLog).toContain('" 301 - redirect ');
  });

  it('a port the Service does not declare has no chain on main_internal', () => {
    const t = trace(doc(...base()), { from: 'shop/client', to: 'http://reviews.shop:9999/' });
    expect(t.outcome).toBe('no-listener');
    expect(facts(t, 'waypoint')[0]?.chain).toBeUndefined();
  });
});

describe('authorization at the waypoint (policyattachment.go, authz builder)', () => {
  const l7 = (name: string, attach: string, action = 'DENY') =>
    istio(
      'AuthorizationPolicy',
      name,
      'shop',
      `${attach}\naction: ${action}\nrules: [{to: [{operation: {methods: [DELETE]}}]}]`,
    );
  const del: TraceRequest = { ...toReviews, method: 'DELETE' };

  it('a policy attached with targetRefs to the Service or the waypoint Gateway is enforced there: 403 RBAC', () => {
    for (const attach of [
      'targetRefs: [{kind: Service, group: "", name: reviews}]',
      'targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]',
    ]) {
      const t = trace(doc(...base(), l7('no-delete', attach)), del);
      expect(t.outcome).toBe('denied');
      expect(t.status).toBe(403);
      const denial = t.steps.find((s) => s.fact.kind === 'authorization');
      expect(denial?.proxy).toBe(waypointHop(t)?.proxy);
      expect(denial?.fact).toMatchObject({ allowed: false, at: 'waypoint' });
      expect(waypointHop(t)?.accessLog).toContain(
        '403 - rbac_access_denied_matched_policy[ns[shop]-policy[no-delete]-rule[0]]',
      );
      // GET is not denied: the request goes on to reviews.
      expect(trace(doc(...base(), l7('no-delete', attach)), toReviews).outcome).toBe('routed');
    }
  });

  it('a targetRef to another Service does not apply, and a selector never does at a waypoint', () => {
    const other = l7('no-delete', 'targetRefs: [{kind: Service, group: "", name: reviews-v1}]');
    expect(trace(doc(...base(), other), del).outcome).toBe('routed');
    // Selecting the waypoint's own pod: waypoints never use selector (policyattachment.go: ShouldAttachPolicy).
    const selectsWaypoint = l7(
      'no-delete',
      'selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: waypoint}}',
    );
    const t = trace(doc(...base(), selectsWaypoint), del);
    expect(t.outcome).toBe('routed');
    expect(facts(t, 'authorization').find((f) => f.at === 'waypoint')?.allowed).toBe(true);
  });

  it('the destination ztunnel still enforces L4 policy, and sees the waypoint identity', () => {
    const allowFrom = (sa: string) =>
      istio(
        'AuthorizationPolicy',
        'reviews-from',
        'shop',
        `selector: {matchLabels: {app: reviews}}\naction: ALLOW\n` +
          `rules: [{from: [{source: {principals: ["cluster.local/ns/shop/sa/${sa}"]}}]}]`,
      );
    expect(trace(doc(...base(), allowFrom('waypoint')), toReviews).outcome).toBe('routed');
    const t = trace(doc(...base(), allowFrom('client')), toReviews);
    expect(t.outcome).toBe('denied');
    expect(t.steps.filter((s) => s.fact.kind === 'authorization').map((s) => s.proxy)).toEqual([
      waypointHop(t)?.proxy,
      'ztunnel@node-b',
    ]);
  });
});

describe('L7 policy selected onto ztunnel (ambient/authorization.go)', () => {
  const noWaypoint = base({});
  const selectorPolicy = (action: string) =>
    istio(
      'AuthorizationPolicy',
      'l7',
      'shop',
      `selector: {matchLabels: {app: reviews}}\naction: ${action}\nrules: [{to: [{operation: {methods: [GET]}}]}]`,
    );

  it('an ALLOW with HTTP attributes allows nothing at ztunnel, and the step says why', () => {
    const t = trace(doc(...noWaypoint, selectorPolicy('ALLOW')), toReviews);
    expect(t.outcome).toBe('denied');
    const at = facts(t, 'authorization')[0];
    expect(at?.httpAtZtunnel).toEqual([{ policy: 'shop/l7', action: 'ALLOW', attributes: ['to.operation.methods'] }]);
  });

  it('a DENY with only HTTP attributes never fires at ztunnel; with a port too it denies every method', () => {
    expect(trace(doc(...noWaypoint, selectorPolicy('DENY')), toReviews).outcome).toBe('routed');
    const mixed = selectorPolicy('DENY').replace('methods: [GET]', 'methods: [GET], ports: ["9080"]');
    expect(trace(doc(...noWaypoint, mixed), { ...toReviews, method: 'POST' }).outcome).toBe('denied');
  });
});

describe('the waypoint Envoy config (proxy-config of a waypoint pod)', () => {
  const dr = istio('DestinationRule', 'reviews', 'shop', 'host: reviews\nsubsets: [{name: v1, labels: {version: v1}}]');
  const config = () => proxyConfigFor(doc(...base(), canary(), dr), 'shop/waypoint-0');

  it('connect_terminate on 15008, main_internal with a chain per Service port, connect_originate', () => {
    const c = config();
    expect(c.proxy.kind).toBe('waypoint');
    expect(c.listeners.map((l) => [l.name, l.port, l.internal === true])).toEqual([
      ['connect_terminate', 15008, false],
      ['main_internal', 0, true],
      ['connect_originate', 0, true],
    ]);
    const main = c.listeners.find((l) => l.name === 'main_internal');
    expect(main?.filterChains.map((ch) => [ch.name, ch.match.prefixRanges, ch.match.destinationPort])).toEqual([
      [`inbound-vip|9080|http|${REVIEWS}`, ['10.96.0.50/32'], 9080],
      [`inbound-vip|9080|http|${V1}`, ['10.96.0.51/32'], 9080],
      [`inbound-vip|9080|http|${V2}`, ['10.96.0.52/32'], 9080],
    ]);
    expect(c.clusters.map((cl) => cl.name)).toEqual([
      'main_internal',
      'encap',
      `inbound-vip|9080|http|${REVIEWS}`,
      `inbound-vip|9080|http/v1|${REVIEWS}`,
      `inbound-vip|9080|http|${V1}`,
      `inbound-vip|9080|http|${V2}`,
      'connect_originate',
    ]);
    expect(c.endpoints.find((e) => e.clusterName === `inbound-vip|9080|http/v1|${REVIEWS}`)?.endpoints).toHaveLength(1);
    const reviewsRoutes = c.routes.find((r) => r.name === `inbound-vip|9080|http|${REVIEWS}`);
    expect(reviewsRoutes?.virtualHosts.map((v) => [v.name, v.domains])).toEqual([['inbound|http|9080', ['*']]]);
  });

  it('istioctl prints its listeners by name and matcher: envoy://main_internal, ip=VIP -> port=PORT', () => {
    const table = proxyConfigTables(config()).listeners;
    expect(table.headers).toEqual(['LISTENER', 'CHAIN', 'MATCH', 'DESTINATION']);
    expect(table.rows.map((r) => r.cells)).toContainEqual([
      'envoy://main_internal',
      `inbound-vip|9080|http|${REVIEWS}`,
      'ip=10.96.0.50 -> port=9080',
      'Inline Route: /*',
    ]);
    expect(table.rows.map((r) => r.cells)).toContainEqual([
      'connect_terminate',
      'default',
      'ALL',
      'Cluster: main_internal',
    ]);
    // A sidecar's table keeps its shape.
    const sidecar = doc(namespace('web', { 'istio-injection': 'enabled' }), pod('web', 'web', { ip: '10.244.3.3' }));
    expect(proxyConfigTables(proxyConfigFor(sidecar, 'web/web')).listeners.headers[0]).toBe('ADDRESSES');
  });

  it('a route to a Service the waypoint does not serve gets an outbound cluster', () => {
    const text = doc(
      ...base(),
      namespace('other'),
      service('ratings', 'other', { ports: [{ port: 9080, name: 'http' }], clusterIP: '10.96.0.60' }),
      istio(
        'VirtualService',
        'to-ratings',
        'shop',
        'hosts: [reviews]\nhttp:\n- route: [{destination: {host: ratings.other.svc.cluster.local}}]',
      ),
    );
    const c = proxyConfigFor(text, 'shop/waypoint-0');
    expect(c.clusters.map((cl) => cl.name)).toContain('outbound|9080||ratings.other.svc.cluster.local');
  });
});

describe("ztunnel's DNS proxy (istio-cni ambient.dnsCapture, on by default)", () => {
  const entry = istio(
    'ServiceEntry',
    'corp-db',
    'shop',
    'hosts: [db.corp.internal]\nlocation: MESH_EXTERNAL\nresolution: DNS\n' +
      'ports: [{number: 5432, name: tcp, protocol: TCP}]',
  );
  const toDb: TraceRequest = { from: 'shop/client', to: 'db.corp.internal', port: 5432, protocol: 'tcp' };

  it('answers an ambient pod: a Service by its ClusterIP, a ServiceEntry without address by the allocated one', () => {
    const t = trace(doc(...base(), entry), toReviews);
    expect(t.dns).toMatchObject({ resolver: 'ztunnel', answers: ['10.96.0.50'] });
    expect(t.steps[0]?.fact).toMatchObject({ kind: 'dns', resolver: 'ztunnel' });
    const db = trace(doc(...base(), entry), toDb);
    expect(db.dns.resolver).toBe('ztunnel');
    expect(db.dns.answers[0]).toMatch(/^240\.240\./);
    // ztunnel knows the ServiceEntry by that address and connects to its host.
    expect(db.steps.find((s) => s.fact.kind === 'ztunnel' && s.fact.by === 'destination')?.fact).toMatchObject({
      service: 'db.corp.internal',
    });
    expect(db.outcome).toBe('routed');
  });

  it('with DNS capture off kube-dns answers, and knows no ServiceEntry', () => {
    const result = simulateRequest(analyze([{ name: 's.yaml', text: doc(...base(), entry) }]), toDb, {
      dnsCapture: false,
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.simulation.dns).toMatchObject({ resolver: 'kube-dns', rcode: 'NXDOMAIN' });
    expect(result.simulation.steps[0]?.fact).toMatchObject({ resolver: 'kubeDnsZtunnelOff' });
  });
});
