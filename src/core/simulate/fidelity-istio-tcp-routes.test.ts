// Fidelity against Istio's TCP routes on a sidecar (pilot/pkg/networking/core/listener.go:
// buildSidecarOutboundTCPTLSFilterChainOpts, matchTCP): port, sourceLabels, sourceNamespace and destinationSubnets
// matches, weights, and the service's own cluster when no rule matches.
import { describe, expect, it } from 'vitest';
import { doc, istio, namespace, pod, service, simulateScenario } from '../testkit.ts';

const base = doc(
  namespace('default', { 'istio-injection': 'enabled' }),
  namespace('istio-system'),
  pod('c', 'default', { labels: { app: 'c', version: 'v1' }, ip: '10.1.0.1' }),
  pod('db1', 'default', { labels: { app: 'db', version: 'v1' }, ip: '10.1.1.1' }),
  pod('db2', 'default', { labels: { app: 'db', version: 'v2' }, ip: '10.1.1.2' }),
  service('db', 'default', {
    clusterIP: '10.96.0.5',
    ports: [
      { port: 27017, name: 'mongo' },
      { port: 5000, name: 'tcp' },
    ],
    selector: { app: 'db' },
  }),
  service('db2', 'default', {
    clusterIP: '10.96.0.6',
    ports: [{ port: 5000, name: 'tcp' }],
    selector: { version: 'v2' },
  }),
  istio(
    'DestinationRule',
    'db',
    'default',
    'host: db\nsubsets:\n- {name: v1, labels: {version: v1}}\n- {name: v2, labels: {version: v2}}',
  ),
);
const tcp = (rules: string) => istio('VirtualService', 'db', 'default', `hosts: [db]\ntcp:\n${rules}`);
const clusterOf = (text: string, port = 5000) =>
  simulateScenario(text, { from: 'default/c', to: 'db', port, protocol: 'tcp' }).hops[0]?.cluster;
const DB = (port: number, subset = '') => `outbound|${port}|${subset}|db.default.svc.cluster.local`;

describe('TCP routes of a VirtualService', () => {
  const byPort = tcp(
    '- match: [{port: 27017}]\n  route: [{destination: {host: db, subset: v2, port: {number: 27017}}}]',
  );
  it('a port match routes that port', () => expect(clusterOf(doc(base, byPort), 27017)).toBe(DB(27017, 'v2')));
  it('another port of the host keeps the service cluster', () => expect(clusterOf(doc(base, byPort))).toBe(DB(5000)));
  it('sourceLabels of the client select the rule', () => {
    const rule = (version: string) =>
      tcp(`- match: [{sourceLabels: {version: ${version}}}]\n  route: [{destination: {host: db, subset: v2}}]`);
    expect(clusterOf(doc(base, rule('v1')))).toBe(DB(5000, 'v2'));
    expect(clusterOf(doc(base, rule('v9')))).toBe(DB(5000));
  });
  it('sourceNamespace of another namespace skips the rule; the next one applies', () => {
    const text = doc(
      base,
      tcp(
        '- match: [{sourceNamespace: other}]\n  route: [{destination: {host: db2}}]\n' +
          '- route: [{destination: {host: db, subset: v1}}]',
      ),
    );
    expect(clusterOf(text)).toBe(DB(5000, 'v1'));
  });
  it('destinationSubnets: a matching subnet takes the rule, another one leaves the default chain', () => {
    const rule = (cidr: string) =>
      tcp(`- match: [{destinationSubnets: ["${cidr}"]}]\n  route: [{destination: {host: db, subset: v2}}]`);
    expect(clusterOf(doc(base, rule('10.96.0.0/24')))).toBe(DB(5000, 'v2'));
    expect(clusterOf(doc(base, rule('10.97.0.0/24')))).toBe(DB(5000));
  });
  it('weights: the heavier destination is followed', () => {
    const text = doc(
      base,
      tcp(
        '- route:\n  - {destination: {host: db, subset: v1}, weight: 20}\n' +
          '  - {destination: {host: db, subset: v2}, weight: 80}',
      ),
    );
    expect(clusterOf(text)).toBe(DB(5000, 'v2'));
  });
  it('a route to another service', () => {
    expect(clusterOf(doc(base, tcp('- route: [{destination: {host: db2}}]')))).toBe(
      'outbound|5000||db2.default.svc.cluster.local',
    );
  });
});
