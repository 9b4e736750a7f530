// Keeps a Cytoscape graph in step with a list of element definitions, changing only what differs.
import type cytoscape from 'cytoscape';
import type { PathEdge, PathNode } from './pathElements.ts';

/** What is drawn of an element: its data (label, step) and classes. */
export const signature = (e: cytoscape.ElementDefinition): string => `${JSON.stringify(e.data)}:${e.classes ?? ''}`;

/** What the layout depends on: which nodes are in which lane, their classes (sizes), and which edges carry a label. */
export function layoutSignature(nodes: readonly PathNode[], edges: readonly PathEdge[]): string {
  return [
    ...nodes.map((n) => `${n.id}<${n.parent ?? ''}>${n.classes.join('.')}`),
    ...edges.map((e) => `${e.id}:${e.source}>${e.target}${e.label === undefined ? '' : '*'}`),
  ].join('|');
}

/** The data Cytoscape fixes when an element is added: a change of these means removing and adding it again. */
const FRAME = ['parent', 'source', 'target'] as const;

/**
 * Brings the graph to these elements, touching only what changed: Cytoscape keeps an image of each element, so a
 * trace that changes a few labels redraws those alone, not the whole path, while the user types.
 */
export function syncElements(cy: cytoscape.Core, next: readonly cytoscape.ElementDefinition[]): void {
  const wanted = new Map(next.map((e) => [String(e.data.id), e]));
  cy.batch(() => {
    cy.elements()
      .filter((ele) => {
        const def = wanted.get(ele.id());
        return !def || FRAME.some((field) => ele.data(field) !== def.data[field]);
      })
      .remove();
    const added: cytoscape.ElementDefinition[] = [];
    for (const def of next) {
      const ele = cy.getElementById(String(def.data.id));
      if (ele.empty()) {
        added.push({ ...def, scratch: { _drawn: signature(def) } });
        continue;
      }
      const drawn = signature(def);
      if (ele.scratch('_drawn') === drawn) continue;
      ele.scratch('_drawn', drawn);
      for (const field of Object.keys(ele.data())) if (!(field in def.data)) ele.removeData(field);
      ele.data(def.data);
      ele.classes(def.classes ?? '');
    }
    if (added.length > 0) cy.add(added);
  });
}
