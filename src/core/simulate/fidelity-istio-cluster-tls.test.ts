// Fidelity against Istio's upstream TLS rules (pilot/pkg/networking/core/cluster_tls.go: buildUpstreamTLSSettings,
// applyUpstreamTLSSettings; pilot/pkg/networking/util/util.go: MergeSubsetTrafficPolicy; cluster_builder_test.go) and
// istio.io ops/configuration/traffic-management/tls-configuration: which side originates what for DISABLE, SIMPLE,
// ISTIO_MUTUAL and auto mTLS, with subsets and portLevelSettings, against PERMISSIVE, STRICT and DISABLE servers.
import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { Simulation } from './facts.ts';

const base = (serverSidecar = true) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('legacy'),
    namespace('istio-system'),
    service('web', 'default', {
      ports: [{ port: 80, name: 'http', targetPort: 8080 }],
      selector: { app: 'web' },
    }),
    pod('web-v1', 'default', {
      labels: { app: 'web', version: 'v1' },
      ip: '10.1.1.1',
      annotations: serverSidecar ? {} : { 'sidecar.istio.io/inject': 'false' },
    }),
    pod('client', 'default', { labels: { app: 'client' }, ip: '10.1.0.5' }),
    pod('client', 'legacy', { labels: { app: 'client' }, ip: '10.1.0.6' }),
  );
const dr = (spec: string) => istio('DestinationRule', 'web', 'default', `host: web\n${spec}`);
const pa = (spec: string, name = 'default', ns = 'default') => istio('PeerAuthentication', name, ns, spec);
const toV1 = istio(
  'VirtualService',
  'web',
  'default',
  'hosts: [web]\nhttp:\n- route: [{destination: {host: web, subset: v1}}]',
);

function run(text: string, from = 'default/client') {
  const t: Simulation = simulateScenario(text, { from, to: 'http://web.default:80/' });
  const cluster = t.steps.find((s) => s.fact.kind === 'cluster')?.fact;
  const end = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    flags: t.responseFlags,
    tls: cluster?.kind === 'cluster' && cluster.by === 'service' ? cluster.tls : undefined,
    end: end?.kind === 'outcome' ? end.end.reason : undefined,
    mtls: end?.kind === 'outcome' && end.end.reason === 'DELIVERED_TO_SIDECAR' ? end.end.mtls : undefined,
  };
}

describe('client TLS mode × server mTLS mode', () => {
  it('ISTIO_MUTUAL to a pod without a sidecar: the handshake fails (503 UF)', () => {
    expect(run(doc(base(false), dr('trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}')))).toMatchObject({
      outcome: 'mtls-failure',
      status: 503,
      flags: 'UF',
      end: 'PEER_WITHOUT_SIDECAR',
    });
  });
  it('DISABLE to a STRICT server: the server resets the plaintext connection (503 UC)', () => {
    expect(run(doc(base(), dr('trafficPolicy: {tls: {mode: DISABLE}}'), pa('mtls: {mode: STRICT}')))).toMatchObject({
      outcome: 'mtls-failure',
      status: 503,
      flags: 'UC',
    });
  });
  it('DISABLE to a PERMISSIVE server: plaintext, accepted', () => {
    expect(run(doc(base(), dr('trafficPolicy: {tls: {mode: DISABLE}}')))).toMatchObject({
      outcome: 'routed',
      mtls: false,
    });
  });
  it('SIMPLE (TLS origination) to an in-mesh HTTP port: no chain takes it, 503 UF', () => {
    expect(run(doc(base(), dr('trafficPolicy: {tls: {mode: SIMPLE}}')))).toMatchObject({
      outcome: 'mtls-failure',
      status: 503,
      flags: 'UF',
    });
    expect(run(doc(base(), dr('trafficPolicy: {tls: {mode: SIMPLE}}'), pa('mtls: {mode: STRICT}')))).toMatchObject({
      outcome: 'mtls-failure',
      flags: 'UF',
    });
  });
  it('no DestinationRule: auto mTLS to a sidecar, plaintext to a pod without one', () => {
    expect(run(doc(base()))).toMatchObject({ outcome: 'routed', mtls: true });
    expect(run(doc(base(false)))).toMatchObject({ outcome: 'routed', end: 'DELIVERED' });
  });
  it('a DestinationRule without tls keeps auto mTLS', () => {
    expect(
      run(doc(base(), dr('trafficPolicy: {loadBalancer: {simple: RANDOM}}'), pa('mtls: {mode: STRICT}'))),
    ).toMatchObject({
      outcome: 'routed',
      mtls: true,
    });
  });
  it('auto mTLS is off in the mesh config: plaintext, reset by a STRICT server', () => {
    const mesh = meshConfig('enableAutoMtls: false');
    expect(run(doc(base(), mesh, pa('mtls: {mode: STRICT}')))).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
    expect(run(doc(base(), mesh))).toMatchObject({ outcome: 'routed', mtls: false });
  });
});

describe('traffic policy precedence (util.go: MergeSubsetTrafficPolicy, GetPortLevelTrafficPolicy)', () => {
  it('a port-level entry replaces the top-level tls even when it sets none: auto mTLS on that port', () => {
    const text = doc(
      base(false),
      dr(`trafficPolicy:
  tls: {mode: ISTIO_MUTUAL}
  portLevelSettings:
  - port: {number: 80}
    loadBalancer: {simple: RANDOM}`),
    );
    expect(run(text)).toMatchObject({ outcome: 'routed', end: 'DELIVERED' });
  });
  it('a port-level tls wins over the top-level one', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr(`trafficPolicy:
  tls: {mode: ISTIO_MUTUAL}
  portLevelSettings:
  - port: {number: 80}
    tls: {mode: DISABLE}`),
    );
    expect(run(text)).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
  });
  it('a port-level entry for another port leaves the top-level tls in force', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr(`trafficPolicy:
  tls: {mode: DISABLE}
  portLevelSettings:
  - port: {number: 9999}
    tls: {mode: ISTIO_MUTUAL}`),
    );
    expect(run(text)).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
  });
  it('a subset inherits the top-level tls', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr('trafficPolicy: {tls: {mode: DISABLE}}\nsubsets:\n- name: v1\n  labels: {version: v1}'),
      toV1,
    );
    expect(run(text)).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
  });
  it("a subset's own tls overrides the top-level one", () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr(
        'trafficPolicy: {tls: {mode: DISABLE}}\nsubsets:\n- name: v1\n  labels: {version: v1}\n' +
          '  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}',
      ),
      toV1,
    );
    expect(run(text)).toMatchObject({ outcome: 'routed', mtls: true });
  });
  it('a subset policy that sets only a load balancer keeps the top-level tls', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr(
        'trafficPolicy: {tls: {mode: DISABLE}}\nsubsets:\n- name: v1\n  labels: {version: v1}\n' +
          '  trafficPolicy: {loadBalancer: {simple: RANDOM}}',
      ),
      toV1,
    );
    expect(run(text)).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
  });
  it("a subset's port-level entry replaces all four blocks: no tls there means auto mTLS", () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr(
        'trafficPolicy: {tls: {mode: DISABLE}}\nsubsets:\n- name: v1\n  labels: {version: v1}\n' +
          '  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n      loadBalancer: {simple: RANDOM}',
      ),
      toV1,
    );
    expect(run(text)).toMatchObject({ outcome: 'routed', mtls: true });
  });
  it('a subset DISABLE against a STRICT server fails only for the subset', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      dr('subsets:\n- name: v1\n  labels: {version: v1}\n  trafficPolicy: {tls: {mode: DISABLE}}'),
    );
    expect(run(text)).toMatchObject({ outcome: 'routed', mtls: true });
    expect(run(doc(text, toV1))).toMatchObject({ outcome: 'mtls-failure', flags: 'UC' });
  });
});

describe('auto mTLS follows PeerAuthentication (BestEffortInferServiceMTLSMode; endpoint tlsMode)', () => {
  it('a namespace PeerAuthentication DISABLE: the client sends plaintext', () => {
    expect(run(doc(base(), pa('mtls: {mode: DISABLE}')))).toMatchObject({ outcome: 'routed', mtls: false });
  });
  it('a workload PeerAuthentication DISABLE: its endpoints get plaintext too', () => {
    const text = doc(base(), pa('selector: {matchLabels: {app: web}}\nmtls: {mode: DISABLE}', 'web'));
    expect(run(text)).toMatchObject({ outcome: 'routed', mtls: false });
  });
  it('a workload port-level DISABLE under a STRICT namespace: plaintext on that port', () => {
    const text = doc(
      base(),
      pa('mtls: {mode: STRICT}'),
      pa('selector: {matchLabels: {app: web}}\nportLevelMtls:\n  8080: {mode: DISABLE}', 'web'),
    );
    expect(run(text)).toMatchObject({ outcome: 'routed', mtls: false });
    expect(run(text, 'legacy/client')).toMatchObject({ outcome: 'direct', status: 200 });
  });
  it('a workload port-level PERMISSIVE under STRICT admits a client without a sidecar on that port', () => {
    const text = doc(
      base(),
      pa(
        'selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  8080: {mode: PERMISSIVE}',
        'web',
      ),
    );
    expect(run(text, 'legacy/client')).toMatchObject({ outcome: 'direct', status: 200 });
  });
  it('portLevelMtls names the container port: the Service port 80 changes nothing', () => {
    const text = doc(
      base(),
      pa('selector: {matchLabels: {app: web}}\nmtls: {mode: STRICT}\nportLevelMtls:\n  80: {mode: PERMISSIVE}', 'web'),
    );
    expect(run(text, 'legacy/client')).toMatchObject({ outcome: 'mtls-failure', end: 'INBOUND_NO_FILTER_CHAIN' });
  });
  it('portLevelMtls without a selector is ignored', () => {
    const text = doc(base(), pa('mtls: {mode: STRICT}\nportLevelMtls:\n  8080: {mode: PERMISSIVE}'));
    expect(run(text, 'legacy/client')).toMatchObject({ outcome: 'mtls-failure' });
  });
  it('a namespace PERMISSIVE overrides a mesh-wide STRICT; UNSET inherits it', () => {
    const mesh = pa('mtls: {mode: STRICT}', 'default', 'istio-system');
    expect(run(doc(base(), mesh, pa('mtls: {mode: PERMISSIVE}')), 'legacy/client')).toMatchObject({
      outcome: 'direct',
      status: 200,
    });
    expect(run(doc(base(), mesh, pa('mtls: {mode: UNSET}')), 'legacy/client')).toMatchObject({
      outcome: 'mtls-failure',
    });
  });
});
