import { parseEvents } from 'js-yaml';
import type { SourceRange } from './diagnostic.ts';
import { LineIndex } from './lineIndex.ts';
import { splitDocuments, type ManifestFile } from './parse.ts';
import { buildYamlTrees, MAX_DEPTH, type YamlMapping, type YamlNode } from './yamlTree.ts';

/**
 * What a shared link or a downloaded file should not carry: the values of a Secret's `data` and `stringData`, and the
 * `kubectl.kubernetes.io/last-applied-configuration` annotation (a copy of the whole object as last applied, Secret
 * values included). No trace depends on them: Meshpath models no Secret content.
 */
export interface SecretFinding {
  file: string;
  /** Where the value is (the key stays). */
  range: SourceRange;
  /** Offsets of the value in the file's text, end-exclusive. */
  start: number;
  end: number;
  field: 'data' | 'stringData' | 'last-applied-configuration';
  /** The key whose value it is (`password`), or the annotation's name. */
  key: string;
  /** `Secret default/db` when the object could be read; else the kind found, or "a document with a YAML error". */
  object: string;
}

/** What a stripped value becomes: a plain YAML string that is also valid base64, so the object stays valid. */
export const REDACTED = 'REDACTED';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Only a document that mentions one of these (or escapes characters, which could spell them) can hold a secret. */
const MAY_HOLD_SECRETS = /Secret|last-applied-configuration|\\[xuUN0-9]/;

/** Every secret value in the files, in file and text order. Never throws: a document that does not read is scanned. */
export function findSecrets(files: readonly ManifestFile[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    let lines: LineIndex | undefined;
    const add = (start: number, end: number, field: SecretFinding['field'], key: string, object: string): void => {
      if (end <= start) return; // an empty value holds nothing
      if (file.text.slice(start, end).trim() === REDACTED) return; // stripped before
      lines ??= new LineIndex(file.text);
      findings.push({ file: file.name, range: lines.range(start, end), start, end, field, key, object });
    };
    for (const chunk of splitDocuments(file.text)) {
      const text = file.text.slice(chunk.start, chunk.end);
      if (!MAY_HOLD_SECRETS.test(text)) continue;
      // A large List (a cluster export) is read entry by entry, and only the entries that may hold a secret.
      const entries = text.length > LARGE_CHUNK ? listEntries(text) : undefined;
      const first = entries?.[0];
      const last = entries?.[entries.length - 1];
      if (entries && first && last && !MAY_HOLD_SECRETS.test(text.slice(0, first.start) + text.slice(last.end))) {
        const found: Array<Parameters<AddFinding>> = [];
        const collect: AddFinding = (...finding) => found.push(finding);
        const read = entries.every((entry) => {
          const entryText = text.slice(entry.start, entry.end);
          if (!MAY_HOLD_SECRETS.test(entryText)) return true;
          const roots = readTrees(entryText, chunk.start + entry.start);
          const item = roots?.[0]?.kind === 'sequence' && roots.length === 1 ? roots[0].items[0] : undefined;
          if (item?.kind === 'mapping') objectSecrets(item, collect);
          return item !== undefined;
        });
        if (read) {
          for (const finding of found) add(...finding);
          continue;
        }
      }
      const roots = readTrees(text, chunk.start);
      if (!roots) {
        scanUnreadable(file.text, chunk.start, chunk.end, add);
        continue;
      }
      for (const root of roots) {
        if (root?.kind !== 'mapping') continue;
        const items = scalarText(valueOf(root, 'kind'))?.endsWith('List') ? valueOf(root, 'items') : undefined;
        if (items?.kind === 'sequence') {
          for (const item of items.items) if (item.kind === 'mapping') objectSecrets(item, add);
        } else {
          objectSecrets(root, add);
        }
      }
    }
  }
  return findings;
}

/** Chunks longer than this are read List entry by List entry when they can be. */
const LARGE_CHUNK = 65_536;

/** The positioned trees of each document of `text` (at `base` in its file), or undefined when it does not read. */
function readTrees(text: string, base: number): Array<YamlNode | null> | undefined {
  try {
    return buildYamlTrees(parseEvents(text, { maxDepth: MAX_DEPTH }), text, base).map((tree) => tree.root);
  } catch {
    return undefined;
  }
}

/**
 * The entries of a root `items:` list as `kubectl get -o yaml` prints it (each `- ` at the same indentation), as
 * ranges of whole lines of `text`; undefined when the text is not laid out so.
 */
function listEntries(text: string): Array<{ start: number; end: number }> | undefined {
  const key = /^items:[ \t]*(?:#[^\n]*)?\r?\n/m.exec(text);
  if (!key) return undefined;
  const entries: Array<{ start: number; end: number }> = [];
  let indent = -1;
  let at = key.index + key[0].length;
  while (at < text.length) {
    const newline = text.indexOf('\n', at);
    const end = newline < 0 ? text.length : newline + 1;
    let column = at;
    while (text.charCodeAt(column) === 32) column++;
    const c = text.charCodeAt(column);
    if (column >= end - 1 || c === 35 /* # */ || c === 13) {
      at = end; // a blank or comment line belongs to the entry before it
      continue;
    }
    const dash = c === 45 /* - */ && /[ \r\n]/.test(text.charAt(column + 1) || '\n');
    if (indent < 0) {
      if (!dash) return undefined;
      indent = column - at;
    }
    if (column - at < indent || (column - at === indent && !dash)) break;
    if (column - at === indent) entries.push({ start: at, end });
    const current = entries[entries.length - 1];
    if (current) current.end = end;
    at = end;
  }
  return entries.length > 0 ? entries : undefined;
}

type AddFinding = (start: number, end: number, field: SecretFinding['field'], key: string, object: string) => void;

function valueOf(mapping: YamlNode | undefined, key: string): YamlNode | undefined {
  if (mapping?.kind !== 'mapping') return undefined;
  return mapping.pairs.find((pair) => pair.key.kind === 'scalar' && pair.key.text === key)?.value;
}

function scalarText(node: YamlNode | undefined): string | undefined {
  return node?.kind === 'scalar' ? node.text : undefined;
}

function objectSecrets(object: YamlMapping, add: AddFinding): void {
  const kind = scalarText(valueOf(object, 'kind'));
  const metadata = valueOf(object, 'metadata');
  const name = scalarText(valueOf(metadata, 'name'));
  const namespace = scalarText(valueOf(metadata, 'namespace'));
  const ref = name === undefined ? '' : namespace === undefined ? ` ${name}` : ` ${namespace}/${name}`;
  const label = `${kind ?? 'object'}${ref}`;
  const annotation = valueOf(valueOf(metadata, 'annotations'), LAST_APPLIED);
  if (annotation)
    leaves(annotation, (node) => add(node.start, node.end, 'last-applied-configuration', LAST_APPLIED, label));
  if (kind !== 'Secret') return;
  for (const field of ['data', 'stringData'] as const) {
    const values = valueOf(object, field);
    if (values?.kind === 'mapping') {
      for (const pair of values.pairs) {
        const key = pair.key.kind === 'scalar' ? pair.key.text : '?';
        leaves(pair.value, (node) => add(node.start, node.end, field, key, label));
      }
    } else if (values) {
      leaves(values, (node) => add(node.start, node.end, field, '(all)', label));
    }
  }
}

/** Each scalar below `node` (aliases point at a value stripped where it is written). */
function leaves(node: YamlNode, visit: (scalar: YamlNode) => void): void {
  if (node.kind === 'scalar') visit(node);
  else if (node.kind === 'mapping') for (const pair of node.pairs) leaves(pair.value, visit);
  else if (node.kind === 'sequence') for (const item of node.items) leaves(item, visit);
}

const KEY_LINE = /^([ \t]*)(?:- +)?(["']?)([^\s"':#][^"':]*?)\2[ \t]*:(?:[ \t]+|$)/;

/**
 * A document that does not read as YAML is scanned line by line, by indentation, so that a syntax error elsewhere in
 * it never lets a secret through: the annotation's value, and in a document that says `kind: Secret`, each value
 * under `data:` or `stringData:`.
 */
function scanUnreadable(text: string, from: number, to: number, add: AddFinding): void {
  const object = 'a document with a YAML error';
  const isSecret = /^[ \t]*(?:- +)?kind:[ \t]*["']?Secret["']?[ \t]*(?:#.*)?\r?$/m.test(text.slice(from, to));
  // Line starts of the chunk, and each line's indentation and key.
  const lines: Array<{ start: number; end: number; indent: number; key: string | undefined; valueAt: number }> = [];
  for (let at = from; at < to;) {
    const newline = text.indexOf('\n', at);
    const lineEnd = newline < 0 || newline >= to ? to : newline;
    const end = text.charAt(lineEnd - 1) === '\r' ? lineEnd - 1 : lineEnd;
    const line = text.slice(at, end);
    const match = KEY_LINE.exec(line);
    const indent = line.length - line.trimStart().length;
    lines.push({
      start: at,
      end,
      indent: match ? (match[1]?.length ?? 0) + (match[0].trimStart().startsWith('-') ? 2 : 0) : indent,
      key: match?.[3],
      valueAt: match ? at + match[0].length : end,
    });
    at = lineEnd + 1;
  }
  const blank = (i: number): boolean => {
    const line = lines[i];
    return line === undefined || text.slice(line.start, line.end).trim() === '';
  };
  // The value of key line `i`: the rest of its line, and the lines indented deeper below it.
  const valueEnd = (i: number): { end: number; next: number } => {
    const own = lines[i];
    let end = own ? trimmedEnd(text, own.valueAt, own.end) : 0;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j];
      if (!line) break;
      if (blank(j)) continue;
      if (line.indent <= (own?.indent ?? 0)) break;
      end = trimmedEnd(text, line.start, line.end);
    }
    return { end, next: j };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line?.key) continue;
    if (line.key === LAST_APPLIED) {
      const { end } = valueEnd(i);
      add(line.valueAt, end, 'last-applied-configuration', LAST_APPLIED, object);
    } else if (isSecret && (line.key === 'data' || line.key === 'stringData')) {
      const field = line.key;
      const { next } = valueEnd(i);
      if (trimmedEnd(text, line.valueAt, line.end) > line.valueAt) {
        add(line.valueAt, trimmedEnd(text, line.valueAt, line.end), field, '(all)', object);
      }
      for (let j = i + 1; j < next; j++) {
        const entry = lines[j];
        if (!entry?.key) continue;
        const value = valueEnd(j);
        add(entry.valueAt, value.end, field, entry.key, object);
        j = value.next - 1;
      }
      i = next - 1;
    }
  }
}

/** The end of `text[from, to)` without trailing spaces and without a trailing comment. */
function trimmedEnd(text: string, from: number, to: number): number {
  const line = text.slice(from, to);
  const comment = line.search(/(?:^|[ \t])#/);
  const kept = comment < 0 ? line : line.slice(0, comment);
  return from + kept.trimEnd().length;
}

/**
 * The files with each finding's value replaced by {@link REDACTED}. Everything else stays byte for byte, and so do the
 * line breaks inside a value (a block scalar keeps its header and its lines), so every later line, column and comment
 * is where it was.
 */
export function stripSecrets(files: readonly ManifestFile[], findings: readonly SecretFinding[]): ManifestFile[] {
  return files.map((file) => {
    const own = findings.filter((f) => f.file === file.name).sort((a, b) => a.start - b.start);
    if (own.length === 0) return file;
    let text = '';
    let at = 0;
    for (const finding of own) {
      if (finding.start < at || finding.end > file.text.length) continue; // overlapping or stale: skip
      text += file.text.slice(at, finding.start) + placeholder(file.text, finding.start, finding.end);
      at = finding.end;
    }
    return { name: file.name, text: text + file.text.slice(at) };
  });
}

/** What replaces `text[start, end)`: the placeholder, then the value's line breaks, each with its indentation. */
function placeholder(text: string, start: number, end: number): string {
  const lines = text.slice(start, end).split('\n');
  const indent = (line: string): string => /^[ \t]*/.exec(line)?.[0] ?? '';
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  // A block scalar (`|`, `>`) starts at its first content line: keep the header, write the placeholder on that line.
  const block =
    start === lineStart && /[|>][-+0-9]*[ \t]*(?:#[^\n]*)?\r?\n$/.test(text.slice(Math.max(0, start - 200), start));
  const first = block
    ? Math.max(
        0,
        lines.findIndex((line) => line.trim() !== ''),
      )
    : 0;
  return lines
    .map((line, i) => {
      const kept = i === first ? (block ? indent(line) : '') + REDACTED : i > 0 && !block ? indent(line) : '';
      // A line break written as \r\n stays \r\n.
      return i < lines.length - 1 && line.endsWith('\r') ? `${kept}\r` : kept;
    })
    .join('\n');
}
