import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import CytoscapeComponent from 'react-cytoscapejs';
import type { ObjectGraph } from '../../core/index.ts';

import { graphHandle } from './graphHandle.ts';

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
    selector: 'node:selected',
    style: { 'border-width': 4, 'border-color': '#ffb703' },
  },
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
      label: 'data(relation)',
      'font-size': 8,
      color: '#495057',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-rotation': 'autorotate',
    },
  },
];

export interface MeshGraphProps {
  graph: ObjectGraph;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  /** Object ids (kind/namespace/name) on the traced path. */
  highlighted: ReadonlySet<string>;
}

/** The mesh view: namespaces as boxes, objects inside, references as arrows, laid out left to right. */
export default function MeshGraph({ graph, selectedId, onSelect, highlighted }: MeshGraphProps) {
  const cyRef = useRef<cytoscape.Core | null>(null);
  const onSelectRef = useRef(onSelect);
  useLayoutEffect(() => {
    onSelectRef.current = onSelect;
  }, [onSelect]);

  const elements = useMemo<cytoscape.ElementDefinition[]>(
    () => [
      ...graph.nodes.map((node) => ({
        data: { id: node.id, label: node.label, kind: node.kind, ...(node.parent ? { parent: node.parent } : {}) },
      })),
      ...graph.edges.map((edge) => ({
        data: { id: edge.id, source: edge.source, target: edge.target, relation: edge.relation },
      })),
    ],
    [graph],
  );
  const elementsKey = useMemo(() => elements.map((e) => e.data.id).join('|'), [elements]);

  const bindOnce = (cy: cytoscape.Core): void => {
    if (cyRef.current === cy) return;
    cyRef.current = cy;
    graphHandle.current = cy;
    cy.on('tap', 'node', (event) => onSelectRef.current(String(event.target.id())));
    cy.on('tap', (event) => {
      if (event.target === cy) onSelectRef.current(null);
    });
  };

  // react-cytoscapejs does not re-run the layout when elements change: run it whenever the set of elements does.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.layout(LAYOUT).run();
  }, [elementsKey]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.$(':selected').unselect();
    if (selectedId) cy.$id(selectedId).select();
  }, [selectedId, elementsKey]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.nodes().removeClass('on-path');
    for (const id of highlighted) cy.$id(id).addClass('on-path');
  }, [highlighted, elementsKey]);

  useEffect(
    () => () => {
      graphHandle.current = null;
    },
    [],
  );

  return (
    <CytoscapeComponent
      elements={elements}
      layout={LAYOUT}
      stylesheet={STYLESHEET}
      cy={bindOnce}
      className="graph-canvas"
      minZoom={0.2}
      maxZoom={1.6}
      wheelSensitivity={0.3}
      boxSelectionEnabled={false}
      autoungrabify={false}
    />
  );
}
