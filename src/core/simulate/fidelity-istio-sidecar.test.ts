// Fidelity against Istio's own tests: the client sidecar's outbound side for headless and ExternalName Services,
// unknown destinations under each outbound traffic policy, and the capture-port loop guard
// (pilot/pkg/networking/core/sidecar_simulation_test.go: TestHeadlessServices, TestExternalNameServices,
// TestPassthroughTraffic, TestLoop). Calls go to a given address with a Host header or SNI, as Istio's calls do.
import { describe, expect, it } from 'vitest';
import type { TraceRequest } from '../index.ts';
import { doc, istio, meshConfig, namespace, pod, service, traceSummary } from '../testkit.ts';

const client = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.1.0.5' }),
);

const fivePorts = [
  { port: 80, name: 'http' },
  { port: 81, name: 'auto' },
  { port: 82, name: 'tcp' },
  { port: 83, name: 'tls' },
  { port: 84, name: 'https' },
];

/** The calls of TestHeadlessServices and TestExternalNameServices: a request per port, at 1.2.3.4. */
const portCalls = (host: string, shortHost: string): Array<{ name: string; request: Omit<TraceRequest, 'from'> }> => [
  { name: 'http-80', request: { to: host, address: '1.2.3.4', port: 80, protocol: 'http' } },
  { name: 'http-81', request: { to: host, address: '1.2.3.4', port: 81, protocol: 'http' } },
  { name: 'https-81', request: { to: host, address: '1.2.3.4', port: 81, protocol: 'https' } },
  { name: 'tcp-81', request: { to: host, address: '1.2.3.4', port: 81, protocol: 'tcp' } },
  { name: 'tcp-82', request: { to: host, address: '1.2.3.4', port: 82, protocol: 'tcp' } },
  { name: 'tls-83', request: { to: shortHost, address: '1.2.3.4', port: 83, protocol: 'tls' } },
  { name: 'https-84', request: { to: shortHost, address: '1.2.3.4', port: 84, protocol: 'https' } },
];

describe('headless Services (sidecar_simulation_test.go: TestHeadlessServices)', () => {
  const headless = doc(
    client,
    service('headless', 'default', { clusterIP: 'None', selector: { app: 'headless' }, ports: fivePorts }),
    pod('headless-0', 'default', { labels: { app: 'headless' }, ip: '1.2.3.4' }),
  );
  for (const c of portCalls('headless.default.svc.cluster.local', 'headless.default')) {
    it(`${c.name} goes to the headless Service's cluster`, () => {
      const t = traceSummary(headless, { from: 'default/client', ...c.request });
      expect(t.out?.cluster).toBe(`outbound|${c.request.port}||headless.default.svc.cluster.local`);
    });
  }
});

describe('ExternalName Services are aliases (sidecar_simulation_test.go: TestExternalNameServices)', () => {
  const aliased = doc(
    client,
    service('alias', 'default', {
      type: 'ExternalName',
      externalName: 'concrete.default.svc.cluster.local',
      ports: [],
    }),
    service('concrete', 'default', { clusterIP: '1.2.3.4', ports: fivePorts }),
  );
  for (const c of portCalls('alias.default.svc.cluster.local', 'alias.default')) {
    it(`${c.name} goes to the concrete Service's cluster`, () => {
      const t = traceSummary(aliased, { from: 'default/client', ...c.request });
      expect(t.out?.cluster).toBe(`outbound|${c.request.port}||concrete.default.svc.cluster.local`);
    });
  }

  const withHttpRoutes = doc(
    aliased,
    istio(
      'VirtualService',
      'alias',
      'default',
      `hosts: [alias.default.svc.cluster.local]
http:
- name: route1
  match: [{uri: {prefix: /one}}]
  route: [{destination: {host: concrete.default.svc.cluster.local}}]`,
    ),
  );
  const httpCases: Array<[string, string, number, string]> = [
    ['HTTP virtual service applies to alias fqdn', 'alias.default.svc.cluster.local', 80, 'route1'],
    ['HTTP virtual service does not apply to alias without exact match', 'alias.default', 80, 'default'],
    ['HTTP virtual service of alias does not apply to concrete', 'concrete.default.svc.cluster.local', 80, 'default'],
    ['Auto virtual service applies to alias fqdn', 'alias.default.svc.cluster.local', 81, 'default'],
    ['Auto virtual service does not apply to alias without exact match', 'alias.default', 81, 'default'],
    ['Auto virtual service of alias does not apply to concrete', 'concrete.default.svc.cluster.local', 81, 'default'],
  ];
  for (const [name, host, port, route] of httpCases) {
    it(name, () => {
      const t = traceSummary(withHttpRoutes, {
        from: 'default/client',
        to: `http://${host}:${port}/one`,
        address: '1.2.3.4',
      });
      expect(t.out).toMatchObject({ route, cluster: `outbound|${port}||concrete.default.svc.cluster.local` });
    });
  }

  it('TCP virtual services do not apply', () => {
    const withTcpRoutes = doc(
      aliased,
      istio(
        'VirtualService',
        'alias',
        'default',
        `hosts: [alias.default.svc.cluster.local]
tcp:
- route: [{destination: {host: concrete.default.svc.cluster.local, port: {number: 80}}}]`,
      ),
    );
    const t = traceSummary(withTcpRoutes, { from: 'default/client', to: '1.2.3.4', port: 82, protocol: 'tcp' });
    expect(t.out?.cluster).toBe('outbound|82||concrete.default.svc.cluster.local');
  });
});

// sidecar_simulation_test.go: TestPassthroughTraffic
describe('unknown destinations under each outbound traffic policy', () => {
  const sePorts = `ports:
- {name: http, number: 80, protocol: HTTP}
- {name: auto, number: 81}
- {name: tcp, number: 82, protocol: TCP}
- {name: tls, number: 83, protocol: TLS}
- {name: https, number: 84, protocol: HTTPS}
- {name: grpc, number: 85, protocol: GRPC}
- {name: h2, number: 86, protocol: HTTP2}`;
  const httpPorts = [80, 85, 86];
  const protocols = ['http', 'https', 'tcp'] as const;

  for (const mode of ['REGISTRY_ONLY', 'ALLOW_ANY'] as const) {
    for (const vip of [true, false]) {
      describe(`${mode}, ${vip ? 'with' : 'without'} VIP`, () => {
        const mesh = doc(
          client,
          meshConfig(`outboundTrafficPolicy: {mode: ${mode}}`),
          istio(
            'ServiceEntry',
            'se',
            'default',
            `hosts: [istio.io]\n${vip ? 'addresses: [1.2.3.4]\n' : ''}` +
              `location: MESH_EXTERNAL\nresolution: DNS\n${sePorts}`,
          ),
        );
        for (let port = 80; port <= 86; port++) {
          for (const protocol of protocols) {
            it(`${protocol}-${port}`, () => {
              const t = traceSummary(mesh, { from: 'default/client', to: 'foo', address: '1.3.3.7', port, protocol });
              const plainHttp = protocol === 'http';
              // Without a VIP the TCP port, and the auto port's TCP chain, capture everything on the port.
              if (!vip && (port === 82 || (port === 81 && !plainHttp))) {
                expect(t.out?.cluster).toBe(`outbound|${port}||istio.io`);
                return;
              }
              const httpListener = httpPorts.includes(port) || (!vip && port === 81);
              if (mode === 'REGISTRY_ONLY' && plainHttp && httpListener) {
                expect(t.out?.virtualHost).toBe('block_all');
                expect(t.status).toBe(502);
              } else {
                expect(t.out?.cluster).toBe(mode === 'REGISTRY_ONLY' ? 'BlackHoleCluster' : 'PassthroughCluster');
              }
            });
          }
        }
      });
    }
  }
});

describe("the sidecar's own capture ports (sidecar_simulation_test.go: TestLoop)", () => {
  for (const port of [15001, 15006]) {
    it(`a direct request to ${port} is sent to BlackHoleCluster`, () => {
      const t = traceSummary(client, { from: 'default/client', to: '1.3.3.7', port, protocol: 'tcp' });
      expect(t.out?.cluster).toBe('BlackHoleCluster');
      expect(['routed', 'direct']).not.toContain(t.outcome);
    });
  }
});
