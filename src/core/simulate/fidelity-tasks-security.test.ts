/**
 * Scenarios after istio.io's security tasks (mTLS migration, PeerAuthentication STRICT/PERMISSIVE with plaintext
 * clients, authorization for HTTP, TCP, DENY and at the ingress gateway) and the DNS proxying guide: the objects are
 * written anew, the expectations are the status codes and connection results the tasks print.
 */
import { describe, expect, it } from 'vitest';
import {
  doc,
  istio,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  service,
  simulateScenario as trace,
} from '../testkit.ts';
import type { Simulation } from './facts.ts';

/** What curl -w "%{http_code}" prints: the status, or 000 when the connection gave none. */
const httpCode = (t: Simulation) => (t.status === null ? '000' : String(t.status));

// foo and bar with sidecars, legacy without; httpbin (8000 → 80, as the task's sample had it) and sleep in each.
const namespaces = ['foo', 'bar', 'legacy'];
const authnSetup = doc(
  namespace('istio-system'),
  ...namespaces.flatMap((ns, i) => [
    ns === 'legacy' ? namespace(ns) : namespace(ns, { 'istio-injection': 'enabled' }),
    service('httpbin', ns, { ports: [{ port: 8000, name: 'http', targetPort: 80 }], selector: { app: 'httpbin' } }),
    pod('httpbin', ns, {
      labels: { app: 'httpbin', version: 'v1' },
      ip: `10.244.${10 + i}.1`,
      serviceAccount: 'httpbin',
      ports: [{ containerPort: 80 }],
    }),
    service('sleep', ns, { ports: [{ port: 80, name: 'http' }], selector: { app: 'sleep' } }),
    pod('sleep', ns, { labels: { app: 'sleep' }, ip: `10.244.${10 + i}.2`, serviceAccount: 'sleep' }),
  ]),
);
/** The task's loop: every sleep to every httpbin, as `sleep.X to httpbin.Y: code` lines. */
const matrix = (text: string) =>
  namespaces.flatMap((from) =>
    namespaces.map(
      (to) =>
        `sleep.${from} to httpbin.${to}: ` +
        httpCode(trace(text, { from: `${from}/sleep`, to: `http://httpbin.${to}:8000/ip` })),
    ),
  );
const expected = (failing: string[]) =>
  namespaces.flatMap((from) =>
    namespaces.map((to) => `sleep.${from} to httpbin.${to}: ${failing.includes(`${from}>${to}`) ? '000' : '200'}`),
  );

describe('authentication policy (istio.io tasks/security/authentication/authn-policy)', () => {
  it('no policy: every pair answers 200 (PERMISSIVE accepts the plaintext of legacy)', () => {
    expect(matrix(authnSetup)).toEqual(expected([]));
  });
  it('mesh-wide STRICT: legacy can no longer reach foo or bar', () => {
    const strict = istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}');
    expect(matrix(doc(authnSetup, strict))).toEqual(expected(['legacy>foo', 'legacy>bar']));
  });
  it('namespace-wide STRICT in foo: only legacy → foo fails', () => {
    const strict = istio('PeerAuthentication', 'default', 'foo', 'mtls: {mode: STRICT}');
    expect(matrix(doc(authnSetup, strict))).toEqual(expected(['legacy>foo']));
  });
  const fooStrict = istio('PeerAuthentication', 'default', 'foo', 'mtls: {mode: STRICT}');
  it('workload STRICT on httpbin.bar as well: legacy → bar fails too', () => {
    const workload = istio(
      'PeerAuthentication',
      'httpbin',
      'bar',
      'selector: {matchLabels: {app: httpbin}}\nmtls: {mode: STRICT}',
    );
    expect(matrix(doc(authnSetup, fooStrict, workload))).toEqual(expected(['legacy>foo', 'legacy>bar']));
  });
  it('port-level DISABLE on the container port 80 lets legacy into bar again', () => {
    const workload = istio(
      'PeerAuthentication',
      'httpbin',
      'bar',
      'selector: {matchLabels: {app: httpbin}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  80: {mode: DISABLE}',
    );
    expect(matrix(doc(authnSetup, fooStrict, workload))).toEqual(expected(['legacy>foo']));
  });
  it('a workload DISABLE in foo overrides the namespace STRICT: legacy → foo is 200', () => {
    const overwrite = istio(
      'PeerAuthentication',
      'overwrite-example',
      'foo',
      'selector: {matchLabels: {app: httpbin}}\nmtls: {mode: DISABLE}',
    );
    const t = trace(doc(authnSetup, fooStrict, overwrite), { from: 'legacy/sleep', to: 'http://httpbin.foo:8000/ip' });
    expect(httpCode(t)).toBe('200');
  });
});

describe('mTLS migration (istio.io tasks/security/authentication/mtls-migration)', () => {
  it('STRICT in foo, then mesh-wide: legacy → foo fails with no HTTP status, foo → bar stays 200', () => {
    const meshStrict = istio('PeerAuthentication', 'default', 'istio-system', 'mtls: {mode: STRICT}');
    const text = doc(authnSetup, meshStrict);
    const t = trace(text, { from: 'legacy/sleep', to: 'http://httpbin.foo:8000/ip' });
    expect(t.outcome).toBe('mtls-failure');
    expect(httpCode(t)).toBe('000');
    expect(httpCode(trace(text, { from: 'foo/sleep', to: 'http://httpbin.bar:8000/ip' }))).toBe('200');
  });
});

describe('ingress end-user authentication (authn-policy, JWT at the gateway)', () => {
  const gateway = doc(
    pod('istio-ingressgateway', 'istio-system', {
      labels: { app: 'istio-ingressgateway', istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      ip: '10.244.0.70',
      serviceAccount: 'istio-ingressgateway-service-account',
    }),
    service('istio-ingressgateway', 'istio-system', {
      type: 'LoadBalancer',
      selector: { istio: 'ingressgateway' },
      ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
    }),
    istio(
      'Gateway',
      'httpbin-gateway',
      'foo',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
    ),
    istio(
      'VirtualService',
      'httpbin',
      'foo',
      'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n- route:\n' +
        '  - destination: {port: {number: 8000}, host: httpbin.foo.svc.cluster.local}',
    ),
  );
  const gw = 'istio-system/istio-ingressgateway';
  it('/headers through the gateway is 200', () => {
    const t = trace(doc(authnSetup, gateway), { from: gw, to: 'http://192.0.2.1/headers' });
    expect(httpCode(t)).toBe('200');
  });
  it('DENY notRequestPrincipals ["*"] at the gateway: a request without a token is 403', () => {
    const deny = istio(
      'AuthorizationPolicy',
      'frontend-ingress',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\naction: DENY\nrules:\n' +
        '- from: [{source: {notRequestPrincipals: ["*"]}}]',
    );
    const t = trace(doc(authnSetup, gateway, deny), { from: gw, to: 'http://192.0.2.1/headers' });
    expect(httpCode(t)).toBe('403');
    expect(t.outcome).toBe('denied');
  });
  it('the same DENY for /headers only: /headers 403, /ip 200', () => {
    const deny = istio(
      'AuthorizationPolicy',
      'frontend-ingress',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\naction: DENY\nrules:\n' +
        '- from: [{source: {notRequestPrincipals: ["*"]}}]\n  to: [{operation: {paths: ["/headers"]}}]',
    );
    const text = doc(authnSetup, gateway, deny);
    expect(httpCode(trace(text, { from: gw, to: 'http://192.0.2.1/headers' }))).toBe('403');
    expect(httpCode(trace(text, { from: gw, to: 'http://192.0.2.1/ip' }))).toBe('200');
  });
});

describe('authorization at the ingress gateway (istio.io tasks/security/authorization/authz-ingress)', () => {
  it("a DENY selecting the gateway closes a TCP server's connections (network RBAC), before any route", () => {
    const text = doc(
      authnSetup,
      pod('istio-ingressgateway', 'istio-system', {
        labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
        annotations: { 'inject.istio.io/templates': 'gateway' },
        ip: '10.244.0.71',
      }),
      service('istio-ingressgateway', 'istio-system', {
        selector: { istio: 'ingressgateway' },
        ports: [{ port: 31400, name: 'tcp', targetPort: 31400 }],
      }),
      istio(
        'Gateway',
        'tcp-gateway',
        'foo',
        'selector: {istio: ingressgateway}\nservers:\n' +
          '- port: {number: 31400, name: tcp, protocol: TCP}\n  hosts: ["*"]',
      ),
      istio(
        'VirtualService',
        'tcp',
        'foo',
        'hosts: ["*"]\ngateways: [tcp-gateway]\ntcp:\n- route:\n  - destination: {host: httpbin, port: {number: 8000}}',
      ),
    );
    const gw = 'istio-system/istio-ingressgateway';
    // HTTP from outside, carried by the gateway's TCP proxy to httpbin.
    const request = { from: gw, to: 'http://192.0.2.1:31400/ip' };
    expect(trace(text, request).outcome).toBe('routed');
    const deny = istio(
      'AuthorizationPolicy',
      'deny-tcp',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\naction: DENY\nrules:\n- to: [{operation: {ports: ["31400"]}}]',
    );
    const t = trace(doc(text, deny), request);
    expect({ outcome: t.outcome, status: t.status }).toEqual({ outcome: 'denied', status: null });
    expect(t.hops).toHaveLength(1);
    expect(t.hops[0]?.accessLog).toContain(
      ' rbac_access_denied_matched_policy[ns[istio-system]-policy[deny-tcp]-rule[0]] ',
    );
  });
});

describe('authorization for TCP traffic (istio.io tasks/security/authorization/authz-tcp)', () => {
  const tcpEcho = doc(
    namespace('istio-system'),
    namespace('foo', { 'istio-injection': 'enabled' }),
    service('tcp-echo', 'foo', {
      ports: [
        { port: 9000, name: 'tcp' },
        { port: 9001, name: 'tcp-other' },
      ],
      selector: { app: 'tcp-echo' },
    }),
    pod('tcp-echo', 'foo', {
      labels: { app: 'tcp-echo', version: 'v1' },
      ip: '10.244.20.1',
      ports: [{ containerPort: 9000 }, { containerPort: 9001 }, { containerPort: 9002 }],
    }),
    pod('sleep', 'foo', { labels: { app: 'sleep' }, ip: '10.244.20.2', serviceAccount: 'sleep' }),
  );
  const nc = (text: string, to: string, port: number) => {
    const t = trace(text, { from: 'foo/sleep', to, port, protocol: 'tcp' });
    return ['routed', 'passthrough'].includes(t.outcome) ? 'connection succeeded' : 'connection rejected';
  };
  const calls = (text: string) => [
    nc(text, 'tcp-echo', 9000),
    nc(text, 'tcp-echo', 9001),
    nc(text, '10.244.20.1', 9002),
  ];
  const policy = (action: string, operation: string) =>
    istio(
      'AuthorizationPolicy',
      'tcp-policy',
      'foo',
      `selector: {matchLabels: {app: tcp-echo}}\naction: ${action}\nrules:\n- to: [{operation: ${operation}}]`,
    );
  const ok = 'connection succeeded';
  const no = 'connection rejected';
  it('without a policy all three ports answer (9002 by pod IP)', () => {
    expect(calls(tcpEcho)).toEqual([ok, ok, ok]);
  });
  it('ALLOW ports 9000, 9001: 9002 is rejected', () => {
    expect(calls(doc(tcpEcho, policy('ALLOW', '{ports: ["9000", "9001"]}')))).toEqual([ok, ok, no]);
  });
  it('ALLOW with methods GET on port 9000: the HTTP-only field empties the rule, everything is rejected', () => {
    expect(calls(doc(tcpEcho, policy('ALLOW', '{methods: ["GET"], ports: ["9000"]}'))).slice(0, 2)).toEqual([no, no]);
  });
  it('DENY methods GET: the HTTP-only field widens the DENY to every TCP connection', () => {
    expect(calls(doc(tcpEcho, policy('DENY', '{methods: ["GET"]}'))).slice(0, 2)).toEqual([no, no]);
  });
  it('DENY methods GET on port 9000: only 9000 is rejected', () => {
    expect(calls(doc(tcpEcho, policy('DENY', '{methods: ["GET"], ports: ["9000"]}'))).slice(0, 2)).toEqual([no, ok]);
  });
});

describe('DNS proxying (istio.io ops/configuration/traffic-management/dns-proxy)', () => {
  const capture = meshConfig(
    'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n    ISTIO_META_DNS_AUTO_ALLOCATE: "true"',
  );
  const sleep = doc(
    namespace('istio-system'),
    namespace('default', { 'istio-injection': 'enabled' }),
    service('sleep', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'sleep' } }),
    pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.244.30.2', serviceAccount: 'sleep' }),
    capture,
  );
  it('a ServiceEntry address is the answer for its host: curl address.internal tries 198.51.100.1:80', () => {
    const se = istio(
      'ServiceEntry',
      'external-address',
      'default',
      'addresses: [198.51.100.1]\nhosts: [address.internal]\nports:\n- {name: http, number: 80, protocol: HTTP}',
    );
    const t = trace(doc(sleep, se), { from: 'default/sleep', to: 'http://address.internal' });
    expect(t.dns).toMatchObject({ resolver: 'istio-agent', answers: ['198.51.100.1'] });
  });
  it('a DNS ServiceEntry without addresses gets an auto-allocated address in 240.240.0.0/16', () => {
    const se = istio(
      'ServiceEntry',
      'external-auto',
      'default',
      'hosts: [auto.internal]\nports:\n- {name: http, number: 80, protocol: HTTP}\nresolution: DNS',
    );
    const t = trace(doc(sleep, se), { from: 'default/sleep', to: 'http://auto.internal' });
    expect(t.dns.resolver).toBe('istio-agent');
    expect(t.dns.answers[0]).toMatch(/^240\.240\.\d+\.\d+$/);
    expect(t.hops[0]?.cluster).toBe('outbound|80||auto.internal');
  });
  it('two TCP ServiceEntries on port 9000 get a listener each, on their own allocated address', () => {
    const external = doc(
      namespace('external-1'),
      namespace('external-2'),
      ...['external-1', 'external-2'].map((ns, i) =>
        doc(
          service('tcp-echo', ns, {
            ports: [{ port: 9000, name: 'tcp' }],
            selector: { app: 'tcp-echo' },
            clusterIP: `10.96.4${i}.1`,
          }),
          pod('tcp-echo', ns, { labels: { app: 'tcp-echo' }, ip: `10.244.4${i}.1` }),
        ),
      ),
      istio(
        'ServiceEntry',
        'external-svc-1',
        'default',
        'hosts: [tcp-echo.external-1.svc.cluster.local]\n' +
          'ports:\n- {name: external-svc-1, number: 9000, protocol: TCP}\n' +
          'resolution: DNS',
      ),
      istio(
        'ServiceEntry',
        'external-svc-2',
        'default',
        'hosts: [tcp-echo.external-2.svc.cluster.local]\n' +
          'ports:\n- {name: external-svc-2, number: 9000, protocol: TCP}\n' +
          'resolution: DNS',
      ),
    );
    const selectors = meshConfig(
      'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n' +
        '    ISTIO_META_DNS_AUTO_ALLOCATE: "true"\n' +
        'discoverySelectors:\n- matchLabels: {istio-injection: enabled}',
    );
    const text = doc(sleep.replace(capture, selectors), external);
    const config = proxyConfigFor(text, 'default/sleep');
    const rows = config.listeners
      .filter((l) => l.port === 9000)
      .map((l) => ({
        address: l.address,
        clusters: [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])].flatMap((c) =>
          c.action.kind === 'tcp' ? c.action.clusters.map((x) => x.name) : [],
        ),
      }));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.address).toMatch(/^240\.240\.\d+\.\d+$/);
    expect(rows.flatMap((r) => r.clusters).sort()).toEqual([
      'outbound|9000||tcp-echo.external-1.svc.cluster.local',
      'outbound|9000||tcp-echo.external-2.svc.cluster.local',
    ]);
  });
});

/** A JWT with this payload (header RS256; the signature is not checked offline). */
const jwt = (payload: Record<string, unknown>) => {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'RS256', kid: 'demo', typ: 'JWT' })}.${encode(payload)}.c2lnbmF0dXJl`;
};
const demoToken = jwt({
  exp: 4685989700,
  foo: 'bar',
  iat: 1532389700,
  iss: 'testing@secure.istio.io',
  sub: 'testing@secure.istio.io',
});
const groupsToken = jwt({
  exp: 3537391104,
  groups: ['group1', 'group2'],
  iat: 1537391104,
  iss: 'testing@secure.istio.io',
  scope: ['scope1', 'scope2'],
  sub: 'testing@secure.istio.io',
});

describe('authorization with JWT (istio.io tasks/security/authorization/authz-jwt)', () => {
  const requestAuthn = istio(
    'RequestAuthentication',
    'jwt-example',
    'foo',
    'selector: {matchLabels: {app: httpbin}}\njwtRules:\n- issuer: testing@secure.istio.io\n' +
      '  jwksUri: https://raw.githubusercontent.com/istio/istio/release-1.8/security/tools/jwt/samples/jwks.json',
  );
  const headers = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  const call = (text: string, token?: string) =>
    trace(text, { from: 'foo/sleep', to: 'http://httpbin.foo:8000/headers', headers: headers(token) });
  it('with a RequestAuthentication only: an invalid token is 401, no token is 200', () => {
    const text = doc(authnSetup, requestAuthn);
    const invalid = call(text, 'invalidToken');
    expect(httpCode(invalid)).toBe('401');
    expect(invalid.hops.at(-1)?.accessLog).toContain(
      '" 401 - jwt_authn_access_denied{Jwt_is_not_in_the_form_of_Header.Payload.Signature_with_two_dots_and_3' +
        '_sections}' +
        ' - "-" 0 79 ',
    );
    expect(httpCode(call(text))).toBe('200');
  });
  const requirePrincipal = (when = '') =>
    istio(
      'AuthorizationPolicy',
      'require-jwt',
      'foo',
      'selector: {matchLabels: {app: httpbin}}\naction: ALLOW\nrules:\n' +
        '- from: [{source: {requestPrincipals: ["testing@secure.istio.io/testing@secure.istio.io"]}}]' +
        when,
    );
  it('ALLOW requestPrincipals: the demo token is 200, no token is 403', () => {
    const text = doc(authnSetup, requestAuthn, requirePrincipal());
    const ok = call(text, demoToken);
    expect(httpCode(ok)).toBe('200');
    expect(ok.steps.map((s) => s.fact).find((f) => f.kind === 'authorization')).toMatchObject({
      allowed: true,
      requestPrincipal: 'testing@secure.istio.io/testing@secure.istio.io',
    });
    expect(httpCode(call(text))).toBe('403');
  });
  it('and a claim groups = group1: the groups token is 200, the demo token (no groups) 403', () => {
    const text = doc(
      authnSetup,
      requestAuthn,
      requirePrincipal('\n  when:\n  - key: request.auth.claims[groups]\n    values: ["group1"]'),
    );
    expect(httpCode(call(text, groupsToken))).toBe('200');
    expect(httpCode(call(text, demoToken))).toBe('403');
  });
  it('an expired token is 401 (Jwt is expired)', () => {
    const expired = jwt({ exp: 1000, iss: 'testing@secure.istio.io', sub: 'testing@secure.istio.io' });
    const t = call(doc(authnSetup, requestAuthn), expired);
    expect(httpCode(t)).toBe('401');
    expect(t.steps.at(-1)?.fact).toMatchObject({ end: { reason: 'JWT_REJECTED', message: 'Jwt is expired' } });
  });
});

describe('end-user authentication at the ingress gateway (authn-policy)', () => {
  const text = doc(
    authnSetup,
    pod('istio-ingressgateway', 'istio-system', {
      labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      ip: '10.244.0.72',
    }),
    service('istio-ingressgateway', 'istio-system', {
      selector: { istio: 'ingressgateway' },
      ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
    }),
    istio(
      'Gateway',
      'httpbin-gateway',
      'foo',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
    ),
    istio(
      'VirtualService',
      'httpbin',
      'foo',
      'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n- route:\n' +
        '  - destination: {port: {number: 8000}, host: httpbin.foo.svc.cluster.local}',
    ),
    istio(
      'RequestAuthentication',
      'jwt-example',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\njwtRules:\n- issuer: testing@secure.istio.io\n' +
        '  jwksUri: https://raw.githubusercontent.com/istio/istio/master/security/tools/jwt/samples/jwks.json',
    ),
  );
  const gw = 'istio-system/istio-ingressgateway';
  const call = (token?: string) =>
    httpCode(
      trace(text, {
        from: gw,
        to: 'http://192.0.2.1/headers',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    );
  it('no token 200, "deadbeef" 401, the demo token 200', () => {
    expect([call(), call('deadbeef'), call(demoToken)]).toEqual(['200', '401', '200']);
  });
});

describe('explicit deny (istio.io tasks/security/authorization/authz-deny)', () => {
  const call = (text: string, path: string, method: string, token?: string) =>
    httpCode(
      trace(text, {
        from: 'foo/sleep',
        to: `http://httpbin.foo:8000${path}`,
        method,
        headers: token ? { 'x-token': token } : {},
      }),
    );
  const denyGet = (when = '') =>
    istio(
      'AuthorizationPolicy',
      'deny-method-get',
      'foo',
      `selector: {matchLabels: {app: httpbin}}\naction: DENY\nrules:\n- to: [{operation: {methods: ["GET"]}}]${when}`,
    );
  it('DENY GET: GET /get is 403, POST /post is 200', () => {
    const text = doc(authnSetup, denyGet());
    expect([call(text, '/get', 'GET'), call(text, '/post', 'POST')]).toEqual(['403', '200']);
  });
  const unlessAdmin = denyGet('\n  when:\n  - key: request.headers[x-token]\n    notValues: ["admin"]');
  it('DENY GET unless x-token is admin: admin 200, guest 403', () => {
    const text = doc(authnSetup, unlessAdmin);
    expect([call(text, '/get', 'GET', 'admin'), call(text, '/get', 'GET', 'guest')]).toEqual(['200', '403']);
  });
  it('with ALLOW paths /ip as well: /ip as guest 403, /ip as admin 200, /get as admin 403', () => {
    const allowIp = istio(
      'AuthorizationPolicy',
      'allow-path-ip',
      'foo',
      'selector: {matchLabels: {app: httpbin}}\naction: ALLOW\nrules:\n- to: [{operation: {paths: ["/ip"]}}]',
    );
    const text = doc(authnSetup, unlessAdmin, allowIp);
    expect([
      call(text, '/ip', 'GET', 'guest'),
      call(text, '/ip', 'GET', 'admin'),
      call(text, '/get', 'GET', 'admin'),
    ]).toEqual(['403', '200', '403']);
  });
});

describe('HTTP authorization on Bookinfo (istio.io tasks/security/authorization/authz-http)', () => {
  const sa = (name: string) => `bookinfo-${name}`;
  const app = (name: string, ip: string, version = 'v1') =>
    pod(`${name}-${version}`, 'default', {
      labels: { app: name, version },
      ip,
      serviceAccount: sa(name),
      ports: [{ containerPort: 9080 }],
    });
  const bookinfo = doc(
    namespace('istio-system'),
    namespace('default', { 'istio-injection': 'enabled' }),
    ...['productpage', 'details', 'reviews', 'ratings'].map((name) =>
      service(name, 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: name } }),
    ),
    app('productpage', '10.244.50.1'),
    app('details', '10.244.50.2'),
    app('reviews', '10.244.50.3', 'v2'),
    app('ratings', '10.244.50.4'),
    pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.244.50.9', serviceAccount: 'sleep' }),
  );
  const allowNothing = istio('AuthorizationPolicy', 'allow-nothing', 'default', '{}');
  const viewer = (name: string, from = '') =>
    istio(
      'AuthorizationPolicy',
      `${name}-viewer`,
      'default',
      `selector: {matchLabels: {app: ${name}}}\naction: ALLOW\nrules:\n- ` +
        (from ? `from: [{source: {principals: ["cluster.local/ns/default/sa/${from}"]}}]\n  ` : '') +
        'to: [{operation: {methods: ["GET"]}}]',
    );
  const get = (text: string, from: string, to: string) =>
    httpCode(trace(text, { from: `default/${from}`, to: `http://${to}:9080/` }));
  it('allow-nothing: productpage answers 403 (RBAC: access denied)', () => {
    const t = trace(doc(bookinfo, allowNothing), { from: 'default/sleep', to: 'http://productpage:9080/productpage' });
    expect(httpCode(t)).toBe('403');
    expect(t.hops.at(-1)?.accessLog).toContain('" 403 - rbac_access_denied_matched_policy[none] ');
  });
  it('productpage-viewer: the page loads, but productpage gets 403 from details and reviews', () => {
    const text = doc(bookinfo, allowNothing, viewer('productpage'));
    expect(get(text, 'sleep', 'productpage')).toBe('200');
    expect(get(text, 'productpage-v1', 'details')).toBe('403');
    expect(get(text, 'productpage-v1', 'reviews')).toBe('403');
  });
  it('details-viewer and reviews-viewer for bookinfo-productpage, ratings-viewer for bookinfo-reviews', () => {
    const text = doc(
      bookinfo,
      allowNothing,
      viewer('productpage'),
      viewer('details', sa('productpage')),
      viewer('reviews', sa('productpage')),
      viewer('ratings', sa('reviews')),
    );
    expect([
      get(text, 'productpage-v1', 'details'),
      get(text, 'productpage-v1', 'reviews'),
      get(text, 'reviews-v2', 'ratings'),
      get(text, 'sleep', 'details'),
    ]).toEqual(['200', '200', '200', '403']);
  });
});

describe('routing by JWT claims at the ingress gateway (istio.io tasks/security/authentication/jwt-route)', () => {
  const text = doc(
    authnSetup,
    pod('istio-ingressgateway', 'istio-system', {
      labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      ip: '10.244.0.73',
    }),
    service('istio-ingressgateway', 'istio-system', {
      selector: { istio: 'ingressgateway' },
      ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
    }),
    istio(
      'Gateway',
      'httpbin-gateway',
      'foo',
      'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
    ),
    istio(
      'RequestAuthentication',
      'ingress-jwt',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\njwtRules:\n- issuer: testing@secure.istio.io\n' +
        '  jwksUri: https://raw.githubusercontent.com/istio/istio/release-1.12/security/tools/jwt/samples/jwks.json',
    ),
    istio(
      'VirtualService',
      'httpbin',
      'foo',
      'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n- match:\n  - uri: {prefix: /headers}\n' +
        '    headers:\n      "@request.auth.claims.groups": {exact: group1}\n  route:\n' +
        '  - destination: {port: {number: 8000}, host: httpbin}',
    ),
  );
  const call = (token?: string) =>
    httpCode(
      trace(text, {
        from: 'istio-system/istio-ingressgateway',
        to: 'http://192.0.2.1/headers',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    );
  it('no token 404, an invalid token 401, the groups token 200, the token without groups 404', () => {
    expect([call(), call('some.invalid.token'), call(groupsToken), call(demoToken)]).toEqual([
      '404',
      '401',
      '200',
      '404',
    ]);
  });
  it('the bracket form @request.auth.claims[groups] and withoutHeaders work the same way', () => {
    const bracket = text.replace('"@request.auth.claims.groups"', '"@request.auth.claims[groups]"');
    const t = trace(bracket, {
      from: 'istio-system/istio-ingressgateway',
      to: 'http://192.0.2.1/headers',
      headers: { authorization: `Bearer ${groupsToken}` },
    });
    expect(httpCode(t)).toBe('200');
    const without = text.replace('    headers:', '    withoutHeaders:');
    const call2 = (token: string) =>
      httpCode(
        trace(without, {
          from: 'istio-system/istio-ingressgateway',
          to: 'http://192.0.2.1/headers',
          headers: { authorization: `Bearer ${token}` },
        }),
      );
    expect([call2(groupsToken), call2(demoToken)]).toEqual(['404', '200']);
  });
});
