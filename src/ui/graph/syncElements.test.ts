import cytoscape from 'cytoscape';
import { describe, expect, it } from 'vitest';
import type { PathEdge, PathNode } from './pathElements.ts';
import { layoutSignature, syncElements } from './syncElements.ts';

type Def = cytoscape.ElementDefinition;
const node = (id: string, label: string, extra: Record<string, unknown> = {}, classes = 'step'): Def => ({
  data: { id, label, ...extra },
  classes,
});
const edge = (source: string, target: string, extra: Record<string, unknown> = {}): Def => ({
  data: { id: `${source}->${target}`, source, target, ...extra },
});

/** The graph as plain data: what a test can compare. */
function drawn(cy: cytoscape.Core): Array<Record<string, unknown>> {
  return cy
    .elements()
    .map((e): Record<string, unknown> => ({ ...(e.data() as Record<string, unknown>), classes: e.classes().join(' ') }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));
}
const expected = (defs: Def[]) =>
  defs.map((d) => ({ ...d.data, classes: d.classes ?? '' })).sort((a, b) => String(a.id).localeCompare(String(b.id)));

const path: Def[] = [
  node('client', 'sleep'),
  node('hop0', 'sidecar', {}, 'hop'),
  node('s0', 'DNS reviews', { parent: 'hop0', stepIndex: 0 }),
  node('s1', 'Listener 0.0.0.0_9080', { parent: 'hop0', stepIndex: 1 }),
  node('destination', 'routed', {}, 'destination success'),
  edge('client', 's0'),
  edge('s0', 's1', { stepIndex: 1 }),
  edge('s1', 'destination'),
];

describe('the path graph follows a new trace by changing only what differs', () => {
  it('draws every element the first time', () => {
    const cy = cytoscape({ headless: true });
    syncElements(cy, path);
    expect(drawn(cy)).toEqual(expected(path));
  });

  it('updates a label and classes in place and leaves the other elements as they were', () => {
    const cy = cytoscape({ headless: true });
    syncElements(cy, path);
    const before = new Map(cy.elements().map((e) => [e.id(), e[0]]));
    const next = path.map((d) =>
      d.data.id === 'destination' ? node('destination', 'no route', {}, 'destination failure') : d,
    );
    syncElements(cy, next);
    expect(drawn(cy)).toEqual(expected(next));
    // The same Cytoscape elements: nothing was removed and added again, so their cached images stay.
    for (const e of cy.elements()) expect(e[0]).toBe(before.get(e.id()));
  });

  it('drops data the new trace does not have, and elements it does not draw', () => {
    const cy = cytoscape({ headless: true });
    syncElements(cy, path);
    const next = [
      node('client', 'sleep'),
      node('hop0', 'sidecar', {}, 'hop'),
      node('s0', 'DNS reviews', { parent: 'hop0' }),
      node('destination', 'routed', {}, 'destination success'),
      edge('client', 's0'),
      edge('s0', 'destination'),
    ];
    syncElements(cy, next);
    expect(drawn(cy)).toEqual(expected(next));
    expect(cy.getElementById('s0').data('stepIndex')).toBeUndefined();
  });

  it('moves a step to another lane, and keeps the children and edges of a lane drawn again', () => {
    const cy = cytoscape({ headless: true });
    syncElements(cy, path);
    const next = [
      node('client', 'sleep'),
      node('hop0', 'sidecar', {}, 'hop'),
      node('hop1', 'gateway', {}, 'hop gateway'),
      node('s0', 'DNS reviews', { parent: 'hop0', stepIndex: 0 }),
      node('s1', 'Listener 0.0.0.0_9080', { parent: 'hop1', stepIndex: 1 }),
      node('destination', 'routed', {}, 'destination success'),
      edge('client', 's0'),
      edge('s0', 's1', { stepIndex: 1 }),
      edge('s1', 'destination'),
    ];
    syncElements(cy, next);
    expect(drawn(cy)).toEqual(expected(next));
    expect(cy.getElementById('s1').parent().first().id()).toBe('hop1');
    expect(cy.getElementById('s0->s1').target().id()).toBe('s1');

    // A lane whose definition changes is added again, with the steps inside it and the edges that meet them.
    const lanes = next.map((d) => (d.data.id === 'hop1' ? node('hop1', 'gateway', { parent: 'client' }, 'hop') : d));
    syncElements(cy, lanes);
    expect(drawn(cy)).toEqual(expected(lanes));
    expect(cy.getElementById('s1').parent().first().id()).toBe('hop1');
  });

  it('lays the path out again only when its shape changes, not when a label or the outcome changes', () => {
    const nodes: PathNode[] = [
      { id: 'client', label: 'sleep', kind: 'client', classes: ['client'] },
      { id: 'hop0', label: 'sidecar', kind: 'hop', classes: ['hop'] },
      { id: 's0', label: 'DNS a', kind: 'dns', parent: 'hop0', stepIndex: 0, classes: ['step', 'dns'] },
    ];
    const edges: PathEdge[] = [{ id: 'client->s0', source: 'client', target: 's0', classes: [] }];
    const key = layoutSignature(nodes, edges);
    expect(
      layoutSignature(
        nodes.map((n) => ({ ...n, label: `${n.label}b` })),
        edges,
      ),
    ).toBe(key);
    expect(
      layoutSignature(
        nodes.map((n) => ({ ...n, parent: undefined })),
        edges,
      ),
    ).not.toBe(key);
    expect(
      layoutSignature(
        nodes.map((n) => ({ ...n, classes: [...n.classes, 'alternative'] })),
        edges,
      ),
    ).not.toBe(key);
    expect(layoutSignature(nodes, [{ ...edges[0]!, label: 'HBONE :15008' }])).not.toBe(key);
  });
});
