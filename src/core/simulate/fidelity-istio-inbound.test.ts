// Fidelity against Istio's own tests: the server sidecar's inbound side for each port protocol and mTLS mode
// (pilot/pkg/networking/core/sidecar_simulation_test.go: TestInbound). Istio calls the inbound listener directly with
// plaintext, TLS or mTLS bytes; here a pod without a sidecar sends plaintext or its own TLS, and a pod with a sidecar
// sends mTLS (forced by a DestinationRule where auto mTLS would not).
import { describe, expect, it } from 'vitest';
import type { AppProtocol } from './request.ts';
import { doc, istio, namespace, pod, service, traceSummary } from '../testkit.ts';

type Mode = 'DISABLE' | 'PERMISSIVE' | 'STRICT';

const scenario = (mode: Mode) =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('outside'),
    namespace('istio-system'),
    istio('PeerAuthentication', 'default', 'istio-system', `mtls: {mode: ${mode}}`),
    pod('server', 'default', { labels: { app: 'server' }, ip: '10.1.0.9' }),
    service('server', 'default', {
      clusterIP: '10.96.7.1',
      selector: { app: 'server' },
      ports: [
        { port: 70, name: 'tcp' },
        { port: 80, name: 'http' },
        { port: 81, name: 'auto' },
      ],
    }),
    // mTLS whatever the server's mode says (auto mTLS would send plaintext to DISABLE).
    istio('DestinationRule', 'server', 'default', 'host: server\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}'),
    pod('meshed', 'default', { labels: { app: 'meshed' }, ip: '10.1.0.5' }),
    pod('plain', 'outside', { labels: { app: 'plain' }, ip: '10.1.0.6' }),
  );

type Sent = 'plaintext' | 'tls' | 'mtls';
interface Case {
  name: string;
  port: number;
  protocol: AppProtocol;
  sent: Sent;
  /** The inbound cluster, or `fail` when Istio's simulation gets no filter chain, an mTLS or a protocol error. */
  expect: Record<Mode, { cluster: string; virtualHost?: string } | 'fail'>;
}

const ok = (port: number, http = false) => ({
  cluster: `inbound|${port}||`,
  ...(http ? { virtualHost: `inbound|http|${port}` } : {}),
});
const all = (r: Case['expect'][Mode]): Case['expect'] => ({ DISABLE: r, PERMISSIVE: r, STRICT: r });
const notStrict = (r: Case['expect'][Mode]): Case['expect'] => ({ DISABLE: r, PERMISSIVE: r, STRICT: 'fail' });

const cases: Case[] = [
  { name: 'tcp', port: 70, protocol: 'tcp', sent: 'plaintext', expect: notStrict(ok(70)) },
  { name: 'http to tcp', port: 70, protocol: 'http', sent: 'plaintext', expect: notStrict(ok(70)) },
  { name: 'tls to tcp', port: 70, protocol: 'tls', sent: 'tls', expect: notStrict(ok(70)) },
  { name: 'https to tcp', port: 70, protocol: 'https', sent: 'tls', expect: notStrict(ok(70)) },
  { name: 'mtls tcp to tcp', port: 70, protocol: 'tcp', sent: 'mtls', expect: all(ok(70)) },
  { name: 'mtls http to tcp', port: 70, protocol: 'http', sent: 'mtls', expect: all(ok(70)) },
  { name: 'http', port: 80, protocol: 'http', sent: 'plaintext', expect: notStrict(ok(80, true)) },
  { name: 'tls to http', port: 80, protocol: 'tls', sent: 'tls', expect: all('fail') },
  { name: 'https to http', port: 80, protocol: 'https', sent: 'tls', expect: all('fail') },
  {
    name: 'mtls to http',
    port: 80,
    protocol: 'http',
    sent: 'mtls',
    expect: { DISABLE: 'fail', PERMISSIVE: ok(80, true), STRICT: ok(80, true) },
  },
  { name: 'tcp to http', port: 80, protocol: 'tcp', sent: 'plaintext', expect: all('fail') },
  { name: 'auto port http', port: 81, protocol: 'http', sent: 'plaintext', expect: notStrict(ok(81, true)) },
  { name: 'auto port http2', port: 81, protocol: 'http2', sent: 'plaintext', expect: notStrict(ok(81, true)) },
  { name: 'auto port tcp', port: 81, protocol: 'tcp', sent: 'plaintext', expect: notStrict(ok(81)) },
  { name: 'tls to auto port', port: 81, protocol: 'tls', sent: 'tls', expect: notStrict(ok(81)) },
  { name: 'https to auto port', port: 81, protocol: 'https', sent: 'tls', expect: notStrict(ok(81)) },
  { name: 'mtls tcp to auto port', port: 81, protocol: 'tcp', sent: 'mtls', expect: all(ok(81)) },
  {
    name: 'mtls http to auto port',
    port: 81,
    protocol: 'http',
    sent: 'mtls',
    expect: { DISABLE: ok(81), PERMISSIVE: ok(81, true), STRICT: ok(81, true) },
  },
  {
    name: 'passthrough http',
    port: 82,
    protocol: 'http',
    sent: 'plaintext',
    expect: notStrict({ cluster: 'InboundPassthroughCluster' }),
  },
  {
    name: 'passthrough tcp',
    port: 82,
    protocol: 'tcp',
    sent: 'plaintext',
    expect: notStrict({ cluster: 'InboundPassthroughCluster' }),
  },
  {
    name: 'passthrough tls',
    port: 82,
    protocol: 'tls',
    sent: 'tls',
    expect: notStrict({ cluster: 'InboundPassthroughCluster' }),
  },
  {
    name: 'passthrough https',
    port: 82,
    protocol: 'https',
    sent: 'tls',
    expect: notStrict({ cluster: 'InboundPassthroughCluster' }),
  },
];

describe('inbound chains by port protocol and mTLS mode (sidecar_simulation_test.go: TestInbound)', () => {
  for (const mode of ['DISABLE', 'PERMISSIVE', 'STRICT'] as const) {
    describe(mode, () => {
      for (const c of cases) {
        it(c.name, () => {
          const from = c.sent === 'mtls' ? 'default/meshed' : 'outside/plain';
          // Port 82 is no Service port: the call goes to the pod's address.
          const to = c.port === 82 ? '10.1.0.9' : 'server.default';
          const t = traceSummary(scenario(mode), { from, to, port: c.port, protocol: c.protocol });
          const want = c.expect[mode];
          if (want === 'fail') {
            expect(t.in?.cluster).toBeUndefined();
            expect(['routed', 'direct']).not.toContain(t.outcome);
          } else {
            expect(t.in).toMatchObject({ listener: 'virtualInbound', ...want });
            // A client without a sidecar goes straight to the server: `direct`.
            expect(t.outcome).toBe(c.sent === 'mtls' ? 'routed' : 'direct');
          }
        });
      }
    });
  }

  it('a sidecar client sends mTLS to a port the server does not declare (passthrough mtls)', () => {
    for (const mode of ['DISABLE', 'PERMISSIVE', 'STRICT'] as const) {
      const t = traceSummary(scenario(mode), { from: 'default/meshed', to: '10.1.0.9', port: 82, protocol: 'http' });
      // Plain passthrough: the sidecar does not know 10.1.0.9:82 and sends plaintext to it.
      expect(t.out?.cluster).toBe('PassthroughCluster');
      if (mode === 'STRICT') expect(t.in?.cluster).toBeUndefined();
      else expect(t.in?.cluster).toBe('InboundPassthroughCluster');
    }
  });
});
