// Fidelity against Istio's own tests: how an ingress gateway routes by its servers and the VirtualServices bound to
// them (pilot/pkg/networking/core/gateway_simulation_test.go). As in Istio's tests the gateway pod has no Service, so
// its listeners are on the server ports themselves.
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';

const gatewayPod = doc(
  namespace('istio-system'),
  namespace('default'),
  ...['alpha', 'zeta', 'ns-1', 'ns-2'].map((ns) => namespace(ns)),
  pod('ingress', 'istio-system', { labels: { istio: 'ingressgateway' }, ip: '10.1.9.9', gateway: true }),
);
/** One server's YAML as an item of the `servers` list. */
const asListItem = (server: string) => `- ${server.trim().split('\n').join('\n  ')}`;
const gateway = (name: string, ...servers: string[]) => gatewayIn('default', name, ...servers);
const gatewayIn = (ns: string, name: string, ...servers: string[]) =>
  istio('Gateway', name, ns, `selector: {istio: ingressgateway}\nservers:\n${servers.map(asListItem).join('\n')}`);
const gatewayAt = (ns: string, name: string, ...servers: string[]) =>
  gatewayIn(ns, name, ...servers).replace(/\}\nspec:/, ', creationTimestamp: "2020-01-01T00:00:00Z"}\nspec:');
const httpServer = (hosts: string[], extra = '') =>
  `port: {number: 80, name: http, protocol: HTTP}\nhosts: [${hosts.map((h) => `"${h}"`).join(', ')}]${extra}`;
const route = (name: string, hosts: string[], gateways: string[], dest: string, match = 'prefix: /') =>
  istio(
    'VirtualService',
    name,
    'default',
    `hosts: [${hosts.map((h) => `"${h}"`).join(', ')}]\ngateways: [${gateways.join(', ')}]\nhttp:\n` +
      `- match: [{uri: {${match}}}]\n  route: [{destination: {host: ${dest}}}]`,
  );

const call = (text: string, request: Omit<TraceRequest, 'from'>) =>
  traceSummary(doc(gatewayPod, text), { from: 'istio-system/ingress', ...request });

describe('HTTP servers (gateway_simulation_test.go: TestHTTPGateway)', () => {
  it('no virtual services: the blackhole virtual host, no route (404)', () => {
    const t = call(gateway('default', httpServer(['foo.bar'])), { to: 'http://foo.bar/' });
    expect(t.out).toMatchObject({ listener: '0.0.0.0_80', routeConfig: 'http.80', virtualHost: 'blackhole:80' });
    expect(t).toMatchObject({ status: 404, flags: 'NR' });
  });
  it('no virtual services: no listener on an undefined port', () => {
    const t = call(gateway('default', httpServer(['foo.bar'])), { to: 'http://foo.bar:81/' });
    expect(t.out?.listener).toBeUndefined();
    expect(['routed', 'direct']).not.toContain(t.outcome);
  });

  describe('simple http and virtual service', () => {
    const text = doc(
      gateway('gateway', httpServer(['foo.bar'])),
      istio(
        'VirtualService',
        'bookinfo',
        'default',
        'hosts: ["*"]\ngateways: [gateway]\nhttp:\n- match: [{uri: {exact: /productpage}}]\n' +
          '  route: [{destination: {host: productpage, port: {number: 9080}}}]',
      ),
    );
    it('uri mismatch', () => {
      const t = call(text, { to: 'http://foo.bar/' });
      expect(t.out).toMatchObject({ listener: '0.0.0.0_80', routeConfig: 'http.80', virtualHost: 'foo.bar:80' });
      expect(t).toMatchObject({ status: 404, flags: 'NR', end: 'NO_ROUTE' });
    });
    it('host mismatch', () => {
      const t = call(text, { to: 'http://bad.bar/' });
      expect(t.out).toMatchObject({ listener: '0.0.0.0_80', routeConfig: 'http.80' });
      expect(t).toMatchObject({ status: 404, flags: 'NR', end: 'NO_VIRTUAL_HOST' });
    });
    it('match', () => {
      const t = call(text, { to: 'http://foo.bar/productpage' });
      expect(t.out).toMatchObject({
        listener: '0.0.0.0_80',
        virtualHost: 'foo.bar:80',
        cluster: 'outbound|9080||productpage.default.svc.cluster.local',
      });
    });
  });

  describe('virtual service merging', () => {
    const text = doc(
      gateway('gateway', httpServer(['*.example.com'])),
      route('a', ['a.example.com'], ['gateway'], 'a'),
      route('b', ['b.example.com'], ['gateway'], 'b'),
    );
    it('a', () =>
      expect(call(text, { to: 'http://a.example.com/' }).out?.cluster).toBe(
        'outbound|80||a.default.svc.cluster.local',
      ));
    it('b', () =>
      expect(call(text, { to: 'http://b.example.com/' }).out?.cluster).toBe(
        'outbound|80||b.default.svc.cluster.local',
      ));
    it('undefined hostname', () => expect(call(text, { to: 'http://c.example.com/' }).end).toBe('NO_VIRTUAL_HOST'));
  });

  const simpleRoute = route('vs', ['example.com'], ['gateway'], 'b');
  const redirect = '\ntls: {httpsRedirect: true}';
  for (const [name, text] of [
    ['httpsRedirect without routes', gateway('gateway', httpServer(['example.com'], redirect))],
    ['httpsRedirect with routes', doc(gateway('gateway', httpServer(['example.com'], redirect)), simpleRoute)],
    [
      'mixed httpsRedirect with routes',
      doc(
        gateway('gateway', httpServer(['example.com'], redirect)),
        gateway('gateway2', httpServer(['example.com'])),
        simpleRoute,
      ),
    ],
  ] as const) {
    it(`${name}: a 301 to https`, () => {
      const t = call(text, { to: 'http://example.com/' });
      expect(t.out).toMatchObject({ listener: '0.0.0.0_80', routeConfig: 'http.80', virtualHost: 'example.com:80' });
      expect(t).toMatchObject({ status: 301, outcome: 'redirect' });
    });
  }
  it('httpsRedirect on https: the TLS server ignores it and routes', () => {
    const text = doc(
      gateway(
        'gateway',
        'port: {number: 443, name: https, protocol: HTTPS}\nhosts: ["example.com"]\n' +
          'tls: {httpsRedirect: true, mode: SIMPLE, credentialName: test}',
      ),
      simpleRoute,
    );
    const t = call(text, { to: 'https://example.com/' });
    expect(t.out).toMatchObject({
      listener: '0.0.0.0_443',
      virtualHost: 'example.com:443',
      routeConfig: 'https.443.https.gateway.default',
      cluster: 'outbound|443||b.default.svc.cluster.local',
    });
  });
});

describe('servers that collide (gateway_simulation_test.go: TestGatewayConflicts)', () => {
  const tcpServer = 'port: {number: 80, name: tcp, protocol: TCP}\nhosts: ["foo.bar"]';
  const tlsServer =
    'hosts: ["./*"]\nport: {name: https-ingress, number: 443, protocol: HTTPS}\n' +
    'tls: {credentialName: sds-credential, mode: SIMPLE}';
  const collision = istio(
    'VirtualService',
    'bookinfo',
    'default',
    'hosts: ["*"]\ngateways: [istio-system/gateway]\ntcp:\n' +
      '- route: [{destination: {host: productpage, port: {number: 9080}}}]',
  );
  it('duplicate cross-namespace gateway, the other sorts first: no listener (istio/istio#21394)', () => {
    // Created together: equal times, so the name and then the namespace decide the order.
    const text = doc(
      gatewayAt('istio-system', 'gateway', tcpServer),
      gatewayAt('alpha', 'gateway', tcpServer),
      collision,
    );
    expect(call(text, { to: '10.1.9.9', port: 80, protocol: 'tcp' }).out?.listener).toBeUndefined();
  });
  it('duplicate cross-namespace gateway, selected first', () => {
    const text = doc(
      gatewayAt('istio-system', 'gateway', tcpServer),
      gatewayAt('zeta', 'gateway', tcpServer),
      collision,
    );
    expect(call(text, { to: '10.1.9.9', port: 80, protocol: 'tcp' }).out).toMatchObject({
      listener: '0.0.0.0_80',
      cluster: 'outbound|9080||productpage.default.svc.cluster.local',
    });
  });
  it('duplicate TLS gateway: two chains match, which Envoy rejects (istio/istio#24638)', () => {
    const text = doc(gatewayIn('istio-system', 'default', tlsServer), gatewayIn('default', 'default', tlsServer));
    const t = call(text, { to: 'https://foo.bar/' });
    expect(t.out?.cluster).toBeUndefined();
    expect(['routed', 'direct']).not.toContain(t.outcome);
  });
  it('duplicate TLS virtual service: the first keeps the SNI', () => {
    const passthrough = istio(
      'Gateway',
      'ingressgateway',
      'istio-system',
      'selector: {istio: ingressgateway}\nservers:\n- hosts: ["*.example.com"]\n' +
        '  port: {name: https, number: 443, protocol: HTTPS}\n  tls: {mode: PASSTHROUGH}',
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
    const t = call(doc(passthrough, tlsVs('vs1'), tlsVs('vs2')), { to: 'https://mysite.example.com/' });
    expect(t.out).toMatchObject({ listener: '0.0.0.0_443', cluster: 'outbound|443||mysite.default.svc.cluster.local' });
  });
  it('multiple protocols on a port, TCP first: TCP wins and, without TCP routes, there is no listener', () => {
    const text = doc(gateway('alpha', tcpServer), gateway('beta', httpServer(['foo.bar'])));
    expect(call(text, { to: '10.1.9.9', port: 80, protocol: 'tcp' }).out?.listener).toBeUndefined();
  });
  it('multiple protocols on a port, HTTP first: HTTP wins, 404 from the blackhole virtual host', () => {
    // Equal creation times: alpha sorts first.
    const text = doc(gatewayAt('default', 'beta', tcpServer), gatewayAt('default', 'alpha', httpServer(['foo.bar'])));
    const t = call(text, { to: 'http://foo.bar/' });
    expect(t.out).toMatchObject({ listener: '0.0.0.0_80', routeConfig: 'http.80', virtualHost: 'blackhole:80' });
    expect(t.status).toBe(404);
  });
  describe('multiple wildcards with a VirtualService disambiguator', () => {
    const server = (ns: string) => `hosts: ["${ns}/*.example.com"]\nport: {name: http, number: 80, protocol: HTTP}`;
    const vs = (ns: string, gw: string) =>
      istio(
        'VirtualService',
        'default',
        ns,
        `hosts: ["${ns}.example.com"]\ngateways: [default/${gw}]\nhttp:\n- route: [{destination: {host: echo}}]`,
      );
    const text = doc(
      gateway('alpha', server('ns-1')),
      gateway('beta', server('ns-2')),
      vs('ns-1', 'alpha'),
      vs('ns-2', 'beta'),
    );
    for (const ns of ['ns-1', 'ns-2'])
      it(ns, () => {
        expect(call(text, { to: `http://${ns}.example.com/` }).out).toMatchObject({
          listener: '0.0.0.0_80',
          routeConfig: 'http.80',
          cluster: `outbound|80||echo.${ns}.svc.cluster.local`,
        });
      });
  });
  describe('multiple virtual services that become separate virtual hosts', () => {
    const vs = (name: string, time: string, hosts: string[], rule: string) =>
      istio(
        'VirtualService',
        name,
        'default',
        `hosts: [${hosts.join(', ')}]\ngateways: [istio-system/public-gw]\nhttp:\n${rule}`,
        `, creationTimestamp: "${time}"`,
      );
    const text = doc(
      istio(
        'Gateway',
        'public-gw',
        'istio-system',
        'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
          '  hosts: [foo.example.com, bar.example.com]',
      ),
      vs(
        'bar-vs',
        '2020-01-01T00:00:00Z',
        ['bar.example.com'],
        '- name: bar\n  match: [{uri: {prefix: /bar}}]\n  route: [{destination: {host: echo-bar, port: {number: 80}}}]',
      ),
      vs(
        'foobar-vs',
        '2010-01-01T00:00:00Z',
        ['foo.example.com', 'bar.example.com'],
        '- name: foobar\n  match: [{uri: {prefix: /1}}, {uri: {prefix: /2}}, {uri: {prefix: /3}}]\n' +
          '  route: [{destination: {host: echo-foobar}}]',
      ),
      vs(
        'foo-vs',
        '2015-01-01T00:00:00Z',
        ['foo.example.com'],
        '- name: foo\n  match: [{uri: {prefix: /foo}}]\n  route: [{destination: {host: echo-foo, port: {number: 80}}}]',
      ),
    );
    for (const [host, path, dest] of [
      ['foo.example.com', '/1', 'echo-foobar'],
      ['foo.example.com', '/foo', 'echo-foo'],
      ['bar.example.com', '/bar', 'echo-bar'],
    ] as const)
      it(`${host}${path}`, () => {
        expect(call(text, { to: `http://${host}${path}` }).out).toMatchObject({
          listener: '0.0.0.0_80',
          routeConfig: 'http.80',
          cluster: `outbound|80||${dest}.default.svc.cluster.local`,
        });
      });
  });
});

describe('Kubernetes Ingress with a shared TLS host (gateway_simulation_test.go: TestIngress)', () => {
  const ingress = (name: string, time: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
  namespace: default
  creationTimestamp: "${time}"
  annotations: {kubernetes.io/ingress.class: istio}
spec:
  rules:
  - host: example.com
    http:
      paths:
      - {path: /${name}, pathType: Prefix, backend: {service: {name: ${name}, port: {number: 80}}}}
  tls:
  - {hosts: [example.com], secretName: ingressgateway-certs}`;
  const routeName =
    'https.443.https-443-ingress-alpha-default-0.alpha-istio-autogenerated-k8s-ingress-default.istio-system';
  for (const alphaFirst of [false, true]) {
    describe(alphaFirst ? 'alpha first' : 'beta first (istio/istio#24385)', () => {
      const [older, newer] = ['2010-01-01T00:00:00Z', '2020-01-01T00:00:00Z'];
      const text = doc(ingress('alpha', alphaFirst ? older : newer), ingress('beta', alphaFirst ? newer : older));
      for (const name of ['alpha', 'beta']) {
        it(`http ${name}`, () => {
          expect(call(text, { to: `http://example.com/${name}` }).out).toMatchObject({
            listener: '0.0.0.0_80',
            routeConfig: 'http.80',
            cluster: `outbound|80||${name}.default.svc.cluster.local`,
          });
        });
        it(`https ${name}`, () => {
          const t = call(text, { to: `https://example.com/${name}` });
          expect(t.out).toMatchObject({ listener: '0.0.0.0_443', routeConfig: routeName });
          if (alphaFirst) expect(t.out?.cluster).toBe(`outbound|80||${name}.default.svc.cluster.local`);
          else expect(t).toMatchObject({ status: 404, out: { virtualHost: 'blackhole:443' } });
        });
      }
    });
  }
});

describe('server ports become the gateway Service targetPort (gateway_simulation_test.go: TestTargetPort)', () => {
  it('basic: a server on 80 (targetPort 8080) and one on 8080 share the 8080 listener', () => {
    const text = doc(
      service('istio-ingressgateway', 'istio-system', {
        clusterIP: '10.96.9.9',
        selector: { istio: 'ingressgateway' },
        ports: [{ port: 80, name: 'http', targetPort: 8080 }],
      }),
      gatewayIn('istio-system', 'gateway80', httpServer(['example.com'])),
      gatewayIn(
        'istio-system',
        'gateway81',
        'port: {number: 8080, name: http, protocol: HTTP}\nhosts: ["example.com"]',
      ),
      istio(
        'VirtualService',
        'a',
        'default',
        'hosts: [example.com]\ngateways: [istio-system/gateway80, istio-system/gateway81]\nhttp:\n' +
          '- match: [{uri: {prefix: /}}]\n  route: [{destination: {host: a, port: {number: 80}}}]',
      ),
    );
    expect(call(text, { to: 'http://example.com/' }).out).toMatchObject({
      listener: '0.0.0.0_8080',
      routeConfig: 'http.8080',
      virtualHost: 'example.com:80',
      cluster: 'outbound|80||a.default.svc.cluster.local',
    });
  });
});

describe('Ingress prefixes match whole path segments (route/route_test.go: ingress semantics)', () => {
  const text = doc(
    pod('foo', 'default', { labels: { app: 'foo' }, ip: '10.1.0.9' }),
    service('foo', 'default', {
      clusterIP: '10.96.3.3',
      selector: { app: 'foo' },
      ports: [{ port: 80, name: 'http' }],
    }),
    `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: foo, namespace: default, annotations: {kubernetes.io/ingress.class: istio}}
spec:
  rules:
  - host: example.com
    http:
      paths:
      - {path: /route/v1/, pathType: Prefix, backend: {service: {name: foo, port: {number: 80}}}}`,
  );
  for (const [path, status] of [
    ['/route/v1', 200],
    ['/route/v1/', 200],
    ['/route/v1/x?q=1', 200],
    ['/route/v1x', 404],
    ['/route', 404],
  ] as const)
    it(`${path} → ${status}`, () => {
      expect(call(text, { to: `http://example.com${path}` }).status).toBe(status);
    });
});
