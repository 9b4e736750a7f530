import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../../core/index.ts';
import { breakable, labelPlaceholders, layoutPath, pathElements } from './pathElements.ts';

const text = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

function elementsFor(fixture: string, to: string, options = {}) {
  const result = traceRequest(
    analyze([{ name: 'x.yaml', text: text(fixture) }]),
    { from: 'application/sleep', to },
    options,
  );
  if (!result.ok) throw new Error(result.reason);
  return pathElements(result.trace);
}

describe('the path graph', () => {
  it(
    'draws client → DNS → capture → listener → route → cluster → endpoint → inbound → destination, grouped by ' +
      'proxy',
    () => {
      const { nodes, edges } = elementsFor('demo', 'http://dest-svc-v1:7777/');
      expect(nodes.filter((n) => n.kind !== 'hop').map((n) => n.label.split('\n')[0])).toEqual([
        expect.stringMatching(/^application\/sleep-/),
        'DNS (kube-dns)',
        'Capture',
        'Listener',
        'Filter chain',
        'Virtual host',
        'Route',
        'Cluster',
        'Endpoint',
        'Inbound (virtualInbound)',
        'Authorization',
        'routed · 200',
      ]);
      expect(nodes.find((n) => n.kind === 'listener')?.label).toBe('Listener\n0.0.0.0_7777');
      expect(nodes.find((n) => n.kind === 'cluster')?.label).toBe(
        'Cluster\noutbound|7777||dest-svc-v1.application.svc.cluster.local',
      );
      expect(nodes.filter((n) => n.kind === 'hop').map((n) => n.classes[1])).toEqual(['outbound', 'inbound']);
      expect(nodes.find((n) => n.kind === 'destination')?.classes).toContain('success');
      expect(edges).toHaveLength(11);
    },
  );

  it('marks a blocked request as a failure ending in block_all', () => {
    const { nodes } = elementsFor('demo', 'http://github.com', { outboundTrafficPolicy: 'REGISTRY_ONLY' });
    expect(nodes.find((n) => n.kind === 'destination')).toMatchObject({
      label: 'blackhole · 502\nblock_all',
      classes: ['destination', 'failure'],
    });
  });

  it('puts the egress gateway hop in its own lane', () => {
    const { nodes } = elementsFor('egress-gateway', 'http://google.com');
    expect(nodes.filter((n) => n.kind === 'hop').map((n) => n.label)).toEqual([
      expect.stringMatching(/^application\/sleep-.* · outbound$/),
      expect.stringMatching(/^istio-system\/istio-egressgateway-.* · gateway$/),
    ]);
    expect(nodes.filter((n) => n.parent === 'hop1').map((n) => n.kind)).toEqual([
      'listener',
      'filterChain',
      'virtualHost',
      'route',
      'cluster',
      'endpoint',
    ]);
  });
});

describe('the path layout', () => {
  it('wraps into rows of the given width, starts each proxy lane on its own rows, and never stacks two nodes', () => {
    const { nodes } = elementsFor('egress-gateway', 'http://google.com');
    const positions = layoutPath(nodes, 4);
    const placed = nodes.filter((n) => n.kind !== 'hop');
    expect(placed.every((n) => positions.has(n.id))).toBe(true);
    const keys = placed.map((n) => JSON.stringify(positions.get(n.id)));
    expect(new Set(keys).size).toBe(keys.length);
    expect(Math.max(...placed.map((n) => positions.get(n.id)?.x ?? 0))).toBeLessThan(4 * 200);
    const rowsOf = (hop: string) => new Set(nodes.filter((n) => n.parent === hop).map((n) => positions.get(n.id)?.y));
    const first = [...rowsOf('hop0')];
    const second = [...rowsOf('hop1')];
    expect(first.some((y) => second.includes(y))).toBe(false);
    expect(Math.min(...second.map(Number))).toBeGreaterThan(Math.max(...first.map(Number)));
  });

  it('puts a step between two proxies (kube-proxy after passthrough) between their lanes, not in the first row', () => {
    const result = traceRequest(analyze([{ name: 'x.yaml', text: text('sidecar-egress-gotcha') }]), {
      from: 'team-a/sleep',
      to: 'http://payments.team-b:8080/',
    });
    if (!result.ok) throw new Error(result.reason);
    const { nodes } = pathElements(result.trace);
    const positions = layoutPath(nodes, 4);
    const yOf = (predicate: (n: (typeof nodes)[number]) => boolean) =>
      nodes.filter(predicate).map((n) => positions.get(n.id)?.y ?? NaN);
    const kubeProxy = nodes.find((n) => n.kind === 'endpoint' && !n.parent);
    expect(kubeProxy).toBeDefined();
    const y = positions.get(kubeProxy?.id ?? '')?.y ?? NaN;
    expect(y).toBeGreaterThan(Math.max(...yOf((n) => n.parent === 'hop0')));
    expect(y).toBeLessThan(Math.min(...yOf((n) => n.parent === 'hop1')));
  });
});

describe('path labels', () => {
  it('may break only after . | - / (a zero-width space follows them), never inside a word', () => {
    expect(breakable('outbound|7777||dest-svc-v1.application.svc.cluster.local')).toBe(
      'outbound|\u200b7777|\u200b|\u200bdest-\u200bsvc-\u200bv1.\u200bapplication.\u200bsvc.\u200bcluster.\u200blocal',
    );
    expect(breakable('Route\ndefault')).toBe('Route\ndefault');
    expect(breakable('10.0.0.1 → a/b')).toBe('10.0.0.1 → a/\u200bb');
    expect(breakable('0.0.0.0_7777 svc.1')).toBe('0.0.0.0_7777 svc.\u200b1');
  });
});

describe('placeholder addresses', () => {
  it('are labelled where shown, once, and real addresses are left alone', () => {
    expect(labelPlaceholders('github.com → 203.0.113.89')).toBe(
      'github.com → 203.0.113.89 (placeholder: real address unknown)',
    );
    expect(labelPlaceholders(labelPlaceholders('203.0.113.7:443'))).toBe(
      '203.0.113.7 (placeholder: real address unknown):443',
    );
    expect(labelPlaceholders('10.96.0.10 and 203.0.1130.1')).toBe('10.96.0.10 and 203.0.1130.1');
  });

  it('the DNS node of a request to a host outside the cluster says its address is a placeholder', () => {
    const { nodes } = elementsFor('demo', 'http://github.com/');
    expect(nodes.find((n) => n.kind === 'dns')?.label).toMatch(/→ 203\.0\.113\.\d+ \(placeholder\)$/);
  });
});

describe('a gateway hop', () => {
  it('is entered by an edge that stands for the arrival step, not by an extra node outside the lanes', () => {
    const result = traceRequest(analyze([{ name: 'x.yaml', text: text('egress-gateway') }]), {
      from: 'application/sleep',
      to: 'http://google.com/',
    });
    if (!result.ok) throw new Error(result.reason);
    const arrival = result.trace.steps.findIndex((s) => s.kind === 'listener' && s.title.startsWith('Gateway '));
    expect(arrival).toBeGreaterThan(0);
    const { nodes, edges } = pathElements(result.trace);
    expect(nodes.some((n) => n.stepIndex === arrival)).toBe(false);
    const edge = edges.find((e) => e.stepIndex === arrival);
    expect(edge?.classes).toEqual(['path', 'arrival']);
    const gatewayHop = result.trace.hops.findIndex((h) => h.direction === 'gateway');
    expect(nodes.find((n) => n.id === edge?.target)?.parent).toBe(`hop${gatewayHop}`);
    expect(nodes.find((n) => n.id === edge?.source)?.parent).not.toBe(`hop${gatewayHop}`);
  });
});
