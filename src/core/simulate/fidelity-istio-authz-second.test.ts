// Second fidelity pass on AuthorizationPolicy and RequestAuthentication, after Istio's sources and istio.io's security
// tasks: trust domain aliases and the `cluster.local` principal (pilot/pkg/security/trustdomain/bundle.go), URI
// templates in paths (authz/matcher/template.go), ipBlocks vs remoteIpBlocks with X-Forwarded-For and
// numTrustedProxies (authz-ingress task; Envoy's original-IP detection), the negative fields, JWT token locations and
// several issuers. Each case is a whole scenario: manifests in, the status the caller sees out.
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import { normalizedPath } from '../security/authorization.ts';

const base = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('bar', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('istio-system'),
  pod('curl', 'foo', { labels: { app: 'curl' }, ip: '10.244.4.9', serviceAccount: 'curl' }),
  pod('curl', 'legacy', { labels: { app: 'curl' }, ip: '10.244.5.9' }),
  pod('httpbin', 'foo', { labels: { app: 'httpbin' }, ip: '10.244.4.1', serviceAccount: 'httpbin' }),
  service('httpbin', 'foo', {
    ports: [
      { port: 8000, name: 'http', targetPort: 80 },
      { port: 9000, name: 'tcp', targetPort: 9000 },
    ],
    selector: { app: 'httpbin' },
  }),
);
const policy = (spec: string, name = 'p', ns = 'foo', selector = 'app: httpbin', extra = '') =>
  istio('AuthorizationPolicy', name, ns, `${selector ? `selector: {matchLabels: {${selector}}}\n` : ''}${spec}`, extra);
const allowTo = (operation: string) => policy(`action: ALLOW\nrules:\n- to: [{operation: ${operation}}]`);
const allowFrom = (source: string) => policy(`action: ALLOW\nrules:\n- from: [{source: ${source}}]`);
const allowWhen = (condition: string) => policy(`action: ALLOW\nrules:\n- when: [${condition}]`);
const mesh = (text: string) => meshConfig(text);

/** A JWT with this payload (RS256 header; Meshpath does not check the signature). */
const jwt = (payload: Record<string, unknown>) => {
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'RS256', kid: 'k', typ: 'JWT' })}.${encode(payload)}.c2lnbmF0dXJl`;
};
const tokenA = jwt({ iss: 'issuer-a', sub: 'alice', exp: 4685989700, team: { name: 'blue', tier: 'gold' } });
const tokenB = jwt({ iss: 'issuer-b', sub: 'bob', exp: 4685989700, groups: ['dev', 'ops'] });
const requestAuthn = (rules: string) =>
  istio('RequestAuthentication', 'jwt', 'foo', `selector: {matchLabels: {app: httpbin}}\njwtRules:\n${rules}`);
const twoIssuers = requestAuthn(
  '- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n' +
    '- issuer: issuer-b\n  jwksUri: https://b.example/jwks.json',
);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Case {
  name: string;
  objects: string[];
  request?: Partial<TraceRequest>;
  status: 200 | 401 | 403 | null;
}

const cases: Case[] = [
  // Trust domains (trustdomain/bundle.go: ReplaceTrustDomainAliases; istio.io trust domain migration task).
  {
    name: 'after a trust domain change, a principal of the old trust domain no longer matches',
    objects: [mesh('trustDomain: new-td'), allowFrom('{principals: ["old-td/ns/foo/sa/curl"]}')],
    status: 403,
  },
  {
    name: 'with the old trust domain as an alias, the old principal matches again',
    objects: [
      mesh('trustDomain: new-td\ntrustDomainAliases: [old-td]'),
      allowFrom('{principals: ["old-td/ns/foo/sa/curl"]}'),
    ],
    status: 200,
  },
  {
    name: 'cluster.local in a principal stands for the local trust domain',
    objects: [mesh('trustDomain: new-td'), allowFrom('{principals: ["cluster.local/ns/foo/sa/curl"]}')],
    status: 200,
  },
  {
    name: 'a DENY notPrincipals of the old trust domain with the alias does not deny the caller',
    objects: [
      mesh('trustDomain: new-td\ntrustDomainAliases: [old-td]'),
      policy('action: DENY\nrules:\n- from: [{source: {notPrincipals: ["old-td/ns/foo/sa/curl"]}}]'),
    ],
    status: 200,
  },
  {
    name: 'when source.principal is migrated like principals',
    objects: [
      mesh('trustDomain: new-td\ntrustDomainAliases: [old-td]'),
      allowWhen('{key: source.principal, values: ["old-td/ns/foo/sa/curl"]}'),
    ],
    status: 200,
  },
  {
    name: 'trustDomains naming an alias matches the current trust domain',
    objects: [mesh('trustDomain: new-td\ntrustDomainAliases: [old-td]'), allowFrom('{trustDomains: ["old-td"]}')],
    status: 200,
  },
  {
    name: 'a principal with * as trust domain matches any trust domain',
    objects: [mesh('trustDomain: new-td'), allowFrom('{principals: ["*/ns/foo/sa/curl"]}')],
    status: 200,
  },
  // URI templates (authz/matcher/template.go → Envoy uri_template).
  {
    name: 'paths /{*}/get: {*} is one segment',
    objects: [allowTo('{paths: ["/{*}/get"]}')],
    request: { path: '/v1/get' },
    status: 200,
  },
  {
    name: 'paths /{*}/get does not match two segments',
    objects: [allowTo('{paths: ["/{*}/get"]}')],
    request: { path: '/v1/x/get' },
    status: 403,
  },
  {
    name: 'paths /api/{**}: {**} spans segments',
    objects: [allowTo('{paths: ["/api/{**}"]}')],
    request: { path: '/api/v1/users/7?x=1' },
    status: 200,
  },
  {
    name: 'paths /{**}/status: any depth before the literal',
    objects: [allowTo('{paths: ["/{**}/status"]}')],
    request: { path: '/a/b/status' },
    status: 200,
  },
  {
    name: 'DENY notPaths with a template denies what lies outside it',
    objects: [policy('action: DENY\nrules:\n- to: [{operation: {notPaths: ["/public/{**}"]}}]')],
    request: { path: '/private/x' },
    status: 403,
  },
  {
    name: 'DENY notPaths with a template lets what it names through',
    objects: [policy('action: DENY\nrules:\n- to: [{operation: {notPaths: ["/public/{**}"]}}]')],
    request: { path: '/public/x/y' },
    status: 200,
  },
  // ipBlocks vs remoteIpBlocks at a sidecar: its connection manager does not use the remote address, so Envoy takes the
  // client from the last X-Forwarded-For entry.
  {
    name: 'sidecar: remoteIpBlocks matches the X-Forwarded-For client',
    objects: [allowFrom('{remoteIpBlocks: ["203.0.113.7"]}')],
    request: { headers: { 'x-forwarded-for': '203.0.113.7' } },
    status: 200,
  },
  {
    name: 'sidecar: ipBlocks ignores X-Forwarded-For',
    objects: [allowFrom('{ipBlocks: ["203.0.113.7"]}')],
    request: { headers: { 'x-forwarded-for': '203.0.113.7' } },
    status: 403,
  },
  {
    name: 'sidecar: without X-Forwarded-For remoteIpBlocks is the peer address',
    objects: [allowFrom('{remoteIpBlocks: ["10.244.4.9/32"]}')],
    status: 200,
  },
  {
    name: 'sidecar: when remote.ip follows X-Forwarded-For',
    objects: [allowWhen('{key: remote.ip, values: ["203.0.113.0/24"]}')],
    request: { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' } },
    status: 200,
  },
  // Negative fields.
  {
    name: 'ALLOW notPrincipals matches a plaintext caller, which has no principal',
    objects: [allowFrom('{notPrincipals: ["cluster.local/ns/foo/sa/curl"]}')],
    request: { from: 'legacy/curl' },
    status: 200,
  },
  {
    name: 'ALLOW notNamespaces matches a plaintext caller',
    objects: [allowFrom('{notNamespaces: ["foo"]}')],
    request: { from: 'legacy/curl' },
    status: 200,
  },
  { name: 'notMethods POST lets GET through', objects: [allowTo('{notMethods: ["POST"]}')], status: 200 },
  { name: 'notPorts on the workload port', objects: [allowTo('{notPorts: ["80"]}')], status: 403 },
  {
    name: 'ALLOW when source.namespace of a plaintext caller',
    objects: [allowWhen('{key: source.namespace, values: ["legacy"]}')],
    request: { from: 'legacy/curl' },
    status: 403,
  },
  { name: 'hosts with a trailing * covers any port', objects: [allowTo('{hosts: ["httpbin.foo:*"]}')], status: 200 },
  // Scope.
  {
    name: 'a DENY in the root namespace with a selector applies in every namespace',
    objects: [policy('action: DENY\nrules: [{}]', 'root', 'istio-system')],
    status: 403,
  },
  {
    name: 'a policy of another namespace does not apply',
    objects: [policy('action: DENY\nrules: [{}]', 'other', 'bar', '')],
    status: 200,
  },
  {
    name: 'a dry-run ALLOW is not enforced, so nothing restricts the workload',
    objects: [
      policy('action: ALLOW\nrules: []', 'dry', 'foo', 'app: httpbin', ', annotations: {istio.io/dry-run: "true"}'),
    ],
    status: 200,
  },
  // TCP.
  {
    name: 'TCP: a DENY with only HTTP fields denies every connection',
    objects: [policy('action: DENY\nrules:\n- to: [{operation: {paths: ["/admin"]}}]')],
    request: { to: 'httpbin.foo', port: 9000, protocol: 'tcp' },
    status: null,
  },
  {
    name: 'TCP: an ALLOW rule with when request.headers is dropped, the other rule allows',
    objects: [
      policy(
        'action: ALLOW\nrules:\n- when: [{key: "request.headers[x-a]", values: ["1"]}]\n' +
          '- to: [{operation: {ports: ["9000"]}}]',
      ),
    ],
    request: { to: 'httpbin.foo', port: 9000, protocol: 'tcp' },
    status: 200,
  },
  // JWT.
  {
    name: 'two issuers: the second issuer is accepted and gives the request principal',
    objects: [twoIssuers, allowFrom('{requestPrincipals: ["issuer-b/bob"]}')],
    request: { headers: bearer(tokenB) },
    status: 200,
  },
  {
    name: 'requestPrincipals issuer-a/* does not admit the issuer-b token',
    objects: [twoIssuers, allowFrom('{requestPrincipals: ["issuer-a/*"]}')],
    request: { headers: bearer(tokenB) },
    status: 403,
  },
  {
    name: 'a RequestAuthentication alone lets a request without a token through',
    objects: [twoIssuers],
    status: 200,
  },
  {
    name: 'requestPrincipals ["*"] rejects a request without a token with 403',
    objects: [twoIssuers, allowFrom('{requestPrincipals: ["*"]}')],
    status: 403,
  },
  {
    name: 'nested claim request.auth.claims[team][name]',
    objects: [twoIssuers, allowWhen('{key: "request.auth.claims[team][name]", values: ["blue"]}')],
    request: { headers: bearer(tokenA) },
    status: 200,
  },
  {
    name: 'a list claim matches any of its values',
    objects: [twoIssuers, allowWhen('{key: "request.auth.claims[groups]", values: ["ops"]}')],
    request: { headers: bearer(tokenB) },
    status: 200,
  },
  {
    name: 'fromHeaders: the token in a custom header with a prefix',
    objects: [
      requestAuthn(
        '- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n' +
          '  fromHeaders: [{name: x-jwt-assertion, prefix: "Token "}]',
      ),
      allowFrom('{requestPrincipals: ["issuer-a/alice"]}'),
    ],
    request: { headers: { 'x-jwt-assertion': `Token ${tokenA}` } },
    status: 200,
  },
  {
    name: 'fromHeaders: the Authorization header is no longer read, so the request has no principal',
    objects: [
      requestAuthn(
        '- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n  fromHeaders: [{name: x-jwt-assertion}]',
      ),
      allowFrom('{requestPrincipals: ["*"]}'),
    ],
    request: { headers: bearer(tokenA) },
    status: 403,
  },
  {
    name: 'fromParams: the token in a query parameter',
    objects: [
      requestAuthn('- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n  fromParams: [my_token]'),
      allowFrom('{requestPrincipals: ["issuer-a/alice"]}'),
    ],
    request: { path: `/get?my_token=${tokenA}` },
    status: 200,
  },
  {
    name: 'fromCookies: the token in a cookie',
    objects: [
      requestAuthn('- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n  fromCookies: [session]'),
      allowFrom('{requestPrincipals: ["issuer-a/alice"]}'),
    ],
    request: { headers: { cookie: `theme=dark; session=${tokenA}` } },
    status: 200,
  },
  {
    name: 'fromCookies: a bearer token in Authorization is not read',
    objects: [
      requestAuthn('- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n  fromCookies: [session]'),
      allowFrom('{requestPrincipals: ["*"]}'),
    ],
    request: { headers: bearer(tokenA) },
    status: 403,
  },
  {
    name: 'a malformed token in the custom header is 401',
    objects: [
      requestAuthn(
        '- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json\n  fromHeaders: [{name: x-jwt-assertion}]',
      ),
    ],
    request: { headers: { 'x-jwt-assertion': 'not-a-token' } },
    status: 401,
  },
];

describe('AuthorizationPolicy and RequestAuthentication at a sidecar, second pass', () => {
  for (const c of cases)
    it(c.name, () => {
      const t = simulateScenario(doc(base, ...c.objects), {
        from: 'foo/curl',
        to: 'http://httpbin.foo:8000/get',
        ...c.request,
      });
      expect(t.status).toBe(c.status === 200 && c.request?.protocol === 'tcp' ? null : c.status);
      expect(t.outcome === 'denied').toBe(c.status !== 200);
    });
});

// istio.io tasks/security/authorization/authz-ingress: ipBlocks is the peer of the gateway, remoteIpBlocks the client
// Envoy trusts, which X-Forwarded-For gives only when numTrustedProxies says how many proxies stand before the gateway.
describe('ipBlocks and remoteIpBlocks at the ingress gateway (authz-ingress)', () => {
  const gateway = (annotations: Record<string, string> = {}) =>
    doc(
      pod('istio-ingressgateway', 'istio-system', {
        labels: { istio: 'ingressgateway', 'sidecar.istio.io/inject': 'true' },
        annotations: { 'inject.istio.io/templates': 'gateway', ...annotations },
        ip: '10.244.0.80',
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
        'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n' +
          '- route:\n  - destination: {host: httpbin, port: {number: 8000}}',
      ),
    );
  const atGateway = (source: string) =>
    istio(
      'AuthorizationPolicy',
      'ingress-policy',
      'istio-system',
      `selector: {matchLabels: {istio: ingressgateway}}\naction: ALLOW\nrules:\n- from: [{source: ${source}}]`,
    );
  const call = (objects: string[], xff = '203.0.113.7') =>
    simulateScenario(doc(base, ...objects), {
      from: 'istio-system/istio-ingressgateway',
      to: 'http://192.0.2.1/headers',
      headers: { 'x-forwarded-for': xff },
    }).status;
  const trustOne = mesh('defaultConfig:\n  gatewayTopology: {numTrustedProxies: 1}');
  it('without numTrustedProxies X-Forwarded-For is not trusted: remoteIpBlocks of the header client is 403', () => {
    expect(call([gateway(), atGateway('{remoteIpBlocks: ["203.0.113.7"]}')])).toBe(403);
  });
  it('with numTrustedProxies 1 in the mesh config, remoteIpBlocks matches the header client', () => {
    expect(call([gateway(), trustOne, atGateway('{remoteIpBlocks: ["203.0.113.7"]}')])).toBe(200);
  });
  it('with numTrustedProxies 1 ipBlocks still sees the peer, not the header client', () => {
    expect(call([gateway(), trustOne, atGateway('{ipBlocks: ["203.0.113.7"]}')])).toBe(403);
  });
  it('numTrustedProxies 2 in the pod annotation takes the second entry from the right', () => {
    const annotated = gateway({ 'proxy.istio.io/config': 'gatewayTopology: {numTrustedProxies: 2}' });
    expect(call([annotated, atGateway('{remoteIpBlocks: ["198.51.100.0/24"]}')], '198.51.100.4, 203.0.113.7')).toBe(
      200,
    );
  });
  it('fewer X-Forwarded-For entries than trusted proxies: the peer address stands', () => {
    const annotated = gateway({ 'proxy.istio.io/config': 'gatewayTopology: {numTrustedProxies: 2}' });
    expect(call([annotated, atGateway('{remoteIpBlocks: ["203.0.113.7"]}')])).toBe(403);
  });
  it('DENY remoteIpBlocks of the header client with numTrustedProxies 1 is 403, other clients 200', () => {
    const deny = istio(
      'AuthorizationPolicy',
      'deny-client',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\naction: DENY\nrules:\n' +
        '- from: [{source: {remoteIpBlocks: ["203.0.113.7/32"]}}]',
    );
    expect(call([gateway(), trustOne, deny])).toBe(403);
    expect(call([gateway(), trustOne, deny], '198.51.100.4')).toBe(200);
  });
  it('a sidecar behind the gateway sees the client the gateway appended as its remote address', () => {
    const text = doc(
      base,
      gateway(),
      policy('action: ALLOW\nrules:\n- from: [{source: {remoteIpBlocks: ["203.0.113.7"]}}]'),
    );
    const t = simulateScenario(text, {
      from: 'istio-system/istio-ingressgateway',
      to: 'http://192.0.2.1/headers',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    // The gateway appends its peer (the external client) to X-Forwarded-For; the sidecar trusts the last entry.
    expect(t.status).toBe(403);
  });
});

// pilot/pkg/model/policyattachment.go: a Gateway API gateway takes AuthorizationPolicy and RequestAuthentication by
// targetRefs naming its Gateway (and, by default, by selector); a sidecar ignores a policy with targetRefs.
describe('targetRefs and selector on a Gateway API gateway', () => {
  const gatewayApi = (kind: string, name: string, ns: string, spec: string) =>
    `apiVersion: gateway.networking.k8s.io/v1\nkind: ${kind}\n` +
    `metadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;
  const gateway = doc(
    gatewayApi(
      'Gateway',
      'gw',
      'foo',
      '  gatewayClassName: istio\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}',
    ),
    gatewayApi(
      'HTTPRoute',
      'httpbin',
      'foo',
      '  parentRefs: [{name: gw}]\n  rules:\n  - backendRefs: [{name: httpbin, port: 8000}]',
    ),
  );
  const call = (objects: string[], headers: Record<string, string> = {}) =>
    simulateScenario(doc(base, gateway, ...objects), {
      from: 'foo/gw-istio',
      to: 'http://httpbin.example/get',
      headers,
    }).status;
  const targeted = (name: string, ns = 'foo') =>
    istio(
      'AuthorizationPolicy',
      'deny-at-gw',
      ns,
      `targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: ${name}}]\naction: DENY\nrules: [{}]`,
    );
  it('without a policy the route answers 200', () => {
    expect(call([])).toBe(200);
  });
  it('a DENY with targetRefs naming the Gateway denies at the gateway', () => {
    expect(call([targeted('gw')])).toBe(403);
  });
  it('targetRefs naming another Gateway do not attach', () => {
    expect(call([targeted('other')])).toBe(200);
  });
  it('targetRefs from the root namespace do not attach to a gateway of another namespace', () => {
    expect(call([targeted('gw', 'istio-system')])).toBe(200);
  });
  it('a selector on the gateway-name label still applies (ENABLE_SELECTOR_BASED_K8S_GATEWAY_POLICY)', () => {
    const bySelector = istio(
      'AuthorizationPolicy',
      'deny-sel',
      'foo',
      'selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}\naction: DENY\nrules: [{}]',
    );
    expect(call([bySelector])).toBe(403);
  });
  it('a sidecar ignores a policy with targetRefs', () => {
    const onService = istio(
      'AuthorizationPolicy',
      'svc',
      'foo',
      'targetRefs: [{group: "", kind: Service, name: httpbin}]\naction: DENY\nrules: [{}]',
    );
    expect(simulateScenario(doc(base, onService), { from: 'foo/curl', to: 'http://httpbin.foo:8000/get' }).status).toBe(
      200,
    );
  });
  it('a RequestAuthentication with targetRefs checks tokens at the gateway', () => {
    const authn = istio(
      'RequestAuthentication',
      'gw-jwt',
      'foo',
      'targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\njwtRules:\n' +
        '- issuer: issuer-a\n  jwksUri: https://a.example/jwks.json',
    );
    expect(call([authn], { authorization: 'Bearer not-a-token' })).toBe(401);
    expect(call([authn], bearer(tokenA))).toBe(200);
  });
});

// pilot/pkg/security/authz/builder/builder.go: a CUSTOM policy whose provider istiod cannot build becomes DENY rules
// named ...-deny-due-to-bad-CUSTOM-action, so the requests it would have sent to the authorizer are denied.
describe('CUSTOM policies and their extension provider', () => {
  const providers = mesh(
    'extensionProviders:\n' +
      '- name: ext-authz\n  envoyExtAuthzHttp: {service: ext-authz.foo.svc.cluster.local, port: 8000}\n' +
      '- name: ext-authz-grpc\n  envoyExtAuthzGrpc: {service: ext-authz.foo.svc.cluster.local, port: 9000}\n' +
      '- name: tracing\n  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}',
  );
  const custom = (provider: string, name = 'ext', extra = '') =>
    policy(
      `action: CUSTOM\nprovider: {name: ${provider}}\nrules:\n- to: [{operation: {paths: ["/headers"]}}]`,
      name,
      'foo',
      'app: httpbin',
      extra,
    );
  const call = (objects: string[], path = '/headers') =>
    simulateScenario(doc(base, ...objects), { from: 'foo/curl', to: `http://httpbin.foo:8000${path}` });
  it('a defined ext_authz provider: Meshpath assumes the authorizer allows, and says so', () => {
    const t = call([providers, custom('ext-authz')]);
    expect(t.status).toBe(200);
    expect(t.assumptions.some((a) => JSON.stringify(a).includes('external authorizer'))).toBe(true);
  });
  it('an undefined provider: the matching request is denied', () => {
    const t = call([providers, custom('missing')]);
    expect(t.status).toBe(403);
    expect(t.hops.at(-1)?.accessLog).toContain(
      'rbac_access_denied_matched_policy[istio-ext-authz-missing-ns[foo]-policy[ext]-rule[0]' +
        '-deny-due-to-bad-CUSTOM-action]',
    );
  });
  it('an undefined provider: a request its rules do not match passes', () => {
    expect(call([providers, custom('missing')], '/get').status).toBe(200);
  });
  it('a provider that is not ext_authz (zipkin) is as bad as a missing one', () => {
    expect(call([providers, custom('tracing')]).status).toBe(403);
  });
  it('no extensionProviders at all: the CUSTOM policy denies what it matches', () => {
    expect(call([custom('ext-authz')]).status).toBe(403);
  });
  it('two providers on one workload are an error: both policies deny what they match', () => {
    expect(call([providers, custom('ext-authz', 'a'), custom('ext-authz-grpc', 'b')]).status).toBe(403);
  });
  it('a dry-run CUSTOM policy with an undefined provider is not enforced', () => {
    expect(call([providers, custom('missing', 'ext', ', annotations: {istio.io/dry-run: "true"}')]).status).toBe(200);
  });
});

// authz/model/generator.go: connSNIGenerator — connection.sni is the server name of the TLS connection, which between
// sidecars is the mTLS SNI of the outbound cluster; a plaintext connection has none.
describe('when connection.sni', () => {
  const sni = (values: string) => allowWhen(`{key: connection.sni, values: ${values}}`);
  const call = (objects: string[], from = 'foo/curl') =>
    simulateScenario(doc(base, ...objects), { from, to: 'http://httpbin.foo:8000/get' }).status;
  it('the mTLS SNI of the caller sidecar matches', () => {
    expect(call([sni('["outbound_.8000_._.httpbin.foo.svc.cluster.local"]')])).toBe(200);
  });
  it('a suffix match on the SNI', () => {
    expect(call([sni('["*.httpbin.foo.svc.cluster.local"]')])).toBe(200);
  });
  it('another SNI does not match', () => {
    expect(call([sni('["outbound_.9000_._.httpbin.foo.svc.cluster.local"]')])).toBe(403);
  });
  it('a plaintext caller has no SNI', () => {
    expect(call([sni('["*"]')], 'legacy/curl')).toBe(403);
  });
  it('a caller whose DestinationRule disables TLS has neither SNI nor principal', () => {
    const plain = istio(
      'DestinationRule',
      'httpbin',
      'foo',
      'host: httpbin.foo.svc.cluster.local\ntrafficPolicy:\n  tls: {mode: DISABLE}',
    );
    expect(call([plain, sni('["*"]')])).toBe(403);
    expect(call([plain, allowFrom('{principals: ["*"]}')])).toBe(403);
    expect(call([plain, allowFrom('{notPrincipals: ["*"]}')])).toBe(200);
  });
});

// core/listener_builder.go: pathNormalization DEFAULT/BASE sets normalize_path, so RBAC sees the path with its dot
// segments removed; NONE leaves it as sent (istio.io security best practices: path normalization).
describe('path normalization before RBAC', () => {
  const denyHeaders = policy('action: DENY\nrules:\n- to: [{operation: {paths: ["/headers"]}}]');
  const call = (objects: string[], path: string) =>
    simulateScenario(doc(base, ...objects), { from: 'foo/curl', to: `http://httpbin.foo:8000${path}` }).status;
  it('/ip/../headers is /headers to the DENY', () => {
    expect(call([denyHeaders], '/ip/../headers')).toBe(403);
  });
  it('/./headers is /headers too', () => {
    expect(call([denyHeaders], '/./headers')).toBe(403);
  });
  it('with pathNormalization NONE the DENY does not see /headers', () => {
    expect(call([denyHeaders, mesh('pathNormalization: {normalization: NONE}')], '/ip/../headers')).toBe(200);
  });
  it("the client sidecar's routes match the normalized path too; the query is left as sent", () => {
    const headersOnly = istio(
      'VirtualService',
      'httpbin',
      'foo',
      'hosts: [httpbin]\nhttp:\n- match: [{uri: {prefix: /headers}}]\n  route: [{destination: {host: httpbin}}]\n' +
        '- directResponse: {status: 418}',
    );
    expect(call([headersOnly], '/ip/../headers?x=../y')).toBe(200);
    expect(call([headersOnly], '/ip/headers')).toBe(418);
    expect(call([headersOnly, mesh('pathNormalization: {normalization: NONE}')], '/ip/../headers')).toBe(418);
  });
  it('MERGE_SLASHES merges adjacent slashes; DECODE_AND_MERGE_SLASHES first decodes %2F (RBAC here)', () => {
    const merge = mesh('pathNormalization: {normalization: MERGE_SLASHES}');
    const decode = mesh('pathNormalization: {normalization: DECODE_AND_MERGE_SLASHES}');
    expect(call([denyHeaders], '//headers')).toBe(200);
    expect(call([denyHeaders, merge], '//headers')).toBe(403);
    expect(call([denyHeaders, merge], '/%2Fheaders')).toBe(200);
    expect(call([denyHeaders, decode], '/%2Fheaders')).toBe(403);
    expect(call([denyHeaders, decode], '/ip/..%2F%2Fheaders?q=//x')).toBe(403);
  });
  it('the normalization modes, one path each (istio.io: /a/../b, /a//b, /a%2Fb)', () => {
    const cases: Array<[string | undefined, string, string]> = [
      [undefined, '/a/../b', '/b'],
      ['BASE', '/a//b', '/a//b'],
      ['NONE', '/a/../b', '/a/../b'],
      ['MERGE_SLASHES', '/a//b?x=//y', '/a/b?x=//y'],
      ['MERGE_SLASHES', '/a%2Fb', '/a%2Fb'],
      ['DECODE_AND_MERGE_SLASHES', '/a%2Fb', '/a/b'],
      ['DECODE_AND_MERGE_SLASHES', '/a%5cb', '/a\\b'],
    ];
    for (const [mode, path, expected] of cases) expect(normalizedPath(mode, path), `${mode} ${path}`).toBe(expected);
  });
});

// PeerAuthentication decides whether the caller's identity reaches the policy: auto mTLS sends plaintext to a workload
// whose PeerAuthentication is DISABLE (pilot/pkg/networking/core/cluster_tls.go), so principals cannot match there.
describe('PeerAuthentication and identities', () => {
  const call = (objects: string[], from = 'foo/curl') =>
    simulateScenario(doc(base, ...objects), { from, to: 'http://httpbin.foo:8000/get' }).status;
  const disable = istio(
    'PeerAuthentication',
    'httpbin',
    'foo',
    'selector: {matchLabels: {app: httpbin}}\nmtls: {mode: DISABLE}',
  );
  it('DISABLE on the server: a meshed caller has no principal, so principals ["*"] is 403', () => {
    expect(call([disable, allowFrom('{principals: ["*"]}')])).toBe(403);
  });
  it('DISABLE on the server: ipBlocks still match the caller', () => {
    expect(call([disable, allowFrom('{ipBlocks: ["10.244.4.9"]}')])).toBe(200);
  });
  it('PERMISSIVE: the meshed caller brings its principal, the plaintext caller none', () => {
    const p = allowFrom('{namespaces: ["foo", "legacy"]}');
    expect(call([p])).toBe(200);
    expect(call([p], 'legacy/curl')).toBe(403);
  });
});
