/**
 * Scenarios after istio.io's ingress tasks (ingress gateways, secure ingress, SNI passthrough, Kubernetes Ingress)
 * and the mirroring and circuit-breaking tasks on httpbin: the objects are written anew, the expectations are what the
 * tasks show (curl's status, the answering workload, the gateway's listener and cluster).
 */
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario as trace, callResult as summary } from '../testkit.ts';
import type { Simulation } from './facts.ts';

const answeredBy = (t: Simulation) => t.hops.filter((h) => h.direction === 'inbound').at(-1)?.proxy;

const ingressGateway = doc(
  namespace('istio-system'),
  pod('istio-ingressgateway-5d8f', 'istio-system', {
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
    ip: '10.244.0.50',
    serviceAccount: 'istio-ingressgateway-service-account',
  }),
  service('istio-ingressgateway', 'istio-system', {
    type: 'LoadBalancer',
    selector: { istio: 'ingressgateway' },
    ports: [
      { port: 80, name: 'http2', targetPort: 8080 },
      { port: 443, name: 'https', targetPort: 8443 },
    ],
  }),
);
const gw = 'istio-system/istio-ingressgateway-5d8f';
// httpbin as in samples/httpbin: port 8000 to the container's 8080.
const httpbin = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  service('httpbin', 'default', {
    ports: [{ port: 8000, name: 'http', targetPort: 8080 }],
    selector: { app: 'httpbin' },
  }),
  pod('httpbin-v1', 'default', {
    labels: { app: 'httpbin', version: 'v1' },
    ip: '10.244.4.1',
    serviceAccount: 'httpbin',
    ports: [{ containerPort: 8080 }],
  }),
  pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.4.9', serviceAccount: 'curl' }),
);

describe('ingress gateways (istio.io tasks/traffic-management/ingress/ingress-control)', () => {
  const routes = doc(
    istio(
      'Gateway',
      'httpbin-gateway',
      'default',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
        '  hosts: ["httpbin.example.com"]',
    ),
    istio(
      'VirtualService',
      'httpbin',
      'default',
      'hosts: ["httpbin.example.com"]\ngateways: [httpbin-gateway]\nhttp:\n' +
        '- match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]\n  route:\n' +
        '  - destination: {host: httpbin, port: {number: 8000}}',
    ),
  );
  const text = doc(ingressGateway, httpbin, routes);
  it('Host httpbin.example.com, /status/200: 200 from httpbin through 0.0.0.0_8080', () => {
    const t = trace(text, { from: gw, to: 'http://httpbin.example.com/status/200' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({
      direction: 'gateway',
      listener: '0.0.0.0_8080',
      routeConfig: 'http.8080',
      virtualHost: 'httpbin.example.com:80',
      cluster: 'outbound|8000||httpbin.default.svc.cluster.local',
      endpoint: '10.244.4.1:8080',
    });
    expect(answeredBy(t)).toBe('default/httpbin-v1');
  });
  it('a path no rule names (/headers) is 404 from the gateway', () => {
    const t = trace(text, { from: gw, to: 'http://httpbin.example.com/headers' });
    expect(summary(t)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
  });
  it('a Host the Gateway does not list is 404 (no virtual host)', () => {
    const t = trace(text, { from: gw, to: 'http://other.example.com/status/200' });
    expect(summary(t)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
  });
  it('with hosts "*" on both (browser access), any Host reaches httpbin, /headers included', () => {
    const star = doc(
      istio(
        'Gateway',
        'httpbin-gateway',
        'default',
        'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
      ),
      istio(
        'VirtualService',
        'httpbin',
        'default',
        'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n' +
          '- route:\n  - destination: {host: httpbin, port: {number: 8000}}',
      ),
    );
    const t = trace(doc(ingressGateway, httpbin, star), { from: gw, to: 'http://192.0.2.80/headers' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.virtualHost).toBe('*:80');
  });
});

describe('secure ingress (istio.io tasks/traffic-management/ingress/secure-ingress)', () => {
  const helloworld = doc(
    service('helloworld', 'default', { ports: [{ port: 5000, name: 'http' }], selector: { app: 'helloworld' } }),
    pod('helloworld-v1', 'default', {
      labels: { app: 'helloworld', version: 'v1' },
      ip: '10.244.4.21',
      ports: [{ containerPort: 5000 }],
    }),
  );
  const secure = doc(
    istio(
      'Gateway',
      'mygateway',
      'default',
      'selector: {istio: ingressgateway}\nservers:\n' +
        '- port: {number: 443, name: https-httpbin, protocol: HTTPS}\n' +
        '  tls: {mode: SIMPLE, credentialName: httpbin-credential}\n  hosts: [httpbin.example.com]\n' +
        '- port: {number: 443, name: https-helloworld, protocol: HTTPS}\n' +
        '  tls: {mode: SIMPLE, credentialName: helloworld-credential}\n  hosts: [helloworld.example.com]',
    ),
    istio(
      'VirtualService',
      'httpbin',
      'default',
      'hosts: [httpbin.example.com]\ngateways: [mygateway]\nhttp:\n' +
        '- match: [{uri: {prefix: /status}}, {uri: {prefix: /delay}}]\n  route:\n' +
        '  - destination: {host: httpbin, port: {number: 8000}}',
    ),
    istio(
      'VirtualService',
      'helloworld',
      'default',
      'hosts: [helloworld.example.com]\ngateways: [mygateway]\nhttp:\n' +
        '- match: [{uri: {exact: /hello}}]\n  route:\n  - destination: {host: helloworld, port: {number: 5000}}',
    ),
  );
  const text = doc(ingressGateway, httpbin, helloworld, secure);
  it('https://httpbin.example.com/status/418: the gateway terminates TLS and httpbin answers', () => {
    const t = trace(text, { from: gw, to: 'https://httpbin.example.com/status/418' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_8443',
      cluster: 'outbound|8000||httpbin.default.svc.cluster.local',
    });
    expect(answeredBy(t)).toBe('default/httpbin-v1');
  });
  it('the second host on the same port is chosen by SNI: https://helloworld.example.com/hello', () => {
    const t = trace(text, { from: gw, to: 'https://helloworld.example.com/hello' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]?.cluster).toBe('outbound|5000||helloworld.default.svc.cluster.local');
    expect(answeredBy(t)).toBe('default/helloworld-v1');
  });
  it('an SNI no server lists finds no filter chain: the handshake fails, no HTTP status', () => {
    const t = trace(text, { from: gw, to: 'https://bookinfo.example.com/' });
    expect(summary(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'NR' });
    expect(t.hops[0]?.accessLog).toMatch(/ NR filter_chain_not_found .* bookinfo\.example\.com -$/);
  });
  it('plain HTTP to the HTTPS-only gateway port 443 gets no answer', () => {
    const t = trace(text, { from: gw, to: 'http://httpbin.example.com:443/status/418', protocol: 'http' });
    expect(summary(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'NR' });
  });
});

describe('SNI passthrough (istio.io tasks/traffic-management/ingress/ingress-sni-passthrough)', () => {
  const nginx = doc(
    service('my-nginx', 'default', {
      ports: [{ port: 443, name: 'https', protocol: 'TCP' }],
      selector: { run: 'my-nginx' },
    }),
    pod('my-nginx-1', 'default', { labels: { run: 'my-nginx' }, ip: '10.244.4.31', ports: [{ containerPort: 443 }] }),
    istio(
      'Gateway',
      'mygateway',
      'default',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
        '  tls: {mode: PASSTHROUGH}\n  hosts: [nginx.example.com]',
    ),
    istio(
      'VirtualService',
      'nginx',
      'default',
      'hosts: [nginx.example.com]\ngateways: [mygateway]\ntls:\n' +
        '- match: [{port: 443, sniHosts: [nginx.example.com]}]\n' +
        '  route:\n  - destination: {host: my-nginx, port: {number: 443}}',
    ),
  );
  it('TLS for nginx.example.com passes through the gateway to my-nginx:443 (nginx answers the handshake)', () => {
    const t = trace(doc(ingressGateway, httpbin, nginx), { from: gw, to: 'https://nginx.example.com/' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_8443',
      cluster: 'outbound|443||my-nginx.default.svc.cluster.local',
    });
    expect(answeredBy(t)).toBe('default/my-nginx-1');
  });
});

describe('Kubernetes Ingress (istio.io tasks/traffic-management/ingress/kubernetes-ingress)', () => {
  const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: httpbin-ingress, namespace: default, annotations: {kubernetes.io/ingress.class: istio}}
spec:
  rules:
  - host: httpbin.example.com
    http:
      paths:
      - path: /status
        pathType: Prefix
        backend: {service: {name: httpbin, port: {number: 8000}}}`;
  const text = doc(ingressGateway, httpbin, ingress);
  it('/status/200 with Host httpbin.example.com is 200 from httpbin', () => {
    const t = trace(text, { from: gw, to: 'http://httpbin.example.com/status/200' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|8000||httpbin.default.svc.cluster.local');
  });
  it('/headers is 404', () => {
    expect(summary(trace(text, { from: gw, to: 'http://httpbin.example.com/headers' }))).toEqual({
      outcome: 'no-route',
      status: 404,
      responseFlags: 'NR',
    });
  });
  it('ingressClassName: istio works the same as the annotation', () => {
    const byClass = doc(
      ingressGateway,
      httpbin,
      `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: istio}
spec: {controller: istio.io/ingress-controller}`,
      ingress
        .replace(', annotations: {kubernetes.io/ingress.class: istio}', '')
        .replace('spec:\n  rules:', 'spec:\n  ingressClassName: istio\n  rules:'),
    );
    const t = trace(byClass, { from: gw, to: 'http://httpbin.example.com/status/200' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
  });
});

describe('mirroring and circuit breaking (istio.io tasks/traffic-management/mirroring, circuit-breaking)', () => {
  const twoVersions = doc(
    httpbin,
    pod('httpbin-v2', 'default', {
      labels: { app: 'httpbin', version: 'v2' },
      ip: '10.244.4.2',
      serviceAccount: 'httpbin',
      ports: [{ containerPort: 8080 }],
    }),
    istio(
      'DestinationRule',
      'httpbin',
      'default',
      'host: httpbin\nsubsets:\n- name: v1\n  labels: {version: v1}\n- name: v2\n  labels: {version: v2}',
    ),
  );
  it('all to v1 with a 100% mirror to v2: the answer comes from v1', () => {
    const mirror = istio(
      'VirtualService',
      'httpbin',
      'default',
      'hosts: [httpbin]\nhttp:\n- route:\n  - destination: {host: httpbin, subset: v1}\n    weight: 100\n' +
        '  mirror: {host: httpbin, subset: v2}\n  mirrorPercentage: {value: 100.0}',
    );
    const t = trace(doc(twoVersions, mirror), { from: 'default/curl', to: 'http://httpbin:8000/headers' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|8000|v1|httpbin.default.svc.cluster.local');
    expect(answeredBy(t)).toBe('default/httpbin-v1');
    // v2 gets a copy (its log shows the request in the task); the trace names the mirror cluster on the hop.
    expect(t.hops[0]?.mirrors).toEqual(['outbound|8000|v2|httpbin.default.svc.cluster.local']);
  });
  it('one request under a one-connection circuit breaker goes through (overflow needs concurrency)', () => {
    const breaker = istio(
      'DestinationRule',
      'httpbin',
      'default',
      'host: httpbin\ntrafficPolicy:\n  connectionPool:\n    tcp: {maxConnections: 1}\n' +
        '    http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}\n' +
        '  outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}',
    );
    const t = trace(doc(httpbin, breaker), { from: 'default/curl', to: 'http://httpbin:8000/get' });
    expect(summary(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|8000||httpbin.default.svc.cluster.local');
  });
});

describe('ingress with the Gateway API (ingress-control, Gateway API tab)', () => {
  const gatewayApi = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: httpbin-gateway, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - {name: default, hostname: "*.example.com", port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: httpbin, namespace: default}
spec:
  parentRefs: [{name: httpbin-gateway, namespace: istio-ingress}]
  hostnames: [httpbin.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /status}}, {path: {type: PathPrefix, value: /delay}}]
    backendRefs: [{name: httpbin, port: 8000}]`;
  const text = doc(namespace('istio-system'), namespace('istio-ingress'), httpbin, gatewayApi);
  const from = 'istio-ingress/httpbin-gateway-istio';
  it('/status/200 is 200 from httpbin, /headers is 404', () => {
    const ok = trace(text, { from, to: 'http://httpbin.example.com/status/200' });
    expect(summary(ok)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(ok.hops[0]?.cluster).toBe('outbound|8000||httpbin.default.svc.cluster.local');
    expect(summary(trace(text, { from, to: 'http://httpbin.example.com/headers' }))).toEqual({
      outcome: 'no-route',
      status: 404,
      responseFlags: 'NR',
    });
  });
});
