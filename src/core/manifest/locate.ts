import type { SourceRange } from './diagnostic.ts';
import { LineIndex } from './lineIndex.ts';
import type { ManifestFile, ManifestObject } from './parse.ts';
import { findNode, itemTree, type YamlNode } from './yamlTree.ts';

/**
 * Positioned trees of the objects whose fields were asked for last, built from the object's text on demand: the
 * analysis keeps no tree, only each object's origin. A few are kept, as one diagnostic often asks several fields.
 */
const recentTrees = new Map<ManifestObject, YamlNode | null>();
const RECENT_TREES = 32;

/** The positioned YAML tree of one object (offsets into its file's text), or null when it cannot be read again. */
export function objectTree(object: ManifestObject): YamlNode | null {
  const known = recentTrees.get(object);
  if (known !== undefined) return known;
  const { source, offset, document, item, start, end } = object.origin;
  // Only the object's own text is read (a document among others, or one List entry); the whole when that fails.
  const tree = itemTree(source.text, document, item ?? { start, end, path: [] }, offset) ?? null;
  recentTrees.set(object, tree);
  if (recentTrees.size > RECENT_TREES) {
    const oldest = recentTrees.keys().next().value;
    if (oldest !== undefined) recentTrees.delete(oldest);
  }
  return tree;
}

/**
 * Where fields were found before, per parsed value and relative to the text it was read from: a diagnostic about an
 * object whose document an edit did not change is placed again without reading its text.
 */
const spansOf = new WeakMap<object, Map<string, readonly [number, number] | null>>();

/**
 * The offsets in its file of what `find` picks in the object's tree (a field's value or key), remembered per parsed
 * value under `what` and the path.
 */
export function fieldSpan(
  object: ManifestObject,
  what: string,
  path: ReadonlyArray<string | number>,
  find: (tree: YamlNode | null) => { start: number; end: number } | undefined,
): { start: number; end: number } | undefined {
  let spans = spansOf.get(object.value);
  if (!spans) spansOf.set(object.value, (spans = new Map()));
  const key = `${what}${JSON.stringify(path)}`;
  const base = object.origin.offset;
  let span = spans.get(key);
  if (span === undefined) {
    const node = find(objectTree(object));
    span = node ? [node.start - base, node.end - base] : null;
    spans.set(key, span);
  }
  return span ? { start: span[0] + base, end: span[1] + base } : undefined;
}

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
  if (!file) return undefined;
  const node = findNode(objectTree(object), path);
  if (!node) return undefined;
  let lines = lineIndexes.get(file);
  if (!lines) {
    lines = new LineIndex(file.text);
    lineIndexes.set(file, lines);
  }
  return lines.range(node.start, node.end);
}
