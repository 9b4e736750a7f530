/**
 * The only entry the UI, the CLI and the tests use. Pure TypeScript: no DOM, React, Monaco or Cytoscape.
 * Until the resolver lands, analysis stops at the parsed objects and the mesh of references between them.
 */
import type { Diagnostic } from './model/diagnostic.ts';
import { buildObjectGraph, type ObjectGraph } from './mesh/objectGraph.ts';
import { parseManifests, type ManifestFile, type ManifestObject } from './manifest/parse.ts';

export type { Diagnostic, DiagnosticCode, Severity, SourcePosition, SourceRange } from './model/diagnostic.ts';
export type { ManifestFile, ManifestObject } from './manifest/parse.ts';
export type { ObjectGraph, ObjectGraphEdge, ObjectGraphNode, ObjectGraphRelation } from './mesh/objectGraph.ts';
export { parseManifests } from './manifest/parse.ts';

/** Everything Meshpath computed from the user's manifests. Plain data, so it crosses a Web Worker boundary. */
export interface Analysis {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
  objectGraph: ObjectGraph;
}

export function analyze(files: readonly ManifestFile[]): Analysis {
  const { objects, diagnostics } = parseManifests(files);
  return { objects, diagnostics, objectGraph: buildObjectGraph(objects) };
}
