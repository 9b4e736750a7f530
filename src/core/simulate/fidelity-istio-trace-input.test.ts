// The request forms Istio's simulation calls use (pilot/pkg/simulation/traffic.go: Call — address, port, Host header,
// SNI, TLS, TCP), given to a trace: each is read as meant, and a malformed one is refused with a reason, not traced.
import { describe, expect, it } from 'vitest';
import { analyze, simulateRequest, type TraceRequest } from '../index.ts';
import { doc, namespace, pod, service, traceSummary } from '../testkit.ts';

const mesh = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  pod('client', 'default', { labels: { app: 'client' }, ip: '10.1.0.5' }),
  pod('server', 'default', { labels: { app: 'server' }, ip: '10.1.0.9' }),
  service('server', 'default', {
    clusterIP: '10.96.7.1',
    selector: { app: 'server' },
    ports: [
      { port: 80, name: 'http-web' },
      { port: 5432, name: 'tcp-db' },
      { port: 443, name: 'tls-api' },
    ],
  }),
);
const refused = (request: Omit<TraceRequest, 'from'>) => {
  const result = simulateRequest(analyze([{ name: 'scenario.yaml', text: mesh }]), {
    from: 'default/client',
    ...request,
  });
  return result.ok ? undefined : result.reason;
};

describe('request forms of Istio simulation calls', () => {
  it('a port by its name picks the Service port, and its protocol', () => {
    const t = traceSummary(mesh, { from: 'default/client', to: 'server', portName: 'tcp-db' });
    expect(t.out).toMatchObject({
      listener: '10.96.7.1_5432',
      cluster: 'outbound|5432||server.default.svc.cluster.local',
    });
    expect(traceSummary(mesh, { from: 'default/client', to: 'server', portName: 'http-web' }).out?.routeConfig).toBe(
      '80',
    );
  });
  it('an unknown port name is refused, naming the ports there are', () => {
    expect(refused({ to: 'server', portName: 'grpc' })).toMatch(/no port named grpc.*http-web 80, tcp-db 5432/);
    expect(refused({ to: 'example.com', portName: 'http' })).toMatch(/needs a Service or ServiceEntry/);
  });
  it('an address that is no IP is refused', () => {
    expect(refused({ to: 'server', port: 80, address: '999.1.1.1' })).toMatch(/must be an IP address/);
    expect(refused({ to: 'server', port: 80, address: 'server' })).toMatch(/must be an IP address/);
  });
  it('a dotted name that is no IPv4 address is looked up as a name', () => {
    expect(traceSummary(mesh, { from: 'default/client', to: '10.1.0.999', port: 80 }).outcome).toBe('dns-failure');
  });
  it('an address with a Host header: the Host picks the virtual host on an HTTP port', () => {
    const t = traceSummary(mesh, {
      from: 'default/client',
      to: '1.3.3.7',
      port: 80,
      headers: { Host: 'server.default.svc.cluster.local' },
    });
    expect(t.out).toMatchObject({
      listener: '0.0.0.0_80',
      virtualHost: 'server.default.svc.cluster.local:80',
      cluster: 'outbound|80||server.default.svc.cluster.local',
    });
  });
  it('TLS with an SNI to an address', () => {
    const t = traceSummary(mesh, {
      from: 'default/client',
      to: '10.96.7.1',
      port: 443,
      protocol: 'tls',
      sni: 'server.default.svc.cluster.local',
    });
    expect(t.out).toMatchObject({
      listener: '10.96.7.1_443',
      cluster: 'outbound|443||server.default.svc.cluster.local',
    });
  });
  it('an IPv6 address', () => {
    const t = traceSummary(mesh, { from: 'default/client', to: '[2001:db8::1]:8080', protocol: 'tcp' });
    expect(t.out).toMatchObject({ listener: 'virtualOutbound', cluster: 'PassthroughCluster' });
  });
});
