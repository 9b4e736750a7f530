/**
 * Ambient scenarios after the expectations of Istio's ambient integration tests (tests/integration/ambient/
 * baseline_test.go), istiod's ambient index tests and istio.io's ambient tasks: which calls succeed, which are
 * refused and where, and which proxies a request passes through.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { callResult, doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { Simulation } from './facts.ts';

const AMBIENT = { 'istio.io/dataplane-mode': 'ambient' };

function waypoint(name: string, ns: string, labels: Record<string, string> = {}, extra = ''): string {
  const meta = Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}, labels: {${meta}}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE${extra}}]`;
}

/** Adds labels to the metadata of a manifest written by the testkit (its `metadata: {name: ...` line). */
function withLabels(manifest: string, labels: Record<string, string>): string {
  const flow = Object.entries(labels)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  return manifest.replace(/metadata: \{name: ([^,}]+), /, `metadata: {name: $1, labels: {${flow}}, `);
}

/**
 * An echo-like world: `b` (ambient, Service ports http 80→18080 and tcp 9090→19090) in `apps`, an ambient client `a`
 * there, an uncaptured client in `naked`, a sidecar client in `legacy`.
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
      { port: 80, name: 'http', targetPort: 18080 },
      { port: 9090, name: 'tcp', targetPort: 19090 },
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
      ports: [{ containerPort: 18080 }, { containerPort: 19090 }],
    }),
    pod('naked', 'naked', { labels: { app: 'naked' }, ip: '10.244.3.30', nodeName: 'node-a' }),
    pod('sc', 'legacy', { labels: { app: 'sc' }, ip: '10.244.4.40', serviceAccount: 'sc', nodeName: 'node-a' }),
    options.serviceLabels ? withLabels(svc, options.serviceLabels) : svc,
  ];
}

const http = (from: string): TraceRequest => ({ from, to: 'http://b.apps:80/' });
const tcp = (from: string): TraceRequest => ({ from, to: 'b.apps', port: 9090, protocol: 'tcp' });
const run = (text: string, request: TraceRequest) => simulateScenario(text, request);
const outcome = (t: Simulation) => callResult(t).outcome;
const path = (t: Simulation) => t.hops.map((h) => h.direction);
const deniedBy = (t: Simulation) => {
  const last = t.steps.at(-1)?.fact;
  return last?.kind === 'outcome' && last.end.reason === 'DENIED' ? last.end.by : undefined;
};

const pa = (name: string, ns: string, spec: string) => istio('PeerAuthentication', name, ns, spec);
const strictIn = (ns: string) => pa('strict', ns, 'mtls: {mode: STRICT}');

describe('PeerAuthentication at ztunnel (baseline_test.go: TestPeerAuthentication)', () => {
  it('PERMISSIVE: every client reaches an ambient workload, in or out of the mesh', () => {
    const text = doc(...world(), pa('global-permissive', 'apps', 'mtls: {mode: PERMISSIVE}'));
    for (const from of ['apps/a', 'naked/naked', 'legacy/sc']) expect(outcome(run(text, http(from)))).toBe('routed');
  });

  it('STRICT: ztunnel refuses plaintext from outside the mesh; ambient and sidecar clients (HBONE) pass', () => {
    const text = doc(...world(), strictIn('apps'));
    const naked = run(text, http('naked/naked'));
    expect([outcome(naked), naked.status, deniedBy(naked)]).toEqual(['denied', null, 'ztunnel']);
    expect(path(naked)).toEqual(['ztunnel-inbound']);
    expect(naked.steps.find((s) => s.fact.kind === 'authorization')?.fact).toMatchObject({
      allowed: false,
      mtlsRequired: true,
      reason: expect.stringContaining('PeerAuthentication apps/strict sets STRICT'),
    });
    expect(outcome(run(text, tcp('naked/naked')))).toBe('denied');
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
    expect(outcome(run(text, http('legacy/sc')))).toBe('routed');
  });

  it('a mesh-wide STRICT policy in the root namespace applies at ztunnel too', () => {
    const text = doc(...world(), strictIn('istio-system'));
    expect(outcome(run(text, http('naked/naked')))).toBe('denied');
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('a workload STRICT policy with PERMISSIVE ports: plaintext passes on those target ports only', () => {
    const text = doc(
      ...world(),
      pa(
        'global-strict',
        'apps',
        `selector: {matchLabels: {app: b}}
mtls: {mode: STRICT}
portLevelMtls:
  18080: {mode: PERMISSIVE}`,
      ),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
    expect(outcome(run(text, tcp('naked/naked')))).toBe('denied');
    expect(outcome(run(text, tcp('apps/a')))).toBe('routed');
  });

  it('mesh STRICT with a workload policy that only opens ports (mode unset): those ports accept plaintext', () => {
    const text = doc(
      ...world(),
      strictIn('istio-system'),
      pa(
        'local-port-override',
        'apps',
        `selector: {matchLabels: {app: b}}
portLevelMtls:
  18080: {mode: PERMISSIVE}
  19090: {mode: PERMISSIVE}`,
      ),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
    expect(outcome(run(text, tcp('naked/naked')))).toBe('routed');
  });

  it('mesh PERMISSIVE with a workload policy that makes ports STRICT: plaintext is refused there', () => {
    const text = doc(
      ...world(),
      pa('global-permissive', 'istio-system', 'mtls: {mode: PERMISSIVE}'),
      pa(
        'local-port-override',
        'apps',
        `selector: {matchLabels: {app: b}}
portLevelMtls:
  18080: {mode: STRICT}`,
      ),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('denied');
    expect(outcome(run(text, tcp('naked/naked')))).toBe('routed');
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('DISABLE is PERMISSIVE at ztunnel: plaintext passes, and ambient clients still use HBONE', () => {
    const text = doc(...world(), pa('off', 'apps', 'mtls: {mode: DISABLE}'));
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
    const a = run(text, http('apps/a'));
    expect(outcome(a)).toBe('routed');
    expect(path(a)).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
  });

  it('a workload DISABLE policy lifts a namespace STRICT at ztunnel', () => {
    const text = doc(
      ...world(),
      strictIn('apps'),
      pa('b-off', 'apps', 'selector: {matchLabels: {app: b}}\nmtls: {mode: DISABLE}'),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
  });

  it('namespace STRICT, a workload policy with a DISABLE port and no mode: the port stays STRICT at ztunnel', () => {
    const text = doc(
      ...world(),
      strictIn('apps'),
      pa('b-port-off', 'apps', 'selector: {matchLabels: {app: b}}\nportLevelMtls:\n  18080: {mode: DISABLE}'),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('denied');
  });

  it('a workload PERMISSIVE policy with a STRICT port: plaintext is refused on that port only', () => {
    const text = doc(
      ...world(),
      pa(
        'b-mixed',
        'apps',
        'selector: {matchLabels: {app: b}}\nmtls: {mode: PERMISSIVE}\nportLevelMtls:\n  19090: {mode: STRICT}',
      ),
    );
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
    expect(outcome(run(text, tcp('naked/naked')))).toBe('denied');
  });

  it('STRICT with a waypoint: an uncaptured client skips the waypoint and is refused by ztunnel', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps'),
      strictIn('apps'),
    );
    const naked = run(text, http('naked/naked'));
    expect([outcome(naked), deniedBy(naked)]).toEqual(['denied', 'ztunnel']);
    const a = run(text, http('apps/a'));
    expect(path(a)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(outcome(a)).toBe('routed');
  });

  it('a PeerAuthentication of another namespace does not reach the workload', () => {
    const text = doc(...world(), strictIn('naked'));
    expect(outcome(run(text, http('naked/naked')))).toBe('routed');
  });
});

const ap = (name: string, ns: string, spec: string) => istio('AuthorizationPolicy', name, ns, spec);
const withWaypoint = (nsLabels: Record<string, string> = {}) => [
  ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint', ...nsLabels } }),
  waypoint('waypoint', 'apps'),
];
const deniedAt = (t: Simulation) => [outcome(t), deniedBy(t)];

describe('layered authorization: waypoint, then the destination ztunnel (TestAuthorizationL4, DefaultDeny)', () => {
  const pair = (principals: string) => [
    ap(
      'policy-waypoint',
      'apps',
      `targetRefs: [{kind: Service, group: core, name: b}]\nrules: [{from: [{source: {principals: [${principals}]}}]}]`,
    ),
    ap(
      'policy',
      'apps',
      `selector: {matchLabels: {app: b}}\nrules: [{from: [{source: {principals: [${principals}]}}]}]`,
    ),
  ];
  const allowed = '"cluster.local/ns/apps/sa/a", "cluster.local/ns/apps/sa/waypoint"';

  it('allow the client (at the waypoint) and the waypoint (at ztunnel): a TCP call passes both', () => {
    const t = run(doc(...withWaypoint(), ...pair(allowed)), tcp('apps/a'));
    expect(path(t)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(outcome(t)).toBe('routed');
  });

  it('a policy naming someone else denies at the waypoint, before ztunnel', () => {
    const t = run(doc(...withWaypoint(), ...pair('"cluster.local/ns/something/sa/else"')), tcp('apps/a'));
    expect(deniedAt(t)).toEqual(['denied', 'waypoint']);
  });

  it('the destination ztunnel sees the waypoint, not the client: allowing only the client denies there', () => {
    const text = doc(
      ...withWaypoint(),
      ap(
        'policy',
        'apps',
        'selector: {matchLabels: {app: b}}\nrules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/a"]}}]}]',
      ),
    );
    expect(deniedAt(run(text, http('apps/a')))).toEqual(['denied', 'ztunnel']);
  });

  it('an uncaptured client skips the waypoint and has no identity: the selector policy denies it', () => {
    expect(deniedAt(run(doc(...withWaypoint(), ...pair(allowed)), tcp('naked/naked')))).toEqual(['denied', 'ztunnel']);
  });

  it('without a waypoint the selector policy sees the client itself; a sidecar client is another identity', () => {
    const text = doc(...world(), ...pair('"cluster.local/ns/apps/sa/a"'));
    expect(outcome(run(text, tcp('apps/a')))).toBe('routed');
    expect(deniedAt(run(text, tcp('legacy/sc')))).toEqual(['denied', 'ztunnel']);
  });

  const allowNothing = ap('allow-nothing', 'istio-system', '{}');
  it('allow-nothing in the root namespace: ztunnel denies what the waypoint lets through', () => {
    expect(deniedAt(run(doc(...withWaypoint(), allowNothing), http('apps/a')))).toEqual(['denied', 'ztunnel']);
  });

  const fromWaypoint = ap(
    'allow-from-waypoint',
    'apps',
    'action: ALLOW\nrules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/waypoint"]}}]}]',
  );
  it('allow-nothing plus an ALLOW for the waypoint identity: the waypoint does not enforce selector policies', () => {
    expect(outcome(run(doc(...withWaypoint(), allowNothing, fromWaypoint), http('apps/a')))).toBe('routed');
  });

  it('allow-nothing on the istio-waypoint GatewayClass: every waypoint denies (403)', () => {
    const waypointDeny = ap(
      'allow-nothing-waypoint',
      'istio-system',
      'targetRefs: [{group: gateway.networking.k8s.io, kind: GatewayClass, name: istio-waypoint}]',
    );
    const t = run(doc(...withWaypoint(), allowNothing, fromWaypoint, waypointDeny), http('apps/a'));
    expect([...deniedAt(t), t.status]).toEqual(['denied', 'waypoint', 403]);
  });

  it('a workload waypoint: the call to the pod IP goes through it, and ztunnel sees its identity', () => {
    const text = doc(
      ...world({ podLabels: { 'istio.io/use-waypoint': 'wl-waypoint' } }),
      waypoint('wl-waypoint', 'apps', { 'istio.io/waypoint-for': 'workload' }),
      allowNothing,
      ap(
        'allow-from-waypoint',
        'apps',
        'rules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/wl-waypoint"]}}]}]',
      ),
    );
    const t = run(text, { from: 'apps/a', to: '10.244.2.20', port: 18080, protocol: 'http' });
    expect(path(t)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(outcome(t)).toBe('routed');
  });

  it('a policy with only L4 attributes on the waypoint Gateway is enforced by the waypoint, for TCP too', () => {
    const l4 = ap(
      'l4-at-waypoint',
      'apps',
      'targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}]\n' +
        'action: DENY\nrules: [{from: [{source: {namespaces: ["apps"]}}]}]',
    );
    expect(deniedAt(run(doc(...withWaypoint(), l4), tcp('apps/a')))).toEqual(['denied', 'waypoint']);
    const h = run(doc(...withWaypoint(), l4), http('apps/a'));
    expect([...deniedAt(h), h.status]).toEqual(['denied', 'waypoint', 403]);
    expect(outcome(run(doc(...withWaypoint(), l4), tcp('legacy/sc')))).toBe('routed');
  });

  it('an L7 rule attached to the Service runs at the waypoint: 403 on the denied path, 200 elsewhere', () => {
    const l7 = ap(
      'deny-admin',
      'apps',
      'targetRefs: [{kind: Service, group: "", name: b}]\naction: DENY\n' +
        'rules: [{to: [{operation: {paths: ["/admin*"]}}]}]',
    );
    const denied = run(doc(...withWaypoint(), l7), { from: 'apps/a', to: 'http://b.apps:80/admin/x' });
    expect([...deniedAt(denied), denied.status]).toEqual(['denied', 'waypoint', 403]);
    expect(callResult(run(doc(...withWaypoint(), l7), http('apps/a')))).toMatchObject({
      outcome: 'routed',
      status: 200,
    });
  });
});

const toPod = (from: string): TraceRequest => ({ from, to: '10.244.2.20', port: 18080, protocol: 'http' });
const waypointOf = (t: Simulation) => {
  const step = t.steps.find((s) => s.fact.kind === 'waypoint')?.fact;
  return step?.kind === 'waypoint' ? step.waypoint : undefined;
};

describe('which traffic a waypoint takes (waypoints.go; istio.io docs/ambient/usage/waypoint)', () => {
  it('a namespace label binds Services to a service waypoint; the pod IP skips it', () => {
    const text = doc(...withWaypoint());
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
    const direct = run(text, toPod('apps/a'));
    expect([path(direct), outcome(direct)]).toEqual([['ztunnel-outbound', 'ztunnel-inbound'], 'routed']);
  });

  it("the Service's own label names another waypoint than its namespace's: the Service's wins", () => {
    const text = doc(
      ...world({
        nsLabels: { 'istio.io/use-waypoint': 'waypoint' },
        serviceLabels: { 'istio.io/use-waypoint': 'b-waypoint' },
      }),
      waypoint('waypoint', 'apps'),
      waypoint('b-waypoint', 'apps'),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/b-waypoint');
  });

  it('use-waypoint=none on the Service opts it out of its namespace waypoint', () => {
    const text = doc(
      ...world({
        nsLabels: { 'istio.io/use-waypoint': 'waypoint' },
        serviceLabels: { 'istio.io/use-waypoint': 'none' },
      }),
      waypoint('waypoint', 'apps'),
    );
    expect(path(run(text, http('apps/a')))).toEqual(['ztunnel-outbound', 'ztunnel-inbound']);
  });

  it('waypoint-for all: both the Service and the pod IP go through the namespace waypoint', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'all' }),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
    expect(waypointOf(run(text, toPod('apps/a')))).toBe('apps/waypoint');
  });

  it('waypoint-for none: nothing goes through it', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'none' }),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBeUndefined();
    expect(waypointOf(run(text, toPod('apps/a')))).toBeUndefined();
    expect(outcome(run(text, http('apps/a')))).toBe('routed');
  });

  it('waypoint-for workload on the namespace: a call to the Service still reaches the pod through it', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' } }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'workload' }),
    );
    expect(waypointOf(run(text, toPod('apps/a')))).toBe('apps/waypoint');
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
  });

  it('a pod labelled for a service waypoint: the label does not apply to workload traffic', () => {
    const text = doc(...world({ podLabels: { 'istio.io/use-waypoint': 'waypoint' } }), waypoint('waypoint', 'apps'));
    expect(waypointOf(run(text, toPod('apps/a')))).toBeUndefined();
    expect(waypointOf(run(text, http('apps/a')))).toBeUndefined();
  });

  it('a pod label wins over its namespace label for workload traffic', () => {
    const text = doc(
      ...world({
        nsLabels: { 'istio.io/use-waypoint': 'waypoint' },
        podLabels: { 'istio.io/use-waypoint': 'wl' },
      }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'all' }),
      waypoint('wl', 'apps', { 'istio.io/waypoint-for': 'workload' }),
    );
    expect(waypointOf(run(text, toPod('apps/a')))).toBe('apps/wl');
    expect(waypointOf(run(text, http('apps/a')))).toBe('apps/waypoint');
  });

  it('use-waypoint=none on a pod opts its pod IP out of a namespace waypoint for all', () => {
    const text = doc(
      ...world({ nsLabels: { 'istio.io/use-waypoint': 'waypoint' }, podLabels: { 'istio.io/use-waypoint': 'none' } }),
      waypoint('waypoint', 'apps', { 'istio.io/waypoint-for': 'all' }),
    );
    expect(waypointOf(run(text, toPod('apps/a')))).toBeUndefined();
  });

  it('use-waypoint-namespace: a waypoint of another namespace that admits All is used', () => {
    const text = doc(
      ...world({ serviceLabels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' } }),
      namespace('infra', AMBIENT),
      waypoint('shared', 'infra', {}, ', allowedRoutes: {namespaces: {from: All}}'),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual(['infra/shared', 'routed']);
  });

  it('use-waypoint-namespace to a waypoint that admits only its own namespace: bypassed', () => {
    const text = doc(
      ...world({ serviceLabels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' } }),
      namespace('infra', AMBIENT),
      waypoint('shared', 'infra'),
    );
    const t = run(text, http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual([undefined, 'routed']);
  });

  it('a waypoint admitting namespaces by selector takes a Service whose namespace matches', () => {
    const text = doc(
      ...world({
        nsLabels: { team: 'x' },
        serviceLabels: { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' },
      }),
      namespace('infra', AMBIENT),
      waypoint(
        'shared',
        'infra',
        {},
        ', allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {team: x}}}}',
      ),
    );
    expect(waypointOf(run(text, http('apps/a')))).toBe('infra/shared');
  });
});

describe('enrolment and interop (istio.io docs/ambient: sidecar and ambient, opting out)', () => {
  it('a pod labelled dataplane-mode=none in an ambient namespace is a plain client: no ztunnel on its way out', () => {
    const text = doc(
      ...world(),
      pod('b-out', 'apps', { labels: { app: 'out', 'istio.io/dataplane-mode': 'none' }, ip: '10.244.2.21' }),
      strictIn('apps'),
    );
    const t = run(text, http('apps/b-out'));
    expect(path(t)).toEqual(['ztunnel-inbound']);
    expect(outcome(t)).toBe('denied');
  });

  it('an opted-out server gets plaintext from ztunnel, and STRICT does not apply to it', () => {
    const text = doc(...world({ podLabels: { 'istio.io/dataplane-mode': 'none' } }), strictIn('apps'));
    const t = run(text, http('apps/a'));
    expect(path(t)).toEqual(['ztunnel-outbound']);
    expect(outcome(t)).toBe('routed');
  });

  it('a sidecar client reaches an ambient Service with a waypoint directly, skipping the waypoint', () => {
    const t = run(doc(...withWaypoint()), http('legacy/sc'));
    expect(waypointOf(t)).toBeUndefined();
    expect(path(t)).toEqual(['outbound', 'ztunnel-inbound']);
    expect(outcome(t)).toBe('routed');
  });

  const scService = service('sc', 'legacy', {
    ports: [{ port: 80, name: 'http', targetPort: 8080 }],
    selector: { app: 'sc' },
  });
  const toSidecar: TraceRequest = { from: 'apps/a', to: 'http://sc.legacy:80/' };
  const hboneTo = (t: Simulation) =>
    t.steps.flatMap((s) => (s.fact.kind === 'hbone' ? [s.fact.to] : [])).join(',') || 'none';

  it('an ambient client calls a sidecar injected under the ambient profile: HBONE to it, STRICT passes', () => {
    const t = run(doc(...world(), scService, strictIn('legacy')), toSidecar);
    expect(path(t)).toEqual(['ztunnel-outbound', 'inbound']);
    expect([hboneTo(t), outcome(t)]).toEqual(['sidecar', 'routed']);
  });

  it('a mesh config without ISTIO_META_ENABLE_HBONE: ztunnel sends plaintext, which a STRICT sidecar refuses', () => {
    const plain = doc(...world(), scService, meshConfig('trustDomain: cluster.local'));
    const t = run(plain, toSidecar);
    expect([hboneTo(t), outcome(t)]).toEqual(['none', 'routed']);
    expect(outcome(run(doc(plain, strictIn('legacy')), toSidecar))).not.toBe('routed');
    const hbone = meshConfig('defaultConfig:\n  proxyMetadata: {ISTIO_META_ENABLE_HBONE: "true"}');
    expect(hboneTo(run(doc(...world(), scService, hbone), toSidecar))).toBe('sidecar');
  });
});

describe('egress through a waypoint (istio.io docs/ambient: egress gateways with waypoints)', () => {
  const httpbinOrg = istio(
    'ServiceEntry',
    'httpbin.org',
    'istio-egress',
    `hosts: [httpbin.org]
ports: [{number: 80, name: http, protocol: HTTP}]
resolution: DNS`,
  );
  const egress = [
    namespace('default', AMBIENT),
    pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.11', serviceAccount: 'curl', nodeName: 'node-a' }),
    namespace('istio-egress', { 'istio.io/use-waypoint': 'waypoint' }),
    waypoint('waypoint', 'istio-egress'),
    httpbinOrg,
  ];
  const get: TraceRequest = { from: 'default/curl', to: 'http://httpbin.org/get' };

  it('a ServiceEntry in a namespace enrolled with a waypoint: the call to httpbin.org goes through it', () => {
    const t = run(doc(...egress), get);
    expect(path(t)).toEqual(['ztunnel-outbound', 'waypoint']);
    expect(waypointOf(t)).toBe('istio-egress/waypoint');
    expect(callResult(t)).toMatchObject({ status: 200 });
  });

  it('an AuthorizationPolicy attached to the ServiceEntry runs at the egress waypoint: 403 for other methods', () => {
    const onlyGet = ap(
      'httpbin-get-only',
      'istio-egress',
      `targetRefs: [{kind: ServiceEntry, group: networking.istio.io, name: httpbin.org}]
action: ALLOW
rules: [{to: [{operation: {methods: [GET]}}]}]`,
    );
    expect(callResult(run(doc(...egress, onlyGet), get))).toMatchObject({ status: 200 });
    const post = run(doc(...egress, onlyGet), { ...get, method: 'POST' });
    expect([...deniedAt(post), post.status]).toEqual(['denied', 'waypoint', 403]);
  });

  it('the ServiceEntry labelled itself, without the namespace label, also binds', () => {
    const labelled = withLabels(httpbinOrg, { 'istio.io/use-waypoint': 'waypoint' });
    const text = doc(
      namespace('default', AMBIENT),
      pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.11', nodeName: 'node-a' }),
      namespace('istio-egress'),
      waypoint('waypoint', 'istio-egress'),
      labelled,
    );
    expect(waypointOf(run(text, get))).toBe('istio-egress/waypoint');
  });

  it('without a waypoint, ztunnel sends the call to httpbin.org itself', () => {
    const text = doc(
      namespace('default', AMBIENT),
      pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.11', nodeName: 'node-a' }),
      namespace('istio-egress'),
      httpbinOrg,
    );
    const t = run(text, get);
    expect(path(t)).toEqual(['ztunnel-outbound']);
    expect(waypointOf(t)).toBeUndefined();
  });
});

describe('routes at a waypoint for TCP and TLS (GAMMA TCPRoute/TLSRoute on a Service)', () => {
  const v2 = [
    pod('b-v2', 'apps', {
      labels: { app: 'b-v2' },
      ip: '10.244.2.30',
      serviceAccount: 'b',
      nodeName: 'node-b',
      ports: [{ containerPort: 19090 }],
    }),
    service('b-v2', 'apps', {
      ports: [
        { port: 9090, name: 'tcp', targetPort: 19090 },
        { port: 443, name: 'tls', targetPort: 19443 },
      ],
      selector: { app: 'b-v2' },
      clusterIP: '10.96.0.30',
    }),
  ];
  const route = (kind: string, port: number) => `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: ${kind}
metadata: {name: to-v2, namespace: apps}
spec:
  parentRefs: [{group: "", kind: Service, name: b, port: ${port}}]
  rules: [{backendRefs: [{name: b-v2, port: ${port}}]}]`;

  it('a TCPRoute on the Service port sends the waypoint\u2019s TCP traffic to another backend', () => {
    const t = run(doc(...withWaypoint(), ...v2, route('TCPRoute', 9090)), tcp('apps/a'));
    expect(path(t)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(t.hops.at(-1)?.endpoint).toBe('10.244.2.30:19090');
  });

  it('a TLSRoute on the Service port: the waypoint passes the TLS connection to the backend it names', () => {
    const tlsService = service('secure', 'apps', {
      ports: [{ port: 443, name: 'tls', targetPort: 19443 }],
      selector: { app: 'b' },
      clusterIP: '10.96.0.40',
    });
    const tlsRoute = `apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: secure-to-v2, namespace: apps}
spec:
  parentRefs: [{group: "", kind: Service, name: secure, port: 443}]
  hostnames: [secure.apps.svc.cluster.local]
  rules: [{backendRefs: [{name: b-v2, port: 443}]}]`;
    const t = run(doc(...withWaypoint(), ...v2, tlsService, tlsRoute), {
      from: 'apps/a',
      to: 'secure.apps',
      port: 443,
      protocol: 'tls',
      sni: 'secure.apps.svc.cluster.local',
    });
    expect(path(t)).toEqual(['ztunnel-outbound', 'waypoint', 'ztunnel-inbound']);
    expect(t.hops.at(-1)?.endpoint).toBe('10.244.2.30:19443');
    // The waypoint honours a TLS rule only when its one SNI host is the Service's own name.
    const other = run(
      doc(
        ...withWaypoint(),
        ...v2,
        tlsService,
        tlsRoute.replace('[secure.apps.svc.cluster.local]', '[secure.example.com]'),
      ),
      {
        from: 'apps/a',
        to: 'secure.apps',
        port: 443,
        protocol: 'tls',
        sni: 'secure.example.com',
      },
    );
    expect(other.hops.at(-1)?.endpoint).toBe('10.244.2.20:19443');
  });
});

describe('canary waypoints (waypoint_canary_test.go; ambient/waypoints.go: buildWeightedWaypoints)', () => {
  const canaryWorld = (labels: Record<string, string>, weight: string | undefined) => {
    const svc = withLabels(
      service('b', 'apps', {
        ports: [{ port: 80, name: 'http', targetPort: 18080 }],
        selector: { app: 'b' },
        clusterIP: '10.96.0.20',
        annotations: weight === undefined ? {} : { 'istio.io/use-waypoint-canary-weight': weight },
      }),
      { 'istio.io/use-waypoint': 'weighted-primary', ...labels },
    );
    return doc(
      ...world().filter((m) => !m.includes('kind: Service\n')),
      svc,
      waypoint('weighted-primary', 'apps'),
      waypoint('weighted-canary', 'apps'),
    );
  };
  const choiceOf = (t: Simulation) => {
    const f = t.steps.find((s) => s.fact.kind === 'ztunnel' && s.fact.by === 'destination')?.fact;
    return f?.kind === 'ztunnel' && f.by === 'destination' ? f.waypoint : undefined;
  };

  it('a canary at weight 100 serves every connection, and it is programmed with the Service', () => {
    const t = run(canaryWorld({ 'istio.io/use-waypoint-canary': 'weighted-canary' }, '100'), http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual(['apps/weighted-canary', 'routed']);
    expect(choiceOf(t)?.canary).toMatchObject({ waypoint: 'apps/weighted-canary', weight: 100, problem: undefined });
  });

  it('at weight 10, or without the weight annotation (0%), the primary takes most connections', () => {
    const labels = { 'istio.io/use-waypoint-canary': 'weighted-canary' };
    expect(waypointOf(run(canaryWorld(labels, '10'), http('apps/a')))).toBe('apps/weighted-primary');
    expect(waypointOf(run(canaryWorld(labels, undefined), http('apps/a')))).toBe('apps/weighted-primary');
  });

  it('a canary naming a waypoint that does not exist falls back to the primary', () => {
    const t = run(canaryWorld({ 'istio.io/use-waypoint-canary': 'does-not-exist' }, '50'), http('apps/a'));
    expect([waypointOf(t), outcome(t)]).toEqual(['apps/weighted-primary', 'routed']);
    expect(choiceOf(t)?.canary?.problem).toContain('does not exist');
  });

  it('a weight that is not a percentage is ignored', () => {
    const t = run(canaryWorld({ 'istio.io/use-waypoint-canary': 'weighted-canary' }, '150'), http('apps/a'));
    expect(waypointOf(t)).toBe('apps/weighted-primary');
  });

  it('an ALLOW policy admitting only the canary identity at ztunnel: traffic through the canary passes', () => {
    const onlyCanary = ap(
      'only-canary',
      'apps',
      'selector: {matchLabels: {app: b}}\n' +
        'rules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/weighted-canary"]}}]}]',
    );
    const labels = { 'istio.io/use-waypoint-canary': 'weighted-canary' };
    expect(outcome(run(doc(canaryWorld(labels, '100'), onlyCanary), http('apps/a')))).toBe('routed');
    expect(outcome(run(doc(canaryWorld(labels, '0'), onlyCanary), http('apps/a')))).toBe('denied');
  });
});

describe("istio.io ambient getting started: secure and enforce L7 (bookinfo's productpage)", () => {
  const bookinfo = [
    namespace('default', AMBIENT),
    pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.1.5', serviceAccount: 'curl', nodeName: 'node-a' }),
    pod('notcurl', 'default', {
      labels: { app: 'notcurl' },
      ip: '10.244.1.6',
      serviceAccount: 'notcurl',
      nodeName: 'node-a',
    }),
    pod('productpage-v1', 'default', {
      labels: { app: 'productpage', version: 'v1' },
      ip: '10.244.2.7',
      serviceAccount: 'bookinfo-productpage',
      nodeName: 'node-b',
      ports: [{ containerPort: 9080 }],
    }),
    service('productpage', 'default', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'productpage' } }),
  ];
  const page = (from: string, method = 'GET'): TraceRequest => ({
    from,
    to: 'http://productpage:9080/productpage',
    method,
  });

  it('an L4 policy allowing only the ingress gateway: curl is refused by ztunnel (curl exit code 56)', () => {
    const viewer = ap(
      'productpage-viewer',
      'default',
      `selector: {matchLabels: {app: productpage}}
action: ALLOW
rules: [{from: [{source: {principals: ["cluster.local/ns/default/sa/bookinfo-gateway-istio"]}}]}]`,
    );
    const t = run(doc(...bookinfo, viewer), page('default/curl'));
    expect([outcome(t), t.status, deniedBy(t)]).toEqual(['denied', null, 'ztunnel']);
  });

  it('with a waypoint and the policy attached to the Service: DELETE and other callers get RBAC: access denied', () => {
    const enrolled = bookinfo.map((m) =>
      m.startsWith('apiVersion: v1\nkind: Namespace')
        ? namespace('default', { ...AMBIENT, 'istio.io/use-waypoint': 'waypoint' })
        : m,
    );
    const viewer = ap(
      'productpage-viewer',
      'default',
      `targetRefs: [{kind: Service, group: "", name: productpage}]
action: ALLOW
rules:
- from: [{source: {principals: [cluster.local/ns/default/sa/curl]}}]
  to: [{operation: {methods: [GET]}}]`,
    );
    const text = doc(...enrolled, waypoint('waypoint', 'default'), viewer);
    const del = run(text, page('default/curl', 'DELETE'));
    expect([...deniedAt(del), del.status]).toEqual(['denied', 'waypoint', 403]);
    const other = run(text, page('default/notcurl'));
    expect([...deniedAt(other), other.status]).toEqual(['denied', 'waypoint', 403]);
    expect(callResult(run(text, page('default/curl')))).toMatchObject({ outcome: 'routed', status: 200 });
  });
});

describe("PeerAuthentication conversion for ztunnel (ambient index testdata's peer-authn-* cases)", () => {
  const workload = (spec: string) => pa('workload', 'apps', `selector: {matchLabels: {app: b}}\n${spec}`);
  const naked = (text: string) => [outcome(run(text, http('naked/naked'))), outcome(run(text, tcp('naked/naked')))];

  it('mesh STRICT, workload without mode: a PERMISSIVE port opens, a STRICT port stays closed', () => {
    const text = doc(
      ...world(),
      strictIn('istio-system'),
      workload('portLevelMtls:\n  19090: {mode: PERMISSIVE}\n  18080: {mode: STRICT}'),
    );
    expect(naked(text)).toEqual(['denied', 'routed']);
  });

  it('workload STRICT with a DISABLE port: that port accepts plaintext', () => {
    expect(naked(doc(...world(), workload('mtls: {mode: STRICT}\nportLevelMtls:\n  19090: {mode: DISABLE}')))).toEqual([
      'denied',
      'routed',
    ]);
  });

  it('mesh PERMISSIVE, namespace UNSET, mixed workload ports: only the STRICT port refuses plaintext', () => {
    const text = doc(
      ...world(),
      pa('default-mesh', 'istio-system', 'mtls: {mode: PERMISSIVE}'),
      pa('default-apps', 'apps', 'mtls: {mode: UNSET}'),
      workload('portLevelMtls:\n  19090: {mode: STRICT}\n  18080: {mode: PERMISSIVE}'),
    );
    expect(naked(text)).toEqual(['routed', 'denied']);
  });

  it('mesh STRICT, namespace UNSET and a PERMISSIVE port: no STRICT policy is left at all', () => {
    const text = doc(
      ...world(),
      strictIn('istio-system'),
      pa('default-apps', 'apps', 'mtls: {mode: UNSET}'),
      workload('portLevelMtls:\n  18080: {mode: PERMISSIVE}'),
    );
    expect(naked(text)).toEqual(['routed', 'routed']);
    expect(naked(doc(...world(), strictIn('istio-system'), pa('default-apps', 'apps', 'mtls: {mode: UNSET}')))).toEqual(
      ['denied', 'denied'],
    );
  });

  it('namespace STRICT, workload PERMISSIVE: the workload wins at ztunnel', () => {
    const text = doc(...world(), strictIn('apps'), workload('mtls: {mode: PERMISSIVE}'));
    expect(naked(text)).toEqual(['routed', 'routed']);
  });

  it('a selector policy in the root namespace does not apply', () => {
    const text = doc(
      ...world(),
      pa('root-selector', 'istio-system', 'selector: {matchLabels: {app: b}}\nmtls: {mode: STRICT}'),
    );
    expect(naked(text)).toEqual(['routed', 'routed']);
  });
});

describe('an ingress gateway in front of ambient workloads (istio.io: ingress-use-waypoint)', () => {
  const gateway = `apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata:
      labels: {istio: ingressgateway, sidecar.istio.io/inject: "true"}
      annotations: {inject.istio.io/templates: gateway}
    spec:
      serviceAccountName: istio-ingressgateway
      containers: [{name: istio-proxy, image: auto, args: [proxy, router]}]`;
  const edge = [
    namespace('istio-system'),
    gateway,
    istio(
      'Gateway',
      'public',
      'apps',
      'selector: {istio: ingressgateway}\nservers:\n' +
        '- port: {number: 80, name: http, protocol: HTTP}\n  hosts: ["b.example.com"]',
    ),
    istio(
      'VirtualService',
      'public',
      'apps',
      'hosts: [b.example.com]\ngateways: [public]\n' + 'http:\n- route: [{destination: {host: b, port: {number: 80}}}]',
    ),
  ];
  const request: TraceRequest = { from: 'istio-system/istio-ingressgateway', to: 'http://b.example.com/' };
  const onlyWaypoint = ap(
    'only-waypoint',
    'apps',
    'selector: {matchLabels: {app: b}}\n' +
      'rules: [{from: [{source: {principals: ["cluster.local/ns/apps/sa/waypoint"]}}]}]',
  );

  it('STRICT at ztunnel: the gateway sends HBONE with its identity, so it passes', () => {
    const t = run(doc(...world(), ...edge, strictIn('apps')), request);
    expect([path(t), outcome(t)]).toEqual([['gateway', 'ztunnel-inbound'], 'routed']);
  });

  it('a policy admitting only the waypoint: the gateway, skipping the waypoint, is refused', () => {
    expect(deniedAt(run(doc(...withWaypoint(), ...edge, onlyWaypoint), request))).toEqual(['denied', 'ztunnel']);
  });

  it('with ingress-use-waypoint on the Service the gateway goes through the waypoint and is admitted', () => {
    const text = doc(
      ...world({
        nsLabels: { 'istio.io/use-waypoint': 'waypoint' },
        serviceLabels: { 'istio.io/ingress-use-waypoint': 'true' },
      }),
      waypoint('waypoint', 'apps'),
      ...edge,
      onlyWaypoint,
    );
    const t = run(text, request);
    expect([path(t), outcome(t)]).toEqual([['gateway', 'waypoint', 'ztunnel-inbound'], 'routed']);
  });
});
