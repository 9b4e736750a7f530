// Fidelity: an HTTPRoute splitting by weight where one backendRef is invalid (not found, not permitted). The Gateway
// API asks that the invalid backend's share of requests gets 500 and the rest are routed; istiod keeps the invalid
// backend in the route with its weight (pilot/pkg/config/kube/gateway/conversion.go: buildHTTPDestination "we will
// gracefully drop invalid backends"), its cluster does not exist, and the route's cluster_not_found_response_code is
// INTERNAL_SERVER_ERROR (pilot/pkg/networking/core/route/route.go: applyHTTPRouteDestination).
import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, traceRequest } from '../index.ts';
import { callResult, doc, factOf, namespace, pod, service, simulateScenario } from '../testkit.ts';

const gatewayApi = (kind: string, name: string, ns: string, spec: string) =>
  `apiVersion: gateway.networking.k8s.io/v1\nkind: ${kind}\n` +
  `metadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;

const scenario = (backendRefs: string) =>
  doc(
    namespace('infra'),
    namespace('web', { 'istio-injection': 'enabled' }),
    pod('v1', 'web', { labels: { app: 'v1' }, ip: '10.1.0.11', ports: [{ containerPort: 8080 }] }),
    service('v1', 'web', { clusterIP: '10.96.0.11', selector: { app: 'v1' }, ports: [{ port: 8080, name: 'http' }] }),
    gatewayApi(
      'Gateway',
      'gw',
      'infra',
      '  gatewayClassName: istio\n  listeners:\n  - {name: http, port: 80, protocol: HTTP, ' +
        'allowedRoutes: {namespaces: {from: All}}}',
    ),
    gatewayApi(
      'HTTPRoute',
      'split',
      'web',
      '  parentRefs: [{name: gw, namespace: infra}]\n  hostnames: [shop.example.com]\n' +
        `  rules:\n  - backendRefs: ${backendRefs}`,
    ),
  );

const request = { from: 'infra/gw-istio', to: 'http://shop.example.com/' };

describe('HTTPRoute weighted backendRefs with an invalid backend', () => {
  it('the missing backend keeps its weight: its cluster does not exist, the valid share is routed (80/20)', () => {
    const text = scenario('[{name: v1, port: 8080, weight: 80}, {name: gone, port: 8080, weight: 20}]');
    const t = simulateScenario(text, request);
    expect(callResult(t)).toEqual({ outcome: 'routed', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('outbound|8080||v1.web.svc.cluster.local');
    const split = t.steps.find((s) => s.fact.kind === 'route' && s.fact.by === 'weight')?.fact;
    expect(split).toMatchObject({
      clusters: [
        { name: 'outbound|8080||v1.web.svc.cluster.local', weight: 80 },
        { name: 'outbound|8080||gone.web.svc.cluster.local', weight: 20 },
      ],
      missing: { clusters: ['outbound|8080||gone.web.svc.cluster.local'], status: 500 },
    });
    const analysis = analyze([{ name: 's.yaml', text }]);
    const config = computeProxyConfig(analysis, 'infra/gw-istio');
    if (!config.ok) throw new Error(config.reason);
    const route = config.config.routes.flatMap((r) => r.virtualHosts).flatMap((v) => v.routes)[0];
    expect(route?.action).toMatchObject({ kind: 'route', clusterNotFoundStatus: 500 });
    const result = traceRequest(analysis, request);
    if (!result.ok) throw new Error(result.reason);
    const words = result.trace.steps.find((s) => s.title.startsWith('Weighted'))?.detail;
    expect(words).toMatch(/gone\.web\.svc\.cluster\.local does not exist: 20% of requests are answered 500/);
  });

  it('when the invalid share is the larger one, the trace follows it: 500 NC, cluster not found', () => {
    const text = scenario('[{name: v1, port: 8080, weight: 1}, {name: gone, port: 8080, weight: 3}]');
    const t = simulateScenario(text, request);
    expect(callResult(t)).toEqual({ outcome: 'cluster-not-found', status: 500, responseFlags: 'NC' });
    expect(factOf(t, 'outcome')?.end).toMatchObject({
      reason: 'CLUSTER_NOT_FOUND',
      cluster: 'outbound|8080||gone.web.svc.cluster.local',
    });
    expect(t.hops[0]?.accessLog).toMatch(/" 500 NC cluster_not_found /);
  });

  it('a backend in another namespace without a ReferenceGrant counts the same (RefNotPermitted)', () => {
    const text = doc(
      scenario('[{name: v1, port: 8080, weight: 50}, {name: far, namespace: other, port: 8080, weight: 50}]'),
      namespace('other'),
      service('far', 'other', { clusterIP: '10.96.0.12', ports: [{ port: 8080, name: 'http' }] }),
    );
    const split = simulateScenario(text, request).steps.find((s) => s.fact.kind === 'route' && s.fact.by === 'weight');
    expect(split?.fact).toMatchObject({ missing: { status: 500 } });
  });

  it('a VirtualService split to a host with no cluster keeps Envoy default 503 for that share', () => {
    const text = doc(
      namespace('web', { 'istio-injection': 'enabled' }),
      pod('client', 'web', { labels: { app: 'client' }, ip: '10.1.0.20' }),
      pod('v1', 'web', { labels: { app: 'v1' }, ip: '10.1.0.11', ports: [{ containerPort: 8080 }] }),
      service('v1', 'web', { clusterIP: '10.96.0.11', selector: { app: 'v1' }, ports: [{ port: 8080, name: 'http' }] }),
      `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v1, namespace: web}\nspec:\n` +
        '  hosts: [v1]\n  http:\n  - route:\n    - {destination: {host: v1}, weight: 10}\n' +
        '    - {destination: {host: gone}, weight: 90}',
    );
    const t = simulateScenario(text, { from: 'web/client', to: 'http://v1:8080/' });
    expect(callResult(t)).toEqual({ outcome: 'cluster-not-found', status: 503, responseFlags: 'NC' });
  });
});
