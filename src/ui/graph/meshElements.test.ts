import { describe, expect, it } from 'vitest';
import { generateClusterExport } from '../../cli/realisticExport.ts';
import { analyze } from '../../core/index.ts';
import { findExample } from '../../state/examples.ts';
import { leanAnalysis, type MeshGraphData } from '../../state/leanView.ts';
import {
  fitViewport,
  MAX_SHOWN,
  meshBoxes,
  meshViewElements,
  NAMESPACE_BOX,
  OBJECT_SIZE,
  placeMeshView,
  type MeshViewOptions,
} from './meshElements.ts';
import { layoutGroup } from './meshLayout.ts';

const graphOf = (text: string): MeshGraphData => leanAnalysis(analyze([{ name: 'm.yaml', text }])).graph;
const options = (extra: Partial<MeshViewOptions> = {}): MeshViewOptions => ({
  expanded: new Set(),
  search: '',
  onPath: new Set(),
  onPathOnly: false,
  ...extra,
});

const cluster = generateClusterExport(2000);
const large = graphOf(cluster.text);

describe('the Mesh view of a small mesh', () => {
  it('draws every object and reference, laid out as before', () => {
    const demo = findExample('in-mesh-http');
    if (!demo) throw new Error('no demo');
    const graph = leanAnalysis(analyze(demo.scenario.files)).graph;
    const view = meshViewElements(graph, options());
    expect(view.layout).toBe('dagre');
    expect(view.overview).toBe(false);
    expect(view.nodes.map((n) => n.id).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    expect(view.edges.map((e) => e.id).sort()).toEqual(graph.edges.map((e) => e.id).sort());
  });
});

describe('the Mesh view of a 2,000-object export', () => {
  it('opens as one box per namespace with the number of its objects', () => {
    const view = meshViewElements(large, options());
    expect(view.overview).toBe(true);
    expect(view.layout).toBe('packed');
    expect(view.nodes.map((n) => n.id)).toEqual(cluster.namespaces.map((n) => `Namespace//${n}`));
    expect(view.nodes.every((n) => n.collapsed)).toBe(true);
    const objectsInTeam0 = large.nodes.filter((n) => n.parent === 'Namespace//team-0').length;
    expect(objectsInTeam0).toBeGreaterThan(40);
    expect(view.nodes[0]?.label).toBe(`team-0\n${objectsInTeam0} objects`);
  });

  it('opens a namespace with all its objects and their references, and marks boxes holding the path', () => {
    const pod = `Pod/${cluster.sourcePod}`;
    const view = meshViewElements(large, options({ expanded: new Set(['Namespace//team-1']), onPath: new Set([pod]) }));
    const team1 = large.nodes.filter((n) => n.parent === 'Namespace//team-1').map((n) => n.id);
    expect(view.nodes.filter((n) => n.parent === 'Namespace//team-1').map((n) => n.id)).toEqual(team1);
    expect(view.nodes.find((n) => n.id === 'Namespace//team-1')?.collapsed).toBe(false);
    const team0 = view.nodes.find((n) => n.id === 'Namespace//team-0');
    expect(team0).toMatchObject({ collapsed: true, containsPath: true });
    expect(team0?.label).toContain('1 on the path');
    expect(view.edges.length).toBeGreaterThan(10);
    for (const edge of view.edges) {
      expect(view.nodes.some((n) => n.id === edge.source)).toBe(true);
      expect(view.nodes.some((n) => n.id === edge.target)).toBe(true);
    }
  });

  it('keeps its key for an analysis that draws the same elements, and changes it when they change', () => {
    const again = graphOf(`# a comment typed in the editor\n${cluster.text}`);
    const trace = options({ onPath: new Set(['Service/team-0/app-3']) });
    expect(meshViewElements(again, trace).key).toBe(meshViewElements(large, options()).key);
    expect(meshViewElements(large, options({ expanded: new Set(['Namespace//team-2']) })).key).not.toBe(
      meshViewElements(large, options()).key,
    );
  });

  it('draws only what a search finds, in its namespaces, and at most MAX_SHOWN objects', () => {
    const view = meshViewElements(large, options({ search: 'service app-3' }));
    const objects = view.nodes.filter((n) => n.kind !== 'Namespace');
    expect(objects.map((n) => n.id)).toEqual(cluster.namespaces.map((ns) => `Service/${ns}/app-3`));
    expect(view.nodes.filter((n) => n.kind === 'Namespace').every((n) => !n.collapsed)).toBe(true);
    const wide = meshViewElements(large, options({ search: 'pod' }));
    expect(wide.truncated).toBe(true);
    expect(wide.nodes.filter((n) => n.kind === 'Pod')).toHaveLength(MAX_SHOWN);
    expect(wide.found).toBeGreaterThan(MAX_SHOWN);
  });

  it('draws only the objects the trace uses with "on the path"', () => {
    const onPath = new Set(['Service/team-0/app-5', `Pod/${cluster.sourcePod}`, 'Sidecar/team-0/default']);
    const view = meshViewElements(large, options({ onPath, onPathOnly: true }));
    expect(view.nodes.map((n) => n.id).sort()).toEqual(['Namespace//team-0', ...onPath].sort());
  });

  it('places namespace boxes without overlap in rows that fit the pane', () => {
    const view = meshViewElements(large, options({ expanded: new Set(['Namespace//team-3']) }));
    const positions = placeMeshView(view, 1.4);
    const boxes = view.nodes
      .filter((n) => n.collapsed)
      .map((n) => ({ p: positions.get(n.id) ?? { x: NaN, y: NaN }, ...NAMESPACE_BOX }));
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1))
        expect(Math.abs(a.p.x - b.p.x) >= a.width || Math.abs(a.p.y - b.p.y) >= a.height).toBe(true);
    const xs = [...positions.values()].map((p) => p.x);
    const ys = [...positions.values()].map((p) => p.y);
    const ratio = (Math.max(...xs) - Math.min(...xs)) / (Math.max(...ys) - Math.min(...ys));
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(4);
    // Every object of the open namespace sits below its box's label, none on another.
    const inside = view.nodes.filter((n) => n.parent === 'Namespace//team-3').map((n) => positions.get(n.id));
    expect(inside.every((p) => p !== undefined)).toBe(true);
  });
});

describe('the packed layout', () => {
  it('draws a chain of references left to right and unrelated objects apart', () => {
    const group = layoutGroup(
      ['deploy', 'pod', 'svc', 'lonely'],
      [
        { source: 'svc', target: 'deploy' },
        { source: 'deploy', target: 'pod' },
      ],
      OBJECT_SIZE,
      1.5,
    );
    const at = (id: string) => group.positions.get(id) ?? { x: NaN, y: NaN };
    expect(at('svc').x).toBeLessThan(at('deploy').x);
    expect(at('deploy').x).toBeLessThan(at('pod').x);
    expect(at('svc').y).toBe(at('pod').y);
    const lonely = at('lonely');
    expect(
      Math.abs(lonely.x - at('svc').x) >= OBJECT_SIZE.width || Math.abs(lonely.y - at('svc').y) >= OBJECT_SIZE.height,
    ).toBe(true);
  });

  it('survives a cycle of references', () => {
    const group = layoutGroup(
      ['a', 'b'],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'a' },
      ],
      OBJECT_SIZE,
      1,
    );
    expect(group.positions.size).toBe(2);
    expect(Number.isFinite(group.width) && Number.isFinite(group.height)).toBe(true);
  });
});

describe('where the packed drawing lies, without Cytoscape', () => {
  const view = meshViewElements(large, options({ expanded: new Set(['Namespace//team-3']) }));
  const positions = placeMeshView(view, 1.4);
  const { all, boxes } = meshBoxes(view, positions);
  const contains = (outer: { x1: number; y1: number; x2: number; y2: number }, inner: typeof outer) =>
    outer.x1 <= inner.x1 && outer.y1 <= inner.y1 && outer.x2 >= inner.x2 && outer.y2 >= inner.y2;

  it('gives an open namespace a box around its objects, with room for its label above them', () => {
    const open = boxes.get('Namespace//team-3');
    if (!open) throw new Error('no box for the open namespace');
    const objects = view.nodes.filter((n) => n.parent === 'Namespace//team-3');
    expect(objects.length).toBeGreaterThan(100);
    for (const node of objects) expect(contains(open, boxes.get(node.id) ?? all)).toBe(true);
    const top = Math.min(...objects.map((n) => boxes.get(n.id)?.y1 ?? 0));
    expect(top - open.y1).toBeGreaterThanOrEqual(30);
    // A closed namespace is its box, centred where it is placed.
    const closed = boxes.get('Namespace//team-0');
    const at = positions.get('Namespace//team-0');
    expect(closed && at && [closed.x2 - closed.x1, (closed.x1 + closed.x2) / 2, (closed.y1 + closed.y2) / 2]).toEqual([
      NAMESPACE_BOX.width,
      at?.x,
      at?.y,
    ]);
  });

  it('holds every node in the box of the whole drawing, and namespaces do not overlap', () => {
    for (const box of boxes.values()) expect(contains(all, box)).toBe(true);
    const namespaces = view.nodes.filter((n) => n.kind === 'Namespace').map((n) => boxes.get(n.id) ?? all);
    for (const [i, a] of namespaces.entries())
      for (const b of namespaces.slice(i + 1))
        expect(a.x2 <= b.x1 || b.x2 <= a.x1 || a.y2 <= b.y1 || b.y2 <= a.y1).toBe(true);
  });

  it('fits a box in a pane, centred, within the zoom limits', () => {
    const pane = { width: 900, height: 500 };
    const { zoom, pan } = fitViewport({ x1: 0, y1: 0, x2: 1000, y2: 400 }, pane, 20, { min: 0.05, max: 1.6 });
    expect(zoom).toBeCloseTo(0.86);
    // The box's centre is drawn at the pane's centre.
    expect(500 * zoom + pan.x).toBeCloseTo(450);
    expect(200 * zoom + pan.y).toBeCloseTo(250);
    expect(fitViewport({ x1: 0, y1: 0, x2: 10, y2: 10 }, pane, 20, { min: 0.05, max: 1.6 }).zoom).toBe(1.6);
    expect(fitViewport({ x1: 0, y1: 0, x2: 1e6, y2: 10 }, pane, 20, { min: 0.05, max: 1.6 }).zoom).toBe(0.05);
  });
});
