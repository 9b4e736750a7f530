// Fidelity against Istio's route translation (pilot/pkg/networking/core/route/route.go: TranslateRouteMatch,
// translateHeaderMatch, translateQueryParamMatch; route_test.go, httproute_test.go) and Envoy's route matching: each
// case is one VirtualService rule on `web` sending matching requests to `hit`; the rest find no route (404 NR).
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const world = (clientLabels: Record<string, string> = { app: 'client' }) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('other', { 'istio-injection': 'enabled' }),
    namespace('istio-system'),
    service('web', 'default', {
      ports: [
        { port: 80, name: 'http' },
        { port: 8080, name: 'http-alt' },
      ],
      selector: { app: 'web' },
    }),
    service('hit', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'hit' } }),
    pod('web', 'default', { labels: { app: 'web' }, ip: '10.1.1.1' }),
    pod('hit', 'default', { labels: { app: 'hit' }, ip: '10.1.1.2' }),
    pod('client', 'default', { labels: clientLabels, ip: '10.1.0.5' }),
    pod('client', 'other', { labels: clientLabels, ip: '10.1.0.6' }),
  );
const rule = (match: string) =>
  istio(
    'VirtualService',
    'web',
    'default',
    `hosts: [web]\nhttp:\n- match: ${match}\n  route: [{destination: {host: hit, port: {number: 80}}}]`,
  );

/** Where one request goes: `hit`, or the outcome when it is not routed there. */
function where(text: string, request: Partial<TraceRequest> & { path?: string }): string {
  const t = traceSummary(text, {
    from: 'default/client',
    to: `http://web.default.svc.cluster.local:${request.port ?? 80}${request.path ?? '/'}`,
    ...request,
  });
  if (t.out?.cluster === 'outbound|80||hit.default.svc.cluster.local') return 'hit';
  return t.outcome;
}

interface Case {
  name: string;
  match: string;
  hits: Array<Partial<TraceRequest>>;
  misses: Array<Partial<TraceRequest>>;
  clientLabels?: Record<string, string>;
}
const cases: Case[] = [
  {
    name: 'uri exact: the whole path, the query string aside',
    match: '[{uri: {exact: /api}}]',
    hits: [{ path: '/api' }, { path: '/api?x=1' }],
    misses: [{ path: '/api/' }, { path: '/API' }, { path: '/apix' }],
  },
  {
    name: 'uri prefix is a plain string prefix on a VirtualService (not path-separated)',
    match: '[{uri: {prefix: /api}}]',
    hits: [{ path: '/api' }, { path: '/apix' }, { path: '/api/v1' }],
    misses: [{ path: '/ap' }, { path: '/Api' }],
  },
  {
    name: 'uri regex must match the whole path (RE2 full match)',
    match: '[{uri: {regex: "/api/v[0-9]+"}}]',
    hits: [{ path: '/api/v1' }, { path: '/api/v12?q=1' }],
    misses: [{ path: '/api/v1/x' }, { path: '/x/api/v1' }, { path: '/api/vx' }],
  },
  {
    name: 'ignoreUriCase with exact',
    match: '[{uri: {exact: /Api}, ignoreUriCase: true}]',
    hits: [{ path: '/api' }, { path: '/API' }],
    misses: [{ path: '/api/x' }],
  },
  {
    name: 'ignoreUriCase with prefix',
    match: '[{uri: {prefix: /Static}, ignoreUriCase: true}]',
    hits: [{ path: '/static/a.css' }, { path: '/STATIC' }],
    misses: [{ path: '/stat' }],
  },
  {
    name: 'header exact, case of the value matters; header names do not',
    match: '[{headers: {end-user: {exact: jason}}}]',
    hits: [{ headers: { 'end-user': 'jason' } }, { headers: { 'End-User': 'jason' } }],
    misses: [{ headers: { 'end-user': 'Jason' } }, {}, { headers: { 'end-user': 'jason2' } }],
  },
  {
    name: 'header prefix',
    match: '[{headers: {x-version: {prefix: v1}}}]',
    hits: [{ headers: { 'x-version': 'v1' } }, { headers: { 'x-version': 'v1.2' } }],
    misses: [{ headers: { 'x-version': 'v2' } }, {}],
  },
  {
    name: 'header regex is a full match',
    match: '[{headers: {cookie: {regex: "^(.*?;)?(user=jason)(;.*)?$"}}}]',
    hits: [{ headers: { cookie: 'user=jason' } }, { headers: { cookie: 'a=b;user=jason;c=d' } }],
    // After "; " the cookie starts with a space, which this regex does not allow.
    misses: [{ headers: { cookie: 'user=jasonx' } }, {}, { headers: { cookie: 'a=b; user=jason' } }],
  },
  {
    name: 'header regex without anchors still has to match the whole value',
    match: '[{headers: {x-env: {regex: "prod"}}}]',
    hits: [{ headers: { 'x-env': 'prod' } }],
    misses: [{ headers: { 'x-env': 'preprod' } }, { headers: { 'x-env': 'production' } }],
  },
  {
    name: 'header with no condition: present with any value',
    match: '[{headers: {x-debug: {}}}]',
    hits: [{ headers: { 'x-debug': '1' } }, { headers: { 'x-debug': 'anything' } }],
    misses: [{}],
  },
  {
    name: 'header regex "*" is a presence match, not a regex',
    match: '[{headers: {x-debug: {regex: "*"}}}]',
    hits: [{ headers: { 'x-debug': 'yes' } }],
    misses: [{}],
  },
  {
    name: 'withoutHeaders exact: a request without the header matches too',
    match: '[{withoutHeaders: {x-canary: {exact: "true"}}}]',
    hits: [{}, { headers: { 'x-canary': 'false' } }],
    misses: [{ headers: { 'x-canary': 'true' } }],
  },
  {
    name: 'withoutHeaders with no condition: only requests without the header',
    match: '[{withoutHeaders: {x-canary: {}}}]',
    hits: [{}],
    misses: [{ headers: { 'x-canary': 'false' } }, { headers: { 'x-canary': '' } }],
  },
  {
    name: 'withoutHeaders prefix',
    match: '[{withoutHeaders: {user-agent: {prefix: curl}}}]',
    hits: [{ headers: { 'user-agent': 'Mozilla/5.0' } }],
    misses: [{ headers: { 'user-agent': 'curl/8.0' } }],
  },
  {
    name: 'query parameter exact',
    match: '[{queryParams: {version: {exact: v2}}}]',
    hits: [{ path: '/?version=v2' }, { path: '/x?a=1&version=v2' }],
    misses: [{ path: '/?version=v22' }, { path: '/' }, { path: '/?version=V2' }],
  },
  {
    name: 'query parameter regex (full match)',
    match: '[{queryParams: {id: {regex: "[0-9]+"}}}]',
    hits: [{ path: '/?id=123' }],
    misses: [{ path: '/?id=12a' }, { path: '/' }],
  },
  {
    name: 'query parameter prefix',
    match: '[{queryParams: {tag: {prefix: beta}}}]',
    hits: [{ path: '/?tag=beta-2' }],
    misses: [{ path: '/?tag=alpha' }],
  },
  {
    name: 'method exact',
    match: '[{method: {exact: POST}}]',
    hits: [{ method: 'POST' }],
    misses: [{ method: 'GET' }, {}],
  },
  {
    name: 'method regex',
    match: '[{method: {regex: "PUT|PATCH"}}]',
    hits: [{ method: 'PUT' }, { method: 'PATCH' }],
    misses: [{ method: 'POST' }],
  },
  {
    name: 'authority prefix on :authority (the Host header with its port)',
    match: '[{authority: {prefix: web.default}}]',
    hits: [{}],
    misses: [{ headers: { host: 'web' } }],
  },
  {
    name: 'authority exact, written without the port, misses a Host that carries one',
    match: '[{authority: {exact: web.default.svc.cluster.local}}]',
    hits: [{ headers: { host: 'web.default.svc.cluster.local' } }],
    misses: [{ headers: { host: 'web.default.svc.cluster.local:80' } }],
  },
  {
    // Envoy's case_sensitive applies to path and prefix matches only, not to safe_regex.
    name: 'ignoreUriCase does not reach a regex',
    match: '[{uri: {regex: "/api/.*"}, ignoreUriCase: true}]',
    hits: [{ path: '/api/x' }],
    misses: [{ path: '/API/x' }],
  },
  {
    name: 'query parameter with no condition: present',
    match: '[{queryParams: {debug: {}}}]',
    hits: [{ path: '/?debug=1' }, { path: '/?debug' }],
    misses: [{ path: '/?nodebug=1' }],
  },
  {
    name: 'scheme exact',
    match: '[{scheme: {exact: http}}]',
    hits: [{}],
    misses: [],
  },
  {
    name: 'two conditions in one match are ANDed, two matches are ORed',
    match: '[{uri: {prefix: /a}, headers: {x: {exact: "1"}}}, {uri: {prefix: /b}}]',
    hits: [{ path: '/a', headers: { x: '1' } }, { path: '/b' }],
    misses: [{ path: '/a' }, { path: '/c', headers: { x: '1' } }],
  },
];

describe('HTTP match conditions on a sidecar (route.go: TranslateRouteMatch)', () => {
  for (const c of cases)
    it(c.name, () => {
      const text = doc(world(c.clientLabels), rule(c.match));
      for (const r of c.hits) expect({ r, at: where(text, r) }).toEqual({ r, at: 'hit' });
      for (const r of c.misses) expect({ r, at: where(text, r) }).toEqual({ r, at: 'no-route' });
    });

  it('a port match on a rule takes the other port out of that rule', () => {
    const text = doc(
      world(),
      istio(
        'VirtualService',
        'web',
        'default',
        `hosts: [web]
http:
- match: [{port: 8080}]
  route: [{destination: {host: hit, port: {number: 80}}}]
- route: [{destination: {host: web, port: {number: 80}}}]`,
      ),
    );
    expect(where(text, { port: 8080 })).toBe('hit');
    const t = traceSummary(text, { from: 'default/client', to: 'http://web:80/' });
    expect(t.out?.cluster).toBe('outbound|80||web.default.svc.cluster.local');
  });

  it('a VirtualService whose only rule matches another port gives this port no virtual host: the default route', () => {
    const text = doc(world(), rule('[{port: 8080}]'));
    const t = traceSummary(text, { from: 'default/client', to: 'http://web:80/' });
    expect(t).toMatchObject({ outcome: 'routed', out: { cluster: 'outbound|80||web.default.svc.cluster.local' } });
    expect(where(text, { port: 8080 })).toBe('hit');
  });

  it('sourceLabels: only clients with those labels get the rule', () => {
    const match = '[{sourceLabels: {version: v2}}]';
    const catchAll = `\n- route: [{destination: {host: web, port: {number: 80}}}]`;
    const vs = istio(
      'VirtualService',
      'web',
      'default',
      `hosts: [web]\nhttp:\n- match: ${match}\n  route: [{destination: {host: hit, port: {number: 80}}}]${catchAll}`,
    );
    expect(where(doc(world({ app: 'client', version: 'v2' }), vs), {})).toBe('hit');
    expect(where(doc(world({ app: 'client', version: 'v1' }), vs), {})).toBe('routed');
  });

  it('sourceNamespace: only clients in that namespace get the rule', () => {
    const vs = istio(
      'VirtualService',
      'web',
      'default',
      `hosts: [web.default.svc.cluster.local]
http:
- match: [{sourceNamespace: other}]
  route: [{destination: {host: hit, port: {number: 80}}}]
- route: [{destination: {host: web, port: {number: 80}}}]`,
    );
    const text = doc(world(), vs);
    expect(where(text, { from: 'other/client' })).toBe('hit');
    expect(where(text, { from: 'default/client' })).toBe('routed');
  });

  it('gateways: a rule for a gateway only is not on a sidecar; one listing mesh is', () => {
    const vs = (gateways: string) =>
      istio(
        'VirtualService',
        'web',
        'default',
        `hosts: [web]
gateways: [mesh, istio-system/ingress]
http:
- match: [{gateways: ${gateways}}]
  route: [{destination: {host: hit, port: {number: 80}}}]
- route: [{destination: {host: web, port: {number: 80}}}]`,
      );
    expect(where(doc(world(), vs('[istio-system/ingress]')), {})).toBe('routed');
    expect(where(doc(world(), vs('[mesh]')), {})).toBe('hit');
    expect(where(doc(world(), vs('[istio-system/ingress, mesh]')), {})).toBe('hit');
  });

  it('routes after a catch-all are never reached; the first matching rule wins', () => {
    const vs = istio(
      'VirtualService',
      'web',
      'default',
      `hosts: [web]
http:
- match: [{uri: {prefix: /}}]
  route: [{destination: {host: web, port: {number: 80}}}]
- match: [{uri: {prefix: /a}}]
  route: [{destination: {host: hit, port: {number: 80}}}]`,
    );
    expect(where(doc(world(), vs), { path: '/a' })).toBe('routed');
  });

  it('a rule without match after one with a match takes everything else', () => {
    const vs = istio(
      'VirtualService',
      'web',
      'default',
      `hosts: [web]
http:
- match: [{uri: {prefix: /a}}]
  route: [{destination: {host: web, port: {number: 80}}}]
- route: [{destination: {host: hit, port: {number: 80}}}]`,
    );
    expect(where(doc(world(), vs), { path: '/b' })).toBe('hit');
    expect(where(doc(world(), vs), { path: '/a' })).toBe('routed');
  });
});
