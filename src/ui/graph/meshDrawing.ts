// Draws the Mesh view's packed layout (the overview of a large mesh, a search, the objects on the path) a few dozen
// elements per frame: Cytoscape computes each new element's style and label size when it is added and drawn, about
// half a millisecond an element, so the 300 to 400 elements of an opened namespace in one go held the page for
// 200 to 300 ms.
import type cytoscape from 'cytoscape';
import { fitViewport, meshBoxes, placeMeshView, type MeshViewElements } from './meshElements.ts';

/** Elements added per frame. */
export const ELEMENTS_PER_FRAME = 25;

/** Below this zoom the objects of an opened namespace are too small to read: show that namespace instead. */
export const READABLE_ZOOM = 0.6;

const PADDING = 16;
const MARGIN = 10;

export interface MeshDrawing {
  /** Stops adding elements (a newer drawing replaces this one, or the graph goes). */
  cancel: () => void;
  /** True while elements remain to be added. */
  running: () => boolean;
}

export interface DrawSource {
  /** The view being drawn, with the labels and classes to give an element when it is added (they may change). */
  view: () => MeshViewElements;
  node: (index: number) => cytoscape.ElementDefinition;
  edge: (index: number) => cytoscape.ElementDefinition;
  /** Called once every element is in. */
  done: () => void;
}

/** A frame later where the browser draws frames, else a task later. */
function nextFrame(run: () => void): () => void {
  if (typeof requestAnimationFrame === 'function') {
    const frame = requestAnimationFrame(run);
    return () => cancelAnimationFrame(frame);
  }
  const timer = setTimeout(run, 0);
  return () => clearTimeout(timer);
}

/**
 * Brings the graph to the packed layout of `source.view()`: elements the view no longer has go, the ones it keeps
 * move to their new place (their style is kept), the pan and zoom are set at once for the whole drawing (or, when it
 * would be too small to read, for the namespace `focusId`), and the new elements come in ELEMENTS_PER_FRAME at a time,
 * namespaces first, then objects, then references.
 */
export function drawPacked(
  cy: cytoscape.Core,
  pane: { width: number; height: number },
  focusId: string | null,
  source: DrawSource,
): MeshDrawing {
  const view = source.view();
  const positions = placeMeshView(view, pane.height > 0 ? pane.width / pane.height : 1.5);
  const wanted = new Map<string, { index: number; parent?: string; source?: string; target?: string }>();
  view.nodes.forEach((node, index) => wanted.set(node.id, { index, ...(node.parent ? { parent: node.parent } : {}) }));
  view.edges.forEach((edge, index) =>
    wanted.set(edge.id, { index: view.nodes.length + index, source: edge.source, target: edge.target }),
  );
  // What is drawn and stays keeps its style: only its place, label and classes are brought up to date.
  const kept = new Set<number>();
  cy.batch(() => {
    cy.elements()
      .filter((ele) => {
        const want = wanted.get(ele.id());
        const same =
          want !== undefined &&
          (ele.isNode()
            ? (ele.data('parent') ?? undefined) === want.parent
            : ele.data('source') === want.source && ele.data('target') === want.target);
        if (same) kept.add(want.index);
        return !same;
      })
      .remove();
    for (const index of [...kept]) {
      const def = index < view.nodes.length ? source.node(index) : source.edge(index - view.nodes.length);
      const ele = cy.getElementById(String(def.data.id));
      // Gone with a node removed above (a reference to it, an object of its namespace): added again below.
      if (ele.empty()) {
        kept.delete(index);
        continue;
      }
      if (ele.data('label') !== def.data.label) ele.data('label', def.data.label);
      ele.classes(def.classes ?? '');
      const at = positions.get(String(def.data.id));
      if (at && ele.isNode() && ele.isChildless()) ele.position(at);
    }
  });

  const { all: boxOfAll, boxes } = meshBoxes(view, positions);
  // Room for what is drawn around the boxes: borders, the highlight of an end of the request.
  const all = {
    x1: boxOfAll.x1 - MARGIN,
    y1: boxOfAll.y1 - MARGIN,
    x2: boxOfAll.x2 + MARGIN,
    y2: boxOfAll.y2 + MARGIN,
  };
  const limits = { min: cy.minZoom(), max: cy.maxZoom() };
  let viewport = fitViewport(all, pane, PADDING, limits);
  const focus = focusId ? boxes.get(focusId) : undefined;
  const focusOpen = view.nodes.some((n) => n.parent === focusId);
  if (focus && focusOpen && viewport.zoom < READABLE_ZOOM) viewport = fitViewport(focus, pane, PADDING, limits);
  cy.viewport(viewport);

  const total = view.nodes.length + view.edges.length;
  let next = 0;
  let stopped = false;
  let cancelFrame: () => void = () => undefined;
  const addSome = () => {
    if (stopped || cy.destroyed()) return;
    const batch: cytoscape.ElementDefinition[] = [];
    const current = source.view();
    while (next < total && batch.length < ELEMENTS_PER_FRAME) {
      const index = next++;
      if (kept.has(index)) continue;
      if (index < current.nodes.length) {
        const def = source.node(index);
        const at = positions.get(String(def.data.id));
        batch.push(at ? { ...def, position: { ...at } } : def);
      } else batch.push(source.edge(index - current.nodes.length));
    }
    if (batch.length > 0) cy.add(batch);
    if (next < total) cancelFrame = nextFrame(addSome);
    else {
      stopped = true;
      source.done();
    }
  };
  // The first ones a frame later too: the task that asked for the drawing (a click, a new analysis) is done first.
  cancelFrame = nextFrame(addSome);
  return {
    cancel: () => {
      stopped = true;
      cancelFrame();
    },
    running: () => !stopped,
  };
}
