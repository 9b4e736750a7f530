// Fidelity: what a route's request changes do to the rest of the path. istiod writes VirtualService rewrite and
// headers, and HTTPRoute URLRewrite and RequestHeaderModifier, as Envoy's prefix_rewrite, regex_rewrite,
// host_rewrite_literal and request_headers_to_add/remove (pilot/pkg/networking/core/route/route.go:
// applyHTTPRouteDestination, TranslateHeadersOperations, processDestination, processWeightedDestination;
// pilot/pkg/config/kube/gateway/conversion.go: createRewriteFilter, createHeadersFilter, buildHTTPDestination).
// Envoy matches the route on the request as it arrives, then changes it (config_impl.cc: finalizeRequestHeaders):
// the next proxy routes, and its AuthorizationPolicy decides, on the changed request. Examples after istio.io's
// VirtualService reference (rewrite, headers), the Gateway API HTTPRoute filters and Envoy's regex_rewrite examples.
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../index.ts';
import { callResult, doc, istio, meshConfig, namespace, pod, service, simulateScenario as trace } from '../testkit.ts';
import { explainWhyNot } from '../pathtests/fixes.ts';
import type { Simulation } from './facts.ts';

const gatewayApi = (kind: string, name: string, ns: string, spec: string) =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: ${kind}\n` +
  `metadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;

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
    ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
  }),
);
const gw = 'istio-system/istio-ingressgateway-5d8f';
// httpbin as in samples/httpbin (8000 → 8080), and a client with a sidecar.
const mesh = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  service('httpbin', 'default', {
    ports: [{ port: 8000, name: 'http', targetPort: 8080 }],
    selector: { app: 'httpbin' },
    clusterIP: '10.96.0.80',
  }),
  pod('httpbin-v1', 'default', {
    labels: { app: 'httpbin', version: 'v1' },
    ip: '10.244.4.1',
    serviceAccount: 'httpbin',
    ports: [{ containerPort: 8080 }],
  }),
  pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.4.9', serviceAccount: 'curl' }),
);
const base = doc(ingressGateway, mesh);
const gateway = istio(
  'Gateway',
  'httpbin-gateway',
  'default',
  'selector: {istio: ingressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["*"]',
);
/** A VirtualService for httpbin at the ingress gateway: `rule` is one http rule routing to httpbin. */
const atGateway = (rule: string) =>
  istio(
    'VirtualService',
    'httpbin',
    'default',
    `hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n${rule}\n` +
      '  route: [{destination: {host: httpbin, port: {number: 8000}}}]',
  );
/** The same rule on the sidecars (gateways: mesh) for httpbin. */
const atSidecar = (rule: string) =>
  istio(
    'VirtualService',
    'httpbin',
    'default',
    `hosts: [httpbin]\nhttp:\n${rule}\n  route: [{destination: {host: httpbin, port: {number: 8000}}}]`,
  );
const allowAt = (rules: string) =>
  istio(
    'AuthorizationPolicy',
    'httpbin',
    'default',
    `selector: {matchLabels: {app: httpbin}}\naction: ALLOW\nrules:\n${rules}`,
  );
const viaGateway = (to: string): TraceRequest => ({ from: gw, to });
const fromCurl = (to: string): TraceRequest => ({ from: 'default/curl', to });
const inbound = (t: Simulation) => t.hops.find((h) => h.direction === 'inbound');
/** The path the first proxy forwards: rewritten, or as it came. */
const forwardedPath = (text: string, request: TraceRequest) => {
  const t = trace(text, request);
  return t.hops[0]?.forwarded?.path?.to ?? t.request.path;
};

describe('rewrite.uri is a prefix rewrite of what the route matched (route.go: applyHTTPRouteDestination)', () => {
  const rewrite = (match: string, uri: string) => `- match: [${match}]\n  rewrite: {uri: ${uri}}`;
  it('a prefix: the matched prefix is replaced, the rest and the query kept', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /api/v1}}', '/v1')));
    expect(forwardedPath(text, viaGateway('http://httpbin.example.com/api/v1/users?page=2'))).toBe('/v1/users?page=2');
  });
  it('istio.io reference: prefix /ratings rewritten to /v1/bookRatings', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /ratings}}', '/v1/bookRatings')));
    expect(forwardedPath(text, viaGateway('http://httpbin.example.com/ratings/2'))).toBe('/v1/bookRatings/2');
  });
  it('no trailing slash care: prefix /api/ rewritten to / drops the slash, /api rewritten to / doubles none', () => {
    const slash = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /api/}}', '/')));
    expect(forwardedPath(slash, viaGateway('http://h/api/users'))).toBe('/users');
    const bare = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /api}}', '/')));
    expect(forwardedPath(bare, viaGateway('http://h/api/users'))).toBe('//users');
  });
  it('an exact match: the whole path is replaced, the query kept', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {exact: /v1/getProductRatings}}', '/v1/bookRatings')));
    expect(forwardedPath(text, viaGateway('http://h/v1/getProductRatings?id=1'))).toBe('/v1/bookRatings?id=1');
  });
  it('a regex match: the whole path (not the query) is replaced', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {regex: "/items/[0-9]+"}}', '/item')));
    expect(forwardedPath(text, viaGateway('http://h/items/42?x=1'))).toBe('/item?x=1');
  });
  it('a match on a header only: the prefix is `/`, so /a becomes /v2a', () => {
    const text = doc(base, gateway, atGateway(rewrite('{headers: {x-v: {exact: "2"}}}', '/v2')));
    expect(forwardedPath(text, { ...viaGateway('http://h/a'), headers: { 'x-v': '2' } })).toBe('/v2a');
  });
  it('ignoreUriCase: the prefix is replaced by its length whatever its case', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /api}, ignoreUriCase: true}', '/v1')));
    expect(forwardedPath(text, viaGateway('http://h/API/users'))).toBe('/v1/users');
  });
  it('an empty uri rewrites nothing', () => {
    const text = doc(base, gateway, atGateway(rewrite('{uri: {prefix: /api}}', '""')));
    const t = trace(text, viaGateway('http://h/api/users'));
    expect(t.hops[0]?.forwarded).toBeUndefined();
    expect(inbound(t)?.accessLog).toMatch(/"GET \/api\/users HTTP/);
  });
});

describe('rewrite.uriRegexRewrite is Envoy regex_rewrite: every match in the path, the query kept', () => {
  const regex = (match: string, sub: string) => `- rewrite: {uriRegexRewrite: {match: '${match}', rewrite: '${sub}'}}`;
  it('capture groups: ^/service/([^/]+)(/.*)$ → \\2/instance/\\1', () => {
    const text = doc(base, gateway, atGateway(regex('^/service/([^/]+)(/.*)$', '\\2/instance/\\1')));
    expect(forwardedPath(text, viaGateway('http://h/service/foo/v1/api?q=1'))).toBe('/v1/api/instance/foo?q=1');
  });
  it('every occurrence is replaced: one → two', () => {
    const text = doc(base, gateway, atGateway(regex('one', 'two')));
    expect(forwardedPath(text, viaGateway('http://h/xxx/one/yyy/one/zzz'))).toBe('/xxx/two/yyy/two/zzz');
  });
  it('RE2 syntax: a leading (?i) ignores case, (?P<name>…) names a group', () => {
    const text = doc(base, gateway, atGateway(regex('(?i)^/API/(?P<rest>.*)$', '/v1/\\1')));
    expect(forwardedPath(text, viaGateway('http://h/api/users'))).toBe('/v1/users');
  });
  it('a regex rewrite wins over a uri rewrite in the same rewrite', () => {
    const text = doc(base, gateway, atGateway(`- rewrite: {uri: /x, uriRegexRewrite: {match: '^/a', rewrite: '/b'}}`));
    expect(forwardedPath(text, viaGateway('http://h/a/c'))).toBe('/b/c');
  });
});

describe('the destination decides on the rewritten request (AuthorizationPolicy paths, hosts, headers)', () => {
  const rewriteApi = atGateway('- match: [{uri: {prefix: /api/v1}}]\n  rewrite: {uri: /v1}');
  it('the gateway rewrites /api/v1 → /v1 and httpbin ALLOWs /v1/*: 200', () => {
    const text = doc(base, gateway, rewriteApi, allowAt('- to: [{operation: {paths: ["/v1/*"]}}]'));
    const t = trace(text, viaGateway('http://httpbin.example.com/api/v1/users'));
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.forwarded).toEqual({ path: { from: '/api/v1/users', to: '/v1/users' } });
  });
  it('the same request when httpbin ALLOWs only /api/v1/*: 403 at httpbin (it never sees /api/v1)', () => {
    const text = doc(base, gateway, rewriteApi, allowAt('- to: [{operation: {paths: ["/api/v1/*"]}}]'));
    const t = trace(text, viaGateway('http://httpbin.example.com/api/v1/users'));
    expect(callResult(t)).toEqual({ outcome: 'denied', status: 403, responseFlags: '-' });
    expect(inbound(t)?.proxy).toBe('default/httpbin-v1');
  });
  it("the gateway's own policy runs before its router: a DENY of /v1/* there does not stop /api/v1/users", () => {
    const deny = istio(
      'AuthorizationPolicy',
      'deny-v1',
      'istio-system',
      'selector: {matchLabels: {istio: ingressgateway}}\naction: DENY\nrules:\n- to: [{operation: {paths: ["/v1/*"]}}]',
    );
    const t = trace(doc(base, gateway, rewriteApi, deny), viaGateway('http://httpbin.example.com/api/v1/users'));
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
  });
  it('a sidecar rewrite is what the destination sidecar checks too', () => {
    const text = doc(
      base,
      atSidecar('- match: [{uri: {prefix: /old}}]\n  rewrite: {uri: /new}'),
      allowAt('- to: [{operation: {paths: ["/new/*"]}}]'),
    );
    expect(callResult(trace(text, fromCurl('http://httpbin:8000/old/x')))).toMatchObject({ status: 200 });
    expect(
      callResult(
        trace(doc(base, allowAt('- to: [{operation: {paths: ["/new/*"]}}]')), fromCurl('http://httpbin:8000/old/x')),
      ),
    ).toMatchObject({ status: 403 });
  });
  it('rewrite.authority: the destination matches `hosts` on the new authority', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- rewrite: {authority: httpbin.internal}'),
      allowAt('- to: [{operation: {hosts: ["httpbin.internal"]}}]'),
    );
    const t = trace(text, viaGateway('http://httpbin.example.com/get'));
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.forwarded).toEqual({ authority: { from: 'httpbin.example.com', to: 'httpbin.internal' } });
    const without = trace(
      doc(
        base,
        gateway,
        atGateway('- match: [{uri: {prefix: /}}]'),
        allowAt('- to: [{operation: {hosts: ["httpbin.internal"]}}]'),
      ),
      viaGateway('http://httpbin.example.com/get'),
    );
    expect(without.status).toBe(403);
  });
  it('headers.request.set: a `when request.headers[...]` condition at the destination holds', () => {
    const policy = allowAt('- when: [{key: "request.headers[x-team]", values: ["blue"]}]');
    const set = atGateway('- headers: {request: {set: {x-team: blue}}}');
    const t = trace(doc(base, gateway, set, policy), viaGateway('http://h/get'));
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[0]?.forwarded).toEqual({ headers: [{ name: 'x-team', to: 'blue' }] });
    // It overwrites what the client sent.
    const over = trace(doc(base, gateway, set, policy), {
      ...viaGateway('http://h/get'),
      headers: { 'x-team': 'red' },
    });
    expect(over.status).toBe(200);
    expect(over.hops[0]?.forwarded?.headers).toEqual([{ name: 'x-team', from: 'red', to: 'blue' }]);
  });
  it('headers.request.remove: the destination no longer sees the header', () => {
    const policy = allowAt('- when: [{key: "request.headers[x-debug]", values: ["*"]}]');
    const remove = atGateway('- headers: {request: {remove: [x-debug]}}');
    const t = trace(doc(base, gateway, remove, policy), { ...viaGateway('http://h/get'), headers: { 'x-debug': '1' } });
    expect(callResult(t)).toMatchObject({ outcome: 'denied', status: 403 });
    expect(t.hops[0]?.forwarded).toEqual({ headers: [{ name: 'x-debug', from: '1' }] });
  });
  it('headers.request.add appends to a header the request has (values joined by a comma)', () => {
    const add = atGateway('- headers: {request: {add: {x-tag: two}}}');
    const policy = allowAt('- when: [{key: "request.headers[x-tag]", values: ["one,two"]}]');
    const t = trace(doc(base, gateway, add, policy), { ...viaGateway('http://h/get'), headers: { 'x-tag': 'one' } });
    expect(t.status).toBe(200);
    expect(t.hops[0]?.forwarded?.headers).toEqual([{ name: 'x-tag', from: 'one', to: 'one,two' }]);
  });
  it('remove runs before set and add: a header removed and set ends set', () => {
    const both = atGateway('- headers: {request: {set: {x-a: new}, remove: [x-a]}}');
    const t = trace(doc(base, gateway, both), { ...viaGateway('http://h/get'), headers: { 'x-a': 'old' } });
    expect(t.hops[0]?.forwarded?.headers).toEqual([{ name: 'x-a', from: 'old', to: 'new' }]);
  });
  it('the method is never changed: a `methods` rule sees the client method', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- rewrite: {uri: /v1}'),
      allowAt('- to: [{operation: {methods: ["POST"], paths: ["/v1*"]}}]'),
    );
    expect(trace(text, { ...viaGateway('http://h/x'), method: 'POST' }).status).toBe(200);
    expect(trace(text, { ...viaGateway('http://h/x'), method: 'GET' }).status).toBe(403);
  });
});

describe('authority from headers (route.go: TranslateHeadersOperations)', () => {
  it('set of `host` or `:authority` becomes the host rewrite; the pseudo-header is never sent as a header', () => {
    for (const key of ['host', ':authority']) {
      const text = doc(base, gateway, atGateway(`- headers: {request: {set: {"${key}": httpbin.internal}}}`));
      const t = trace(text, viaGateway('http://httpbin.example.com/get'));
      expect(t.hops[0]?.forwarded).toEqual({ authority: { from: 'httpbin.example.com', to: 'httpbin.internal' } });
    }
  });
  it('rewrite.authority beats a header-set authority', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- rewrite: {authority: from-rewrite}\n  headers: {request: {set: {host: from-headers}}}'),
    );
    expect(trace(text, viaGateway('http://h/get')).hops[0]?.forwarded?.authority?.to).toBe('from-rewrite');
  });
  it("a single destination's headers join the route's; its authority applies when the route sets none", () => {
    const vs = istio(
      'VirtualService',
      'httpbin',
      'default',
      'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n- headers: {request: {set: {x-route: r}}}\n  route:\n' +
        '  - destination: {host: httpbin, port: {number: 8000}}\n' +
        '    headers: {request: {set: {x-dest: d, ":authority": dest.internal}}}',
    );
    const t = trace(doc(base, gateway, vs), viaGateway('http://h/get'));
    expect(t.hops[0]?.forwarded).toEqual({
      authority: { from: 'h', to: 'dest.internal' },
      headers: [
        { name: 'x-dest', to: 'd' },
        { name: 'x-route', to: 'r' },
      ],
    });
  });
  it("a weighted destination's own headers go with it; the route's authority wins over the destination's", () => {
    const dr = istio(
      'DestinationRule',
      'httpbin',
      'default',
      'host: httpbin\nsubsets:\n- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}',
    );
    const vs = istio(
      'VirtualService',
      'httpbin',
      'default',
      'hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n- rewrite: {authority: route.internal}\n  route:\n' +
        '  - destination: {host: httpbin, subset: v1, port: {number: 8000}}\n    weight: 90\n' +
        '    headers: {request: {set: {x-version: v1, host: v1.internal}}}\n' +
        '  - destination: {host: httpbin, subset: v2, port: {number: 8000}}\n    weight: 10\n' +
        '    headers: {request: {set: {x-version: v2}}}',
    );
    const t = trace(doc(base, gateway, dr, vs), viaGateway('http://h/get'));
    expect(t.hops[0]?.cluster).toBe('outbound|8000|v1|httpbin.default.svc.cluster.local');
    expect(t.hops[0]?.forwarded).toEqual({
      authority: { from: 'h', to: 'route.internal' },
      headers: [{ name: 'x-version', to: 'v1' }],
    });
  });
});

// Egress gateway as the istio/gateway chart installs it, and edition.cnn.com as in istio.io's egress-gateway task.
const egress = doc(
  pod('istio-egressgateway-6c9f', 'istio-system', {
    labels: { app: 'istio-egressgateway', istio: 'egressgateway', 'sidecar.istio.io/inject': 'true' },
    annotations: { 'inject.istio.io/templates': 'gateway' },
    ip: '10.244.0.60',
    serviceAccount: 'istio-egressgateway-service-account',
  }),
  service('istio-egressgateway', 'istio-system', {
    selector: { istio: 'egressgateway' },
    ports: [{ port: 80, name: 'http2', targetPort: 8080 }],
  }),
  istio(
    'ServiceEntry',
    'cnn',
    'default',
    'hosts: [edition.cnn.com, www.cnn.com]\nports:\n- {number: 80, name: http-port, protocol: HTTP}\nresolution: DNS',
  ),
  istio(
    'Gateway',
    'istio-egressgateway',
    'default',
    'selector: {istio: egressgateway}\nservers:\n- port: {number: 80, name: http, protocol: HTTP}\n' +
      '  hosts: [edition.cnn.com]',
  ),
);
const toEgress =
  '  route:\n  - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}';

describe('sidecar → egress gateway: the gateway routes the request the sidecar changed', () => {
  it("a header the sidecar sets picks the egress gateway's route (headers match on the gateway)", () => {
    const vs = istio(
      'VirtualService',
      'cnn',
      'default',
      'hosts: [edition.cnn.com]\ngateways: [istio-egressgateway, mesh]\nhttp:\n' +
        `- match: [{gateways: [mesh], port: 80}]\n  headers: {request: {set: {x-egress: audited}}}\n${toEgress}\n` +
        '- match: [{gateways: [istio-egressgateway], headers: {x-egress: {exact: audited}}}]\n' +
        '  route: [{destination: {host: edition.cnn.com, port: {number: 80}}}]\n' +
        '- match: [{gateways: [istio-egressgateway]}]\n  directResponse: {status: 418}',
    );
    const t = trace(doc(base, egress, vs), fromCurl('http://edition.cnn.com/politics'));
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops.map((h) => [h.direction, h.cluster])).toEqual([
      ['outbound', 'outbound|80||istio-egressgateway.istio-system.svc.cluster.local'],
      ['gateway', 'outbound|80||edition.cnn.com'],
    ]);
  });
  it('a path the sidecar rewrites is what the egress gateway matches', () => {
    const vs = (rewrite: string) =>
      istio(
        'VirtualService',
        'cnn',
        'default',
        'hosts: [edition.cnn.com]\ngateways: [istio-egressgateway, mesh]\nhttp:\n' +
          `- match: [{gateways: [mesh], uri: {prefix: /news}}]\n${rewrite}${toEgress}\n` +
          '- match: [{gateways: [istio-egressgateway], uri: {prefix: /politics}}]\n' +
          '  route: [{destination: {host: edition.cnn.com, port: {number: 80}}}]',
      );
    const t = trace(
      doc(base, egress, vs('  rewrite: {uri: /politics}\n')),
      fromCurl('http://edition.cnn.com/news/today'),
    );
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[1]).toMatchObject({ direction: 'gateway', cluster: 'outbound|80||edition.cnn.com' });
    expect(t.hops[1]?.accessLog).toMatch(/"GET \/news\/today HTTP\/2" 200 /);
    const kept = trace(doc(base, egress, vs('')), fromCurl('http://edition.cnn.com/news/today'));
    expect(callResult(kept)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
  });
  it('an authority the sidecar rewrites to a host the egress Gateway does not list: 404 NR at the gateway', () => {
    const vs = istio(
      'VirtualService',
      'cnn',
      'default',
      'hosts: [edition.cnn.com]\ngateways: [istio-egressgateway, mesh]\nhttp:\n' +
        `- match: [{gateways: [mesh]}]\n  rewrite: {authority: www.cnn.com}\n${toEgress}\n` +
        '- match: [{gateways: [istio-egressgateway]}]\n  route: [{destination: {host: edition.cnn.com}}]',
    );
    const t = trace(doc(base, egress, vs), fromCurl('http://edition.cnn.com/politics'));
    expect(callResult(t)).toEqual({ outcome: 'no-route', status: 404, responseFlags: 'NR' });
    expect(t.hops[1]?.direction).toBe('gateway');
    expect(t.hops[1]?.accessLog).toMatch(/ 404 NR route_not_found .*"www\.cnn\.com"/);
  });
});

describe('Gateway API HTTPRoute filters (conversion.go: createRewriteFilter, createHeadersFilter)', () => {
  const scenario = (rule: string, extra = '') =>
    doc(
      namespace('infra'),
      mesh,
      gatewayApi(
        'Gateway',
        'gw',
        'infra',
        '  gatewayClassName: istio\n  listeners:\n  - {name: http, port: 80, protocol: HTTP, ' +
          'allowedRoutes: {namespaces: {from: All}}}',
      ),
      gatewayApi('HTTPRoute', 'httpbin', 'default', `  parentRefs: [{name: gw, namespace: infra}]\n  rules:\n${rule}`),
      extra,
    );
  const backend = '    backendRefs: [{name: httpbin, port: 8000}]';
  const prefix = (value: string, filter: string) =>
    `  - matches: [{path: {type: PathPrefix, value: ${value}}}]\n    filters: [${filter}]\n${backend}`;
  const viaGw = (to: string): TraceRequest => ({ from: 'infra/gw-istio', to });
  it('ReplacePrefixMatch swaps the matched path segments', () => {
    const text = scenario(
      prefix('/api', '{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1}}}'),
    );
    expect(forwardedPath(text, viaGw('http://h/api/users?x=1'))).toBe('/v1/users?x=1');
    expect(forwardedPath(text, viaGw('http://h/api'))).toBe('/v1');
    expect(trace(text, viaGw('http://h/apiary')).status).toBe(404);
  });
  it('ReplacePrefixMatch with a trailing slash is trimmed: /api/ → /v1/ keeps one slash', () => {
    const text = scenario(
      prefix('/api/', '{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v1/}}}'),
    );
    expect(forwardedPath(text, viaGw('http://h/api/users'))).toBe('/v1/users');
  });
  it('ReplacePrefixMatch `/` strips the prefix and keeps a leading slash', () => {
    const text = scenario(
      prefix('/api', '{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}'),
    );
    expect(forwardedPath(text, viaGw('http://h/api/users'))).toBe('/users');
    expect(forwardedPath(text, viaGw('http://h/api'))).toBe('/');
  });
  it('PathPrefix / is a plain prefix, not whole segments: ReplacePrefixMatch /v2 makes /a into /v2a', () => {
    const text = scenario(
      prefix('/', '{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}}'),
    );
    expect(forwardedPath(text, viaGw('http://h/a'))).toBe('/v2a');
  });
  it('ReplaceFullPath replaces the path, the query kept', () => {
    const text = scenario(
      prefix('/api', '{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /status/200}}}'),
    );
    expect(forwardedPath(text, viaGw('http://h/api/users?x=1'))).toBe('/status/200?x=1');
  });
  it('hostname: the authority the backend sees, matched by its `hosts` rule', () => {
    const text = scenario(
      prefix('/', '{type: URLRewrite, urlRewrite: {hostname: httpbin.internal}}'),
      allowAt('- to: [{operation: {hosts: ["httpbin.internal"]}}]'),
    );
    const t = trace(text, viaGw('http://shop.example.com/get'));
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[0]?.forwarded?.authority).toEqual({ from: 'shop.example.com', to: 'httpbin.internal' });
  });
  it('RequestHeaderModifier on the rule: set, add and remove reach the backend', () => {
    const text = scenario(
      prefix(
        '/',
        '{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-Env, value: prod}], ' +
          'add: [{name: x-tag, value: gw}], remove: [x-secret]}}',
      ),
      allowAt('- when: [{key: "request.headers[x-env]", values: ["prod"]}]'),
    );
    const t = trace(text, { ...viaGw('http://h/get'), headers: { 'x-secret': 's', 'x-tag': 'c' } });
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[0]?.forwarded?.headers).toEqual([
      { name: 'x-env', to: 'prod' },
      { name: 'x-secret', from: 's' },
      { name: 'x-tag', from: 'c', to: 'c,gw' },
    ]);
  });
  it('RequestHeaderModifier on a backendRef goes with that backend (buildHTTPDestination)', () => {
    const text = scenario(
      '  - backendRefs:\n    - name: httpbin\n      port: 8000\n      filters: [{type: RequestHeaderModifier, ' +
        'requestHeaderModifier: {set: [{name: x-backend, value: httpbin}]}}]',
    );
    expect(trace(text, viaGw('http://h/get')).hops[0]?.forwarded?.headers).toEqual([
      { name: 'x-backend', to: 'httpbin' },
    ]);
  });
  it('istio.io gateway-api task: /get and /headers add my-added-header, which httpbin echoes', () => {
    const text = scenario(
      '  - matches: [{path: {type: PathPrefix, value: /get}}, {path: {type: PathPrefix, value: /headers}}]\n' +
        '    filters: [{type: RequestHeaderModifier, requestHeaderModifier: ' +
        '{add: [{name: my-added-header, value: added-value}]}}]\n' +
        backend,
    );
    const t = trace(text, viaGw('http://httpbin.example.com/headers'));
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
    expect(t.hops[0]?.forwarded).toEqual({ headers: [{ name: 'my-added-header', to: 'added-value' }] });
    expect(trace(text, viaGw('http://httpbin.example.com/status/200')).status).toBe(404);
  });
  it('a redirect changes nothing forwarded', () => {
    const text = scenario(
      '  - filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /x}}}]',
    );
    const t = trace(text, viaGw('http://h/get'));
    expect(t.outcome).toBe('redirect');
    expect(t.hops[0]?.forwarded).toBeUndefined();
  });
});

describe('ambient: a waypoint routes on the request an ingress gateway rewrote, and rewrites for the pod', () => {
  const ambient = (nsLabels: Record<string, string> = {}) =>
    doc(
      ingressGateway,
      namespace('default'),
      namespace('shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint', ...nsLabels }),
      gatewayApi(
        'Gateway',
        'waypoint',
        'shop',
        '  gatewayClassName: istio-waypoint\n  listeners: [{name: mesh, port: 15008, protocol: HBONE}]',
      ),
      pod('reviews-v1', 'shop', {
        labels: { app: 'reviews', version: 'v1' },
        ip: '10.244.2.21',
        serviceAccount: 'reviews',
      }),
      pod('reviews-v2', 'shop', {
        labels: { app: 'reviews', version: 'v2' },
        ip: '10.244.2.22',
        serviceAccount: 'reviews',
      }),
      service('reviews', 'shop', {
        ports: [{ port: 9080, name: 'http' }],
        selector: { app: 'reviews' },
        clusterIP: '10.96.0.50',
      }),
      service('reviews-v1', 'shop', {
        ports: [{ port: 9080, name: 'http' }],
        selector: { app: 'reviews', version: 'v1' },
        clusterIP: '10.96.0.51',
      }),
      service('reviews-v2', 'shop', {
        ports: [{ port: 9080, name: 'http' }],
        selector: { app: 'reviews', version: 'v2' },
        clusterIP: '10.96.0.52',
      }),
      pod('client', 'shop', { labels: { app: 'client' }, ip: '10.244.1.10', serviceAccount: 'client' }),
    );
  const byPath = gatewayApi(
    'HTTPRoute',
    'reviews',
    'shop',
    '  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]\n  rules:\n' +
      '  - matches: [{path: {type: PathPrefix, value: /v2}}]\n    backendRefs: [{name: reviews-v2, port: 9080}]\n' +
      '  - backendRefs: [{name: reviews-v1, port: 9080}]',
  );
  it('the client sidecar-less request: the waypoint applies its URLRewrite and logs the original path', () => {
    const rewrite = gatewayApi(
      'HTTPRoute',
      'reviews',
      'shop',
      '  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]\n  rules:\n' +
        '  - matches: [{path: {type: PathPrefix, value: /old}}]\n' +
        '    filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, ' +
        'replacePrefixMatch: /new}}}]\n' +
        '    backendRefs: [{name: reviews-v1, port: 9080}]',
    );
    const t = trace(doc(ambient(), rewrite), { from: 'shop/client', to: 'http://reviews.shop:9080/old/1' });
    const waypoint = t.hops.find((h) => h.direction === 'waypoint');
    expect(waypoint?.forwarded).toEqual({ path: { from: '/old/1', to: '/new/1' } });
    expect(waypoint?.accessLog).toMatch(/"GET \/old\/1 HTTP/);
  });
  const throughIngress = (rule: string) =>
    doc(
      ambient({ 'istio.io/ingress-use-waypoint': 'true' }),
      gateway,
      atGatewayFor('reviews.shop.svc.cluster.local', 9080, rule),
      byPath,
    );
  it('an ingress gateway rewrite (/reviews/v2 → /v2) decides the waypoint route (ingress-use-waypoint)', () => {
    const rewritten = trace(
      throughIngress('- match: [{uri: {prefix: /reviews/}}]\n  rewrite: {uri: /}'),
      viaGateway('http://reviews.example.com/reviews/v2/1'),
    );
    expect(rewritten.hops.map((h) => h.direction)).toContain('waypoint');
    expect(rewritten.hops[0]?.forwarded?.path).toEqual({ from: '/reviews/v2/1', to: '/v2/1' });
    expect(rewritten.hops.find((h) => h.direction === 'waypoint')?.cluster).toMatch(/reviews-v2/);
    const kept = trace(throughIngress('- match: [{uri: {prefix: /reviews/}}]'), viaGateway('http://h/reviews/v2/1'));
    expect(kept.hops.find((h) => h.direction === 'waypoint')?.cluster).toMatch(/reviews-v1/);
  });
  it("the waypoint's AuthorizationPolicy (targetRefs) checks the path the ingress gateway rewrote", () => {
    const policy = istio(
      'AuthorizationPolicy',
      'reviews',
      'shop',
      'targetRefs: [{kind: Service, group: "", name: reviews}]\naction: ALLOW\n' +
        'rules:\n- to: [{operation: {paths: ["/v2/*"]}}]',
    );
    const rewritten = trace(
      doc(throughIngress('- match: [{uri: {prefix: /reviews/}}]\n  rewrite: {uri: /}'), policy),
      viaGateway('http://h/reviews/v2/1'),
    );
    expect(callResult(rewritten)).toMatchObject({ outcome: 'routed', status: 200 });
    const kept = trace(
      doc(throughIngress('- match: [{uri: {prefix: /reviews/}}]'), policy),
      viaGateway('http://h/reviews/v2/1'),
    );
    expect(callResult(kept)).toMatchObject({ outcome: 'denied', status: 403 });
    expect(kept.hops.at(-1)?.direction).toBe('waypoint');
  });
  it('rewriting prefix /reviews to / leaves a double slash: the waypoint PathPrefix /v2 does not match it', () => {
    const t = trace(
      throughIngress('- match: [{uri: {prefix: /reviews}}]\n  rewrite: {uri: /}'),
      viaGateway('http://reviews.example.com/reviews/v2/1'),
    );
    expect(t.hops[0]?.forwarded?.path).toEqual({ from: '/reviews/v2/1', to: '//v2/1' });
    expect(t.hops.find((h) => h.direction === 'waypoint')?.cluster).toMatch(/reviews-v1/);
  });
});

/** A gateway VirtualService for any host routing to `host:port`. */
function atGatewayFor(host: string, port: number, rule: string): string {
  return istio(
    'VirtualService',
    'ingress',
    'default',
    `hosts: ["*"]\ngateways: [httpbin-gateway]\nhttp:\n${rule}\n` +
      `  route: [{destination: {host: ${host}, port: {number: ${port}}}}]`,
  );
}

describe('what the user is shown', () => {
  const text = doc(base, gateway, atGateway('- match: [{uri: {prefix: /api/v1}}]\n  rewrite: {uri: /v1}'));
  const result = traceRequest(
    analyze([{ name: 's.yaml', text }]),
    viaGateway('http://httpbin.example.com/api/v1/users'),
  );
  if (!result.ok) throw new Error(result.reason);
  it('the route step says what the next hop sees', () => {
    const step = result.trace.steps.find((s) => s.kind === 'route' && s.proxy === gw);
    expect(step?.detail).toContain('path /api/v1/users → /v1/users');
  });
  it('the hop carries the change; the request stays the one the application made', () => {
    expect(result.trace.hops[0]?.forwarded).toEqual({ path: { from: '/api/v1/users', to: '/v1/users' } });
    expect(result.trace.request.path).toBe('/api/v1/users');
  });
  it('access logs print x-envoy-original-path (Istio format): the path the client sent, at both proxies', () => {
    expect(result.trace.hops.map((h) => /"GET (\S+) /.exec(h.accessLog ?? '')?.[1])).toEqual([
      '/api/v1/users',
      '/api/v1/users',
    ]);
    // The rewriting proxy logs the authority it forwards (the router changes the request in place).
    const rewritten = trace(
      doc(base, gateway, atGateway('- rewrite: {authority: httpbin.internal}')),
      viaGateway('http://httpbin.example.com/get'),
    );
    expect(
      rewritten.hops.map((h) => /"([^"]+)" "[^"]*" \S+ \S+ \S+ \S+ \S+ \S+$/.exec(h.accessLog ?? '')?.[1]),
    ).toEqual(['httpbin.internal', 'httpbin.internal']);
    // Both lines carry one request id.
    const ids = result.trace.hops.map((h) => /"([0-9a-f-]{36})"/.exec(h.accessLog ?? '')?.[1]);
    expect(new Set(ids).size).toBe(1);
  });
});

describe('the policy step names the request it checked when a route changed it', () => {
  it('a denial at the destination shows the rewritten path the policy saw', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- match: [{uri: {prefix: /api/v1}}]\n  rewrite: {uri: /v1}'),
      allowAt('- to: [{operation: {paths: ["/api/v1/*"]}}]'),
    );
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), viaGateway('http://h/api/v1/users'));
    if (!result.ok) throw new Error(result.reason);
    const step = result.trace.steps.find((s) => s.kind === 'authorization');
    expect(step?.detail).toContain('GET /v1/users, Host h');
  });
  it('without a change the step says nothing more', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- match: [{uri: {prefix: /}}]'),
      allowAt('- to: [{operation: {paths: ["/x"]}}]'),
    );
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), viaGateway('http://h/api/v1/users'));
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.find((s) => s.kind === 'authorization')?.detail).not.toContain('changed the request');
  });
});

describe('delegate VirtualServices (pilot/pkg/model/virtualservice.go: mergeHTTPRoute)', () => {
  const root = istio(
    'VirtualService',
    'root',
    'default',
    'hosts: [httpbin]\nhttp:\n- match: [{uri: {prefix: /api}}]\n  rewrite: {uri: /v1}\n' +
      '  headers: {request: {set: {x-root: "1"}}}\n  delegate: {name: leaf, namespace: default}',
  );
  const leaf = (rule: string) =>
    istio(
      'VirtualService',
      'leaf',
      'default',
      `http:\n- match: [{uri: {prefix: /api/users}}]\n${rule}` +
        '  route: [{destination: {host: httpbin, port: {number: 8000}}}]',
    );
  it("a delegate without rewrite takes the root's: the merged match's prefix (the leaf's) is replaced", () => {
    const t = trace(doc(base, root, leaf('')), fromCurl('http://httpbin:8000/api/users/1'));
    expect(t.hops[0]?.forwarded).toEqual({
      path: { from: '/api/users/1', to: '/v1/1' },
      headers: [{ name: 'x-root', to: '1' }],
    });
  });
  it("a delegate's own rewrite and headers replace the root's", () => {
    const own = leaf('  rewrite: {uri: /users}\n  headers: {request: {set: {x-leaf: "1"}}}\n');
    const t = trace(doc(base, root, own), fromCurl('http://httpbin:8000/api/users/1'));
    expect(t.hops[0]?.forwarded).toEqual({
      path: { from: '/api/users/1', to: '/users/1' },
      headers: [{ name: 'x-leaf', to: '1' }],
    });
  });
});

describe("Istio's traffic tests (tests/integration/pilot/common/routing.go): what the echo server sees", () => {
  /** A VirtualService for httpbin on the sidecars with one http rule written in full. */
  const vs = (rule: string) => istio('VirtualService', 'default', 'default', `hosts: [httpbin]\nhttp:\n${rule}`);
  const dest = '  - destination: {host: httpbin}\n';
  /** The Host and path the destination's sidecar receives (its access log prints the authority). */
  const seen = (text: string, request: TraceRequest = fromCurl('http://httpbin:8000/')) => {
    const t = trace(text, request);
    return {
      status: t.status,
      host: t.hops[0]?.forwarded?.authority?.to ?? 'httpbin:8000',
      path: t.hops[0]?.forwarded?.path?.to ?? t.request.path,
      headers: t.hops[0]?.forwarded?.headers ?? [],
      loggedHost: /"([^"]+)" "[^"]*" \S+ \S+ \S+ \S+ \S+ \S+$/.exec(inbound(t)?.accessLog ?? '')?.[1],
    };
  };
  it('add header: Istio-Custom-Header user-defined-value', () => {
    const text = doc(
      base,
      vs(`- route:\n${dest}  headers: {request: {add: {istio-custom-header: user-defined-value}}}`),
    );
    expect(seen(text)).toMatchObject({
      status: 200,
      headers: [{ name: 'istio-custom-header', to: 'user-defined-value' }],
    });
  });
  it('set header: X-Custom some-value', () => {
    const text = doc(base, vs(`- route:\n${dest}  headers: {request: {set: {x-custom: some-value}}}`));
    expect(seen(text).headers).toEqual([{ name: 'x-custom', to: 'some-value' }]);
  });
  it('set authority header: Host my-custom-authority', () => {
    const text = doc(base, vs(`- route:\n${dest}  headers: {request: {set: {":authority": my-custom-authority}}}`));
    expect(seen(text)).toMatchObject({ status: 200, host: 'my-custom-authority', loggedHost: 'my-custom-authority' });
  });
  it('set Host (and :authority) header in the destination: Host my-custom-authority', () => {
    for (const key of ['Host', ':authority']) {
      const text = doc(base, vs(`- route:\n${dest}    headers: {request: {set: {"${key}": my-custom-authority}}}`));
      expect(seen(text).host).toBe('my-custom-authority');
    }
  });
  it('set Host in route and destination: the route wins (route-authority)', () => {
    const text = doc(
      base,
      vs(
        `- route:\n${dest}    headers: {request: {set: {Host: dest-authority}}}\n` +
          '  headers: {request: {set: {":authority": route-authority}}}',
      ),
    );
    expect(seen(text).host).toBe('route-authority');
  });
  it('set Host in route and on one of two weighted destinations: route-authority', () => {
    const text = doc(
      base,
      vs(
        `- route:\n${dest}    headers: {request: {set: {Host: dest-authority}}}\n    weight: 50\n` +
          `${dest}    weight: 50\n  headers: {request: {set: {":authority": route-authority}}}`,
      ),
    );
    expect(seen(text).host).toBe('route-authority');
  });
  it('two destinations, one of weight 0: the other keeps its own headers (a weighted cluster of one)', () => {
    const text = doc(
      base,
      vs(`- route:\n${dest}    weight: 0\n${dest}    headers: {request: {set: {x-dest: kept}}}\n    weight: 100`),
    );
    expect(seen(text).headers).toEqual([{ name: 'x-dest', to: 'kept' }]);
  });
  it('set Host on both weighted destinations: dest-authority', () => {
    const one = `${dest}    headers: {request: {set: {Host: dest-authority}}}\n    weight: 50\n`;
    expect(seen(doc(base, vs(`- route:\n${one}${one}`))).host).toBe('dest-authority');
  });
  it('rewrite uri: exact /foo → /new/path; /foo?key=value#hash arrives as /new/path?key=value', () => {
    const text = doc(base, vs(`- match: [{uri: {exact: /foo}}]\n  rewrite: {uri: /new/path}\n  route:\n${dest}`));
    expect(seen(text, fromCurl('http://httpbin:8000/foo?key=value#hash'))).toMatchObject({
      status: 200,
      path: '/new/path?key=value',
    });
  });
  it('rewrite authority: exact /foo, Host new-authority', () => {
    const text = doc(
      base,
      vs(`- match: [{uri: {exact: /foo}}]\n  rewrite: {authority: new-authority}\n  route:\n${dest}`),
    );
    expect(seen(text, fromCurl('http://httpbin:8000/foo'))).toMatchObject({ status: 200, host: 'new-authority' });
  });
});

describe('ProxyConfig proxyHeaders (pilot/pkg/networking/util/proxy_headers.go)', () => {
  const rewriteApi = atGateway('- match: [{uri: {prefix: /api/v1}}]\n  rewrite: {uri: /v1}');
  it('envoyDebugHeaders disabled: no x-envoy-original-path, so the logs print the rewritten path', () => {
    const mesh = meshConfig('defaultConfig:\n  proxyHeaders:\n    envoyDebugHeaders: {disabled: true}');
    const t = trace(doc(base, gateway, rewriteApi, mesh), viaGateway('http://h/api/v1/users'));
    expect(t.hops.map((h) => /"GET (\S+) /.exec(h.accessLog ?? '')?.[1])).toEqual(['/v1/users', '/v1/users']);
  });
  it("xForwardedHost enabled on the gateway (its proxy.istio.io/config): a rewrite's old authority is appended", () => {
    const annotated = base.replace(
      'annotations: {inject.istio.io/templates: "gateway"}',
      'annotations: {inject.istio.io/templates: "gateway", ' +
        'proxy.istio.io/config: "proxyHeaders: {xForwardedHost: {enabled: true}}"}',
    );
    expect(annotated).not.toBe(base);
    const t = trace(
      doc(annotated, gateway, atGateway('- rewrite: {authority: httpbin.internal}')),
      viaGateway('http://httpbin.example.com/get'),
    );
    expect(t.hops[0]?.forwarded).toEqual({
      authority: { from: 'httpbin.example.com', to: 'httpbin.internal' },
      headers: [{ name: 'x-forwarded-host', to: 'httpbin.example.com' }],
    });
    // Only a rule with a `rewrite` asks for it: an authority set through headers does not.
    const viaHeaders = trace(
      doc(annotated, gateway, atGateway('- headers: {request: {set: {host: httpbin.internal}}}')),
      viaGateway('http://httpbin.example.com/get'),
    );
    expect(viaHeaders.hops[0]?.forwarded?.headers).toBeUndefined();
  });
});

describe('a dynamic forward proxy resolves the Host the route matched (proxy_filter.cc runs before the router)', () => {
  it('a VirtualService rewrite.authority on a DYNAMIC_DNS wildcard: Envoy resolves the original name', () => {
    const text = doc(
      namespace('default', { 'istio-injection': 'enabled' }),
      pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.1.0.7' }),
      istio(
        'ServiceEntry',
        'wildcard',
        'default',
        'hosts: ["*.example.com"]\nports:\n- {number: 80, name: http, protocol: HTTP}\n' +
          'resolution: DYNAMIC_DNS\nlocation: MESH_EXTERNAL',
      ),
      istio(
        'VirtualService',
        'wildcard',
        'default',
        'hosts: ["*.example.com"]\nhttp:\n- rewrite: {authority: backend.example.com}\n' +
          '  route: [{destination: {host: "*.example.com"}}]',
      ),
    );
    const t = trace(text, { from: 'default/sleep', to: 'http://api.example.com/v1', address: '198.51.100.7' });
    expect(t.hops[0]?.cluster).toBe('outbound|80||*.example.com');
    expect(t.hops[0]?.forwarded?.authority).toEqual({ from: 'api.example.com', to: 'backend.example.com' });
    expect(t.steps.map((s) => s.fact).find((f) => f.kind === 'endpoint')).toMatchObject({
      by: 'dynamicForwardProxy',
      host: 'api.example.com',
    });
  });
});

describe('--explain for a 403 after a rewrite', () => {
  it('the ALLOW rule it suggests names the path the destination saw, and routes when applied', () => {
    const text = doc(
      base,
      gateway,
      atGateway('- match: [{uri: {prefix: /api/v1}}]\n  rewrite: {uri: /v1}'),
      allowAt('- to: [{operation: {paths: ["/api/v1/*"]}}]'),
    );
    const why = explainWhyNot(
      (files, clusterDomain) => analyze(files, { clusterDomain }),
      [{ name: 's.yaml', text }],
      viaGateway('http://h/api/v1/users'),
    );
    if (typeof why === 'string') throw new Error(why);
    expect(why.fixes.map((f) => f.title)).toEqual([expect.stringContaining('(GET /v1/users)')]);
    expect(why.fixes[0]?.result).toMatchObject({ outcome: 'routed' });
  });
});
