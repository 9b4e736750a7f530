import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';

// A kubectl get -A -o yaml style export of 320 objects (written by scripts/generate-realistic-export.mjs).
const text = readFileSync(new URL('../../../fixtures/exports/realistic-cluster.yaml', import.meta.url), 'utf8');

describe('a realistic cluster export', () => {
  const analysis = analyze([{ name: 'cluster.yaml', text }]);

  it('loads every object with no false errors or warnings', () => {
    expect(analysis.objects.length).toBeGreaterThanOrEqual(300);
    expect(new Set(analysis.objects.map((o) => o.kind)).size).toBeGreaterThanOrEqual(15);
    expect(analysis.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(analysis.diagnostics.map((d) => d.code)).toEqual(['AUTHZ_ALLOW_DENIES_OTHERS', 'NOT_MODELLED']);
  });

  it('uses the dumped pods as they are: their IPs, readiness and proxies, nothing assumed', () => {
    const { pods } = analysis.model;
    expect(pods.some((p) => p.assumed)).toBe(false);
    expect(analysis.assumptions.filter((a) => a.code.startsWith('POD_'))).toEqual([]);
    const byApp = (app: string) => pods.filter((p) => p.labels.get('app') === app);
    expect(byApp('reviews').map((p) => p.proxy.kind)).toEqual(Array(6).fill('sidecar'));
    expect(byApp('reviews').every((p) => p.proxy.dnsCapture)).toBe(true);
    expect(byApp('istio-ingressgateway').map((p) => p.proxy.kind)).toEqual(['gateway', 'gateway']);
    expect(byApp('mainframe-adapter')[0]?.proxy).toMatchObject({
      kind: 'none',
      reason: expect.stringContaining('istio-injection=disabled'),
    });
    expect(byApp('coredns')[0]?.proxy).toMatchObject({ kind: 'none', reason: expect.stringContaining('kube-system') });
    expect(byApp('ratings').map((p) => p.ready)).toEqual([false, true]);
    expect(byApp('redis').map((p) => p.name)).toEqual(['redis-0', 'redis-1', 'redis-2']);
    expect(pods.every((p) => /^10\.244\.\d+\.\d+$/.test(p.ip))).toBe(true);
  });

  it('reads the mesh config, Services with their ClusterIPs, EndpointSlices and Istio config', () => {
    const { model } = analysis;
    expect(model.meshConfig).toMatchObject({ outboundTrafficPolicy: 'REGISTRY_ONLY', accessLogFile: '/dev/stdout' });
    expect(model.meshConfig.defaultProxyMetadata.get('ISTIO_META_DNS_CAPTURE')).toBe('true');
    expect(model.services.every((s) => s.clusterIP !== undefined)).toBe(true);
    expect(model.services.find((s) => s.name === 'redis')?.clusterIP).toBe('None');
    expect(analysis.assumptions.filter((a) => a.code === 'CLUSTER_IP_ASSIGNED')).toEqual([]);
    expect(model.endpointSlices).toHaveLength(model.services.length);
    expect([...model.istio.entries()].map(([kind, list]) => `${kind}:${list.length}`).sort()).toEqual([
      'AuthorizationPolicy:1',
      'DestinationRule:2',
      // Read only so that a trace can name it: its patches are not applied.
      'EnvoyFilter:1',
      'Gateway:2',
      'PeerAuthentication:2',
      'ServiceEntry:2',
      'Sidecar:1',
      'VirtualService:3',
    ]);
    expect(model.ingresses.map((i) => [i.name, i.ingressClassName])).toEqual([['grafana', 'istio']]);
  });
});
