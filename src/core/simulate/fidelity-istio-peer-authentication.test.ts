// Fidelity against Istio's own tests: PeerAuthentication with port-level modes, on ports a Service declares and on
// ports it does not, with and without a Sidecar's ingress listeners
// (pilot/pkg/networking/core/peer_authentication_simulation_test.go). Plaintext comes from a pod without a sidecar,
// mTLS from a meshed pod through the Service, with a DestinationRule that asks for it whatever the port's mode.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, traceSummary, type ServicePortSpec } from '../testkit.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('outside'),
  namespace('istio-system'),
  pod('foo', 'default', { labels: { app: 'foo' }, ip: '1.1.1.1' }),
  pod('meshed', 'default', { labels: { app: 'meshed' }, ip: '10.1.0.5' }),
  pod('plain', 'outside', { labels: { app: 'plain' }, ip: '10.1.0.6' }),
  istio('DestinationRule', 'foo', 'default', 'host: foo\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}'),
);
const pa = (mode: string, port?: { number: number; mode: string }) =>
  istio(
    'PeerAuthentication',
    'default',
    'default',
    `selector: {matchLabels: {app: foo}}\nmtls: {mode: ${mode}}` +
      (port ? `\nportLevelMtls: {"${port.number}": {mode: ${port.mode}}}` : ''),
  );
const fooService = (ports: ServicePortSpec[]) =>
  service('foo', 'default', { clusterIP: '10.96.3.3', selector: { app: 'foo' }, ports });

type Sent = 'plaintext' | 'mtls';
/** A call: the port, what is sent, and the inbound cluster Istio reaches (or `fail`). */
type Call = [number, Sent, string];

function check(text: string, protocol: 'http' | 'tcp', [port, sent, want]: Call) {
  // mTLS needs a client sidecar, so it goes through the Service; plaintext goes straight to the pod.
  const t =
    sent === 'mtls'
      ? traceSummary(text, { from: 'default/meshed', to: 'foo', port, protocol })
      : traceSummary(text, { from: 'outside/plain', to: '1.1.1.1', port, protocol });
  if (want === 'fail') expect(t.in?.cluster).toBeUndefined();
  else expect(t.in?.cluster).toBe(want);
}

describe('port-level mTLS on declared and undeclared ports (TestPeerAuthenticationPassthrough)', () => {
  const passthrough = 'InboundPassthroughCluster';
  const http8000: ServicePortSpec[] = [{ port: 8000, name: 'http' }];
  const cases: Array<{ name: string; config: string; calls: Call[] }> = [
    { name: 'global disable', config: pa('DISABLE'), calls: [[8000, 'plaintext', passthrough]] },
    { name: 'global strict', config: pa('STRICT'), calls: [[8000, 'plaintext', 'fail']] },
    { name: 'global permissive', config: pa('PERMISSIVE'), calls: [[8000, 'plaintext', passthrough]] },
    {
      name: 'global disable and port 9000 strict',
      config: pa('DISABLE', { number: 9000, mode: 'STRICT' }),
      calls: [
        [8000, 'plaintext', passthrough],
        [9000, 'plaintext', 'fail'],
      ],
    },
    {
      name: 'global disable and port 9000 strict, 8000 in a service',
      config: doc(pa('DISABLE', { number: 9000, mode: 'STRICT' }), fooService(http8000)),
      calls: [
        [8000, 'plaintext', 'inbound|8000||'],
        // mTLS into the plaintext HTTP chain: a protocol error.
        [8000, 'mtls', 'fail'],
        [9000, 'plaintext', 'fail'],
      ],
    },
    {
      name: 'global strict and port 9000 plaintext',
      config: pa('STRICT', { number: 9000, mode: 'DISABLE' }),
      calls: [
        [8000, 'plaintext', 'fail'],
        [9000, 'plaintext', passthrough],
      ],
    },
    {
      name: 'global strict and port 9000 plaintext, 8000 in a service',
      config: doc(pa('STRICT', { number: 9000, mode: 'DISABLE' }), fooService(http8000)),
      calls: [
        [8000, 'plaintext', 'fail'],
        [8000, 'mtls', 'inbound|8000||'],
        [9000, 'plaintext', passthrough],
      ],
    },
    {
      name: 'global plaintext and port 9000 permissive',
      config: pa('DISABLE', { number: 9000, mode: 'PERMISSIVE' }),
      calls: [
        [8000, 'plaintext', passthrough],
        [9000, 'plaintext', passthrough],
      ],
    },
    {
      name: 'global plaintext and port 9000 permissive, 8000 in a service',
      config: doc(pa('DISABLE', { number: 9000, mode: 'PERMISSIVE' }), fooService(http8000)),
      calls: [
        [8000, 'plaintext', 'inbound|8000||'],
        [8000, 'mtls', 'fail'],
        [9000, 'plaintext', passthrough],
      ],
    },
  ];
  for (const c of cases)
    describe(c.name, () => {
      for (const call of c.calls)
        it(`${call[1]} on port ${call[0]} → ${call[2]}`, () => check(doc(base, c.config), 'http', call));
    });
});

describe('PeerAuthentication with a Sidecar ingress (TestPeerAuthenticationWithSidecar)', () => {
  const strict9090Disabled = pa('STRICT', { number: 9090, mode: 'DISABLE' });
  const ingress = (ports: number[]) =>
    istio(
      'Sidecar',
      'sidecar',
      'default',
      `workloadSelector: {labels: {app: foo}}\ningress:\n${ports
        .map((p) => `- port: {number: ${p}, protocol: TCP, name: tcp-${p}}\n  defaultEndpoint: "127.0.0.1:${p}"`)
        .join('\n')}\negress: [{hosts: ["*/*"]}]`,
    );
  const withPorts = fooService([
    { port: 8080, name: 'tcp-tls' },
    { port: 9090, name: 'tcp-plaintext' },
  ]);
  const noPorts = fooService([{ port: 5050, name: 'tcp-random' }]);
  const cases: Array<{ name: string; config: string; calls: Call[] }> = [
    {
      name: 'service, no sidecar',
      config: withPorts,
      calls: [
        [8080, 'plaintext', 'fail'],
        [8080, 'mtls', 'inbound|8080||'],
        [9090, 'plaintext', 'inbound|9090||'],
        // TLS is not sniffed on a plaintext TCP port: anything goes.
        [9090, 'mtls', 'inbound|9090||'],
      ],
    },
    {
      name: 'service, full sidecar',
      config: doc(withPorts, ingress([8080, 9090])),
      calls: [
        [8080, 'plaintext', 'fail'],
        [8080, 'mtls', 'inbound|8080||'],
        [9090, 'plaintext', 'inbound|9090||'],
        [9090, 'mtls', 'inbound|9090||'],
      ],
    },
    {
      name: 'no service, no sidecar',
      config: noPorts,
      calls: [
        [8080, 'plaintext', 'fail'],
        [9090, 'plaintext', 'InboundPassthroughCluster'],
      ],
    },
    {
      name: 'no service, full sidecar',
      config: doc(noPorts, ingress([8080, 9090])),
      calls: [
        [8080, 'plaintext', 'fail'],
        [9090, 'plaintext', 'inbound|9090||'],
      ],
    },
    {
      name: 'service, partial sidecar',
      config: doc(withPorts, ingress([8080])),
      calls: [
        [8080, 'plaintext', 'fail'],
        [8080, 'mtls', 'inbound|8080||'],
        // Declared by the Service, but the Sidecar's ingress replaces the Service ports.
        [9090, 'plaintext', 'InboundPassthroughCluster'],
        [9090, 'mtls', 'InboundPassthroughCluster'],
      ],
    },
  ];
  for (const c of cases)
    describe(c.name, () => {
      for (const call of c.calls)
        it(`${call[1]} on port ${call[0]} → ${call[2]}`, () =>
          check(doc(base, strict9090Disabled, c.config), 'tcp', call));
    });
});
