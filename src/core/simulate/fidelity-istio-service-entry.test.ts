// Fidelity against Istio's own tests: ServiceEntries whose addresses are CIDRs (IPv6 too) that repeat or overlap, a
// TLS VirtualService's SNI on top of them, and an address two entries share
// (pilot/pkg/networking/core/serviceentry_simulation_test.go: TestServiceEntry).
import { describe, expect, it } from 'vitest';
import type { AppProtocol } from './request.ts';
import { doc, istio, namespace, pod, traceSummary } from '../testkit.ts';

const client = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('client', 'default', { labels: { app: 'foo' }, ip: '10.1.0.5' }),
);
const entry = (name: string, host: string, addresses: string[], protocol: string) =>
  istio(
    'ServiceEntry',
    name,
    'default',
    `hosts: [${host}]\naddresses: [${addresses.map((a) => `"${a}"`).join(', ')}]\n` +
      `ports: [{number: 9999, name: port-9999, protocol: ${protocol}}]`,
  );
const twoEntries = (addresses: [string, string], protocol: string) =>
  doc(
    client,
    entry('se1', 'blah1.somedomain', [addresses[0]], protocol),
    entry('se2', 'blah2.somedomain', [addresses[1]], protocol),
  );
const tlsRoute = istio(
  'VirtualService',
  'vs1',
  'default',
  `hosts: [blah1.somedomain]
tls:
- match: [{port: 9999, sniHosts: [blah1.somedomain]}]
  route: [{destination: {host: blah1.somedomain, port: {number: 9999}}}]`,
);

function call(text: string, address: string, protocol: AppProtocol = 'tcp', sni?: string) {
  return traceSummary(text, {
    from: 'default/client',
    to: sni ?? address,
    address,
    port: 9999,
    protocol,
    ...(sni ? { sni } : {}),
  }).out;
}

describe('ServiceEntry CIDR addresses (serviceentry_simulation_test.go: TestServiceEntry)', () => {
  it('identical CIDR (ignoring insignificant bits): the second entry is dropped', () => {
    const text = twoEntries(
      ['1234:1f1:123:123:f816:3eff:feb8:2287/32', '1234:1f1:123:123:f816:3eff:febf:57ce/32'],
      'TCP',
    );
    expect(call(text, '1234:1f1:1:1:1:1:1:1')).toMatchObject({
      listener: '0.0.0.0_9999',
      cluster: 'outbound|9999||blah1.somedomain',
    });
  });

  describe('overlapping CIDR', () => {
    const text = twoEntries(
      ['1234:1f1:123:123:f816:3eff:feb8:2287/16', '1234:1f1:123:123:f816:3eff:febf:57ce/32'],
      'TCP',
    );
    it('an address in both goes to the longer prefix', () => {
      expect(call(text, '1234:1f1:123:123:f816:3eff:febf:57ce')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'outbound|9999||blah2.somedomain',
      });
    });
    it('an address only in the shorter prefix goes there', () => {
      expect(call(text, '1234::1')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'outbound|9999||blah1.somedomain',
      });
    });
  });

  describe('overlapping CIDR with SNI', () => {
    const text = doc(
      twoEntries(['1234:1f1:123:123:f816:3eff:feb8:2287/16', '1234:1f1:123:123:f816:3eff:febf:57ce/32'], 'TLS'),
      tlsRoute,
    );
    it('IP and SNI match: longer IP', () => {
      expect(call(text, '1234:1f1:123:123:f816:3eff:febf:57ce', 'tls', 'blah2.somedomain')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'outbound|9999||blah2.somedomain',
      });
    });
    it('IP and SNI match: shorter IP', () => {
      expect(call(text, '1234::1', 'tls', 'blah1.somedomain')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'outbound|9999||blah1.somedomain',
      });
    });
    it('mismatch of IP and SNI, longer IP: the prefix decides first, then no SNI fits (istio/istio#52235)', () => {
      expect(call(text, '1234:1f1:123:123:f816:3eff:febf:57ce', 'tls', 'blah1.somedomain')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'PassthroughCluster',
      });
    });
    it('mismatch of IP and SNI, shorter IP', () => {
      expect(call(text, '1234::1', 'tls', 'blah2.somedomain')).toMatchObject({
        listener: '0.0.0.0_9999',
        cluster: 'PassthroughCluster',
      });
    });
  });

  describe('partial overlap of IP (istio/istio#52847)', () => {
    const text = doc(
      client,
      entry('se1', 'blah1.somedomain', ['1.1.1.1'], 'TCP'),
      entry('se2', 'blah2.somedomain', ['2.2.2.2', '1.1.1.1'], 'TCP'),
    );
    it('unique IP', () => {
      expect(call(text, '2.2.2.2')).toMatchObject({
        listener: '2.2.2.2_9999',
        cluster: 'outbound|9999||blah2.somedomain',
      });
    });
    it('shared IP: the first entry keeps it', () => {
      expect(call(text, '1.1.1.1')).toMatchObject({
        listener: '1.1.1.1_9999',
        cluster: 'outbound|9999||blah1.somedomain',
      });
    });
  });
});
