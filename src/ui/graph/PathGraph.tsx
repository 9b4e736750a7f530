import cytoscape from 'cytoscape';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import CytoscapeComponent from 'react-cytoscapejs';
import type { Trace } from '../../core/index.ts';
import { pathGraphHandle } from './graphHandle.ts';
import { breakable, layoutPath, pathElements, PATH_NODE_WIDTH } from './pathElements.ts';

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
  {
    selector: 'node.destination',
    style: { 'font-weight': 'bold', width: PATH_NODE_WIDTH, height: 68, 'border-width': 3, color: '#fff' },
  },
  { selector: 'node.destination.success', style: { 'background-color': '#2a9d8f', 'border-color': '#1b6e64' } },
  { selector: 'node.destination.failure', style: { 'background-color': '#c1121f', 'border-color': '#7a0c14' } },
  {
    selector: 'node.hop',
    style: {
      label: 'data(label)',
      'text-valign': 'top',
      'text-halign': 'center',
      'font-size': FONT_SIZE,
      'font-weight': 'bold',
      color: '#1d3557',
      'background-color': '#f7f9fb',
      'border-color': '#a8dadc',
      'border-width': 2,
      'border-style': 'solid',
      padding: '12px',
      'text-wrap': 'none',
      'text-max-width': '800px',
      'text-margin-y': -2,
    },
  },
  // Lanes are coloured by what the proxy is; only the outcome (the destination node and its edge) is red or green.
  { selector: 'node.hop.gateway', style: { 'border-color': '#7b6cae', 'background-color': '#f8f6fc' } },
  { selector: 'node.hop.inbound', style: { 'border-color': '#e76f51', 'background-color': '#fffaf5' } },
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
  { selector: 'edge.arrival:selected', style: { 'line-color': '#fb8500', 'target-arrow-color': '#fb8500' } },
  { selector: 'edge.alternative', style: { 'line-style': 'dashed', opacity: 0.4, width: 1 } },
  { selector: 'edge.failure', style: { 'line-color': '#c1121f', 'target-arrow-color': '#c1121f' } },
  { selector: 'edge.success', style: { 'line-color': '#2a9d8f', 'target-arrow-color': '#2a9d8f' } },
];

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
      ...edges.map((e) => ({
        data: {
          id: e.id,
          source: e.source,
          target: e.target,
          ...(e.stepIndex !== undefined ? { stepIndex: e.stepIndex } : {}),
        },
        classes: e.classes.join(' '),
      })),
    ],
    [nodes, edges],
  );
  // What the graph shows; a new trace that draws the same graph (most edits) keeps the user's pan and zoom.
  const key = useMemo(
    () => elements.map((e) => `${String(e.data.id)}:${String(e.data.label ?? '')}:${e.classes ?? ''}`).join('|'),
    [elements],
  );
  const elementsRef = useRef(elements);
  useLayoutEffect(() => {
    elementsRef.current = elements;
  }, [elements]);

  const bindOnce = (cy: cytoscape.Core): void => {
    if (cyRef.current === cy) return;
    cyRef.current = cy;
    pathGraphHandle.current = cy;
    pathGraphHandle.fit = () => cy.fit(undefined, PADDING);
    pathGraphHandle.focusStep = (index) => {
      const elements = cy.elements(`[stepIndex = ${index}]`);
      if (elements.nonempty()) cy.animate({ fit: { eles: elements, padding: 80 }, duration: 200 });
    };
    cy.on('tap', 'node, edge.arrival', (event) => {
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
      const positions = layoutPath(nodes, Math.floor((width - 2 * PADDING + 26) / (PATH_NODE_WIDTH + 26)));
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
  }, [nodes]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    // Replace the elements wholesale: classes and labels change with every trace.
    cy.elements().remove();
    cy.add(elementsRef.current);
    arrange.current();
  }, [key]);

  useEffect(() => {
    const container = cyRef.current?.container();
    if (!container || typeof ResizeObserver === 'undefined') return;
    let last = container.clientWidth;
    const observer = new ResizeObserver(() => {
      if (Math.abs(container.clientWidth - last) < 8) return;
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
    cy.nodes().removeClass('hovered');
    for (const index of hoveredSteps) cy.nodes(`[stepIndex = ${index}]`).addClass('hovered');
    cy.$(':selected').unselect();
    if (selectedStep !== null) cy.elements(`[stepIndex = ${selectedStep}]`).first().select();
  }, [hoveredSteps, selectedStep, key]);

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
      elements={elements}
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
