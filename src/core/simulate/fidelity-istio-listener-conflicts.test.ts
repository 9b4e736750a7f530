// Fidelity against Istio's outbound listener conflicts (pilot/pkg/networking/core/listener.go:
// buildSidecarOutboundListener, mergeTCPFilterChains, isConflictWithWellKnownPort): services of different protocols on
// one port, HTTP binding 0.0.0.0 and TCP binding the service IP, ServiceEntries without addresses sharing 0.0.0.0,
// and MySQL/Mongo refusing to share a port. Services are taken oldest first (push_context.go:
// SortServicesByCreationTime).
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const OLD = '2020-01-01T00:00:00Z';
const NEW = '2021-01-01T00:00:00Z';
const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.1.0.5' }),
  pod('web', 'default', { labels: { app: 'web' }, ip: '10.1.1.1' }),
);
const svc = (name: string, ip: string, port: number, portName: string, time: string) =>
  service(name, 'default', { clusterIP: ip, ports: [{ port, name: portName }], selector: { app: 'web' } }).replace(
    'metadata: {name:',
    `metadata: {creationTimestamp: "${time}", name:`,
  );
const se = (name: string, port: number, protocol: string, time: string) =>
  istio(
    'ServiceEntry',
    name,
    'default',
    `hosts: [${name}.example]\nlocation: MESH_EXTERNAL\nresolution: DNS\n` +
      `ports: [{number: ${port}, name: p, protocol: ${protocol}}]`,
    `, creationTimestamp: "${time}"`,
  );
function run(text: string, request: Omit<TraceRequest, 'from'>) {
  const t = simulateScenario(text, { from: 'default/client', ...request });
  return {
    outcome: t.outcome,
    listener: t.hops[0]?.listener,
    chain: t.hops[0]?.filterChain,
    cluster: t.hops[0]?.cluster,
  };
}

describe('HTTP and TCP on one port', () => {
  for (const [label, httpTime, tcpTime] of [
    ['HTTP service older', OLD, NEW],
    ['TCP ServiceEntry older', NEW, OLD],
  ] as const) {
    const text = doc(base, svc('web', '10.96.0.10', 8000, 'http', httpTime), se('tcp', 8000, 'TCP', tcpTime));
    it(`${label}: the listener sniffs; HTTP to the service is routed by Host`, () => {
      expect(run(text, { to: 'http://web:8000/' })).toMatchObject({
        outcome: 'routed',
        listener: '0.0.0.0_8000',
        cluster: 'outbound|8000||web.default.svc.cluster.local',
      });
    });
    it(`${label}: raw TCP to any address takes the ServiceEntry's chain`, () => {
      expect(run(text, { to: '10.9.9.9', port: 8000, protocol: 'tcp' })).toMatchObject({
        outcome: 'routed',
        listener: '0.0.0.0_8000',
        cluster: 'outbound|8000||tcp.example',
      });
    });
    it(`${label}: HTTP for an unknown Host falls to PassthroughCluster`, () => {
      expect(run(text, { to: '10.9.9.9', port: 8000, protocol: 'http' })).toMatchObject({
        outcome: 'passthrough',
        cluster: 'PassthroughCluster',
      });
    });
  }
  it('a TCP Service with a ClusterIP binds its own IP: no conflict with HTTP on 0.0.0.0', () => {
    const text = doc(base, svc('web', '10.96.0.10', 8000, 'http', OLD), svc('db', '10.96.0.11', 8000, 'tcp', NEW));
    expect(run(text, { to: 'http://web:8000/' })).toMatchObject({ listener: '0.0.0.0_8000', outcome: 'routed' });
    expect(run(text, { to: 'db', port: 8000, protocol: 'tcp' })).toMatchObject({
      listener: '10.96.0.11_8000',
      cluster: 'outbound|8000||db.default.svc.cluster.local',
    });
  });
  it('an unnamed port sniffs on its own IP listener', () => {
    const text = doc(base, svc('web', '10.96.0.10', 8000, 'http', OLD), svc('db', '10.96.0.11', 8000, 'foo', NEW));
    expect(run(text, { to: 'http://db:8000/' })).toMatchObject({ listener: '10.96.0.11_8000', outcome: 'routed' });
    expect(run(text, { to: 'db', port: 8000, protocol: 'tcp' })).toMatchObject({
      listener: '10.96.0.11_8000',
      cluster: 'outbound|8000||db.default.svc.cluster.local',
    });
  });
});

describe('MySQL shares no port', () => {
  it('HTTP older: the MySQL ServiceEntry is dropped; raw TCP falls through to PassthroughCluster', () => {
    const text = doc(base, svc('web', '10.96.0.10', 3306, 'http', OLD), se('mysql', 3306, 'MYSQL', NEW));
    expect(run(text, { to: 'http://web:3306/' })).toMatchObject({
      cluster: 'outbound|3306||web.default.svc.cluster.local',
    });
    expect(run(text, { to: '10.9.9.9', port: 3306, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
      chain: 'PassthroughFilterChain',
    });
  });
  it('MySQL older: the HTTP service gets no chain there; even HTTP to it goes to the MySQL cluster', () => {
    const text = doc(base, svc('web', '10.96.0.10', 3306, 'http', NEW), se('mysql', 3306, 'MYSQL', OLD));
    expect(run(text, { to: 'http://web:3306/' })).toMatchObject({ cluster: 'outbound|3306||mysql.example' });
  });
});

describe('two TCP ServiceEntries without addresses on one port', () => {
  it('the same filter chain match: the older one keeps 0.0.0.0, the newer is dropped', () => {
    const oneOlder = doc(base, se('one', 9000, 'TCP', OLD), se('two', 9000, 'TCP', NEW));
    expect(run(oneOlder, { to: 'two.example', address: '10.9.9.8', port: 9000, protocol: 'tcp' })).toMatchObject({
      cluster: 'outbound|9000||one.example',
    });
    const twoOlder = doc(base, se('one', 9000, 'TCP', NEW), se('two', 9000, 'TCP', OLD));
    expect(run(twoOlder, { to: '10.9.9.9', port: 9000, protocol: 'tcp' })).toMatchObject({
      cluster: 'outbound|9000||two.example',
    });
  });
});

// pilot/pkg/model/context.go: CanBindToPort, conflictWithReservedListener (listener_test.go:
// TestOutboundListenerConflictWithReservedListener): a service port on the proxy's own ports gets no listener on
// 0.0.0.0; one on its own IP (TCP) does.
describe("the proxy's reserved ports", () => {
  const text = doc(
    base,
    svc('r1', '10.96.0.21', 15021, 'http', OLD),
    svc('r2', '10.96.0.22', 15090, 'tcp', OLD),
    svc('r3', '10.96.0.23', 15001, 'http', OLD),
    svc('r4', '10.96.0.24', 15006, 'tcp', OLD),
  );
  it('HTTP on the status port 15021: no listener, the request leaves through virtualOutbound', () => {
    // The web pod's inbound capture skips 15021, so its own status listener answers: "/" is not one of its routes.
    expect(run(text, { to: 'http://r1:15021/' })).toMatchObject({
      outcome: 'no-route',
      listener: 'virtualOutbound',
      cluster: 'PassthroughCluster',
    });
  });
  it('HTTP on the outbound capture port 15001: virtualOutbound blackholes it', () => {
    expect(run(text, { to: 'http://r3:15001/' })).toMatchObject({ outcome: 'blackhole', cluster: 'BlackHoleCluster' });
  });
  it('TCP on 15090 and 15006 binds the service IP: routed', () => {
    expect(run(text, { to: 'r2', port: 15090, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      listener: '10.96.0.22_15090',
    });
    // The client routes it; the server's inbound listener has no chain for its own port 15006 (the service's is
    // skipped) and its loop guard blackholes it.
    expect(run(text, { to: 'r4', port: 15006, protocol: 'tcp' })).toMatchObject({
      outcome: 'blackhole',
      listener: '10.96.0.24_15006',
      cluster: 'outbound|15006||r4.default.svc.cluster.local',
    });
  });
  it('a Sidecar egress listener on 15021 is skipped', () => {
    const sidecar = istio(
      'Sidecar',
      'default',
      'default',
      'egress:\n- port: {number: 15021, protocol: HTTP, name: http}\n  hosts: ["*/*"]\n- hosts: ["*/*"]',
    );
    expect(run(doc(text, sidecar), { to: 'http://r1:15021/' })).toMatchObject({ listener: 'virtualOutbound' });
  });
});
