// Fidelity against Istio's gateway route binding (pilot/pkg/networking/core/gateway.go:
// buildGatewayHTTPRouteConfig; pilot/pkg/model/gateway.go; the istio.io Gateway reference examples): server hosts with
// a namespace part, VirtualService exportTo and gateway names, hosts narrower or broader than the server's,
// httpsRedirect, and selectors.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const base = doc(
  namespace('istio-system'),
  namespace('prod', { 'istio-injection': 'enabled' }),
  namespace('dev', { 'istio-injection': 'enabled' }),
  pod('istio-ingressgateway-1', 'istio-system', {
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
  pod('web', 'prod', { labels: { app: 'web' }, ip: '10.1.0.1' }),
  service('web', 'prod', { ports: [{ port: 80, name: 'http' }], selector: { app: 'web' } }),
  pod('web', 'dev', { labels: { app: 'web' }, ip: '10.1.0.2' }),
  service('web', 'dev', { ports: [{ port: 80, name: 'http' }], selector: { app: 'web' } }),
);
const gateway = (name: string, ns: string, servers: string, selector = 'istio: ingressgateway') =>
  istio('Gateway', name, ns, `selector: {${selector}}\nservers:\n${servers}`);
const httpServer = (hosts: string, extra = '') =>
  `- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [${hosts}]${extra}`;
const vs = (ns: string, hosts: string, gateways: string, dest: string, extra = '') =>
  istio(
    'VirtualService',
    'v',
    ns,
    `hosts: [${hosts}]\ngateways: [${gateways}]\n${extra}http:\n- route: [{destination: {host: ${dest}}}]`,
  );
function run(text: string, request: Omit<TraceRequest, 'from'>) {
  const t = simulateScenario(text, { from: 'istio-system/istio-ingressgateway-1', ...request });
  const end = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    virtualHost: t.hops[0]?.virtualHost,
    cluster: t.hops[0]?.cluster,
    end: end?.kind === 'outcome' ? end.end : undefined,
  };
}
const PROD = 'outbound|80||web.prod.svc.cluster.local';
const NOTHING_BOUND = { outcome: 'no-route', status: 404, virtualHost: 'blackhole:80' };

describe('which VirtualServices a gateway server takes', () => {
  const prodOnly = gateway('gw', 'istio-system', httpServer('"prod/*.example.com"'));
  it('server hosts prod/*.example.com: a VirtualService in prod is bound', () => {
    expect(
      run(doc(base, prodOnly, vs('prod', 'a.example.com', 'istio-system/gw', 'web.prod.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject({ outcome: 'routed', cluster: PROD });
  });
  it('… one in dev is not: the server has no route (404)', () => {
    expect(
      run(doc(base, prodOnly, vs('dev', 'a.example.com', 'istio-system/gw', 'web.dev.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject(NOTHING_BOUND);
  });
  it('./* means the Gateway’s own namespace', () => {
    const own = gateway('gw', 'prod', httpServer('"./*"'));
    expect(
      run(doc(base, own, vs('prod', 'a.example.com', 'prod/gw', 'web.prod.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject({ outcome: 'routed', cluster: PROD });
    expect(
      run(doc(base, own, vs('dev', 'a.example.com', 'prod/gw', 'web.dev.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject(NOTHING_BOUND);
  });
  const any = gateway('gw', 'istio-system', httpServer('"*"'));
  it('a gateway name without namespace means the VirtualService’s namespace', () => {
    expect(
      run(doc(base, any, vs('prod', 'a.example.com', 'gw', 'web.prod.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject(NOTHING_BOUND);
  });
  it('a VirtualService exported only to its own namespace is not seen by the gateway in istio-system', () => {
    expect(
      run(
        doc(
          base,
          any,
          vs('prod', 'a.example.com', 'istio-system/gw', 'web.prod.svc.cluster.local', 'exportTo: ["."]\n'),
        ),
        { to: 'http://a.example.com/' },
      ),
    ).toMatchObject(NOTHING_BOUND);
  });
  it('a short destination host is resolved in the VirtualService’s namespace', () => {
    expect(
      run(doc(base, any, vs('dev', 'a.example.com', 'istio-system/gw', 'web')), { to: 'http://a.example.com/' }),
    ).toMatchObject({ outcome: 'routed', cluster: 'outbound|80||web.dev.svc.cluster.local' });
  });
  it('a gateway whose selector picks no pod gives the gateway pod no listener', () => {
    const other = gateway('gw', 'istio-system', httpServer('"*"'), 'istio: other');
    expect(
      run(doc(base, other, vs('prod', '"*"', 'istio-system/gw', 'web.prod.svc.cluster.local')), {
        to: 'http://a.example.com/',
      }),
    ).toMatchObject({ outcome: 'no-listener', end: { reason: 'NO_LISTENER' } });
  });
});

describe('hosts of the server and of the VirtualService', () => {
  const example = gateway('gw', 'istio-system', httpServer('"*.example.com"'));
  it('a VirtualService for "*" is narrowed to the server’s *.example.com', () => {
    const text = doc(base, example, vs('prod', '"*"', 'istio-system/gw', 'web.prod.svc.cluster.local'));
    expect(run(text, { to: 'http://a.example.com/' })).toMatchObject({
      outcome: 'routed',
      virtualHost: '*.example.com:80',
    });
    expect(run(text, { to: 'http://a.other.com/' })).toMatchObject({
      outcome: 'no-route',
      status: 404,
      end: { reason: 'NO_VIRTUAL_HOST' },
    });
  });
  it('a narrower VirtualService host keeps its own name', () => {
    const text = doc(base, example, vs('prod', 'b.a.example.com', 'istio-system/gw', 'web.prod.svc.cluster.local'));
    expect(run(text, { to: 'http://b.a.example.com/' })).toMatchObject({ virtualHost: 'b.a.example.com:80' });
  });
  it('a server host with no VirtualService for it: no virtual host, 404', () => {
    const two = gateway('gw', 'istio-system', httpServer('"uk.bookinfo.com", "eu.bookinfo.com"'));
    const text = doc(base, two, vs('prod', 'uk.bookinfo.com', 'istio-system/gw', 'web.prod.svc.cluster.local'));
    expect(run(text, { to: 'http://eu.bookinfo.com/' })).toMatchObject({
      status: 404,
      end: { reason: 'NO_VIRTUAL_HOST' },
    });
    expect(run(text, { to: 'http://uk.bookinfo.com/' })).toMatchObject({ outcome: 'routed', cluster: PROD });
  });
  it('httpsRedirect answers 301 to https with the path and query', () => {
    const redirecting = gateway('gw', 'istio-system', httpServer('"*.example.com"', '\n  tls: {httpsRedirect: true}'));
    const text = doc(base, redirecting, vs('prod', 'a.example.com', 'istio-system/gw', 'web.prod.svc.cluster.local'));
    expect(run(text, { to: 'http://a.example.com/x?y=1' })).toMatchObject({
      outcome: 'redirect',
      status: 301,
      end: { location: 'https://a.example.com/x?y=1' },
    });
  });
});
