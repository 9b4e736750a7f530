import { describe, expect, it } from 'vitest';
import { analyze, computeProxyConfig, traceRequest, type TraceOptions } from '../index.ts';
import { doc, istio, namespace, pod, service } from '../testkit.ts';
import { applyWhatIf } from './whatIf.ts';

// A client and a server in an injected namespace, and a DNS ServiceEntry without an address.
const text = doc(
  namespace('app', { 'istio-injection': 'enabled' }),
  pod('client', 'app', { labels: { app: 'client' }, ip: '10.244.0.10' }),
  service('reviews', 'app', {
    ports: [{ port: 9080, name: 'http' }],
    selector: { app: 'reviews' },
    clusterIP: '10.96.0.30',
  }),
  pod('reviews-v1', 'app', { labels: { app: 'reviews' }, ip: '10.244.1.1', ports: [{ containerPort: 9080 }] }),
  istio(
    'ServiceEntry',
    'ext-db',
    'app',
    'hosts: [db.corp.internal]\nresolution: DNS\nports: [{number: 5432, name: tcp, protocol: TCP}]',
  ),
);

describe('one analysis, many requests (memoized per model, pod and what-if settings)', () => {
  const analysis = analyze([{ name: 'mesh.yaml', text }]);
  const outcome = (to: string, options: TraceOptions = {}) => {
    const result = traceRequest(analysis, { from: 'app/client', to }, options);
    if (!result.ok) throw new Error(result.reason);
    return result.trace.outcome;
  };

  it('builds a proxy config once and serves it again for the next request', () => {
    const first = computeProxyConfig(analysis, 'app/client');
    expect(outcome('http://reviews:9080/')).toBe('routed');
    const second = computeProxyConfig(analysis, 'app/client');
    expect(first.ok && second.ok && first.config === second.config).toBe(true);
  });

  it('applies the outbound traffic policy setting on every request, in any order', () => {
    expect(outcome('http://github.com/')).toBe('passthrough');
    expect(outcome('http://github.com/', { outboundTrafficPolicy: 'REGISTRY_ONLY' })).toBe('blackhole');
    expect(outcome('http://github.com/')).toBe('passthrough');
    expect(outcome('http://github.com/', { outboundTrafficPolicy: 'REGISTRY_ONLY' })).toBe('blackhole');
  });

  it('applies the DNS capture setting on every request, in any order', () => {
    expect(outcome('db.corp.internal:5432')).toBe('dns-failure');
    expect(outcome('db.corp.internal:5432', { dnsCapture: true })).not.toBe('dns-failure');
    expect(outcome('db.corp.internal:5432', { dnsCapture: false })).toBe('dns-failure');
    expect(outcome('db.corp.internal:5432', { dnsCapture: true, outboundTrafficPolicy: 'REGISTRY_ONLY' })).not.toBe(
      'dns-failure',
    );
  });

  it('gives back the same model and client for the same settings, and the analysed ones without settings', () => {
    const client = analysis.model.pods.find((p) => p.name === 'client');
    if (!client) throw new Error('no client pod');
    expect(applyWhatIf(analysis.model, client, {})).toEqual({ model: analysis.model, client });
    const captured = applyWhatIf(analysis.model, client, { dnsCapture: true, outboundTrafficPolicy: 'REGISTRY_ONLY' });
    expect(applyWhatIf(analysis.model, client, { dnsCapture: true, outboundTrafficPolicy: 'REGISTRY_ONLY' })).toBe(
      captured,
    );
    expect(captured.client.proxy).toMatchObject({ dnsCapture: true });
    expect(captured.model.meshConfig.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(captured.model.pods).toContain(captured.client);
    expect(captured.model.pods).not.toContain(client);
    expect(applyWhatIf(analysis.model, client, { outboundTrafficPolicy: 'REGISTRY_ONLY' }).model).toBe(
      applyWhatIf(analysis.model, client, { outboundTrafficPolicy: 'REGISTRY_ONLY' }).model,
    );
  });
});
