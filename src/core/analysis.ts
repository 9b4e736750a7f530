import type { FindingIndex } from './analyzers/findings.ts';
import type { Diagnostic } from './manifest/diagnostic.ts';
import type { ManifestObject } from './manifest/parse.ts';
import type { ObjectGraph } from './mesh/objectGraph.ts';
import type { Assumption, MeshModel } from './model/mesh.ts';

/**
 * Everything Meshpath computed from the user's manifests. Plain data (Maps included), so it crosses a Web Worker
 * boundary.
 */
export interface Analysis {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
  assumptions: Assumption[];
  model: MeshModel;
  objectGraph: ObjectGraph;
  /** The cross-object findings (also in `diagnostics`), by the object, host and subset they concern. */
  findings: FindingIndex;
}
