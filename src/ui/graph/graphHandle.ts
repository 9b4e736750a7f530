import type { Core } from 'cytoscape';

/**
 * The running Cytoscape instance, for the test API (canvas nodes are not in the DOM), and whether its elements are
 * still being added (a large drawing comes in over several frames). Kept apart so that reading it does not load
 * Cytoscape.
 */
export const graphHandle: { current: Core | null; drawing: boolean } = { current: null, drawing: false };

/** The path graph's Cytoscape instance (for PNG export and the test API) and its zoom commands for the toolbar. */
export const pathGraphHandle: {
  current: Core | null;
  fit?: () => void;
  focusStep?: (index: number) => void;
} = { current: null };
