/**
 * The only entry the UI, the CLI and the tests use. Pure TypeScript: no DOM, React, Monaco or Cytoscape.
 * Today analysis reads the manifests into the mesh model and the graph of references between objects;
 * the resolver (registry → sidecar scope → Envoy config → trace) builds on that model.
 */
import type { Diagnostic } from './model/diagnostic.ts';
import { buildMeshModel } from './model/convert.ts';
import type { Assumption, MeshModel } from './model/mesh.ts';
import { buildObjectGraph, type ObjectGraph } from './mesh/objectGraph.ts';
import { parseManifests, type ManifestFile, type ManifestObject } from './manifest/parse.ts';
import { validateObjects } from './manifest/validate.ts';

export type { Diagnostic, DiagnosticCode, Severity, SourcePosition, SourceRange } from './model/diagnostic.ts';
export type { ManifestFile, ManifestObject } from './manifest/parse.ts';
export type * from './model/mesh.ts';
export type { ObjectGraph, ObjectGraphEdge, ObjectGraphNode, ObjectGraphRelation } from './mesh/objectGraph.ts';
export { parseManifests } from './manifest/parse.ts';
export { fieldRange } from './manifest/locate.ts';

/** Everything Meshpath computed from the user's manifests. Plain data (Maps included), so it crosses a Web Worker boundary. */
export interface Analysis {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
  assumptions: Assumption[];
  model: MeshModel;
  objectGraph: ObjectGraph;
}

function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column;
}

/** One problem is reported once, even when several pods share the template it sits in. */
function uniqueDiagnostics(diagnostics: Diagnostic[], fileOrder: ReadonlyMap<string, number>): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.file}|${d.range.start.line}|${d.range.start.column}|${d.code}|${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (fileOrder.get(a.file) ?? 0) - (fileOrder.get(b.file) ?? 0) || compareDiagnostics(a, b));
}

export function analyze(files: readonly ManifestFile[]): Analysis {
  const { objects, diagnostics, lineIndexes } = parseManifests(files);
  validateObjects(objects, lineIndexes, diagnostics);
  const model = buildMeshModel(objects, lineIndexes, diagnostics);
  const fileOrder = new Map(files.map((file, index) => [file.name, index]));
  return {
    objects,
    diagnostics: uniqueDiagnostics(diagnostics, fileOrder),
    assumptions: model.assumptions,
    model,
    objectGraph: buildObjectGraph(objects),
  };
}
