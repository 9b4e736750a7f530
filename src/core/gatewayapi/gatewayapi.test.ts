import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, findPod, traceRequest, type Trace, type TraceRequest } from '../index.ts';
import { doc, namespace } from '../testkit.ts';

// Scenarios written from Istio's Gateway API translation (pilot/pkg/config/kube/gateway) and the behaviour the
// Gateway API conformance tests require of every implementation (HTTPRouteMatching, HTTPRouteHostnameIntersection,
// HTTPRouteReferenceGrant, HTTPRouteInvalidCrossNamespaceBackendRef, MeshHTTPRouteWeight, ...).

const backend = (name: string, ns: string, labels: Record<string, string> = { app: name }) => `apiVersion: apps/v1
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
  ports: [{name: http, port: 8080}]`;

const gateway = (listeners: string, extra = '') => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra${extra}}
spec:
  gatewayClassName: istio
  listeners:
${listeners}`;

const httpListener = (from = 'All', hostname = '') =>
  `  - name: http
    port: 80
    protocol: HTTP
${hostname ? `    hostname: "${hostname}"\n` : ''}    allowedRoutes: {namespaces: {from: ${from}}}`;

const route = (name: string, ns: string, spec: string, kind = 'HTTPRoute', version = 'v1') =>
  `apiVersion: gateway.networking.k8s.io/${version}
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}}
spec:
${spec}`;

const base = doc(
  namespace('infra'),
  namespace('web', { 'istio-injection': 'enabled' }),
  namespace('other', { 'istio-injection': 'enabled', team: 'blue' }),
  backend('v1', 'web'),
  backend('v2', 'web'),
  backend('exact', 'web'),
  backend('far', 'other'),
);

function run(text: string, request: Partial<TraceRequest> & { to: string }): Trace {
  const result = traceRequest(analyze([{ name: 's.yaml', text }]), { from: 'infra/gw-istio', ...request });
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}
const outcome = (t: Trace) => ({ outcome: t.outcome, status: t.status });
const cluster = (t: Trace) =>
  t.steps.filter((s) => s.kind === 'cluster').map((s) => s.title.replace(/^Cluster /, ''))[0];
const diagnostics = (text: string) =>
  analyze([{ name: 's.yaml', text }]).diagnostics.filter((d) => d.severity !== 'info');

describe('gateways istiod deploys (gatewaycommon/deploymentcontroller.go, kube-gateway.yaml)', () => {
  it('makes a <gateway>-<class> Deployment pod and Service with the gateway-name label, as a gateway proxy', () => {
    const analysis = analyze([{ name: 's.yaml', text: doc(base, gateway(httpListener())) }]);
    const pod = findPod(analysis, 'infra/gw-istio');
    expect(pod?.proxy.kind).toBe('gateway');
    expect(pod?.labels.get('gateway.networking.k8s.io/gateway-name')).toBe('gw');
    expect(pod?.assumed).toBe(true);
    const service = analysis.model.services.find((s) => s.name === 'gw-istio');
    expect(service?.ports.map((p) => [p.name, p.port])).toEqual([
      ['status-port', 15021],
      ['http', 80],
    ]);
    expect(analysis.model.assumptions.map((a) => a.code)).toContain('GATEWAY_DEPLOYED');
    expect(service?.type).toBe('LoadBalancer');
    expect(findPod(analysis, 'infra/gw')).toBe(pod);
    expect(analysis.diagnostics.filter((d) => d.code === 'NOT_MODELLED')).toEqual([]);
  });

  it('keeps the Deployment and Service of an exported cluster instead of making them again', () => {
    const exported = `apiVersion: apps/v1
kind: Deployment
metadata: {name: gw-istio, namespace: infra}
spec:
  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}
  template:
    metadata: {labels: {gateway.networking.k8s.io/gateway-name: gw, sidecar.istio.io/inject: "false"}}
    spec:
      containers: [{name: istio-proxy, image: auto, args: [proxy, router]}]
---
apiVersion: v1
kind: Service
metadata: {name: gw-istio, namespace: infra}
spec:
  type: LoadBalancer
  selector: {gateway.networking.k8s.io/gateway-name: gw}
  ports: [{name: http, port: 80}]`;
    const text = doc(
      base,
      exported,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
      ),
    );
    const analysis = analyze([{ name: 's.yaml', text }]);
    expect(analysis.model.pods.filter((p) => p.namespace === 'infra').map((p) => p.owner?.kind)).toEqual([
      'Deployment',
    ]);
    expect(analysis.model.services.filter((s) => s.name === 'gw-istio')).toHaveLength(1);
    expect(analysis.model.assumptions.map((a) => a.code)).not.toContain('GATEWAY_DEPLOYED');
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'routed', status: 200 });
  });

  it('names them after gateway.istio.io/name-override', () => {
    const text = doc(base, gateway(httpListener(), ', annotations: {gateway.istio.io/name-override: edge}'));
    const analysis = analyze([{ name: 's.yaml', text }]);
    expect(findPod(analysis, 'infra/edge')?.proxy.kind).toBe('gateway');
    expect(analysis.model.services.some((s) => s.name === 'gw-istio')).toBe(false);
  });

  it('deploys nothing for a manual deployment (an address of type Hostname): the named Service’s pods serve it', () => {
    const manual = `apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress, namespace: infra}
spec:
  selector: {matchLabels: {istio: ingress}}
  template:
    metadata: {labels: {istio: ingress}, annotations: {inject.istio.io/templates: gateway}}
    spec:
      containers: [{name: istio-proxy, image: auto, args: [proxy, router]}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: infra}
spec:
  selector: {istio: ingress}
  ports: [{name: http, port: 80, targetPort: 8080}]`;
    const text = doc(
      base,
      manual,
      gateway(httpListener()).replace('spec:\n', 'spec:\n  addresses: [{type: Hostname, value: ingress}]\n'),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
      ),
    );
    const analysis = analyze([{ name: 's.yaml', text }]);
    expect(findPod(analysis, 'infra/gw-istio')).toBeUndefined();
    const t = run(text, { from: 'infra/ingress', to: 'http://any.example.com/' });
    expect(outcome(t)).toEqual({ outcome: 'routed', status: 200 });
    expect(cluster(t)).toBe('outbound|8080||v1.web.svc.cluster.local');
  });

  it(
    'binds each generated Istio Gateway to the pods behind its Service, so same-named Gateways in two namespaces ' +
      'stay apart',
    () => {
      const text = doc(
        base,
        gateway(httpListener()),
        gateway(httpListener()).replace('namespace: infra', 'namespace: other'),
        route(
          'r',
          'web',
          `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
        ),
      );
      expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'routed', status: 200 });
      expect(outcome(run(text, { from: 'other/gw-istio', to: 'http://a.example.com/' }))).toEqual({
        outcome: 'no-route',
        status: 404,
      });
    },
  );

  it('lets a Gateway of another controller’s class alone', () => {
    const text = doc(
      base,
      gateway(httpListener()).replace('gatewayClassName: istio', 'gatewayClassName: nginx'),
      `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: nginx}\n` +
        `spec: {controllerName: k8s.io/nginx}`,
    );
    const analysis = analyze([{ name: 's.yaml', text }]);
    expect(analysis.model.pods.some((p) => p.namespace === 'infra')).toBe(false);
    expect(analysis.model.istio.get('Gateway') ?? []).toEqual([]);
  });
});

describe('HTTPRoute to a gateway (conversion.go, route_collections.go)', () => {
  const routes = doc(
    base,
    gateway(httpListener('All', '*.example.com')),
    route(
      'shop',
      'web',
      `  parentRefs: [{name: gw, namespace: infra}]
  hostnames: [shop.example.com, shop.other.org]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-canary, value: "yes"}]}]
    backendRefs: [{name: v2, port: 8080}]
  - matches: [{path: {type: Exact, value: /api/exact}}]
    backendRefs: [{name: exact, port: 8080}]
  - backendRefs: [{name: far, namespace: other, port: 8080}]`,
    ),
  );

  it(
    'translates into one Istio Gateway per listener and one VirtualService per parent and host, named as istiod ' +
      'names them',
    () => {
      const { model } = analyze([{ name: 's.yaml', text: routes }]);
      expect((model.istio.get('Gateway') ?? []).map((g) => `${g.namespace}/${g.name}`)).toEqual([
        'infra/gw~istio-autogenerated-k8s-gateway~http',
      ]);
      expect((model.istio.get('Gateway') ?? [])[0]?.spec).toMatchObject({
        servers: [{ port: { number: 80, protocol: 'HTTP', name: 'default' }, hosts: ['*/*.example.com'] }],
      });
      expect((model.istio.get('VirtualService') ?? []).map((v) => `${v.namespace}/${v.name}`)).toEqual([
        // shop.other.org does not meet the listener's *.example.com: no VirtualService for it
        // (hostnameAllowedByIsolation).
        'web/infra~gw~istio-autogenerated-k8s-gateway~http~shop.example.com',
      ]);
    },
  );

  it('routes by path and header match, and names the HTTPRoute rule that decided it', () => {
    const t = run(routes, { to: 'http://shop.example.com/api/list' });
    expect(outcome(t)).toEqual({ outcome: 'routed', status: 200 });
    expect(cluster(t)).toBe('outbound|8080||v1.web.svc.cluster.local');
    const step = t.steps.find((s) => s.kind === 'route');
    expect(step?.title).toContain('web.shop.0');
    expect(step?.sources.map((s) => `${s.kind} ${s.namespace}/${s.name}:${s.range.start.line}`)).toEqual([
      `HTTPRoute web/shop:${routes.split('\n').findIndex((l) => l.includes('value: /api}}]')) + 1}`,
    ]);
    expect(cluster(run(routes, { to: 'http://shop.example.com/api/list', headers: { 'x-canary': 'yes' } }))).toBe(
      'outbound|8080||v2.web.svc.cluster.local',
    );
  });

  it('orders rules by Gateway API precedence: Exact before a longer-written PathPrefix, headers before none', () => {
    expect(cluster(run(routes, { to: 'http://shop.example.com/api/exact' }))).toBe(
      'outbound|8080||exact.web.svc.cluster.local',
    );
    expect(cluster(run(routes, { to: 'http://shop.example.com/api/exact/more' }))).toBe(
      'outbound|8080||v1.web.svc.cluster.local',
    );
  });

  it('matches PathPrefix on whole path segments, and a rule without matches takes the rest', () => {
    // /apix is not under /api: the catch-all rule (PathPrefix / by default) sends it to the other namespace's backend,
    // which needs a ReferenceGrant: without one the request gets 500.
    expect(outcome(run(routes, { to: 'http://shop.example.com/apix' }))).toEqual({
      outcome: 'cluster-not-found',
      status: 500,
    });
  });

  it('keeps only the hostnames the listener allows (hostname intersection): other hosts get 404', () => {
    expect(outcome(run(routes, { to: 'http://shop.other.org/api' }))).toEqual({ outcome: 'no-route', status: 404 });
  });

  it('reports RefNotPermitted on the backendRef, then a ReferenceGrant in the backend’s namespace allows it', () => {
    const found = diagnostics(routes).filter((d) => d.code === 'ROUTE_REFS_UNRESOLVED');
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/^ResolvedRefs=False, reason RefNotPermitted: backendRef far\/other/);
    const grant = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: allow-web, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]
  to: [{group: "", kind: Service}]`;
    const granted = doc(routes, grant);
    expect(diagnostics(granted).filter((d) => d.code === 'ROUTE_REFS_UNRESOLVED')).toEqual([]);
    const t = run(granted, { to: 'http://shop.example.com/apix' });
    expect(outcome(t)).toEqual({ outcome: 'routed', status: 200 });
    expect(cluster(t)).toBe('outbound|8080||far.other.svc.cluster.local');
  });

  it('answers 500 for a backend that does not exist (BackendNotFound)', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: nope, port: 8080}]}]`,
      ),
    );
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'cluster-not-found', status: 500 });
    expect(diagnostics(text).map((d) => d.message)).toContainEqual(
      expect.stringMatching(/reason BackendNotFound: backend\(nope\.web\.svc\.cluster\.local\) not found/),
    );
  });

  it('answers 500 for a port the backend Service does not have, though istiod reports no error', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 9999}]}]`,
      ),
    );
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'cluster-not-found', status: 500 });
    expect(diagnostics(text)).toEqual([]);
    expect(analyze([{ name: 's.yaml', text }]).diagnostics.map((d) => d.message)).toContainEqual(
      expect.stringMatching(/^Service web\/v1 has no port 9999/),
    );
  });

  it('answers 500 when every backend has weight 0', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080, weight: 0}]}]`,
      ),
    );
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'direct-response', status: 500 });
  });

  it('redirects with RequestRedirect (the statusCode, 302 when the API server defaults it)', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{path: {type: Exact, value: /old}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: new.example.com, statusCode: 302}}]
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
  - matches: [{path: {type: PathPrefix, value: /default}}]
    filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]`,
      ),
    );
    expect(run(text, { to: 'http://a.example.com/old' }).status).toBe(302);
    expect(run(text, { to: 'http://a.example.com/x' }).status).toBe(301);
    // The API server defaults statusCode to 302.
    expect(run(text, { to: 'http://a.example.com/default' }).status).toBe(302);
  });

  it('makes no routes from a route with an unsupported filter (InvalidFilter): 404', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - filters: [{type: ExtensionRef, extensionRef: {group: x.io, kind: Thing, name: t}}]
    backendRefs: [{name: v1, port: 8080}]`,
      ),
    );
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'no-route', status: 404 });
    expect(diagnostics(text).map((d) => d.message)).toContainEqual(expect.stringMatching(/reason InvalidFilter/));
  });
});

describe('attachment and route status (conversion.go: referenceAllowed; conditions.go: createRouteStatus)', () => {
  const attach = (listener: string, parentRef: string, hostnames = '') =>
    doc(
      base,
      gateway(listener),
      route(
        'r',
        'other',
        `  parentRefs: [${parentRef}]\n${hostnames}  rules: [{backendRefs: [{name: far, port: 8080}]}]`,
      ),
    );

  it('does not attach a route from another namespace when the listener allows the Same namespace only: 404', () => {
    const text = attach(httpListener('Same'), '{name: gw, namespace: infra}');
    const found = diagnostics(text).filter((d) => d.code === 'ROUTE_NOT_ACCEPTED');
    expect(found.map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^Accepted=False, reason NotAllowedByListeners: .*allows routes from the Same namespace only/,
      ),
    ]);
    expect(found[0]?.range.start.line).toBe(text.split('\n').findIndex((l) => l.includes('parentRefs')) + 1);
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'no-route', status: 404 });
  });

  it('attaches it when a namespace selector picks the route’s namespace', () => {
    const text = attach(
      `  - name: http\n    port: 80\n    protocol: HTTP\n` +
        `    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: blue}}}}`,
      '{name: gw, namespace: infra}',
    );
    expect(diagnostics(text)).toEqual([]);
    expect(outcome(run(text, { to: 'http://a.example.com/' }))).toEqual({ outcome: 'routed', status: 200 });
  });

  it('reports NoMatchingParent for a sectionName or port the Gateway does not have', () => {
    expect(
      diagnostics(attach(httpListener(), '{name: gw, namespace: infra, sectionName: https}')).map((d) => d.message),
    ).toEqual([expect.stringMatching(/reason NoMatchingParent: .*sectionName "https" not found/)]);
    expect(
      diagnostics(attach(httpListener(), '{name: gw, namespace: infra, port: 8080}')).map((d) => d.message),
    ).toEqual([expect.stringMatching(/reason NoMatchingParent: .*port 8080 not found/)]);
    expect(diagnostics(attach(httpListener(), '{name: gw, namespace: infra, sectionName: http, port: 80}'))).toEqual(
      [],
    );
  });

  it('reports NoMatchingListenerHostname when no route hostname meets the listener’s', () => {
    const text = attach(
      httpListener('All', '*.example.com'),
      '{name: gw, namespace: infra}',
      '  hostnames: [a.other.org]\n',
    );
    expect(diagnostics(text).map((d) => d.message)).toEqual([
      expect.stringMatching(
        /reason NoMatchingListenerHostname: .*no hostnames matched parent hostname "\*\.example\.com"/,
      ),
    ]);
  });

  it('reports NotAllowedByListeners for a route kind the listener does not carry', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        't',
        'other',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: far, port: 8080}]}]`,
        'TCPRoute',
        'v1alpha2',
      ),
    );
    expect(diagnostics(text).map((d) => d.message)).toEqual([
      expect.stringMatching(/reason NotAllowedByListeners: .*Kind=TCPRoute is not allowed/),
    ]);
  });

  it('says so when the parent Gateway is not in the manifests', () => {
    const text = attach(httpListener(), '{name: missing, namespace: infra}');
    expect(diagnostics(text).map((d) => d.message)).toContainEqual(expect.stringMatching(/No Gateway infra\/missing/));
  });

  it('reports InvalidKind for a backendRef of a kind Istio does not route to', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n` +
          `  rules: [{backendRefs: [{group: example.io, kind: Bucket, name: b, port: 1}]}]`,
      ),
    );
    expect(diagnostics(text).map((d) => d.message)).toContainEqual(expect.stringMatching(/reason InvalidKind/));
    expect(run(text, { to: 'http://a.example.com/' }).status).toBe(500);
  });

  it('reports Programmed=False for a manual deployment whose Service is missing, and ListenersNotValid', () => {
    const manual = gateway(httpListener()).replace(
      'spec:\n',
      'spec:\n  addresses: [{type: Hostname, value: absent}]\n',
    );
    expect(diagnostics(doc(base, manual)).map((d) => d.message)).toEqual([
      expect.stringMatching(
        /^Programmed=False, reason UnsupportedAddress: Failed to assign to any requested addresses/,
      ),
    ]);
    const invalid = gateway(`  - name: udp\n    port: 53\n    protocol: UDP`);
    expect(diagnostics(doc(base, invalid)).map((d) => d.message)).toContainEqual(
      expect.stringMatching(/^Accepted=False, reason ListenersNotValid/),
    );
  });

  it('notes a Gateway whose class no Istio controller serves', () => {
    const text = doc(base, gateway(httpListener()).replace('gatewayClassName: istio', 'gatewayClassName: missing'));
    const notes = analyze([{ name: 's.yaml', text }]).diagnostics.filter((d) => d.code === 'GATEWAY_NOT_ACCEPTED');
    expect(notes.map((d) => [d.severity, d.message])).toEqual([
      ['info', expect.stringMatching(/^No GatewayClass missing in the manifests/)],
    ]);
  });

  it('reports a listener protocol istiod does not know, with the uppercase hint', () => {
    const text = doc(base, gateway(`  - name: web\n    port: 80\n    protocol: http`));
    expect(diagnostics(text).map((d) => d.message)).toContainEqual(
      expect.stringMatching(
        /Accepted=False, reason UnsupportedProtocol: protocol "http" is unsupported\. hint: "HTTP"/,
      ),
    );
  });
});

describe('what the API server rejects (Gateway API CRD schemas and CEL rules)', () => {
  it('checks listeners, matches and filters with positions', () => {
    const text = doc(
      gateway(`  - name: a\n    port: 443\n    protocol: HTTPS\n  - name: a\n    port: 80\n    protocol: HTTP`),
      route(
        'r',
        'infra',
        `  parentRefs: [{name: gw}]
  rules:
  - matches: [{path: {type: Prefix, value: /x}, method: FETCH}]
    filters:
    - {type: RequestRedirect, requestRedirect: {statusCode: 304}}
    - {type: URLRewrite, urlRewrite: {hostname: a}}
    backendRefs: [{name: v1}]`,
      ),
    );
    const messages = diagnostics(text).map((d) => `${d.severity} ${d.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^error An HTTPS listener needs tls/),
        expect.stringMatching(/^error Listener name a is used twice/),
        expect.stringMatching(/^error type must be one of Exact, PathPrefix, RegularExpression, not Prefix/),
        expect.stringMatching(/^error method must be one of GET/),
        expect.stringMatching(/^error statusCode must be one of 301, 302, 303, 307, 308/),
        expect.stringMatching(/^error RequestRedirect and URLRewrite cannot both be set/),
        expect.stringMatching(/^error A backendRef to a Service needs a port/),
      ]),
    );
  });

  it('accepts the beta and alpha versions still served, and flags an unserved one', () => {
    const ok = doc(
      base,
      gateway(httpListener()).replace('/v1', '/v1beta1'),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
        'HTTPRoute',
        'v1beta1',
      ),
    );
    expect(diagnostics(ok)).toEqual([]);
    const bad = route('r', 'web', `  rules: []`, 'HTTPRoute', 'v1alpha2');
    expect(diagnostics(bad).map((d) => d.code)).toContain('UNKNOWN_API_VERSION');
  });
});

describe('mesh routing with a Service parent (GAMMA)', () => {
  const client = `apiVersion: apps/v1
kind: Deployment
metadata: {name: curl, namespace: other}
spec:
  selector: {matchLabels: {app: curl}}
  template:
    metadata: {labels: {app: curl}}
    spec:
      containers: [{name: curl, image: curl}]`;
  const producer = route(
    'split',
    'web',
    `  parentRefs: [{group: "", kind: Service, name: v1, port: 8080}]
  rules:
  - backendRefs: [{name: v1, port: 8080, weight: 90}, {name: v2, port: 8080, weight: 10}]`,
  );

  it('splits a sidecar client’s requests by weight, citing the HTTPRoute rule', () => {
    const t = run(doc(base, client, producer), { from: 'other/curl', to: 'http://v1.web:8080/' });
    expect(outcome(t)).toEqual({ outcome: 'routed', status: 200 });
    const weighted = t.steps.find((s) => s.kind === 'route' && s.title.startsWith('Weighted'));
    expect(weighted?.detail).toContain('outbound|8080||v1.web.svc.cluster.local 90%');
    expect(weighted?.detail).toContain('outbound|8080||v2.web.svc.cluster.local 10%');
    expect(t.steps.find((s) => s.kind === 'route')?.sources[0]?.kind).toBe('HTTPRoute');
  });

  it('lets a consumer route in the client’s namespace take precedence, for that namespace only', () => {
    const consumer = route(
      'mine',
      'other',
      `  parentRefs: [{group: "", kind: Service, name: v1, namespace: web, port: 8080}]
  rules: [{backendRefs: [{name: exact, namespace: web, port: 8080}]}]`,
    );
    const text = doc(base, client, producer, consumer);
    expect(cluster(run(text, { from: 'other/curl', to: 'http://v1.web:8080/' }))).toBe(
      'outbound|8080||exact.web.svc.cluster.local',
    );
    // Mesh routes need no ReferenceGrant (enforceRefGrant is for gateway parents only).
    expect(diagnostics(text)).toEqual([]);
    const fromWeb = run(text, { from: 'web/v2', to: 'http://v1.web:8080/' });
    expect(fromWeb.steps.find((s) => s.kind === 'route')?.title).toContain('web.split.0');
  });

  it('reports a Service parent that does not exist, and warns when a VirtualService routes the same host', () => {
    const missing = route(
      'r',
      'web',
      `  parentRefs: [{group: "", kind: Service, name: ghost}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
    );
    expect(diagnostics(doc(base, missing)).map((d) => d.message)).toEqual([
      expect.stringMatching(/reason NoMatchingParent: .*parent service: "ghost" not found/),
    ]);
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v1, namespace: web}
spec:
  hosts: [v1]
  http: [{route: [{destination: {host: v1}}]}]`;
    expect(diagnostics(doc(base, producer, vs)).map((d) => d.code)).toEqual(['MIXED_ROUTE_APIS']);
  });
});

describe('TCPRoute, TLSRoute and GRPCRoute', () => {
  const tcpService = backend('raw', 'web').replace(
    '[{name: http, port: 8080}]',
    '[{name: tcp, port: 7000, targetPort: 8080}]',
  );
  it('forwards a TCP listener’s connections to the TCPRoute backend', () => {
    const text = doc(
      base,
      tcpService,
      gateway(`  - name: tcp\n    port: 9000\n    protocol: TCP\n    allowedRoutes: {namespaces: {from: All}}`),
      route(
        't',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: raw, port: 7000}]}]`,
        'TCPRoute',
        'v1alpha2',
      ),
    );
    const t = run(text, { to: 'gw-istio.infra', port: 9000, protocol: 'tcp' });
    expect(t.outcome).toBe('routed');
    expect(cluster(t)).toBe('outbound|7000||raw.web.svc.cluster.local');
  });

  it('passes TLS through by SNI to the TLSRoute whose hostname matches', () => {
    const text = doc(
      base,
      gateway(
        `  - name: tls\n    port: 443\n    protocol: TLS\n    tls: {mode: Passthrough}\n` +
          `    allowedRoutes: {namespaces: {from: All}}`,
      ),
      tcpService,
      route(
        't',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [secure.example.com]\n` +
          `  rules: [{backendRefs: [{name: raw, port: 7000}]}]`,
        'TLSRoute',
        'v1alpha2',
      ),
    );
    const t = run(text, { to: 'gw-istio.infra', port: 443, protocol: 'tls', sni: 'secure.example.com' });
    expect(t.outcome).toBe('routed');
    expect(cluster(t)).toBe('outbound|7000||raw.web.svc.cluster.local');
    expect(run(text, { to: 'gw-istio.infra', port: 443, protocol: 'tls', sni: 'other.example.com' }).outcome).not.toBe(
      'routed',
    );
  });

  it('matches a GRPCRoute on service and method as the /service/method path', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'g',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]
  rules:
  - matches: [{method: {service: shop.Cart, method: Add}}]
    backendRefs: [{name: v2, port: 8080}]
  - backendRefs: [{name: v1, port: 8080}]`,
        'GRPCRoute',
      ),
    );
    expect(cluster(run(text, { to: 'http://a.example.com/shop.Cart/Add', protocol: 'grpc' }))).toBe(
      'outbound|8080||v2.web.svc.cluster.local',
    );
    expect(cluster(run(text, { to: 'http://a.example.com/shop.Cart/Remove', protocol: 'grpc' }))).toBe(
      'outbound|8080||v1.web.svc.cluster.local',
    );
  });
});

describe('proxy-config of a generated gateway', () => {
  it('shows the listener on the listener port and the route configuration http.<port>', () => {
    const text = doc(
      base,
      gateway(httpListener()),
      route(
        'r',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
      ),
    );
    const result = computeProxyConfig(analyze([{ name: 's.yaml', text }]), 'infra/gw-istio');
    if (!result.ok) throw new Error(result.reason);
    const config = result.config;
    expect(config.listeners.map((l) => l.name)).toContain('0.0.0.0_80');
    expect(config.routes.map((r) => r.name)).toContain('http.80');
    expect(config.clusters.map((c) => c.name)).toContain('outbound|8080||v1.web.svc.cluster.local');
  });
});

describe('the Gateway API examples, changed the way their descriptions invite', () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

  it('ingress: without the header /headers goes to httpbin-v1; an unrouted path gets 404', () => {
    const text = fixture('gateway-api-ingress');
    expect(cluster(run(text, { from: 'istio-ingress/gateway-istio', to: 'http://httpbin.example.com/headers' }))).toBe(
      'outbound|8000||httpbin-v1.application.svc.cluster.local',
    );
    expect(outcome(run(text, { from: 'istio-ingress/gateway-istio', to: 'http://httpbin.example.com/other' }))).toEqual(
      { outcome: 'no-route', status: 404 },
    );
  });

  it('not attached: allowing routes from All namespaces attaches the route', () => {
    const text = fixture('gateway-api-not-attached').replace(
      '    protocol: HTTP\n',
      '    protocol: HTTP\n    allowedRoutes:\n      namespaces:\n        from: All\n',
    );
    expect(diagnostics(text)).toEqual([]);
    expect(outcome(run(text, { from: 'istio-ingress/gateway-istio', to: 'http://httpbin.example.com/' }))).toEqual({
      outcome: 'routed',
      status: 200,
    });
  });

  it('reference grant: without it the route reports RefNotPermitted and the gateway answers 500', () => {
    const text =
      fixture('gateway-api-reference-grant').split('\n---\napiVersion: gateway.networking.k8s.io/v1beta1')[0] ?? '';
    expect(diagnostics(text).map((d) => d.message)).toEqual([expect.stringMatching(/reason RefNotPermitted/)]);
    expect(outcome(run(text, { from: 'istio-ingress/gateway-istio', to: 'http://httpbin.example.com/' }))).toEqual({
      outcome: 'cluster-not-found',
      status: 500,
    });
  });
});

describe('listeners sharing a port (hostnameAllowedByIsolation; conformance HTTPRouteListenerHostnameMatching)', () => {
  const listeners =
    `  - {name: exact, port: 80, protocol: HTTP, hostname: foo.example.com, allowedRoutes: {namespaces: {from: ` +
    `All}}}
  - {name: wild, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}`;
  const attached = (name: string, section: string, backendName: string, hostnames = '') =>
    route(
      name,
      'web',
      `  parentRefs: [{name: gw, namespace: infra, sectionName: ${section}}]\n${hostnames}  rules: ` +
        `[{backendRefs: [{name: ${backendName}, port: 8080}]}]`,
    );

  it('sends each host to the route of the most specific listener', () => {
    const text = doc(base, gateway(listeners), attached('a', 'exact', 'v1'), attached('b', 'wild', 'v2'));
    expect(cluster(run(text, { to: 'http://foo.example.com/' }))).toBe('outbound|8080||v1.web.svc.cluster.local');
    expect(cluster(run(text, { to: 'http://bar.example.com/' }))).toBe('outbound|8080||v2.web.svc.cluster.local');
  });

  it('drops a host from the wildcard listener’s route when the exact listener owns it', () => {
    const text = doc(base, gateway(listeners), attached('b', 'wild', 'v2', '  hostnames: [foo.example.com]\n'));
    const { model } = analyze([{ name: 's.yaml', text }]);
    expect(model.istio.get('VirtualService') ?? []).toEqual([]);
    expect(outcome(run(text, { to: 'http://foo.example.com/' }))).toEqual({ outcome: 'no-route', status: 404 });
  });
});

describe('TCP and TLS route details (conversion.go: convertTCPRoute; route_collections.go: TLSRouteCollection)', () => {
  it('names one VirtualService per TCPRoute and parent, and fails the connection when every weight is 0', () => {
    const text = doc(
      base,
      gateway(`  - name: tcp\n    port: 9000\n    protocol: TCP\n    allowedRoutes: {namespaces: {from: All}}`),
      route(
        't',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 8080, weight: 0}]}]`,
        'TCPRoute',
        'v1alpha2',
      ),
    );
    const { model } = analyze([{ name: 's.yaml', text }]);
    expect((model.istio.get('VirtualService') ?? []).map((v) => v.name)).toEqual([
      't~tcp~0~istio-autogenerated-k8s-gateway',
    ]);
    expect(run(text, { to: 'gw-istio.infra', port: 9000, protocol: 'tcp' }).outcome).not.toBe('routed');
  });

  it('narrows a TLSRoute’s hostnames to the listener’s hostname', () => {
    const text = doc(
      base,
      gateway(
        `  - name: tls\n    port: 443\n    protocol: TLS\n    hostname: "*.example.com"\n` +
          `    tls: {mode: Passthrough}\n    allowedRoutes: {namespaces: {from: All}}`,
      ),
      route(
        't',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: ["*.com"]\n` +
          `  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
        'TLSRoute',
        'v1alpha2',
      ),
    );
    const vs = (analyze([{ name: 's.yaml', text }]).model.istio.get('VirtualService') ?? [])[0];
    expect(vs?.spec).toMatchObject({ hosts: ['*.example.com'], tls: [{ match: [{ sniHosts: ['*.example.com'] }] }] });
  });
});

describe('the Mesh view (mesh/objectGraph.ts)', () => {
  it('draws Gateway ← HTTPRoute → Service, and a GAMMA route to the Service it configures', () => {
    const read = (name: string) =>
      readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');
    const edges = (text: string) =>
      analyze([{ name: 's.yaml', text }]).objectGraph.edges.map((e) => `${e.source} ${e.relation} ${e.target}`);
    expect(edges(read('gateway-api-ingress'))).toEqual(
      expect.arrayContaining([
        'HTTPRoute/application/httpbin binds-gateway Gateway/istio-ingress/gateway',
        'HTTPRoute/application/httpbin routes-to Service/application/httpbin-v1',
        'HTTPRoute/application/httpbin routes-to Service/application/httpbin-v2',
      ]),
    );
    expect(edges(read('gateway-api-gamma-canary'))).toEqual(
      expect.arrayContaining([
        'HTTPRoute/bookinfo/reviews configures Service/bookinfo/reviews',
        'HTTPRoute/bookinfo/reviews routes-to Service/bookinfo/reviews-v1',
      ]),
    );
  });
});

describe('rules of several routes for one host (mergeHTTPRoutes; conformance HTTPRouteMatchingAcrossRoutes)', () => {
  const two = (firstCreated = '', secondCreated = '') =>
    doc(
      base,
      gateway(httpListener()),
      route(
        'zeta',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [a.example.com]\n` +
          `  rules: [{matches: [{path: {type: PathPrefix, value: /x}}], backendRefs: [{name: v2, port: 8080}]}]`,
      ).replace('namespace: web}', `namespace: web${firstCreated ? `, creationTimestamp: "${firstCreated}"` : ''}}`),
      route(
        'alpha',
        'web',
        `  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [a.example.com]\n  rules:\n` +
          `  - {matches: [{path: {type: PathPrefix, value: /x}}], backendRefs: [{name: v1, port: 8080}]}\n` +
          `  - {matches: [{path: {type: Exact, value: /x/y}}], backendRefs: [{name: exact, port: 8080}]}`,
      ).replace('namespace: web}', `namespace: web${secondCreated ? `, creationTimestamp: "${secondCreated}"` : ''}}`),
    );

  it('merges them into one VirtualService, precedence first, then the alphabetically first route on a tie', () => {
    const text = two();
    const { model } = analyze([{ name: 's.yaml', text }]);
    expect((model.istio.get('VirtualService') ?? []).map((v) => v.name)).toEqual([
      'infra~gw~istio-autogenerated-k8s-gateway~http~a.example.com',
    ]);
    expect(cluster(run(text, { to: 'http://a.example.com/x/y' }))).toBe('outbound|8080||exact.web.svc.cluster.local');
    expect(cluster(run(text, { to: 'http://a.example.com/x' }))).toBe('outbound|8080||v1.web.svc.cluster.local');
  });

  it('lets the older route win a tie when creation timestamps say so', () => {
    const text = two('2024-01-01T00:00:00Z', '2024-02-01T00:00:00Z');
    expect(cluster(run(text, { to: 'http://a.example.com/x' }))).toBe('outbound|8080||v2.web.svc.cluster.local');
  });
});

describe('bad input', () => {
  it('never throws on Gateway API objects with wrong types anywhere, and reports them', () => {
    const hostile = doc(
      base,
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra, annotations: {gateway.istio.io/name-override: 7}}
spec:
  gatewayClassName: [istio]
  addresses: "x"
  listeners: [null, 3, {name: {a: 1}, port: "80", protocol: 5, hostname: [x], allowedRoutes: {namespaces: ` +
        `{from: Selector, selector: 4}, kinds: "x"}, tls: {certificateRefs: 3}}]`,
      `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw2, namespace: infra}
spec:
  gatewayClassName: istio
  listeners: [{name: a, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Selector, selector: ` +
        `{matchExpressions: 3}}, kinds: [null, {kind: 4}]}}]`,
      route(
        'r',
        'web',
        `  parentRefs: [null, 5, {name: gw2, namespace: infra, port: "x", sectionName: [1]}, {kind: Service, ` +
          `group: "", name: v1}]
  hostnames: [1, null, "*"]
  rules:
  - null
  - 3
  - matches: {a: 1}
    filters: [null, {type: RequestRedirect, requestRedirect: "x"}, {type: URLRewrite, urlRewrite: {path: 3}}, ` +
          `{type: RequestMirror, requestMirror: {backendRef: 4}}, {type: RequestHeaderModifier, ` +
          `requestHeaderModifier: {set: 3, add: [null], remove: "x"}}]
    backendRefs: [null, {name: 3, port: "x", weight: "y"}, {name: v2, port: 8080, weight: -1}]
  - matches: [null, {path: 3, headers: {a: 1}, queryParams: [null], method: 4}]
    backendRefs: "x"`,
      ),
      route(
        'g',
        'web',
        `  parentRefs: [{name: gw2, namespace: infra}]\n` +
          `  rules: [{matches: [{method: 3}, {method: {type: RegularExpression}}]}]`,
        'GRPCRoute',
      ),
      route(
        't',
        'web',
        `  parentRefs: [{name: gw2, namespace: infra}]\n  hostnames: 3\n  rules: [{backendRefs: [{name: v1}]}]`,
        'TLSRoute',
        'v1',
      ),
      `apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\n` +
        `metadata: {name: g, namespace: web}\nspec: {from: 3, to: [null, {kind: 1}]}`,
    );
    const analysis = analyze([{ name: 's.yaml', text: hostile }]);
    expect(analysis.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThan(5);
    for (const to of ['http://a.example.com/', 'http://v1.web:8080/']) {
      const result = traceRequest(analysis, { from: 'infra/gw2-istio', to });
      expect(result.ok).toBe(true);
    }
    expect(traceRequest(analysis, { from: 'web/v2', to: 'http://v1.web:8080/' }).ok).toBe(true);
  });
});

describe('timeouts, retries and mirrors (conversion.go: convertHTTPRoute, createMirrorFilter)', () => {
  const vsOf = (rule: string) => {
    const text = doc(
      base,
      gateway(httpListener()),
      route('r', 'web', `  parentRefs: [{name: gw, namespace: infra}]\n  rules:\n${rule}`),
    );
    return (analyze([{ name: 's.yaml', text }]).model.istio.get('VirtualService') ?? [])[0]?.spec;
  };

  it('takes the backendRequest timeout over the request timeout, or as the per-try timeout with a retry', () => {
    expect(vsOf(`  - {timeouts: {request: 10s}, backendRefs: [{name: v1, port: 8080}]}`)).toMatchObject({
      http: [{ timeout: '10s' }],
    });
    expect(
      vsOf(`  - {timeouts: {request: 10s, backendRequest: 2s}, backendRefs: [{name: v1, port: 8080}]}`),
    ).toMatchObject({ http: [{ timeout: '2s' }] });
    expect(
      vsOf(
        `  - {timeouts: {request: 10s, backendRequest: 2s}, retry: {attempts: 3, codes: [503]}, backendRefs: ` +
          `[{name: v1, port: 8080}]}`,
      ),
    ).toMatchObject({
      http: [
        {
          timeout: '10s',
          retries: {
            attempts: 3,
            perTryTimeout: '2s',
            retryOn: 'connect-failure,refused-stream,unavailable,cancelled,503',
          },
        },
      ],
    });
    expect(vsOf(`  - {timeouts: {request: 0s}, backendRefs: [{name: v1, port: 8080}]}`)?.['http']).toEqual([
      expect.not.objectContaining({ timeout: expect.anything() }),
    ]);
  });

  it('mirrors with the percentage from percent or fraction', () => {
    expect(
      vsOf(
        `  - filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: v2, port: 8080}, fraction: {numerator: 1, ` +
          `denominator: 4}}}
    backendRefs: [{name: v1, port: 8080}]`,
      ),
    ).toMatchObject({
      http: [{ mirrors: [{ destination: { host: 'v2.web.svc.cluster.local' }, percentage: { value: 25 } }] }],
    });
  });
});

describe('listeners on several ports (HTTPRouteListenerPortMatching)', () => {
  it('routes a request by the port it arrives on, through the route attached to that listener', () => {
    const text = doc(
      base,
      gateway(`  - {name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}
  - {name: alt, port: 8080, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}`),
      route(
        'main',
        'web',
        `  parentRefs: [{name: gw, namespace: infra, port: 80}]\n  rules: [{backendRefs: [{name: v1, port: 8080}]}]`,
      ),
      route(
        'alt',
        'web',
        `  parentRefs: [{name: gw, namespace: infra, sectionName: alt}]\n` +
          `  rules: [{backendRefs: [{name: v2, port: 8080}]}]`,
      ),
    );
    const analysis = analyze([{ name: 's.yaml', text }]);
    expect(analysis.model.services.find((s) => s.name === 'gw-istio')?.ports.map((p) => p.port)).toEqual([
      15021, 80, 8080,
    ]);
    expect(cluster(run(text, { to: 'http://a.example.com/' }))).toBe('outbound|8080||v1.web.svc.cluster.local');
    expect(cluster(run(text, { to: 'http://a.example.com:8080/' }))).toBe('outbound|8080||v2.web.svc.cluster.local');
  });
});
