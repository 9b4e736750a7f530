/**
 * Ambient scenarios after the expectations of Istio's ambient integration tests (tests/integration/ambient/
 * baseline_test.go), istiod's ambient index tests and istio.io's ambient tasks: which calls succeed, which are
 * refused and where, and which proxies a request passes through.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { callResult, doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
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
