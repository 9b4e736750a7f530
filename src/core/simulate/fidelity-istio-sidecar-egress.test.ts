// Fidelity against Istio's Sidecar egress rules (pilot/pkg/model/sidecar.go: hostClassification, egress listeners;
// the istio.io Sidecar reference examples): which hosts a client imports through `hosts` (namespace/*, ./*, */fqdn,
// ~ exclusions), port-specific egress listeners, the Sidecar's own outboundTrafficPolicy, and which Sidecar applies.
import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const injected = { 'istio-injection': 'enabled' };
const base = doc(
  namespace('prod-us1', injected),
  namespace('prod-apis', injected),
  namespace('istio-system', injected),
  namespace('other', injected),
  pod('client', 'prod-us1', { labels: { app: 'client' }, ip: '10.1.0.1' }),
  pod('ratings', 'prod-us1', { labels: { app: 'ratings' }, ip: '10.1.0.2' }),
  service('ratings', 'prod-us1', {
    clusterIP: '10.96.0.2',
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'ratings' },
  }),
  pod('api', 'prod-apis', { labels: { app: 'api' }, ip: '10.1.1.1' }),
  service('api', 'prod-apis', {
    clusterIP: '10.96.1.1',
    ports: [
      { port: 9080, name: 'http' },
      { port: 5432, name: 'tcp-db' },
    ],
    selector: { app: 'api' },
  }),
  pod('o', 'other', { labels: { app: 'o' }, ip: '10.1.2.1' }),
  service('o', 'other', { clusterIP: '10.96.2.1', ports: [{ port: 9080, name: 'http' }], selector: { app: 'o' } }),
);
const registryOnly = meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
const sidecar = (spec: string, name = 'default', ns = 'prod-us1') => istio('Sidecar', name, ns, spec);
function run(text: string, request: Omit<TraceRequest, 'from'>) {
  const t = simulateScenario(text, { from: 'prod-us1/client', ...request });
  return { outcome: t.outcome, status: t.status, listener: t.hops[0]?.listener, cluster: t.hops[0]?.cluster };
}
const ratings = { to: 'http://ratings:9080/' };
const api = { to: 'http://api.prod-apis:9080/' };
const other = { to: 'http://o.other:9080/' };
const routedTo = (host: string, port = 9080) => ({ outcome: 'routed', cluster: `outbound|${port}||${host}` });
const BLOCKED = { outcome: 'blackhole', status: 502 };

describe('Sidecar egress hosts', () => {
  const s1 = sidecar('egress:\n- hosts: ["prod-us1/*", "prod-apis/*", "istio-system/*"]');
  it('imported namespaces are routed', () => {
    expect(run(doc(base, s1), ratings)).toMatchObject(routedTo('ratings.prod-us1.svc.cluster.local'));
    expect(run(doc(base, s1), api)).toMatchObject(routedTo('api.prod-apis.svc.cluster.local'));
  });
  it('a namespace not imported: passthrough under ALLOW_ANY, 502 under REGISTRY_ONLY', () => {
    expect(run(doc(base, s1), other)).toMatchObject({ outcome: 'passthrough', cluster: 'PassthroughCluster' });
    expect(run(doc(base, s1, registryOnly), other)).toMatchObject(BLOCKED);
  });
  it('*/fqdn imports that host from any namespace, and nothing else', () => {
    const s = sidecar('egress:\n- hosts: ["*/api.prod-apis.svc.cluster.local"]');
    expect(run(doc(base, s, registryOnly), api)).toMatchObject(routedTo('api.prod-apis.svc.cluster.local'));
    expect(run(doc(base, s, registryOnly), ratings)).toMatchObject(BLOCKED);
  });
  it('~ excludes a host that ./* would import: no listener is left on its port', () => {
    const s = sidecar('egress:\n- hosts: ["./*", "~/ratings.prod-us1.svc.cluster.local"]');
    expect(run(doc(base, s, registryOnly), ratings)).toMatchObject({
      outcome: 'blackhole',
      listener: 'virtualOutbound',
      cluster: 'BlackHoleCluster',
    });
  });
  it("the Sidecar's own outboundTrafficPolicy REGISTRY_ONLY blocks what it does not import", () => {
    const s = sidecar('outboundTrafficPolicy: {mode: REGISTRY_ONLY}\negress:\n- hosts: ["./*"]');
    expect(run(doc(base, s), other)).toMatchObject(BLOCKED);
    expect(run(doc(base, s), { to: 'http://unknown.example/', address: '8.8.8.8' })).toMatchObject({
      outcome: 'blackhole',
      cluster: 'BlackHoleCluster',
    });
  });
});

describe('port-specific egress listeners', () => {
  const s2 = sidecar(
    'egress:\n- port: {number: 9080, protocol: HTTP, name: egresshttp}\n  hosts: ["prod-apis/*"]\n' +
      '- hosts: ["istio-system/*"]',
  );
  it('the port listener serves the hosts it imports', () => {
    expect(run(doc(base, s2), api)).toMatchObject(routedTo('api.prod-apis.svc.cluster.local'));
  });
  it('a host of the own namespace is not imported on that port: passthrough, or 502 under REGISTRY_ONLY', () => {
    expect(run(doc(base, s2), ratings)).toMatchObject({ outcome: 'passthrough' });
    expect(run(doc(base, s2, registryOnly), ratings)).toMatchObject(BLOCKED);
  });
  it("another port of an imported host is not on the port listener and the catch-all doesn't import it", () => {
    expect(run(doc(base, s2), { to: 'api.prod-apis', port: 5432, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
      listener: 'virtualOutbound',
    });
  });
  it('a TCP port listener: the service IP listener of the imported host', () => {
    const s = sidecar(
      'egress:\n- hosts: ["prod-apis/*"]\n  port: {number: 5432, protocol: TCP, name: tcp}\n- hosts: ["./*"]',
    );
    expect(run(doc(base, s), { to: 'api.prod-apis', port: 5432, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      listener: '10.96.1.1_5432',
    });
    expect(run(doc(base, s, registryOnly), api)).toMatchObject(BLOCKED);
  });
});

describe('which Sidecar applies', () => {
  it('a Sidecar whose workloadSelector does not select the client does not apply', () => {
    const s = sidecar('workloadSelector: {labels: {app: nobody}}\negress:\n- hosts: ["./*"]', 'selected');
    expect(run(doc(base, s, registryOnly), other)).toMatchObject(routedTo('o.other.svc.cluster.local'));
  });
  it("the root namespace's Sidecar applies where a namespace has none; ./* means the client's namespace", () => {
    const s = sidecar('egress:\n- hosts: ["./*", "istio-system/*"]', 'default', 'istio-system');
    expect(run(doc(base, s, registryOnly), other)).toMatchObject(BLOCKED);
    expect(run(doc(base, s, registryOnly), ratings)).toMatchObject(routedTo('ratings.prod-us1.svc.cluster.local'));
  });
  it("a namespace's own Sidecar wins over the root namespace's", () => {
    const root = sidecar('egress:\n- hosts: ["./*"]', 'default', 'istio-system');
    const own = sidecar('egress:\n- hosts: ["other/*"]');
    expect(run(doc(base, root, own, registryOnly), other)).toMatchObject(routedTo('o.other.svc.cluster.local'));
    expect(run(doc(base, root, own, registryOnly), ratings)).toMatchObject(BLOCKED);
  });
  it('a selecting Sidecar wins over the namespace-wide one', () => {
    const wide = sidecar('egress:\n- hosts: ["./*"]');
    const selecting = sidecar('workloadSelector: {labels: {app: client}}\negress:\n- hosts: ["other/*"]', 'client');
    expect(run(doc(base, wide, selecting, registryOnly), other)).toMatchObject(routedTo('o.other.svc.cluster.local'));
    expect(run(doc(base, wide, selecting, registryOnly), ratings)).toMatchObject(BLOCKED);
  });
});
