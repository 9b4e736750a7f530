// Fidelity against Istio's self-call case "to localhost" (tests/integration/pilot/common/routing.go: selfCallsCases):
// localhost is answered by the pod's /etc/hosts, and a loopback connection is not redirected to the sidecar, so it
// reaches the pod's own application with no Envoy on the way (no X-Envoy-Attempt-Count).
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../index.ts';
import { doc, meshConfig, namespace, pod, service, traceSummary, factOf as fact } from '../testkit.ts';
import type { Simulation } from './facts.ts';
import { simulateRequest } from './trace.ts';

const app = (ns: string) =>
  pod('a', ns, { labels: { app: 'a' }, ip: '10.1.0.5', ports: [{ containerPort: 8080, name: 'http' }] });
const sidecarMesh = doc(
  namespace('echo', { 'istio-injection': 'enabled' }),
  app('echo'),
  // A Service named localhost in the pod's namespace: kube-dns would answer localhost.echo.svc.cluster.local, but the
  // resolver never asks it.
  service('localhost', 'echo', {
    clusterIP: '10.96.9.9',
    selector: { app: 'a' },
    ports: [{ port: 8080, name: 'http' }],
  }),
);
const dnsCaptureOn = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');

function simulate(text: string, request: TraceRequest): Simulation {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.simulation;
}

describe('a pod calling localhost (routing.go: "to localhost")', () => {
  for (const [name, text] of [
    ['DNS capture off', sidecarMesh],
    ['DNS capture on', doc(sidecarMesh, dnsCaptureOn)],
  ] as const)
    it(`${name}: /etc/hosts answers, the sidecar is bypassed and the application answers`, () => {
      const t = simulate(text, { from: 'echo/a', to: 'localhost', port: 8080, protocol: 'http' });
      expect(t.dns).toEqual({
        resolver: 'hosts-file',
        name: 'localhost',
        answers: ['127.0.0.1', '::1'],
        rcode: 'NOERROR',
      });
      expect(fact(t, 'dns')).toMatchObject({ by: 'lookup', resolver: 'hostsFile', queries: [] });
      expect(fact(t, 'capture')).toMatchObject({
        captured: false,
        address: '127.0.0.1',
        rule: { rule: 'localhost', address: '127.0.0.1' },
      });
      expect(t.hops).toEqual([]);
      expect({ outcome: t.outcome, status: t.status, flags: t.responseFlags }).toEqual({
        outcome: 'direct',
        status: 200,
        flags: '-',
      });
      expect(fact(t, 'outcome')?.end).toEqual({
        reason: 'DELIVERED',
        address: '127.0.0.1',
        port: 8080,
        to: { pod: 'echo/a', own: true },
        transport: 'plaintext',
      });
    });

  it('127.0.0.1, another loopback address and ::1 behave the same, with no lookup', () => {
    for (const to of ['127.0.0.1', '127.0.0.53', '::1']) {
      const t = traceSummary(sidecarMesh, { from: 'echo/a', to, port: 8080, protocol: 'http' });
      expect(t).toMatchObject({ outcome: 'direct', status: 200, end: 'DELIVERED', out: undefined, in: undefined });
    }
  });

  it("its own pod IP also ends in its own application, said as such (routing.go: 'to podIP')", () => {
    const t = simulate(sidecarMesh, { from: 'echo/a', to: '10.1.0.5', port: 8080, protocol: 'http' });
    expect(fact(t, 'capture')).toMatchObject({ rule: { rule: 'ownAddress', address: '10.1.0.5' } });
    expect(fact(t, 'outcome')?.end).toMatchObject({ reason: 'DELIVERED', to: { pod: 'echo/a', own: true } });
  });

  it('a port no container declares: the connection is refused, no Envoy is involved', () => {
    const t = simulate(sidecarMesh, { from: 'echo/a', to: 'localhost', port: 9090, protocol: 'http' });
    expect({ outcome: t.outcome, status: t.status, flags: t.responseFlags }).toEqual({
      outcome: 'no-listener',
      status: null,
      flags: '-',
    });
    expect(fact(t, 'outcome')?.end).toEqual({
      reason: 'LOOPBACK_REFUSED',
      pod: 'echo/a',
      address: '127.0.0.1',
      port: 9090,
      ports: [8080],
    });
  });

  it('without a sidecar, and in ambient mode, localhost is the pod itself too', () => {
    const plain = doc(namespace('echo'), app('echo'));
    const ambient = doc(namespace('echo', { 'istio.io/dataplane-mode': 'ambient' }), app('echo'));
    for (const text of [plain, ambient]) {
      const t = simulate(text, { from: 'echo/a', to: 'localhost', port: 8080, protocol: 'http' });
      expect(t.dns.resolver).toBe('hosts-file');
      expect(t.hops).toEqual([]);
      expect(fact(t, 'outcome')?.end).toMatchObject({ reason: 'DELIVERED', to: { pod: 'echo/a', own: true } });
    }
  });

  it('puts it in words: /etc/hosts, loopback not redirected, the own application or a refusal', () => {
    const analysis = analyze([{ name: 'scenario.yaml', text: sidecarMesh }]);
    const words = (port: number) => {
      const result = traceRequest(analysis, { from: 'echo/a', to: 'localhost', port, protocol: 'http' });
      if (!result.ok) throw new Error(result.reason);
      return result.trace.steps.map((s) => `${s.title}: ${s.detail}`);
    };
    const [dns, capture, end] = words(8080);
    expect(dns).toMatch(/^localhost → 127\.0\.0\.1, ::1: .*\/etc\/hosts.*neither kube-dns nor a DNS proxy/);
    expect(capture).toMatch(/127\.0\.0\.1 is a loopback address.*bypasses the sidecar/);
    expect(end).toMatch(/own pod echo\/a on 127\.0\.0\.1:8080 directly, over loopback/);
    expect(words(9090).at(-1)).toMatch(
      /no container of echo\/a declares port 9090 nor does a Service target it \(listening: 8080\).*refused/,
    );
  });
});
