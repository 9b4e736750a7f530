import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { doc, istio, meshConfig, namespace, pod, service } from '../testkit.ts';
import { findings } from './testkit.ts';

const mesh = doc(
  namespace('a', { 'istio-injection': 'enabled' }),
  namespace('b', { 'istio-injection': 'enabled' }),
  pod('sleep', 'a', { labels: { app: 'sleep' }, ip: '10.244.1.1' }),
  service('payments', 'b', {
    ports: [{ port: 8080, name: 'http' }],
    selector: { app: 'payments' },
    clusterIP: '10.96.0.40',
  }),
  pod('payments-1', 'b', { labels: { app: 'payments' }, ip: '10.244.2.1' }),
  istio('VirtualService', 'payments', 'b', 'hosts: [payments]\nhttp:\n- route:\n  - destination: {host: payments}'),
);
const sidecar = (hosts: string, extra = '') => istio('Sidecar', 'default', 'a', `egress:\n- hosts: [${hosts}]${extra}`);

describe('Sidecar egress hosts do not block under ALLOW_ANY (the sidecar-egress gotcha)', () => {
  it('reports nothing when the Sidecar imports everything, or the policy is REGISTRY_ONLY', () => {
    expect(findings(doc(mesh, sidecar('"*/*"')), ['SIDECAR_HIDES_HOSTS'])).toEqual([]);
    expect(
      findings(doc(mesh, sidecar('"./*"', '\noutboundTrafficPolicy: {mode: REGISTRY_ONLY}')), ['SIDECAR_HIDES_HOSTS']),
    ).toEqual([]);
    expect(findings(doc(mesh, sidecar('"./*", "b/payments.b.svc.cluster.local"')), ['SIDECAR_HIDES_HOSTS'])).toEqual(
      [],
    );
  });

  it('names a hidden service and the VirtualService its calls skip, and the trace goes to PassthroughCluster', () => {
    const text = doc(mesh, sidecar('"./*", "istio-system/*"'));
    const found = findings(text, ['SIDECAR_HIDES_HOSTS']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['info', '- hosts: ["./*", "istio-system/*"]']]);
    expect(found[0]?.message).toContain('still reach payments.b.svc.cluster.local through PassthroughCluster');
    expect(found[0]?.message).toContain('has VirtualService b/payments');
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), {
      from: 'a/sleep',
      to: 'http://payments.b:8080/',
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.outcome).toBe('passthrough');
  });
});

describe('ServiceEntries without addresses (serviceentry/protocoladdresses.go)', () => {
  const se = (resolution: string, protocol: string, extra = '') =>
    istio(
      'ServiceEntry',
      'db',
      'a',
      `hosts: [db.corp.internal]\nresolution: ${resolution}\nports: [{number: 5432, name: p, ${protocol}}]${extra}`,
    );

  it('reports nothing with addresses, with an HTTP port on DNS, or with DNS capture on for DNS resolution', () => {
    const codes = ['IST0134', 'SERVICE_ENTRY_NO_ADDRESS'] as const;
    expect(
      findings(
        doc(mesh, se('STATIC', 'protocol: TCP', '\naddresses: [10.1.1.1]\nendpoints: [{address: 10.1.1.1}]')),
        codes,
      ),
    ).toEqual([]);
    expect(findings(doc(mesh, se('DNS', 'protocol: HTTP')), codes)).toEqual([]);
    const capture = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');
    expect(findings(doc(mesh, capture, se('DNS', 'protocol: TCP')), codes)).toEqual([]);
  });

  it('IST0134: a TCP port without addresses takes the whole port, and the trace sends another IP there', () => {
    const text = doc(mesh, se('DNS', 'protocol: TCP'));
    const found = findings(text, ['IST0134']);
    expect(found.map((f) => [f.severity, f.at])).toEqual([['warning', '{number: 5432, name: p, protocol: TCP}]']]);
    const result = traceRequest(analyze([{ name: 's.yaml', text }]), { from: 'a/sleep', to: '203.0.113.9:5432' });
    if (!result.ok) throw new Error(result.reason);
    expect(result.trace.steps.find((s) => s.kind === 'cluster')?.title).toContain('outbound|5432||db.corp.internal');
    // With resolution NONE even DNS capture gives it no address.
    const capture = meshConfig('defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"');
    expect(findings(doc(mesh, capture, se('NONE', 'protocol: TCP')), ['IST0134'])).toHaveLength(1);
  });

  it('resolution NONE on an HTTP port: an info that the name must resolve in real DNS', () => {
    const found = findings(doc(mesh, se('NONE', 'protocol: HTTP')), ['SERVICE_ENTRY_NO_ADDRESS', 'IST0134']);
    expect(found.map((f) => [f.code, f.severity])).toEqual([['SERVICE_ENTRY_NO_ADDRESS', 'info']]);
  });
});
