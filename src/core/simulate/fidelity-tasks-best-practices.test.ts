/**
 * Scenarios after istio.io's "Traffic Management Best Practices" (ops/best-practices/traffic-management): the
 * DestinationRule lookup path (client namespace, service namespace, root namespace), VirtualService fragments merged
 * at a gateway but not on sidecars, and DestinationRule fragments (first subset and first top-level policy win).
 * Objects written anew; expectations are what the page states.
 */
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const OLD = ', creationTimestamp: "2020-01-01T00:00:00Z"';
const NEW = ', creationTimestamp: "2021-01-01T00:00:00Z"';

const mesh = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('ns1', { 'istio-injection': 'enabled' }),
  namespace('ns2', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  service('myservice', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'myservice' } }),
  pod('myservice-v1', 'default', { labels: { app: 'myservice', version: 'v1' }, ip: '10.1.1.1' }),
  pod('myservice-v2', 'default', { labels: { app: 'myservice', version: 'v2' }, ip: '10.1.1.2' }),
  pod('client', 'ns1', { labels: { app: 'client' }, ip: '10.1.0.1' }),
  pod('client', 'ns2', { labels: { app: 'client' }, ip: '10.1.0.2' }),
  // A STRICT destination: a DestinationRule that disables TLS shows whether it is applied (503 UC) or not (200).
  istio('PeerAuthentication', 'default', 'default', 'mtls: {mode: STRICT}'),
);
const disableTls = (ns: string) =>
  istio(
    'DestinationRule',
    'myservice',
    ns,
    'host: myservice.default.svc.cluster.local\ntrafficPolicy: {tls: {mode: DISABLE}}',
  );
const call = (text: string, from: string) => {
  const t = simulateScenario(text, { from, to: 'http://myservice.default.svc.cluster.local/' });
  return { outcome: t.outcome, status: t.status, flags: t.responseFlags };
};
const APPLIED = { outcome: 'mtls-failure', status: 503, flags: 'UC' };
const NOT_APPLIED = { outcome: 'routed', status: 200, flags: '-' };

describe('the DestinationRule lookup path (cross-namespace configuration)', () => {
  it('a rule in ns1 applies to clients in ns1 only: ns1 is neither the service namespace nor the root', () => {
    const text = doc(mesh, disableTls('ns1'));
    expect(call(text, 'ns1/client')).toEqual(APPLIED);
    expect(call(text, 'ns2/client')).toEqual(NOT_APPLIED);
  });
  it('a rule in the service namespace applies to clients in every namespace', () => {
    const text = doc(mesh, disableTls('default'));
    expect(call(text, 'ns1/client')).toEqual(APPLIED);
    expect(call(text, 'ns2/client')).toEqual(APPLIED);
  });
  it('a rule in the root namespace applies where neither the client nor the service namespace has one', () => {
    const text = doc(mesh, disableTls('istio-system'));
    expect(call(text, 'ns2/client')).toEqual(APPLIED);
  });
  it("the client namespace's rule comes first: ISTIO_MUTUAL in ns2 hides the service namespace's DISABLE", () => {
    const text = doc(
      mesh,
      disableTls('default'),
      istio(
        'DestinationRule',
        'myservice',
        'ns2',
        'host: myservice.default.svc.cluster.local\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}',
      ),
    );
    expect(call(text, 'ns2/client')).toEqual(NOT_APPLIED);
    expect(call(text, 'ns1/client')).toEqual(APPLIED);
  });
  it('a rule exported to "." in the service namespace is not seen from other namespaces', () => {
    const text = doc(
      mesh,
      istio(
        'DestinationRule',
        'myservice',
        'default',
        'host: myservice.default.svc.cluster.local\nexportTo: ["."]\ntrafficPolicy: {tls: {mode: DISABLE}}',
      ),
    );
    expect(call(text, 'ns1/client')).toEqual(NOT_APPLIED);
  });
});

describe('DestinationRule fragments for one host', () => {
  const subsetRule = (name: string, version: string, time: string, tls?: string) =>
    istio(
      'DestinationRule',
      name,
      'default',
      `host: myservice\n${tls ? `trafficPolicy: {tls: {mode: ${tls}}}\n` : ''}` +
        `subsets:\n- name: pinned\n  labels: {version: ${version}}`,
      time,
    );
  const toPinned = istio(
    'VirtualService',
    'myservice',
    'default',
    'hosts: [myservice]\nhttp:\n- route: [{destination: {host: myservice, subset: pinned}}]',
  );
  const reached = (text: string) =>
    simulateScenario(text, { from: 'ns1/client', to: 'http://myservice.default.svc.cluster.local/' }).hops[0]?.endpoint;
  it('a subset defined twice: the first definition (oldest rule) is used, the duplicate discarded', () => {
    expect(reached(doc(mesh, toPinned, subsetRule('a', 'v1', OLD), subsetRule('b', 'v2', NEW)))).toBe('10.1.1.1:80');
    expect(reached(doc(mesh, toPinned, subsetRule('a', 'v1', NEW), subsetRule('b', 'v2', OLD)))).toBe('10.1.1.2:80');
  });
  it('two top-level traffic policies: the first one is used', () => {
    const first = istio(
      'DestinationRule',
      'first',
      'default',
      'host: myservice\ntrafficPolicy: {tls: {mode: DISABLE}}',
      OLD,
    );
    const second = istio(
      'DestinationRule',
      'second',
      'default',
      'host: myservice\ntrafficPolicy: {tls: {mode: ISTIO_MUTUAL}}',
      NEW,
    );
    expect(call(doc(mesh, first, second), 'ns1/client')).toEqual(APPLIED);
    expect(call(doc(mesh, first.replace(OLD, NEW), second.replace(NEW, OLD)), 'ns1/client')).toEqual(NOT_APPLIED);
  });
  it('fragments merge on sidecars: subsets from both rules are usable', () => {
    const a = istio(
      'DestinationRule',
      'a',
      'default',
      'host: myservice\nsubsets:\n- name: one\n  labels: {version: v1}',
    );
    const b = istio(
      'DestinationRule',
      'b',
      'default',
      'host: myservice\nsubsets:\n- name: two\n  labels: {version: v2}',
    );
    const to = (subset: string) =>
      istio(
        'VirtualService',
        'myservice',
        'default',
        `hosts: [myservice]\nhttp:\n- route: [{destination: {host: myservice, subset: ${subset}}}]`,
      );
    expect(reached(doc(mesh, a, b, to('one')))).toBe('10.1.1.1:80');
    expect(reached(doc(mesh, a, b, to('two')))).toBe('10.1.1.2:80');
  });
});

describe('VirtualService fragments (split virtual services)', () => {
  const backends = doc(
    service('service1', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'myservice' } }),
    service('service2', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'myservice' } }),
    service('service3', 'default', { ports: [{ port: 80, name: 'http' }], selector: { app: 'myservice' } }),
    pod('ingressgateway', 'istio-system', { labels: { istio: 'ingressgateway' }, ip: '10.1.9.9', gateway: true }),
    istio(
      'Gateway',
      'myapp-gateway',
      'default',
      'selector: {istio: ingressgateway}\nservers:\n' +
        '- port: {number: 80, name: http, protocol: HTTP}\n  hosts: [myapp.com]',
    ),
  );
  const fragment = (name: string, time: string, rule: string, gateways = '[myapp-gateway]') =>
    istio('VirtualService', name, 'default', `hosts: [myapp.com]\ngateways: ${gateways}\nhttp:\n${rule}`, time);
  const service1 = '- match: [{uri: {prefix: /service1}}]\n  route: [{destination: {host: service1}}]';
  const service2 = '- match: [{uri: {prefix: /service2}}]\n  route: [{destination: {host: service2}}]';
  const catchAll = '- route: [{destination: {host: service3}}]';
  const at = (text: string, path: string, from = 'istio-system/ingressgateway'): string | undefined => {
    const request: TraceRequest = { from, to: `http://myapp.com${path}` };
    if (from !== 'istio-system/ingressgateway') request.address = '10.1.200.1';
    return simulateScenario(text, request).hops[0]?.cluster;
  };
  it('fragments bound to a gateway are merged: each path reaches its service', () => {
    const text = doc(
      mesh,
      backends,
      fragment('myapp-service1', OLD, service1),
      fragment('myapp-service2', NEW, service2),
    );
    expect(at(text, '/service1')).toBe('outbound|80||service1.default.svc.cluster.local');
    expect(at(text, '/service2')).toBe('outbound|80||service2.default.svc.cluster.local');
  });
  it('a catch-all rule in an older fragment moves to the end of the merged routes', () => {
    const text = doc(mesh, backends, fragment('a-catch-all', OLD, catchAll), fragment('b-service2', NEW, service2));
    expect(at(text, '/service2')).toBe('outbound|80||service2.default.svc.cluster.local');
    expect(at(text, '/other')).toBe('outbound|80||service3.default.svc.cluster.local');
  });
  it('on sidecars fragments are not merged: only the oldest VirtualService for the host applies', () => {
    const sidecarHost = service('myapp', 'default', {
      ports: [{ port: 80, name: 'http' }],
      selector: { app: 'myservice' },
    });
    const vs = (name: string, time: string, rule: string) =>
      istio('VirtualService', name, 'default', `hosts: [myapp]\nhttp:\n${rule}`, time);
    const text = doc(
      mesh,
      backends,
      sidecarHost,
      vs('myapp-service1', OLD, service1),
      vs('myapp-service2', NEW, service2),
    );
    const call2 = (path: string) =>
      simulateScenario(text, { from: 'ns1/client', to: `http://myapp.default.svc.cluster.local${path}` });
    expect(call2('/service1').hops[0]?.cluster).toBe('outbound|80||service1.default.svc.cluster.local');
    expect(call2('/service2').outcome).toBe('no-route');
  });
});
