import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { doc, namespace, pod, service } from '../testkit.ts';
import { bindWaypoint, waypointIndex } from './binding.ts';
import { ztunnelConfigTables } from './ztunnelConfig.ts';

const model = (text: string) => analyze([{ name: 'scenario.yaml', text }]).model;
const podNamed = (text: string, name: string) => model(text).pods.find((p) => p.name === name);

function waypoint(name: string, ns: string, options: { labels?: Record<string, string>; extra?: string } = {}) {
  const labels = Object.entries(options.labels ?? {})
    .map(([k, v]) => `${k}: "${v}"`)
    .join(', ');
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}
spec:
  gatewayClassName: istio-waypoint
  listeners:
  - {name: mesh, port: 15008, protocol: HBONE${options.extra ?? ''}}`;
}

describe('ambient enrolment (istio-cni enablement selectors)', () => {
  it('a namespace label enrols its pods; a pod label none opts one out', () => {
    const text = doc(
      namespace('shop', { 'istio.io/dataplane-mode': 'ambient' }),
      pod('a', 'shop'),
      pod('b', 'shop', { labels: { 'istio.io/dataplane-mode': 'none' } }),
    );
    expect(podNamed(text, 'a')?.dataPlane.mode).toBe('ambient');
    expect(podNamed(text, 'a')?.dataPlane.reason).toContain('namespace shop');
    expect(podNamed(text, 'b')?.dataPlane.mode).toBe('none');
    expect(podNamed(text, 'b')?.dataPlane.reason).toContain('=none');
  });

  it('a pod label enrols a pod in a namespace that is not ambient; other pods stay out', () => {
    const text = doc(
      namespace('shop'),
      pod('a', 'shop', { labels: { 'istio.io/dataplane-mode': 'ambient' } }),
      pod('b', 'shop'),
    );
    expect(podNamed(text, 'a')?.dataPlane.mode).toBe('ambient');
    expect(podNamed(text, 'b')?.dataPlane.mode).toBe('none');
  });

  it('a pod with a sidecar is not captured by ztunnel even in an ambient namespace: the sidecar wins', () => {
    const text = doc(
      namespace('shop', { 'istio.io/dataplane-mode': 'ambient', 'istio-injection': 'enabled' }),
      pod('a', 'shop'),
    );
    const a = podNamed(text, 'a');
    expect(a?.proxy.kind).toBe('sidecar');
    expect(a?.dataPlane.mode).toBe('sidecar');
    expect(a?.dataPlane.reason).toContain('does not capture a pod that has a sidecar');
  });

  it('a host-network pod is never captured', () => {
    const text = doc(
      namespace('shop', { 'istio.io/dataplane-mode': 'ambient' }),
      pod('a', 'shop').replace('spec:\n', 'spec:\n  hostNetwork: true\n'),
    );
    expect(podNamed(text, 'a')?.dataPlane.mode).toBe('none');
  });
});

describe('waypoints (Gateways of class istio-waypoint)', () => {
  it('istiod deploys a pod and a Service named like the Gateway, with the gateway-name label', () => {
    const m = model(doc(namespace('shop', { 'istio.io/dataplane-mode': 'ambient' }), waypoint('waypoint', 'shop')));
    expect(m.waypoints.map((w) => [w.name, w.trafficType, w.ready])).toEqual([['waypoint', 'service', true]]);
    const svc = m.services.find((s) => s.name === 'waypoint');
    expect(svc?.selector?.get('gateway.networking.k8s.io/gateway-name')).toBe('waypoint');
    expect(svc?.ports.map((p) => p.port)).toContain(15008);
    expect(svc?.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const wp = m.pods.find((p) => p.labels.get('gateway.networking.k8s.io/gateway-name') === 'waypoint');
    expect(wp?.dataPlane.mode).toBe('gateway');
    expect(wp?.ip).not.toBe('');
  });

  it('waypoint-for comes from the Gateway, else its GatewayClass, else service', () => {
    const cls = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio-waypoint, labels: {istio.io/waypoint-for: all}}
spec: {controllerName: istio.io/mesh-controller}`;
    const m = model(
      doc(cls, waypoint('a', 'shop'), waypoint('b', 'shop', { labels: { 'istio.io/waypoint-for': 'workload' } })),
    );
    expect(m.waypoints.map((w) => [w.name, w.trafficType])).toEqual([
      ['a', 'all'],
      ['b', 'workload'],
    ]);
  });

  it('a Gateway whose pods are all unready, or whose status has no address, is not ready', () => {
    const unreadyPod = pod('wp-1', 'shop', {
      labels: { 'gateway.networking.k8s.io/gateway-name': 'wp' },
      ready: false,
    });
    const withStatus = `${waypoint('other', 'shop')}\nstatus: {conditions: [{type: Programmed, status: "False"}]}`;
    const m = model(doc(waypoint('wp', 'shop'), unreadyPod, withStatus));
    expect(m.waypoints.map((w) => [w.name, w.ready])).toEqual([
      ['wp', false],
      ['other', false],
    ]);
    expect(m.waypoints[0]?.notReadyReason).toContain('pod');
    expect(m.pods.filter((p) => p.assumed && p.namespace === 'shop')).toEqual([]);
  });

  it('a Gateway of another class is no waypoint', () => {
    const text = waypoint('gw', 'shop').replace('istio-waypoint', 'istio');
    expect(model(text).waypoints).toEqual([]);
  });
});

describe('waypoint binding (pilot/pkg/serviceregistry/ambient/waypoints.go)', () => {
  const ns = (labels: Record<string, string>) => namespace('shop', { 'istio.io/dataplane-mode': 'ambient', ...labels });
  const svc = (annotations: Record<string, string> = {}) =>
    service('reviews', 'shop', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }).replace(
      'annotations: {}',
      `annotations: {}, labels: {${Object.entries(annotations)
        .map(([k, v]) => `${k}: "${v}"`)
        .join(', ')}}`,
    );
  function bindingOf(text: string, kind: 'service' | 'workload' = 'service') {
    const m = model(text);
    const labels =
      kind === 'service'
        ? (m.services.find((s) => s.name === 'reviews')?.labels ?? new Map())
        : (m.pods.find((p) => p.name === 'reviews-1')?.labels ?? new Map());
    return bindWaypoint({ kind, namespace: 'shop', labels }, m.namespaces, waypointIndex(m));
  }

  it('the namespace label binds its Services', () => {
    const b = bindingOf(doc(ns({ 'istio.io/use-waypoint': 'waypoint' }), waypoint('waypoint', 'shop'), svc()));
    expect([b.waypoint?.name, b.via]).toEqual(['waypoint', 'namespace']);
  });

  it("the Service's own label wins over the namespace's, and none opts out", () => {
    const base = [ns({ 'istio.io/use-waypoint': 'waypoint' }), waypoint('waypoint', 'shop'), waypoint('mine', 'shop')];
    const own = bindingOf(doc(...base, svc({ 'istio.io/use-waypoint': 'mine' })));
    expect([own.waypoint?.name, own.via]).toEqual(['mine', 'object']);
    const out = bindingOf(doc(...base, svc({ 'istio.io/use-waypoint': 'none' })));
    expect([out.waypoint, out.optedOut]).toEqual([undefined, true]);
  });

  it('use-waypoint-namespace names a waypoint elsewhere; it binds only if its listener allows the namespace', () => {
    const shared = (extra: string) => waypoint('shared', 'infra', { extra });
    const labels = { 'istio.io/use-waypoint': 'shared', 'istio.io/use-waypoint-namespace': 'infra' };
    const denied = bindingOf(doc(ns({}), shared(''), svc(labels)));
    expect([denied.waypoint, denied.bypass, denied.requested]).toEqual([
      undefined,
      'attachment-denied',
      'infra/shared',
    ]);
    const allowed = bindingOf(doc(ns({}), shared(', allowedRoutes: {namespaces: {from: All}}'), svc(labels)));
    expect(allowed.waypoint?.namespace).toBe('infra');
  });

  it('a waypoint that does not exist or is not ready is bypassed, even when the namespace names a working one', () => {
    const missing = bindingOf(
      doc(
        ns({ 'istio.io/use-waypoint': 'waypoint' }),
        waypoint('waypoint', 'shop'),
        svc({ 'istio.io/use-waypoint': 'gone' }),
      ),
    );
    expect([missing.waypoint, missing.bypass, missing.requested]).toEqual([undefined, 'missing', 'shop/gone']);
    const unready = pod('w-1', 'shop', {
      labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      ready: false,
    });
    const notReady = bindingOf(
      doc(ns({ 'istio.io/use-waypoint': 'waypoint' }), waypoint('waypoint', 'shop'), unready, svc()),
    );
    expect(notReady.bypass).toBe('not-ready');
  });

  it('waypoint-for decides which traffic binds: a service waypoint takes no workload, except via the namespace', () => {
    const reviewsPod = (labels: Record<string, string>) =>
      pod('reviews-1', 'shop', { labels: { app: 'reviews', ...labels } });
    const viaNamespace = bindingOf(
      doc(ns({ 'istio.io/use-waypoint': 'waypoint' }), waypoint('waypoint', 'shop'), reviewsPod({})),
      'workload',
    );
    expect([viaNamespace.waypoint, viaNamespace.bypass]).toEqual([undefined, undefined]);
    const direct = bindingOf(
      doc(ns({}), waypoint('waypoint', 'shop'), reviewsPod({ 'istio.io/use-waypoint': 'waypoint' })),
      'workload',
    );
    expect(direct.bypass).toBe('unsupported-traffic-type');
    const forWorkloads = bindingOf(
      doc(
        ns({}),
        waypoint('waypoint', 'shop', { labels: { 'istio.io/waypoint-for': 'workload' } }),
        reviewsPod({ 'istio.io/use-waypoint': 'waypoint' }),
        svc({ 'istio.io/use-waypoint': 'waypoint' }),
      ),
      'workload',
    );
    expect(forWorkloads.waypoint?.name).toBe('waypoint');
  });

  it("a waypoint's own Service never uses a waypoint", () => {
    const m = model(doc(ns({ 'istio.io/use-waypoint': 'waypoint' }), waypoint('waypoint', 'shop')));
    const own = m.services.find((s) => s.name === 'waypoint');
    const b = bindWaypoint(
      { kind: 'service', namespace: 'shop', labels: own?.labels ?? new Map() },
      m.namespaces,
      waypointIndex(m),
    );
    expect(b.waypoint).toBeUndefined();
  });
});

describe('ztunnel-config tables', () => {
  it('workloads with protocol and waypoint, Services with their waypoint and endpoints', () => {
    const m = model(
      doc(
        namespace('shop', { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' }),
        namespace('legacy', { 'istio-injection': 'enabled' }),
        waypoint('waypoint', 'shop', { labels: { 'istio.io/waypoint-for': 'all' } }),
        pod('reviews-1', 'shop', { labels: { app: 'reviews' }, ip: '10.244.2.20', nodeName: 'node-b' }),
        pod('web', 'legacy', { ip: '10.244.3.40' }),
        service('reviews', 'shop', { ports: [{ port: 9080, name: 'http' }], selector: { app: 'reviews' } }),
      ),
    );
    const tables = ztunnelConfigTables(m);
    const cells = (rows: Array<{ cells: string[] }>) => rows.map((r) => r.cells.join(' '));
    expect(cells(tables.workloads.rows)).toEqual([
      // Injected under the ambient profile (ISTIO_META_ENABLE_HBONE): the sidecar takes HBONE.
      'legacy web 10.244.3.40 - None HBONE',
      'shop reviews-1 10.244.2.20 node-b waypoint HBONE',
      expect.stringMatching(/^shop waypoint-0 \S+ - None TCP$/),
    ]);
    expect(cells(tables.services.rows)).toContain(
      `shop reviews.shop.svc.cluster.local ${m.services.find((s) => s.name === 'reviews')?.clusterIP} waypoint 1/1`,
    );
  });
});

describe('analyzers and ambient pods', () => {
  it('an AuthorizationPolicy selecting ambient pods is enforced (by ztunnel): no IST0127', () => {
    const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{}]`;
    const codes = (nsLabels: Record<string, string>) =>
      analyze([
        {
          name: 's.yaml',
          text: doc(namespace('shop', nsLabels), pod('r', 'shop', { labels: { app: 'reviews' } }), policy),
        },
      ]).diagnostics.map((d) => d.code);
    expect(codes({ 'istio.io/dataplane-mode': 'ambient' })).not.toContain('IST0127');
    expect(codes({})).toContain('IST0127');
  });
});
