import cytoscape from 'cytoscape';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import CytoscapeComponent from 'react-cytoscapejs';
import type { Trace } from '../../core/index.ts';
import { pathGraphHandle } from './graphHandle.ts';
import {
  breakable,
  LANE_PADDING,
  laneTitlePositions,
  layoutPath,
  pathElements,
  PATH_NODE_WIDTH,
} from './pathElements.ts';
import { layoutSignature, signature, syncElements } from './syncElements.ts';

/** Node text size in graph units; the graph is never drawn smaller than READABLE_ZOOM, so text stays at least 12 px. */
const FONT_SIZE = 13;
const READABLE_ZOOM = 12 / FONT_SIZE;
const PADDING = 16;

const LAYOUT = { name: 'preset', fit: false } as cytoscape.LayoutOptions;

const STYLESHEET: cytoscape.StylesheetJsonBlock[] = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-max-width': `${PATH_NODE_WIDTH - 12}px`,
      'text-overflow-wrap': 'whitespace',
      'text-valign': 'center',
      'text-halign': 'center',
      'font-size': FONT_SIZE,
      'font-family': 'system-ui, sans-serif',
      'line-height': 1.15,
      color: '#1d3557',
      'background-color': '#ffffff',
      'border-color': '#457b9d',
      'border-width': 1.5,
      shape: 'round-rectangle',
      width: PATH_NODE_WIDTH,
      height: 80,
    },
  },
  { selector: 'node.client', style: { 'background-color': '#1d3557', color: '#fff', 'border-width': 0 } },
  { selector: 'node.dns, node.capture', style: { 'background-color': '#edf2fb', 'border-color': '#8d99ae' } },
  { selector: 'node.listener, node.filterChain', style: { 'background-color': '#e0fbfc' } },
  { selector: 'node.virtualHost, node.route', style: { 'background-color': '#f1e8ff', 'border-color': '#7b2cbf' } },
  { selector: 'node.cluster, node.endpoint', style: { 'background-color': '#e8f5e9', 'border-color': '#2a9d8f' } },
  { selector: 'node.inbound, node.authorization', style: { 'background-color': '#fff4e6', 'border-color': '#e76f51' } },
  {
    selector: 'node.alternative',
    style: { opacity: 0.6, 'border-style': 'dashed', 'background-color': '#f8f9fa', height: 44 },
  },
  { selector: 'node.ztunnel, node.hbone', style: { 'background-color': '#e6f6f7', 'border-color': '#0a7c86' } },
  { selector: 'node.waypoint', style: { 'background-color': '#f1e8ff', 'border-color': '#7b2cbf' } },
  // A waypoint the request went around: the step that decided it in amber, the waypoint itself greyed and dashed.
  {
    selector: 'node.step.bypass',
    style: { 'border-color': '#b26a00', 'border-width': 3, 'background-color': '#fff8e1' },
  },
  {
    selector: 'node.bypassed',
    style: { opacity: 0.85, height: 72, 'border-color': '#b26a00', 'background-color': '#fffdf5', color: '#6b4a00' },
  },
  {
    selector: 'node.destination',
    style: { 'font-weight': 'bold', width: PATH_NODE_WIDTH, height: 68, 'border-width': 3, color: '#fff' },
  },
  { selector: 'node.destination.success', style: { 'background-color': '#2a9d8f', 'border-color': '#1b6e64' } },
  { selector: 'node.destination.failure', style: { 'background-color': '#c1121f', 'border-color': '#7a0c14' } },
  {
    selector: 'node.hop',
    // The lane's box; its title is a node of its own (node.lane-title), drawn over the edges.
    style: {
      label: '',
      'background-color': '#f7f9fb',
      'border-color': '#a8dadc',
      'border-width': 2,
      'border-style': 'solid',
      padding: `${LANE_PADDING}px`,
    },
  },
  {
    selector: 'node.lane-title',
    style: {
      label: 'data(label)',
      'text-valign': 'center',
      'text-halign': 'right',
      'font-size': FONT_SIZE,
      'font-weight': 'bold',
      color: '#1d3557',
      'text-wrap': 'none',
      'text-max-width': '800px',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.9,
      'text-background-padding': '2px',
      width: 1,
      height: 1,
      'background-opacity': 0,
      'border-width': 0,
      'z-compound-depth': 'top',
      events: 'no',
    },
  },
  // Lanes are coloured by what the proxy is; only the outcome (the destination node and its edge) is red or green.
  { selector: 'node.hop.gateway', style: { 'border-color': '#7b6cae', 'background-color': '#f8f6fc' } },
  { selector: 'node.hop.inbound', style: { 'border-color': '#e76f51', 'background-color': '#fffaf5' } },
  {
    selector: 'node.hop.ztunnel-outbound, node.hop.ztunnel-inbound',
    style: { 'border-color': '#0a7c86', 'background-color': '#f3fbfb' },
  },
  { selector: 'node.hop.waypoint', style: { 'border-color': '#7b2cbf', 'background-color': '#faf6ff' } },
  { selector: 'node.hovered', style: { 'border-color': '#ffb703', 'border-width': 4 } },
  { selector: 'node:selected', style: { 'border-color': '#fb8500', 'border-width': 4, 'overlay-opacity': 0 } },
  {
    selector: 'edge',
    style: {
      width: 2,
      'line-color': '#457b9d',
      'target-arrow-color': '#457b9d',
      'target-arrow-shape': 'triangle',
      'curve-style': 'bezier',
    },
  },
  {
    selector: 'edge.arrival',
    // The arrival at a gateway: the edge into its lane, in the lane's colour (click it for the step).
    style: {
      'line-color': '#7b6cae',
      'target-arrow-color': '#7b6cae',
      width: 3,
    },
  },
  // The last edge takes the outcome's colour, unless it is a tunnel or a plaintext send (their own style wins).
  { selector: 'edge.failure', style: { 'line-color': '#c1121f', 'target-arrow-color': '#c1121f' } },
  { selector: 'edge.success', style: { 'line-color': '#2a9d8f', 'target-arrow-color': '#2a9d8f' } },
  {
    selector: 'edge[label]',
    // How the bytes travel between two proxies, on a white band so that it reads over lines and lane borders.
    style: {
      label: 'data(label)',
      'font-size': 12,
      'font-family': 'system-ui, sans-serif',
      'font-weight': 'bold',
      'text-background-color': '#ffffff',
      'text-background-opacity': 1,
      'text-background-padding': '3px',
      'text-background-shape': 'roundrectangle',
      'text-border-width': 1,
      'text-border-opacity': 1,
      // A little above the middle, clear of the title of the lane the edge enters (pathElements.ts: LABEL_GAP).
      'text-margin-y': -6,
    },
  },
  {
    selector: 'edge.hbone',
    // An HBONE tunnel (mTLS, HTTP/2 CONNECT to 15008): a thick pipe, unlike any plain edge.
    style: {
      width: 5,
      'line-color': '#0a7c86',
      'target-arrow-color': '#0a7c86',
      'line-outline-width': 2,
      'line-outline-color': '#b9e6e1',
      color: '#07575e',
      'text-border-color': '#0a7c86',
    },
  },
  {
    selector: 'edge.plaintext',
    // Bytes sent without a tunnel or mTLS.
    style: {
      width: 2.5,
      'line-style': 'dashed',
      'line-dash-pattern': [8, 4],
      'line-color': '#9c6644',
      'target-arrow-color': '#9c6644',
      color: '#6b4226',
      'text-border-color': '#9c6644',
    },
  },
  { selector: 'edge[stepIndex]:selected', style: { 'line-color': '#fb8500', 'target-arrow-color': '#fb8500' } },
  { selector: 'edge.alternative', style: { 'line-style': 'dashed', opacity: 0.4, width: 1 } },
  {
    selector: 'edge.alternative.bypassed',
    style: { opacity: 0.7, 'line-color': '#b26a00', 'target-arrow-color': '#b26a00' },
  },
];

const NO_ELEMENTS: cytoscape.ElementDefinition[] = [];

export interface PathGraphProps {
  trace: Trace;
  selectedStep: number | null;
  hoveredSteps: readonly number[];
  onSelectStep: (index: number | null) => void;
}

/** The request's path, left to right, one lane per proxy. The only Cytoscape importer besides the mesh view. */
export default function PathGraph({ trace, selectedStep, hoveredSteps, onSelectStep }: PathGraphProps) {
  const cyRef = useRef<cytoscape.Core | null>(null);
  const onSelectRef = useRef(onSelectStep);
  useLayoutEffect(() => {
    onSelectRef.current = onSelectStep;
  }, [onSelectStep]);
  const { nodes, edges } = useMemo(() => pathElements(trace), [trace]);
  const elements = useMemo<cytoscape.ElementDefinition[]>(
    () => [
      ...nodes.map((n) => ({
        data: {
          id: n.id,
          label: breakable(n.label),
          ...(n.parent ? { parent: n.parent } : {}),
          ...(n.stepIndex !== undefined ? { stepIndex: n.stepIndex } : {}),
        },
        classes: n.classes.join(' '),
      })),
      // Each lane's title, placed at its box's top-left corner once the path is laid out.
      ...nodes
        .filter((n) => n.kind === 'hop')
        .map((n) => ({ data: { id: `${n.id}-title`, label: breakable(n.label) }, classes: 'lane-title' })),
      ...edges.map((e) => ({
        data: {
          id: e.id,
          source: e.source,
          target: e.target,
          ...(e.stepIndex !== undefined ? { stepIndex: e.stepIndex } : {}),
          ...(e.label !== undefined ? { label: e.label } : {}),
        },
        classes: e.classes.join(' '),
      })),
    ],
    [nodes, edges],
  );
  // What the graph shows, and where its elements go: a new trace that only changes labels or colours (most edits,
  // most keystrokes in the request) keeps the layout and the user's pan and zoom.
  const key = useMemo(() => elements.map(signature).join('|'), [elements]);
  const layoutKey = useMemo(() => layoutSignature(nodes, edges), [nodes, edges]);
  const elementsRef = useRef(elements);
  useLayoutEffect(() => {
    elementsRef.current = elements;
  }, [elements]);
  const hoveredKey = hoveredSteps.join(',');

  const bindOnce = (cy: cytoscape.Core): void => {
    if (cyRef.current === cy) return;
    cyRef.current = cy;
    pathGraphHandle.current = cy;
    pathGraphHandle.fit = () => cy.fit(undefined, PADDING);
    pathGraphHandle.focusStep = (index) => {
      const elements = cy.elements(`[stepIndex = ${index}]`);
      if (elements.nonempty()) cy.animate({ fit: { eles: elements, padding: 80 }, duration: 200 });
    };
    cy.on('tap', 'node, edge[stepIndex]', (event) => {
      const index = event.target.data('stepIndex') as number | undefined;
      onSelectRef.current(typeof index === 'number' ? index : null);
    });
    cy.on('tap', (event) => {
      if (event.target === cy) onSelectRef.current(null);
    });
  };

  // Lay the path out in rows as wide as the pane, and again whenever the pane is resized.
  const arrange = useRef<() => void>(() => undefined);
  useLayoutEffect(() => {
    arrange.current = () => {
      const cy = cyRef.current;
      // Switching views destroys the graph before the resize observer is let go (it still sees the pane shrink).
      if (!cy || cy.destroyed()) return;
      const width = cy.container()?.clientWidth ?? 900;
      const positions = layoutPath(nodes, Math.floor((width - 2 * PADDING + 26) / (PATH_NODE_WIDTH + 26)), edges);
      for (const [hop, at] of laneTitlePositions(nodes, positions)) positions.set(`${hop}-title`, at);
      cy.layout({
        name: 'preset',
        positions: (node: cytoscape.NodeSingular) => positions.get(node.id()) ?? { x: 0, y: 0 },
        fit: true,
        padding: PADDING,
        animate: false,
      } as cytoscape.LayoutOptions).run();
      // Readable first: a long path keeps 12 px text and scrolls (wheel or drag) rather than shrinking; the top of
      // the path sits at the top of the pane, with no empty band above it.
      if (cy.zoom() < READABLE_ZOOM) cy.zoom(READABLE_ZOOM);
      const box = cy.elements().boundingBox();
      const paneWidth = cy.width();
      const drawnWidth = box.w * cy.zoom();
      cy.pan({
        x: drawnWidth < paneWidth ? (paneWidth - drawnWidth) / 2 - box.x1 * cy.zoom() : PADDING - box.x1 * cy.zoom(),
        y: PADDING - box.y1 * cy.zoom(),
      });
    };
  }, [nodes, edges]);

  const arrangedFor = useRef<string | undefined>(undefined);
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    syncElements(cy, elementsRef.current);
    if (arrangedFor.current === layoutKey) return;
    arrangedFor.current = layoutKey;
    arrange.current();
  }, [key, layoutKey]);

  useEffect(() => {
    const container = cyRef.current?.container();
    if (!container || typeof ResizeObserver === 'undefined') return;
    let last = container.clientWidth;
    const observer = new ResizeObserver(() => {
      // Hidden (the request has no path for now): the graph is laid out again only if it comes back at another width.
      if (container.clientWidth === 0 || Math.abs(container.clientWidth - last) < 8) return;
      last = container.clientWidth;
      if (cyRef.current?.destroyed()) return;
      cyRef.current?.resize();
      arrange.current();
    });
    observer.observe(container);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => {
      cy.nodes('.hovered').removeClass('hovered');
      for (const index of hoveredKey ? hoveredKey.split(',') : [])
        cy.nodes(`[stepIndex = ${index}]`).addClass('hovered');
      cy.$(':selected').unselect();
      if (selectedStep !== null) cy.elements(`[stepIndex = ${selectedStep}]`).first().select();
    });
  }, [hoveredKey, selectedStep, key]);

  useEffect(
    () => () => {
      pathGraphHandle.current = null;
      pathGraphHandle.fit = undefined;
      pathGraphHandle.focusStep = undefined;
    },
    [],
  );

  return (
    <CytoscapeComponent
      // The elements are brought up to date by syncElements, not by the wrapper's diff of this list.
      elements={NO_ELEMENTS}
      layout={LAYOUT}
      stylesheet={STYLESHEET}
      cy={bindOnce}
      className="graph-canvas"
      minZoom={0.2}
      maxZoom={1.15}
      wheelSensitivity={0.3}
      boxSelectionEnabled={false}
      autoungrabify
    />
  );
}
