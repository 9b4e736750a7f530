import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, proxyConfigFor, routeNamed, service } from '../testkit.ts';

function trace(text: string, request: TraceRequest): Trace {
  const result = traceRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

const mesh = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
);

/**
 * Whether a VirtualService match (YAML flow text) takes a request with these headers: the matching rule answers 418
 * itself, anything else falls to the catch-all rule and reaches the service.
 */
function matches(match: string, headers: Record<string, string> = {}): boolean {
  const vs = istio(
    'VirtualService',
    'reviews',
    'app',
    `hosts: [reviews]\nhttp:\n- match: [${match}]\n  directResponse: {status: 418}\n` +
      `- route: [{destination: {host: reviews}}]`,
  );
  const t = trace(doc(mesh, vs), { from: 'app/client', to: 'http://reviews:9080/', headers });
  if (t.status !== 418 && t.outcome !== 'routed') throw new Error(`unexpected outcome ${t.outcome}`);
  return t.status === 418;
}

describe('header conditions as Istio gives them to Envoy (route.go: TranslateRouteMatch, translateHeaderMatch)', () => {
  it('a value condition on a header the request lacks fails; a presence condition fails too', () => {
    expect(matches('{headers: {x-tier: {exact: gold}}}')).toBe(false);
    expect(matches('{headers: {x-tier: {exact: ""}}}')).toBe(false);
    expect(matches('{headers: {x-tier: {regex: ".*"}}}')).toBe(false);
    expect(matches('{headers: {x-tier: {}}}')).toBe(false);
    expect(matches('{headers: {x-tier: {exact: ""}}}', { 'x-tier': '' })).toBe(true);
    expect(matches('{headers: {x-tier: {regex: "*"}}}', { 'x-tier': 'any' })).toBe(true);
  });

  it('withoutHeaders with a value treats a missing header as empty: it passes unless the value matches ""', () => {
    expect(matches('{withoutHeaders: {x-tier: {exact: gold}}}')).toBe(true);
    expect(matches('{withoutHeaders: {x-tier: {exact: gold}}}', { 'x-tier': 'gold' })).toBe(false);
    expect(matches('{withoutHeaders: {x-tier: {exact: gold}}}', { 'x-tier': 'silver' })).toBe(true);
    expect(matches('{withoutHeaders: {x-tier: {exact: ""}}}')).toBe(false);
    expect(matches('{withoutHeaders: {x-tier: {exact: ""}}}', { 'x-tier': 'silver' })).toBe(true);
    expect(matches('{withoutHeaders: {x-tier: {prefix: ""}}}')).toBe(false);
    expect(matches('{withoutHeaders: {x-tier: {regex: ".*"}}}')).toBe(false);
    expect(matches('{withoutHeaders: {x-tier: {regex: "g.*"}}}')).toBe(true);
  });

  it('withoutHeaders as a presence test ({}, null or the regex "*") passes exactly when the header is missing', () => {
    for (const condition of ['{}', 'null', '{regex: "*"}']) {
      expect(matches(`{withoutHeaders: {x-tier: ${condition}}}`)).toBe(true);
      expect(matches(`{withoutHeaders: {x-tier: ${condition}}}`, { 'x-tier': 'gold' })).toBe(false);
    }
  });

  it(
    'JWT claims (@request.auth.claims) never match without a validated token, so withoutHeaders on them always ' +
      'passes',
    () => {
      expect(matches('{headers: {"@request.auth.claims.group": {exact: admin}}}')).toBe(false);
      expect(matches('{withoutHeaders: {"@request.auth.claims.group": {exact: ""}}}')).toBe(true);
    },
  );
});

/** An ingress gateway pod and its Service, a Gateway with the given servers, and a VirtualService bound to it. */
function gatewayMesh(servers: string, routes = 'http:\n- route: [{destination: {host: reviews}}]'): string {
  return doc(
    mesh,
    `apiVersion: v1
kind: Pod
metadata: {name: ingress, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router]}]}
status: {phase: Running, podIP: 10.244.9.9, conditions: [{type: Ready, status: "True"}]}`,
    service('istio-ingressgateway', 'istio-system', {
      selector: { istio: 'ingressgateway' },
      clusterIP: '10.96.9.9',
      ports: [
        { port: 80, name: 'http2', targetPort: 8080 },
        { port: 443, name: 'https', targetPort: 8443 },
        { port: 9443, name: 'tls', targetPort: 9443 },
      ],
    }),
    istio('Gateway', 'gw', 'app', `selector: {istio: ingressgateway}\nservers:\n${servers}`),
    istio('VirtualService', 'front', 'app', `hosts: [example.com]\ngateways: [gw]\n${routes}`),
  );
}

describe('gateway servers that terminate TLS (gateway.go: buildGatewayTCPBasedFilterChains)', () => {
  for (const mode of ['SIMPLE', 'MUTUAL']) {
    it(`HTTPS ${mode} with credentialName: its listener, SNI chain and route configuration serve the request`, () => {
      const text = gatewayMesh(
        `- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [example.com]\n` +
          `  tls: {mode: ${mode}, credentialName: example-cert}`,
      );
      const t = trace(text, { from: 'istio-system/ingress', to: 'https://example.com/' });
      expect({ outcome: t.outcome, status: t.status }).toEqual({ outcome: 'routed', status: 200 });
      expect(t.hops[0]).toMatchObject({
        listener: '0.0.0.0_8443',
        filterChain: 'SNI: example.com',
        routeConfig: 'https.443.https.gw.app',
        virtualHost: 'example.com:443',
        cluster: 'outbound|9080||reviews.app.svc.cluster.local',
      });
      expect(t.hops[1]).toMatchObject({ proxy: 'app/reviews-1', direction: 'inbound', cluster: 'inbound|9080||' });
      const assumption = t.assumptions.find((a) => a.includes('credentialName example-cert'));
      expect(assumption).toContain('does not check that this Secret exists');
      expect(assumption?.includes('client presents a certificate')).toBe(mode === 'MUTUAL');
    });
  }

  it('TLS SIMPLE: the gateway terminates TLS and proxies TCP by the VirtualService tcp route', () => {
    const text = gatewayMesh(
      '- port: {number: 9443, name: tls, protocol: TLS}\n  hosts: [example.com]\n' +
        '  tls: {mode: SIMPLE, credentialName: example-cert}',
      'tcp:\n- route: [{destination: {host: db, port: {number: 5432}}}]',
    );
    const withDb = doc(
      text,
      service('db', 'app', {
        ports: [{ port: 5432, name: 'tcp-pg' }],
        selector: { app: 'db' },
        clusterIP: '10.96.0.31',
      }),
      pod('db-0', 'app', { labels: { app: 'db' }, ip: '10.244.1.5', ports: [{ containerPort: 5432 }] }),
    );
    const t = trace(withDb, { from: 'istio-system/ingress', to: 'example.com', port: 9443, protocol: 'tls' });
    expect(t.outcome).toBe('routed');
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_9443',
      filterChain: 'SNI: example.com',
      cluster: 'outbound|5432||db.app.svc.cluster.local',
    });
    expect(t.hops[1]).toMatchObject({ proxy: 'app/db-0', cluster: 'inbound|5432||' });
  });

  it('httpsRedirect on an HTTPS server changes nothing: the request is already on TLS', () => {
    const text = gatewayMesh(
      '- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [example.com]\n' +
        '  tls: {mode: SIMPLE, credentialName: example-cert, httpsRedirect: true}\n' +
        '- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [example.com]\n  tls: {httpsRedirect: true}',
    );
    const https = trace(text, { from: 'istio-system/ingress', to: 'https://example.com/' });
    expect({ outcome: https.outcome, status: https.status }).toEqual({ outcome: 'routed', status: 200 });
    // The plain HTTP server still redirects.
    const http = trace(text, { from: 'istio-system/ingress', to: 'http://example.com/' });
    expect({ outcome: http.outcome, status: http.status }).toEqual({ outcome: 'redirect', status: 301 });
    const config = proxyConfigFor(text, 'istio-system/ingress');
    expect(routeNamed(config, 'https.443.https.gw.app')?.virtualHosts[0]?.routes[0]?.action.kind).toBe('route');
  });

  it('a server whose tls has no mode is PASSTHROUGH (the enum default): no HTTP route configuration', () => {
    const text = gatewayMesh(
      '- port: {number: 443, name: https, protocol: HTTPS}\n  hosts: [example.com]\n' +
        '  tls: {credentialName: example-cert}',
    );
    const config = proxyConfigFor(text, 'istio-system/ingress');
    expect(config.routes.map((r) => r.name)).not.toContain('https.443.https.gw.app');
  });
});
