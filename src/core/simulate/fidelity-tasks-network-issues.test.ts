/**
 * Scenarios after istio.io's "Networking Problems" page (ops/common-problems/network-issues), section "TLS
 * configuration mistakes": HTTPS to an HTTP port, gateway/VirtualService TLS mismatches, double TLS and SNI matching
 * without SNI. Objects written anew; the expectations are what the page states, or what current istiod builds where
 * the page describes an older release (said at the case).
 */
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const ingress = doc(
  namespace('istio-system'),
  pod('istio-ingressgateway-5d8f', 'istio-system', {
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    ip: '10.244.0.50',
    gateway: true,
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
const GW = 'istio-system/istio-ingressgateway-5d8f';
const app = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  service('httpbin', 'default', {
    ports: [{ port: 8000, name: 'http', targetPort: 8080 }],
    selector: { app: 'httpbin' },
  }),
  pod('httpbin-v1', 'default', { labels: { app: 'httpbin' }, ip: '10.244.4.1' }),
  pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.4.9' }),
);

function run(text: string, request: TraceRequest) {
  const t = simulateScenario(text, request);
  const end = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    flags: t.responseFlags,
    listener: t.hops[0]?.listener,
    chain: t.hops[0]?.filterChain,
    cluster: t.hops[0]?.cluster,
    end: end?.kind === 'outcome' ? end.end.reason : undefined,
  };
}

const httpbinOrg = (port: number, protocol: string, targetPort?: number) =>
  istio(
    'ServiceEntry',
    'httpbin',
    'default',
    `hosts: [httpbin.org]\nports: [{number: ${port}, name: ${protocol.toLowerCase()}, protocol: ${protocol}` +
      `${targetPort ? `, targetPort: ${targetPort}` : ''}}]\nresolution: DNS`,
  );
const originate = istio(
  'DestinationRule',
  'originate-tls',
  'default',
  'host: httpbin.org\ntrafficPolicy: {tls: {mode: SIMPLE}}',
);
const curl = (to: string): TraceRequest => ({ from: 'default/curl', to, address: '198.51.100.20' });

describe('sending HTTPS to an HTTP port', () => {
  it('plaintext on port 443 declared HTTP is routed as HTTP', () => {
    expect(run(doc(app, httpbinOrg(443, 'HTTP')), curl('http://httpbin.org:443/'))).toMatchObject({
      outcome: 'routed',
      status: 200,
      cluster: 'outbound|443||httpbin.org',
    });
  });
  it('TLS to the HTTP port: no HTTP chain takes it, so it leaves as TCP by the passthrough chain', () => {
    // The page describes a 400 DPE; since HTTP listeners on 0.0.0.0 got a fallthrough chain (listener.go:
    // buildSidecarOutboundListener), TLS bytes skip the HTTP chain and go to PassthroughCluster.
    expect(run(doc(app, httpbinOrg(443, 'HTTP')), curl('https://httpbin.org/'))).toMatchObject({
      outcome: 'passthrough',
      chain: 'PassthroughFilterChain',
      cluster: 'PassthroughCluster',
    });
  });
  it('with the port declared HTTPS, the TLS connection is routed by SNI', () => {
    expect(run(doc(app, httpbinOrg(443, 'HTTPS')), curl('https://httpbin.org/'))).toMatchObject({
      outcome: 'routed',
      chain: 'SNI: httpbin.org',
      cluster: 'outbound|443||httpbin.org',
    });
  });
});

describe('double TLS (TLS origination for a TLS request)', () => {
  it('an HTTPS port and a DestinationRule originating TLS: the request is encrypted twice and fails', () => {
    expect(run(doc(app, httpbinOrg(443, 'HTTPS'), originate), curl('https://httpbin.org/'))).toMatchObject({
      outcome: 'mtls-failure',
      status: null,
      cluster: 'outbound|443||httpbin.org',
      end: 'DOUBLE_TLS',
    });
  });
  it('the fix: port 443 declared HTTP, the application sends plaintext to 443 and the sidecar originates TLS', () => {
    expect(run(doc(app, httpbinOrg(443, 'HTTP'), originate), curl('http://httpbin.org:443/'))).toMatchObject({
      outcome: 'routed',
      status: 200,
      end: 'DELIVERED',
    });
  });
  it('or port 80 with targetPort 443: curl http://httpbin.org reaches 443 over TLS', () => {
    const t = simulateScenario(doc(app, httpbinOrg(80, 'HTTP', 443), originate), curl('http://httpbin.org/'));
    const end = t.steps.at(-1)?.fact;
    expect(end?.kind === 'outcome' ? end.end : undefined).toMatchObject({
      reason: 'DELIVERED',
      port: 443,
      transport: 'tls',
    });
  });
  it('an HTTPS port without the DestinationRule passes the application TLS through', () => {
    expect(run(doc(app, httpbinOrg(443, 'HTTPS')), curl('https://httpbin.org/'))).toMatchObject({
      outcome: 'routed',
      end: 'DELIVERED',
    });
  });
});

describe('gateway to virtual service TLS mismatch', () => {
  const terminating = istio(
    'Gateway',
    'gateway',
    'istio-system',
    'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
      '  hosts: ["*"]\n  tls: {mode: SIMPLE, credentialName: sds-credential}',
  );
  const passthrough = istio(
    'Gateway',
    'gateway',
    'istio-system',
    'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
      '  hosts: ["*"]\n  tls: {mode: PASSTHROUGH}',
  );
  const tlsRoutes = istio(
    'VirtualService',
    'httpbin',
    'default',
    'hosts: ["*.example.com"]\ngateways: [istio-system/gateway]\ntls:\n- match: [{sniHosts: ["*.example.com"]}]\n' +
      '  route: [{destination: {host: httpbin.default.svc.cluster.local, port: {number: 8000}}}]',
  );
  const httpRoutes = istio(
    'VirtualService',
    'httpbin',
    'default',
    'hosts: ["*.example.com"]\ngateways: [istio-system/gateway]\nhttp:\n' +
      '- route: [{destination: {host: httpbin.default.svc.cluster.local, port: {number: 8000}}}]',
  );
  it('a terminating gateway and tls routes: the request goes to HTTP routing, which has none (404)', () => {
    expect(run(doc(ingress, app, terminating, tlsRoutes), { from: GW, to: 'https://a.example.com/' })).toMatchObject({
      outcome: 'no-route',
      status: 404,
      flags: 'NR',
    });
  });
  it('the fix: http routes on the terminating gateway', () => {
    expect(run(doc(ingress, app, terminating, httpRoutes), { from: GW, to: 'https://a.example.com/' })).toMatchObject({
      outcome: 'routed',
      status: 200,
      cluster: 'outbound|8000||httpbin.default.svc.cluster.local',
    });
  });
  it('a passthrough gateway and http routes: the VirtualService has no effect, no listener is built', () => {
    expect(run(doc(ingress, app, passthrough, httpRoutes), { from: GW, to: 'https://a.example.com/' })).toMatchObject({
      outcome: 'no-listener',
      end: 'NO_LISTENER',
    });
  });
  it('a passthrough gateway and tls routes: the connection is sent on by SNI', () => {
    expect(run(doc(ingress, app, passthrough, tlsRoutes), { from: GW, to: 'https://a.example.com/' })).toMatchObject({
      chain: 'SNI: *.example.com',
      cluster: 'outbound|8000||httpbin.default.svc.cluster.local',
    });
  });
});

describe('configuring SNI routing when not sending SNI', () => {
  const gateway = (hosts: string) =>
    istio(
      'Gateway',
      'gateway',
      'istio-system',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 443, name: https, protocol: HTTPS}\n' +
        `  hosts: ["${hosts}"]\n  tls: {mode: SIMPLE, credentialName: sds-credential}`,
    );
  const routes = istio(
    'VirtualService',
    'app',
    'default',
    'hosts: ["app.example.com"]\ngateways: [istio-system/gateway]\nhttp:\n' +
      '- route: [{destination: {host: httpbin.default.svc.cluster.local, port: {number: 8000}}}]',
  );
  const byIp: TraceRequest = { from: GW, to: 'https://192.0.2.80/', headers: { host: 'app.example.com' } };
  it('hosts *.example.com: a request to the IP with only a Host header has no SNI and matches no chain', () => {
    expect(run(doc(ingress, app, gateway('*.example.com'), routes), byIp)).toMatchObject({
      outcome: 'no-listener',
      end: 'NO_FILTER_CHAIN',
    });
  });
  it('the same request with the SNI set is routed', () => {
    expect(
      run(doc(ingress, app, gateway('*.example.com'), routes), { from: GW, to: 'https://app.example.com/' }),
    ).toMatchObject({ outcome: 'routed', status: 200 });
  });
  it('hosts "*": no SNI match, the Host header picks the route', () => {
    expect(run(doc(ingress, app, gateway('*'), routes), byIp)).toMatchObject({ outcome: 'routed', status: 200 });
  });
});
