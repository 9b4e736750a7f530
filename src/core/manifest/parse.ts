import { CORE_SCHEMA, YAMLException, constructFromEvents, parseEvents } from 'js-yaml';
import type { Diagnostic, DiagnosticCode, Severity, SourceRange } from './diagnostic.ts';
import { kindInfo } from './kinds.ts';
import { LineIndex } from './lineIndex.ts';
import { buildYamlTrees, findKey, findNode, type YamlDocumentTree, type YamlNode } from './yamlTree.ts';

/** One file the user pasted or uploaded. */
export interface ManifestFile {
  name: string;
  text: string;
}

/** A Kubernetes or Istio object read from the user's text, with its place in it. */
export interface ManifestObject {
  kind: string;
  apiVersion: string;
  name: string;
  /** Undefined for cluster-scoped kinds (Namespace, ...). */
  namespace: string | undefined;
  /** True when the object had no metadata.namespace and `default` was assumed, as kubectl does. */
  namespaceAssumed: boolean;
  /** True when Meshpath uses this kind to compute a path; false when it is only listed. */
  modelled: boolean;
  file: string;
  /** 0-based index of the YAML document in its file. */
  documentIndex: number;
  /** Index in `items` when the object came from a `kind: List`. */
  itemIndex: number | undefined;
  range: SourceRange;
  /** The object's fields as YAML 1.2 reads them. Parsed data: read with own-property lookups only. */
  value: Readonly<Record<string, unknown>>;
  /** The positioned YAML tree of the object, for citing one field's lines. */
  node: YamlNode;
}

export interface ParseResult {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
  /** Line tables of every file, for the stages that cite a field's position. */
  lineIndexes: Map<string, LineIndex>;
}

/** Bounds that keep hostile input from hanging the page. */
export const PARSE_LIMITS = {
  maxFileChars: 5_000_000,
  maxDepth: 100,
  maxAliasesPerDocument: 1_000,
  /** Nodes a document may have once its aliases are expanded ("billion laughs" stops here). */
  maxExpandedNodes: 200_000,
} as const;

/** A line that starts a new YAML document (`---` alone or followed by content) in the YAML spec's terms. */
const DOCUMENT_MARKER = /^---(?=[ \t\r]|$)/gm;

/**
 * Splits a file into document chunks at `---` markers, so that one broken document never hides the others.
 * Directives (`%YAML 1.2`, `%TAG ...`) belong to the document whose `---` follows them, so they stay with it.
 */
function splitDocuments(text: string): Array<{ start: number; end: number }> {
  const chunks: Array<{ start: number; end: number }> = [];
  let start = 0;
  for (const match of text.matchAll(DOCUMENT_MARKER)) {
    const cut = directivesStart(text, start, match.index);
    if (cut > start) {
      chunks.push({ start, end: cut });
      start = cut;
    }
  }
  chunks.push({ start, end: text.length });
  return chunks;
}

/**
 * Where the directive lines just before the `---` at `marker` begin, with the comments and blank lines around them;
 * `marker` when there are none.
 */
function directivesStart(text: string, from: number, marker: number): number {
  let runStart = marker;
  let directive = false;
  while (runStart > from) {
    const lineStart = Math.max(from, runStart >= 2 ? text.lastIndexOf('\n', runStart - 2) + 1 : 0);
    const line = text.slice(lineStart, runStart);
    if (line.startsWith('%')) directive = true;
    else if (line.trim() !== '' && !line.trimStart().startsWith('#')) break;
    runStart = lineStart;
  }
  return directive ? runStart : marker;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own-property read of parsed data (a Service may be named `constructor`). */
export function field(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key);
  return typeof found === 'string' ? found : undefined;
}

/** How a diagnostic names the type of a parsed value ("a number", "a mapping"). */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a decimal number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

/** A parsed value as a diagnostic may quote it: scalars as written, a mapping or list by its type (never String() of an object). */
export function describeValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : typeName(value);
}

/** Reads every file: objects in text order, and every problem with its file, line and column. */
export function parseManifests(files: readonly ManifestFile[]): ParseResult {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const lineIndexes = new Map<string, LineIndex>();
  for (const file of files) {
    const lines = new LineIndex(file.text);
    lineIndexes.set(file.name, lines);
    parseFile(file, lines, objects, diagnostics);
  }
  return { objects, diagnostics, lineIndexes };
}

function parseFile(file: ManifestFile, lines: LineIndex, objects: ManifestObject[], diagnostics: Diagnostic[]): void {
  const report = (severity: Severity, code: DiagnosticCode, message: string, start: number, end: number): void => {
    diagnostics.push({ severity, code, message, file: file.name, range: lines.range(start, end) });
  };

  if (file.text.length > PARSE_LIMITS.maxFileChars) {
    report(
      'error',
      'INPUT_TOO_LARGE',
      `This file has ${file.text.length} characters; Meshpath reads at most ${PARSE_LIMITS.maxFileChars}. Split it or remove what the path does not need.`,
      0,
      0,
    );
    return;
  }

  let documentIndex = 0;
  for (const chunk of splitDocuments(file.text)) {
    const source = file.text.slice(chunk.start, chunk.end);
    let trees: YamlDocumentTree[];
    let values: unknown[];
    try {
      const events = parseEvents(source, { filename: file.name, maxDepth: PARSE_LIMITS.maxDepth });
      trees = buildYamlTrees(events, source, chunk.start);
      const loop = trees.find((tree) => tree.cycleAt !== undefined);
      if (loop?.cycleAt !== undefined) {
        report(
          'error',
          'YAML_ALIAS_LIMIT',
          'This YAML alias refers to a mapping or list that contains it, so the value would contain itself; the document is skipped.',
          loop.cycleAt,
          loop.cycleAt + 2,
        );
        documentIndex += Math.max(1, trees.length);
        continue;
      }
      const bomb = trees.find((tree) => tree.expandedSize > PARSE_LIMITS.maxExpandedNodes);
      if (bomb?.root) {
        report(
          'error',
          'YAML_ALIAS_LIMIT',
          `YAML aliases in this document expand to more than ${PARSE_LIMITS.maxExpandedNodes} nodes; it is skipped. Write the repeated parts out, or use fewer nested aliases.`,
          bomb.root.start,
          bomb.root.start + 1,
        );
        documentIndex += Math.max(1, trees.length);
        continue;
      }
      values = constructFromEvents(events, {
        source,
        filename: file.name,
        schema: CORE_SCHEMA,
        maxAliases: PARSE_LIMITS.maxAliasesPerDocument,
      });
    } catch (error) {
      const at = chunk.start + (error instanceof YAMLException && error.mark ? error.mark.position : 0);
      const reason = error instanceof YAMLException ? error.reason : String(error);
      const code: DiagnosticCode = reason.includes('duplicated mapping key')
        ? 'YAML_DUPLICATE_KEY'
        : reason.includes('maxDepth')
          ? 'YAML_TOO_DEEP'
          : reason.includes('alias')
            ? 'YAML_ALIAS_LIMIT'
            : 'YAML_SYNTAX';
      report(
        'error',
        code,
        `YAML ${code === 'YAML_SYNTAX' ? 'syntax error' : 'error'}: ${reason}. This document is skipped; the others are still read.`,
        at,
        at + 1,
      );
      documentIndex += Math.max(1, countMarkers(source));
      continue;
    }
    values.forEach((value, i) => {
      const tree = trees[i]?.root ?? null;
      readDocument(value, tree, documentIndex + i);
    });
    documentIndex += Math.max(values.length, 1);
  }

  function readDocument(value: unknown, tree: YamlNode | null, index: number): void {
    if (value === null || value === undefined || !tree) return; // an empty document, or only comments
    if (!isRecord(value)) {
      report(
        'error',
        'NOT_AN_OBJECT',
        'This document is not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.',
        tree.start,
        tree.end,
      );
      return;
    }
    const kind = stringField(value, 'kind');
    const items = field(value, 'items');
    if (kind !== undefined && kind.endsWith('List') && items !== undefined) {
      const itemsNode = findNode(tree, ['items']);
      if (!Array.isArray(items) || itemsNode?.kind !== 'sequence') {
        const at = findKey(tree, ['items']) ?? tree;
        report('error', 'LIST_ITEMS_NOT_A_SEQUENCE', `${kind}.items must be a list of objects.`, at.start, at.end);
        return;
      }
      items.forEach((item, itemIndex) => {
        const itemNode = itemsNode.items[itemIndex];
        if (itemNode) readObject(item, itemNode, index, itemIndex);
      });
      return;
    }
    readObject(value, tree, index, undefined);
  }

  function readObject(value: unknown, node: YamlNode, index: number, itemIndex: number | undefined): void {
    if (!isRecord(value)) {
      report(
        'error',
        'NOT_AN_OBJECT',
        'This item is not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.',
        node.start,
        node.end,
      );
      return;
    }
    const kind = stringField(value, 'kind');
    const apiVersion = stringField(value, 'apiVersion');
    const metadata = field(value, 'metadata');
    const name = stringField(metadata, 'name') ?? stringField(metadata, 'generateName');
    const keyOr = (path: string[]): YamlNode => findKey(node, path) ?? node;
    // A value of the wrong type is reported at the value, as the object reader reports other fields.
    const wrongType = (path: string[]): boolean => {
      const found = path.reduce<unknown>((parent, key) => field(parent, key), value);
      if (found === undefined || found === null || typeof found === 'string') return false;
      const at = findNode(node, path) ?? keyOr(path);
      const written = at.kind === 'scalar' ? at.text : undefined;
      report(
        'error',
        'WRONG_TYPE',
        `${path.join('.')} must be a string, but it is ${typeName(found)}${written !== undefined ? ` (${written})` : ''}; kubectl rejects this object.${written !== undefined ? ` Quote it: "${written}".` : ''}`,
        at.start,
        at.end,
      );
      return true;
    };
    if (wrongType(['kind']) || wrongType(['apiVersion']) || wrongType(['metadata', 'name'])) return;
    if (kind === undefined) {
      const at = keyOr(['kind']);
      report(
        'error',
        'MISSING_KIND',
        'This object has no kind: Meshpath cannot tell what it is.',
        at.start,
        at === node ? node.start + 1 : at.end,
      );
      return;
    }
    if (apiVersion === undefined) {
      const at = keyOr(['kind']);
      report('error', 'MISSING_API_VERSION', `This ${kind} has no apiVersion.`, at.start, at.end);
      return;
    }
    if (name === undefined) {
      const at = findKey(node, ['metadata']) ?? keyOr(['kind']);
      report('error', 'MISSING_NAME', `This ${kind} has no metadata.name.`, at.start, at.end);
      return;
    }
    const info = kindInfo(kind, apiVersion);
    const namespaced = info?.namespaced ?? true;
    // A namespace that is not text is reported, and `default` assumed as if there were none.
    const declaredNamespace = wrongType(['metadata', 'namespace']) ? undefined : stringField(metadata, 'namespace');
    if (info && !info.modelled && info.note) {
      const at = keyOr(['kind']);
      report('info', 'NOT_MODELLED', `${kind} ${name} is listed but not modelled. ${info.note}`, at.start, at.end);
    }
    objects.push({
      kind,
      apiVersion,
      name,
      namespace: namespaced ? (declaredNamespace ?? 'default') : undefined,
      namespaceAssumed: namespaced && declaredNamespace === undefined,
      modelled: info?.modelled ?? false,
      file: file.name,
      documentIndex: index,
      itemIndex,
      range: lines.range(node.start, node.end),
      value,
      node,
    });
  }
}

function countMarkers(source: string): number {
  return source.match(DOCUMENT_MARKER)?.length ?? 0;
}

/** Reads YAML held inside a field (the `mesh` key of the istio ConfigMap, a proxy.istio.io/config annotation). */
export function parseEmbeddedYaml(
  text: string,
): { ok: true; value: unknown } | { ok: false; reason: string; line: number } {
  if (text.length > PARSE_LIMITS.maxFileChars) return { ok: false, reason: 'too large', line: 1 };
  try {
    const events = parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth });
    const values = constructFromEvents(events, { source: text, schema: CORE_SCHEMA, maxAliases: 100 });
    return { ok: true, value: values[0] ?? null };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof YAMLException ? error.reason : String(error),
      line: error instanceof YAMLException && error.mark ? error.mark.line + 1 : 1,
    };
  }
}
