import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest, type TraceRequest } from '../../core/index.ts';
import { doc, namespace, pod } from '../../core/testkit.ts';
import { edgeKinds } from './ambientElements.ts';
import { laneTitlePositions, layoutPath, pathElements, type PathEdge, type PathNode } from './pathElements.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/scenarios/${name}/manifests.yaml`, import.meta.url), 'utf8');

function traceOf(text: string, request: TraceRequest) {
  const result = traceRequest(analyze([{ name: 'x.yaml', text }]), request);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

const lanes = (nodes: PathNode[]) => nodes.filter((n) => n.kind === 'hop').map((n) => n.label);
const labelled = (edges: PathEdge[]) => edges.filter((e) => e.label !== undefined);

describe('the ambient path graph', () => {
  it('has a lane per ztunnel (named by node) and for the waypoint, joined by HBONE edges standing for steps', () => {
    const trace = traceOf(fixture('ambient-waypoint'), { from: 'shop/sleep', to: 'http://productpage.shop:9080/' });
    const { nodes, edges } = pathElements(trace);
    expect(lanes(nodes)).toEqual([
      expect.stringMatching(/^Source ztunnel · node of shop\/sleep-\S+$/),
      'Waypoint shop/waypoint · pod shop/waypoint-0',
      expect.stringMatching(/^Destination ztunnel · node of shop\/productpage-\S+$/),
    ]);
    const hboneSteps = trace.steps.flatMap((s, i) => (s.kind === 'hbone' ? [i] : []));
    expect(hboneSteps).toHaveLength(2);
    // Each HBONE step is an edge between two lanes (clicking it opens the step), never a node.
    expect(nodes.some((n) => n.kind === 'hbone')).toBe(false);
    const hbone = edges.filter((e) => e.classes.includes('hbone'));
    expect(hbone.map((e) => [e.label, e.stepIndex])).toEqual(hboneSteps.map((i) => ['HBONE :15008 · mTLS', i]));
    const parentOf = (id: string) => nodes.find((n) => n.id === id)?.parent;
    expect(hbone.map((e) => [parentOf(e.source), parentOf(e.target)])).toEqual([
      ['hop0', 'hop1'],
      ['hop1', 'hop2'],
    ]);
    expect(
      nodes.find((n) => n.parent === 'hop0' && n.kind === 'ztunnel' && n.label.startsWith('Destination'))?.label,
    ).toBe('Destination\nproductpage.shop\nuses waypoint\nshop/waypoint');
    expect(nodes.find((n) => n.kind === 'waypoint')?.label).toBe('Waypoint\nby Service VIP →\n10.244.100.1:9080');
    expect(nodes.find((n) => n.parent === 'hop2' && n.kind === 'ztunnel')?.label).toBe(
      'Inbound\nHBONE :15008\npeer shop/waypoint',
    );
    expect(edgeKinds(trace)).toEqual({ hbone: true, plaintext: false });
  });

  it('draws a waypoint that does not exist beside the step that bypassed it, with the reason', () => {
    const trace = traceOf(fixture('ambient-waypoint-missing'), {
      from: 'shop/sleep',
      to: 'http://productpage.shop:9080/',
    });
    const { nodes, edges } = pathElements(trace);
    const step = nodes.find((n) => n.classes.includes('bypass'));
    expect(step?.label).toBe('Destination\nproductpage.shop\nwaypoint bypassed');
    const ghost = nodes.find((n) => n.kind === 'bypassed');
    expect(ghost).toMatchObject({
      label: 'Waypoint\nshop/waypoint\nbypassed:\ndoes not exist',
      parent: step?.parent,
      stepIndex: step?.stepIndex,
    });
    expect(edges.find((e) => e.target === ghost?.id)).toMatchObject({
      source: step?.id,
      classes: ['alternative', 'bypassed'],
    });
    // The path itself goes on from the step, not from the waypoint it did not use.
    expect(edges.some((e) => e.source === ghost?.id)).toBe(false);
    expect(lanes(nodes).some((l) => l.startsWith('Waypoint'))).toBe(false);
    // The ghost sits in the lane's row, beside the step.
    const positions = layoutPath(nodes, 4, edges);
    expect(positions.get(ghost?.id ?? '')?.y).toBe(positions.get(step?.id ?? '')?.y);
  });

  it('labels plaintext edges: to a host outside the mesh, and from a client outside the mesh (15006)', () => {
    const external = traceOf(fixture('ambient-l4'), { from: 'shop/sleep', to: 'http://example.com/' });
    const out = pathElements(external);
    expect(labelled(out.edges).map((e) => [e.label, e.target, e.classes])).toEqual([
      ['plaintext :80 · outside the mesh', 'destination', ['path', 'plaintext', 'success']],
    ]);
    expect(edgeKinds(external)).toEqual({ hbone: false, plaintext: true });

    const legacy = doc(fixture('ambient-waypoint'), namespace('legacy'), pod('old', 'legacy', { ip: '10.244.9.9' }));
    const fromOutside = traceOf(legacy, { from: 'legacy/old', to: 'http://productpage.shop:9080/' });
    const { nodes, edges } = pathElements(fromOutside);
    const bypass = nodes.find((n) => n.kind === 'waypointBypass');
    expect(bypass).toMatchObject({
      label: 'Waypoint bypassed\nshop/waypoint\nclient not in the mesh',
      classes: ['step', 'waypointBypass', 'bypass'],
    });
    const inbound = nodes.find((n) => n.kind === 'ztunnel');
    expect(edges.find((e) => e.target === inbound?.id)).toMatchObject({
      source: bypass?.id,
      label: 'plaintext :15006 · client not in the mesh',
      classes: ['path', 'plaintext'],
    });
    expect(inbound?.label).toBe('Inbound\nplaintext :15006\nno peer identity');
  });

  it('joins a sidecar client lane to the ambient pod’s ztunnel with an HBONE edge', () => {
    const text = doc(
      fixture('ambient-l4'),
      namespace('web', { 'istio-injection': 'enabled' }),
      pod('web-0', 'web', { ip: '10.244.7.7', serviceAccount: 'web' }),
    );
    const trace = traceOf(text, { from: 'web/web-0', to: 'http://httpbin.shop:8000/headers' });
    const { nodes, edges } = pathElements(trace);
    expect(trace.hops.map((h) => h.direction)).toEqual(['outbound', 'ztunnel-inbound']);
    const hbone = edges.find((e) => e.classes.includes('hbone'));
    expect(nodes.find((n) => n.id === hbone?.source)?.parent).toBe('hop0');
    expect(nodes.find((n) => n.id === hbone?.target)?.parent).toBe('hop1');
    expect(lanes(nodes)[0]).toMatch(/^web\/web-0 · outbound$/);
  });
});

describe('the ambient path layout', () => {
  const trace = traceOf(fixture('ambient-waypoint'), { from: 'shop/sleep', to: 'http://productpage.shop:9080/' });
  const { nodes, edges } = pathElements(trace);

  it('leaves room above a lane entered by an HBONE edge for its label, and never stacks two nodes', () => {
    const positions = layoutPath(nodes, 4, edges);
    const keys = [...positions.values()].map((p) => JSON.stringify(p));
    expect(new Set(keys).size).toBe(keys.length);
    for (const edge of labelled(edges)) {
      const from = positions.get(edge.source)?.y ?? NaN;
      const to = positions.get(edge.target)?.y ?? NaN;
      // A row (102) and the label's gap (58), where lanes that meet by a plain edge have 34.
      expect(to - from).toBeGreaterThanOrEqual(102 + 58);
    }
    const plain = layoutPath(nodes, 4);
    expect(plain.get('destination')?.y).toBeLessThan(positions.get('destination')?.y ?? 0);
  });

  it('puts each lane title at the top-left corner of its lane, above its first row', () => {
    const positions = layoutPath(nodes, 4, edges);
    const titles = laneTitlePositions(nodes, positions);
    expect([...titles.keys()]).toEqual(['hop0', 'hop1', 'hop2']);
    for (const [hop, title] of titles) {
      const inLane = nodes.filter((n) => n.parent === hop).map((n) => positions.get(n.id) ?? { x: NaN, y: NaN });
      expect(title.x).toBe(Math.min(...inLane.map((p) => p.x)) - 75 - 12);
      expect(title.y).toBeLessThan(Math.min(...inLane.map((p) => p.y)) - 40 - 12);
    }
  });
});
