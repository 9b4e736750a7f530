import type { Trace, TraceStep } from '../../core/index.ts';
import { escapeInvisible } from '../../core/manifest/escape.ts';
import { isSuccess } from '../../state/outcome.ts';
import { ambientLaneLabel, ambientStepLabel, bypassedWaypoint, edgeStep, plaintextArrival } from './ambientElements.ts';

/** A node or edge of the path graph, framework-neutral so it can be tested without a canvas. */
export interface PathNode {
  id: string;
  label: string;
  kind: TraceStep['kind'] | 'client' | 'destination' | 'hop' | 'endpoint-alt' | 'bypassed';
  parent?: string;
  stepIndex?: number;
  classes: string[];
}

export interface PathEdge {
  id: string;
  source: string;
  target: string;
  classes: string[];
  /** The step an edge stands for (an arrival, an HBONE tunnel), so that clicking it opens that step. */
  stepIndex?: number;
  /** Drawn on the edge: how the bytes travel (`HBONE :15008`, `plaintext :80`). */
  label?: string;
}

/** A step that only says the request reached the next proxy (a gateway pod): it becomes the edge into that lane. */
function isArrival(trace: Trace, index: number): boolean {
  const step = trace.steps[index];
  const next = trace.steps[index + 1];
  if (!step || !next || step.fact.kind !== 'listener' || step.fact.by !== 'gatewayPod' || next.hop === undefined)
    return false;
  return step.proxy !== undefined && trace.hops[next.hop]?.proxy === step.proxy;
}

function shorten(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shortenLines(text: string, max = 60): string {
  return text
    .split('\n')
    .map((line) => shorten(line, max))
    .join('\n');
}

const KIND_TITLE: Record<TraceStep['kind'], string> = {
  dns: 'DNS',
  capture: 'Capture',
  listener: 'Listener',
  filterChain: 'Filter chain',
  virtualHost: 'Virtual host',
  route: 'Route',
  cluster: 'Cluster',
  endpoint: 'Endpoint',
  inbound: 'Inbound',
  authorization: 'Authorization',
  envoyFilter: 'EnvoyFilter',
  ztunnel: 'ztunnel',
  hbone: 'HBONE',
  waypoint: 'Waypoint',
  waypointBypass: 'Waypoint bypassed',
  outcome: 'Outcome',
};

/** The word for a step's kind, as the graph and the steps list show it. */
export function stepKindTitle(kind: TraceStep['kind']): string {
  return KIND_TITLE[kind];
}

/** RFC 5737's TEST-NET-3: Meshpath's made-up answer when only a DNS server outside the cluster knows a host. */
const PLACEHOLDER_ADDRESS = /\b203\.0\.113\.\d{1,3}\b(?! \(placeholder)/g;

/** Marks made-up addresses where they are shown, so nobody takes them for the host's real address. */
export function labelPlaceholders(text: string, words = 'placeholder: real address unknown'): string {
  return text.replace(PLACEHOLDER_ADDRESS, (address) => `${address} (${words})`);
}

/**
 * A label that a canvas may wrap only after `.`, `|`, `-` and `/` (and at spaces): a zero-width space follows each of
 * them, so `svc.cluster.local` breaks as `svc.` / `cluster.local`, never mid-word; IP addresses stay whole. Invisible
 * characters the label itself holds (a U+202E or U+200B in a name) are written out first (`\u202E`), so the only
 * zero-width spaces left are the ones added here.
 */
export function breakable(label: string): string {
  return escapeInvisible(label).replace(BREAK_AFTER, '\u200b');
}

/** After `|`, `/`, `-`, and after a `.` that is not between two digits (an IP address stays whole). */
export const BREAK_AFTER = /(?<=[|/-])(?=\S)|(?<=[^0-9\s]\.)(?=\S)|(?<=\.)(?=[^0-9\s])/g;

function stepLabel(step: TraceStep, trace: Trace): string {
  const title = KIND_TITLE[step.kind];
  const ambient = ambientStepLabel(step);
  if (ambient !== undefined) return shortenLines(labelPlaceholders(ambient, 'placeholder'));
  switch (step.kind) {
    case 'dns': {
      const answers = labelPlaceholders(trace.dns.answers.join(', '), 'placeholder');
      const answer = trace.dns.rcode === 'NXDOMAIN' ? `${trace.dns.name}: NXDOMAIN` : `${trace.dns.name}\n→ ${answers}`;
      return `${title} (${trace.dns.resolver})\n${shorten(answer)}`;
    }
    case 'capture': {
      const where = step.title.startsWith('Not captured')
        ? 'not captured'
        : step.title.startsWith('Arrives')
          ? 'arrives at the gateway'
          : 'iptables → 15001';
      return `${title}\n${shorten(where)}`;
    }
    case 'authorization':
      return `${title}\n${step.title === 'Authorized' ? 'allowed' : 'denied'}`;
    case 'inbound':
      return `${title} (virtualInbound)\n${shorten(step.title.replace(/^Inbound /, ''))}`;
    default:
      return `${title}\n${shorten(labelPlaceholders(step.name ?? step.title, 'placeholder'))}`;
  }
}

/** The last cluster a client-side or gateway proxy chose: where the mesh sent the request. */
export function finalCluster(trace: Trace): string | undefined {
  return [...trace.hops].reverse().find((h) => h.cluster && h.direction !== 'inbound')?.cluster;
}

/**
 * Status and response flag as Envoy would log them, e.g. `503 UH`, `UH`, or empty for a raw connection without flags.
 */
export function statusText(trace: Trace): string {
  return [trace.status !== null ? String(trace.status) : '', trace.responseFlags !== '-' ? trace.responseFlags : '']
    .filter(Boolean)
    .join(' ');
}

/** The destination node: the pod, host or special cluster where the request ended, labelled with the outcome. */
function destinationLabel(trace: Trace): string {
  const last = trace.hops.at(-1);
  const status = statusText(trace);
  const where =
    trace.outcome === 'blackhole'
      ? last?.cluster === 'BlackHoleCluster'
        ? 'BlackHoleCluster'
        : 'block_all'
      : trace.outcome === 'passthrough'
        ? `PassthroughCluster → ${trace.request.host}`
        : last?.direction === 'inbound'
          ? last.proxy
          : (last?.endpoint ?? trace.request.host);
  return `${trace.outcome}${status ? ` · ${status}` : ''}\n${shorten(where)}`;
}

/** Turns a trace into the left-to-right path: client → steps (grouped by proxy) → destination. */
export function pathElements(trace: Trace): { nodes: PathNode[]; edges: PathEdge[] } {
  const nodes: PathNode[] = [];
  const edges: PathEdge[] = [];
  const success = isSuccess(trace.outcome);
  const target = `${trace.request.host}:${trace.request.port}${trace.request.path}`;
  nodes.push({
    id: 'client',
    label: `${trace.request.from}\n${trace.request.method} ${shorten(target, 34)}`,
    kind: 'client',
    classes: ['client'],
  });
  trace.hops.forEach((hop, index) => {
    nodes.push({
      id: `hop${index}`,
      label: ambientLaneLabel(trace, index) ?? `${hop.proxy} · ${hop.direction}`,
      kind: 'hop',
      classes: ['hop', hop.direction],
    });
  });
  let previous = 'client';
  // A step drawn as the edge into the next node (an arrival at a gateway, an HBONE tunnel, a plaintext send).
  let pending: { stepIndex: number; classes: string[]; label?: string } | undefined;
  const edgeInto = (id: string, step: TraceStep | undefined): PathEdge => {
    const into = pending ?? (step ? plaintextArrival(step) : undefined);
    pending = undefined;
    const edge: PathEdge = { id: `${previous}->${id}`, source: previous, target: id, classes: ['path'] };
    if (!into) return edge;
    return {
      ...edge,
      classes: ['path', ...into.classes],
      ...('stepIndex' in into ? { stepIndex: into.stepIndex } : {}),
      ...(into.label !== undefined ? { label: into.label } : {}),
    };
  };
  trace.steps.forEach((step, index) => {
    if (step.kind === 'outcome') return;
    if (isArrival(trace, index)) {
      pending = { stepIndex: index, classes: ['arrival'] };
      return;
    }
    const asEdge = edgeStep(step);
    if (asEdge) {
      pending = { stepIndex: index, ...asEdge };
      return;
    }
    const id = `s${index}`;
    const parent = step.hop !== undefined ? { parent: `hop${step.hop}` } : {};
    const bypass = bypassedWaypoint(step);
    nodes.push({
      id,
      label: stepLabel(step, trace),
      kind: step.kind,
      ...parent,
      stepIndex: index,
      classes: ['step', step.kind, ...(bypass ? ['bypass'] : [])],
    });
    edges.push(edgeInto(id, step));
    if (bypass && step.kind !== 'waypointBypass') {
      // The waypoint the request would have gone through, greyed out beside the step that went around it.
      const ghost = `${id}-bypassed`;
      nodes.push({
        id: ghost,
        label: `Waypoint\n${bypass.waypoint}\nbypassed:\n${bypass.why}`,
        kind: 'bypassed',
        ...parent,
        stepIndex: index,
        classes: ['alternative', 'bypassed'],
      });
      edges.push({ id: `${id}->${ghost}`, source: id, target: ghost, classes: ['alternative', 'bypassed'] });
    }
    if (step.kind === 'endpoint' && step.endpoints) {
      for (const [altIndex, endpoint] of step.endpoints.entries()) {
        if (endpoint.state === 'chosen') continue;
        const altId = `${id}-alt${altIndex}`;
        nodes.push({
          id: altId,
          label: `${endpoint.state === 'excluded' ? 'not in subset' : endpoint.state}\n${endpoint.address}`,
          kind: 'endpoint-alt',
          ...parent,
          stepIndex: index,
          classes: ['alternative', endpoint.state],
        });
        edges.push({ id: `${previous}->${altId}`, source: previous, target: altId, classes: ['alternative'] });
      }
    }
    previous = id;
  });
  const outcomeIndex = trace.steps.findIndex((s) => s.kind === 'outcome');
  nodes.push({
    id: 'destination',
    label: destinationLabel(trace),
    kind: 'destination',
    ...(outcomeIndex >= 0 ? { stepIndex: outcomeIndex } : {}),
    classes: ['destination', success ? 'success' : 'failure'],
  });
  const last = edgeInto('destination', undefined);
  edges.push({ ...last, classes: [...last.classes, success ? 'success' : 'failure'] });
  // Names from the manifests and the request are drawn as what they are: a bidi control or zero-width character in a
  // pod's or host's name is written out (`\u202E`), as in every message.
  return {
    nodes: nodes.map((n) => ({ ...n, label: escapeInvisible(n.label) })),
    edges: edges.map((e) => (e.label === undefined ? e : { ...e, label: escapeInvisible(e.label) })),
  };
}

export const PATH_NODE_WIDTH = 150;
const COLUMN = PATH_NODE_WIDTH + 26;
const ROW = 102;
const LANE_GAP = 34;
/** Room above a node entered by a labelled edge (HBONE, plaintext): the label sits in the gap, clear of lane titles. */
const LABEL_GAP = 58;

/**
 * Positions for the path: left to right, wrapping into rows so that it stays readable at full size in a narrow pane.
 * Steps run in order: those outside any proxy (client, DNS, capture, kube-proxy between two proxies) sit in rows of
 * their own, each proxy (hop) starts its own rows, so lanes never overlap; endpoints not taken sit in a row under
 * their hop; the destination follows the last step. A node entered by a labelled edge starts a row, with room above
 * it for the label.
 */
export function layoutPath(
  nodes: readonly PathNode[],
  columns: number,
  edges: readonly PathEdge[] = [],
): Map<string, { x: number; y: number }> {
  const labelled = new Set(edges.filter((e) => e.label !== undefined).map((e) => e.target));
  const cols = Math.max(2, columns);
  const positions = new Map<string, { x: number; y: number }>();
  let col = 0;
  let y = 0;
  const place = (id: string) => {
    if (col >= cols) {
      col = 0;
      y += ROW;
    }
    positions.set(id, { x: col * COLUMN, y });
    col++;
  };
  const newRow = (gap: number) => {
    if (positions.size === 0) return;
    col = 0;
    y += ROW + gap;
  };
  // Consecutive runs of nodes in the same place: outside any proxy (parent undefined) or in one hop.
  const segments: Array<{ parent: string | undefined; nodes: PathNode[] }> = [];
  for (const node of nodes) {
    if (node.kind === 'hop' || node.kind === 'destination') continue;
    const last = segments.at(-1);
    if (last && last.parent === node.parent) last.nodes.push(node);
    else segments.push({ parent: node.parent, nodes: [node] });
  }
  let lastLane: { rows: number; count: number } | undefined;
  for (const segment of segments) {
    const main = segment.nodes.filter((n) => n.kind !== 'endpoint-alt');
    const alternatives = segment.nodes.filter((n) => n.kind === 'endpoint-alt');
    // A lane's box needs room around it; so does a run that follows one.
    newRow(labelled.has(main[0]?.id ?? '') ? LABEL_GAP : segment.parent !== undefined || lastLane ? LANE_GAP : 0);
    const startY = y;
    for (const [index, node] of main.entries()) {
      if (index > 0 && labelled.has(node.id)) newRow(LABEL_GAP);
      place(node.id);
    }
    if (alternatives.length > 0) {
      newRow(0);
      for (const node of alternatives) place(node.id);
    }
    lastLane =
      segment.parent !== undefined
        ? { rows: Math.round((y - startY) / ROW) + 1, count: main.length + alternatives.length }
        : undefined;
  }
  const destination = nodes.find((n) => n.kind === 'destination');
  if (destination) {
    // After a one-row lane with room left, the destination sits beside it (outside the lane's box); otherwise below.
    if (labelled.has(destination.id)) newRow(LABEL_GAP);
    else if (lastLane && !(lastLane.rows === 1 && lastLane.count < cols)) newRow(LANE_GAP / 2);
    else if (lastLane) col = lastLane.count;
    place(destination.id);
  }
  return positions;
}

/** The padding of a lane's box around its steps (PathGraph's style for `node.hop`). */
export const LANE_PADDING = 12;
const STEP_HEIGHT = 80;

/**
 * Where each lane's title goes: at the top-left corner of its box, just above it. The titles are drawn apart from
 * the lanes, over the edges, so that an HBONE edge entering a lane never runs through its title.
 */
export function laneTitlePositions(
  nodes: readonly PathNode[],
  positions: ReadonlyMap<string, { x: number; y: number }>,
): Map<string, { x: number; y: number }> {
  const corners = new Map<string, { x: number; y: number }>();
  for (const node of nodes) {
    const at = node.parent !== undefined ? positions.get(node.id) : undefined;
    if (!at || node.parent === undefined) continue;
    const corner = corners.get(node.parent);
    corners.set(node.parent, { x: Math.min(corner?.x ?? at.x, at.x), y: Math.min(corner?.y ?? at.y, at.y) });
  }
  const titles = new Map<string, { x: number; y: number }>();
  for (const [hop, { x, y }] of corners)
    titles.set(hop, { x: x - PATH_NODE_WIDTH / 2 - LANE_PADDING, y: y - STEP_HEIGHT / 2 - LANE_PADDING - 11 });
  return titles;
}
