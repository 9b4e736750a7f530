import { escapeInvisible } from '../../core/manifest/escape.ts';
import type { MeshGraphData, MeshGraphNode } from '../../state/leanView.ts';
import { layoutGroup, packRows, rowWidthFor, type Point, type Size } from './meshLayout.ts';

/** Above this many nodes the Mesh view opens as an overview: one box per namespace, opened on demand. */
export const OVERVIEW_THRESHOLD = 150;
/** At most this many objects are drawn for a search or the "on the path" filter. */
export const MAX_SHOWN = 300;

export const OBJECT_SIZE: Size = { width: 132, height: 40 };
export const NAMESPACE_BOX: Size = { width: 176, height: 64 };
/** Room a compound namespace takes around its objects: padding on every side and its label on top. */
const NAMESPACE_PADDING = 14;
const NAMESPACE_LABEL = 22;
const TOP_GAP = 36;

export interface MeshViewOptions {
  /** Namespace node ids the user opened in the overview. */
  expanded: ReadonlySet<string>;
  search: string;
  /** Object ids (kind/namespace/name) the current trace went through. */
  onPath: ReadonlySet<string>;
  onPathOnly: boolean;
}

export interface MeshViewNode {
  id: string;
  label: string;
  kind: string;
  parent: string | undefined;
  /** A namespace drawn as one box with the number of its objects. */
  collapsed: boolean;
  onPath: boolean;
  /** A collapsed namespace with objects on the traced path. */
  containsPath: boolean;
}

export interface MeshViewEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

export interface MeshViewElements {
  nodes: MeshViewNode[];
  edges: MeshViewEdge[];
  /** `dagre` for a small mesh drawn whole (as it always was); `packed` for the overview and filtered views. */
  layout: 'dagre' | 'packed';
  /** Changes exactly when the drawn elements do (not their labels): the layout runs again only then. */
  key: string;
  /** Objects the search and filter found, and whether only the first MAX_SHOWN are drawn. */
  found: number;
  truncated: boolean;
  overview: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function matcher(search: string): (node: MeshGraphNode) => boolean {
  const words = search
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return () => true;
  return (node) => {
    const text = `${node.kind} ${node.namespace ?? ''}/${node.name} ${node.label}`.toLowerCase();
    return words.every((w) => text.includes(w));
  };
}

/**
 * What the Mesh view draws. A small mesh is drawn whole. A large one starts as an overview: every namespace one box
 * with its number of objects, the ones the user opened with all their objects, references between boxes merged.
 * A search or the "on the path" filter draws only the objects found, in their namespaces.
 */
export function meshViewElements(graph: MeshGraphData, options: MeshViewOptions): MeshViewElements {
  const filtered = options.search.trim() !== '' || options.onPathOnly;
  const overview = !filtered && graph.nodes.length > OVERVIEW_THRESHOLD;
  const namespaces = graph.nodes.filter((n) => n.kind === 'Namespace');
  const objects = graph.nodes.filter((n) => n.kind !== 'Namespace');
  const counts = new Map<string, { objects: number; onPath: number }>();
  for (const node of objects) {
    if (!node.parent) continue;
    const count = counts.get(node.parent) ?? counts.set(node.parent, { objects: 0, onPath: 0 }).get(node.parent);
    if (!count) continue;
    count.objects++;
    if (options.onPath.has(node.id)) count.onPath++;
  }

  let shownObjects: MeshGraphNode[];
  let shownNamespaces: Array<{ node: MeshGraphNode; collapsed: boolean }>;
  let found = objects.length;
  if (filtered) {
    const matches = matcher(options.search.trim());
    const hit = (n: MeshGraphNode) => matches(n) && (!options.onPathOnly || options.onPath.has(n.id));
    const all = objects.filter(hit);
    found = all.length;
    shownObjects = all.slice(0, MAX_SHOWN);
    const parents = new Set(shownObjects.map((n) => n.parent));
    // A namespace is drawn around the objects found in it, or alone when it is found itself.
    shownNamespaces = namespaces.filter((n) => parents.has(n.id) || hit(n)).map((node) => ({ node, collapsed: false }));
  } else if (overview) {
    shownNamespaces = namespaces.map((node) => ({ node, collapsed: !options.expanded.has(node.id) }));
    const open = new Set(shownNamespaces.filter((n) => !n.collapsed).map((n) => n.node.id));
    shownObjects = objects.filter((n) => !n.parent || open.has(n.parent));
  } else {
    shownNamespaces = namespaces.map((node) => ({ node, collapsed: false }));
    shownObjects = objects;
  }

  const nodes: MeshViewNode[] = [
    ...shownNamespaces.map(({ node, collapsed }) => {
      const count = counts.get(node.id) ?? { objects: 0, onPath: 0 };
      return {
        id: node.id,
        kind: 'Namespace',
        parent: undefined,
        // Names are drawn as what they are: a bidi control or zero-width character is written out (`\u202E`).
        label: escapeInvisible(
          collapsed
            ? `${node.name}\n${plural(count.objects, 'object')}` +
                (count.onPath > 0 ? ` · ${count.onPath} on the path` : '')
            : node.label,
        ),
        collapsed,
        onPath: options.onPath.has(node.id),
        containsPath: collapsed && count.onPath > 0,
      };
    }),
    ...shownObjects.map((node) => ({
      id: node.id,
      kind: node.kind,
      parent: node.parent,
      label: escapeInvisible(node.label),
      collapsed: false,
      onPath: options.onPath.has(node.id),
      containsPath: false,
    })),
  ];

  // Each end of a reference is drawn as its object, or as the collapsed namespace it sits in.
  const drawn = new Set(nodes.map((n) => n.id));
  const collapsedOf = new Map<string, string>();
  if (overview) {
    const closed = new Set(shownNamespaces.filter((n) => n.collapsed).map((n) => n.node.id));
    for (const node of objects) if (node.parent && closed.has(node.parent)) collapsedOf.set(node.id, node.parent);
  }
  const merged = new Map<string, MeshViewEdge & { count: number }>();
  const edges: MeshViewEdge[] = [];
  for (const edge of graph.edges) {
    if (drawn.has(edge.source) && drawn.has(edge.target)) {
      edges.push({ id: edge.id, source: edge.source, target: edge.target, label: escapeInvisible(edge.relation) });
      continue;
    }
    const source = drawn.has(edge.source) ? edge.source : collapsedOf.get(edge.source);
    const target = drawn.has(edge.target) ? edge.target : collapsedOf.get(edge.target);
    if (!source || !target || source === target) continue;
    const id = `${source}->${target}:merged`;
    const existing = merged.get(id);
    if (existing) existing.count++;
    else merged.set(id, { id, source, target, label: '', count: 1 });
  }
  for (const { count, ...edge } of merged.values()) edges.push({ ...edge, label: plural(count, 'reference') });

  const key = [
    filtered || overview ? 'packed' : 'dagre',
    ...nodes.map((n) => `${n.id}<${n.parent ?? ''}${n.collapsed ? '#' : ''}`),
    ...edges.map((e) => e.id),
  ].join('|');
  return {
    nodes,
    edges,
    layout: filtered || overview ? 'packed' : 'dagre',
    key,
    found,
    truncated: found > shownObjects.length,
    overview,
  };
}

/**
 * Centres of the drawn nodes for the packed layout (compound namespaces take the box of their objects): each open
 * namespace laid out on its own, then namespaces and boxes packed in rows to fit a pane `aspect` (width / height).
 */
export function placeMeshView(view: Pick<MeshViewElements, 'nodes' | 'edges'>, aspect: number): Map<string, Point> {
  const drawn = new Set(view.nodes.map((n) => n.id));
  const children = new Map<string, string[]>();
  const topLevel: MeshViewNode[] = [];
  for (const node of view.nodes) {
    if (!node.parent || !drawn.has(node.parent)) topLevel.push(node);
    else (children.get(node.parent) ?? children.set(node.parent, []).get(node.parent))?.push(node.id);
  }
  const items = topLevel.map((node) => {
    const inside = children.get(node.id);
    if (!inside) {
      const size = node.kind === 'Namespace' ? NAMESPACE_BOX : OBJECT_SIZE;
      return { id: node.id, size, inner: undefined };
    }
    const group = layoutGroup(inside, view.edges, OBJECT_SIZE, Math.max(1, aspect));
    return {
      id: node.id,
      size: {
        width: group.width + 2 * NAMESPACE_PADDING,
        height: group.height + 2 * NAMESPACE_PADDING + NAMESPACE_LABEL,
      },
      inner: group.positions,
    };
  });
  const sizes = items.map((i) => i.size);
  const { corners } = packRows(sizes, rowWidthFor(sizes, aspect, TOP_GAP), TOP_GAP);
  const positions = new Map<string, Point>();
  items.forEach((item, i) => {
    const corner = corners[i] ?? { x: 0, y: 0 };
    if (!item.inner) {
      positions.set(item.id, { x: corner.x + item.size.width / 2, y: corner.y + item.size.height / 2 });
      return;
    }
    for (const [id, p] of item.inner)
      positions.set(id, {
        x: corner.x + NAMESPACE_PADDING + p.x,
        y: corner.y + NAMESPACE_PADDING + NAMESPACE_LABEL + p.y,
      });
  });
  return positions;
}

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Where the nodes placed by placeMeshView are drawn, from their centres and sizes alone (Cytoscape's own bounding box
 * computes the style of every element first): each node's box (an open namespace's box holds its objects, its
 * padding and its label above them) and the box of the whole drawing.
 */
export function meshBoxes(
  view: Pick<MeshViewElements, 'nodes'>,
  positions: ReadonlyMap<string, Point>,
): { all: Box; boxes: Map<string, Box> } {
  const boxes = new Map<string, Box>();
  const drawn = new Set(view.nodes.map((n) => n.id));
  const all: Box = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
  const grow = (box: Box, by: Box) => {
    box.x1 = Math.min(box.x1, by.x1);
    box.y1 = Math.min(box.y1, by.y1);
    box.x2 = Math.max(box.x2, by.x2);
    box.y2 = Math.max(box.y2, by.y2);
  };
  const open = new Map<string, Box>();
  for (const node of view.nodes) {
    const at = positions.get(node.id);
    if (!at) continue;
    const size = node.kind === 'Namespace' ? NAMESPACE_BOX : OBJECT_SIZE;
    const box = {
      x1: at.x - size.width / 2,
      y1: at.y - size.height / 2,
      x2: at.x + size.width / 2,
      y2: at.y + size.height / 2,
    };
    boxes.set(node.id, box);
    if (!node.parent || !drawn.has(node.parent)) continue;
    const around = open.get(node.parent) ?? open.set(node.parent, { ...box }).get(node.parent);
    if (around) grow(around, box);
  }
  for (const [id, inner] of open)
    boxes.set(id, {
      x1: inner.x1 - NAMESPACE_PADDING,
      y1: inner.y1 - NAMESPACE_PADDING - NAMESPACE_LABEL,
      x2: inner.x2 + NAMESPACE_PADDING,
      y2: inner.y2 + NAMESPACE_PADDING,
    });
  for (const box of boxes.values()) grow(all, box);
  return { all: Number.isFinite(all.x1) ? all : { x1: 0, y1: 0, x2: 0, y2: 0 }, boxes };
}

/** The zoom and pan that show `box` whole in a pane, `padding` pixels from its edges, within the zoom limits. */
export function fitViewport(
  box: Box,
  pane: Size,
  padding: number,
  limits: { min: number; max: number },
): { zoom: number; pan: Point } {
  const w = Math.max(1, box.x2 - box.x1);
  const h = Math.max(1, box.y2 - box.y1);
  const fit = Math.min((pane.width - 2 * padding) / w, (pane.height - 2 * padding) / h);
  const zoom = Math.max(limits.min, Math.min(limits.max, fit > 0 ? fit : limits.min));
  return {
    zoom,
    pan: { x: (pane.width - zoom * (box.x1 + box.x2)) / 2, y: (pane.height - zoom * (box.y1 + box.y2)) / 2 },
  };
}
