/**
 * Scenarios after istio.io's "Understanding Traffic Routing" and "Protocol Selection" pages
 * (ops/configuration/traffic-management/traffic-routing, protocol-selection): HTTP routed by Host and port whatever the
 * IP, TCP by IP and port, ServiceEntry addresses against endpoints, headless and ExternalName Services, protocols by
 * port name and appProtocol. Objects written anew; where the page describes an older release, the case says so.
 */
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('curl', 'default', { labels: { app: 'curl' }, ip: '10.244.4.9' }),
  pod('productpage', 'default', { labels: { app: 'productpage' }, ip: '10.244.4.1' }),
  pod('db-0', 'default', { labels: { app: 'db' }, ip: '10.244.4.2' }),
  service('productpage', 'default', {
    clusterIP: '10.96.0.10',
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'productpage' },
  }),
);
function run(text: string, request: Omit<TraceRequest, 'from'>) {
  const t = simulateScenario(text, { from: 'default/curl', ...request });
  return {
    outcome: t.outcome,
    listener: t.hops[0]?.listener,
    cluster: t.hops[0]?.cluster,
    endpoint: t.hops[0]?.endpoint,
  };
}

describe('traffic routing by protocol', () => {
  it('HTTP is routed by Host and port: curl 8.8.8.8:9080 -H "Host: productpage..." reaches productpage', () => {
    expect(
      run(base, {
        to: '8.8.8.8',
        port: 9080,
        protocol: 'http',
        headers: { host: 'productpage.default.svc.cluster.local' },
      }),
    ).toMatchObject({ outcome: 'routed', cluster: 'outbound|9080||productpage.default.svc.cluster.local' });
  });
  it('on a port no service uses, the same request is unmatched and passes through', () => {
    expect(
      run(base, {
        to: '8.8.8.8',
        port: 80,
        protocol: 'http',
        headers: { host: 'productpage.default.svc.cluster.local' },
      }),
    ).toMatchObject({ outcome: 'passthrough', cluster: 'PassthroughCluster', endpoint: '8.8.8.8:80' });
  });
  it('a ServiceEntry with addresses matches its address and sends to its endpoints', () => {
    const se = istio(
      'ServiceEntry',
      'ext',
      'default',
      'hosts: [ext.example]\naddresses: [1.1.1.1]\nresolution: STATIC\n' +
        'ports: [{number: 5000, name: tcp, protocol: TCP}]\n' +
        'endpoints: [{address: 2.2.2.2}, {address: 3.3.3.3}]',
    );
    const t = run(doc(base, se), { to: '1.1.1.1', port: 5000, protocol: 'tcp' });
    expect(t).toMatchObject({ outcome: 'routed', listener: '1.1.1.1_5000', cluster: 'outbound|5000||ext.example' });
    expect(['2.2.2.2:5000', '3.3.3.3:5000']).toContain(t.endpoint);
    expect(run(doc(base, se), { to: '1.1.1.2', port: 5000, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
    });
  });
  it('a TCP ServiceEntry without addresses matches every IP on its port', () => {
    const se = istio(
      'ServiceEntry',
      'ext',
      'default',
      'hosts: [ext.example]\nresolution: STATIC\nports: [{number: 5000, name: tcp, protocol: TCP}]\n' +
        'endpoints: [{address: 2.2.2.2}]',
    );
    expect(run(doc(base, se), { to: '1.1.1.2', port: 5000, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      listener: '0.0.0.0_5000',
      cluster: 'outbound|5000||ext.example',
    });
  });
});

describe('service types', () => {
  const headless = service('db', 'default', {
    clusterIP: 'None',
    ports: [{ port: 5432, name: 'tcp' }],
    selector: { app: 'db' },
  });
  it('a headless Service gets a listener per pod IP and declared port', () => {
    expect(run(doc(base, headless), { to: 'db', port: 5432, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      listener: '10.244.4.2_5432',
      cluster: 'outbound|5432||db.default.svc.cluster.local',
    });
  });
  it('a port the headless Service does not declare is unmatched: passthrough, no mTLS', () => {
    expect(run(doc(base, headless), { to: '10.244.4.2', port: 6000, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
      cluster: 'PassthroughCluster',
    });
  });
  it('an ExternalName Service is an alias: no listener of its own, a TCP connection on its port passes through', () => {
    // The page (older releases) says all IPs on the port are matched; istiod now converts ExternalName to an alias
    // (serviceregistry/kube/conversion.go) and builds no listener for it (listener.go: buildSidecarOutboundListener).
    const en = service('mydb', 'default', {
      type: 'ExternalName',
      externalName: 'db.example.com',
      ports: [{ port: 3306, name: 'tcp' }],
    });
    expect(run(doc(base, en), { to: '10.9.9.9', port: 3306, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
      listener: 'virtualOutbound',
    });
  });
});

describe('protocol selection', () => {
  const myservice = service('myservice', 'default', {
    clusterIP: '10.96.0.20',
    ports: [
      { port: 3306, name: 'database', appProtocol: 'mysql' },
      { port: 80, name: 'http-web' },
      { port: 81, name: 'database2' },
    ],
    selector: { app: 'db' },
  });
  it('appProtocol mysql: a TCP listener on the service IP', () => {
    expect(run(doc(base, myservice), { to: 'myservice', port: 3306, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      listener: '10.96.0.20_3306',
    });
  });
  it('a port named http-web: HTTP on the shared 0.0.0.0 listener', () => {
    expect(run(doc(base, myservice), { to: 'http://myservice:80/' })).toMatchObject({
      outcome: 'routed',
      listener: '0.0.0.0_80',
    });
  });
  it('a port whose name names no protocol is sniffed: HTTP and raw TCP both reach the service', () => {
    const text = doc(base, myservice);
    expect(run(text, { to: 'http://myservice:81/' })).toMatchObject({ outcome: 'routed', listener: '10.96.0.20_81' });
    expect(run(text, { to: 'myservice', port: 81, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|81||myservice.default.svc.cluster.local',
    });
  });
});
