/**
 * Ambient scenarios, second pass: cases after istiod's ambient index (pilot/pkg/serviceregistry/ambient/waypoints.go,
 * services.go, authorization.go), the gateway endpoint builder (pilot/pkg/xds/endpoints/endpoint_builder.go) and
 * istio.io's ambient pages ("Configure waypoint proxies", "Use ingress gateways with ambient", L4/L7 policy) that
 * ambientFidelity.test.ts does not cover: which traffic a waypoint takes, ingress with and without
 * istio.io/ingress-use-waypoint, policies ztunnel enforces or leaves out, enrolment edge cases.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { callResult, doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { Simulation } from './facts.ts';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

const flow = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ')}}`;

function waypoint(name: string, ns: string, labels: Record<string, string> = {}, extra = '', status = ''): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}, labels: ${flow(labels)}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE${extra}}]${status}`;
}

const gatewayApi = (kind: string, name: string, ns: string, spec: string, labels: Record<string, string> = {}) =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: ${kind}\n` +
  `metadata: {name: ${name}, namespace: ${ns}, labels: ${flow(labels)}}\nspec:\n${spec}`;

/** Adds labels to the metadata of a manifest written by the testkit (its `metadata: {name: ...` line). */
function withLabels(manifest: string, labels: Record<string, string>): string {
  return manifest.replace(/metadata: \{name: ([^,}]+), /, `metadata: {name: $1, labels: ${flow(labels)}, `);
}

/**
 * `b` (ambient, Service ports http 80→8080 and tcp 9090→9090) in `apps` with an ambient client `a` there, an
 * uncaptured client in `naked`, a sidecar client in `legacy`.
 */
function world(
  options: {
    nsLabels?: Record<string, string>;
    serviceLabels?: Record<string, string>;
    podLabels?: Record<string, string>;
  } = {},
): string[] {
  const svc = service('b', 'apps', {
    ports: [
      { port: 80, name: 'http', targetPort: 8080 },
      { port: 9090, name: 'tcp', targetPort: 9090 },
    ],
    selector: { app: 'b' },
    clusterIP: '10.96.0.20',
  });
  return [
    namespace('apps', { ...AMBIENT, ...options.nsLabels }),
    namespace('naked'),
    namespace('legacy', { 'istio-injection': 'enabled' }),
    pod('a', 'apps', { labels: { app: 'a' }, ip: '10.244.1.10', serviceAccount: 'a', nodeName: 'node-a' }),
    pod('b-1', 'apps', {
      labels: { app: 'b', ...options.podLabels },
      ip: '10.244.2.20',
      serviceAccount: 'b',
      nodeName: 'node-b',
      ports: [{ containerPort: 8080 }, { containerPort: 9090 }],
    }),
    pod('naked', 'naked', { labels: { app: 'naked' }, ip: '10.244.3.30', nodeName: 'node-a' }),
    pod('sc', 'legacy', { labels: { app: 'sc' }, ip: '10.244.4.40', serviceAccount: 'sc', nodeName: 'node-a' }),
    options.serviceLabels ? withLabels(svc, options.serviceLabels) : svc,
  ];
}

const http = (from: string, path = '/'): TraceRequest => ({ from, to: `http://b.apps:80${path}` });
const tcp = (from: string): TraceRequest => ({ from, to: 'b.apps', port: 9090, protocol: 'tcp' });
const toPod = (from: string): TraceRequest => ({ from, to: '10.244.2.20', port: 8080, protocol: 'http' });
const run = (text: string, request: TraceRequest) => simulateScenario(text, request);
const outcome = (t: Simulation) => callResult(t).outcome;
const path = (t: Simulation) => t.hops.map((h) => h.direction);
const deniedBy = (t: Simulation) => {
  const last = t.steps.at(-1)?.fact;
  return last?.kind === 'outcome' && last.end.reason === 'DENIED' ? last.end.by : undefined;
};
const deniedAt = (t: Simulation) => [outcome(t), deniedBy(t)];
const waypointOf = (t: Simulation) => {
  const step = t.steps.find((s) => s.fact.kind === 'waypoint')?.fact;
  return step?.kind === 'waypoint' ? step.waypoint : undefined;
};
const bypassOf = (t: Simulation) => {
  const step = t.steps.find((s) => s.fact.kind === 'ztunnel' && s.fact.by === 'destination')?.fact;
  return step?.kind === 'ztunnel' && step.by === 'destination' ? step.waypoint?.bypass : undefined;
};
const ap = (name: string, ns: string, spec: string) => istio('AuthorizationPolicy', name, ns, spec);
const withWaypoint = (nsLabels: Record<string, string> = {}, serviceLabels?: Record<string, string>) => [
  ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint', ...nsLabels }, serviceLabels }),
  waypoint('waypoint', 'apps'),
];

describe('which traffic a waypoint takes: istio.io/waypoint-for (waypoints.go: gatewayToWaypointTransform)', () => {
  it('a waypoint-for value istiod does not know takes neither Service nor workload traffic', () => {
    const text = doc(
      ...world({ serviceLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'services' }),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), bypassOf(t), outcome(t)]).toEqual([undefined, 'unsupported-traffic-type', 'routed']);
    expect(path(t)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
  });

  it('the GatewayClass istio-waypoint labelled waypoint-for all: its Gateways take pod IP traffic too', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      gatewayApi('GatewayClass', 'istio-waypoint', '', '  controllerName: istio.io/mesh-controller', {
        'istio.io/waypoint-for': 'all',
      }).replace(', namespace: ,', ','),
      waypoint('waypoint', 'apps'),
    );
    expect(waypointOf(run(text, toPod('apps/a')))).toBe('apps/waypoint');
  });

  it("the Gateway's own waypoint-for wins over its GatewayClass's", () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      gatewayApi('GatewayClass', 'istio-waypoint', '', '  controllerName: istio.io/mesh-controller', {
        'istio.io/waypoint-for': 'all',
      }).replace(', namespace: ,', ','),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'service' }),
    );
    expect(waypointOf(run(text, toPod('apps/a')))).toBeUndefined();
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
  });

  it('a Service labelled for a workload waypoint is not bound: the call goes straight to the pod', () => {
    const text = doc(
      ...world({ serviceLabels: { 'istio.io/use-waypoint': 'wl' } }),
      waypoint('wl', 'apps', { 'istio.io/waypoint-for': 'workload' }),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), bypassOf(t)]).toEqual([undefined, 'unsupported-traffic-type']);
    expect(path(t)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
  });

  it('a Service waypoint and a workload waypoint: the Service VIP takes the Service one, the pod IP the other', () => {
    const text = doc(
      ...world({
        serviceLabels: { 'istio.io/use-waypoint': 'svc-wp' },
        podLabels: { 'istio.io/use-waypoint': 'wl-wp' },
      }),
      waypoint('svc-wp', 'apps'),
      waypoint('wl-wp', 'apps', { 'istio.io/waypoint-for': 'workload' }),
    );
    const viaService = run(text, http('apps/a'));
    expect([waypointOf(viaService), path(viaService)]).toEqual([
      'apps/svc-wp',
      ['ztunnel-outbound', 'waypoint', 'ztunnel-inbound'],
    ]);
    expect(waypointOf(run(text, toPod('apps/a')))).toBe('apps/wl-wp');
  });

  it('a namespace that names waypoint none: its Services have no waypoint', () => {
    const text = doc(...world({ nsLabels: { 'istio.io/use-waypoint': 'none' } }), waypoint('none', 'apps'));
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), path(t)]).toEqual([undefined, ['ztunnel-outbound', 'ztunnel-inbound']]);
  });

  it('use-waypoint-namespace on the namespace points its Services at a shared waypoint that admits them', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' } }),
      namespace('infra'),
      waypoint('shared', 'infra', {}, ', allowedRoutes: {namespaces: {from: All}}'),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual(['infra/shared', 'routed']);
  });

  it("use-waypoint-namespace on a Service without its own use-waypoint is ignored: the namespace's label rules", () => {
    const text = doc(
      ...world({
        nsLabels: { 'istio.io/use-waypoint': 'waypoint' },
        serviceLabels: { 'istio.io/use-waypoint-namespace': 'infra' },
      }),
      waypoint('waypoint', 'apps'),
      namespace('infra'),
      waypoint('waypoint', 'infra', {}, ', allowedRoutes: {namespaces: {from: All}}'),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
  });

  it('a waypoint whose status has no address (not programmed) is bypassed', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint(
        'waypoint',
        'apps',
        {},
        '',
        '\nstatus:\n  conditions: [{type: Programmed, status: "False", reason: Pending}]',
      ),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), bypassOf(t), outcome(t)]).toEqual([undefined, 'not-ready', 'routed']);
  });

  it('a programmed waypoint with an address in its status is used', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint(
        'waypoint',
        'apps',
        {},
        '',
        '\nstatus:\n  addresses: [{type: IPAddress, value: 10.96.0.99}]\n' +
          '  conditions: [{type: Programmed, status: "True"}]',
      ),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
  });

  it('a programmed waypoint whose pods are all not ready is still used: ztunnel finds no waypoint to send to', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps', {}, '', '\nstatus:\n  addresses: [{type: IPAddress, value: 10.96.0.99}]'),
      pod('waypoint-7d9c', 'apps', {
        labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
        ip: '10.244.9.9',
        ready: false,
        gateway: true,
      }),
    );
    const t = run(text, http('apps/a'));
    expect([outcome(t), t.status, path(t)]).toEqual(['no-healthy-upstream', null, ['ztunnel-outbound']]);
    expect(t.steps.at(-1)?.fact).toMatchObject({ end: { waypoint: 'apps/waypoint' } });
    // The pod IP is workload traffic, which a service waypoint does not take.
    expect(outcome(run(text, toPod('apps/a')))).toBe('routed');
  });

  it('a ServiceEntry labelled for a waypoint of another namespace that admits All: egress goes through it', () => {
    const text = doc(
      namespace('default', AMBIENT),
      pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.11', serviceAccount: 'curl', nodeName: 'n' }),
      namespace('egress'),
      waypoint('egress-wp', 'egress', {}, ', allowedRoutes: {namespaces: {from: All}}'),
      withLabels(
        istio(
          'ServiceEntry',
          'httpbin',
          'default',
          'hosts: [httpbin.org]\nports: [{number: 80, name: http, protocol: HTTP}]\nresolution: DNS',
        ),
        { 'istio.io/use-waypoint': 'egress-wp', 'istio.io/use-waypoint-namespace': 'egress' },
      ),
    );
    const t = run(text, { from: 'default/curl', to: 'http://httpbin.org/get' });
    expect([waypointOf(t), callResult(t).status]).toEqual(['egress/egress-wp', 200]);
  });
});

describe('ingress gateways and waypoints (services.go: ingressUseWaypointFromLabels; endpoint_builder.go)', () => {
  const edge = [
    namespace('infra'),
    gatewayApi(
      'Gateway',
      'gw',
      'infra',
      '  gatewayClassName: istio\n  listeners:\n  - {name: http, port: 80, protocol: HTTP, ' +
        'allowedRoutes: {namespaces: {from: All}}}',
    ),
    gatewayApi(
      'HTTPRoute',
      'b',
      'apps',
      '  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [b.example.com]\n' +
        '  rules:\n  - backendRefs: [{name: b, port: 80}]',
    ),
  ];
  const request = (p = '/'): TraceRequest => ({ from: 'infra/gw-istio', to: `http://b.example.com${p}` });
  const denyAdmin = ap(
    'deny-admin',
    'apps',
    'targetRefs: [{kind: Service, group: "", name: b}]\naction: DENY\n' +
      'rules: [{to: [{operation: {paths: ["/admin"]}}]}]',
  );

  it('the namespace label ingress-use-waypoint=true sends the Gateway API ingress through the waypoint', () => {
    const t = run(doc(...withWaypoint({ 'istio.io/ingress-use-waypoint': 'true' }), ...edge), request());
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([
      ['gateway', 'waypoint', 'ztunnel-inbound'],
      'apps/waypoint',
      'routed',
    ]);
  });

  it("the Service's ingress-use-waypoint=false wins over its namespace's true", () => {
    const text = doc(
      ...withWaypoint({ 'istio.io/ingress-use-waypoint': 'true' }, { 'istio.io/ingress-use-waypoint': 'false' }),
      ...edge,
    );
    const t = run(text, request());
    expect([path(t), waypointOf(t)]).toEqual([['gateway', 'ztunnel-inbound'], undefined]);
  });

  it('without the label an L7 policy attached to the Service is not enforced for ingress traffic', () => {
    const t = run(doc(...withWaypoint(), ...edge, denyAdmin), request('/admin'));
    expect(callResult(t)).toMatchObject({ outcome: 'routed', status: 200 });
  });

  it('with the label on the Service the waypoint enforces it: 403 on /admin, 200 elsewhere', () => {
    const text = doc(...withWaypoint({}, { 'istio.io/ingress-use-waypoint': 'true' }), ...edge, denyAdmin);
    const denied = run(text, request('/admin'));
    expect([...deniedAt(denied), denied.status]).toEqual(['denied', 'waypoint', 403]);
    expect(callResult(run(text, request('/')))).toMatchObject({ outcome: 'routed', status: 200 });
  });

  it('an ingress-use-waypoint value that is not a Go bool counts as false', () => {
    const t = run(doc(...withWaypoint({}, { 'istio.io/ingress-use-waypoint': 'yes' }), ...edge), request());
    expect(waypointOf(t)).toBeUndefined();
  });

  it('the gateway uses the waypoint whatever runs in the pods: a sidecar pod gets it from the waypoint', () => {
    const text = doc(
      namespace('apps', {
        'istio-injection': 'enabled',
        'istio.io/use-waypoint': 'waypoint',
        'istio.io/ingress-use-waypoint': 'true',
      }),
      pod('b-1', 'apps', { labels: { app: 'b' }, ip: '10.244.2.20', ports: [{ containerPort: 8080 }] }),
      service('b', 'apps', {
        ports: [{ port: 80, name: 'http', targetPort: 8080 }],
        selector: { app: 'b' },
        clusterIP: '10.96.0.20',
      }),
      waypoint('waypoint', 'apps'),
      ...edge,
    );
    const t = run(text, request());
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([
      ['gateway', 'waypoint', 'inbound'],
      'apps/waypoint',
      'routed',
    ]);
  });

  it('a headless Service has no address for the waypoint to match: the gateway goes to the pod directly', () => {
    const text = doc(
      namespace('apps', { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint', 'istio.io/ingress-use-waypoint': 'true' }),
      pod('b-1', 'apps', { labels: { app: 'b' }, ip: '10.244.2.20', ports: [{ containerPort: 8080 }] }),
      service('b', 'apps', {
        ports: [{ port: 80, name: 'http', targetPort: 8080 }],
        selector: { app: 'b' },
        clusterIP: 'None',
      }),
      waypoint('waypoint', 'apps'),
      ...edge,
    );
    const t = run(text, request());
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([['gateway', 'ztunnel-inbound'], undefined, 'routed']);
    expect(t.steps.find((s) => s.fact.kind === 'waypointBypass')?.fact).toMatchObject({ headless: true });
  });

  it('the label without any waypoint changes nothing: the gateway reaches the pod through its ztunnel', () => {
    const t = run(doc(...world({ serviceLabels: { 'istio.io/ingress-use-waypoint': 'true' } }), ...edge), request());
    expect([path(t), outcome(t)]).toEqual([['gateway', 'ztunnel-inbound'], 'routed']);
  });
});

describe('AuthorizationPolicy at ztunnel (ambient/authorization.go: convertAuthorizationPolicy, handleRule)', () => {
  const onB = (spec: string) => ap('p', 'apps', `selector: {matchLabels: {app: b}}\n${spec}`);

  it('a DENY rule with ports and methods keeps its ports at ztunnel: every call to that port is refused', () => {
    const text = doc(...world(), onB('action: DENY\nrules: [{to: [{operation: {ports: ["8080"], methods: [POST]}}]}]'));
    expect(deniedAt(run(text, http('apps/a')))).toEqual(['denied', 'ztunnel']);
    expect(outcome(run(text, tcp('apps/a')))).toBe('routed');
  });

  it('a DENY rule with a namespace and a path: the path part is left empty, so the rule never fires', () => {
    const text = doc(
      ...world(),
      onB('action: DENY\nrules: [{from: [{source: {namespaces: [apps]}}], to: [{operation: {paths: ["/x"]}}]}]'),
    );
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('a DENY rule with an L4 when key (source.namespace) fires at ztunnel', () => {
    const text = doc(...world(), onB('action: DENY\nrules: [{when: [{key: source.namespace, values: [apps]}]}]'));
    expect(deniedAt(run(text, tcp('apps/a')))).toEqual(['denied', 'ztunnel']);
    expect(outcome(run(text, tcp('legacy/sc')))).toBe('routed');
  });

  it('an ALLOW policy with an L4 rule and an L7 rule: the L4 rule still admits its callers', () => {
    const text = doc(
      ...world(),
      onB(
        'action: ALLOW\nrules:\n- from: [{source: {principals: ["cluster.local/ns/legacy/sa/sc"]}}]\n' +
          '- to: [{operation: {methods: [GET]}}]',
      ),
    );
    expect(outcome(run(text, http('legacy/sc')))).toBe('routed');
    expect(deniedAt(run(text, http('apps/a')))).toEqual(['denied', 'ztunnel']);
  });

  it('an ALLOW rule on requestPrincipals (JWT) admits nothing at ztunnel', () => {
    const text = doc(...world(), onB('rules: [{from: [{source: {requestPrincipals: ["*"]}}]}]'));
    expect(deniedAt(run(text, http('apps/a')))).toEqual(['denied', 'ztunnel']);
  });

  it('serviceAccounts in the policy namespace: the named account passes, another is refused', () => {
    const text = doc(...world(), onB('rules: [{from: [{source: {serviceAccounts: [a]}}]}]'));
    expect(outcome(run(text, tcp('apps/a')))).toBe('routed');
    expect(deniedAt(run(text, tcp('legacy/sc')))).toEqual(['denied', 'ztunnel']);
  });

  it('ports in an ALLOW rule are the pod port ztunnel sees, not the Service port', () => {
    const text = doc(...world(), onB('rules: [{to: [{operation: {ports: ["8080"]}}]}]'));
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
    expect(deniedAt(run(text, tcp('apps/a')))).toEqual(['denied', 'ztunnel']);
  });

  it('ipBlocks: ztunnel sees the client pod IP when no waypoint is in between', () => {
    const text = doc(...world(), onB('action: DENY\nrules: [{from: [{source: {ipBlocks: ["10.244.1.0/24"]}}]}]'));
    expect(deniedAt(run(text, tcp('apps/a')))).toEqual(['denied', 'ztunnel']);
    expect(outcome(run(text, tcp('legacy/sc')))).toBe('routed');
  });

  it('a CUSTOM policy is not sent to ztunnel: the call passes', () => {
    const text = doc(
      ...world(),
      onB('action: CUSTOM\nprovider: {name: ext-authz}\nrules: [{to: [{operation: {ports: ["8080"]}}]}]'),
    );
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('an AUDIT policy does not deny at ztunnel', () => {
    const text = doc(...world(), onB('action: AUDIT\nrules: [{}]'));
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('a policy with targetRefs is not for ztunnel: with no waypoint nothing enforces it', () => {
    const text = doc(
      ...world(),
      ap('deny-all-b', 'apps', 'targetRefs: [{kind: Service, group: "", name: b}]\naction: DENY\nrules: [{}]'),
    );
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('a namespace-wide ALLOW for the sidecar client: ztunnel admits it and refuses the ambient client', () => {
    const text = doc(...world(), ap('ns-allow', 'apps', 'rules: [{from: [{source: {namespaces: [legacy]}}]}]'));
    expect(outcome(run(text, tcp('legacy/sc')))).toBe('routed');
    expect(deniedAt(run(text, tcp('apps/a')))).toEqual(['denied', 'ztunnel']);
    expect(deniedAt(run(text, tcp('naked/naked')))).toEqual(['denied', 'ztunnel']);
  });
});

describe('policies at a waypoint (policyattachment.go: ShouldAttachPolicy)', () => {
  it('a selector policy that selects the waypoint pod is ignored by the waypoint', () => {
    const text = doc(
      ...withWaypoint(),
      ap(
        'deny-at-waypoint-pod',
        'apps',
        'selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: waypoint}}\naction: DENY\nrules: [{}]',
      ),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual(['apps/waypoint', 'routed']);
  });

  it('a policy naming the waypoint Gateway from another namespace does not attach', () => {
    const text = doc(
      ...withWaypoint(),
      namespace('other'),
      ap(
        'deny',
        'other',
        'targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]\naction: DENY\nrules: [{}]',
      ),
    );
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('a Service bound to a waypoint of another namespace: a policy on the Service in its namespace attaches', () => {
    const text = doc(
      ...world({ serviceLabels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' } }),
      namespace('infra'),
      waypoint('shared', 'infra', {}, ', allowedRoutes: {namespaces: {from: All}}'),
      ap(
        'get-only',
        'apps',
        'targetRefs: [{kind: Service, group: "", name: b}]\nrules: [{to: [{operation: {methods: [GET]}}]}]',
      ),
    );
    expect(callResult(run(text, http('apps/a')))).toMatchObject({ outcome: 'routed', status: 200 });
    const post = run(text, { ...http('apps/a'), method: 'POST' });
    expect([...deniedAt(post), post.status]).toEqual(['denied', 'waypoint', 403]);
  });

  it('an ALLOW with targetRefs to the Service admits TCP by principal at the waypoint', () => {
    const text = doc(
      ...withWaypoint(),
      ap(
        'only-sc',
        'apps',
        'targetRefs: [{kind: Service, group: "", name: b}]\n' +
          'rules: [{from: [{source: {principals: ["cluster.local/ns/legacy/sa/sc"]}}]}]',
      ),
    );
    expect(deniedAt(run(text, tcp('apps/a')))).toEqual(['denied', 'waypoint']);
  });
});

describe('enrolment edge cases (cni enablement selector; ztunnel endpoints)', () => {
  it('a host-network pod in an ambient namespace is not captured: STRICT refuses its plaintext', () => {
    const hostNet = pod('hn', 'apps', { labels: { app: 'hn' }, ip: '192.168.0.5', nodeName: 'node-a' }).replace(
      '  serviceAccountName',
      '  hostNetwork: true\n  dnsPolicy: ClusterFirstWithHostNet\n  serviceAccountName',
    );
    const text = doc(...world(), hostNet, istio('PeerAuthentication', 'strict', 'apps', 'mtls: {mode: STRICT}'));
    const t = run(text, http('apps/hn'));
    expect([path(t), ...deniedAt(t)]).toEqual([['ztunnel-inbound'], 'denied', 'ztunnel']);
  });

  it('a pod labelled ambient in a namespace without the label is captured', () => {
    const text = doc(
      ...world(),
      pod('solo', 'naked', { labels: { app: 'solo', ...AMBIENT }, ip: '10.244.3.31', nodeName: 'node-a' }),
      istio('PeerAuthentication', 'strict', 'apps', 'mtls: {mode: STRICT}'),
    );
    const t = run(text, http('naked/solo'));
    expect([path(t), outcome(t)]).toEqual([['ztunnel-outbound', 'ztunnel-inbound'], 'routed']);
  });

  it('a namespace with both istio-injection and ambient: the sidecar wins, its calls leave through it', () => {
    const text = doc(
      ...world(),
      namespace('both', { 'istio-injection': 'enabled', ...AMBIENT }),
      pod('x', 'both', { labels: { app: 'x' }, ip: '10.244.5.50', serviceAccount: 'x', nodeName: 'node-a' }),
    );
    expect(path(run(text, http('both/x')))).toEqual(['outbound', 'ztunnel-inbound']);
  });

  it('a pod that is not ready is not an endpoint ztunnel picks: the ready one is', () => {
    const text = doc(
      ...world(),
      pod('b-0', 'apps', {
        labels: { app: 'b' },
        ip: '10.244.2.19',
        serviceAccount: 'b',
        nodeName: 'node-b',
        ready: false,
        ports: [{ containerPort: 8080 }],
      }),
    );
    const t = run(text, http('apps/a'));
    expect(t.hops.at(-1)?.endpoint).toBe('10.244.2.20:8080');
  });

  it('no ready pod behind the Service: ztunnel has no endpoint to send to', () => {
    const text = doc(
      ...world().filter((m) => !m.includes('name: b-1,')),
      pod('b-1', 'apps', { labels: { app: 'b' }, ip: '10.244.2.20', ready: false, nodeName: 'node-b' }),
    );
    expect(outcome(run(text, http('apps/a')))).not.toBe('routed');
  });

  it("internalTrafficPolicy Local: ztunnel sends only to an endpoint on the client's node", () => {
    const local = (clientNode: string) =>
      doc(
        namespace('apps', AMBIENT),
        pod('a', 'apps', { labels: { app: 'a' }, ip: '10.244.1.10', nodeName: clientNode }),
        pod('b-1', 'apps', {
          labels: { app: 'b' },
          ip: '10.244.2.20',
          nodeName: 'node-b',
          ports: [{ containerPort: 8080 }],
        }),
        service('b', 'apps', {
          ports: [{ port: 80, name: 'http', targetPort: 8080 }],
          selector: { app: 'b' },
          clusterIP: '10.96.0.20',
          internalTrafficPolicy: 'Local',
        }),
      );
    const far = run(local('node-a'), http('apps/a'));
    expect([outcome(far), path(far)]).toEqual(['no-healthy-upstream', ['ztunnel-outbound']]);
    expect(far.steps.at(-1)?.fact).toMatchObject({ end: { by: 'ztunnel', nodeLocal: true } });
    expect(outcome(run(local('node-b'), http('apps/a')))).toBe('routed');
  });

  it('a sidecar client skips the waypoint even when the Service asks ingress to use it', () => {
    const t = run(doc(...withWaypoint({}, { 'istio.io/ingress-use-waypoint': 'true' })), http('legacy/sc'));
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([['outbound', 'ztunnel-inbound'], undefined, 'routed']);
  });

  it('an ambient client calls a sidecar Service bound to a waypoint: through it, then HBONE to the sidecar', () => {
    const text = doc(
      ...world(),
      withLabels(
        service('sc', 'legacy', { ports: [{ port: 80, name: 'http', targetPort: 8080 }], selector: { app: 'sc' } }),
        { 'istio.io/use-waypoint': 'wp' },
      ),
      waypoint('wp', 'legacy'),
    );
    const t = run(text, { from: 'apps/a', to: 'http://sc.legacy:80/' });
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([
      ['ztunnel-outbound', 'waypoint', 'inbound'],
      'legacy/wp',
      'routed',
    ]);
  });
});

describe('egress through a waypoint with TLS origination (istio.io ambient egress; cluster_waypoint.go)', () => {
  const se = (labels: Record<string, string>) =>
    withLabels(
      istio(
        'ServiceEntry',
        'httpbin.org',
        'istio-egress',
        'hosts: [httpbin.org]\nports: [{number: 80, name: http, protocol: HTTP, targetPort: 443}]\nresolution: DNS',
      ),
      labels,
    );
  const tlsRule = istio(
    'DestinationRule',
    'httpbin.org-tls',
    'istio-egress',
    'host: httpbin.org\ntrafficPolicy:\n  tls: {mode: SIMPLE}',
  );
  const egress = (labels: Record<string, string>) => [
    namespace('default', AMBIENT),
    pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.11', serviceAccount: 'curl', nodeName: 'n' }),
    namespace('istio-egress'),
    waypoint('waypoint', 'istio-egress'),
    se(labels),
    tlsRule,
  ];
  const get: TraceRequest = { from: 'default/curl', to: 'http://httpbin.org/get' };
  const end = (t: Simulation) => {
    const last = t.steps.at(-1)?.fact;
    return last?.kind === 'outcome' ? last.end : undefined;
  };

  it('plain HTTP on port 80 leaves the waypoint as TLS to httpbin.org:443 (DestinationRule SIMPLE)', () => {
    const t = run(doc(...egress({ 'istio.io/use-waypoint': 'waypoint' })), get);
    expect([path(t), callResult(t).status]).toEqual([['ztunnel-outbound', 'waypoint'], 200]);
    expect(t.hops.at(-1)?.endpoint).toBe('httpbin.org:443');
    expect(end(t)).toMatchObject({ reason: 'DELIVERED', port: 443, transport: 'tls' });
    const endpoint = t.steps.find((s) => s.fact.kind === 'endpoint')?.fact;
    expect(endpoint).toMatchObject({ transport: 'tls' });
  });

  it('without the waypoint, ztunnel does not read the DestinationRule: plaintext to port 443', () => {
    const t = run(doc(...egress({})), get);
    expect(path(t)).toEqual(['ztunnel-outbound']);
    expect(end(t)).toMatchObject({ port: 443, transport: 'plaintext' });
  });

  it('a waypoint in front of pods outside the mesh sends them plaintext itself, not HBONE', () => {
    const text = doc(
      namespace('apps', { 'istio.io/use-waypoint': 'waypoint' }),
      namespace('c', AMBIENT),
      pod('a', 'c', { labels: { app: 'a' }, ip: '10.244.1.10', nodeName: 'n1' }),
      pod('b-1', 'apps', { labels: { app: 'b' }, ip: '10.244.2.20', nodeName: 'n2', ports: [{ containerPort: 8080 }] }),
      service('b', 'apps', {
        ports: [{ port: 80, name: 'http', targetPort: 8080 }],
        selector: { app: 'b' },
        clusterIP: '10.96.0.20',
      }),
      waypoint('waypoint', 'apps'),
    );
    const t = run(text, { from: 'c/a', to: 'http://b.apps/' });
    expect([path(t), outcome(t)]).toEqual([['ztunnel-outbound', 'waypoint'], 'routed']);
    expect(end(t)).toMatchObject({ to: { pod: 'apps/b-1' }, transport: 'plaintext' });
    expect(t.steps.find((s) => s.fact.kind === 'endpoint')?.fact).toMatchObject({ transport: 'plaintext' });
  });
});

describe('ambient client to a sidecar server: the identity the sidecar sees (workloads.go: setTunnelProtocol)', () => {
  const legacy = [
    namespace('apps', AMBIENT),
    pod('a', 'apps', { labels: { app: 'a' }, ip: '10.244.1.10', serviceAccount: 'a' }),
    namespace('legacy', { 'istio-injection': 'enabled' }),
    pod('sc', 'legacy', { labels: { app: 'sc' }, ip: '10.244.4.40', ports: [{ containerPort: 8080 }] }),
    service('sc', 'legacy', { ports: [{ port: 80, name: 'http', targetPort: 8080 }], selector: { app: 'sc' } }),
    ap(
      'only-a',
      'legacy',
      'selector: {matchLabels: {app: sc}}\nrules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/a"]}}]}]',
    ),
  ];
  const call: TraceRequest = { from: 'apps/a', to: 'http://sc.legacy/' };

  it("over HBONE the sidecar sees the ambient client's identity: its ALLOW policy admits it", () => {
    const t = run(doc(...legacy), call);
    expect([path(t), outcome(t)]).toEqual([['ztunnel-outbound', 'inbound'], 'routed']);
  });

  it('without HBONE (mesh config without ISTIO_META_ENABLE_HBONE) there is no identity: 403 at the sidecar', () => {
    const t = run(doc(...legacy, meshConfig('trustDomain: cluster.local')), call);
    expect([outcome(t), t.status]).toEqual(['denied', 403]);
  });
});

describe('JWT at a waypoint (listener_waypoint.go: buildWaypointHTTPFilters; istio.io ambient L7 features)', () => {
  const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const issuer = 'testing@secure.istio.io';
  const token = `${segment({ alg: 'RS256' })}.${segment({ iss: issuer, sub: issuer })}.sig`;
  const jwtRule = 'jwtRules: [{issuer: testing@secure.istio.io, jwksUri: "https://example.com/jwks.json"}]';
  const onService = 'targetRefs: [{kind: Service, group: "", name: b}]';
  const requireJwt = ap('require-jwt', 'apps', `${onService}\nrules: [{from: [{source: {requestPrincipals: ["*"]}}]}]`);
  const withToken = (value: string): TraceRequest => ({
    ...http('apps/a'),
    headers: { authorization: `Bearer ${value}` },
  });

  it('RequestAuthentication and a requestPrincipals rule attached to the Service: no token 403, a token 200', () => {
    const text = doc(
      ...withWaypoint(),
      istio('RequestAuthentication', 'jwt', 'apps', `${onService}\n${jwtRule}`),
      requireJwt,
    );
    const none = run(text, http('apps/a'));
    expect([...deniedAt(none), none.status]).toEqual(['denied', 'waypoint', 403]);
    expect(callResult(run(text, withToken(token)))).toMatchObject({ outcome: 'routed', status: 200 });
  });

  it('a malformed token is rejected by the waypoint with 401', () => {
    const text = doc(...withWaypoint(), istio('RequestAuthentication', 'jwt', 'apps', `${onService}\n${jwtRule}`));
    const t = run(text, withToken('not-a-jwt'));
    expect([outcome(t), t.status, path(t)]).toEqual(['denied', 401, ['ztunnel-outbound', 'waypoint']]);
  });

  it('a RequestAuthentication with a selector does nothing in ambient: ztunnel and the waypoint ignore it', () => {
    const text = doc(
      ...withWaypoint(),
      istio('RequestAuthentication', 'jwt', 'apps', `selector: {matchLabels: {app: b}}\n${jwtRule}`),
    );
    expect(callResult(run(text, withToken('not-a-jwt')))).toMatchObject({ outcome: 'routed', status: 200 });
  });
});

describe('a waypoint as egress gateway for a resolution NONE ServiceEntry (TestWaypointAsEgressGateway)', () => {
  const egressWaypoint = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: egress-gateway, namespace: egress}
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - name: mesh
    port: 15008
    protocol: HBONE
    allowedRoutes:
      namespaces:
        from: Selector
        selector: {matchLabels: {kubernetes.io/metadata.name: apps}}`;
  const entry = (labels: Record<string, string>) =>
    withLabels(
      istio(
        'ServiceEntry',
        'external-resolution-none',
        'apps',
        'hosts: [fake-passthrough.example.com]\nports: [{name: http, number: 8080, protocol: HTTP}]\n' +
          'resolution: NONE\nlocation: MESH_EXTERNAL\naddresses: [203.0.113.10]',
      ),
      labels,
    );
  const scene = (labels: Record<string, string>) =>
    doc(
      namespace('apps', AMBIENT),
      pod('a', 'apps', { labels: { app: 'a' }, ip: '10.244.1.10', serviceAccount: 'a' }),
      namespace('egress'),
      egressWaypoint,
      entry(labels),
    );
  const call: TraceRequest = {
    from: 'apps/a',
    to: '203.0.113.10',
    port: 8080,
    protocol: 'http',
    headers: { host: 'fake-passthrough.example.com' },
  };
  const end = (t: Simulation) => {
    const last = t.steps.at(-1)?.fact;
    return last?.kind === 'outcome' ? last.end : undefined;
  };

  it('allowedRoutes selecting kubernetes.io/metadata.name admits the namespace: the call takes the waypoint', () => {
    const t = run(
      scene({ 'istio.io/use-waypoint': 'egress-gateway', 'istio.io/use-waypoint-namespace': 'egress' }),
      call,
    );
    expect([path(t), waypointOf(t), outcome(t)]).toEqual([
      ['ztunnel-outbound', 'waypoint'],
      'egress/egress-gateway',
      'routed',
    ]);
    expect(end(t)).toMatchObject({ address: '203.0.113.10', port: 8080 });
  });

  it('without the labels ztunnel passes the connection through to the address dialled (PASSTHROUGH)', () => {
    const t = run(scene({}), call);
    expect([path(t), outcome(t)]).toEqual([['ztunnel-outbound'], 'routed']);
    expect(end(t)).toMatchObject({ reason: 'DELIVERED', address: '203.0.113.10', port: 8080 });
  });
});

describe('deny-all on the waypoint Gateway: who passes through it (waypoint_test.go: TestIngressToWaypoint)', () => {
  const denyAll = ap(
    'deny-all-waypoint',
    'apps',
    'targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]',
  );
  const allWaypoint = (extra: Record<string, string> = {}) => [
    ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint', ...extra } }),
    waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'all' }),
    denyAll,
  ];

  it('a sidecar client skips the waypoint for the Service and for the pod IP: both succeed', () => {
    expect(outcome(run(doc(...allWaypoint()), http('legacy/sc')))).toBe('routed');
    expect(outcome(run(doc(...allWaypoint()), toPod('legacy/sc')))).toBe('routed');
  });

  it('an ambient client is denied by the waypoint for the Service and for the pod IP', () => {
    const service = run(doc(...allWaypoint()), http('apps/a'));
    expect([...deniedAt(service), service.status]).toEqual(['denied', 'waypoint', 403]);
    expect(deniedAt(run(doc(...allWaypoint()), toPod('apps/a')))).toEqual(['denied', 'waypoint']);
  });
});

describe('remoteIpBlocks at a waypoint (core/listener_waypoint.go: UseRemoteAddress false)', () => {
  const allowFrom = (source: string) =>
    ap(
      'allow-from',
      'apps',
      `targetRefs: [{kind: Service, group: "", name: b}]\nrules: [{from: [{source: ${source}}]}]`,
    );
  const withXff = (xff?: string): TraceRequest => ({
    ...http('apps/a'),
    ...(xff ? { headers: { 'x-forwarded-for': xff } } : {}),
  });

  it('the last X-Forwarded-For entry is the client remoteIpBlocks checks; without one, the peer address', () => {
    const text = doc(...withWaypoint(), allowFrom('{remoteIpBlocks: ["203.0.113.7"]}'));
    const forwarded = run(text, withXff('198.51.100.1, 203.0.113.7'));
    expect([waypointOf(forwarded), callResult(forwarded).status]).toEqual(['apps/waypoint', 200]);
    expect(callResult(run(text, withXff('203.0.113.7, 198.51.100.1'))).status).toBe(403);
    expect(callResult(run(text, withXff())).status).toBe(403);
  });

  it('ipBlocks still checks the peer address, whatever X-Forwarded-For says', () => {
    const text = doc(...withWaypoint(), allowFrom('{ipBlocks: ["203.0.113.7"]}'));
    expect(callResult(run(text, withXff('203.0.113.7'))).status).toBe(403);
  });
});
