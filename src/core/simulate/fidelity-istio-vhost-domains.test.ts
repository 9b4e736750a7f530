// Fidelity against Istio's virtual host domains (pilot/pkg/networking/core/httproute.go: generateVirtualHostDomains;
// httproute_test.go: TestGenerateVirtualHostDomains): which Host headers a Service's or ServiceEntry's virtual host
// takes, from a client in the Service's namespace and from another one. A Host no virtual host takes goes to the
// allow_any virtual host (PassthroughCluster).
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';

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
