import { describe, expect, it } from 'vitest';
import { analyze, type TraceRequest } from '../index.ts';
import { doc, namespace, simulateScenario } from '../testkit.ts';

// A second set of whole scenarios after Istio's Gateway API conversion (pilot/pkg/config/kube/gateway: conversion.go,
// route_collections.go, gateway_collection.go, conditions.go) and the Gateway API spec's precedence and hostname
// rules: manifests in, one request traced, what a user would see out.

const app = (name: string, ns: string, ports: number[] = [80]) =>
  `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [${ports.map((p) => `{name: http-${p}, port: ${p}, targetPort: 8080}`).join(', ')}]`;

const gateway = (
  listeners: string,
  name = 'gw',
  ns = 'infra',
  metadata = '',
) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}${metadata}}
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

const object = (kind: string, name: string, ns: string, spec: string, metadata = '', version = 'v1') =>
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
  object('HTTPRoute', name, ns, spec, metadata);
const created = (time: string) => `, creationTimestamp: "${time}"`;

const curl = (ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: curl, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: curl}}
  template:
    metadata: {labels: {app: curl}}
    spec:
      containers: [{name: curl, image: curl}]`;

const base = doc(
  namespace('infra'),
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('alpha', { 'istio-injection': 'enabled' }),
  namespace('zeta', { 'istio-injection': 'enabled' }),
);

interface Seen {
  outcome: string;
  status: number | null;
  cluster?: string;
  route?: string;
  location?: string;
}

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
  };
}

const analyzed = (text: string) => analyze([{ name: 's.yaml', text }]);
const to = (svc: string, port = 80) => `outbound|${port}||${svc}.svc.cluster.local`;
const ok = (svc: string, port = 80) => ({ outcome: 'routed', status: 200, cluster: to(svc, port) });
const notFound = { outcome: 'no-route', status: 404 };

const apps = doc(
  base,
  app('svc1', 'default'),
  app('svc2', 'default'),
  app('svc3', 'default'),
  app('a1', 'alpha'),
  app('z1', 'zeta'),
);
const allHttp = gateway(listener('http', 80, 'HTTP', fromAll));
const catchAll = (name: string, ns: string, backend: string, match = '', metadata = '') =>
  httpRoute(
    name,
    ns,
    `parentRefs: [{name: gw, namespace: infra}]
hostnames: [p.example.com]
rules:
- ${match ? `matches: [${match}]\n  ` : ''}backendRefs: [{name: ${backend}, port: 80}]`,
    metadata,
  );

describe('precedence across HTTPRoutes for one host (Gateway API spec; conversion.go: sortHTTPRoutes)', () => {
  it('puts an Exact match of a newer route before a PathPrefix of an older one', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll('old', 'default', 'svc1', '{path: {type: PathPrefix, value: /foo}}', created('2020-01-01T00:00:00Z')),
      catchAll('new', 'default', 'svc2', '{path: {type: Exact, value: /foo}}', created('2024-01-01T00:00:00Z')),
    );
    expect(seen(text, { to: 'http://p.example.com/foo' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://p.example.com/foo/bar' })).toMatchObject(ok('svc1.default'));
  });
  it('puts the longer prefix first whichever route holds it', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll('a', 'default', 'svc1', '{path: {type: PathPrefix, value: /foo}}'),
      catchAll('b', 'default', 'svc2', '{path: {type: PathPrefix, value: /foo/bar}}'),
    );
    expect(seen(text, { to: 'http://p.example.com/foo/bar/x' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://p.example.com/foo/baz' })).toMatchObject(ok('svc1.default'));
  });
  it('puts a method match before an equal prefix of an older route', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll('a', 'default', 'svc1', '{path: {type: PathPrefix, value: /}}'),
      catchAll('b', 'default', 'svc2', '{path: {type: PathPrefix, value: /}, method: POST}'),
    );
    expect(seen(text, { to: 'http://p.example.com/x', method: 'POST' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://p.example.com/x', method: 'GET' })).toMatchObject(ok('svc1.default'));
  });
  it('puts more header matches first, then more query matches', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll(
        'a',
        'default',
        'svc1',
        '{path: {type: PathPrefix, value: /}, headers: [{name: x, value: "1"}], queryParams: [{name: q, value: "1"}]}',
      ),
      catchAll(
        'b',
        'default',
        'svc2',
        '{path: {type: PathPrefix, value: /}, headers: [{name: x, value: "1"}, {name: y, value: "1"}]}',
      ),
    );
    expect(seen(text, { to: 'http://p.example.com/?q=1', headers: { x: '1', y: '1' } })).toMatchObject(
      ok('svc2.default'),
    );
    expect(seen(text, { to: 'http://p.example.com/?q=1', headers: { x: '1' } })).toMatchObject(ok('svc1.default'));
  });
  it('lets the older route win a full tie, whatever their names', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll('aaa', 'default', 'svc1', '', created('2024-01-01T00:00:00Z')),
      catchAll('zzz', 'default', 'svc2', '', created('2020-01-01T00:00:00Z')),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc2.default'));
  });
  it('on equal creation times lets the namespace first in order win before the name', () => {
    const text = doc(apps, allHttp, catchAll('aaa', 'zeta', 'z1'), catchAll('zzz', 'alpha', 'a1'));
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('a1.alpha'));
  });
  it('treats PathPrefix /foo/ as /foo: a tie the older route wins', () => {
    const text = doc(
      apps,
      allHttp,
      catchAll('a', 'default', 'svc1', '{path: {type: PathPrefix, value: /foo/}}', created('2024-01-01T00:00:00Z')),
      catchAll('b', 'default', 'svc2', '{path: {type: PathPrefix, value: /foo}}', created('2020-01-01T00:00:00Z')),
    );
    expect(seen(text, { to: 'http://p.example.com/foo/x' })).toMatchObject(ok('svc2.default'));
  });
});

describe('hostname intersection between listener and route (Gateway API spec: Listener.Hostname)', () => {
  const wild = gateway(listener('http', 80, 'HTTP', `hostname: "*.example.com"\n${fromAll}`));
  const routeFor = (hosts: string, backend = 'svc1', name = 'r') =>
    httpRoute(
      name,
      'default',
      `parentRefs: [{name: gw, namespace: infra}]
hostnames: [${hosts}]
rules: [{backendRefs: [{name: ${backend}, port: 80}]}]`,
    );
  it('does not let *.example.com cover example.com itself', () => {
    expect(seen(doc(apps, wild, routeFor('example.com')), { to: 'http://example.com/' })).toMatchObject(notFound);
  });
  it('lets *.example.com cover a name several labels deep', () => {
    expect(seen(doc(apps, wild, routeFor('a.b.example.com')), { to: 'http://a.b.example.com/' })).toMatchObject(
      ok('svc1.default'),
    );
  });
  it('serves only the route hostnames the listener covers', () => {
    const text = doc(apps, wild, routeFor('in.example.com, out.example.org'));
    expect(seen(text, { to: 'http://in.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://out.example.org/' })).toMatchObject(notFound);
  });
  it('narrows a broader route wildcard to the listener’s wildcard', () => {
    const narrow = gateway(listener('http', 80, 'HTTP', `hostname: "*.foo.example.com"\n${fromAll}`));
    const text = doc(apps, narrow, routeFor('"*.example.com"'));
    expect(seen(text, { to: 'http://x.foo.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://x.bar.example.com/' })).toMatchObject(notFound);
  });
  it('prefers an exact route hostname over a wildcard one for the same name', () => {
    const text = doc(
      apps,
      wild,
      routeFor('"*.example.com"', 'svc1', 'wild'),
      routeFor('a.example.com', 'svc2', 'exact'),
    );
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://b.example.com/' })).toMatchObject(ok('svc1.default'));
  });
});

describe('parentRefs: several parents, sectionName and port', () => {
  const twoListeners = gateway(
    listener('a', 80, 'HTTP', `hostname: a.example.com\n${fromAll}`) +
      listener('b', 80, 'HTTP', `hostname: b.example.com\n${fromAll}`) +
      listener('c', 8080, 'HTTP', fromAll),
  );
  const route = (parentRefs: string, backend = 'svc1') =>
    httpRoute('r', 'default', `parentRefs: ${parentRefs}\nrules: [{backendRefs: [{name: ${backend}, port: 80}]}]`);
  it('attaches by sectionName to that listener only', () => {
    const text = doc(apps, twoListeners, route('[{name: gw, namespace: infra, sectionName: a}]'));
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://b.example.com/' })).toMatchObject(notFound);
  });
  it('attaches to two listeners named by two parentRefs', () => {
    const text = doc(
      apps,
      twoListeners,
      route('[{name: gw, namespace: infra, sectionName: a}, {name: gw, namespace: infra, sectionName: c}]'),
    );
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://anything.example.com:8080/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://b.example.com/' })).toMatchObject(notFound);
  });
  it('does not attach when sectionName and port name different listeners', () => {
    const text = doc(apps, twoListeners, route('[{name: gw, namespace: infra, sectionName: a, port: 8080}]'));
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(notFound);
    expect(seen(text, { to: 'http://a.example.com:8080/' })).toMatchObject(notFound);
  });
  it('attaches by port to every listener on that port', () => {
    const text = doc(apps, twoListeners, route('[{name: gw, namespace: infra, port: 80}]'));
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://b.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://a.example.com:8080/' })).toMatchObject(notFound);
  });
  it('does not attach through a sectionName the Gateway lacks, and reports NoMatchingParent', () => {
    const text = doc(apps, twoListeners, route('[{name: gw, namespace: infra, sectionName: nope}]'));
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(notFound);
    const found = analyzed(text).diagnostics.filter((d) => d.code === 'ROUTE_NOT_ACCEPTED');
    expect(found.map((d) => d.message).join(' ')).toContain('NoMatchingParent');
  });
});

describe('allowedRoutes: namespaces and kinds', () => {
  it('admits a kind written without its group (the API server defaults the group)', () => {
    const text = doc(
      apps,
      gateway(listener('http', 80, 'HTTP', 'allowedRoutes: {namespaces: {from: All}, kinds: [{kind: HTTPRoute}]}')),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc1.default'));
  });
  it('admits a namespace picked by its kubernetes.io/metadata.name label', () => {
    const text = doc(
      apps,
      gateway(
        listener(
          'http',
          80,
          'HTTP',
          `allowedRoutes:
  namespaces: {from: Selector, selector: {matchLabels: {kubernetes.io/metadata.name: alpha}}}`,
        ),
      ),
      catchAll('r', 'alpha', 'a1'),
      catchAll('s', 'zeta', 'z1', '{path: {type: Exact, value: /z}}'),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('a1.alpha'));
    expect(seen(text, { to: 'http://p.example.com/z' })).toMatchObject(ok('a1.alpha'));
  });
  it('admits only the Gateway’s own namespace with from: Same', () => {
    const text = doc(
      apps,
      app('local', 'infra'),
      gateway(listener('http', 80, 'HTTP', 'allowedRoutes: {namespaces: {from: Same}}')),
      catchAll('r', 'infra', 'local', '{path: {type: PathPrefix, value: /local}}'),
      catchAll('s', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'http://p.example.com/local' })).toMatchObject(ok('local.infra'));
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(notFound);
  });
});

describe('ReferenceGrants', () => {
  const grant = (from: string, toSpec: string, ns = 'alpha') =>
    object('ReferenceGrant', 'grant', ns, `from: [${from}]\nto: [${toSpec}]`, '', 'v1beta1');
  const crossRoute = httpRoute(
    'r',
    'default',
    `parentRefs: [{name: gw, namespace: infra}]
hostnames: [p.example.com]
rules: [{backendRefs: [{name: a1, namespace: alpha, port: 80}]}]`,
  );
  it('allows a backend in another namespace by a grant for every Service there', () => {
    const text = doc(
      apps,
      allHttp,
      crossRoute,
      grant('{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}', '{group: "", kind: Service}'),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('a1.alpha'));
  });
  it('answers 500 when the grant is from another namespace', () => {
    const text = doc(
      apps,
      allHttp,
      crossRoute,
      grant('{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: zeta}', '{group: "", kind: Service}'),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject({ status: 500 });
  });
  it('needs a grant from the Gateway for a certificate in another namespace, and serves HTTPS with it', () => {
    const https = gateway(
      listener(
        'https',
        443,
        'HTTPS',
        `hostname: p.example.com
tls: {mode: Terminate, certificateRefs: [{name: cert, namespace: alpha}]}
${fromAll}`,
      ),
    );
    const route = catchAll('r', 'default', 'svc1');
    const granted = doc(
      apps,
      https,
      route,
      grant(
        '{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}',
        '{group: "", kind: Secret, name: cert}',
      ),
    );
    expect(seen(granted, { to: 'https://p.example.com/' })).toMatchObject(ok('svc1.default'));
    const wrongName = doc(
      apps,
      https,
      route,
      grant(
        '{group: gateway.networking.k8s.io, kind: Gateway, namespace: infra}',
        '{group: "", kind: Secret, name: other}',
      ),
    );
    expect(seen(wrongName, { to: 'https://p.example.com/' }).status).not.toBe(200);
  });
});

describe('backends: weights and ports', () => {
  const split = (refs: string) =>
    doc(
      apps,
      allHttp,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nhostnames: [p.example.com]\nrules: [{backendRefs: [${refs}]}]`,
      ),
    );
  it('answers 500 when every backend has weight 0', () => {
    expect(
      seen(split('{name: svc1, port: 80, weight: 0}, {name: svc2, port: 80, weight: 0}'), {
        to: 'http://p.example.com/',
      }),
    ).toMatchObject({ outcome: 'direct-response', status: 500 });
  });
  it('sends everything to the only backend of non-zero weight', () => {
    expect(
      seen(split('{name: svc1, port: 80, weight: 0}, {name: svc2, port: 80, weight: 3}'), {
        to: 'http://p.example.com/',
      }),
    ).toMatchObject(ok('svc2.default'));
  });
  it('answers 500 for a backend port the Service does not have', () => {
    expect(seen(split('{name: svc1, port: 9999}'), { to: 'http://p.example.com/' })).toMatchObject({ status: 500 });
  });
  it('makes no route for a Service backend without a port (InvalidDestination): 404', () => {
    expect(seen(split('{name: svc1}'), { to: 'http://p.example.com/' })).toMatchObject(notFound);
  });
});

describe('HTTPS listeners without a usable certificate (conversion.go: buildListener, buildTLS)', () => {
  it('makes no server for an HTTPS listener without tls', () => {
    const text = doc(
      apps,
      gateway(
        listener('https', 443, 'HTTPS', `hostname: p.example.com\n${fromAll}`) + listener('http', 80, 'HTTP', fromAll),
      ),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'https://p.example.com/' }).status).not.toBe(200);
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc1.default'));
  });
  it('makes no server for a certificate Secret in the manifests that holds no certificate', () => {
    const secret = `apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: Opaque
data: {password: c2VjcmV0}`;
    const text = doc(
      apps,
      secret,
      gateway(
        listener('https', 443, 'HTTPS', `hostname: p.example.com\ntls: {certificateRefs: [{name: cert}]}\n${fromAll}`) +
          listener('http', 80, 'HTTP', fromAll),
      ),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'https://p.example.com/' }).status).not.toBe(200);
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc1.default'));
    const found = analyzed(text).diagnostics.filter((d) => d.code === 'LISTENER_NOT_ACCEPTED');
    expect(found.map((d) => d.message).join(' ')).toContain('InvalidTLS');
  });
  it('serves HTTPS with a certificate Secret of type kubernetes.io/tls', () => {
    const secret = `apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: infra}
type: kubernetes.io/tls
data: {tls.crt: Y2VydA==, tls.key: a2V5}`;
    const text = doc(
      apps,
      secret,
      gateway(
        listener('https', 443, 'HTTPS', `hostname: p.example.com\ntls: {certificateRefs: [{name: cert}]}\n${fromAll}`),
      ),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'https://p.example.com/' })).toMatchObject(ok('svc1.default'));
  });
});

describe('RequestRedirect details (conversion.go: createRedirectFilter)', () => {
  const redirectRoute = (filter: string, listeners = allHttp) =>
    doc(
      apps,
      listeners,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [p.example.com]
rules:
- filters: [{type: RequestRedirect, requestRedirect: ${filter}}]`,
      ),
    );
  it('answers 301 when the statusCode says so', () => {
    expect(
      seen(redirectRoute('{hostname: q.example.com, statusCode: 301}'), { to: 'http://p.example.com/a' }),
    ).toMatchObject({ status: 301, location: 'http://q.example.com/a' });
  });
  it('drops the port for https on its default port', () => {
    expect(seen(redirectRoute('{scheme: https}'), { to: 'http://p.example.com/a?x=1' })).toMatchObject({
      status: 302,
      location: 'https://p.example.com/a?x=1',
    });
  });
  it('writes a port other than the scheme’s default', () => {
    expect(seen(redirectRoute('{scheme: https, port: 8443}'), { to: 'http://p.example.com/a' })).toMatchObject({
      status: 302,
      location: 'https://p.example.com:8443/a',
    });
  });
  it('keeps the request’s non-default port when only the path changes', () => {
    const on8080 = gateway(listener('http', 8080, 'HTTP', fromAll));
    expect(
      seen(redirectRoute('{path: {type: ReplaceFullPath, replaceFullPath: /b}}', on8080), {
        to: 'http://p.example.com:8080/a',
      }),
    ).toMatchObject({ status: 302, location: 'http://p.example.com:8080/b' });
  });
  // route.go: ApplyRedirect sets no port for FROM_PROTOCOL_DEFAULT; Envoy then keeps the Host header's port unless
  // the scheme changes and that port is the old scheme's default.
  it('keeps the Host header’s port when the scheme is given without a port', () => {
    const on8080 = gateway(listener('http', 8080, 'HTTP', fromAll));
    expect(seen(redirectRoute('{scheme: http}', on8080), { to: 'http://p.example.com:8080/a' })).toMatchObject({
      status: 302,
      location: 'http://p.example.com:8080/a',
    });
    expect(seen(redirectRoute('{scheme: https}', on8080), { to: 'http://p.example.com:8080/a' })).toMatchObject({
      status: 302,
      location: 'https://p.example.com:8080/a',
    });
  });
  it('drops the port with a new hostname and a scheme', () => {
    const on8080 = gateway(listener('http', 8080, 'HTTP', fromAll));
    expect(
      seen(redirectRoute('{scheme: https, hostname: q.example.com}', on8080), { to: 'http://p.example.com:8080/a' }),
    ).toMatchObject({ status: 302, location: 'https://q.example.com/a' });
  });
});

describe('mesh routes (GAMMA): consumer and producer', () => {
  const meshRoute = (name: string, ns: string, backend: string, backendNs = 'default', match = '') =>
    httpRoute(
      name,
      ns,
      `parentRefs: [{group: "", kind: Service, name: svc1, namespace: default, port: 80}]
rules:
- ${match ? `matches: [${match}]\n  ` : ''}backendRefs: [{name: ${backend}, namespace: ${backendNs}, port: 80}]`,
    );
  const clients = doc(apps, curl('default'), curl('alpha'), curl('zeta'));
  it('lets the producer route apply to clients of every namespace', () => {
    const text = doc(clients, meshRoute('producer', 'default', 'svc2'));
    for (const ns of ['default', 'alpha', 'zeta'])
      expect(seen(text, { from: `${ns}/curl`, to: 'http://svc1.default/' })).toMatchObject(ok('svc2.default'));
  });
  it('lets a consumer route override the producer route for its own namespace only', () => {
    const text = doc(clients, meshRoute('producer', 'default', 'svc2'), meshRoute('consumer', 'alpha', 'svc3'));
    expect(seen(text, { from: 'alpha/curl', to: 'http://svc1.default/' })).toMatchObject(ok('svc3.default'));
    expect(seen(text, { from: 'zeta/curl', to: 'http://svc1.default/' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { from: 'default/curl', to: 'http://svc1.default/' })).toMatchObject(ok('svc2.default'));
  });
  it('sends a mesh route to a backend in another namespace without a ReferenceGrant', () => {
    const text = doc(clients, meshRoute('producer', 'default', 'a1', 'alpha'));
    expect(seen(text, { from: 'zeta/curl', to: 'http://svc1.default/' })).toMatchObject(ok('a1.alpha'));
  });
  it('leaves another port of the Service to its default route', () => {
    const text = doc(
      base,
      app('svc1', 'default', [80, 81]),
      app('svc2', 'default'),
      curl('zeta'),
      meshRoute('producer', 'default', 'svc2'),
    );
    expect(seen(text, { from: 'zeta/curl', to: 'http://svc1.default:81/' })).toMatchObject(ok('svc1.default', 81));
  });
});

describe('the gateway istiod deploys (gatewaycommon/deploymentcontroller.go)', () => {
  it('names the Service <name>-<class> with a port per listener port, LoadBalancer by default', () => {
    const model = analyzed(doc(apps, gateway(listener('a', 80, 'HTTP') + listener('b', 443, 'HTTP')))).model;
    const svc = model.services.find((s) => s.name === 'gw-istio' && s.namespace === 'infra');
    expect(svc?.type).toBe('LoadBalancer');
    expect(svc?.ports.map((p) => p.port)).toEqual([15021, 80, 443]);
  });
  it('makes a ClusterIP Service when networking.istio.io/service-type says so', () => {
    const text = doc(
      apps,
      gateway(
        listener('a', 80, 'HTTP', fromAll),
        'gw',
        'infra',
        ', annotations: {networking.istio.io/service-type: ClusterIP}',
      ),
      catchAll('r', 'default', 'svc1'),
    );
    const svc = analyzed(text).model.services.find((s) => s.name === 'gw-istio');
    expect(svc?.type).toBe('ClusterIP');
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc1.default'));
  });
  it('lets a sidecar reach the gateway through its Service, and the gateway route the request', () => {
    const text = doc(
      apps,
      curl('default'),
      gateway(listener('a', 80, 'HTTP', fromAll)),
      catchAll('r', 'default', 'svc1'),
    );
    const t = simulateScenario(text, {
      from: 'default/curl',
      to: 'http://gw-istio.infra.svc.cluster.local/',
      headers: { host: 'p.example.com' },
    });
    expect(t.hops.map((h) => h.cluster)).toContain(to('svc1.default'));
  });
});

describe('rules with several matches and filters on the way (conversion.go: createRewriteFilter)', () => {
  const route = (name: string, rules: string, metadata = '') =>
    httpRoute(
      name,
      'default',
      `parentRefs: [{name: gw, namespace: infra}]\nhostnames: [p.example.com]\nrules:\n${rules}`,
      metadata,
    );
  it('orders each match of a rule on its own against other routes’ matches', () => {
    const text = doc(
      apps,
      allHttp,
      route(
        'old',
        `- matches: [{path: {type: Exact, value: /a}}, {path: {type: PathPrefix, value: /}}]
  backendRefs: [{name: svc1, port: 80}]`,
        created('2020-01-01T00:00:00Z'),
      ),
      route('new', `- matches: [{path: {type: PathPrefix, value: /b}}]\n  backendRefs: [{name: svc2, port: 80}]`),
    );
    expect(seen(text, { to: 'http://p.example.com/a' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://p.example.com/b/x' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://p.example.com/c' })).toMatchObject(ok('svc1.default'));
  });
  it('puts a PathPrefix of any length before a regular expression of a newer route', () => {
    const text = doc(
      apps,
      allHttp,
      route(
        'a',
        `- matches: [{path: {type: RegularExpression, value: "/api/.*"}}]\n  backendRefs: [{name: svc1, port: 80}]`,
      ),
      route('b', `- matches: [{path: {type: PathPrefix, value: /}}]\n  backendRefs: [{name: svc2, port: 80}]`),
    );
    expect(seen(text, { to: 'http://p.example.com/api/x' })).toMatchObject(ok('svc2.default'));
  });
  const rewriting = (filter: string) =>
    doc(
      apps,
      allHttp,
      route(
        'r',
        `- matches: [{path: {type: PathPrefix, value: /foo}}]
  filters: [{type: URLRewrite, urlRewrite: ${filter}}]
  backendRefs: [{name: svc1, port: 80}]`,
      ),
    );
  const forwarded = (text: string, path: string) =>
    simulateScenario(text, { from: 'infra/gw-istio', to: `http://p.example.com${path}` }).hops[0]?.forwarded;
  it('replaces the matched prefix with another', () => {
    expect(
      forwarded(rewriting('{path: {type: ReplacePrefixMatch, replacePrefixMatch: /bar}}'), '/foo/x')?.path,
    ).toEqual({
      from: '/foo/x',
      to: '/bar/x',
    });
  });
  it('removes the matched prefix when it is replaced by /', () => {
    expect(forwarded(rewriting('{path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}'), '/foo/x')?.path).toEqual({
      from: '/foo/x',
      to: '/x',
    });
  });
  it('replaces the whole path with ReplaceFullPath, keeping the query', () => {
    expect(forwarded(rewriting('{path: {type: ReplaceFullPath, replaceFullPath: /full}}'), '/foo/x?q=1')?.path).toEqual(
      {
        from: '/foo/x?q=1',
        to: '/full?q=1',
      },
    );
  });
  it('rewrites the authority with hostname', () => {
    expect(forwarded(rewriting('{hostname: backend.internal}'), '/foo')?.authority).toEqual({
      from: 'p.example.com',
      to: 'backend.internal',
    });
  });
});

describe('TCP and TLS routes on their listeners', () => {
  const tcpRoute = (name: string, parentRefs: string, backend: string, port = 80) =>
    object(
      'TCPRoute',
      name,
      'default',
      `parentRefs: ${parentRefs}\nrules: [{backendRefs: [{name: ${backend}, port: ${port}}]}]`,
      '',
      'v1alpha2',
    );
  const tlsRoute = (name: string, hosts: string, backend: string) =>
    object(
      'TLSRoute',
      name,
      'default',
      `parentRefs: [{name: gw, namespace: infra}]
hostnames: [${hosts}]
rules: [{backendRefs: [{name: ${backend}, port: 443}]}]`,
      '',
      'v1alpha2',
    );
  it('sends each TCP listener’s connections to the route attached by sectionName', () => {
    const text = doc(
      apps,
      gateway(listener('one', 9001, 'TCP', fromAll) + listener('two', 9002, 'TCP', fromAll)),
      tcpRoute('r1', '[{name: gw, namespace: infra, sectionName: one}]', 'svc1'),
      tcpRoute('r2', '[{name: gw, namespace: infra, sectionName: two}]', 'svc2'),
    );
    expect(seen(text, { to: 'tcp://gw-istio.infra:9001' })).toMatchObject({ cluster: to('svc1.default') });
    expect(seen(text, { to: 'tcp://gw-istio.infra:9002' })).toMatchObject({ cluster: to('svc2.default') });
  });
  it('passes each SNI through to the TLSRoute that names it', () => {
    const text = doc(
      base,
      app('svc1', 'default', [443]),
      app('svc2', 'default', [443]),
      gateway(listener('tls', 443, 'TLS', `tls: {mode: Passthrough}\n${fromAll}`)),
      tlsRoute('r1', 'one.example.com', 'svc1'),
      tlsRoute('r2', 'two.example.com', 'svc2'),
    );
    expect(seen(text, { to: 'tls://gw-istio.infra:443', sni: 'one.example.com' })).toMatchObject({
      cluster: to('svc1.default', 443),
    });
    expect(seen(text, { to: 'tls://gw-istio.infra:443', sni: 'two.example.com' })).toMatchObject({
      cluster: to('svc2.default', 443),
    });
    expect(seen(text, { to: 'tls://gw-istio.infra:443', sni: 'three.example.com' }).cluster).toBeUndefined();
  });
  it('does not attach an HTTPRoute to a TLS passthrough listener', () => {
    const text = doc(
      apps,
      gateway(listener('tls', 443, 'TLS', `tls: {mode: Passthrough}\n${fromAll}`)),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'https://p.example.com/' }).status).not.toBe(200);
    const found = analyzed(text).diagnostics.filter((d) => d.code === 'ROUTE_NOT_ACCEPTED');
    expect(found.map((d) => d.message).join(' ')).toContain('NotAllowedByListeners');
  });
});

describe('GRPCRoute matches (conversion.go: convertGRPCRoute)', () => {
  it('matches gRPC headers along with the method', () => {
    const text = doc(
      apps,
      allHttp,
      object(
        'GRPCRoute',
        'g',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [p.example.com]
rules:
- matches: [{method: {service: pkg.Svc, method: Get}, headers: [{name: x-env, value: canary}]}]
  backendRefs: [{name: svc2, port: 80}]
- matches: [{method: {service: pkg.Svc}}]
  backendRefs: [{name: svc1, port: 80}]`,
      ),
    );
    expect(
      seen(text, { to: 'http://p.example.com/pkg.Svc/Get', method: 'POST', headers: { 'x-env': 'canary' } }),
    ).toMatchObject(ok('svc2.default'));
    expect(seen(text, { to: 'http://p.example.com/pkg.Svc/Get', method: 'POST' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://p.example.com/other.Svc/Get', method: 'POST' })).toMatchObject(notFound);
  });
});

// Sidecars do not merge VirtualServices: the oldest claiming a host wins
// (httproute.go: BuildSidecarOutboundVirtualHosts), and the VirtualService istiod makes from an HTTPRoute carries the
// route's creationTimestamp (route_collections.go).
describe('a mesh HTTPRoute and a VirtualService for one Service', () => {
  const vs = (time: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: default, creationTimestamp: "${time}"}
spec:
  hosts: [svc1.default.svc.cluster.local]
  http: [{route: [{destination: {host: svc3.default.svc.cluster.local}}]}]`;
  const route = (time: string) =>
    httpRoute(
      'producer',
      'default',
      `parentRefs: [{group: "", kind: Service, name: svc1, port: 80}]
rules: [{backendRefs: [{name: svc2, port: 80}]}]`,
      created(time),
    );
  const text = (vsTime: string, routeTime: string) => doc(apps, curl('zeta'), vs(vsTime), route(routeTime));
  it('follows the older VirtualService', () => {
    expect(
      seen(text('2020-01-01T00:00:00Z', '2024-01-01T00:00:00Z'), { from: 'zeta/curl', to: 'http://svc1.default/' }),
    ).toMatchObject(ok('svc3.default'));
  });
  it('follows the older HTTPRoute', () => {
    expect(
      seen(text('2024-01-01T00:00:00Z', '2020-01-01T00:00:00Z'), { from: 'zeta/curl', to: 'http://svc1.default/' }),
    ).toMatchObject(ok('svc2.default'));
  });
});

describe('more attachment rules (gatewaycommon: GenerateSupportedKinds; conversion.go: referenceAllowed)', () => {
  it('keeps the supported kinds of a listener that also lists a kind its protocol cannot carry', () => {
    const text = doc(
      apps,
      gateway(
        listener(
          'http',
          80,
          'HTTP',
          'allowedRoutes: {namespaces: {from: All}, kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]}',
        ),
      ),
      catchAll('r', 'default', 'svc1'),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(ok('svc1.default'));
  });
  it('looks for a parent Gateway in the route’s own namespace when the parentRef names none', () => {
    const text = doc(
      apps,
      allHttp,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw}]\nhostnames: [p.example.com]\nrules: [{backendRefs: [{name: svc1, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://p.example.com/' })).toMatchObject(notFound);
  });
  it('serves a route without hostnames under each listener hostname it attaches to', () => {
    const text = doc(
      apps,
      gateway(
        listener('a', 80, 'HTTP', `hostname: a.example.com\n${fromAll}`) +
          listener('b', 80, 'HTTP', `hostname: b.example.com\n${fromAll}`),
      ),
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]\nrules: [{backendRefs: [{name: svc1, port: 80}]}]`,
      ),
    );
    expect(seen(text, { to: 'http://a.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://b.example.com/' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://c.example.com/' })).toMatchObject(notFound);
  });
  it('applies a mesh route without a port to every port of the Service', () => {
    const text = doc(
      base,
      app('svc1', 'default', [80, 81]),
      app('svc2', 'default'),
      curl('zeta'),
      httpRoute(
        'r',
        'default',
        `parentRefs: [{group: "", kind: Service, name: svc1}]\nrules: [{backendRefs: [{name: svc2, port: 80}]}]`,
      ),
    );
    expect(seen(text, { from: 'zeta/curl', to: 'http://svc1.default:81/' })).toMatchObject(ok('svc2.default'));
    expect(seen(text, { from: 'zeta/curl', to: 'http://svc1.default/' })).toMatchObject(ok('svc2.default'));
  });
  it('lets a route in the Gateway’s namespace attach to a listener of from: Same by default', () => {
    const text = doc(
      apps,
      app('local', 'infra'),
      gateway(listener('http', 80, 'HTTP')),
      httpRoute('r', 'infra', `parentRefs: [{name: gw}]\nrules: [{backendRefs: [{name: local, port: 80}]}]`),
    );
    expect(seen(text, { to: 'http://anything.example.com/' })).toMatchObject(ok('local.infra'));
  });
});

describe('mirrors as the trace shows them (conversion.go: createMirrorFilter)', () => {
  const mirrored = (extra: string) =>
    doc(
      apps,
      allHttp,
      httpRoute(
        'r',
        'default',
        `parentRefs: [{name: gw, namespace: infra}]
hostnames: [p.example.com]
rules:
- filters: [{type: RequestMirror, requestMirror: {backendRef: {name: svc2, port: 80}${extra}}}]
  backendRefs: [{name: svc1, port: 80}]`,
      ),
    );
  const mirrors = (text: string) =>
    simulateScenario(text, { from: 'infra/gw-istio', to: 'http://p.example.com/' }).hops[0]?.mirrors;
  it('copies every request without a percentage', () => {
    expect(mirrors(mirrored(''))).toEqual([to('svc2.default')]);
  });
  it('copies no request at percent 0', () => {
    expect(mirrors(mirrored(', percent: 0'))).toBeUndefined();
  });
  it('copies some requests with a fraction', () => {
    expect(mirrors(mirrored(', fraction: {numerator: 1, denominator: 2}'))).toEqual([to('svc2.default')]);
  });
});

describe('match details (conversion.go: createHeadersMatch, createURIMatch)', () => {
  const route = (match: string) =>
    doc(
      apps,
      allHttp,
      catchAll('r', 'default', 'svc1', match),
      catchAll('fallback', 'default', 'svc2', '', created('2030-01-01T00:00:00Z')),
    );
  it('matches header names whatever their case', () => {
    const text = route('{headers: [{name: X-Env, value: canary}]}');
    expect(seen(text, { to: 'http://p.example.com/', headers: { 'x-env': 'canary' } })).toMatchObject(
      ok('svc1.default'),
    );
    expect(seen(text, { to: 'http://p.example.com/', headers: { 'x-env': 'Canary' } })).toMatchObject(
      ok('svc2.default'),
    );
  });
  it('matches an Exact path only as written: not with a trailing slash', () => {
    const text = route('{path: {type: Exact, value: /foo}}');
    expect(seen(text, { to: 'http://p.example.com/foo' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://p.example.com/foo/' })).toMatchObject(ok('svc2.default'));
  });
  it('matches query parameters by exact value, case-sensitively', () => {
    const text = route('{queryParams: [{name: v, value: Two}]}');
    expect(seen(text, { to: 'http://p.example.com/?v=Two' })).toMatchObject(ok('svc1.default'));
    expect(seen(text, { to: 'http://p.example.com/?v=two' })).toMatchObject(ok('svc2.default'));
  });
});

describe('HTTPS listeners of one port with their own hostnames', () => {
  const https = (name: string, host: string) =>
    listener(name, 443, 'HTTPS', `hostname: ${host}\ntls: {certificateRefs: [{name: ${name}-cert}]}\n${fromAll}`);
  const text = doc(
    apps,
    gateway(https('a', 'a.example.com') + https('b', 'b.example.com')),
    httpRoute(
      'r',
      'default',
      `parentRefs: [{name: gw, namespace: infra, sectionName: a}]
rules: [{backendRefs: [{name: svc1, port: 80}]}]`,
    ),
  );
  it('serves the listener the route attaches to', () => {
    expect(seen(text, { to: 'https://a.example.com/' })).toMatchObject(ok('svc1.default'));
  });
  it('answers 404 on the other listener, which has no route', () => {
    expect(seen(text, { to: 'https://b.example.com/' })).toMatchObject(notFound);
  });
  it('completes no TLS handshake for a name no listener serves', () => {
    expect(seen(text, { to: 'https://c.example.com/' }).status).not.toBe(200);
  });
});
