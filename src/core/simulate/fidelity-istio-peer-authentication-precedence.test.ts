// Fidelity against Istio's PeerAuthentication precedence (pilot/pkg/model/authentication.go: addPeerAuthentication,
// getConfigsForWorkload; pilot/pkg/security/authn/policy_applier.go: composePeerAuthentication): the oldest
// namespace-wide and the oldest workload policy win, an empty selector is namespace-wide, a selector in the root
// namespace does not reach other namespaces, and UNSET inherits. A client without a sidecar shows the server's mode:
// 200 under PERMISSIVE, a failed connection under STRICT.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';

const OLD = '2020-01-01T00:00:00Z';
const NEW = '2021-01-01T00:00:00Z';
const base = doc(
  namespace('foo', { 'istio-injection': 'enabled' }),
  namespace('legacy'),
  namespace('istio-system'),
  pod('curl', 'legacy', { labels: { app: 'curl' }, ip: '10.1.0.9' }),
  pod('httpbin', 'foo', { labels: { app: 'httpbin' }, ip: '10.1.1.1' }),
  service('httpbin', 'foo', { ports: [{ port: 8000, name: 'http', targetPort: 80 }], selector: { app: 'httpbin' } }),
);
const pa = (name: string, ns: string, spec: string, time = OLD) =>
  istio('PeerAuthentication', name, ns, spec, `, creationTimestamp: "${time}"`);
const workload = 'selector: {matchLabels: {app: httpbin}}\n';
const fromLegacy = (...policies: string[]) => {
  const t = simulateScenario(doc(base, ...policies), { from: 'legacy/curl', to: 'http://httpbin.foo:8000/' });
  return t.outcome === 'direct' && t.status === 200 ? 'accepted' : t.outcome === 'mtls-failure' ? 'refused' : t.outcome;
};

describe('PeerAuthentication precedence', () => {
  it('two namespace-wide policies: the oldest wins', () => {
    expect(
      fromLegacy(pa('a', 'foo', 'mtls: {mode: STRICT}', OLD), pa('b', 'foo', 'mtls: {mode: PERMISSIVE}', NEW)),
    ).toBe('refused');
    expect(
      fromLegacy(pa('a', 'foo', 'mtls: {mode: STRICT}', NEW), pa('b', 'foo', 'mtls: {mode: PERMISSIVE}', OLD)),
    ).toBe('accepted');
  });
  it('two workload policies: the oldest wins', () => {
    expect(
      fromLegacy(
        pa('a', 'foo', `${workload}mtls: {mode: STRICT}`, OLD),
        pa('b', 'foo', `${workload}mtls: {mode: PERMISSIVE}`, NEW),
      ),
    ).toBe('refused');
    expect(
      fromLegacy(
        pa('a', 'foo', `${workload}mtls: {mode: STRICT}`, NEW),
        pa('b', 'foo', `${workload}mtls: {mode: PERMISSIVE}`, OLD),
      ),
    ).toBe('accepted');
  });
  it('two mesh-wide policies in the root namespace: the oldest wins', () => {
    expect(
      fromLegacy(
        pa('a', 'istio-system', 'mtls: {mode: STRICT}', OLD),
        pa('b', 'istio-system', 'mtls: {mode: PERMISSIVE}', NEW),
      ),
    ).toBe('refused');
  });
  it('a policy with a selector in the root namespace does not apply to workloads elsewhere', () => {
    expect(fromLegacy(pa('a', 'istio-system', `${workload}mtls: {mode: STRICT}`))).toBe('accepted');
  });
  it('an empty matchLabels is namespace-wide: the older namespace policy still wins', () => {
    expect(
      fromLegacy(
        pa('ns', 'foo', 'mtls: {mode: STRICT}', OLD),
        pa('w', 'foo', 'selector: {matchLabels: {}}\nmtls: {mode: PERMISSIVE}', NEW),
      ),
    ).toBe('refused');
  });
  it('a workload policy with UNSET, or without mtls, inherits the namespace STRICT', () => {
    expect(fromLegacy(pa('ns', 'foo', 'mtls: {mode: STRICT}'), pa('w', 'foo', `${workload}mtls: {mode: UNSET}`))).toBe(
      'refused',
    );
    expect(fromLegacy(pa('ns', 'foo', 'mtls: {mode: STRICT}'), pa('w', 'foo', workload.trim()))).toBe('refused');
  });
  it('a namespace policy without mtls inherits the mesh-wide STRICT', () => {
    expect(fromLegacy(pa('root', 'istio-system', 'mtls: {mode: STRICT}'), pa('ns', 'foo', '{}'))).toBe('refused');
  });
  it('a port-level PERMISSIVE under an UNSET workload policy and a STRICT namespace opens that port', () => {
    expect(
      fromLegacy(
        pa('ns', 'foo', 'mtls: {mode: STRICT}'),
        pa('w', 'foo', `${workload}portLevelMtls:\n  80: {mode: PERMISSIVE}`),
      ),
    ).toBe('accepted');
  });
});
