// Fidelity: a wildcard ServiceEntry with `resolution: DYNAMIC_DNS` seen by a sidecar (Istio 1.31,
// pilot/pkg/networking/core/cluster.go: buildOutboundClusters; cluster_dfp_sidecar_test.go, listener_dfp_test.go):
// one dynamic forward proxy cluster per HTTP/TLS/gRPC/HTTP2 port, no subsets, no endpoints; Envoy resolves the Host
// header (HTTP) or the SNI (TLS) itself and connects there.
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import {
  callResult,
  clusterNamed,
  doc,
  factOf,
  istio,
  meshConfig,
  namespace,
  pod,
  proxyConfigFor,
  simulateScenario,
} from '../testkit.ts';

const scenario = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.1.0.7' }),
  istio(
    'ServiceEntry',
    'wildcard',
    'default',
    'hosts: ["*.example.com"]\n' +
      'ports:\n- {number: 80, name: http, protocol: HTTP}\n- {number: 443, name: tls, protocol: TLS}\n' +
      '- {number: 5432, name: tcp, protocol: TCP}\n' +
      'resolution: DYNAMIC_DNS\nlocation: MESH_EXTERNAL',
  ),
  istio(
    'DestinationRule',
    'wildcard',
    'default',
    'host: "*.example.com"\nsubsets:\n- name: v1\n  labels: {version: v1}',
  ),
  meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}'),
);

describe('a wildcard DYNAMIC_DNS ServiceEntry at a sidecar', () => {
  it('gets one dynamic forward proxy cluster per HTTP and TLS port, no subset, none for TCP', () => {
    const config = proxyConfigFor(scenario, 'default/sleep');
    expect(clusterNamed(config, 'outbound|80||*.example.com')).toMatchObject({
      type: 'DYNAMIC_FORWARD_PROXY',
      loadBalancer: 'CLUSTER_PROVIDED',
    });
    expect(clusterNamed(config, 'outbound|443||*.example.com')?.type).toBe('DYNAMIC_FORWARD_PROXY');
    expect(clusterNamed(config, 'outbound|80|v1|*.example.com')).toBeUndefined();
    expect(clusterNamed(config, 'outbound|5432||*.example.com')).toBeUndefined();
    expect(config.endpoints.find((e) => e.clusterName === 'outbound|80||*.example.com')).toBeUndefined();
  });

  it('HTTP: Envoy resolves the Host header and connects to that name, even under REGISTRY_ONLY', () => {
    const t = simulateScenario(scenario, {
      from: 'default/sleep',
      to: 'http://api.example.com/v1',
      address: '198.51.100.7',
    });
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({ cluster: 'outbound|80||*.example.com', endpoint: '198.51.100.7:80' });
    expect(factOf(t, 'endpoint')).toEqual({
      kind: 'endpoint',
      by: 'dynamicForwardProxy',
      host: 'api.example.com',
      address: '198.51.100.7',
      from: 'host',
      port: 80,
    });
    expect(factOf(t, 'outcome')?.end).toMatchObject({ reason: 'DELIVERED', to: { external: 'api.example.com' } });
    expect(t.hops[0]?.accessLog).toContain('"198.51.100.7:80" outbound|80||*.example.com');
  });

  it('TLS: the SNI names the upstream; a name outside the wildcard is blocked by REGISTRY_ONLY', () => {
    const t = simulateScenario(scenario, { from: 'default/sleep', to: 'https://pay.example.com/' });
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(factOf(t, 'endpoint')).toMatchObject({ by: 'dynamicForwardProxy', host: 'pay.example.com', from: 'sni' });
    const other = simulateScenario(scenario, { from: 'default/sleep', to: 'http://example.org/' });
    expect(callResult(other)).toEqual({ outcome: 'blackhole', status: 502, responseFlags: '-' });
  });

  it('says so in words', () => {
    const analysis = analyze([{ name: 'scenario.yaml', text: scenario }]);
    const result = traceRequest(analysis, { from: 'default/sleep', to: 'http://api.example.com/' });
    if (!result.ok) throw new Error(result.reason);
    const endpoint = result.trace.steps.find((s) => s.kind === 'endpoint');
    expect(endpoint?.detail).toMatch(/Envoy resolves the Host header api\.example\.com itself/);
  });
});
