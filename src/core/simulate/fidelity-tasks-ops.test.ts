/**
 * Scenarios after istio.io's "Networking Problems" page (ops/common-problems/network-issues) and the requirements for
 * pods and services: subset policies, TLS conflicts after a DestinationRule, gateway versus mesh VirtualServices,
 * HTTP/2 connection reuse across gateways, and port naming. Objects written anew; expectations as the page states.
 */
import { describe, expect, it } from 'vitest';
import {
  clusterNamed,
  doc,
  istio,
  namespace,
  pod,
  proxyConfigFor,
  service,
  simulateScenario as trace,
  callResult as summary,
} from '../testkit.ts';

const app = doc(
  namespace('istio-system'),
  namespace('default', { 'istio-injection': 'enabled' }),
  service('reviews', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
  pod('reviews-v1', 'default', { labels: { app: 'reviews', version: 'v1' }, ip: '10.244.60.1' }),
  pod('reviews-v2', 'default', { labels: { app: 'reviews', version: 'v2' }, ip: '10.244.60.2' }),
  service('helloworld', 'default', { ports: [{ port: 5000, name: 'http' }], selector: { app: 'helloworld' } }),
  pod('helloworld-v1', 'default', { labels: { app: 'helloworld', version: 'v1' }, ip: '10.244.60.11' }),
  pod('helloworld-v2', 'default', { labels: { app: 'helloworld', version: 'v2' }, ip: '10.244.60.12' }),
  pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.244.60.9' }),
  pod('istio-ingressgateway', 'istio-system', {
    labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
    ip: '10.244.0.80',
  }),
  service('istio-ingressgateway', 'istio-system', {
    selector: { istio: 'ingressgateway' },
    type: 'LoadBalancer',
    ports: [
      { port: 80, name: 'http2', targetPort: 8080 },
      { port: 443, name: 'https', targetPort: 8443 },
    ],
  }),
);
const gw = 'istio-system/istio-ingressgateway';

describe('destination rule policy not activated', () => {
  it('a subset-level policy is on the subset cluster only; the service cluster keeps the default', () => {
    const dr = istio(
      'DestinationRule',
      'reviews',
      'default',
      'host: reviews\nsubsets:\n- name: v1\n  labels: {version: v1}\n  trafficPolicy:\n' +
        '    loadBalancer: {simple: ROUND_ROBIN}',
    );
    const config = proxyConfigFor(doc(app, dr), 'default/sleep');
    expect(clusterNamed(config, 'outbound|9080||reviews.default.svc.cluster.local')?.loadBalancer).toBe(
      'LEAST_REQUEST',
    );
    expect(clusterNamed(config, 'outbound|9080|v1|reviews.default.svc.cluster.local')?.loadBalancer).toBe(
      'ROUND_ROBIN',
    );
    // Without a VirtualService naming v1, requests use the service cluster.
    const t = trace(doc(app, dr), { from: 'default/sleep', to: 'http://reviews:9080/' });
    expect(t.hops[0]?.cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
  });
});

describe('503 errors after setting destination rule', () => {
  it('a DestinationRule with tls DISABLE towards a STRICT service: the client sidecar answers 503', () => {
    const text = doc(
      app,
      istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}'),
      istio('DestinationRule', 'reviews', 'default', 'host: reviews\ntrafficPolicy:\n  tls: {mode: DISABLE}'),
    );
    const t = trace(text, { from: 'default/sleep', to: 'http://reviews:9080/' });
    expect(t.outcome).toBe('mtls-failure');
    expect(t.status).toBe(503);
    expect(t.responseFlags).toBe('UC');
  });
  it('with ISTIO_MUTUAL instead, the same request is 200', () => {
    const text = doc(
      app,
      istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}'),
      istio('DestinationRule', 'reviews', 'default', 'host: reviews\ntrafficPolicy:\n  tls: {mode: ISTIO_MUTUAL}'),
    );
    expect(summary(trace(text, { from: 'default/sleep', to: 'http://reviews:9080/' }))).toEqual({
      outcome: 'routed',
      status: 200,
      responseFlags: '-',
    });
  });
});

describe('route rules have no effect on ingress gateway requests', () => {
  const subsets = istio(
    'DestinationRule',
    'helloworld',
    'default',
    'host: helloworld\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v2\n  labels: {version: v2}',
  );
  const gateway = istio(
    'Gateway',
    'myapp-gateway',
    'default',
    'selector: {istio: ingressgateway}\nservers:\n' +
      '- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [myapp.com]',
  );
  const myapp = (subset: string) =>
    istio(
      'VirtualService',
      'myapp',
      'default',
      'hosts: [myapp.com]\ngateways: [myapp-gateway]\nhttp:\n- match: [{uri: {prefix: /hello}}]\n  route:\n' +
        `  - destination: {host: helloworld.default.svc.cluster.local${subset}}`,
    );
  const meshOnly = istio(
    'VirtualService',
    'helloworld',
    'default',
    'hosts: [helloworld.default.svc.cluster.local]\nhttp:\n- route:\n' +
      '  - destination: {host: helloworld.default.svc.cluster.local, subset: v1}',
  );
  it('the mesh VirtualService does not apply at the gateway: myapp.com/hello uses the whole service', () => {
    const text = doc(app, subsets, gateway, myapp(''), meshOnly);
    expect(trace(text, { from: gw, to: 'http://myapp.com/hello' }).hops[0]?.cluster).toBe(
      'outbound|5000||helloworld.default.svc.cluster.local',
    );
    // Inside the mesh the same service goes to v1.
    expect(trace(text, { from: 'default/sleep', to: 'http://helloworld:5000/hello' }).hops[0]?.cluster).toBe(
      'outbound|5000|v1|helloworld.default.svc.cluster.local',
    );
  });
  it('with the subset in the gateway VirtualService, the gateway sends to v1', () => {
    const text = doc(app, subsets, gateway, myapp(', subset: v1'), meshOnly);
    expect(trace(text, { from: gw, to: 'http://myapp.com/hello' }).hops[0]?.cluster).toBe(
      'outbound|5000|v1|helloworld.default.svc.cluster.local',
    );
  });
  it('one VirtualService for both, rules restricted by match.gateways: v1 from the gateway and from the mesh', () => {
    const combined = istio(
      'VirtualService',
      'myapp',
      'default',
      'hosts: [myapp.com, helloworld.default.svc.cluster.local]\ngateways: [mesh, myapp-gateway]\nhttp:\n' +
        '- match: [{uri: {prefix: /hello}, gateways: [myapp-gateway]}]\n  route:\n' +
        '  - destination: {host: helloworld.default.svc.cluster.local, subset: v1}\n' +
        '- match: [{gateways: [mesh]}]\n  route:\n' +
        '  - destination: {host: helloworld.default.svc.cluster.local, subset: v1}',
    );
    const text = doc(app, subsets, gateway, combined);
    for (const t of [
      trace(text, { from: gw, to: 'http://myapp.com/hello' }),
      trace(text, { from: 'default/sleep', to: 'http://helloworld:5000/hello' }),
    ])
      expect(t.hops[0]?.cluster).toBe('outbound|5000|v1|helloworld.default.svc.cluster.local');
    // /other from outside matches no gateway rule.
    expect(summary(trace(text, { from: gw, to: 'http://myapp.com/other' }))).toEqual({
      outcome: 'no-route',
      status: 404,
      responseFlags: 'NR',
    });
  });
});

describe('404 errors when multiple gateways share one TLS certificate', () => {
  const server = (name: string, host: string) =>
    istio(
      'Gateway',
      name,
      'default',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
        `  tls: {mode: SIMPLE, credentialName: wildcard-test-com}\n  hosts: [${host}]`,
    );
  const route = (name: string, host: string, gateway: string, backend: string) =>
    istio(
      'VirtualService',
      name,
      'default',
      `hosts: [${host}]\ngateways: [${gateway}]\nhttp:\n- route:\n  - destination: {host: ${backend}}`,
    );
  const twoGateways = doc(
    app,
    server('gw1', 'service1.test.com'),
    server('gw2', 'service2.test.com'),
    route('vs1', 'service1.test.com', 'gw1', 'helloworld'),
    route('vs2', 'service2.test.com', 'gw2', 'reviews'),
  );
  it('a request for service2 on a connection opened for service1 (HTTP/2 reuse) is 404', () => {
    const reused = trace(twoGateways, { from: gw, to: 'https://service2.test.com/', sni: 'service1.test.com' });
    expect(summary(reused)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
    expect(trace(twoGateways, { from: gw, to: 'https://service2.test.com/' }).outcome).toBe('routed');
  });
  it('one wildcard Gateway for both hosts: the reused connection reaches service2', () => {
    const oneGateway = doc(
      app,
      server('gw', '"*.test.com"'),
      route('vs1', 'service1.test.com', 'gw', 'helloworld'),
      route('vs2', 'service2.test.com', 'gw', 'reviews'),
    );
    const t = trace(oneGateway, { from: gw, to: 'https://service2.test.com/', sni: 'service1.test.com' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]?.cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
  });
});

describe('requirements for pods and services: port naming', () => {
  const byHeader = istio(
    'VirtualService',
    'reviews',
    'default',
    'hosts: [reviews]\nhttp:\n- match: [{headers: {end-user: {exact: jason}}}]\n  route:\n' +
      '  - destination: {host: reviews, subset: v2}\n- route:\n  - destination: {host: reviews, subset: v1}',
  );
  const subsets = istio(
    'DestinationRule',
    'reviews',
    'default',
    'host: reviews\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v2\n  labels: {version: v2}',
  );
  it('a port named tcp-*: the HTTP rules have no effect, the connection goes to the whole service', () => {
    const tcpNamed = app.replace('ports: [{port: 9080, name: http}]', 'ports: [{port: 9080, name: tcp-web}]');
    const t = trace(doc(tcpNamed, subsets, byHeader), {
      from: 'default/sleep',
      to: 'http://reviews:9080/',
      headers: { 'end-user': 'jason' },
    });
    expect(t.hops[0]?.cluster).toBe('outbound|9080||reviews.default.svc.cluster.local');
    expect(t.hops[0]?.routeConfig).toBeUndefined();
  });
  it('the same port named http-*: jason reaches v2', () => {
    const httpNamed = app.replace('ports: [{port: 9080, name: http}]', 'ports: [{port: 9080, name: http-web}]');
    const t = trace(doc(httpNamed, subsets, byHeader), {
      from: 'default/sleep',
      to: 'http://reviews:9080/',
      headers: { 'end-user': 'jason' },
    });
    expect(t.hops[0]?.cluster).toBe('outbound|9080|v2|reviews.default.svc.cluster.local');
  });
});
