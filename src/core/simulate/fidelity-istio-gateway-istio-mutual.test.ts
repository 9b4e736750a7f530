// Fidelity: an Istio Gateway server with `tls.mode: ISTIO_MUTUAL` asks every client for a certificate signed by the
// mesh's root CA (pilot/pkg/networking/core/listener.go: BuildListenerTLSContext sets RequireClientCertificate and the
// ROOTCA validation context). A client outside the mesh speaking plain TLS has none: the handshake fails and the
// connection is closed before any HTTP filter runs. Plaintext is no TLS at all. A sidecar whose DestinationRule says
// ISTIO_MUTUAL gets through (istio.io tasks/traffic-management/egress/egress-gateway, "mutual TLS origination").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { callResult, factOf, simulateScenario } from '../testkit.ts';

const ingress = readFileSync(
  new URL('../../../fixtures/scenarios/ingress-gateway/manifests.yaml', import.meta.url),
  'utf8',
);
const httpServer =
  '  - port:\n      number: 80\n      name: http\n      protocol: HTTP\n    hosts:\n    - yuya.example.com\n';
const withServer = (hosts: string) =>
  ingress.replace(
    httpServer,
    httpServer +
      '  - port:\n      number: 443\n      name: https\n      protocol: HTTPS\n' +
      `    tls:\n      mode: ISTIO_MUTUAL\n    hosts:\n    - "${hosts}"\n`,
  );
const gatewayRequest = { from: 'istio-system/istio-ingressgateway', to: 'yuya.example.com', port: 443, path: '/v1' };

describe('an ISTIO_MUTUAL gateway server and a client outside the mesh', () => {
  it('the scenario really has the server', () => {
    expect(withServer('yuya.example.com')).not.toBe(ingress);
  });

  it('plain TLS (HTTPS without a mesh certificate): the handshake fails, no HTTP answer, no access-log line', () => {
    for (const protocol of ['https', 'tls'] as const) {
      const t = simulateScenario(withServer('yuya.example.com'), { ...gatewayRequest, protocol });
      expect(callResult(t)).toEqual({ outcome: 'mtls-failure', status: null, responseFlags: '-' });
      expect(factOf(t, 'outcome')?.end).toMatchObject({
        reason: 'GATEWAY_TLS_HANDSHAKE',
        mode: 'ISTIO_MUTUAL',
        sent: 'tls',
        cause: 'clientCertificateRequired',
      });
      expect(t.hops[0]?.accessLog).toBeUndefined();
      expect(factOf(t, 'virtualHost')).toBeUndefined();
      expect(t.assumptions.some((a) => a.kind === 'gatewayCertificate')).toBe(false);
    }
  });

  it('plaintext to a server matched by SNI finds no filter chain (NR); to a `*` server, fails the handshake', () => {
    const named = simulateScenario(withServer('yuya.example.com'), { ...gatewayRequest, protocol: 'http' });
    expect(callResult(named)).toEqual({ outcome: 'no-listener', status: null, responseFlags: 'NR' });
    const wildcard = simulateScenario(withServer('*'), { ...gatewayRequest, protocol: 'http' });
    expect(callResult(wildcard)).toEqual({ outcome: 'mtls-failure', status: null, responseFlags: '-' });
    expect(factOf(wildcard, 'outcome')?.end).toMatchObject({ reason: 'GATEWAY_TLS_HANDSHAKE', cause: 'notTls' });
  });

  it('says why in words', () => {
    const analysis = analyze([{ name: 's.yaml', text: withServer('yuya.example.com') }]);
    const result = traceRequest(analysis, { ...gatewayRequest, protocol: 'https' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.at(-1)?.detail).toMatch(/requires a client certificate signed by the mesh's root CA/);
  });
});
