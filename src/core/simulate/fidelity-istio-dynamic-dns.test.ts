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

// outboundTrafficPolicy ALLOW_ANY_DYNAMIC_DNS (Istio 1.31, listener_builder.go: buildAllowAnyDynamicDNSHTTPFilterChain;
// httproute.go: buildCatchAllVirtualHost; cluster_builder.go: buildAllowAnyDFPCluster): plaintext HTTP to an unknown
// host goes to AllowAnyDynamicDNSCluster, which resolves the Host header; anything else passes through as ALLOW_ANY.
const dynamicMesh = (extra = '') =>
  doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    pod('sleep', 'default', { labels: { app: 'sleep' }, ip: '10.1.0.7' }),
    pod('web', 'default', { labels: { app: 'web' }, ip: '10.1.0.8', ports: [{ containerPort: 80 }] }),
    `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  clusterIP: 10.96.0.9\n` +
      '  selector: {app: web}\n  ports: [{port: 80, name: http}]',
    meshConfig('outboundTrafficPolicy: {mode: ALLOW_ANY_DYNAMIC_DNS}'),
    ...(extra ? [extra] : []),
  );

describe('outboundTrafficPolicy ALLOW_ANY_DYNAMIC_DNS', () => {
  it('is a valid mode: the catch-all route and the virtualOutbound HTTP chain use AllowAnyDynamicDNSCluster', () => {
    const analysis = analyze([{ name: 's.yaml', text: dynamicMesh() }]);
    expect(analysis.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const config = proxyConfigFor(dynamicMesh(), 'default/sleep');
    expect(clusterNamed(config, 'AllowAnyDynamicDNSCluster')?.type).toBe('DYNAMIC_FORWARD_PROXY');
    const virtualOutbound = config.listeners.find((l) => l.name === 'virtualOutbound');
    expect(virtualOutbound?.filterChains.map((c) => c.name)).toEqual([
      'virtualOutbound-blackhole',
      'virtualOutbound-catchall-tcp-http',
    ]);
  });

  it('unknown HTTP on a port with a listener: the catch-all virtual host sends it to the dynamic forward proxy', () => {
    const t = simulateScenario(dynamicMesh(), {
      from: 'default/sleep',
      to: 'http://example.org/',
      address: '198.51.100.9',
    });
    expect(callResult(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(t.hops[0]).toMatchObject({
      listener: '0.0.0.0_80',
      virtualHost: 'allow_any_dynamic_dns',
      route: 'allow_any_dynamic_dns',
      cluster: 'AllowAnyDynamicDNSCluster',
      endpoint: '198.51.100.9:80',
    });
  });

  it('unknown HTTP on a port without listener: the virtualOutbound HTTP chain, to the Host header, not the IP', () => {
    const t = simulateScenario(dynamicMesh(), {
      from: 'default/sleep',
      to: 'http://192.0.2.44:8080/',
      headers: { host: 'example.org:8080' },
    });
    expect(t.hops[0]).toMatchObject({
      listener: 'virtualOutbound',
      filterChain: 'virtualOutbound-catchall-tcp-http',
      cluster: 'AllowAnyDynamicDNSCluster',
    });
    expect(factOf(t, 'endpoint')).toMatchObject({ host: 'example.org', port: 8080, catchAll: true });
  });

  it('TLS and raw TCP pass through as under ALLOW_ANY; a Sidecar saying REGISTRY_ONLY blocks', () => {
    const tls = simulateScenario(dynamicMesh(), { from: 'default/sleep', to: 'https://example.org/' });
    expect(tls.hops[0]?.cluster).toBe('PassthroughCluster');
    const blocked = simulateScenario(
      dynamicMesh(istio('Sidecar', 'default', 'default', 'outboundTrafficPolicy: {mode: REGISTRY_ONLY}')),
      { from: 'default/sleep', to: 'http://example.org/' },
    );
    expect(callResult(blocked)).toEqual({ outcome: 'blackhole', status: 502, responseFlags: '-' });
  });
});
