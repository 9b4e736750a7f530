import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../index.ts';
import { doc, namespace, simulateScenario } from '../testkit.ts';

// Whole scenarios written after the situations of Istio's Gateway API conversion tests
// (pilot/pkg/config/kube/gateway/testdata: each input, and the Gateways and VirtualServices istiod derives from it) and
// of istio.io's tasks with a "Gateway API" tab: manifests in, one request traced, the outcome a user would see out.

/** A Deployment and Service `name` in `ns`, the Service on `ports` (targetPort 8080 each, named for `protocol`). */
const app = (name: string, ns: string, ports: number[] = [80], protocol = 'http', labels = { app: name }) =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: ${JSON.stringify(labels)}
  ports: [${ports.map((p) => `{name: ${protocol}-${p}, port: ${p}, targetPort: 8080}`).join(', ')}]`;

/** A Gateway `gw` in `infra` of class istio with the listeners given as YAML list items. */
const gateway = (listeners: string, name = 'gw', ns = 'infra') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: istio
  listeners:
${listeners}`;

const listener = (name: string, port: number, protocol: string, extra = '') =>
  `  - name: ${name}\n    port: ${port}\n    protocol: ${protocol}\n${extra
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}\n`)
    .join('')}`;
const fromAll = 'allowedRoutes: {namespaces: {from: All}}';

const object = (kind: string, name: string, ns: string, spec: string, version = 'v1', metadata = '') =>
  `apiVersion: gateway.networking.k8s.io/${version}
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}${metadata}}
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}`;
const httpRoute = (name: string, ns: string, spec: string, metadata = '') =>
  object('HTTPRoute', name, ns, spec, 'v1', metadata);

const curl = (ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: curl, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: curl}}
  template:
    metadata: {labels: {app: curl}}
    spec:
      containers: [{name: curl, image: curl}]`;

const base = doc(namespace('infra'), namespace('default', { 'istio-injection': 'enabled' }));

interface Seen {
  outcome: string;
  status: number | null;
  cluster?: string;
  route?: string;
  location?: string;
  mirrors?: string[];
}

/** What the request does: outcome, status, and at the first proxy the route, cluster, redirect and mirrors. */
function seen(text: string, request: Partial<TraceRequest> & { to: string }): Seen {
  const t = simulateScenario(text, { from: 'infra/gw-istio', ...request });
  const end = t.steps.at(-1)?.fact;
  const hop = t.hops[0];
  return {
    outcome: t.outcome,
    status: t.status,
    ...(hop?.cluster ? { cluster: hop.cluster } : {}),
    ...(hop?.route ? { route: hop.route } : {}),
    ...(end?.kind === 'outcome' && end.end.reason === 'REDIRECT' ? { location: end.end.location } : {}),
    ...(hop?.mirrors ? { mirrors: hop.mirrors } : {}),
  };
}

const to = (svc: string, port = 80) => `outbound|${port}||${svc}.svc.cluster.local`;
const ok = (svc: string, port = 80) => ({ outcome: 'routed', status: 200, cluster: to(svc, port) });
const notFound = { outcome: 'no-route', status: 404 };
const error500 = { outcome: 'direct-response', status: 500 };
// An invalid backend stays in the route (testdata/invalid.yaml.golden): its cluster does not exist, and the route's
// cluster_not_found_response_code answers 500 (NC).
const missingBackend500 = { outcome: 'cluster-not-found', status: 500 };

describe('filters and matches on one listener (testdata/http.yaml)', () => {
  const gw = gateway(listener('default', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`));
  const apps = doc(base, gw, app('httpbin', 'default'), app('httpbin-second', 'default'), app('mirror', 'default'));
  const headerRoute = httpRoute(
    'http',
    'default',
    `parentRefs: [{name: gw, namespace: infra}]
hostnames: [first.domain.example, another.domain.example]
rules:
- matches: [{path: {type: PathPrefix, value: /get}, headers: [{name: my-header, value: some-value}]}]
  filters:
  - type: RequestHeaderModifier
    requestHeaderModifier: {add: [{name: added, value: v}], remove: [gone]}
  - type: ResponseHeaderModifier
    responseHeaderModifier: {set: [{name: resp, value: v}]}
  backendRefs: [{name: httpbin, port: 80}]`,
  );

  it('routes a header match with header modifiers to its backend', () => {
    expect(
      seen(doc(apps, headerRoute), { to: 'http://first.domain.example/get/x', headers: { 'my-header': 'some-value' } }),
    ).toMatchObject({ ...ok('httpbin.default'), route: 'default.http.0' });
  });
  it('answers 404 when the header is missing and nothing else routes the host', () => {
    expect(seen(doc(apps, headerRoute), { to: 'http://first.domain.example/get' })).toMatchObject(notFound);
  });
  it('answers 404 for a route hostname the listener’s *.domain.example does not cover', () => {
    const text = doc(
      apps,
      httpRoute(
        'bad',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [should.not.select]
rules: [{backendRefs: [{name: httpbin, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://should.not.select/' })).toMatchObject(notFound);
  });

  it('redirects to https, port and full path given', () => {
    const text = doc(
      apps,
      httpRoute(
        'redirect',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- filters:
  - type: RequestRedirect
    requestRedirect:
      port: 8080
      statusCode: 302
      scheme: https
      path: {type: ReplaceFullPath, replaceFullPath: /replace-full}`,
      ),
    );
    expect(seen(text, { to: 'http://x.domain.example/some/path' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'https://x.domain.example:8080/replace-full',
    });
  });

  it('redirects replacing the matched prefix', () => {
    const text = doc(
      apps,
      httpRoute(
        'redirect-prefix',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [redirect.domain.example]
rules:
- matches: [{path: {type: PathPrefix, value: /original}}]
  filters:
  - type: RequestRedirect
    requestRedirect:
      port: 8080
      statusCode: 302
      scheme: https
      path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement}`,
      ),
    );
    expect(seen(text, { to: 'http://redirect.domain.example/original/rest' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'https://redirect.domain.example:8080/replacement/rest',
    });
  });

  it('redirects http to https on the default port with a bare scheme (testdata/redirect-only.yaml)', () => {
    const text = doc(
      apps,
      httpRoute(
        'to-https',
        'infra',
        `parentRefs: [{name: gw, namespace: infra, sectionName: default}]
rules:
- filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]`,
      ),
    );
    expect(seen(text, { to: 'http://shop.domain.example/cart?id=1' })).toMatchObject({
      outcome: 'redirect',
      status: 301,
      location: 'https://shop.domain.example/cart?id=1',
    });
  });

  it('redirects to another hostname with the default 302', () => {
    const text = doc(
      apps,
      httpRoute(
        'moved',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [old.domain.example]
rules:
- filters: [{type: RequestRedirect, requestRedirect: {hostname: new.domain.example}}]`,
      ),
    );
    expect(seen(text, { to: 'http://old.domain.example/a/b' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'http://new.domain.example/a/b',
    });
  });

  it('routes a URLRewrite rule to its backend (rewrite happens on the way)', () => {
    const text = doc(
      apps,
      httpRoute(
        'rewrite',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- name: route1
  matches: [{path: {type: PathPrefix, value: /prefix-original}}]
  filters:
  - type: URLRewrite
    urlRewrite: {hostname: new.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /replacement}}
  backendRefs: [{name: httpbin, port: 80}]
- matches: [{path: {type: PathPrefix, value: /full-original}}]
  filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /replacement}}}]
  backendRefs: [{name: httpbin-second, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/prefix-original/x' })).toMatchObject({
      ...ok('httpbin.default'),
      route: 'route1',
    });
    expect(seen(text, { to: 'http://a.domain.example/full-original' })).toMatchObject(ok('httpbin-second.default'));
    expect(seen(text, { to: 'http://a.domain.example/prefix-originalx' })).toMatchObject(notFound);
  });

  it('mirrors to each RequestMirror backend', () => {
    const text = doc(
      apps,
      httpRoute(
        'mirror',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- filters:
  - type: RequestMirror
    requestMirror: {fraction: {numerator: 4, denominator: 8}, backendRef: {name: mirror, port: 80}}
  - {type: RequestMirror, requestMirror: {percent: 80, backendRef: {name: httpbin-second, port: 80}}}
  backendRefs: [{name: httpbin, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://m.domain.example/' })).toMatchObject({
      ...ok('httpbin.default'),
      mirrors: [to('mirror.default'), to('httpbin-second.default')],
    });
  });

  it('routes a rule with request timeouts and retries', () => {
    const text = doc(
      apps,
      httpRoute(
        'timeouts',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [timeout.domain.example]
rules:
- matches: [{path: {value: /get}}]
  timeouts: {request: 2s, backendRequest: 1s}
  retry: {attempts: 3, codes: [503]}
  backendRefs: [{name: httpbin, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://timeout.domain.example/get' })).toMatchObject(ok('httpbin.default'));
  });

  it('routes a rule with a CORS filter', () => {
    const text = doc(
      apps,
      httpRoute(
        'cors',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [cors.domain.example]
rules:
- filters: [{type: CORS, cors: {allowOrigins: ['https://*.xpto.com'], allowMethods: [GET], maxAge: 50}}]
  backendRefs: [{kind: Service, name: httpbin, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://cors.domain.example/x' })).toMatchObject(ok('httpbin.default'));
  });

  it('lets two routes without matches for one host tie: the alphabetically first route wins', () => {
    const text = doc(
      apps,
      httpRoute(
        'mirror',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: mirror, port: 80}]}]`,
      ),
      httpRoute(
        'redirect',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: x.example}}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/x' })).toMatchObject(ok('mirror.default'));
  });
});

describe('backends that do not resolve (testdata/empty-backend-refs.yaml, zero.yaml, invalid.yaml)', () => {
  const gw = gateway(
    listener('default', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`) +
      listener('tcp', 34000, 'TCP', fromAll),
  );
  const apps = doc(base, gw, app('httpbin', 'default'), app('foo-svc', 'default', [8000]));

  it('answers 500 for a rule without backendRefs, and for an empty list', () => {
    const text = doc(
      apps,
      httpRoute(
        'no-backend',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [no-backend.domain.example]
rules:
- matches: [{path: {value: /no-backend}}]
- matches: [{path: {value: /empty-list}}]
  backendRefs: []`,
      ),
    );
    expect(seen(text, { to: 'http://no-backend.domain.example/no-backend' })).toMatchObject(error500);
    expect(seen(text, { to: 'http://no-backend.domain.example/empty-list' })).toMatchObject(error500);
    expect(seen(text, { to: 'http://no-backend.domain.example/other' })).toMatchObject(notFound);
  });

  it('answers 500 for a weight-0 backend, and sends the weight-100 one its traffic', () => {
    const text = doc(
      apps,
      httpRoute(
        'zero',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [first.domain.example]
rules:
- matches: [{path: {value: /get}}]
  backendRefs: [{name: httpbin, port: 80, weight: 0}]
- matches: [{path: {value: /weighted-100}}]
  backendRefs:
  - name: foo-svc
    port: 8000
    weight: 100
    filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: foo, value: bar}]}}]`,
      ),
    );
    expect(seen(text, { to: 'http://first.domain.example/get' })).toMatchObject(error500);
    expect(seen(text, { to: 'http://first.domain.example/weighted-100/a' })).toMatchObject(ok('foo-svc.default', 8000));
  });

  it('refuses the TCP connection when the TCPRoute’s only backend has weight 0', () => {
    const text = doc(
      apps,
      object(
        'TCPRoute',
        'tcp',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: httpbin, port: 80, weight: 0}]}]`,
        'v1alpha2',
      ),
    );
    const result = seen(text, { to: 'gw-istio.infra', port: 34000, protocol: 'tcp' });
    expect(result.outcome).not.toBe('routed');
  });

  it('answers 500 for a Service that does not exist', () => {
    const text = doc(
      apps,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: nope, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/' })).toMatchObject(missingBackend500);
  });

  it('answers 500 for a backendRef of an unsupported kind', () => {
    const text = doc(
      apps,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{group: unknown.example, kind: Thing, name: t, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/' })).toMatchObject(missingBackend500);
  });

  it('makes no route when a backendRef names a hostname instead of a Service (404)', () => {
    const text = doc(
      apps,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{name: httpbin.default.svc.cluster.local, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/' })).toMatchObject(notFound);
  });
});

describe('precedence among rules and routes (testdata/route-precedence.yaml)', () => {
  const gw = gateway(
    listener(
      'default',
      80,
      'HTTP',
      `hostname: "*.domain.example"
allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {part: allowed}}}}`,
    ),
  );
  const text = doc(
    base,
    namespace('allowed-1', { part: 'allowed', 'istio-injection': 'enabled' }),
    namespace('allowed-2', { part: 'allowed', 'istio-injection': 'enabled' }),
    gw,
    app('svc1', 'allowed-1'),
    app('svc2', 'allowed-1'),
    app('a-example', 'allowed-1'),
    app('svc2', 'allowed-2'),
    app('svc3', 'allowed-2'),
    app('svc4', 'default'),
    curl('allowed-1'),
    httpRoute(
      'http',
      'allowed-1',
      `parentRefs: [{name: gw, namespace: infra}, {group: "", kind: Service, name: a-example}]
hostnames: [a.domain.example, b.domain.example]
rules:
- matches: [{path: {type: PathPrefix, value: /foo}, headers: [{name: my-header, value: some-value}]}]
  backendRefs: [{name: svc1, port: 80}]
- matches: [{path: {type: RegularExpression, value: '/foo((/).*)?'}}]
  backendRefs: [{name: svc2, port: 80}]`,
    ),
    httpRoute(
      'http',
      'allowed-2',
      `parentRefs: [{name: gw, namespace: infra}]
hostnames: [a.domain.example]
rules:
- matches: [{path: {type: PathPrefix, value: /foo/bar}}, {path: {type: PathPrefix, value: /bar}}]
  backendRefs: [{name: svc2, port: 80}]
- matches:
  - path: {type: Exact, value: /baz}
    headers: [{name: my-header, value: some-value}]
    queryParams: [{name: my-param, value: some-value, type: RegularExpression}]
  backendRefs: [{name: svc2, port: 80}]
- matches: [{path: {type: PathPrefix, value: /}}]
  backendRefs: [{name: svc3, port: 80}]
- matches: [{method: PATCH, path: {type: PathPrefix, value: /}}]
  backendRefs: [{name: svc2, port: 80}]`,
    ),
    httpRoute(
      'http',
      'default',
      `parentRefs: [{name: gw, namespace: infra}]
hostnames: [a.domain.example, b.domain.example]
rules:
- matches: [{path: {type: PathPrefix, value: /abc}, headers: [{name: my-header, value: some-value}]}]
  backendRefs: [{name: svc4, port: 80}]`,
    ),
  );
  const hdr = { 'my-header': 'some-value' };

  it('puts an Exact match with header and query first', () => {
    expect(seen(text, { to: 'http://a.domain.example/baz?my-param=some-value', headers: hdr })).toMatchObject(
      ok('svc2.allowed-2'),
    );
  });
  it('prefers the longer prefix /foo/bar over /foo with a header', () => {
    expect(seen(text, { to: 'http://a.domain.example/foo/bar/x', headers: hdr })).toMatchObject(ok('svc2.allowed-2'));
  });
  it('takes /foo with the header to svc1 of another namespace’s route', () => {
    expect(seen(text, { to: 'http://a.domain.example/foo', headers: hdr })).toMatchObject(ok('svc1.allowed-1'));
  });
  it('puts PathPrefix / before a regular expression: /foo without the header goes to svc3', () => {
    expect(seen(text, { to: 'http://a.domain.example/foo' })).toMatchObject(ok('svc3.allowed-2'));
  });
  it('puts a method match before an equal prefix: PATCH / goes to svc2', () => {
    expect(seen(text, { to: 'http://a.domain.example/any', method: 'PATCH' })).toMatchObject(ok('svc2.allowed-2'));
  });
  it('ignores the route of a namespace the selector leaves out', () => {
    expect(seen(text, { to: 'http://a.domain.example/abc', headers: hdr })).toMatchObject(ok('svc3.allowed-2'));
  });
  it('routes b.domain.example by the allowed-1 route only: the regex catches /foo/x', () => {
    expect(seen(text, { to: 'http://b.domain.example/foo/x' })).toMatchObject(ok('svc2.allowed-1'));
    expect(seen(text, { to: 'http://b.domain.example/other' })).toMatchObject(notFound);
  });
  it('applies the same route to sidecars calling its Service parent', () => {
    expect(seen(text, { from: 'allowed-1/curl', to: 'http://a-example.allowed-1/foo', headers: hdr })).toMatchObject(
      ok('svc1.allowed-1'),
    );
    expect(seen(text, { from: 'allowed-1/curl', to: 'http://a-example.allowed-1/foo/y' })).toMatchObject(
      ok('svc2.allowed-1'),
    );
    expect(seen(text, { from: 'allowed-1/curl', to: 'http://a-example.allowed-1/nothing' })).toMatchObject(notFound);
  });
});

describe('which routes a listener admits (testdata/route-binding.yaml)', () => {
  const sel = (selector: string) => `allowedRoutes: {namespaces: {from: Selector, selector: ${selector}}}`;
  const gw = gateway(
    listener('default', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`) +
      listener(
        'foobar',
        80,
        'HTTP',
        `hostname: "*.foobar.example"\nallowedRoutes: {namespaces: {from: All}, kinds: [{kind: HTTPRoute}]}`,
      ) +
      listener('same-namespace', 80, 'HTTP', `hostname: "*.same-namespace.example"`) +
      listener(
        'scope-route',
        80,
        'HTTP',
        `hostname: "*.scope-route.example"\nallowedRoutes: {namespaces: {from: All}, kinds: [{kind: TCPRoute}]}`,
      ) +
      listener(
        'slctr-labels',
        80,
        'HTTP',
        `hostname: "*.slctr-labels.example"\n${sel('{matchLabels: {part: group}}')}`,
      ) +
      listener(
        'expr-in-no',
        80,
        'HTTP',
        `hostname: "*.expr-in-no.example"\n${sel('{matchExpressions: [{key: part, operator: In, values: [public]}]}')}`,
      ) +
      listener(
        'expr-notin-no',
        80,
        'HTTP',
        `hostname: "*.expr-notin-no.example"
${sel('{matchExpressions: [{key: part, operator: NotIn, values: [group]}]}')}`,
      ) +
      listener(
        'expr-dne-yes',
        80,
        'HTTP',
        `hostname: "*.expr-dne-yes.example"\n${sel('{matchExpressions: [{key: nothere, operator: DoesNotExist}]}')}`,
      ),
  );
  const route = (name: string, ns: string, refs: string, backend: string, hostnames = '') =>
    httpRoute(name, ns, `parentRefs: ${refs}\n${hostnames}rules: [{backendRefs: [{name: ${backend}, port: 80}]}]`);
  const text = doc(
    base,
    namespace('group-1', { part: 'group' }),
    namespace('group-2', { part: 'group' }),
    gw,
    app('section', 'default'),
    app('bind-all', 'default'),
    app('own', 'infra'),
    app('echo', 'default'),
    app('g1', 'group-1'),
    app('g2', 'group-2'),
    route(
      'section-name-cross-namespace',
      'default',
      '[{name: gw, namespace: infra, sectionName: foobar}]',
      'section',
      'hostnames: [alpha.foobar.example]\n',
    ),
    route(
      'same-namespace-valid',
      'infra',
      '[{name: gw, sectionName: foobar}, {name: gw, sectionName: same-namespace}]',
      'own',
    ),
    route(
      'same-namespace-invalid',
      'default',
      '[{name: gw, namespace: infra, sectionName: same-namespace}]',
      'echo',
      'hostnames: [foo.same-namespace.example]\n',
    ),
    route('bind-all', 'default', '[{name: gw, namespace: infra}]', 'bind-all'),
    route(
      'bind-cross-namespace',
      'group-1',
      '[{name: gw, namespace: infra, sectionName: slctr-labels}, ' +
        '{name: gw, namespace: infra, sectionName: expr-in-no}]',
      'g1',
    ),
    route('bind-cross-namespace', 'group-2', '[{name: gw, namespace: infra, sectionName: slctr-labels}]', 'g2'),
  );

  it('sends a sectionName route its own hostname', () => {
    expect(seen(text, { to: 'http://alpha.foobar.example/' })).toMatchObject(ok('section.default'));
  });
  it('lets the older-named route win for other hosts of the listener', () => {
    expect(seen(text, { to: 'http://beta.foobar.example/' })).toMatchObject(ok('bind-all.default'));
  });
  it('admits only the Gateway’s namespace on a listener without allowedRoutes', () => {
    expect(seen(text, { to: 'http://foo.same-namespace.example/' })).toMatchObject(ok('own.infra'));
  });
  it('routes nothing through a listener that admits only TCPRoutes', () => {
    expect(seen(text, { to: 'http://x.scope-route.example/' })).toMatchObject(notFound);
  });
  it('admits the namespaces a label selector picks, the first by name winning a tie', () => {
    expect(seen(text, { to: 'http://x.slctr-labels.example/' })).toMatchObject(ok('g1.group-1'));
  });
  it('admits nothing when a selector picks no namespace', () => {
    expect(seen(text, { to: 'http://x.expr-in-no.example/' })).toMatchObject(notFound);
  });
  it('admits by NotIn and DoesNotExist expressions', () => {
    expect(seen(text, { to: 'http://x.expr-notin-no.example/' })).toMatchObject(ok('bind-all.default'));
    expect(seen(text, { to: 'http://x.expr-dne-yes.example/' })).toMatchObject(ok('bind-all.default'));
  });
});

describe('listeners of one port with nested hostnames (testdata/isolation.yaml)', () => {
  const gw = gateway(
    listener('empty-hostname', 80, 'HTTP', fromAll) +
      listener('wildcard-example-com', 80, 'HTTP', `hostname: "*.example.com"\n${fromAll}`) +
      listener('wildcard-foo-example-com', 80, 'HTTP', `hostname: "*.foo.example.com"\n${fromAll}`) +
      listener('abc-foo-example-com', 80, 'HTTP', `hostname: abc.foo.example.com\n${fromAll}`),
  );
  const hosts = '[bar.com, "*.example.com", "*.foo.example.com", abc.foo.example.com]';
  const route = (section: string) =>
    httpRoute(
      `to-${section}`,
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}]
hostnames: ${hosts}
rules: [{matches: [{path: {value: /${section}}}], backendRefs: [{name: backend, port: 80}]}]`,
    );
  const text = doc(
    base,
    gw,
    app('backend', 'default'),
    route('empty-hostname'),
    route('wildcard-example-com'),
    route('wildcard-foo-example-com'),
    route('abc-foo-example-com'),
  );
  const cases: Array<[string, string, boolean]> = [
    ['bar.com', '/empty-hostname', true],
    ['x.example.com', '/empty-hostname', false],
    ['x.example.com', '/wildcard-example-com', true],
    ['x.foo.example.com', '/wildcard-example-com', false],
    ['x.foo.example.com', '/wildcard-foo-example-com', true],
    ['abc.foo.example.com', '/wildcard-foo-example-com', false],
    ['abc.foo.example.com', '/abc-foo-example-com', true],
    ['bar.com', '/abc-foo-example-com', false],
  ];
  for (const [host, path, routed] of cases)
    it(`${routed ? 'routes' : 'does not route'} ${host}${path}`, () => {
      expect(seen(text, { to: `http://${host}${path}` })).toMatchObject(routed ? ok('backend.default') : notFound);
    });
});

describe('mesh routes with a Service parent (testdata/mesh.yaml; GAMMA)', () => {
  const text = doc(
    base,
    namespace('apple', { 'istio-injection': 'enabled' }),
    gateway(listener('default', 80, 'HTTP', `hostname: "*.example.com"\n${fromAll}`)),
    app('echo', 'default'),
    app('example', 'default'),
    app('echo-port', 'default'),
    app('echo-1', 'default', [80, 8080]),
    app('echo-2', 'default'),
    app('httpbin-apple', 'apple'),
    app('apple-v2', 'apple'),
    curl('default'),
    curl('apple'),
    httpRoute(
      'echo',
      'default',
      `parentRefs: [{group: "", kind: Service, name: echo}]\nrules: [{backendRefs: [{name: echo, port: 80}]}]`,
    ),
    httpRoute(
      'dual',
      'default',
      `parentRefs: [{group: "", kind: Service, name: example}, {name: gw, namespace: infra}]
hostnames: [foo.example.com]
rules: [{backendRefs: [{name: example, port: 80}]}]`,
    ),
    httpRoute(
      'header',
      'default',
      `parentRefs: [{group: "", kind: Service, name: echo}]
rules:
- matches: [{path: {value: /path}}]
  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: my-added-header, value: added-value}]}}]
  backendRefs: [{name: echo-2, port: 80}]`,
    ),
    httpRoute(
      'echo-port',
      'default',
      `parentRefs: [{group: "", kind: Service, name: echo-port, port: 80}]
rules: [{backendRefs: [{name: echo, port: 80}]}]`,
    ),
    httpRoute(
      'multi-service',
      'default',
      `parentRefs: [{group: "", kind: Service, name: echo-1, port: 8080}]
rules: [{backendRefs: [{name: echo-2, port: 80}]}]`,
    ),
    httpRoute(
      'consumer-override',
      'default',
      `parentRefs: [{group: "", kind: Service, name: httpbin-apple, namespace: apple, port: 80}]
rules: [{backendRefs: [{name: apple-v2, namespace: apple, port: 80}]}]`,
    ),
  );
  const client = 'default/curl';

  it('merges two routes for one Service: the /path rule first, the rest to the other route', () => {
    expect(seen(text, { from: client, to: 'http://echo/path/a' })).toMatchObject(ok('echo-2.default'));
    expect(seen(text, { from: client, to: 'http://echo/other' })).toMatchObject(ok('echo.default'));
  });
  it('routes a route with a Service and a Gateway parent for both', () => {
    expect(seen(text, { from: client, to: 'http://example/x' })).toMatchObject(ok('example.default'));
    expect(seen(text, { to: 'http://foo.example.com/x' })).toMatchObject(ok('example.default'));
    expect(seen(text, { to: 'http://bar.example.com/x' })).toMatchObject(notFound);
  });
  it('routes only the port a parentRef names', () => {
    expect(seen(text, { from: client, to: 'http://echo-1:8080/' })).toMatchObject(ok('echo-2.default'));
    expect(seen(text, { from: client, to: 'http://echo-1:80/' })).toMatchObject(ok('echo-1.default'));
    expect(seen(text, { from: client, to: 'http://echo-port:80/' })).toMatchObject(ok('echo.default'));
  });
  it('applies a consumer route only to clients in its own namespace', () => {
    expect(seen(text, { from: client, to: 'http://httpbin-apple.apple/' })).toMatchObject(ok('apple-v2.apple'));
    expect(seen(text, { from: 'apple/curl', to: 'http://httpbin-apple.apple/' })).toMatchObject(
      ok('httpbin-apple.apple'),
    );
  });
});

describe('GRPCRoute (testdata/grpc.yaml, http-grpc-same-host.yaml)', () => {
  const gw = gateway(
    listener(
      'default',
      80,
      'HTTP',
      `hostname: "*.domain.example"\nallowedRoutes: {namespaces: {from: All}, kinds: [{kind: GRPCRoute}]}`,
    ),
  );
  const grpc = object(
    'GRPCRoute',
    'grpc',
    'default',
    `parentRefs: [{name: gw, namespace: infra}]
hostnames: [first.domain.example]
rules:
- matches: [{method: {service: foo}, headers: [{name: my-header, value: some-value}]}]
  backendRefs: [{name: httpbin, port: 80}]
- matches: [{method: {type: RegularExpression, method: bar}}]
  backendRefs: [{name: grpcbin, port: 9090}]`,
  );
  const text = doc(base, gw, app('httpbin', 'default'), app('grpcbin', 'default', [9090], 'grpc'), grpc);

  it('matches a service without a method on every method of that service', () => {
    expect(
      seen(text, {
        to: 'http://first.domain.example/foo/Get',
        protocol: 'grpc',
        headers: { 'my-header': 'some-value' },
      }),
    ).toMatchObject(ok('httpbin.default'));
  });
  it('matches a method by regular expression in any service', () => {
    expect(seen(text, { to: 'http://first.domain.example/pkg.Svc/bar', protocol: 'grpc' })).toMatchObject(
      ok('grpcbin.default', 9090),
    );
    expect(seen(text, { to: 'http://first.domain.example/foo/Get', protocol: 'grpc' })).toMatchObject(notFound);
  });
  it('refuses an HTTPRoute on a listener that admits only GRPCRoutes', () => {
    const http = httpRoute(
      'http',
      'default',
      `parentRefs: [{name: gw, namespace: infra}]
hostnames: [h.domain.example]
rules: [{backendRefs: [{name: httpbin, port: 80}]}]`,
    );
    expect(seen(doc(text, http), { to: 'http://h.domain.example/' })).toMatchObject(notFound);
  });
  it('merges an HTTPRoute and a GRPCRoute for one host', () => {
    const same = doc(
      base,
      gateway(listener('default', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`)),
      app('httpbin', 'default'),
      app('grpcbin', 'default', [9090], 'grpc'),
      httpRoute(
        'http',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [my.domain.example]
rules: [{matches: [{path: {value: /api}}], backendRefs: [{name: httpbin, port: 80}]}]`,
      ),
      object(
        'GRPCRoute',
        'grpc',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [my.domain.example]
rules: [{matches: [{method: {service: foo.FooService, type: Exact}}], backendRefs: [{name: grpcbin, port: 9090}]}]`,
      ),
    );
    expect(seen(same, { to: 'http://my.domain.example/foo.FooService/Do', protocol: 'grpc' })).toMatchObject(
      ok('grpcbin.default', 9090),
    );
    expect(seen(same, { to: 'http://my.domain.example/api/v1' })).toMatchObject(ok('httpbin.default'));
  });
});

describe('ReferenceGrants for backends (testdata/reference-policy-service.yaml)', () => {
  const text = doc(
    base,
    namespace('service', { 'istio-injection': 'enabled' }),
    gateway(listener('simple', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`)),
    app('my-svc', 'service'),
    app('other-svc', 'service'),
    object(
      'ReferenceGrant',
      'allow-service',
      'service',
      `from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: infra}]
to: [{group: "", kind: Service, name: my-svc}]`,
      'v1beta1',
    ),
    httpRoute(
      'http',
      'infra',
      `parentRefs: [{name: gw}]
hostnames: [simple.domain.example]
rules: [{backendRefs: [{name: my-svc, namespace: service, port: 80}]}]`,
    ),
    httpRoute(
      'named',
      'infra',
      `parentRefs: [{name: gw}]
hostnames: [other.domain.example]
rules: [{backendRefs: [{name: other-svc, namespace: service, port: 80}]}]`,
    ),
    object(
      'GRPCRoute',
      'grpc',
      'infra',
      `parentRefs: [{name: gw}]
hostnames: [grpc.domain.example]
rules: [{backendRefs: [{name: my-svc, namespace: service, port: 80}]}]`,
    ),
  );
  it('allows the Service the grant names', () => {
    expect(seen(text, { to: 'http://simple.domain.example/' })).toMatchObject(ok('my-svc.service'));
  });
  it('answers 500 for a Service in that namespace the grant does not name', () => {
    expect(seen(text, { to: 'http://other.domain.example/' })).toMatchObject(missingBackend500);
  });
  it('answers 500 for a GRPCRoute when the grant is for HTTPRoutes only', () => {
    expect(seen(text, { to: 'http://grpc.domain.example/a.B/C', protocol: 'grpc' })).toMatchObject(missingBackend500);
  });
});

describe('TCP and TLS listeners (testdata/tcp.yaml, tls.yaml, reference-policy-tcp.yaml)', () => {
  const text = doc(
    base,
    namespace('service', { 'istio-injection': 'enabled' }),
    gateway(
      listener('tcp', 34000, 'TCP', fromAll) +
        listener('passthrough', 34001, 'TLS', `tls: {mode: Passthrough}\n${fromAll}`) +
        listener(
          'terminate',
          34002,
          'TLS',
          `hostname: tls.domain.example\ntls: {mode: Terminate, certificateRefs: [{name: cert}]}\n${fromAll}`,
        ),
    ),
    app('tcp-echo', 'default', [9000], 'tcp'),
    app('tls-echo', 'default', [443], 'tls'),
    app('far', 'service', [9000], 'tcp'),
    object(
      'TCPRoute',
      'tcp',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: tcp}]
rules: [{backendRefs: [{name: tcp-echo, port: 9000}]}]`,
      'v1alpha2',
    ),
    object(
      'TLSRoute',
      'tls',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: passthrough}]
hostnames: ["*.example.com"]
rules: [{backendRefs: [{name: tls-echo, port: 443}]}]`,
      'v1alpha2',
    ),
    object(
      'TCPRoute',
      'terminated',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: terminate}]
rules: [{backendRefs: [{name: tcp-echo, port: 9000}]}]`,
      'v1alpha2',
    ),
  );
  it('forwards a TCP listener’s connection to the TCPRoute backend', () => {
    expect(seen(text, { to: 'gw-istio.infra', port: 34000, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: to('tcp-echo.default', 9000),
    });
  });
  it('passes TLS through by SNI under the route’s wildcard hostname, and not others', () => {
    expect(seen(text, { to: 'gw-istio.infra', port: 34001, protocol: 'tls', sni: 'a.example.com' })).toMatchObject({
      outcome: 'routed',
      cluster: to('tls-echo.default', 443),
    });
    expect(seen(text, { to: 'gw-istio.infra', port: 34001, protocol: 'tls', sni: 'a.example.org' }).outcome).not.toBe(
      'routed',
    );
  });
  it('terminates TLS and forwards the connection to a TCPRoute backend', () => {
    expect(seen(text, { to: 'gw-istio.infra', port: 34002, protocol: 'tls', sni: 'tls.domain.example' })).toMatchObject(
      { outcome: 'routed', cluster: to('tcp-echo.default', 9000) },
    );
  });
  it('does not forward a TCPRoute to another namespace without a ReferenceGrant', () => {
    const cross = doc(
      base,
      namespace('service', { 'istio-injection': 'enabled' }),
      gateway(listener('tcp', 34000, 'TCP', fromAll)),
      app('far', 'service', [9000], 'tcp'),
      object(
        'TCPRoute',
        'tcp',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{name: far, namespace: service, port: 9000}]}]`,
        'v1alpha2',
      ),
    );
    expect(seen(cross, { to: 'gw-istio.infra', port: 34000, protocol: 'tcp' }).outcome).not.toBe('routed');
    const granted = doc(
      cross,
      object(
        'ReferenceGrant',
        'g',
        'service',
        `from: [{group: gateway.networking.k8s.io, kind: TCPRoute, namespace: default}]
to: [{group: "", kind: Service}]`,
        'v1beta1',
      ),
    );
    expect(seen(granted, { to: 'gw-istio.infra', port: 34000, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: to('far.service', 9000),
    });
  });
});

describe('HTTPS listeners (testdata/tls.yaml, redirect-only.yaml; istio.io secure gateways)', () => {
  const https = (name: string, host: string, extra = '') =>
    listener(
      name,
      443,
      'HTTPS',
      `hostname: "${host}"\ntls: {mode: Terminate, certificateRefs: [{name: cert}]${extra}}\n${fromAll}`,
    );
  const text = doc(
    base,
    gateway(
      listener('http', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`) +
        https('https', '*.domain.example') +
        https('other', 'other.example'),
    ),
    app('httpbin', 'default'),
    app('other', 'default'),
    httpRoute(
      'to-https',
      'infra',
      `parentRefs: [{name: gw, sectionName: http}]
rules: [{filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]}]`,
    ),
    httpRoute(
      'app',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: https}]
hostnames: [app.domain.example]
rules: [{backendRefs: [{name: httpbin, port: 80}]}]`,
    ),
    httpRoute(
      'other',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: other}]
rules: [{backendRefs: [{name: other, port: 80}]}]`,
    ),
  );
  it('serves the route over HTTPS', () => {
    expect(seen(text, { to: 'https://app.domain.example/status/200' })).toMatchObject(ok('httpbin.default'));
  });
  it('redirects the HTTP listener’s requests to https', () => {
    expect(seen(text, { to: 'http://app.domain.example/status/200' })).toMatchObject({
      outcome: 'redirect',
      status: 301,
      location: 'https://app.domain.example/status/200',
    });
  });
  it('serves a route without hostnames only under its listener’s hostname', () => {
    expect(seen(text, { to: 'https://other.example/' })).toMatchObject(ok('other.default'));
    expect(seen(text, { to: 'https://nope.domain.example/' })).toMatchObject(notFound);
  });
  it('redirects on an HTTPS listener keeping the https scheme', () => {
    const moved = doc(
      text,
      httpRoute(
        'moved',
        'default',
        `parentRefs: [{name: gw, namespace: infra, sectionName: https}]
hostnames: [old.domain.example]
rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: new.domain.example}}]}]`,
      ),
    );
    expect(seen(moved, { to: 'https://old.domain.example/x' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'https://new.domain.example/x',
    });
  });
});

describe('listener and parentRef ports (HTTPRouteListenerPortMatching; testdata/valid-invalid-parent-ref.yaml)', () => {
  const text = doc(
    base,
    gateway(listener('http', 80, 'HTTP', fromAll) + listener('alt', 8080, 'HTTP', fromAll)),
    app('httpbin', 'default'),
    app('alt', 'default'),
    httpRoute(
      'by-port',
      'default',
      `parentRefs: [{name: gw, namespace: infra, port: 8080}, {name: gw, namespace: infra, port: 1234}]
hostnames: [alt.example]
rules: [{backendRefs: [{name: alt, port: 80}]}]`,
    ),
    httpRoute(
      'moved',
      'default',
      `parentRefs: [{name: gw, namespace: infra, port: 8080}]
hostnames: [old.example]
rules: [{filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example}}]}]`,
    ),
  );
  it('attaches a route by port to that listener only', () => {
    expect(seen(text, { to: 'http://alt.example:8080/' })).toMatchObject(ok('alt.default'));
    expect(seen(text, { to: 'http://alt.example/' })).toMatchObject(notFound);
  });
  it('keeps the request’s port in a redirect to another hostname', () => {
    expect(seen(text, { to: 'http://old.example:8080/p' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'http://new.example:8080/p',
    });
  });
});

describe('backends named by hostname (testdata/serviceentry.yaml, mcs.yaml)', () => {
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: egress, namespace: default}
spec:
  hosts: [google.com, "*.egress.com"]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: tls, protocol: TLS}]`;
  const text = doc(
    base,
    gateway(listener('default', 80, 'HTTP', fromAll)),
    se,
    curl('default'),
    httpRoute(
      'http',
      'default',
      `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{kind: Hostname, group: networking.istio.io, name: google.com, port: 80}]}]`,
    ),
  );
  it('routes a Hostname backend to the ServiceEntry’s host', () => {
    expect(seen(text, { to: 'http://any.example/' })).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|80||google.com',
    });
  });
  it('answers 500 for a Hostname no ServiceEntry declares', () => {
    const missing = text.replace('name: google.com, port: 80', 'name: nowhere.example, port: 80');
    expect(seen(missing, { to: 'http://any.example/' })).toMatchObject(missingBackend500);
  });
  it('routes a sidecar’s requests by a route whose parent is the ServiceEntry', () => {
    const withMesh = doc(
      text,
      app('mirror-of-google', 'default'),
      httpRoute(
        'egress',
        'default',
        `parentRefs: [{kind: ServiceEntry, group: networking.istio.io, name: egress}]
hostnames: [google.com]
rules: [{backendRefs: [{name: mirror-of-google, port: 80}]}]`,
      ),
    );
    expect(seen(withMesh, { from: 'default/curl', to: 'http://google.com/' })).toMatchObject(
      ok('mirror-of-google.default'),
    );
  });
  it('treats a ServiceImport backend as the Service of that name', () => {
    const mcs = doc(
      base,
      gateway(listener('default', 80, 'HTTP', fromAll)),
      app('echo', 'default'),
      httpRoute(
        'mcs',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{group: multicluster.x-k8s.io, kind: ServiceImport, name: echo, port: 80}]}]`,
      ),
    );
    expect(seen(mcs, { to: 'http://any.example/' })).toMatchObject(ok('echo.default'));
  });
});

// istio.io tasks, their "Gateway API" tab: the manifests the page applies, and what the page says the request does.

/** Deployments of `app` per version with a Service for all and one per version (bookinfo-versions.yaml's way). */
const versioned = (name: string, ns: string, port: number, versions: string[], protocol = 'http') =>
  doc(
    ...versions.map((v) => {
      const labels = `{app: ${name}, version: ${v}}`;
      return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}-${v}, namespace: ${ns}}
spec:
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: ${port}}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}-${v}, namespace: ${ns}}
spec:
  selector: ${labels}
  ports: [{name: ${protocol}, port: ${port}}]`;
    }),
    `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{name: ${protocol}, port: ${port}}]`,
  );

/** The weighted clusters a request met, as `cluster weight`. */
function weights(text: string, request: Partial<TraceRequest> & { to: string }): string[] {
  const t = simulateScenario(text, { from: 'infra/gw-istio', ...request });
  const weighted = t.steps.map((s) => s.fact).find((f) => f.kind === 'route' && f.by === 'weight');
  return weighted?.kind === 'route' && weighted.by === 'weight'
    ? weighted.clusters.map((c) => `${c.name} ${c.weight}`)
    : [];
}

describe('istio.io: request routing and traffic shifting (Gateway API tab)', () => {
  const mesh = doc(
    base,
    versioned('reviews', 'default', 9080, ['v1', 'v2', 'v3']),
    versioned('productpage', 'default', 9080, ['v1']),
  );
  const client = 'default/productpage-v1';
  const routing = httpRoute(
    'reviews',
    'default',
    `parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
rules:
- matches: [{headers: [{name: end-user, value: jason}]}]
  backendRefs: [{name: reviews-v2, port: 9080}]
- backendRefs: [{name: reviews-v1, port: 9080}]`,
  );
  it('sends jason to reviews-v2 and everyone else to reviews-v1', () => {
    const text = doc(mesh, routing);
    expect(
      seen(text, { from: client, to: 'http://reviews:9080/reviews/0', headers: { 'end-user': 'jason' } }),
    ).toMatchObject(ok('reviews-v2.default', 9080));
    expect(seen(text, { from: client, to: 'http://reviews:9080/reviews/0' })).toMatchObject(
      ok('reviews-v1.default', 9080),
    );
  });
  it('splits 50/50 between reviews-v1 and reviews-v3, then sends all to reviews-v3', () => {
    const split = (rule: string) =>
      doc(
        mesh,
        httpRoute(
          'reviews',
          'default',
          `parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]\nrules:\n${rule}`,
        ),
      );
    expect(
      weights(
        split(
          '- backendRefs: [{name: reviews-v1, port: 9080, weight: 50}, {name: reviews-v3, port: 9080, weight: 50}]',
        ),
        { from: client, to: 'http://reviews:9080/' },
      ),
    ).toEqual([`${to('reviews-v1.default', 9080)} 50`, `${to('reviews-v3.default', 9080)} 50`]);
    expect(
      seen(split('- backendRefs: [{name: reviews-v3, port: 9080}]'), { from: client, to: 'http://reviews:9080/' }),
    ).toMatchObject(ok('reviews-v3.default', 9080));
  });
});

describe('istio.io: TCP traffic shifting (Gateway API tab)', () => {
  const setup = (rules: string) =>
    doc(
      base,
      versioned('tcp-echo', 'default', 9000, ['v1', 'v2'], 'tcp'),
      gateway(listener('tcp-31400', 31400, 'TCP', ''), 'tcp-echo-gateway', 'default'),
      object(
        'TCPRoute',
        'tcp-echo',
        'default',
        `parentRefs: [{name: tcp-echo-gateway, sectionName: tcp-31400}]\nrules:\n${rules}`,
        'v1alpha2',
      ),
    );
  const request = {
    from: 'default/tcp-echo-gateway-istio',
    to: 'tcp-echo-gateway-istio.default',
    port: 31400,
    protocol: 'tcp' as const,
  };
  it('sends every connection to tcp-echo-v1', () => {
    expect(seen(setup('- backendRefs: [{name: tcp-echo-v1, port: 9000}]'), request)).toMatchObject({
      outcome: 'routed',
      cluster: to('tcp-echo-v1.default', 9000),
    });
  });
  it('shifts 20% of connections to tcp-echo-v2', () => {
    expect(
      weights(
        setup(
          '- backendRefs: [{name: tcp-echo-v1, port: 9000, weight: 80}, {name: tcp-echo-v2, port: 9000, weight: 20}]',
        ),
        request,
      ),
    ).toEqual([`${to('tcp-echo-v1.default', 9000)} 80`, `${to('tcp-echo-v2.default', 9000)} 20`]);
  });
});

describe('istio.io: mirroring (Gateway API tab)', () => {
  it('answers from httpbin-v1 and sends a copy to httpbin-v2', () => {
    const text = doc(
      base,
      versioned('httpbin', 'default', 8000, ['v1', 'v2']),
      curl('default'),
      httpRoute(
        'httpbin',
        'default',
        `parentRefs: [{group: "", kind: Service, name: httpbin, port: 8000}]
rules:
- filters: [{type: RequestMirror, requestMirror: {backendRef: {name: httpbin-v2, port: 8000}}}]
  backendRefs: [{name: httpbin-v1, port: 8000}]`,
      ),
    );
    expect(seen(text, { from: 'default/curl', to: 'http://httpbin:8000/headers' })).toMatchObject({
      ...ok('httpbin-v1.default', 8000),
      mirrors: [to('httpbin-v2.default', 8000)],
    });
  });
});

describe('istio.io: ingress gateways and secure gateways (Gateway API tab)', () => {
  const apps = doc(
    base,
    namespace('istio-system'),
    versioned('httpbin', 'default', 8000, ['v1']),
    versioned('helloworld', 'default', 5000, ['v1']),
  );
  const byName =
    'allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: default}}}}';
  const ingress = doc(
    apps,
    gateway(
      listener('http', 80, 'HTTP', `hostname: "httpbin.example.com"\nallowedRoutes: {namespaces: {from: Same}}`),
      'httpbin-gateway',
      'default',
    ),
    httpRoute(
      'httpbin',
      'default',
      `parentRefs: [{name: httpbin-gateway}]
hostnames: [httpbin.example.com]
rules:
- matches: [{path: {type: PathPrefix, value: /status}}, {path: {type: PathPrefix, value: /delay}}]
  backendRefs: [{name: httpbin, port: 8000}]`,
    ),
  );
  const gw = { from: 'default/httpbin-gateway-istio' };
  it('routes /status and /delay on httpbin.example.com to httpbin', () => {
    expect(seen(ingress, { ...gw, to: 'http://httpbin.example.com/status/200' })).toMatchObject(
      ok('httpbin.default', 8000),
    );
    expect(seen(ingress, { ...gw, to: 'http://httpbin.example.com/delay/1' })).toMatchObject(
      ok('httpbin.default', 8000),
    );
  });
  it('answers 404 for another path or another host', () => {
    expect(seen(ingress, { ...gw, to: 'http://httpbin.example.com/headers' })).toMatchObject(notFound);
    expect(seen(ingress, { ...gw, to: 'http://other.example.com/status/200' })).toMatchObject(notFound);
  });

  const secure = doc(
    apps,
    gateway(
      listener(
        'https-httpbin',
        443,
        'HTTPS',
        `hostname: "httpbin.example.com"
tls: {mode: Terminate, certificateRefs: [{name: httpbin-credential}]}
${byName}`,
      ) +
        listener(
          'https-helloworld',
          443,
          'HTTPS',
          `hostname: "helloworld.example.com"
tls: {mode: Terminate, certificateRefs: [{name: helloworld-credential}]}
${byName}`,
        ),
      'mygateway',
      'istio-system',
    ),
    httpRoute(
      'httpbin',
      'default',
      `parentRefs: [{name: mygateway, namespace: istio-system}]
hostnames: [httpbin.example.com]
rules:
- matches: [{path: {type: PathPrefix, value: /status}}, {path: {type: PathPrefix, value: /delay}}]
  backendRefs: [{name: httpbin, port: 8000}]`,
    ),
    httpRoute(
      'helloworld',
      'default',
      `parentRefs: [{name: mygateway, namespace: istio-system}]
hostnames: [helloworld.example.com]
rules: [{matches: [{path: {type: Exact, value: /hello}}], backendRefs: [{name: helloworld, port: 5000}]}]`,
    ),
  );
  const sgw = { from: 'istio-system/mygateway-istio' };
  it('serves httpbin.example.com over TLS with its own certificate', () => {
    expect(seen(secure, { ...sgw, to: 'https://httpbin.example.com/status/418' })).toMatchObject(
      ok('httpbin.default', 8000),
    );
  });
  it('serves helloworld.example.com/hello exactly on the same port', () => {
    expect(seen(secure, { ...sgw, to: 'https://helloworld.example.com/hello' })).toMatchObject(
      ok('helloworld.default', 5000),
    );
    expect(seen(secure, { ...sgw, to: 'https://helloworld.example.com/hello/x' })).toMatchObject(notFound);
  });
  it('does not attach routes from a namespace the selector leaves out', () => {
    const moved = doc(
      secure,
      namespace('other'),
      versioned('hello2', 'other', 5000, ['v1']),
      httpRoute(
        'hello2',
        'other',
        `parentRefs: [{name: mygateway, namespace: istio-system}]
hostnames: [helloworld.example.com]
rules: [{matches: [{path: {type: Exact, value: /other}}], backendRefs: [{name: hello2, port: 5000}]}]`,
      ),
    );
    expect(seen(moved, { ...sgw, to: 'https://helloworld.example.com/other' })).toMatchObject(notFound);
  });
});

describe('istio.io: egress gateway (Gateway API tab)', () => {
  const cnn = (ports: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: cnn, namespace: default}
spec:
  hosts: [edition.cnn.com]
  ports: ${ports}
  resolution: DNS`;
  const egress = (protocol: string, port: number, extra: string) =>
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  namespace: default
  annotations: {networking.istio.io/service-type: ClusterIP}
spec:
  gatewayClassName: istio
  listeners:
  - name: ${protocol.toLowerCase()}
    hostname: edition.cnn.com
    port: ${port}
    protocol: ${protocol}
${extra}    allowedRoutes: {namespaces: {from: Same}}`;
  it('sends sidecar HTTP requests for edition.cnn.com through the egress gateway, which forwards them out', () => {
    const text = doc(
      base,
      curl('default'),
      cnn('[{number: 80, name: http-port, protocol: HTTP}, {number: 443, name: https, protocol: HTTPS}]'),
      egress('HTTP', 80, ''),
      httpRoute(
        'direct-cnn-to-egress-gateway',
        'default',
        `parentRefs: [{kind: ServiceEntry, group: networking.istio.io, name: cnn}]
rules: [{backendRefs: [{name: cnn-egress-gateway-istio, port: 80}]}]`,
      ),
      httpRoute(
        'forward-cnn-from-egress-gateway',
        'default',
        `parentRefs: [{name: cnn-egress-gateway}]
hostnames: [edition.cnn.com]
rules: [{backendRefs: [{kind: Hostname, group: networking.istio.io, name: edition.cnn.com, port: 80}]}]`,
      ),
    );
    const t = simulateScenario(text, { from: 'default/curl', to: 'http://edition.cnn.com/politics' });
    expect(t.hops.map((h) => `${h.direction} ${h.route ?? '-'} ${h.cluster ?? '-'}`)).toEqual([
      `outbound default.direct-cnn-to-egress-gateway.0 ${to('cnn-egress-gateway-istio.default')}`,
      'gateway default.forward-cnn-from-egress-gateway.0 outbound|80||edition.cnn.com',
    ]);
  });
  it('passes sidecar TLS for edition.cnn.com through the egress gateway by SNI', () => {
    const text = doc(
      base,
      curl('default'),
      cnn('[{number: 443, name: tls, protocol: TLS}]'),
      egress('TLS', 443, '    tls: {mode: Passthrough}\n'),
      object(
        'TLSRoute',
        'direct-cnn-to-egress-gateway',
        'default',
        `parentRefs: [{kind: ServiceEntry, group: networking.istio.io, name: cnn}]
rules: [{backendRefs: [{name: cnn-egress-gateway-istio, port: 443}]}]`,
        'v1alpha2',
      ),
      object(
        'TLSRoute',
        'forward-cnn-from-egress-gateway',
        'default',
        `parentRefs: [{name: cnn-egress-gateway}]
hostnames: [edition.cnn.com]
rules: [{backendRefs: [{kind: Hostname, group: networking.istio.io, name: edition.cnn.com, port: 443}]}]`,
        'v1alpha2',
      ),
    );
    const t = simulateScenario(text, { from: 'default/curl', to: 'https://edition.cnn.com/politics' });
    expect(t.hops.map((h) => `${h.direction} ${h.cluster ?? '-'}`)).toEqual([
      `outbound ${to('cnn-egress-gateway-istio.default', 443)}`,
      'gateway outbound|443||edition.cnn.com',
    ]);
    expect(t.outcome).toBe('routed');
  });
});

describe('hostnames, matches and parents (testdata/http.yaml, route-binding.yaml, multi-gateway.yaml)', () => {
  const apps = doc(base, namespace('web'), app('a', 'default'), app('b', 'default'), app('w', 'web'));
  const route = (name: string, spec: string, ns = 'default') => httpRoute(name, ns, spec);
  const on = (listeners: string, ...routes: string[]) => doc(apps, gateway(listeners), ...routes);
  const all = (host = '') => listener('http', 80, 'HTTP', `${host ? `hostname: "${host}"\n` : ''}${fromAll}`);

  it('narrows a wildcard route hostname to the listener’s exact hostname', () => {
    const text = on(
      all('foo.example.com'),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: ["*.example.com"]
rules: [{backendRefs: [{name: a, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://foo.example.com/' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://bar.example.com/' })).toMatchObject(notFound);
  });
  it('does not attach a route whose hostname the wildcard listener does not cover', () => {
    const text = on(
      all('*.example.com'),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [example.com]
rules: [{backendRefs: [{name: a, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://example.com/' })).toMatchObject(notFound);
  });
  it('keeps a more specific wildcard route hostname under a wildcard listener', () => {
    const text = on(
      all('*.example.com'),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: ["*.foo.example.com"]
rules: [{backendRefs: [{name: a, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://x.foo.example.com/' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://x.example.com/' })).toMatchObject(notFound);
  });
  it('does not fall back to a wildcard host’s route when an exact host’s route does not match the path', () => {
    const text = on(
      all(),
      route(
        'wild',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: ["*.example.com"]
rules: [{matches: [{path: {value: /a}}], backendRefs: [{name: a, port: 80}]}]`,
      ),
      route(
        'exact',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [b.example.com]
rules: [{matches: [{path: {value: /b}}], backendRefs: [{name: b, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://b.example.com/b' })).toMatchObject(ok('b.default'));
    expect(seen(text, { to: 'http://c.example.com/a' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://b.example.com/a' })).toMatchObject(notFound);
  });
  it('matches query parameters, header regular expressions and methods', () => {
    const text = on(
      all(),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- matches: [{queryParams: [{name: v, value: "2"}]}]
  backendRefs: [{name: b, port: 80}]
- matches: [{headers: [{name: x-user, type: RegularExpression, value: "adm.*"}]}]
  backendRefs: [{name: w, namespace: web, port: 80}]
- matches: [{method: POST}]
  backendRefs: [{name: b, port: 80}]
- backendRefs: [{name: a, port: 80}]`,
      ),
      object(
        'ReferenceGrant',
        'g',
        'web',
        `from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
to: [{group: "", kind: Service}]`,
        'v1beta1',
      ),
    );
    expect(seen(text, { to: 'http://x.example/p?v=2' })).toMatchObject(ok('b.default'));
    expect(seen(text, { to: 'http://x.example/p?v=3' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://x.example/p', headers: { 'x-user': 'admin' } })).toMatchObject(ok('w.web'));
    expect(seen(text, { to: 'http://x.example/p', headers: { 'x-user': 'xadmin' } })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://x.example/p', method: 'POST' })).toMatchObject(ok('b.default'));
  });
  it('matches Exact, PathPrefix with a trailing slash, and a regular expression on the whole path', () => {
    const text = on(
      all(),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- matches: [{path: {type: Exact, value: /exact/}}]
  backendRefs: [{name: a, port: 80}]
- matches: [{path: {type: PathPrefix, value: /dir/}}]
  backendRefs: [{name: b, port: 80}]
- matches: [{path: {type: RegularExpression, value: "/v[0-9]+"}}]
  backendRefs: [{name: a, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://x.example/exact/' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://x.example/exact' })).toMatchObject(notFound);
    expect(seen(text, { to: 'http://x.example/dir' })).toMatchObject(ok('b.default'));
    expect(seen(text, { to: 'http://x.example/dir/x' })).toMatchObject(ok('b.default'));
    expect(seen(text, { to: 'http://x.example/dirx' })).toMatchObject(notFound);
    expect(seen(text, { to: 'http://x.example/v12' })).toMatchObject(ok('a.default'));
    expect(seen(text, { to: 'http://x.example/v12/x' })).toMatchObject(notFound);
  });
  it('attaches one route to two Gateways', () => {
    const text = doc(
      apps,
      gateway(all('*.one.example')),
      gateway(all('*.two.example'), 'gw2'),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}, {name: gw2, namespace: infra}]
rules: [{backendRefs: [{name: a, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://x.one.example/' })).toMatchObject(ok('a.default'));
    expect(seen(text, { from: 'infra/gw2-istio', to: 'http://x.two.example/' })).toMatchObject(ok('a.default'));
    expect(seen(text, { from: 'infra/gw2-istio', to: 'http://x.one.example/' })).toMatchObject(notFound);
  });
  it('does not attach a route from another namespace to a listener of the Same namespace', () => {
    const text = on(
      listener('http', 80, 'HTTP', ''),
      route('r', `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: a, port: 80}]}]`),
    );
    expect(seen(text, { to: 'http://x.example/' })).toMatchObject(notFound);
  });
  it('answers 500 when the ReferenceGrant sits in the route’s namespace instead of the backend’s', () => {
    const text = on(
      all(),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: w, namespace: web, port: 80}]}]`,
      ),
      object(
        'ReferenceGrant',
        'g',
        'default',
        `from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
to: [{group: "", kind: Service}]`,
        'v1beta1',
      ),
    );
    expect(seen(text, { to: 'http://x.example/' })).toMatchObject(missingBackend500);
  });
  it('drops a mirror to another namespace without a ReferenceGrant, and still routes', () => {
    const text = on(
      all(),
      route(
        'r',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- filters: [{type: RequestMirror, requestMirror: {backendRef: {name: w, namespace: web, port: 80}}}]
  backendRefs: [{name: a, port: 80}]`,
      ),
    );
    const result = seen(text, { to: 'http://x.example/' });
    expect(result).toMatchObject(ok('a.default'));
    expect(result.mirrors).toBeUndefined();
  });
  it('serves a Gateway of a GatewayClass that names Istio’s controller', () => {
    const text = doc(
      apps,
      `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: custom}
spec: {controllerName: istio.io/gateway-controller}`,
      gateway(all()).replace('gatewayClassName: istio', 'gatewayClassName: custom'),
      route('r', `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: a, port: 80}]}]`),
    );
    expect(seen(text, { from: 'infra/gw-custom', to: 'http://x.example/' })).toMatchObject(ok('a.default'));
  });
  it('routes nothing for a Gateway of another controller’s class (testdata/mismatch.yaml)', () => {
    const text = doc(
      apps,
      `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: something-else}
spec: {controllerName: example.com/other}`,
      gateway(all()).replace('gatewayClassName: istio', 'gatewayClassName: something-else'),
      route('r', `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: a, port: 80}]}]`),
    );
    expect(() => seen(text, { from: 'infra/gw-something-else', to: 'http://x.example/' })).toThrow();
  });
});

describe('mesh routes: outcomes at the client’s sidecar (testdata/mesh.yaml)', () => {
  const apps = doc(
    base,
    namespace('client', { 'istio-injection': 'enabled' }),
    app('echo', 'default'),
    app('echo-1', 'default', [80]),
    app('raw', 'default', [9000], 'tcp'),
    app('raw-2', 'default', [9000], 'tcp'),
    app('grpc', 'default', [9090], 'grpc'),
    curl('client'),
  );
  const client = 'client/curl';
  const mesh = (rules: string, kind = 'HTTPRoute', parent = 'echo-1') =>
    object(
      kind,
      'r',
      'default',
      `parentRefs: [{group: "", kind: Service, name: ${parent}}]\nrules:\n${rules}`,
      kind === 'HTTPRoute' || kind === 'GRPCRoute' ? 'v1' : 'v1alpha2',
    );

  it('answers 404 for a path no rule matches: the route replaces the Service’s default route', () => {
    const text = doc(apps, mesh('- matches: [{path: {value: /only}}]\n  backendRefs: [{name: echo, port: 80}]'));
    expect(seen(text, { from: client, to: 'http://echo-1.default/only/x' })).toMatchObject(ok('echo.default'));
    expect(seen(text, { from: client, to: 'http://echo-1.default/other' })).toMatchObject(notFound);
  });
  it('answers 500 at the sidecar for a backend Service that does not exist', () => {
    const text = doc(apps, mesh('- backendRefs: [{name: missing, port: 80}]'));
    expect(seen(text, { from: client, to: 'http://echo-1.default/' })).toMatchObject(missingBackend500);
  });
  it('answers 500 at the sidecar when the only backend has weight 0', () => {
    const text = doc(apps, mesh('- backendRefs: [{name: echo, port: 80, weight: 0}]'));
    expect(seen(text, { from: client, to: 'http://echo-1.default/' })).toMatchObject(error500);
  });
  it('redirects at the sidecar', () => {
    const text = doc(
      apps,
      mesh('- filters: [{type: RequestRedirect, requestRedirect: {hostname: echo.default, statusCode: 301}}]'),
    );
    expect(seen(text, { from: client, to: 'http://echo-1.default/a?b=c' })).toMatchObject({
      outcome: 'redirect',
      status: 301,
      location: 'http://echo.default/a?b=c',
    });
  });
  it('forwards TCP connections by a TCPRoute with a Service parent', () => {
    const text = doc(apps, mesh('- backendRefs: [{name: raw-2, port: 9000}]', 'TCPRoute', 'raw'));
    expect(seen(text, { from: client, to: 'raw.default', port: 9000, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: to('raw-2.default', 9000),
    });
  });
  it('routes gRPC by service at the sidecar with a GRPCRoute', () => {
    const text = doc(
      apps,
      app('grpc-v2', 'default', [9090], 'grpc'),
      mesh(
        '- matches: [{method: {service: pkg.Echo}}]\n' +
          '  backendRefs: [{name: grpc-v2, port: 9090}]\n' +
          '- backendRefs: [{name: grpc, port: 9090}]',
        'GRPCRoute',
        'grpc',
      ),
    );
    expect(seen(text, { from: client, to: 'http://grpc.default:9090/pkg.Echo/Say', protocol: 'grpc' })).toMatchObject(
      ok('grpc-v2.default', 9090),
    );
    expect(seen(text, { from: client, to: 'http://grpc.default:9090/pkg.Other/Say', protocol: 'grpc' })).toMatchObject(
      ok('grpc.default', 9090),
    );
  });
});

describe('TLS listener details (testdata/tls.yaml, reference-policy-tls.yaml, frontend-tls-refgrant.yaml)', () => {
  const apps = doc(base, namespace('certs'), app('secure', 'default', [443], 'tls'), app('web', 'default'));
  it('lets a TLSRoute without hostnames pass only the listener’s hostname', () => {
    const text = doc(
      apps,
      gateway(listener('tls', 443, 'TLS', `hostname: a.example.com\ntls: {mode: Passthrough}\n${fromAll}`)),
      object(
        'TLSRoute',
        't',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: secure, port: 443}]}]`,
        'v1alpha2',
      ),
    );
    expect(seen(text, { to: 'gw-istio.infra', port: 443, protocol: 'tls', sni: 'a.example.com' })).toMatchObject({
      outcome: 'routed',
      cluster: to('secure.default', 443),
    });
    expect(seen(text, { to: 'gw-istio.infra', port: 443, protocol: 'tls', sni: 'b.example.com' }).outcome).not.toBe(
      'routed',
    );
  });
  it('serves no HTTPS listener whose certificate sits in another namespace without a ReferenceGrant', () => {
    const https = (grant: boolean) =>
      doc(
        apps,
        gateway(
          listener(
            'https',
            443,
            'HTTPS',
            `hostname: web.example.com\ntls: {certificateRefs: [{name: cert, namespace: certs}]}\n${fromAll}`,
          ),
        ),
        httpRoute(
          'r',
          'default',
          `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: web, port: 80}]}]`,
        ),
        ...(grant
          ? [
              object(
                'ReferenceGrant',
                'g',
                'certs',
                `from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}]
to: [{group: "", kind: Secret}]`,
                'v1beta1',
              ),
            ]
          : []),
      );
    expect(seen(https(false), { to: 'https://web.example.com/' }).outcome).not.toBe('routed');
    expect(seen(https(true), { to: 'https://web.example.com/' })).toMatchObject(ok('web.default'));
  });
});

describe('weights and invalid filters (testdata/weighted.yaml, invalid.yaml)', () => {
  const apps = doc(
    base,
    gateway(
      listener('default', 80, 'HTTP', `hostname: "*.domain.example"\n${fromAll}`) +
        listener('tcp', 34000, 'TCP', fromAll) +
        listener('lower', 1234, 'http', fromAll),
    ),
    app('httpbin', 'default', [80, 9090]),
    app('httpbin-other', 'default', [8080]),
    app('httpbin-zero', 'default', [8080]),
    app('httpbin-alt', 'default', [9090], 'tcp'),
    curl('default'),
  );
  it('splits by the weights given and leaves weight 0 out', () => {
    const text = doc(
      apps,
      httpRoute(
        'http',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [first.domain.example]
rules:
- matches: [{path: {value: /get}}]
  backendRefs:
  - {name: httpbin, port: 80, weight: 2}
  - {name: httpbin-other, port: 8080, weight: 3}
  - {name: httpbin-zero, port: 8080, weight: 0}`,
      ),
    );
    expect(weights(text, { to: 'http://first.domain.example/get' })).toEqual([
      `${to('httpbin.default')} 2`,
      `${to('httpbin-other.default', 8080)} 3`,
    ]);
  });
  it('splits TCP connections by weight', () => {
    const text = doc(
      apps,
      object(
        'TCPRoute',
        'tcp',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules: [{backendRefs: [{name: httpbin-alt, port: 9090, weight: 1}, {name: httpbin-alt, port: 9090, weight: 2}]}]`,
        'v1alpha2',
      ),
    );
    expect(seen(text, { to: 'gw-istio.infra', port: 34000, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: to('httpbin-alt.default', 9090),
    });
  });
  it('still routes when a mirror names an unsupported kind or a missing Service, without mirroring', () => {
    for (const ref of ['{kind: no-support, name: httpbin-mirror, port: 80}', '{name: does-not-exist, port: 80}']) {
      const text = doc(
        apps,
        httpRoute(
          'invalid-mirror',
          'default',
          `parentRefs: [{name: gw, namespace: infra}]
rules:
- filters: [{type: RequestMirror, requestMirror: {backendRef: ${ref}}}]
  backendRefs: [{name: httpbin, port: 80}]`,
        ),
      );
      const result = seen(text, { to: 'http://a.domain.example/' });
      expect(result).toMatchObject(ok('httpbin.default'));
      expect(result.mirrors).toBeUndefined();
    }
  });
  it('answers 500 for a mesh rule with a mirror and no backend', () => {
    const text = doc(
      apps,
      httpRoute(
        'no-backend',
        'default',
        `parentRefs: [{group: "", kind: Service, name: httpbin}]
rules: [{filters: [{type: RequestMirror, requestMirror: {backendRef: {name: httpbin, port: 80}}}]}]`,
      ),
    );
    expect(seen(text, { from: 'default/curl', to: 'http://httpbin/' })).toMatchObject(error500);
  });
  it('redirects a rule that has both a redirect and backends', () => {
    const text = doc(
      apps,
      httpRoute(
        'both',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
rules:
- filters: [{type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}}}]
  backendRefs: [{name: httpbin, port: 80}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.domain.example/old' })).toMatchObject({
      outcome: 'redirect',
      status: 302,
      location: 'http://a.domain.example/new',
    });
  });
  it('makes no listener for a lower-case protocol', () => {
    expect(seen(apps, { to: 'http://a.domain.example:1234/' }).outcome).toBe('no-listener');
  });
});

describe('a manually deployed gateway (testdata/invalid.yaml target-port-reference, multi-gateway.yaml)', () => {
  const manual = doc(
    base,
    namespace('istio-system'),
    app('httpbin', 'default'),
    `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http, port: 80, targetPort: 8080}]`,
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router], ports: [{containerPort: 8080}]}]`,
    `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: target-port-reference, namespace: istio-system}
spec:
  gatewayClassName: istio
  addresses: [{type: Hostname, value: istio-ingressgateway}]
  listeners:
  - {name: default, hostname: "*.example", port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}`,
    httpRoute(
      'r',
      'default',
      `parentRefs: [{name: target-port-reference, namespace: istio-system}]
rules: [{backendRefs: [{name: httpbin, port: 80}]}]`,
    ),
  );
  it('serves the listener port on the pods of the named Service: port 80 reaches listener 8080', () => {
    expect(
      seen(manual, { from: 'istio-system/istio-ingressgateway', to: 'http://a.example/', port: 80 }),
    ).toMatchObject(ok('httpbin.default'));
  });
});

describe('ListenerSets (testdata/listenerset*.yaml)', () => {
  const parent = (allowed: string, listeners = listener('foo', 80, 'HTTP', `hostname: foo.com\n${fromAll}`)) =>
    gateway(listeners, 'parent', 'infra').replace(
      '  gatewayClassName: istio',
      `  allowedListeners: {namespaces: ${allowed}}\n  gatewayClassName: istio`,
    );
  const set = (name: string, ns: string, listeners: string, created = '') =>
    object(
      'ListenerSet',
      name,
      ns,
      `parentRef: {name: parent, namespace: infra, kind: Gateway, group: gateway.networking.k8s.io}
listeners:\n${listeners}`,
      'v1',
      created ? `, creationTimestamp: "${created}"` : '',
    );
  const route = (name: string, ns: string, refs: string, path: string, backend: string) =>
    httpRoute(
      name,
      ns,
      `parentRefs: ${refs}
rules: [{matches: [{path: {value: ${path}}}], backendRefs: [{name: ${backend}, port: 80}]}]`,
    );
  const apps = doc(
    base,
    namespace('ns1', { team: 'a' }),
    namespace('ns2'),
    app('httpbin', 'infra'),
    app('app1', 'ns1'),
  );
  const gw = { from: 'infra/parent-istio' };
  const text = doc(
    apps,
    parent('{from: All}'),
    set('single-entry-http', 'infra', listener('first', 80, 'HTTP', `hostname: first.foo.com\n${fromAll}`)),
    set('in-ns1', 'ns1', listener('third', 80, 'HTTP', `hostname: third.foo.com`)),
    route(
      'bind-set',
      'infra',
      '[{name: single-entry-http, kind: ListenerSet, group: gateway.networking.k8s.io}]',
      '/set',
      'httpbin',
    ),
    route(
      'bind-both',
      'infra',
      '[{name: parent}, {name: single-entry-http, kind: ListenerSet, group: gateway.networking.k8s.io}]',
      '/both',
      'httpbin',
    ),
    route('bind-parent', 'infra', '[{name: parent}]', '/parent', 'httpbin'),
    route('app1', 'ns1', '[{name: in-ns1, kind: ListenerSet, group: gateway.networking.k8s.io}]', '/', 'app1'),
  );
  it('serves a ListenerSet’s hostname with the routes attached to the ListenerSet', () => {
    expect(seen(text, { ...gw, to: 'http://first.foo.com/set' })).toMatchObject(ok('httpbin.infra'));
    expect(seen(text, { ...gw, to: 'http://first.foo.com/both' })).toMatchObject(ok('httpbin.infra'));
    expect(seen(text, { ...gw, to: 'http://first.foo.com/parent' })).toMatchObject(notFound);
  });
  it('keeps routes attached to the Gateway on the Gateway’s own listeners', () => {
    expect(seen(text, { ...gw, to: 'http://foo.com/parent' })).toMatchObject(ok('httpbin.infra'));
    expect(seen(text, { ...gw, to: 'http://foo.com/set' })).toMatchObject(notFound);
  });
  it('admits routes from the ListenerSet’s own namespace to its listeners by default', () => {
    expect(seen(text, { ...gw, to: 'http://third.foo.com/x' })).toMatchObject(ok('app1.ns1'));
  });
  it('adds no listener when the Gateway does not allow ListenerSets (the default), or not from that namespace', () => {
    for (const allowed of ['{from: None}', '{from: Same}', '{from: Selector, selector: {matchLabels: {team: b}}}'])
      expect(seen(text.replace('{from: All}}', `${allowed}}`), { ...gw, to: 'http://third.foo.com/x' })).toMatchObject(
        notFound,
      );
    expect(
      seen(text.replace('{from: All}}', '{from: Selector, selector: {matchLabels: {team: a}}}}'), {
        ...gw,
        to: 'http://third.foo.com/x',
      }),
    ).toMatchObject(ok('app1.ns1'));
    const without = text.replace('  allowedListeners: {namespaces: {from: All}}\n', '');
    expect(seen(without, { ...gw, to: 'http://first.foo.com/set' })).toMatchObject(notFound);
  });
  it('adds a ListenerSet’s port to the gateway Service, with HTTPS on 443 by default', () => {
    const https = doc(
      apps,
      parent('{from: All}'),
      set(
        'tls',
        'infra',
        '  - name: second\n    hostname: second.foo.com\n    protocol: HTTPS\n' +
          '    tls: {certificateRefs: [{name: cert}]}\n',
      ),
      route('r', 'infra', '[{name: tls, kind: ListenerSet, group: gateway.networking.k8s.io}]', '/', 'httpbin'),
    );
    expect(seen(https, { ...gw, to: 'https://second.foo.com/x' })).toMatchObject(ok('httpbin.infra'));
  });
  it('drops a later listener with the same port and hostname, and one of another protocol on the same port', () => {
    const conflict = doc(
      apps,
      app('first', 'infra'),
      app('second', 'infra'),
      parent('{from: All}', listener('gw', 80, 'HTTP', `hostname: same.com\n${fromAll}`)),
      set('older', 'infra', listener('l', 80, 'HTTP', `hostname: same.com\n${fromAll}`), '2024-01-01T00:00:01Z'),
      set('tcp', 'infra', listener('t', 80, 'TCP', fromAll), '2024-01-01T00:00:02Z'),
      route('to-gateway', 'infra', '[{name: parent}]', '/', 'first'),
      route('to-set', 'infra', '[{name: older, kind: ListenerSet, group: gateway.networking.k8s.io}]', '/', 'second'),
    );
    expect(seen(conflict, { ...gw, to: 'http://same.com/' })).toMatchObject(ok('first.infra'));
  });
  it('needs a ReferenceGrant from the ListenerSet for a certificate in another namespace', () => {
    const certs = (from: string) =>
      doc(
        apps,
        namespace('ns3'),
        app('app2', 'ns2'),
        parent('{from: All}'),
        set(
          'cross',
          'ns2',
          `  - name: allowed\n    hostname: allowed.foo.com\n    protocol: HTTPS\n    port: 443\n` +
            `    tls: {certificateRefs: [{name: cert, namespace: ns3}]}\n`,
        ),
        route('r', 'ns2', '[{name: cross, kind: ListenerSet, group: gateway.networking.k8s.io}]', '/', 'app2'),
        object(
          'ReferenceGrant',
          'g',
          'ns3',
          `from: [{group: gateway.networking.k8s.io, kind: ${from}}]\nto: [{group: "", kind: Secret}]`,
          'v1beta1',
        ),
      );
    expect(seen(certs('ListenerSet, namespace: ns2'), { ...gw, to: 'https://allowed.foo.com/' })).toMatchObject(
      ok('app2.ns2'),
    );
    expect(seen(certs('Gateway, namespace: infra'), { ...gw, to: 'https://allowed.foo.com/' }).outcome).not.toBe(
      'routed',
    );
  });
});

describe('TLSRoutes on TLS listeners that terminate (testdata/tls-terminate.yaml)', () => {
  const terminate = (name: string, port: number, host: string) =>
    listener(
      name,
      port,
      'TLS',
      `hostname: "${host}"\ntls: {mode: Terminate, certificateRefs: [{name: my-cert}]}\n${fromAll}`,
    );
  const text = doc(
    base,
    app('backend-terminate', 'default', [8080], 'tcp'),
    app('backend-passthrough', 'default', [443], 'tls'),
    app('backend-wildcard', 'default', [8080], 'tcp'),
    gateway(
      terminate('tls-terminate', 443, 'example.com') +
        listener('tls-passthrough', 443, 'TLS', `tls: {mode: Passthrough}\n${fromAll}`) +
        terminate('tls-wildcard', 9443, '*.wild.example.com'),
    ),
    object(
      'TLSRoute',
      'tls-terminate-route',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: tls-terminate}]
hostnames: [example.com]
rules: [{backendRefs: [{name: backend-terminate, port: 8080}]}]`,
      'v1alpha2',
    ),
    object(
      'TLSRoute',
      'tls-passthrough-route',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: tls-passthrough}]
hostnames: [passthrough.example.com]
rules: [{backendRefs: [{name: backend-passthrough, port: 443}]}]`,
      'v1alpha2',
    ),
    object(
      'TLSRoute',
      'tls-hostname-intersection-route',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: tls-wildcard}]
hostnames: [foo.wild.example.com, bar.wild.example.com]
rules: [{backendRefs: [{name: backend-wildcard, port: 8080}]}]`,
      'v1alpha2',
    ),
  );
  const tls = (sni: string, port = 443) => ({ to: 'gw-istio.infra', port, protocol: 'tls' as const, sni });
  it('terminates TLS for the listener’s hostname and forwards to the TLSRoute backend', () => {
    expect(seen(text, tls('example.com'))).toMatchObject({
      outcome: 'routed',
      cluster: to('backend-terminate.default', 8080),
    });
  });
  it('passes other names through by SNI on the same port', () => {
    expect(seen(text, tls('passthrough.example.com'))).toMatchObject({
      outcome: 'routed',
      cluster: to('backend-passthrough.default', 443),
    });
  });
  it('terminates a name under the wildcard listener that the route names', () => {
    expect(seen(text, tls('foo.wild.example.com', 9443))).toMatchObject({
      outcome: 'routed',
      cluster: to('backend-wildcard.default', 8080),
    });
  });
});

describe('listeners of one Gateway that conflict (gatewaycommon/listener_conflict.go)', () => {
  it('serves the first of an HTTP and a TCP listener on one port, and not the TCP one', () => {
    const text = doc(
      base,
      app('web', 'default'),
      app('raw', 'default', [9000], 'tcp'),
      gateway(listener('http', 8080, 'HTTP', fromAll) + listener('tcp', 8080, 'TCP', fromAll)),
      httpRoute(
        'web',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: web, port: 80}]}]`,
      ),
      object(
        'TCPRoute',
        'raw',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: raw, port: 9000}]}]`,
        'v1alpha2',
      ),
    );
    expect(seen(text, { to: 'http://a.example:8080/' })).toMatchObject(ok('web.default'));
  });
});

describe('who a mesh route applies to (route.go: gateway semantics; push_context.go)', () => {
  const text = doc(
    base,
    namespace('svc-ns', { 'istio-injection': 'enabled' }),
    namespace('route-ns', { 'istio-injection': 'enabled' }),
    namespace('third', { 'istio-injection': 'enabled' }),
    app('api', 'svc-ns'),
    app('api-v2', 'svc-ns'),
    curl('route-ns'),
    curl('third'),
    curl('svc-ns'),
    httpRoute(
      'consumer',
      'route-ns',
      `parentRefs: [{group: "", kind: Service, name: api, namespace: svc-ns}]
hostnames: [ignored.example]
rules: [{backendRefs: [{name: api-v2, namespace: svc-ns, port: 80}]}]`,
    ),
  );
  it('routes clients in the route’s own namespace, whatever the route’s hostnames say', () => {
    expect(seen(text, { from: 'route-ns/curl', to: 'http://api.svc-ns/' })).toMatchObject(ok('api-v2.svc-ns'));
  });
  it('leaves clients of other namespaces on the Service’s default route', () => {
    expect(seen(text, { from: 'third/curl', to: 'http://api.svc-ns/' })).toMatchObject(ok('api.svc-ns'));
    expect(seen(text, { from: 'svc-ns/curl', to: 'http://api.svc-ns/' })).toMatchObject(ok('api.svc-ns'));
  });
  it('lets a producer route in the Service’s namespace apply to every client', () => {
    const producer = doc(
      text,
      httpRoute(
        'producer',
        'svc-ns',
        `parentRefs: [{group: "", kind: Service, name: api}]\nrules: [{backendRefs: [{name: api-v2, port: 80}]}]`,
      ),
    );
    expect(seen(producer, { from: 'third/curl', to: 'http://api.svc-ns/' })).toMatchObject(ok('api-v2.svc-ns'));
  });
});

describe('istio.io: the Kubernetes Gateway API task', () => {
  const text = doc(
    namespace('istio-ingress'),
    namespace('default'),
    versioned('httpbin', 'default', 8000, ['v1']),
    gateway(listener('default', 80, 'HTTP', `hostname: "*.example.com"\n${fromAll}`), 'gateway', 'istio-ingress'),
    httpRoute(
      'http',
      'default',
      `parentRefs: [{name: gateway, namespace: istio-ingress}]
hostnames: [httpbin.example.com]
rules:
- matches: [{path: {type: PathPrefix, value: /get}}]
  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: my-added-header, value: added-value}]}}]
  backendRefs: [{name: httpbin, port: 8000}]`,
    ),
  );
  const gw = { from: 'istio-ingress/gateway-istio' };
  it('routes /get on httpbin.example.com to httpbin and answers 404 elsewhere', () => {
    expect(seen(text, { ...gw, to: 'http://httpbin.example.com/get' })).toMatchObject(ok('httpbin.default', 8000));
    expect(seen(text, { ...gw, to: 'http://httpbin.example.com/headers' })).toMatchObject(notFound);
  });
});

describe('backends behind istiod feature flags that are off by default (testdata/xbackend.yaml, http.yaml)', () => {
  const text = (ref: string) =>
    doc(
      base,
      gateway(listener('default', 80, 'HTTP', fromAll)),
      httpRoute('r', 'default', `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [${ref}]}]`),
    );
  it('answers 500 for an XBackend (PILOT_ENABLE_ALPHA_GATEWAY_API off)', () => {
    expect(
      seen(text('{group: gateway.networking.x-k8s.io, kind: XBackend, name: b, port: 443}'), { to: 'http://a/' }),
    ).toMatchObject(missingBackend500);
  });
  it('answers 500 for an InferencePool (ENABLE_GATEWAY_API_INFERENCE_EXTENSION off)', () => {
    expect(
      seen(text('{group: inference.networking.k8s.io, kind: InferencePool, name: p, port: 80}'), { to: 'http://a/' }),
    ).toMatchObject(missingBackend500);
  });
});

describe('bad ListenerSets', () => {
  it('never throws on ListenerSets and allowedListeners with wrong types, and reports them', () => {
    const hostile = doc(
      base,
      app('a', 'default'),
      gateway(listener('http', 80, 'HTTP', fromAll)).replace(
        '  gatewayClassName: istio',
        '  allowedListeners: {namespaces: {from: Selector, selector: 3}}\n  gatewayClassName: istio',
      ),
      object('ListenerSet', 'ls1', 'infra', 'parentRef: 3\nlisteners: [null, {name: [1], port: x, protocol: 4}]'),
      object('ListenerSet', 'ls2', 'infra', 'parentRef: {name: gw}\nlisteners: {a: 1}'),
      object('ListenerSet', 'ls3', 'infra', 'parentRef: {name: gw}\nlisteners: [{name: t, protocol: TCP}]'),
      httpRoute(
        'r',
        'default',
        'parentRefs: [{name: gw, namespace: infra}, {name: ls2, namespace: infra, kind: ListenerSet}]\n' +
          'rules: [{backendRefs: [{name: a, port: 80}]}]',
      ),
    );
    const analysis = analyze([{ name: 's.yaml', text: hostile }]);
    expect(analysis.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThan(2);
    const result = traceRequest(analysis, { from: 'infra/gw-istio', to: 'http://x.example/' });
    expect(result.ok && result.trace.outcome).toBe('routed');
  });
});

describe('one TCPRoute on two Gateways of one manual deployment (testdata/tcp.yaml)', () => {
  it('forwards the shared TCP port to the route’s backend', () => {
    const manual = (name: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  gatewayClassName: istio
  addresses: [{type: Hostname, value: istio-ingressgateway}]
  listeners: [{name: default, port: 34000, protocol: TCP, allowedRoutes: {namespaces: {from: All}}}]`;
    const text = doc(
      base,
      namespace('istio-system'),
      app('httpbin', 'default', [9090], 'tcp'),
      `apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: tcp, port: 34000}]`,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers: [{name: istio-proxy, image: proxyv2, args: [proxy, router]}]`,
      manual('gateway'),
      manual('gateway2'),
      object(
        'TCPRoute',
        'tcp',
        'default',
        `parentRefs: [{name: gateway, namespace: istio-system}, {name: gateway2, namespace: istio-system}]
rules: [{backendRefs: [{name: httpbin, port: 9090}]}]`,
        'v1alpha2',
      ),
    );
    expect(
      seen(text, {
        from: 'istio-system/istio-ingressgateway',
        to: 'istio-ingressgateway.istio-system',
        port: 34000,
        protocol: 'tcp',
      }),
    ).toMatchObject({ outcome: 'routed', cluster: to('httpbin.default', 9090) });
  });
});
