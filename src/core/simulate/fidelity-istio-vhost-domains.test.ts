// Fidelity against Istio's virtual host domains (pilot/pkg/networking/core/httproute.go: generateVirtualHostDomains;
// httproute_test.go: TestGenerateVirtualHostDomains): which Host headers a Service's or ServiceEntry's virtual host
// takes, from a client in the Service's namespace and from another one. A Host no virtual host takes goes to the
// allow_any virtual host (PassthroughCluster).
import { describe, expect, it } from 'vitest';
import { doc, istio, meshConfig, namespace, pod, service, simulateScenario } from '../testkit.ts';

const text = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('mesh', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('c', 'default', { labels: { app: 'c' }, ip: '10.1.0.1' }),
  pod('c', 'mesh', { labels: { app: 'c' }, ip: '10.1.0.2' }),
  pod('echo', 'default', { labels: { app: 'echo' }, ip: '10.1.0.3' }),
  service('echo', 'default', {
    clusterIP: '10.96.0.3',
    ports: [{ port: 80, name: 'http' }],
    selector: { app: 'echo' },
  }),
  istio(
    'ServiceEntry',
    'se',
    'default',
    'hosts: [aaa.example.local, foo.default.svc.bar.baz]\nresolution: DNS\n' +
      'ports: [{number: 80, name: http, protocol: HTTP}]',
  ),
);
const clusterFor = (from: string, host: string) =>
  simulateScenario(text, { from, to: 'http://10.96.0.3/', headers: { host } }).hops[0]?.cluster;
const ECHO = 'outbound|80||echo.default.svc.cluster.local';

describe('virtual host domains of a Kubernetes Service', () => {
  const both = [
    'echo.default',
    'echo.default.svc',
    'echo.default.svc.cluster.local',
    'echo.default.svc.cluster.local.',
  ];
  for (const host of [...both, 'ECHO.default', 'echo.default:80', 'echo.default.svc.cluster.local:80'])
    it(`${host}: taken from any namespace`, () => {
      expect(clusterFor('default/c', host)).toBe(ECHO);
      expect(clusterFor('mesh/c', host)).toBe(ECHO);
    });
  for (const host of ['echo', 'echo:80'])
    it(`${host}: the short name only from the Service's own namespace`, () => {
      expect(clusterFor('default/c', host)).toBe(ECHO);
      expect(clusterFor('mesh/c', host)).toBe('PassthroughCluster');
    });
  it('echo.default.svc.cluster is no domain of it', () => {
    expect(clusterFor('default/c', 'echo.default.svc.cluster')).toBe('PassthroughCluster');
  });
});

describe('virtual host domains of ServiceEntry hosts outside the cluster domain', () => {
  for (const [host, cluster] of [
    ['aaa.example.local', 'outbound|80||aaa.example.local'],
    ['aaa.example.local.', 'outbound|80||aaa.example.local'],
    ['aaa', 'PassthroughCluster'],
    ['aaa.example', 'PassthroughCluster'],
    ['foo.default.svc.bar.baz', 'outbound|80||foo.default.svc.bar.baz'],
    ['foo', 'PassthroughCluster'],
    ['foo.default', 'PassthroughCluster'],
  ] as const)
    it(`${host} → ${cluster}`, () => {
      expect(clusterFor('default/c', host)).toBe(cluster);
    });
});

// route.go: buildSidecarVirtualHostsForVirtualService — VirtualService hosts that are no service get virtual hosts on
// the ports of the services the VirtualService also names, or on port 80 alone (httproute_test.go:
// TestSidecarOutboundHTTPRouteConfig).
describe('virtual hosts for VirtualService hosts that are no service', () => {
  const world = doc(
    namespace('default', { 'istio-injection': 'enabled' }),
    namespace('istio-system'),
    pod('c', 'default', { labels: { app: 'c' }, ip: '10.1.0.1' }),
    pod('s', 'default', { labels: { app: 's' }, ip: '10.1.1.1' }),
    service('backend', 'default', {
      clusterIP: '10.96.0.5',
      ports: [
        { port: 80, name: 'http' },
        { port: 8080, name: 'http-alt' },
      ],
      selector: { app: 's' },
    }),
    meshConfig('outboundTrafficPolicy: {mode: REGISTRY_ONLY}'),
  );
  const at = (text: string, to: string) => {
    const t = simulateScenario(text, { from: 'default/c', to, address: '9.9.9.9' });
    return { outcome: t.outcome, virtualHost: t.hops[0]?.virtualHost, cluster: t.hops[0]?.cluster };
  };
  it('a wildcard host alone: a virtual host on port 80 only, even under REGISTRY_ONLY', () => {
    const vs = istio(
      'VirtualService',
      'w',
      'default',
      'hosts: ["*.example.com"]\nhttp:\n- route: [{destination: {host: backend, port: {number: 80}}}]',
    );
    expect(at(doc(world, vs), 'http://foo.example.com/')).toMatchObject({
      outcome: 'routed',
      virtualHost: '*.example.com:80',
    });
    expect(at(doc(world, vs), 'http://foo.example.com:8080/')).toMatchObject({ outcome: 'blackhole' });
  });
  it('next to a service host, on every HTTP port of that service', () => {
    const vs = istio(
      'VirtualService',
      'r',
      'default',
      'hosts: [backend.default.svc.cluster.local, other.com]\n' +
        'http:\n- route: [{destination: {host: backend, port: {number: 8080}}}]',
    );
    expect(at(doc(world, vs), 'http://other.com/')).toMatchObject({ virtualHost: 'other.com:80' });
    expect(at(doc(world, vs), 'http://other.com:8080/')).toMatchObject({
      virtualHost: 'other.com:8080',
      cluster: 'outbound|8080||backend.default.svc.cluster.local',
    });
  });
  it('a route to a host no registry knows keeps its virtual host and answers 503 NC', () => {
    const vs = istio(
      'VirtualService',
      'n',
      'default',
      'hosts: [api.example.org]\nhttp:\n- route: [{destination: {host: nope.example.org}}]',
    );
    expect(at(doc(world, vs), 'http://api.example.org/')).toMatchObject({
      outcome: 'cluster-not-found',
      virtualHost: 'api.example.org:80',
    });
  });
});
