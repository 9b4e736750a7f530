// Fidelity: a sidecar pod calling its own istio-proxy ports over loopback or its own pod IP. iptables leaves both
// alone (tools/istio-iptables/pkg/capture/run.go: non-proxy traffic on `lo` returns), so what answers is the socket
// that listens there: Envoy's admin on localhost only, Envoy's static listeners 15021/15090 and the capture listeners
// 15001/15006 on 0.0.0.0, the istio-agent's status server on every interface
// (tools/packaging/common/envoy_bootstrap.json; pilot/cmd/pilot-agent/status/server.go), the DNS proxy on localhost
// when DNS capture is on (pkg/dns/client/dns.go), nothing on 15004 since Istio 1.25.
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../index.ts';
import { callResult, doc, factOf, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';

const mesh = doc(
  namespace('echo', { 'istio-injection': 'enabled' }),
  pod('a', 'echo', { labels: { app: 'a' }, ip: '10.1.0.5', ports: [{ containerPort: 8080, name: 'http' }] }),
  service('a', 'echo', { clusterIP: '10.96.0.10', selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }] }),
);
const dnsCapture = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');

const call = (to: string, port: number, extra: Partial<TraceRequest> = {}, text = mesh) =>
  simulateScenario(text, { from: 'echo/a', to, port, protocol: 'http', ...extra });
const end = (t: ReturnType<typeof call>) => factOf(t, 'outcome')?.end;

describe("a sidecar pod calling its own proxy's ports", () => {
  it('Envoy admin (15000) answers on 127.0.0.1 only: the pod IP and another loopback address are refused', () => {
    const local = call('127.0.0.1', 15000, { path: '/stats' });
    expect(callResult(local)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(local.hops).toEqual([]);
    expect(end(local)).toMatchObject({ reason: 'SIDECAR_PORT', socket: 'envoyAdmin', answer: 'served' });
    for (const address of ['10.1.0.5', '127.0.0.53']) {
      const t = call(address, 15000);
      expect(callResult(t)).toEqual({ outcome: 'no-listener', status: null, responseFlags: '-' });
      expect(end(t)).toMatchObject({ reason: 'LOOPBACK_REFUSED', socket: 'envoyAdmin', bind: 'loopback' });
    }
  });

  it('Envoy admin: an unknown path is 404, a state-changing path needs POST (405 on GET)', () => {
    expect(call('localhost', 15000, { path: '/nope' }).status).toBe(404);
    expect(call('localhost', 15000, { path: '/quitquitquit' }).status).toBe(405);
    expect(call('localhost', 15000, { path: '/quitquitquit', method: 'POST' }).status).toBe(200);
    expect(call('localhost', 15000, { path: '/config_dump?resource=dynamic_listeners' }).status).toBe(200);
  });

  it('15001 and 15006 taken directly land on the loop-guard chains and BlackHoleCluster (UH)', () => {
    for (const [address, port, direction, chain] of [
      ['127.0.0.1', 15001, 'outbound', 'virtualOutbound-blackhole'],
      ['10.1.0.5', 15001, 'outbound', 'virtualOutbound-blackhole'],
      ['10.1.0.5', 15006, 'inbound', 'virtualInbound-blackhole'],
      ['127.0.0.1', 15006, 'inbound', 'virtualInbound-blackhole'],
    ] as const) {
      const t = call(address, port);
      expect(callResult(t)).toEqual({ outcome: 'blackhole', status: null, responseFlags: 'UH' });
      expect(t.hops).toHaveLength(1);
      expect(t.hops[0]).toMatchObject({ proxy: 'echo/a', direction, filterChain: chain });
      expect(t.hops[0]?.accessLog).toContain(`BlackHoleCluster`);
      expect(t.hops[0]?.accessLog).toContain(`${address}:${port} ${address}:`);
    }
  });

  it('the agent (15020) answers on the pod IP too; /quitquitquit is for localhost callers only (403)', () => {
    for (const address of ['127.0.0.1', '10.1.0.5']) {
      expect(callResult(call(address, 15020, { path: '/stats/prometheus' }))).toEqual({
        outcome: 'direct',
        status: 200,
        responseFlags: '-',
      });
      expect(call(address, 15020, { path: '/healthz/ready' }).status).toBe(200);
      expect(call(address, 15020, { path: '/' }).status).toBe(404);
    }
    expect(call('10.1.0.5', 15020, { path: '/quitquitquit', method: 'POST' }).status).toBe(403);
    expect(call('127.0.0.1', 15020, { path: '/quitquitquit' }).status).toBe(405);
    expect(call('127.0.0.1', 15020, { path: '/quitquitquit', method: 'POST' }).status).toBe(200);
  });

  it('15021 routes /healthz/ready to the agent; 15090 /stats/prometheus to admin; other paths are 404 NR', () => {
    const ready = call('10.1.0.5', 15021, { path: '/healthz/ready' });
    expect(callResult(ready)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(end(ready)).toMatchObject({ route: { prefix: '/healthz/ready', cluster: 'agent' } });
    const stats = call('127.0.0.1', 15090, { path: '/stats/prometheus' });
    expect(end(stats)).toMatchObject({ status: 200, route: { cluster: 'prometheus_stats' } });
    for (const [port, path] of [
      [15021, '/'],
      [15090, '/stats'],
    ] as const)
      expect(callResult(call('10.1.0.5', port, { path }))).toEqual({
        outcome: 'no-route',
        status: 404,
        responseFlags: 'NR',
      });
  });

  it('15053 (DNS proxy) listens on localhost only with DNS capture on; 15004 is closed', () => {
    expect(end(call('127.0.0.1', 15053))).toMatchObject({ reason: 'LOOPBACK_REFUSED', bind: 'closed' });
    const on = doc(mesh, dnsCapture);
    const tcp = call('127.0.0.1', 15053, { protocol: 'tcp' }, on);
    expect(callResult(tcp)).toEqual({ outcome: 'direct', status: null, responseFlags: '-' });
    expect(end(tcp)).toMatchObject({ reason: 'SIDECAR_PORT', socket: 'dnsProxy', answer: 'accepted' });
    expect(end(call('127.0.0.1', 15053, {}, on))).toMatchObject({ answer: 'notHttp', status: null });
    expect(end(call('10.1.0.5', 15053, { protocol: 'tcp' }, on))).toMatchObject({ reason: 'LOOPBACK_REFUSED' });
    expect(end(call('127.0.0.1', 15004))).toMatchObject({ reason: 'LOOPBACK_REFUSED', socket: 'agentDebug' });
  });

  it('a pod without a sidecar has none of these ports', () => {
    const plain = mesh.replace('{istio-injection: "enabled"}', '{}');
    const t = call('127.0.0.1', 15000, {}, plain);
    expect(end(t)).toMatchObject({ reason: 'LOOPBACK_REFUSED', ports: [8080] });
    expect(end(t)).not.toHaveProperty('socket');
  });

  it('puts it in words', () => {
    const analysis = analyze([{ name: 'scenario.yaml', text: mesh }]);
    const last = (to: string, port: number, path = '/') => {
      const result = traceRequest(analysis, { from: 'echo/a', to, port, path, protocol: 'http' });
      if (!result.ok) throw new Error(result.reason);
      return result.trace.steps.at(-1)?.detail ?? '';
    };
    expect(last('10.1.0.5', 15000)).toMatch(/Envoy's admin interface, which listens on localhost only/);
    expect(last('10.1.0.5', 15020, '/quitquitquit')).toMatch(/localhost callers only.*403/);
    // A connection to the pod itself never meets kube-proxy.
    const result = traceRequest(analysis, { from: 'echo/a', to: '10.1.0.5', port: 15020, protocol: 'http' });
    if (!result.ok) throw new Error(result.reason);
    const capture = result.trace.steps.find((s) => s.kind === 'capture');
    expect(capture?.title).toBe('Not captured: the connection stays in the pod');
    expect(capture?.detail).not.toMatch(/kube-proxy/);
  });
});

describe("a pod calling its own pod IP on an application port (routing.go: 'to podIP')", () => {
  it('a declared container port or a Service target port answers; another port is refused', () => {
    const undeclared = doc(
      namespace('echo', { 'istio-injection': 'enabled' }),
      pod('a', 'echo', { labels: { app: 'a' }, ip: '10.1.0.5' }),
      service('a', 'echo', {
        clusterIP: '10.96.0.10',
        selector: { app: 'a' },
        ports: [{ port: 80, targetPort: 9000 }],
      }),
    );
    const served = call('10.1.0.5', 9000, {}, undeclared);
    expect(callResult(served)).toEqual({ outcome: 'direct', status: 200, responseFlags: '-' });
    expect(served.hops).toEqual([]);
    expect(end(served)).toMatchObject({ reason: 'DELIVERED', to: { pod: 'echo/a', own: true } });
    const refused = call('10.1.0.5', 9999, {}, undeclared);
    expect(end(refused)).toMatchObject({ reason: 'LOOPBACK_REFUSED', address: '10.1.0.5', ports: [9000] });
  });

  it('through its own Service VIP the request passes its sidecar twice: outbound, then inbound', () => {
    const t = call('a', 80);
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops.map((h) => `${h.proxy} ${h.direction}`)).toEqual(['echo/a outbound', 'echo/a inbound']);
  });
});

describe("another pod calling a sidecar pod's 15021, 15090 and 15020 (excluded from inbound capture)", () => {
  const withClient = doc(mesh, pod('b', 'echo', { labels: { app: 'b' }, ip: '10.1.0.6' }));
  const from = (port: number, path: string) =>
    simulateScenario(withClient, { from: 'echo/b', to: '10.1.0.5', port, path, protocol: 'http' });

  it("the caller's sidecar passes it through, and the target's socket answers with no inbound hop", () => {
    const ready = from(15021, '/healthz/ready');
    expect(callResult(ready)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(ready.hops.map((h) => `${h.proxy} ${h.direction} ${h.cluster ?? ''}`)).toEqual([
      'echo/b outbound PassthroughCluster',
    ]);
    expect(factOf(ready, 'outcome')?.end).toMatchObject({
      reason: 'SIDECAR_PORT',
      pod: 'echo/a',
      socket: 'envoyHealth',
      fromOtherPod: true,
    });
    expect(from(15090, '/stats/prometheus').status).toBe(200);
    expect(from(15020, '/stats/prometheus').status).toBe(200);
    // The agent's localhost-only paths refuse another pod; a path the static listener has no route for is 404.
    expect(from(15020, '/quitquitquit').status).toBe(403);
    expect(from(15021, '/').status).toBe(404);
    // No Service declares 15021, so the caller's sidecar proxies it as TCP on virtualOutbound.
    expect(from(15021, '/').hops[0]).toMatchObject({ listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
    expect(from(15021, '/').hops[0]?.accessLog).toMatch(/^\S+ "- - -" 0 /);
  });

  it('an application port still goes through the inbound listener', () => {
    expect(from(8080, '/').hops.map((h) => h.direction)).toEqual(['outbound', 'inbound']);
  });
});
