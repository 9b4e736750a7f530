import { CORE_SCHEMA, YAMLException, constructFromEvents, parseEvents } from 'js-yaml';
import type { Diagnostic } from './diagnostic.ts';
import { LineIndex } from './lineIndex.ts';
import { firstKeyBefore, PARSE_LIMITS, type ManifestFile } from './parse.ts';
import { buildYamlTrees, findKey, findNode, type YamlNode } from './yamlTree.ts';

/** One YAML document that is not a Kubernetes object (a Meshpath tests file), with positions for its fields. */
export interface YamlDocument {
  file: string;
  value: unknown;
  node: YamlNode | null;
  lines: LineIndex;
}

/**
 * Reads the first document of a file with the same limits as manifests; a syntax error comes back with its line and
 * column.
 */
export function readYamlDocument(
  file: ManifestFile,
): { ok: true; document: YamlDocument } | { ok: false; diagnostic: Diagnostic } {
  const lines = new LineIndex(file.text);
  const fail = (message: string, at: number, code: Diagnostic['code'] = 'YAML_SYNTAX') => ({
    ok: false as const,
    diagnostic: { severity: 'error' as const, code, message, file: file.name, range: lines.range(at, at + 1) },
  });
  if (file.text.length > PARSE_LIMITS.maxFileChars)
    return fail(`This file has more than ${PARSE_LIMITS.maxFileChars} characters.`, 0, 'INPUT_TOO_LARGE');
  try {
    const events = parseEvents(file.text, { filename: file.name, maxDepth: PARSE_LIMITS.maxDepth });
    const trees = buildYamlTrees(events, file.text, 0);
    const tree = trees[0];
    if (tree && (tree.cycleAt !== undefined || tree.expandedSize > PARSE_LIMITS.maxAliasExpansion))
      return fail('YAML aliases in this document expand too far.', tree.cycleAt ?? 0, 'YAML_ALIAS_LIMIT');
    const values = constructFromEvents(events, {
      source: file.text,
      filename: file.name,
      schema: CORE_SCHEMA,
      maxAliases: PARSE_LIMITS.maxAliasesPerDocument,
    });
    return { ok: true, document: { file: file.name, value: values[0] ?? null, node: tree?.root ?? null, lines } };
  } catch (error) {
    const at = error instanceof YAMLException && error.mark ? error.mark.position : 0;
    const reason = error instanceof YAMLException ? error.reason : String(error);
    const duplicate = reason.includes('duplicated') ? firstKeyBefore(file.text, at) : undefined;
    if (duplicate) {
      const first = lines.position(duplicate.first);
      return fail(
        `YAML error: duplicated mapping key "${duplicate.key}"; it first appears at line ${first.line}, column ` +
          `${first.column}. A key may appear once in a mapping: keep one of them.`,
        at,
        'YAML_DUPLICATE_KEY',
      );
    }
    return fail(
      `YAML syntax error: ${reason}.`,
      at,
      reason.includes('duplicated') ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX',
    );
  }
}

/**
 * The line and column of the value at `path` (of its key with `onKey`, for "this field should not be here"), else of
 * the closest enclosing field, else of the document.
 */
export function documentRange(
  document: YamlDocument,
  path: ReadonlyArray<string | number>,
  onKey = false,
): Diagnostic['range'] {
  const key = onKey ? findKey(document.node, path) : undefined;
  if (key) return document.lines.range(key.start, key.end);
  for (let length = path.length; length >= 0; length--) {
    const node = length === path.length ? findNode(document.node, path) : findKey(document.node, path.slice(0, length));
    if (node) return document.lines.range(node.start, node.end);
  }
  return document.lines.range(0, 0);
}
