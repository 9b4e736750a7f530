import {
  CORE_SCHEMA,
  EVENT_ID,
  YAMLException,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  defineSequenceTag,
  mapTag,
  mergeTag,
  parseEvents,
  seqTag,
  strTag,
  type Event,
} from 'js-yaml';
import { readGraphFacts, type GraphFacts } from '../mesh/graphFacts.ts';
import type { Diagnostic, DiagnosticCode, Severity, SourceRange } from './diagnostic.ts';
import { kindInfo } from './kinds.ts';
import { LineIndex } from './lineIndex.ts';
import {
  buildYamlTrees,
  documentTree,
  findKey,
  findNode,
  itemTree,
  MAX_DEPTH,
  outlineDocuments,
  type DocumentOutline,
  type YamlNode,
} from './yamlTree.ts';

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
  /** Where the object's text is, so that a field's line and column can be computed when asked (see locate.ts). */
  origin: ObjectOrigin;
  /** What the object graph needs of it, read with the object (see mesh/graphFacts.ts). */
  graph: GraphFacts;
}

/** An entry of a `kind: List`, with its range relative to its chunk and its path in the chunk's document. */
export interface ListItem {
  index: number;
  start: number;
  end: number;
  /** `['items', index]` in a whole List; `[0]` when the entry was read alone as `- entry`. */
  path: ReadonlyArray<string | number>;
}

/**
 * What a position needs, instead of a positioned tree of every value: the text the object was read from, where that
 * text starts in its file, and which document and list entry of that text the object is.
 */
export interface ObjectOrigin {
  /** The text read together with the object (a few documents, or a few List entries), shared by their objects. */
  source: { readonly text: string };
  /** Offset of `source.text` in the file. */
  offset: number;
  /** Index of the YAML document in `source.text`. */
  document: number;
  /** Where the object's own text is in `source.text` (a position is computed by reading only that). */
  start: number;
  end: number;
  item: ListItem | undefined;
  /** Flat [start, end, ...] (relative to `source.text`) of plain values YAML 1.1 reads differently. */
  yaml11: readonly number[] | undefined;
}

export interface ParseResult {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
  /** Line tables of every file, for the stages that cite a field's position. */
  lineIndexes: Map<string, LineIndex>;
}

/** Bounds that keep hostile input from hanging the page. */
export const PARSE_LIMITS = {
  /** A 20,000-object `kubectl get -A -o yaml` export is about 27 MB: one file of that size is read. */
  maxFileChars: 64_000_000,
  maxDepth: MAX_DEPTH,
  maxAliasesPerDocument: 1_000,
  /** Nodes a document's aliases may add once expanded ("billion laughs" stops here); none without aliases. */
  maxAliasExpansion: 200_000,
} as const;

/**
 * YAML 1.2 core types plus merge keys (`<<: *anchor`, `<<: [*a, *b]`), which kubectl's YAML reader merges
 * (sigs.k8s.io/yaml yaml.go, over go.yaml.in/yaml/v2): a key written after `<<` wins over the merged one, and in a
 * list of anchors the earlier wins. js-yaml's object mapping copies own keys only (Object.keys), never inherited ones.
 */
/**
 * The strings read by one `parseManifests`, each text kept once while it runs. A cluster export repeats the same
 * values thousands of times (apiVersions, field managers, images, `TCP`, `True`): one string per occurrence is most
 * of what the parsed objects weigh beyond their shape. Dropped when the read ends, so no old text is kept alive.
 */
let sharedStrings: Map<string, string> | undefined;

function shared(value: string): string {
  if (!sharedStrings) return value;
  const known = sharedStrings.get(value);
  if (known !== undefined) return known;
  sharedStrings.set(value, value);
  return value;
}

const KUBECTL_SCHEMA = CORE_SCHEMA.withTags(
  defineScalarTag(strTag.tagName, {
    ...strTag,
    resolve: (source, isExplicit, tagName) => {
      const value = strTag.resolve(source, isExplicit, tagName);
      return typeof value === 'string' ? shared(value) : value;
    },
  }),
  mergeTag,
  // A custom tag (`!Ref`, `!Sub`, `!GetAtt`) is ignored: a scalar is read as the string written, a mapping or list as
  // one without the tag (go.yaml.in/yaml/v2 resolve.go: a tag it cannot resolve leaves the text as it is).
  defineScalarTag('!', { matchByTagPrefix: true, resolve: (source) => shared(source), identify: () => false }),
  defineSequenceTag('!', { ...seqTag, matchByTagPrefix: true, identify: () => false }),
  defineMappingTag('!', { ...mapTag, matchByTagPrefix: true, identify: () => false }),
);

/** Custom tags reported per document chunk, at most. */
const MAX_TAG_REPORTS = 10;

/** `!Ref`-style local tags (not `!!str`, YAML's own) in `events`, as [start, end) offsets of the tag. */
function customTags(events: readonly Event[], text: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  if (!text.includes('!')) return found;
  for (const event of events) {
    if (event.type !== EVENT_ID.SCALAR && event.type !== EVENT_ID.MAPPING && event.type !== EVENT_ID.SEQUENCE) continue;
    if (event.tagStart < 0 || text.startsWith('!!', event.tagStart) || !text.startsWith('!', event.tagStart)) continue;
    found.push({ start: event.tagStart, end: event.tagEnd });
  }
  return found;
}

/**
 * Where the key that js-yaml found duplicated at `at` first appears in `text`: the key's text and offset, when the
 * mapping can be found.
 */
export function firstKeyBefore(text: string, at: number): { key: string; first: number } | undefined {
  const visit = (node: YamlNode | null | undefined): { key: string; first: number } | undefined => {
    if (!node) return undefined;
    if (node.kind === 'mapping') {
      const dup = node.pairs.find((pair) => pair.key.start <= at && at < Math.max(pair.key.end, pair.key.start + 1));
      if (dup && dup.key.kind === 'scalar') {
        const key = dup.key.text;
        const first = node.pairs.find((pair) => pair.key.kind === 'scalar' && pair.key.text === key);
        if (first && first !== dup) return { key, first: first.key.start };
      }
      for (const pair of node.pairs) {
        if (pair.value.start <= at && at < pair.value.end) return visit(pair.value);
      }
      return undefined;
    }
    if (node.kind === 'sequence')
      for (const item of node.items) if (item.start <= at && at < item.end) return visit(item);
    return undefined;
  };
  try {
    for (const tree of buildYamlTrees(parseEvents(text, { maxDepth: PARSE_LIMITS.maxDepth }), text, 0)) {
      const root = tree.root;
      if (root && root.start <= at && at < root.end) return visit(root);
    }
  } catch {
    // Not found: the message says less.
  }
  return undefined;
}

/** A line that starts a new YAML document (`---` alone or followed by content) in the YAML spec's terms. */
const DOCUMENT_MARKER = /^---(?=[ \t\r]|$)/gm;

/**
 * Splits a file into document chunks at `---` markers, so that one broken document never hides the others.
 * Directives (`%YAML 1.2`, `%TAG ...`) belong to the document whose `---` follows them, so they stay with it.
 */
export function splitDocuments(text: string): Array<{ start: number; end: number }> {
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

/**
 * A parsed value as a diagnostic may quote it: scalars as written, a mapping or list by its type (never String() of an
 * object).
 */
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
  generation++;
  sharedStrings = new Map();
  try {
    for (const file of files) {
      const lines = lineIndexFor(file);
      lineIndexes.set(file.name, lines);
      parseFile(file, lines, objects, diagnostics);
    }
  } finally {
    sharedStrings = undefined;
  }
  evictChunks();
  return { objects, diagnostics, lineIndexes };
}

let chunkReads = 0;

/** How many document chunks were read (not found in the cache) since the program started: for tests and the bench. */
export function chunksRead(): number {
  return chunkReads;
}

/** Forgets every document read before (for measuring a first read). */
export function clearParseCache(): void {
  chunkCache.clear();
  entryCache.clear();
  batchCache.clear();
  lineCache.clear();
}

/** A problem found in a document, with offsets relative to the document's text. */
interface ChunkDiagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  start: number;
  end: number;
  /** An earlier place the message names as "line:column" (the chunk is cached apart from where it is in its file). */
  firstAt?: number;
}

/** An object read from a document, with offsets relative to the document's text. */
interface ChunkObject {
  kind: string;
  apiVersion: string;
  name: string;
  namespace: string | undefined;
  namespaceAssumed: boolean;
  modelled: boolean;
  document: number;
  item: ListItem | undefined;
  start: number;
  end: number;
  value: Readonly<Record<string, unknown>>;
  yaml11: number[] | undefined;
  graph: GraphFacts;
}

/** What one chunk of text (documents between `---` markers) reads as; independent of where the chunk is. */
interface ChunkResult {
  objects: ChunkObject[];
  diagnostics: ChunkDiagnostic[];
  /** How many YAML documents the chunk counts for. */
  documents: number;
  /** The last parseManifests call that used it. */
  used: number;
  /** For a batch of documents: true when they must be read one by one. */
  failed?: boolean;
  /** For a run of List entries read together: how many. */
  entries?: number;
}

/**
 * Chunks read before, by their text: an edit re-reads only the documents whose text changed, and reading the same
 * text again reads nothing. Bounded: entries that neither the last nor the current call used are dropped.
 */
const chunkCache = new Map<string, ChunkResult>();
let generation = 0;

function evictChunks(): void {
  for (const cache of [chunkCache, entryCache, batchCache])
    for (const [text, chunk] of cache) if (chunk.used < generation - 1) cache.delete(text);
}

/** Line tables of the files last read, by name (rebuilt when the text changes). */
const lineCache = new Map<string, LineIndex>();

function lineIndexFor(file: ManifestFile): LineIndex {
  const known = lineCache.get(file.name);
  if (known && known.text === file.text) return known;
  const lines = new LineIndex(file.text);
  lineCache.set(file.name, lines);
  if (lineCache.size > 64) {
    const oldest = lineCache.keys().next().value;
    if (oldest !== undefined) lineCache.delete(oldest);
  }
  return lines;
}

const sizeText = (chars: number): string =>
  chars >= 1_000_000 ? `${(chars / 1_000_000).toFixed(1)} million` : chars.toLocaleString('en-US');

function parseFile(file: ManifestFile, lines: LineIndex, objects: ManifestObject[], diagnostics: Diagnostic[]): void {
  if (file.text.length > PARSE_LIMITS.maxFileChars) {
    diagnostics.push({
      severity: 'error',
      code: 'INPUT_TOO_LARGE',
      message:
        `This file has ${sizeText(file.text.length)} characters (${file.text.length}); Meshpath reads at ` +
        `most ${sizeText(PARSE_LIMITS.maxFileChars)} (${PARSE_LIMITS.maxFileChars}) per file. Split it into ` +
        `several files, or remove what the path does not need.`,
      file: file.name,
      range: lines.range(0, 0),
    });
    return;
  }

  let documentIndex = 0;
  // `firstItem`: the List index of the first entry of a run of entries read together.
  const emit = (chunk: ChunkResult, text: string, start: number, document: number, firstItem?: number): void => {
    chunk.used = generation;
    // One holder for the objects of this text, so that a structured clone (to or from a worker) copies it once.
    const source = { text };
    for (const d of chunk.diagnostics) {
      const first = d.firstAt === undefined ? undefined : lines.position(start + d.firstAt);
      diagnostics.push({
        severity: d.severity,
        code: d.code,
        message: first ? d.message.replace('{first}', `line ${first.line}, column ${first.column}`) : d.message,
        file: file.name,
        range: lines.range(start + d.start, start + d.end),
      });
    }
    for (const o of chunk.objects)
      objects.push({
        kind: o.kind,
        apiVersion: o.apiVersion,
        name: o.name,
        namespace: o.namespace,
        namespaceAssumed: o.namespaceAssumed,
        modelled: o.modelled,
        file: file.name,
        documentIndex: document + o.document,
        itemIndex: firstItem !== undefined ? firstItem + (o.item?.index ?? 0) : o.item?.index,
        range: lines.range(start + o.start, start + o.end),
        value: o.value,
        origin: {
          source,
          offset: start,
          document: o.document,
          start: o.start,
          end: o.end,
          item: o.item,
          yaml11: o.yaml11,
        },
        graph: o.graph,
      });
  };
  const chunks = splitDocuments(file.text);
  for (let i = 0; i < chunks.length;) {
    const j = batchEnd(file.text, chunks, i);
    const first = chunks[i];
    const last = chunks[j - 1];
    if (j - i > 1 && first && last) {
      // Small documents are read a few at a time: each read of js-yaml has a fixed cost.
      const text = file.text.slice(first.start, last.end);
      let batch = batchCache.get(text);
      if (!batch) {
        batch = readChunk(text, file.name, false);
        // One YAML document per chunk and no YAML error, else each chunk is read alone, so one broken document
        // never hides the others.
        batch.failed = batch.documents !== j - i || batch.diagnostics.some((d) => d.code.startsWith('YAML_'));
        batchCache.set(text, batch);
      }
      batch.used = generation;
      if (!batch.failed) {
        emit(batch, text, first.start, documentIndex);
        documentIndex += batch.documents;
        i = j;
        continue;
      }
    }
    for (; i < j; i++) {
      const { start, end } = chunks[i] ?? { start: 0, end: 0 };
      const text = file.text.slice(start, end);
      let chunk = chunkCache.get(text);
      if (!chunk) {
        // A kubectl List is read entry by entry, so that an edit re-reads one entry; the whole when that fails.
        const entries = readListEntries(text, file.name);
        if (entries) {
          for (const run of entries) emit(run.entry, run.text, start + run.at, documentIndex, run.first);
          documentIndex += 1;
          continue;
        }
        chunk = readChunk(text, file.name, false);
        chunkCache.set(text, chunk);
      }
      emit(chunk, text, start, documentIndex);
      documentIndex += chunk.documents;
    }
  }
}

/** Documents read together, by their text; `failed` when they must be read one by one. */
const batchCache = new Map<string, ChunkResult>();
const BATCH_DOCUMENTS = 32;
const BATCH_CHUNK_CHARS = 16_384;

/**
 * Where the batch of chunks that starts at chunk `i` ends (exclusive). A batch ends after a chunk whose text hashes
 * to 0 modulo 8 (so that its ends depend on the text, not on position: inserting a document changes one batch, not
 * every later one), after 32 chunks, or before a large chunk, which is read alone.
 */
function batchEnd(text: string, chunks: ReadonlyArray<{ start: number; end: number }>, i: number): number {
  let j = i;
  while (j < chunks.length) {
    const chunk = chunks[j] ?? { start: 0, end: 0 };
    if (chunk.end - chunk.start > BATCH_CHUNK_CHARS) return j === i ? i + 1 : j;
    j++;
    let hash = chunk.end - chunk.start;
    for (let k = chunk.start; k < chunk.end; k += 3) hash = (Math.imul(hash, 31) + text.charCodeAt(k)) | 0;
    hash ^= hash >>> 15;
    if (j - i >= BATCH_DOCUMENTS || (hash & 7) === 0) break;
  }
  return j;
}

/** Entries read before, by their text (`- ` and the entry), as chunks are. */
const entryCache = new Map<string, ChunkResult>();

/**
 * `kubectl get -A -o yaml` prints one `kind: List` document whose `items:` key is at column 0 and whose entries
 * start with `- ` at column 0. Such a List is read as its shell (the document without the entries) plus each entry
 * alone, from `- ` to the next entry, with the same offsets. Undefined when the text is not laid out so, or when
 * an entry does not read alone (an alias to an anchor in another entry, a syntax error): then the whole is read.
 */
function readListEntries(
  text: string,
  fileName: string,
): Array<{ entry: ChunkResult; at: number; text: string; first: number }> | undefined {
  const key = LIST_ITEMS_KEY.exec(text);
  if (!key) return undefined;
  const blockStart = key.index + key[0].length;
  const starts: number[] = [];
  let at = blockStart;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === 45) {
      // `-` then a space or the line's end starts an entry; anything else (`---`, `-x`) ends the list.
      const next = text.charCodeAt(at + 1);
      if (at + 1 < text.length && next !== 32 && next !== 9 && next !== 10 && next !== 13) break;
      starts.push(at);
    } else if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 35) {
      break; // a key at column 0: the list has ended
    }
    const newline = text.indexOf('\n', at);
    at = newline < 0 ? text.length : newline + 1;
  }
  const blockEnd = at;
  // Each read has a fixed cost: entries much shorter than a real object (about 1.4 KB) are read as one document.
  if (starts.length === 0 || (blockEnd - blockStart) / starts.length < MIN_ENTRY_CHARS) return undefined;
  if (!listShellIsList(text.slice(0, blockStart) + text.slice(blockEnd), fileName)) return undefined;
  // Entries are read a few at a time (as `- a ... - b ...`, a list of them), each run cached by its text.
  const ranges = starts.map((entryStart, i) => ({ start: entryStart, end: starts[i + 1] ?? blockEnd }));
  const runs: Array<{ entry: ChunkResult; at: number; text: string; first: number }> = [];
  for (let i = 0; i < ranges.length;) {
    const j = batchEnd(text, ranges, i);
    const runStart = ranges[i]?.start ?? 0;
    const runText = text.slice(runStart, ranges[j - 1]?.end ?? runStart);
    let entry = entryCache.get(runText);
    if (!entry) {
      entry = readChunk(runText, fileName, true);
      if (entry.documents !== 1 || entry.entries !== j - i || entry.diagnostics.some((d) => d.code.startsWith('YAML_')))
        return undefined;
      entryCache.set(runText, entry);
    }
    runs.push({ entry, at: runStart, text: runText, first: i });
    i = j;
  }
  return runs;
}

const MIN_ENTRY_CHARS = 256;

/** `items:` at column 0 followed by a `- ` line at column 0: how kubectl prints a List's entries. */
const LIST_ITEMS_KEY = /^items:[ \t]*(?:#[^\n]*)?\r?\n(?=-[ \t\r\n])/m;

/** True when `shell` (a List without its entries) reads as one mapping whose kind ends in List. */
function listShellIsList(shell: string, fileName: string): boolean {
  try {
    const values = constructFromEvents(parseEvents(shell, { filename: fileName, maxDepth: PARSE_LIMITS.maxDepth }), {
      source: shell,
      filename: fileName,
      schema: KUBECTL_SCHEMA,
      maxAliases: 0,
    });
    const kind = stringField(values[0], 'kind');
    return values.length === 1 && kind !== undefined && kind.endsWith('List') && field(values[0], 'items') === null;
  } catch {
    return false;
  }
}

/**
 * Reads one chunk of a file's text; offsets in the result are relative to `text`. An `entry` is one entry of a List
 * read alone (`- ` and the entry): a sequence of one object.
 */
function readChunk(text: string, fileName: string, entry: boolean): ChunkResult {
  chunkReads++;
  const objects: ChunkObject[] = [];
  const diagnostics: ChunkDiagnostic[] = [];
  const result: ChunkResult = { objects, diagnostics, documents: 1, used: generation };
  const report = (
    severity: Severity,
    code: DiagnosticCode,
    message: string,
    start: number,
    end: number,
    firstAt?: number,
  ): void => {
    diagnostics.push({ severity, code, message, start, end, ...(firstAt !== undefined ? { firstAt } : {}) });
  };

  let outlines: DocumentOutline[];
  let values: unknown[];
  try {
    const events = parseEvents(text, { filename: fileName, maxDepth: PARSE_LIMITS.maxDepth });
    outlines = outlineDocuments(events, text, entry);
    result.documents = Math.max(1, outlines.length);
    const loop = outlines.find((outline) => outline.cycleAt !== undefined);
    if (loop?.cycleAt !== undefined) {
      report(
        'error',
        'YAML_ALIAS_LIMIT',
        'This YAML alias refers to a mapping or list that contains it, so the value would contain itself; the ' +
          'document is skipped.',
        loop.cycleAt,
        loop.cycleAt + 2,
      );
      return result;
    }
    const bomb = outlines.find((outline) => outline.aliasAdded > PARSE_LIMITS.maxAliasExpansion);
    if (bomb) {
      report(
        'error',
        'YAML_ALIAS_LIMIT',
        `YAML aliases in this document expand to more than ${PARSE_LIMITS.maxAliasExpansion} nodes; it is ` +
          `skipped. Write the repeated parts out, or use fewer nested aliases.`,
        bomb.start,
        bomb.start + 1,
      );
      return result;
    }
    const tags = customTags(events, text);
    for (const tag of tags.slice(0, MAX_TAG_REPORTS)) {
      const name = text.slice(tag.start, tag.end);
      report(
        'warning',
        'YAML_CUSTOM_TAG',
        `${name} is a custom YAML tag (CloudFormation and other tools write these); Kubernetes has none. kubectl ` +
          `ignores the tag and reads the value as written, so nothing is substituted: Meshpath reads it the same ` +
          `way.${tags.length > MAX_TAG_REPORTS ? ` (${tags.length - MAX_TAG_REPORTS} more custom tags here.)` : ''}`,
        tag.start,
        tag.end,
      );
    }
    values = constructFromEvents(events, {
      source: text,
      filename: fileName,
      schema: KUBECTL_SCHEMA,
      maxAliases: PARSE_LIMITS.maxAliasesPerDocument,
    });
  } catch (error) {
    const at = error instanceof YAMLException && error.mark ? error.mark.position : 0;
    const reason = error instanceof YAMLException ? error.reason : String(error);
    const code: DiagnosticCode = reason.includes('duplicated mapping key')
      ? 'YAML_DUPLICATE_KEY'
      : reason.includes('maxDepth')
        ? 'YAML_TOO_DEEP'
        : reason.includes('alias')
          ? 'YAML_ALIAS_LIMIT'
          : 'YAML_SYNTAX';
    const duplicate = code === 'YAML_DUPLICATE_KEY' ? firstKeyBefore(text, at) : undefined;
    report(
      'error',
      code,
      duplicate
        ? `YAML error: duplicated mapping key "${duplicate.key}"; it first appears at {first}. A key may appear ` +
            `once in a mapping: keep one of them. This document is skipped; the others are still read.`
        : `YAML ${code === 'YAML_SYNTAX' ? 'syntax error' : 'error'}: ${reason}. This document is skipped; the ` +
            `others are still read.`,
      at,
      at + (duplicate?.key.length ?? 1),
      duplicate?.first,
    );
    result.documents = Math.max(1, countMarkers(text));
    return result;
  }
  result.documents = Math.max(values.length, 1);
  if (entry) {
    const [value] = values;
    const outline = outlines[0];
    const ranges = outline?.items;
    if (values.length !== 1 || !Array.isArray(value) || !outline || !ranges || ranges.length !== value.length * 2) {
      result.documents = 0; // not a run of entries: the caller reads the whole List
      return result;
    }
    result.entries = value.length;
    readEntries(value, ranges, outline, 0, (index) => [index]);
    return result;
  }
  values.forEach((value, i) => {
    const outline = outlines[i];
    if (outline) readDocument(value, outline, i);
  });
  return result;

  function readDocument(value: unknown, outline: DocumentOutline, document: number): void {
    if (value === null || value === undefined || outline.start < 0) return; // an empty document, or only comments
    const tree = (): YamlNode | null => documentTree(text, document, 0);
    if (!isRecord(value)) {
      report(
        'error',
        'NOT_AN_OBJECT',
        'This document is not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.',
        outline.start,
        outline.end,
      );
      return;
    }
    const kind = stringField(value, 'kind');
    const items = field(value, 'items');
    if (kind !== undefined && kind.endsWith('List') && items !== undefined) {
      const ranges = outline.items;
      if (!Array.isArray(items) || !ranges || ranges.length !== items.length * 2) {
        const at = findKey(tree(), ['items']) ?? outline;
        report('error', 'LIST_ITEMS_NOT_A_SEQUENCE', `${kind}.items must be a list of objects.`, at.start, at.end);
        return;
      }
      readEntries(items, ranges, outline, document, (index) => ['items', index]);
      return;
    }
    readObject(value, outline.start, outline.end, tree, document, undefined, outline.yaml11);
  }

  /** Reads list entries whose flat [start, end, ...] ranges are `ranges`; `path`: where entry `index` is. */
  function readEntries(
    items: readonly unknown[],
    ranges: readonly number[],
    outline: DocumentOutline,
    document: number,
    path: (index: number) => Array<string | number>,
  ): void {
    let hit = 0;
    items.forEach((item, index) => {
      const start = ranges[2 * index] ?? 0;
      const end = ranges[2 * index + 1] ?? start;
      // The YAML 1.1 values of this entry (both lists are in text order).
      const yaml11: number[] = [];
      while (hit < outline.yaml11.length && (outline.yaml11[hit] ?? 0) < start) hit += 2;
      while (hit < outline.yaml11.length && (outline.yaml11[hit] ?? 0) < end)
        yaml11.push(outline.yaml11[hit] ?? 0, outline.yaml11[(hit += 2) - 1] ?? 0);
      const entry = { index, start, end, path: path(index) };
      readObject(item, start, end, () => itemTree(text, document, entry, 0) ?? null, document, entry, yaml11);
    });
  }

  function readObject(
    value: unknown,
    start: number,
    end: number,
    lazyTree: () => YamlNode | null,
    document: number,
    item: ListItem | undefined,
    yaml11: number[],
  ): void {
    if (!isRecord(value)) {
      report(
        'error',
        'NOT_AN_OBJECT',
        'This item is not a Kubernetes object: expected a mapping with apiVersion, kind and metadata.',
        start,
        end,
      );
      return;
    }
    const kind = stringField(value, 'kind');
    const apiVersion = stringField(value, 'apiVersion');
    const metadata = field(value, 'metadata');
    const name = stringField(metadata, 'name') ?? stringField(metadata, 'generateName');
    // Positions of fields are looked up only for a diagnostic.
    const whole = { start, end };
    const keyOr = (path: string[]): { start: number; end: number } => findKey(lazyTree(), path) ?? whole;
    // A value of the wrong type is reported at the value, as the object reader reports other fields.
    const wrongType = (path: string[]): boolean => {
      const found = path.reduce<unknown>((parent, key) => field(parent, key), value);
      if (found === undefined || found === null || typeof found === 'string') return false;
      const node = findNode(lazyTree(), path);
      const at = node ?? keyOr(path);
      const written = node?.kind === 'scalar' ? node.text : undefined;
      report(
        'error',
        'WRONG_TYPE',
        `${path.join('.')} must be a string, but it ` +
          `is ${typeName(found)}${written !== undefined ? ` (${written})` : ''}; kubectl rejects this ` +
          `object.${written !== undefined ? ` Quote it: "${written}".` : ''}`,
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
        at === whole ? start + 1 : at.end,
      );
      return;
    }
    if (apiVersion === undefined) {
      const at = keyOr(['kind']);
      report('error', 'MISSING_API_VERSION', `This ${kind} has no apiVersion.`, at.start, at.end);
      return;
    }
    if (name === undefined) {
      const at = findKey(lazyTree(), ['metadata']) ?? keyOr(['kind']);
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
    const namespace = namespaced ? (declaredNamespace ?? 'default') : undefined;
    const modelled = info?.modelled ?? false;
    objects.push({
      kind,
      apiVersion,
      name,
      namespace,
      namespaceAssumed: namespaced && declaredNamespace === undefined,
      modelled,
      document,
      item,
      start,
      end,
      value,
      yaml11: yaml11.length > 0 ? yaml11 : undefined,
      // Read now, while the object's fields are in the processor's cache.
      graph: readGraphFacts(kind, name, namespace, modelled, value),
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
    const values = constructFromEvents(events, { source: text, schema: KUBECTL_SCHEMA, maxAliases: 100 });
    return { ok: true, value: values[0] ?? null };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof YAMLException ? error.reason : String(error),
      line: error instanceof YAMLException && error.mark ? error.mark.line + 1 : 1,
    };
  }
}
