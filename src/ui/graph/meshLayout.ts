/**
 * A layout for large meshes that costs O(nodes + edges): each group of connected objects is drawn left to right
 * along its references (one column per step), the groups of a namespace are packed in rows, and namespaces (open or
 * collapsed) are packed in rows that fit the pane's shape. Positions are node centres.
 */
export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface PlacedGroup extends Size {
  /** Node centres, relative to the group's top-left corner. */
  positions: Map<string, Point>;
}

const NODE_GAP = 14;
const RANK_GAP = 56;
const GROUP_GAP = 28;

/**
 * Places rectangles in rows (in the given order) no wider than `maxWidth` unless one rectangle is: the top-left
 * corner of each, and the size of the whole.
 */
export function packRows(sizes: readonly Size[], maxWidth: number, gap: number): { corners: Point[] } & Size {
  const corners: Point[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let width = 0;
  for (const size of sizes) {
    if (x > 0 && x + size.width > maxWidth) {
      x = 0;
      y += rowHeight + gap;
      rowHeight = 0;
    }
    corners.push({ x, y });
    x += size.width + gap;
    width = Math.max(width, x - gap);
    rowHeight = Math.max(rowHeight, size.height);
  }
  return { corners, width, height: y + rowHeight };
}

/** A row width that makes packed rectangles of this total area about as wide as `aspect` (width / height) says. */
export function rowWidthFor(sizes: readonly Size[], aspect: number, gap: number): number {
  const area = sizes.reduce((sum, s) => sum + (s.width + gap) * (s.height + gap), 0);
  const widest = sizes.reduce((max, s) => Math.max(max, s.width), 0);
  return Math.max(widest, Math.sqrt(area * Math.max(0.2, aspect)));
}

/** Connected groups of `ids` along `edges` (edges to other ids are ignored), each in the order of `ids`. */
function components(ids: readonly string[], edges: ReadonlyArray<{ source: string; target: string }>): string[][] {
  const root = new Map(ids.map((id) => [id, id]));
  const find = (id: string): string => {
    let r = id;
    while (root.get(r) !== r) r = root.get(r) ?? r;
    root.set(id, r);
    return r;
  };
  for (const { source, target } of edges) {
    if (!root.has(source) || !root.has(target)) continue;
    root.set(find(source), find(target));
  }
  const groups = new Map<string, string[]>();
  for (const id of ids) {
    const r = find(id);
    const group = groups.get(r);
    if (group) group.push(id);
    else groups.set(r, [id]);
  }
  return [...groups.values()];
}

/** One connected group, left to right: a node's column is the longest chain of references leading to it. */
function layerComponent(
  ids: readonly string[],
  edges: ReadonlyArray<{ source: string; target: string }>,
  size: Size,
): PlacedGroup {
  const inGroup = new Set(ids);
  const incoming = new Map<string, string[]>();
  const outgoing = new Map<string, string[]>();
  for (const { source, target } of edges) {
    if (!inGroup.has(source) || !inGroup.has(target) || source === target) continue;
    (outgoing.get(source) ?? outgoing.set(source, []).get(source))?.push(target);
    (incoming.get(target) ?? incoming.set(target, []).get(target))?.push(source);
  }
  // Longest path from the sources (Kahn's order); nodes on a cycle keep the column they had reached.
  const rank = new Map(ids.map((id) => [id, 0]));
  const pending = new Map(ids.map((id) => [id, incoming.get(id)?.length ?? 0]));
  const queue = ids.filter((id) => pending.get(id) === 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] ?? '';
    for (const next of outgoing.get(id) ?? []) {
      rank.set(next, Math.max(rank.get(next) ?? 0, (rank.get(id) ?? 0) + 1));
      const left = (pending.get(next) ?? 0) - 1;
      pending.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  const columns: string[][] = [];
  for (const id of ids) {
    const column = rank.get(id) ?? 0;
    (columns[column] ??= []).push(id);
  }
  const dense = columns.filter((c) => c !== undefined);
  // Each column in the order of the nodes that point at it, so that references cross less.
  const row = new Map<string, number>();
  dense.forEach((column, c) => {
    if (c > 0) {
      const weight = (id: string) => {
        const from = (incoming.get(id) ?? []).map((p) => row.get(p)).filter((r) => r !== undefined);
        return from.length > 0 ? from.reduce((a, b) => a + b, 0) / from.length : Number.MAX_SAFE_INTEGER;
      };
      column.sort((a, b) => weight(a) - weight(b));
    }
    column.forEach((id, r) => row.set(id, r));
  });
  const tallest = Math.max(...dense.map((c) => c.length));
  const height = tallest * size.height + (tallest - 1) * NODE_GAP;
  const positions = new Map<string, Point>();
  dense.forEach((column, c) => {
    const top = (height - (column.length * size.height + (column.length - 1) * NODE_GAP)) / 2;
    column.forEach((id, r) => {
      positions.set(id, {
        x: c * (size.width + RANK_GAP) + size.width / 2,
        y: top + r * (size.height + NODE_GAP) + size.height / 2,
      });
    });
  });
  return { positions, width: dense.length * size.width + (dense.length - 1) * RANK_GAP, height };
}

/**
 * The objects of one namespace: connected groups laid out along their references, the largest first, packed in rows
 * about as wide as `aspect` says. Every node has the same `size`.
 */
export function layoutGroup(
  ids: readonly string[],
  edges: ReadonlyArray<{ source: string; target: string }>,
  size: Size,
  aspect: number,
): PlacedGroup {
  const placed = components(ids, edges)
    .map((group) => layerComponent(group, edges, size))
    .sort((a, b) => b.positions.size - a.positions.size);
  const { corners, width, height } = packRows(placed, rowWidthFor(placed, aspect, GROUP_GAP), GROUP_GAP);
  const positions = new Map<string, Point>();
  placed.forEach((group, i) => {
    const corner = corners[i] ?? { x: 0, y: 0 };
    for (const [id, p] of group.positions) positions.set(id, { x: corner.x + p.x, y: corner.y + p.y });
  });
  return { positions, width, height };
}
