import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';

// Scenarios after Istio's gateway simulation tests (pilot/pkg/networking/core/gateway_simulation_test.go): an
// ingress gateway pod (istio: ingressgateway) without a Service, so each server listens on its own port number.

const ingress = doc(
  namespace('istio-system'),
  namespace('default'),
  namespace('alpha'),
  namespace('zeta'),
  pod('ingress-1', 'istio-system', {
    labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'false' },
    ip: '10.244.9.1',
  }).replace('name: app, image: app', 'name: istio-proxy, image: proxyv2, args: [proxy, router]'),
  pod('b-1', 'default', { labels: { app: 'b' }, ip: '10.244.1.2' }),
  service('b', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'b' }, clusterIP: '10.96.1.2' }),
  namespace('ns-1'),
  namespace('ns-2'),
  ...[
    ['echo', 'ns-1'],
    ['echo', 'ns-2'],
    ['echo-foobar', 'default'],
    ['echo-foo', 'default'],
    ['echo-bar', 'default'],
    ['mysite', 'default'],
  ].map(([name = '', ns = ''], i) =>
    doc(
      pod(`${name}-1`, ns, { labels: { app: name }, ip: `10.244.2.${i + 1}` }),
      service(name, ns, {
        ports: [
          { port: 80, name: 'http' },
          { port: 443, name: 'https' },
        ],
        selector: { app: name },
        clusterIP: `10.96.2.${i + 1}`,
      }),
    ),
  ),
  pod('productpage-1', 'default', { labels: { app: 'productpage' }, ip: '10.244.1.3' }),
  service('productpage', 'default', {
    ports: [{ port: 9080, name: 'tcp' }],
    selector: { app: 'productpage' },
    clusterIP: '10.96.1.3',
  }),
);

const gateway = (name: string, ns: string, server: string) =>
  istio(
    'Gateway',
    name,
    ns,
    `selector: {istio: ingressgateway}\nservers:\n- ${server.trim().split('\n').join('\n  ')}`,
  );

const tcpServer = 'port: {number: 80, name: tcp, protocol: TCP}\nhosts: ["foo.bar"]';
const httpServer = 'port: {number: 80, name: http, protocol: HTTP}\nhosts: ["foo.bar"]';
const simpleRoute = istio(
  'VirtualService',
  'vs',
  'default',
  'hosts: ["example.com"]\ngateways: [gateway]\nhttp:\n' +
    '- match: [{uri: {prefix: /}}]\n  route: [{destination: {host: b}}]',
);

function run(text: string, request: Partial<TraceRequest> & { to: string }): Trace {
  const result = traceRequest(analyze([{ name: 's.yaml', text: doc(ingress, text) }]), {
    from: 'istio-system/ingress-1',
    ...request,
  });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const summary = (t: Trace) => ({
  outcome: t.outcome,
  status: t.status,
  steps: t.steps.map((s) => `${s.kind}: ${s.title}`),
});

const redirectServer = (port: number, protocol: string, tls: string) =>
  `port: {number: ${port}, name: ${protocol.toLowerCase()}, protocol: ${protocol}}\n` +
  `hosts: ["example.com"]\ntls: ${tls}`;
const collision = istio(
  'VirtualService',
  'bookinfo',
  'default',
  'hosts: ["*"]\ngateways: [istio-system/gateway]\ntcp:\n' +
    '- route: [{destination: {host: productpage, port: {number: 9080}}}]',
);
const tlsVs = (name: string) =>
  istio(
    'VirtualService',
    name,
    'default',
    'gateways: [istio-system/ingressgateway]\nhosts: [mysite.example.com]\ntls:\n' +
      '- match: [{port: 443, sniHosts: [mysite.example.com]}]\n' +
      '  route: [{destination: {host: mysite.default.svc.cluster.local, port: {number: 443}}}]',
  );
const vsTo = (name: string, ns: string, hosts: string, gateways: string, http: string, created = '') =>
  istio('VirtualService', name, ns, `hosts: ${hosts}\ngateways: ${gateways}\nhttp:\n${http}`, created);

// Istio orders Gateways by creationTimestamp, then name and namespace (pilot/pkg/model/config.go:
// sortConfigByCreationTime); Meshpath takes the order of the input for the creation order, so each case lists the
// Gateway Istio takes first first.
describe('HTTP servers (TestHTTPGateway)', () => {
  it('no VirtualService: blackhole virtual host 404 on the port, nothing on other ports', () => {
    const t = run(gateway('gw', 'default', httpServer), { to: 'foo.bar', port: 80 });
    expect([t.outcome, t.status]).toEqual(['no-route', 404]);
    expect(summary(t).steps).toContain('virtualHost: Virtual host blackhole:80');
    expect(run(gateway('gw', 'default', httpServer), { to: 'foo.bar', port: 81 }).outcome).toBe('no-listener');
  });

  it('httpsRedirect redirects plain HTTP with or without routes, and changes nothing on a TLS server', () => {
    const redirect = gateway('gateway', 'default', redirectServer(80, 'HTTP', '{httpsRedirect: true}'));
    expect(run(redirect, { to: 'example.com', port: 80 }).status).toBe(301);
    expect(run(doc(redirect, simpleRoute), { to: 'example.com', port: 80 }).status).toBe(301);
    const https = gateway(
      'gateway',
      'default',
      redirectServer(443, 'HTTPS', '{httpsRedirect: true, mode: SIMPLE, credentialName: test}'),
    );
    const t = run(doc(https, simpleRoute), { to: 'example.com', port: 443, protocol: 'https' });
    expect([t.outcome, t.status]).toEqual(['routed', 200]);
    expect(summary(t).steps).toContain('cluster: Cluster outbound|80||b.default.svc.cluster.local');
  });

  it('merges VirtualServices for a host and keeps separate virtual hosts per host', () => {
    const text = doc(
      gateway(
        'public-gw',
        'istio-system',
        'port: {number: 80, name: http, protocol: HTTP}\nhosts: [foo.example.com, bar.example.com]',
      ),
      vsTo(
        'foobar-vs',
        'default',
        '[foo.example.com, bar.example.com]',
        '[istio-system/public-gw]',
        '- name: foobar\n  match: [{uri: {prefix: /1}}, {uri: {prefix: /2}}]\n' +
          '  route: [{destination: {host: echo-foobar}}]',
      ),
      vsTo(
        'foo-vs',
        'default',
        '[foo.example.com]',
        '[istio-system/public-gw]',
        '- name: foo\n  match: [{uri: {prefix: /foo}}]\n  route: [{destination: {host: echo-foo, port: {number: 80}}}]',
      ),
      vsTo(
        'bar-vs',
        'default',
        '[bar.example.com]',
        '[istio-system/public-gw]',
        '- name: bar\n  match: [{uri: {prefix: /bar}}]\n  route: [{destination: {host: echo-bar, port: {number: 80}}}]',
      ),
    );
    const clusterOf = (to: string, path: string) =>
      summary(run(text, { to, port: 80, path })).steps.find((s) => s.startsWith('cluster:'));
    expect(clusterOf('foo.example.com', '/1')).toBe(
      'cluster: Cluster outbound|80||echo-foobar.default.svc.cluster.local',
    );
    expect(clusterOf('foo.example.com', '/foo')).toBe(
      'cluster: Cluster outbound|80||echo-foo.default.svc.cluster.local',
    );
    expect(clusterOf('bar.example.com', '/bar')).toBe(
      'cluster: Cluster outbound|80||echo-bar.default.svc.cluster.local',
    );
  });

  it('tells wildcard servers of two Gateways apart by the namespace of the VirtualService', () => {
    const text = doc(
      gateway('alpha', 'default', 'hosts: [ns-1/*.example.com]\nport: {name: http, number: 80, protocol: HTTP}'),
      gateway('beta', 'default', 'hosts: [ns-2/*.example.com]\nport: {name: http, number: 80, protocol: HTTP}'),
      vsTo('default', 'ns-1', '[ns-1.example.com]', '[default/alpha]', '- route: [{destination: {host: echo}}]'),
      vsTo('default', 'ns-2', '[ns-2.example.com]', '[default/beta]', '- route: [{destination: {host: echo}}]'),
    );
    for (const ns of ['ns-1', 'ns-2'])
      expect(summary(run(text, { to: `${ns}.example.com`, port: 80 })).steps).toContain(
        `cluster: Cluster outbound|80||echo.${ns}.svc.cluster.local`,
      );
  });
});

// TestGatewayConflicts; pilot/pkg/model/gateway.go: mergeGateways.
describe('servers of several Gateways on one port', () => {
  it('keeps the first TCP server on a port: a later one of a same-named Gateway elsewhere is skipped', () => {
    // The VirtualService binds istio-system/gateway: routed only if that Gateway's server was kept.
    const first = doc(gateway('gateway', 'istio-system', tcpServer), gateway('gateway', 'zeta', tcpServer), collision);
    const t = run(first, { to: 'foo.bar', port: 80, protocol: 'tcp' });
    expect(t.outcome).toBe('routed');
    expect(summary(t).steps).toContain('cluster: Cluster outbound|9080||productpage.default.svc.cluster.local');
    const second = doc(
      gateway('gateway', 'alpha', tcpServer),
      gateway('gateway', 'istio-system', tcpServer),
      collision,
    );
    expect(run(second, { to: 'foo.bar', port: 80, protocol: 'tcp' }).outcome).toBe('no-listener');
  });

  it('skips an HTTP server on a port a TCP server holds, and a TCP server on a port an HTTP server holds', () => {
    const tcpFirst = doc(gateway('alpha', 'default', tcpServer), gateway('beta', 'default', httpServer));
    expect(run(tcpFirst, { to: 'foo.bar', port: 80, protocol: 'tcp' }).outcome).toBe('no-listener');
    expect(run(tcpFirst, { to: 'foo.bar', port: 80 }).outcome).toBe('no-listener');
    const httpFirst = doc(gateway('alpha', 'default', httpServer), gateway('beta', 'default', tcpServer));
    const t = run(httpFirst, { to: 'foo.bar', port: 80 });
    expect([t.outcome, t.status]).toEqual(['no-route', 404]);
    expect(summary(t).steps).toContain('virtualHost: Virtual host blackhole:80');
  });

  it('passes TLS through by SNI when two VirtualServices repeat the same tls rule', () => {
    const text = doc(
      gateway(
        'ingressgateway',
        'istio-system',
        'hosts: ["*.example.com"]\nport: {name: https, number: 443, protocol: HTTPS}\ntls: {mode: PASSTHROUGH}',
      ),
      tlsVs('vs1'),
      tlsVs('vs2'),
    );
    const t = run(text, { to: 'mysite.example.com', port: 443, protocol: 'https' });
    expect(t.outcome).toBe('routed');
    expect(summary(t).steps).toContain('cluster: Cluster outbound|443||mysite.default.svc.cluster.local');
  });

  it('skips a TLS server whose hosts a server on the same port already has', () => {
    const server = (cred: string) =>
      `port: {number: 443, name: https, protocol: HTTPS}\nhosts: ["example.com"]\n` +
      `tls: {mode: SIMPLE, credentialName: ${cred}}`;
    const text = doc(gateway('gateway', 'default', server('first')), gateway('other', 'default', server('second')));
    const t = run(doc(text, simpleRoute), { to: 'example.com', port: 443, protocol: 'https' });
    expect(t.outcome).toBe('routed');
    expect(t.assumptions.join('\n')).toMatch(/credentialName first/);
  });
});

describe('Ingress resources sharing a TLS host (TestIngress)', () => {
  const ingressFor = (name: string, created?: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default${created ? `\n  creationTimestamp: "${created}"` : ''}
  annotations: {kubernetes.io/ingress.class: istio}
spec:
  rules:
  - host: example.com
    http:
      paths:
      - pathType: Prefix
        backend: {service: {name: ${name}, port: {number: 80}}}
        path: /${name}
  tls:
  - hosts: [example.com]
    secretName: ingressgateway-certs`;
  const backends = ['alpha', 'beta'].map((name, i) =>
    doc(
      pod(`${name}-1`, 'default', { labels: { app: name }, ip: `10.244.3.${i + 1}` }),
      service(name, 'default', {
        ports: [{ port: 80, name: 'http' }],
        selector: { app: name },
        clusterIP: `10.96.3.${i + 1}`,
      }),
    ),
  );
  const clusterOf = (text: string, port: number, path: string) => {
    const t = run(doc(text, ...backends), { to: 'example.com', port, path, protocol: port === 443 ? 'https' : 'http' });
    return t.steps.find((s) => s.kind === 'cluster' || (s.kind === 'virtualHost' && t.status === 404))?.title;
  };

  it('routes both over HTTP and HTTPS when the Ingress whose name sorts first is the oldest', () => {
    // Without creation times both are of one second, so alpha, the first by name, is the oldest, wherever it stands.
    const text = doc(ingressFor('beta'), ingressFor('alpha'));
    for (const name of ['alpha', 'beta'])
      for (const port of [80, 443])
        expect(clusterOf(text, port, `/${name}`)).toBe(`Cluster outbound|80||${name}.default.svc.cluster.local`);
  });

  it('answers HTTPS with the blackhole virtual host when the other Ingress is the oldest (istio/istio#24385)', () => {
    // The older Ingress's HTTPS server is kept, the newer one's (same host) skipped; the VirtualService for the host
    // is named after the first by name, bound to the skipped server's Gateway.
    const text = doc(ingressFor('alpha', '2024-05-01T10:00:01Z'), ingressFor('beta', '2024-05-01T10:00:00Z'));
    for (const name of ['alpha', 'beta']) {
      expect(clusterOf(text, 80, `/${name}`)).toBe(`Cluster outbound|80||${name}.default.svc.cluster.local`);
      expect(clusterOf(text, 443, `/${name}`)).toBe('Virtual host blackhole:443');
    }
  });
});
