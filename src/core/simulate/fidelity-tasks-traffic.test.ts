/**
 * Scenarios after istio.io's traffic-management tasks (request routing, fault injection, traffic shifting, TCP
 * traffic shifting, mirroring, circuit breaking, timeouts): each case writes the task's objects anew for Bookinfo-like
 * workloads and asserts what the task shows (which version answers, the status curl prints, the cluster in the log).
 */
import { describe, expect, it } from 'vitest';
import {
  doc,
  istio,
  namespace,
  pod,
  service,
  simulateScenario as trace,
  factOf as fact,
  callResult as summary,
} from '../testkit.ts';
import type { Simulation } from './facts.ts';

/** The pod that answered: the proxy of the last inbound hop. */
const answeredBy = (t: Simulation) => t.hops.filter((h) => h.direction === 'inbound').at(-1)?.proxy;

// Bookinfo in `default` (injected): productpage → reviews v1/v2/v3 → ratings; details.
const version = (app: string, v: string, ip: string, sa = `bookinfo-${app}`) =>
  pod(`${app}-${v}`, 'default', {
    labels: { app, version: v },
    ip,
    serviceAccount: sa,
    ports: [{ containerPort: 9080 }],
  });
const bookinfo = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  service('productpage', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'productpage' } }),
  service('details', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'details' } }),
  service('reviews', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
  service('ratings', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'ratings' } }),
  version('productpage', 'v1', '10.244.2.1'),
  version('details', 'v1', '10.244.2.2'),
  version('reviews', 'v1', '10.244.2.11'),
  version('reviews', 'v2', '10.244.2.12'),
  version('reviews', 'v3', '10.244.2.13'),
  version('ratings', 'v1', '10.244.2.21'),
);
// The subsets of destination-rule-all.yaml, written for the four services.
const subsets = (host: string, versions: string[]) =>
  istio(
    'DestinationRule',
    host,
    'default',
    `host: ${host}\nsubsets:\n${versions.map((v) => `- name: ${v}\n  labels: {version: ${v}}`).join('\n')}`,
  );
const allSubsets = doc(
  subsets('productpage', ['v1']),
  subsets('details', ['v1']),
  subsets('reviews', ['v1', 'v2', 'v3']),
  subsets('ratings', ['v1']),
);
const toV1 = (host: string) =>
  istio(
    'VirtualService',
    host,
    'default',
    `hosts: [${host}]\nhttp:\n- route:\n  - destination: {host: ${host}, subset: v1}`,
  );
const allV1 = doc(toV1('productpage'), toV1('details'), toV1('reviews'), toV1('ratings'));
const fromProductpage = { from: 'default/productpage-v1', to: 'http://reviews:9080/reviews/0' };

describe('request routing (istio.io tasks/traffic-management/request-routing)', () => {
  it('all traffic to v1: productpage always gets reviews-v1', () => {
    const t = trace(doc(bookinfo, allSubsets, allV1), fromProductpage);
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|9080|v1|reviews.default.svc.cluster.local');
    expect(t.hops[0]?.endpoints).toEqual(['10.244.2.11:9080']);
    expect(answeredBy(t)).toBe('default/reviews-v1');
  });

  const jason = istio(
    'VirtualService',
    'reviews',
    'default',
    'hosts: [reviews]\nhttp:\n- match: [{headers: {end-user: {exact: jason}}}]\n  route:\n' +
      '  - destination: {host: reviews, subset: v2}\n- route:\n  - destination: {host: reviews, subset: v1}',
  );
  it('user identity: end-user jason sees reviews-v2, everyone else reviews-v1', () => {
    const text = doc(bookinfo, allSubsets, toV1('productpage'), toV1('details'), toV1('ratings'), jason);
    const asJason = trace(text, { ...fromProductpage, headers: { 'end-user': 'jason' } });
    expect(answeredBy(asJason)).toBe('default/reviews-v2');
    expect(asJason.hops[0]?.cluster).toBe('outbound|9080|v2|reviews.default.svc.cluster.local');
    expect(answeredBy(trace(text, fromProductpage))).toBe('default/reviews-v1');
    // The header match is exact and case-sensitive in its value.
    expect(answeredBy(trace(text, { ...fromProductpage, headers: { 'end-user': 'Jason' } }))).toBe(
      'default/reviews-v1',
    );
  });
});

describe('fault injection (istio.io tasks/traffic-management/fault-injection)', () => {
  const fromReviews = (headers: Record<string, string> = {}) => ({
    from: 'default/reviews-v2',
    to: 'http://ratings:9080/ratings/0',
    headers,
  });
  it('an HTTP abort of 500 for jason: the sidecar of reviews answers 500 with flag FI; others reach ratings', () => {
    const abort = istio(
      'VirtualService',
      'ratings',
      'default',
      'hosts: [ratings]\nhttp:\n- match: [{headers: {end-user: {exact: jason}}}]\n  fault:\n' +
        '    abort: {percentage: {value: 100.0}, httpStatus: 500}\n' +
        '  route:\n  - destination: {host: ratings, subset: v1}\n' +
        '- route:\n  - destination: {host: ratings, subset: v1}',
    );
    const text = doc(bookinfo, allSubsets, abort);
    const t = trace(text, fromReviews({ 'end-user': 'jason' }));
    expect(summary(t)).toEqual({ outcome: 'fault', status: 500, responseFlags: 'FI' });
    expect(t.hops).toHaveLength(1);
    expect(summary(trace(text, fromReviews()))).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
  });

  it('a 7s delay for jason still reaches ratings-v1 (the delay shows as flag DI)', () => {
    const delay = istio(
      'VirtualService',
      'ratings',
      'default',
      'hosts: [ratings]\nhttp:\n- match: [{headers: {end-user: {exact: jason}}}]\n  fault:\n' +
        '    delay: {percentage: {value: 100.0}, fixedDelay: 7s}\n' +
        '  route:\n  - destination: {host: ratings, subset: v1}\n' +
        '- route:\n  - destination: {host: ratings, subset: v1}',
    );
    const t = trace(doc(bookinfo, allSubsets, delay), fromReviews({ 'end-user': 'jason' }));
    expect(t.outcome).toBe('routed');
    expect(t.status).toBe(200);
    expect(t.responseFlags).toBe('DI');
    expect(answeredBy(t)).toBe('default/ratings-v1');
  });
  const ratingsFault = (fault: string) =>
    istio(
      'VirtualService',
      'ratings',
      'default',
      `hosts: [ratings]\nhttp:\n- fault:\n${fault}\n  route:\n  - destination: {host: ratings, subset: v1}`,
    );
  it('a delay with no percentage delays nothing (the legacy integer percent is 0); percent: 100 delays all', () => {
    const none = trace(doc(bookinfo, allSubsets, ratingsFault('    delay: {fixedDelay: 7s}')), fromReviews());
    expect(summary(none)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    const legacy = trace(
      doc(bookinfo, allSubsets, ratingsFault('    delay: {fixedDelay: 7s, percent: 100}')),
      fromReviews(),
    );
    expect(legacy.responseFlags).toBe('DI');
  });
  it("a delay then an abort, both for every request: 503 with flags DI,FI on the caller's line", () => {
    const both = ratingsFault(
      '    delay: {percentage: {value: 100}, fixedDelay: 5s}\n    abort: {percentage: {value: 100}, httpStatus: 503}',
    );
    const t = trace(doc(bookinfo, allSubsets, both), fromReviews());
    expect(summary(t)).toEqual({ outcome: 'fault', status: 503, responseFlags: 'DI,FI' });
    expect(t.hops[0]?.accessLog).toMatch(/" 503 DI,FI fault_filter_abort /);
  });
});

describe('traffic shifting (istio.io tasks/traffic-management/traffic-shifting)', () => {
  it('50/50 between v1 and v3 is one route with two weighted clusters; 100% v3 always answers from v3', () => {
    const split = istio(
      'VirtualService',
      'reviews',
      'default',
      'hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews, subset: v1}\n    weight: 50\n' +
        '  - destination: {host: reviews, subset: v3}\n    weight: 50',
    );
    const t = trace(doc(bookinfo, allSubsets, split), fromProductpage);
    const weight = t.steps.map((s) => s.fact).find((f) => f.kind === 'route' && f.by === 'weight');
    expect(weight).toMatchObject({
      clusters: [
        { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 50 },
        { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 50 },
      ],
    });
    const allV3 = istio(
      'VirtualService',
      'reviews',
      'default',
      'hosts: [reviews]\nhttp:\n- route:\n  - destination: {host: reviews, subset: v3}\n    weight: 100',
    );
    expect(answeredBy(trace(doc(bookinfo, allSubsets, allV3), fromProductpage))).toBe('default/reviews-v3');
  });
});

describe('TCP traffic shifting (istio.io tasks/traffic-management/tcp-traffic-shifting)', () => {
  const tcpEcho = doc(
    namespace('istio-io-tcp-traffic-shifting', { 'istio-injection': 'enabled' }),
    namespace('istio-system'),
    service('tcp-echo', 'istio-io-tcp-traffic-shifting', {
      ports: [
        { port: 9000, name: 'tcp' },
        { port: 9001, name: 'tcp-other' },
      ],
      selector: { app: 'tcp-echo' },
    }),
    pod('tcp-echo-v1', 'istio-io-tcp-traffic-shifting', {
      labels: { app: 'tcp-echo', version: 'v1' },
      ip: '10.244.3.1',
    }),
    pod('tcp-echo-v2', 'istio-io-tcp-traffic-shifting', {
      labels: { app: 'tcp-echo', version: 'v2' },
      ip: '10.244.3.2',
    }),
    pod('curl', 'istio-io-tcp-traffic-shifting', { labels: { app: 'curl' }, ip: '10.244.3.9' }),
    istio(
      'DestinationRule',
      'tcp-echo-destination',
      'istio-io-tcp-traffic-shifting',
      'host: tcp-echo\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v2\n  labels: {version: v2}',
    ),
  );
  const gateway = doc(
    pod('istio-ingressgateway', 'istio-system', {
      labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      ip: '10.244.0.100',
    }),
    service('istio-ingressgateway', 'istio-system', {
      type: 'LoadBalancer',
      ports: [{ port: 31400, name: 'tcp', targetPort: 31400 }],
      selector: { istio: 'ingressgateway' },
    }),
    istio(
      'Gateway',
      'tcp-echo-gateway',
      'istio-io-tcp-traffic-shifting',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 31400, name: tcp, protocol: TCP}\n  hosts: ["*"]',
    ),
  );
  const route = (weights: [number, number]) =>
    istio(
      'VirtualService',
      'tcp-echo',
      'istio-io-tcp-traffic-shifting',
      'hosts: ["*"]\ngateways: [tcp-echo-gateway]\ntcp:\n- match: [{port: 31400}]\n  route:\n' +
        `  - destination: {host: tcp-echo, port: {number: 9000}, subset: v1}\n    weight: ${weights[0]}\n` +
        `  - destination: {host: tcp-echo, port: {number: 9000}, subset: v2}\n    weight: ${weights[1]}`,
    );
  it('all TCP traffic through the gateway goes to tcp-echo v1 ("one")', () => {
    const t = trace(doc(tcpEcho, gateway, route([100, 0])), {
      from: 'istio-system/istio-ingressgateway',
      to: 'tcp://tcp-echo.example:31400',
      protocol: 'tcp',
    });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]).toMatchObject({
      direction: 'gateway',
      listener: '0.0.0.0_31400',
      cluster: 'outbound|9000|v1|tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local',
    });
    expect(answeredBy(t)).toBe('istio-io-tcp-traffic-shifting/tcp-echo-v1');
  });
  it('80/20: the TCP chain carries both weighted clusters', () => {
    const t = trace(doc(tcpEcho, gateway, route([80, 20])), {
      from: 'istio-system/istio-ingressgateway',
      to: 'tcp://tcp-echo.example:31400',
      protocol: 'tcp',
    });
    const weight = t.steps.map((s) => s.fact).find((f) => f.kind === 'route' && f.by === 'weight');
    expect(weight).toMatchObject({
      in: 'filterChain',
      clusters: [
        { name: 'outbound|9000|v1|tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local', weight: 80 },
        { name: 'outbound|9000|v2|tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local', weight: 20 },
      ],
    });
  });
  it('inside the mesh, curl → tcp-echo:9000 without a VirtualService reaches either version over mTLS', () => {
    const t = trace(tcpEcho, {
      from: 'istio-io-tcp-traffic-shifting/curl',
      to: 'tcp-echo:9000',
      protocol: 'tcp',
    });
    expect(summary(t)).toMatchObject({ outcome: 'routed' });
    expect(t.hops[0]?.cluster).toBe('outbound|9000||tcp-echo.istio-io-tcp-traffic-shifting.svc.cluster.local');
  });
});

export { bookinfo, allSubsets, fact };
