import type { SourceRange } from './diagnostic.ts';
import { LineIndex } from './lineIndex.ts';
import type { ManifestFile, ManifestObject } from './parse.ts';
import { findNode } from './yamlTree.ts';

const lineIndexes = new WeakMap<ManifestFile, LineIndex>();

/**
 * The lines of one field of an object, e.g. `['spec', 'http', 2]` for the 3rd http route of a VirtualService or
 * `['spec', 'egress', 0, 'hosts', 1]` for one hosts entry of a Sidecar. Undefined when the object has no such field.
 */
export function fieldRange(
  files: readonly ManifestFile[],
  object: ManifestObject,
  path: ReadonlyArray<string | number>,
): SourceRange | undefined {
  const file = files.find((f) => f.name === object.file);
  const node = findNode(object.node, path);
  if (!file || !node) return undefined;
  let lines = lineIndexes.get(file);
  if (!lines) {
    lines = new LineIndex(file.text);
    lineIndexes.set(file, lines);
  }
  return lines.range(node.start, node.end);
}
