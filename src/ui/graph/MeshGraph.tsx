import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { graphHandle } from './graphHandle.ts';
import { drawPacked, type MeshDrawing } from './meshDrawing.ts';
import { NAMESPACE_BOX, type MeshViewElements } from './meshElements.ts';

cytoscape.use(dagre);

const LAYOUT = {
  name: 'dagre',
  rankDir: 'LR',
  nodeSep: 18,
  rankSep: 70,
  padding: 16,
  fit: true,
  animate: false,
} as cytoscape.LayoutOptions;

const WORKLOAD_STYLE = { color: '#457b9d', shape: 'round-rectangle' } as const;
const KIND_STYLE: Record<string, { color: string; shape: cytoscape.Css.NodeShape }> = {
  ...Object.fromEntries(
    ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].map((kind) => [kind, WORKLOAD_STYLE]),
  ),
  Service: { color: '#2a9d8f', shape: 'ellipse' },
  ServiceEntry: { color: '#e76f51', shape: 'hexagon' },
  WorkloadEntry: { color: '#e76f51', shape: 'round-rectangle' },
  VirtualService: { color: '#7b2cbf', shape: 'diamond' },
  DestinationRule: { color: '#9d4edd', shape: 'tag' },
  Gateway: { color: '#c1121f', shape: 'barrel' },
  Ingress: { color: '#c1121f', shape: 'barrel' },
};

const STYLESHEET: cytoscape.StylesheetJsonBlock[] = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': 10,
      'font-family': 'system-ui, sans-serif',
      // Labels too small to read are not drawn: a zoomed-out overview stays legible and cheap to draw.
      'min-zoomed-font-size': 7,
      color: '#fff',
      'background-color': '#6c757d',
      shape: 'round-rectangle',
      width: 132,
      height: 40,
      'text-max-width': '124px',
    },
  },
  ...Object.entries(KIND_STYLE).map(([kind, { color, shape }]) => ({
    selector: `node[kind = "${kind}"]`,
    style: { 'background-color': color, shape },
  })),
  {
    selector: 'node[kind = "Namespace"]',
    style: {
      label: 'data(label)',
      'text-valign': 'top',
      'text-halign': 'center',
      color: '#1d3557',
      'font-size': 12,
      'font-weight': 'bold',
      'background-color': '#f1faee',
      'background-opacity': 1,
      'border-color': '#a8dadc',
      'border-width': 2,
      shape: 'round-rectangle',
      padding: '14px',
    },
  },
  {
    selector: 'node.collapsed',
    style: {
      'text-valign': 'center',
      'font-size': 13,
      'font-weight': 'normal',
      width: NAMESPACE_BOX.width,
      height: NAMESPACE_BOX.height,
      'text-max-width': `${NAMESPACE_BOX.width - 12}px`,
      padding: '0px',
    },
  },
  {
    selector: 'node.contains-path',
    style: { 'border-width': 4, 'border-color': '#fb8500' },
  },
  {
    selector: 'node:selected',
    style: { 'border-width': 4, 'border-color': '#ffb703' },
  },
  // The ends of the request: the source pod and the destination host, and the hosts a click can trace to.
  {
    selector: 'node.pick-target',
    style: { 'outline-width': 3, 'outline-color': '#1d3557', 'outline-style': 'dashed', 'outline-offset': 4 },
  },
  {
    selector: 'node.end-source, node.end-destination',
    style: {
      'underlay-color': '#1d3557',
      'underlay-padding': 7,
      'underlay-opacity': 0.28,
      'underlay-shape': 'round-rectangle',
      'font-weight': 'bold',
    },
  },
  { selector: 'node.end-destination', style: { 'underlay-color': '#0b7a5b' } },
  {
    selector: 'node.on-path',
    style: { 'border-width': 4, 'border-color': '#fb8500', 'border-style': 'double' },
  },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'line-color': '#8d99ae',
      'target-arrow-color': '#8d99ae',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 8,
      color: '#495057',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-rotation': 'autorotate',
      // As for nodes: a reference's name too small to read is not drawn (nor measured, frame after frame).
      'min-zoomed-font-size': 7,
    },
  },
];

/** The nodes that stand for the request's source and destination, and (while picking one) the hosts to pick from. */
export interface EndMarks {
  source: ReadonlySet<string>;
  destination: ReadonlySet<string>;
  targets: ReadonlySet<string> | undefined;
}

const NO_MARKS: EndMarks = { source: new Set(), destination: new Set(), targets: undefined };

export interface MeshGraphProps {
  view: MeshViewElements;
  marks?: EndMarks;
  /** The namespace the user just opened: shown readable when the whole drawing would be too small. */
  focusId: string | null;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

function classesOf(node: MeshViewElements['nodes'][number], marks: EndMarks): string {
  return [
    node.collapsed ? 'collapsed' : '',
    node.onPath ? 'on-path' : '',
    node.containsPath ? 'contains-path' : '',
    marks.source.has(node.id) ? 'end-source' : '',
    marks.destination.has(node.id) ? 'end-destination' : '',
    marks.targets?.has(node.id) ? 'pick-target' : '',
  ]
    .filter((c) => c !== '')
    .join(' ');
}

/** A node's text, with the end of the request it is written over it (colour alone would not tell). */
function labelOf(node: MeshViewElements['nodes'][number], marks: EndMarks): string {
  const end = [marks.source.has(node.id) ? 'source' : '', marks.destination.has(node.id) ? 'destination' : '']
    .filter((e) => e !== '')
    .join(' & ');
  if (!end) return node.label;
  return node.kind === 'Namespace' && !node.collapsed ? `${node.label} · ${end}` : `▸ ${end}\n${node.label}`;
}

type ViewNode = MeshViewElements['nodes'][number];
type ViewEdge = MeshViewElements['edges'][number];

function nodeElement(node: ViewNode, marks: EndMarks): cytoscape.ElementDefinition {
  return {
    group: 'nodes',
    data: {
      id: node.id,
      label: labelOf(node, marks),
      kind: node.kind,
      ...(node.parent ? { parent: node.parent } : {}),
    },
    classes: classesOf(node, marks),
  };
}

function edgeElement(edge: ViewEdge): cytoscape.ElementDefinition {
  return { group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, label: edge.label } };
}

/**
 * The mesh view: namespaces as boxes, objects inside, references as arrows. Drawn with Cytoscape directly: the
 * elements are replaced and laid out only when the set of drawn elements changes (MeshViewElements.key); a new
 * analysis that draws the same elements only updates labels and highlights.
 */
export default function MeshGraph({ view, focusId, selectedId, marks = NO_MARKS, onSelect }: MeshGraphProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const cyRef = useRef<cytoscape.Core | null>(null);
  const drawnKey = useRef<string | null>(null);
  const drawing = useRef<MeshDrawing | null>(null);
  const selectedRef = useRef(selectedId);
  useLayoutEffect(() => {
    selectedRef.current = selectedId;
  }, [selectedId]);
  const onSelectRef = useRef(onSelect);
  useLayoutEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const cy = cytoscape({
      container,
      style: STYLESHEET,
      minZoom: 0.05,
      maxZoom: 1.6,
      wheelSensitivity: 0.3,
      boxSelectionEnabled: false,
    });
    cyRef.current = cy;
    graphHandle.current = cy;
    cy.on('tap', 'node', (event) => onSelectRef.current(String(event.target.id())));
    cy.on('tap', (event) => {
      if (event.target === cy) onSelectRef.current(null);
    });
    // A bar or panel that changes the pane's size must not leave clicks landing beside the nodes drawn.
    const observer = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => cy.resize());
    observer?.observe(container);
    return () => {
      observer?.disconnect();
      drawing.current?.cancel();
      drawing.current = null;
      graphHandle.drawing = false;
      cy.destroy();
      cyRef.current = null;
      drawnKey.current = null;
      graphHandle.current = null;
    };
  }, []);

  // The view and marks an element is given when it is added: a drawing in progress adds the newest labels.
  const latest = useRef({ view, marks });
  useLayoutEffect(() => {
    latest.current = { view, marks };
  }, [view, marks]);

  useEffect(() => {
    const cy = cyRef.current;
    const container = containerRef.current;
    if (!cy || !container) return;
    if (drawnKey.current !== view.key) {
      drawnKey.current = view.key;
      drawing.current?.cancel();
      drawing.current = null;
      if (view.layout === 'dagre') {
        // A small mesh, drawn whole and laid out by dagre, as it always was.
        cy.batch(() => {
          cy.elements().remove();
          cy.add([...view.nodes.map((n) => nodeElement(n, marks)), ...view.edges.map(edgeElement)]);
        });
        cy.layout(LAYOUT).run();
        graphHandle.drawing = false;
        return;
      }
      graphHandle.drawing = true;
      const selectWhenDrawn = () => {
        const selected = selectedRef.current;
        if (selected) cy.$id(selected).select();
        graphHandle.drawing = false;
      };
      drawing.current = drawPacked(cy, { width: container.clientWidth, height: container.clientHeight }, focusId, {
        view: () => latest.current.view,
        node: (index) => {
          const node = latest.current.view.nodes[index];
          return node ? nodeElement(node, latest.current.marks) : { data: {} };
        },
        edge: (index) => {
          const edge = latest.current.view.edges[index];
          return edge ? edgeElement(edge) : { data: {} };
        },
        done: selectWhenDrawn,
      });
      return;
    }
    cy.batch(() => {
      for (const node of view.nodes) {
        const element = cy.$id(node.id);
        const label = labelOf(node, marks);
        if (element.data('label') !== label) element.data('label', label);
        element.classes(classesOf(node, marks));
      }
      for (const edge of view.edges) {
        const element = cy.$id(edge.id);
        if (element.data('label') !== edge.label) element.data('label', edge.label);
      }
    });
    // The focus matters only when the drawing changes.
    // oxlint-disable-next-line react-hooks/exhaustive-deps
  }, [view, marks]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.$(':selected').unselect();
    if (selectedId) cy.$id(selectedId).select();
  }, [selectedId, view.key]);

  return <div ref={containerRef} className="graph-canvas" />;
}
