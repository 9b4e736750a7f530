import type { Core } from 'cytoscape';

/** The path graph's Cytoscape instance, for PNG export and the test API. */
export const pathGraphHandle: { current: Core | null } = { current: null };
