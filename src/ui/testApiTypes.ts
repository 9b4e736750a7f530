/**
 * A small handle for the browser tests (and curious users in the console): Monaco and the Cytoscape canvas are hard
 * to drive from outside, so tests set text and read the graph through `window.meshpath`.
 */
export interface MeshpathTestApi {
  setText: (text: string, fileIndex?: number) => void;
  getText: (fileIndex?: number) => string;
  graphNodeIds: () => string[];
  graphEdgeIds: () => string[];
  /** True while the Mesh view is still adding the elements of a drawing (a large one comes in over several frames). */
  graphDrawing: () => boolean;
  /** Where a graph node is drawn, relative to the graph container, or null when it is not drawn. */
  nodePosition: (id: string) => { x: number; y: number } | null;
  /** The path graph's node ids and where a node is drawn. */
  pathNodeIds: () => string[];
  pathNodePosition: (id: string) => { x: number; y: number } | null;
  /** The path graph's nodes (lanes are `hop<N>`) and edges, with their labels and classes. */
  pathNodes: () => Array<{ id: string; label: string; classes: string[] }>;
  /** The path graph's edges; `midpoint` is where the edge's middle is drawn, relative to the graph container. */
  pathEdges: () => Array<{
    id: string;
    source: string;
    target: string;
    label: string;
    classes: string[];
    midpoint: { x: number; y: number };
  }>;
  /** The path graph's zoom (1 draws its 13-unit node text at 13 px), or null when it is not drawn. */
  pathZoom: () => number | null;
  /** Indexes of the trace steps highlighted because the editor line under the pointer caused them. */
  hoveredSteps: () => number[];
  /** The editor's own text (null before the editor is drawn), and whether a large text is still going into it. */
  editorText: () => string | null;
  editorLoading: () => boolean;
  /**
   * Sizes of the path a large text takes into the editor (in pieces, read-only meanwhile; see LargeTextSettings),
   * lowered so that a small input takes it too; no argument restores them.
   */
  setLargeTextSettings: (settings?: {
    piecesFrom?: number;
    firstPiece?: number;
    piece?: number;
    pauseMs?: number;
  }) => void;
}

declare global {
  interface Window {
    meshpath?: MeshpathTestApi;
  }
}
