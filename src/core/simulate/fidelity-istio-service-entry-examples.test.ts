// Fidelity against the istio.io ServiceEntry reference examples and Istio's ServiceEntry conversion
// (pilot/pkg/serviceregistry/serviceentry/conversion.go; listener.go for CIDR addresses): addresses against
// endpoints, CIDR addresses as a filter chain on 0.0.0.0, wildcard hosts with resolution NONE, DNS endpoints with their
// own ports, TLS hosts by SNI, and WorkloadEntries selected by workloadSelector.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, simulateScenario } from '../testkit.ts';
import type { TraceRequest } from '../index.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('c', 'default', { labels: { app: 'c' }, ip: '10.1.0.1' }),
);
const se = (name: string, spec: string) => istio('ServiceEntry', name, 'default', spec);
function run(text: string, request: Omit<TraceRequest, 'from'>) {
  const t = simulateScenario(text, { from: 'default/c', ...request });
  const end = t.steps.at(-1)?.fact;
  return {
    outcome: t.outcome,
    status: t.status,
    chain: t.hops[0]?.filterChain,
    cluster: t.hops[0]?.cluster,
    endpoint: t.hops[0]?.endpoint,
    end: end?.kind === 'outcome' ? end.end : undefined,
  };
}

describe('ServiceEntry reference examples', () => {
  const mongo = se(
    'external-svc-mongocluster',
    'hosts: [mymongodb.somedomain]\naddresses: [192.192.192.192/24]\n' +
      'ports: [{number: 27018, name: mongodb, protocol: MONGO}]\nlocation: MESH_INTERNAL\nresolution: STATIC\n' +
      'endpoints: [{address: 2.2.2.2}, {address: 3.3.3.3}]',
  );
  it('a CIDR address: a filter chain on 0.0.0.0 for the range, sent to the static endpoints', () => {
    const t = run(doc(base, mongo), { to: '192.192.192.10', port: 27018, protocol: 'tcp' });
    expect(t).toMatchObject({ outcome: 'routed', chain: 'Addr: 192.192.192.192/24' });
    expect(['2.2.2.2:27018', '3.3.3.3:27018']).toContain(t.endpoint);
  });
  it('an address outside the range passes through', () => {
    expect(run(doc(base, mongo), { to: '192.192.193.10', port: 27018, protocol: 'tcp' })).toMatchObject({
      outcome: 'passthrough',
      cluster: 'PassthroughCluster',
    });
  });
  it('with a DestinationRule MUTUAL the connection is TLS', () => {
    const dr = istio(
      'DestinationRule',
      'mtls-mongocluster',
      'default',
      'host: mymongodb.somedomain\ntrafficPolicy:\n  tls: {mode: MUTUAL, clientCertificate: /etc/certs/c.pem, ' +
        'privateKey: /etc/certs/k.pem, caCertificates: /etc/certs/ca.pem}',
    );
    expect(run(doc(base, mongo, dr), { to: '192.192.192.10', port: 27018, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      end: { reason: 'DELIVERED', transport: 'tls' },
    });
  });
  it('a wildcard host with resolution NONE: matching Hosts go to the address dialed', () => {
    const wild = se(
      'external-svc-wildcard-example',
      'hosts: ["*.bar.com"]\nlocation: MESH_EXTERNAL\nports: [{number: 80, name: http, protocol: HTTP}]\n' +
        'resolution: NONE',
    );
    expect(run(doc(base, wild), { to: 'http://foo.bar.com/', address: '9.9.9.9' })).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|80||*.bar.com',
      endpoint: '9.9.9.9:80',
    });
    expect(run(doc(base, wild), { to: 'http://foo.baz.com/', address: '9.9.9.9' })).toMatchObject({
      outcome: 'passthrough',
    });
  });
  it('DNS endpoints with their own port numbers', () => {
    const dns = se(
      'external-svc-dns',
      'hosts: [foo.bar.com]\nlocation: MESH_EXTERNAL\nports: [{number: 443, name: https, protocol: HTTPS}]\n' +
        'resolution: DNS\nendpoints:\n- address: us.foo.bar.com\n  ports: {https: 8443}\n' +
        '- address: uk.foo.bar.com\n  ports: {https: 9443}',
    );
    const t = run(doc(base, dns), { to: 'https://foo.bar.com/', address: '9.9.9.9' });
    expect(t).toMatchObject({ outcome: 'routed', chain: 'SNI: foo.bar.com', cluster: 'outbound|443||foo.bar.com' });
    expect(['us.foo.bar.com:8443', 'uk.foo.bar.com:9443']).toContain(t.endpoint);
  });
  it('TLS hosts are told apart by SNI; another SNI on the port passes through', () => {
    const tls = se(
      'tls',
      'hosts: [api.dropbox.com, www.googleapis.com]\nlocation: MESH_EXTERNAL\n' +
        'ports: [{number: 443, name: tls, protocol: TLS}]\nresolution: DNS',
    );
    expect(run(doc(base, tls), { to: 'https://api.dropbox.com/', address: '9.9.9.9' })).toMatchObject({
      outcome: 'routed',
      chain: 'SNI: api.dropbox.com',
      cluster: 'outbound|443||api.dropbox.com',
    });
    expect(run(doc(base, tls), { to: 'https://www.example.com/', address: '9.9.9.9' })).toMatchObject({
      outcome: 'passthrough',
      chain: 'PassthroughFilterChain',
    });
  });
  it('resolution NONE with a CIDR: the connection keeps its destination address', () => {
    const none = se(
      'tcp-none',
      'hosts: [db.example]\nlocation: MESH_EXTERNAL\naddresses: [10.200.0.0/16]\n' +
        'ports: [{number: 5432, name: tcp, protocol: TCP}]\nresolution: NONE',
    );
    expect(run(doc(base, none), { to: '10.200.1.1', port: 5432, protocol: 'tcp' })).toMatchObject({
      outcome: 'routed',
      cluster: 'outbound|5432||db.example',
      endpoint: '10.200.1.1:5432',
    });
  });
  it('a MESH_INTERNAL static endpoint without tlsMode: auto mTLS sends plaintext to the targetPort', () => {
    const internal = se(
      'vm',
      'hosts: [details.bookinfo.com]\nlocation: MESH_INTERNAL\n' +
        'ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]\nresolution: STATIC\n' +
        'endpoints: [{address: 2.2.2.2, labels: {app: details-legacy}}]',
    );
    expect(run(doc(base, internal), { to: 'http://details.bookinfo.com/', address: '9.9.9.9' })).toMatchObject({
      outcome: 'routed',
      endpoint: '2.2.2.2:8080',
      end: { reason: 'DELIVERED', transport: 'plaintext' },
    });
  });
});

describe('WorkloadEntries selected by a ServiceEntry (VMs)', () => {
  const vmService = se(
    'vm-svc',
    'hosts: [vm.example.com]\nlocation: MESH_INTERNAL\n' +
      'ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]\nresolution: STATIC\n' +
      'workloadSelector: {labels: {app: vm}}',
  );
  const entry = (spec: string) => istio('WorkloadEntry', 'vm1', 'default', `address: 2.2.2.2\n${spec}`);
  it('a WorkloadEntry with a serviceAccount runs a proxy: auto mTLS reaches it', () => {
    expect(
      run(doc(base, vmService, entry('labels: {app: vm}\nserviceAccount: vm-sa')), {
        to: 'http://vm.example.com/',
        address: '9.9.9.9',
      }),
    ).toMatchObject({
      outcome: 'routed',
      status: 200,
      endpoint: '2.2.2.2:8080',
      end: { reason: 'DELIVERED_TO_SIDECAR', proxy: 'default/vm1', mtls: true },
    });
  });
  it('the tlsMode label says the same', () => {
    expect(
      run(doc(base, vmService, entry('labels: {app: vm, security.istio.io/tlsMode: istio}')), {
        to: 'http://vm.example.com/',
        address: '9.9.9.9',
      }),
    ).toMatchObject({ outcome: 'routed', end: { reason: 'DELIVERED_TO_SIDECAR', mtls: true } });
  });
  it('without either, the VM gets plaintext', () => {
    expect(
      run(doc(base, vmService, entry('labels: {app: vm}')), { to: 'http://vm.example.com/', address: '9.9.9.9' }),
    ).toMatchObject({ outcome: 'routed', end: { reason: 'DELIVERED', transport: 'plaintext' } });
  });
  it('a WorkloadEntry the selector does not pick: no endpoint, 503 UH', () => {
    expect(
      run(doc(base, vmService, entry('labels: {app: other}\nserviceAccount: vm-sa')), {
        to: 'http://vm.example.com/',
        address: '9.9.9.9',
      }),
    ).toMatchObject({ outcome: 'no-healthy-upstream', status: 503 });
  });
});
