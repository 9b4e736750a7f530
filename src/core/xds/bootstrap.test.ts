// The bootstrap's static listeners and clusters (tools/packaging/common/envoy_bootstrap.json) are listed as istioctl
// lists them, and stay out of what requests are traced through.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { callResult, proxyConfigFor, simulateScenario } from '../testkit.ts';
import { bootstrapResources, proxyConfigForDump } from './bootstrap.ts';
import { proxyConfigTables } from './tables.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

const rowsOf = (table: { rows: Array<{ cells: string[] }> }) => table.rows.map((r) => r.cells.join(' '));

describe('the bootstrap resources of a sidecar', () => {
  const config = proxyConfigFor(fixture('demo'), 'application/sleep');
  const tables = proxyConfigTables(config);

  it('lists the health and Prometheus listeners with their inline routes, in istioctl columns', () => {
    expect(rowsOf(tables.listeners)).toEqual(
      expect.arrayContaining([
        '0.0.0.0 15021 ALL Inline Route: /healthz/ready*',
        '0.0.0.0 15090 ALL Inline Route: /stats/prometheus*',
      ]),
    );
    expect(rowsOf(tables.routes).slice(-2)).toEqual([' backend * /stats/prometheus* ', ' backend * /healthz/ready* ']);
  });

  it('lists the static clusters agent, prometheus_stats, sds-grpc and xds-grpc, and no tracer cluster', () => {
    const statics = tables.clusters.rows.filter((r) => r.cells[4] === 'STATIC').map((r) => r.cells[0]);
    // In Go's byte order, as istioctl sorts them: upper case first.
    expect(statics).toEqual(['BlackHoleCluster', 'agent', 'prometheus_stats', 'sds-grpc', 'xds-grpc']);
    expect(rowsOf(tables.clusters)).toContain('xds-grpc - - - STATIC ');
    expect(rowsOf(tables.clusters).some((r) => r.startsWith('zipkin'))).toBe(false);
  });

  it('keeps them out of the pushed config that traces use, and marks them in the dump', () => {
    expect(config.listeners.some((l) => l.port === 15021 || l.port === 15090 || l.kind === 'bootstrap')).toBe(false);
    expect(config.clusters.some((c) => c.name === 'agent' || c.bootstrap)).toBe(false);
    const dump = proxyConfigForDump(config);
    expect(dump.listeners.filter((l) => l.kind === 'bootstrap').map((l) => l.name)).toEqual([
      '0.0.0.0_15021',
      '0.0.0.0_15090',
    ]);
    expect(dump.clusters.filter((c) => c.bootstrap).map((c) => c.name)).toEqual([
      'prometheus_stats',
      'agent',
      'sds-grpc',
      'xds-grpc',
    ]);
  });

  it('leaves a call to another workload on port 15090 to the pushed config, not the static listener', () => {
    const t = simulateScenario(fixture('demo'), {
      from: 'application/sleep',
      to: 'http://github.com:15090/stats/prometheus',
    });
    expect(callResult(t)).toEqual({ outcome: 'passthrough', status: 200, responseFlags: '-' });
    expect(t.hops[0]?.cluster).toBe('PassthroughCluster');
  });
});

describe('the bootstrap resources of a gateway', () => {
  it('are listed too, next to the gateway listeners istiod pushes', () => {
    const config = proxyConfigFor(fixture('ingress-gateway'), 'istio-system/istio-ingressgateway');
    const tables = proxyConfigTables(config);
    expect(rowsOf(tables.listeners)).toEqual([
      '0.0.0.0 8080 ALL Route: http.8080',
      '0.0.0.0 15021 ALL Inline Route: /healthz/ready*',
      '0.0.0.0 15090 ALL Inline Route: /stats/prometheus*',
    ]);
    expect(bootstrapResources(config).clusters.map((c) => c.name)).toEqual([
      'prometheus_stats',
      'agent',
      'sds-grpc',
      'xds-grpc',
    ]);
  });
});
