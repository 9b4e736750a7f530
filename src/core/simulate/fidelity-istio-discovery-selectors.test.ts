// Fidelity: MeshConfig discoverySelectors. istiod watches only the namespaces whose labels match a selector
// (pkg/kube/namespace/filter.go); Services, endpoints and every namespaced Istio config object are read through that
// filter (pilot/pkg/bootstrap/server.go: SetObjectFilter; pilot/pkg/config/kube/crdclient/client.go: addCRD, since
// the removal of ENABLE_ENHANCED_RESOURCE_SCOPING in Istio 1.25 always). kube-dns and kube-proxy are not filtered.
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
  service,
  simulateScenario,
} from '../testkit.ts';

const workloads = doc(
  namespace('app', { 'istio-injection': 'enabled', env: 'prod' }),
  namespace('legacy', { 'istio-injection': 'enabled' }),
  pod('sleep', 'app', { labels: { app: 'sleep' }, ip: '10.1.0.2' }),
  pod('httpbin', 'app', { labels: { app: 'httpbin' }, ip: '10.1.0.3', ports: [{ containerPort: 8000 }] }),
  service('httpbin', 'app', {
    clusterIP: '10.96.0.3',
    selector: { app: 'httpbin' },
    ports: [{ port: 8000, name: 'http' }],
  }),
  pod('old', 'legacy', { labels: { app: 'old' }, ip: '10.1.0.4', ports: [{ containerPort: 8080 }] }),
  service('old', 'legacy', {
    clusterIP: '10.96.0.4',
    selector: { app: 'old' },
    ports: [{ port: 80, targetPort: 8080, name: 'http' }],
  }),
  // A VirtualService in the namespace istiod does not watch: it would abort every call to httpbin.
  istio(
    'VirtualService',
    'break-httpbin',
    'legacy',
    'hosts: [httpbin.app.svc.cluster.local]\nhttp:\n- fault: {abort: {httpStatus: 500, percentage: {value: 100}}}\n' +
      '  route:\n  - destination: {host: httpbin.app.svc.cluster.local}',
  ),
);
const selected = (mode = 'ALLOW_ANY') =>
  doc(workloads, meshConfig(`outboundTrafficPolicy: {mode: ${mode}}\ndiscoverySelectors:\n- matchLabels: {env: prod}`));

describe('MeshConfig discoverySelectors', () => {
  it('a Service in a namespace no selector picks is unknown to the sidecar: passthrough under ALLOW_ANY', () => {
    const t = simulateScenario(selected(), { from: 'app/sleep', to: 'http://old.legacy/' });
    // kube-dns still answers, and kube-proxy still DNATs the ClusterIP to the pod.
    expect(t.dns.answers).toEqual(['10.96.0.4']);
    expect(callResult(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('PassthroughCluster');
    const cluster = factOf(t, 'cluster');
    expect(cluster).toMatchObject({
      by: 'passthrough',
      unknown: { cause: { cause: 'notDiscovered', hostname: 'old.legacy.svc.cluster.local', namespace: 'legacy' } },
    });
    expect(factOf(t, 'endpoint')).toMatchObject({ by: 'kubeProxy', endpoint: '10.1.0.4:8080' });
  });

  it('under REGISTRY_ONLY the same call is blocked, and the trace says why', () => {
    // No watched Service declares port 80, so no HTTP listener takes it: virtualOutbound's TCP BlackHoleCluster.
    const t = simulateScenario(selected('REGISTRY_ONLY'), { from: 'app/sleep', to: 'http://old.legacy/' });
    expect(callResult(t)).toEqual({ outcome: 'blackhole', status: null, responseFlags: 'UH' });
    const result = traceRequest(analyze([{ name: 's.yaml', text: selected('REGISTRY_ONLY') }]), {
      from: 'app/sleep',
      to: 'http://old.legacy/',
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.at(-1)?.detail).toMatch(
      /namespace legacy matches none of the mesh config's discoverySelectors/,
    );
  });

  it('Istio config in an unwatched namespace is ignored: the VirtualService there does not abort', () => {
    const t = simulateScenario(selected(), { from: 'app/sleep', to: 'http://httpbin.app:8000/' });
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    // Without discoverySelectors the same VirtualService applies.
    const all = simulateScenario(workloads, { from: 'app/sleep', to: 'http://httpbin.app:8000/' });
    expect(callResult(all)).toEqual({ outcome: 'fault', status: 500, responseFlags: 'FI' });
  });

  it('proxy-config leaves the unwatched Service out; without selectors it is there', () => {
    expect(clusterNamed(proxyConfigFor(selected(), 'app/sleep'), 'outbound|80||old.legacy.svc.cluster.local')).toBe(
      undefined,
    );
    expect(
      clusterNamed(proxyConfigFor(workloads, 'app/sleep'), 'outbound|80||old.legacy.svc.cluster.local'),
    ).toBeDefined();
  });

  it('matchExpressions select too, and a selector list that picks every namespace changes nothing', () => {
    const byExpression = doc(
      workloads,
      meshConfig('discoverySelectors:\n- matchExpressions: [{key: istio-injection, operator: In, values: [enabled]}]'),
    );
    const t = simulateScenario(byExpression, { from: 'app/sleep', to: 'http://old.legacy/' });
    expect(t.hops[0]?.cluster).toBe('outbound|80||old.legacy.svc.cluster.local');
  });
});
