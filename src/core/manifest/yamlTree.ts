import { EVENT_ID, getScalarValue, parseEvents, type Event } from 'js-yaml';

/** Deepest nesting of collections a document may have. */
export const MAX_DEPTH = 100;

/**
 * A YAML node with its place in the file. Offsets are 0-based character offsets into the whole file's text,
 * end-exclusive. This is the positional twin of the plain value js-yaml constructs, so that any field a
 * later step cites (one `hosts` entry, the 3rd `http` route) can be pointed at in the editor.
 */
export type YamlNode = YamlMapping | YamlSequence | YamlScalar | YamlAlias;

interface YamlNodeBase {
  start: number;
  end: number;
}

export interface YamlPair {
  key: YamlNode;
  value: YamlNode;
}

export interface YamlMapping extends YamlNodeBase {
  kind: 'mapping';
  pairs: YamlPair[];
}

export interface YamlSequence extends YamlNodeBase {
  kind: 'sequence';
  items: YamlNode[];
}

export interface YamlScalar extends YamlNodeBase {
  kind: 'scalar';
  /** The decoded text of the scalar (before any type resolution). */
  text: string;
  /** True for an unquoted scalar, the only kind YAML resolves to booleans, numbers or null. */
  plain: boolean;
}

export interface YamlAlias extends YamlNodeBase {
  kind: 'alias';
  anchor: string;
}

type OpenCollection = YamlMapping | YamlSequence;

/**
 * Builds positioned trees, one per document, from js-yaml's event stream for `source`
 * (a slice of the file starting at `baseOffset`).
 */
export interface YamlDocumentTree {
  root: YamlNode | null;
  /** How many nodes the document has once every alias is expanded (what a naive reader would build). */
  expandedSize: number;
  /** Where an alias refers to a collection that contains it (the value would contain itself), if one does. */
  cycleAt: number | undefined;
}

export function buildYamlTrees(events: readonly Event[], source: string, baseOffset: number): YamlDocumentTree[] {
  const documents: YamlDocumentTree[] = [];
  // Expanded sizes, so that alias bombs are caught before anything walks the constructed value.
  const sizes = new Map<YamlNode, number>();
  const anchorSizes = new Map<string, number>();
  const anchorStack: string[] = [];
  const stack: OpenCollection[] = [];
  let pendingKey: YamlNode | null = null;
  const pendingKeys: Array<YamlNode | null> = [];
  let lastEnd = baseOffset;
  let currentDocument: YamlNode | null = null;
  let inDocument = false;
  let cycleAt: number | undefined;

  const attach = (node: YamlNode, anchor: string): void => {
    lastEnd = Math.max(lastEnd, node.end);
    const size = node.kind === 'alias' ? (anchorSizes.get(node.anchor) ?? 1) : (sizes.get(node) ?? 1);
    sizes.set(node, size);
    if (anchor) anchorSizes.set(anchor, size);
    const parent = stack[stack.length - 1];
    if (!parent) {
      currentDocument = node;
      return;
    }
    sizes.set(parent, Math.min(Number.MAX_SAFE_INTEGER, (sizes.get(parent) ?? 1) + size));
    if (parent.kind === 'sequence') {
      parent.items.push(node);
    } else if (pendingKey === null) {
      pendingKey = node;
    } else {
      parent.pairs.push({ key: pendingKey, value: node });
      pendingKey = null;
    }
    parent.end = Math.max(parent.end, node.end);
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        inDocument = true;
        cycleAt = undefined;
        currentDocument = null;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const start = baseOffset + Math.max(event.start, 0);
        const node: OpenCollection =
          event.type === EVENT_ID.MAPPING
            ? { kind: 'mapping', start, end: start + 1, pairs: [] }
            : { kind: 'sequence', start, end: start + 1, items: [] };
        pendingKeys.push(pendingKey);
        pendingKey = null;
        anchorStack.push(event.anchorStart >= 0 ? source.slice(event.anchorStart, event.anchorEnd) : '');
        stack.push(node);
        break;
      }
      case EVENT_ID.SCALAR: {
        const known = event.valueStart >= 0;
        const quoted = event.style === 2 || event.style === 3;
        const start = known ? baseOffset + event.valueStart - (quoted ? 1 : 0) : lastEnd;
        const end = known ? baseOffset + event.valueEnd + (quoted ? 1 : 0) : lastEnd;
        attach(
          {
            kind: 'scalar',
            start,
            end,
            text: known ? getScalarValue(source, event) : '',
            plain: event.style === 1,
          },
          event.anchorStart >= 0 ? source.slice(event.anchorStart, event.anchorEnd) : '',
        );
        break;
      }
      case EVENT_ID.ALIAS:
        if (cycleAt === undefined && anchorStack.includes(source.slice(event.anchorStart, event.anchorEnd)))
          cycleAt = baseOffset + event.anchorStart - 1;
        attach(
          {
            kind: 'alias',
            start: baseOffset + event.anchorStart - 1,
            end: baseOffset + event.anchorEnd,
            anchor: source.slice(event.anchorStart, event.anchorEnd),
          },
          '',
        );
        break;
      case EVENT_ID.POP: {
        const closed = stack.pop();
        if (closed) {
          if (source.charAt(closed.start - baseOffset) === '{' || source.charAt(closed.start - baseOffset) === '[') {
            // Flow collections end at their closing bracket.
            const close = source.indexOf(closed.kind === 'mapping' ? '}' : ']', closed.end - baseOffset);
            if (close >= 0) closed.end = baseOffset + close + 1;
          }
          pendingKey = pendingKeys.pop() ?? null;
          attach(closed, anchorStack.pop() ?? '');
        } else if (inDocument) {
          const root: YamlNode | null = currentDocument;
          documents.push({ root, expandedSize: root ? (sizes.get(root) ?? 1) : 0, cycleAt });
          cycleAt = undefined;
          inDocument = false;
        }
        break;
      }
    }
  }
  return documents;
}

/** The node at `path` (mapping keys and sequence indexes) below `root`, if there is one. */
export function findNode(
  root: YamlNode | null | undefined,
  path: ReadonlyArray<string | number>,
): YamlNode | undefined {
  let node: YamlNode | undefined = root ?? undefined;
  for (const step of path) {
    if (!node) return undefined;
    if (typeof step === 'number') {
      node = node.kind === 'sequence' ? node.items[step] : undefined;
    } else if (node.kind === 'mapping') {
      node = node.pairs.find((pair) => pair.key.kind === 'scalar' && pair.key.text === step)?.value;
    } else {
      return undefined;
    }
  }
  return node;
}

/** The key node of the entry `path` names (for diagnostics that point at a key rather than its value). */
export function findKey(root: YamlNode | null | undefined, path: ReadonlyArray<string | number>): YamlNode | undefined {
  const last = path[path.length - 1];
  if (typeof last !== 'string') return findNode(root, path);
  const parent = findNode(root, path.slice(0, -1));
  if (!parent || parent.kind !== 'mapping') return undefined;
  return parent.pairs.find((pair) => pair.key.kind === 'scalar' && pair.key.text === last)?.key;
}

/**
 * What reading a document needs from its events, without a node per YAML value: where the root and each entry of a
 * root-level `items` list begin and end, what aliases add to the document once expanded, an alias inside the
 * collection it names, and the plain scalar values YAML 1.1 reads differently. Offsets are relative to `source`.
 */
export interface DocumentOutline {
  /** Range of the root value; -1 for an empty document. */
  start: number;
  end: number;
  /** Flat [start, end, ...] of the entries of a root-level `items` sequence (undefined when there is none). */
  items: number[] | undefined;
  /** Nodes the aliases of this document add once expanded (a document without aliases adds none). */
  aliasAdded: number;
  /** Offset of the first alias that refers to a collection containing it. */
  cycleAt: number | undefined;
  /** Flat [start, end, ...] of plain values (not keys) that a YAML 1.1 reader such as kubectl reads differently. */
  yaml11: number[];
}

const YAML11_FIRST = /[yYnNoO0-9+-]/;
/** YAML 1.1 booleans, leading-zero octals and base-60 numbers: plain scalars that may read differently in YAML 1.1. */
export const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
export const YAML11_OCTAL = /^[-+]?0[0-7_]+$/;
export const YAML11_SEXAGESIMAL = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;

/** True for a plain scalar that kubectl (YAML 1.1) reads as something other than YAML 1.2 does. */
export function readsDifferentlyInYaml11(text: string): boolean {
  return (
    YAML11_BOOLEANS.test(text) ||
    (YAML11_OCTAL.test(text) && /[0-9]/.test(text.slice(1))) ||
    YAML11_SEXAGESIMAL.test(text)
  );
}

/** One outline per document of `events` (parsed from `source`), in one pass with no allocation per node. */
export function outlineDocuments(
  events: readonly Event[],
  source: string,
  /** Record the entries of a root sequence as `items` (for one list entry read alone, as `- entry`). */
  rootSequenceItems = false,
): DocumentOutline[] {
  const outlines: DocumentOutline[] = [];
  // Open collections, as parallel stacks: kind (true for a mapping), start, expanded size, anchor, whether the
  // next child of a mapping is a key, and whether it is the root's `items` list.
  const isMapping: boolean[] = [];
  const starts: number[] = [];
  const sizes: number[] = [];
  const anchors: string[] = [];
  const keyNext: boolean[] = [];
  const isItems: boolean[] = [];
  let anchorSizes: Map<string, number> | undefined;
  let current: DocumentOutline | undefined;
  let lastEnd = 0;
  let itemsKeySeen = false;

  // Called when a child value is complete: its size joins its parent, its range is recorded where needed.
  const complete = (start: number, end: number, size: number, anchor: string): void => {
    if (!current) return;
    if (anchor) (anchorSizes ??= new Map()).set(anchor, size);
    const depth = isMapping.length;
    if (depth === 0) {
      current.start = start;
      current.end = end;
      return;
    }
    const top = depth - 1;
    sizes[top] = Math.min(Number.MAX_SAFE_INTEGER, (sizes[top] ?? 0) + size);
    if (isItems[top]) current.items?.push(start, end);
    if (isMapping[top]) {
      const wasKey = keyNext[top] ?? true;
      keyNext[top] = !wasKey;
      if (depth === 1) itemsKeySeen = wasKey && source.slice(start, end).replace(/^["']|["']$/g, '') === 'items';
    }
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        current = { start: -1, end: -1, items: undefined, aliasAdded: 0, cycleAt: undefined, yaml11: [] };
        anchorSizes = undefined;
        itemsKeySeen = false;
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const start = Math.max(event.start, 0);
        const items =
          event.type === EVENT_ID.SEQUENCE &&
          ((isMapping.length === 1 && itemsKeySeen) || (isMapping.length === 0 && rootSequenceItems));
        if (items && current) current.items = [];
        isMapping.push(event.type === EVENT_ID.MAPPING);
        starts.push(start);
        sizes.push(1);
        anchors.push(event.anchorStart >= 0 ? source.slice(event.anchorStart, event.anchorEnd) : '');
        keyNext.push(true);
        isItems.push(items);
        itemsKeySeen = false;
        break;
      }
      case EVENT_ID.SCALAR: {
        const known = event.valueStart >= 0;
        const quoted = event.style === 2 || event.style === 3;
        const start = known ? event.valueStart - (quoted ? 1 : 0) : lastEnd;
        const end = known ? event.valueEnd + (quoted ? 1 : 0) : lastEnd;
        lastEnd = Math.max(lastEnd, end);
        const top = isMapping.length - 1;
        const isValue = top < 0 || !isMapping[top] || !keyNext[top];
        if (
          current &&
          isValue &&
          event.style === 1 &&
          known &&
          end - start <= 40 &&
          YAML11_FIRST.test(source.charAt(start)) &&
          readsDifferentlyInYaml11(source.slice(start, end))
        )
          current.yaml11.push(start, end);
        complete(start, end, 1, event.anchorStart >= 0 ? source.slice(event.anchorStart, event.anchorEnd) : '');
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd);
        const size = anchorSizes?.get(name) ?? 1;
        if (current) {
          if (current.cycleAt === undefined && anchors.includes(name)) current.cycleAt = event.anchorStart - 1;
          current.aliasAdded = Math.min(Number.MAX_SAFE_INTEGER, current.aliasAdded + size);
        }
        lastEnd = Math.max(lastEnd, event.anchorEnd);
        complete(event.anchorStart - 1, event.anchorEnd, size, '');
        break;
      }
      case EVENT_ID.POP: {
        if (isMapping.length === 0) {
          if (current) outlines.push(current);
          current = undefined;
          break;
        }
        const mapping = isMapping.pop() ?? false;
        const start = starts.pop() ?? 0;
        const size = sizes.pop() ?? 1;
        const anchor = anchors.pop() ?? '';
        keyNext.pop();
        isItems.pop();
        let end = Math.max(lastEnd, start + 1);
        const open = source.charAt(start);
        if (open === '{' || open === '[') {
          // Flow collections end at their closing bracket.
          const close = source.indexOf(mapping ? '}' : ']', end);
          if (close >= 0) end = close + 1;
        }
        lastEnd = Math.max(lastEnd, end);
        complete(start, end, size, anchor);
        break;
      }
    }
  }
  return outlines;
}

/**
 * The positioned tree of the `document`-th document of `text`, with offsets shifted by `base` (where `text` starts in
 * its file). Built on demand: only when a diagnostic or a step's source asks where a field is.
 */
export function documentTree(text: string, document: number, base: number): YamlNode | null {
  try {
    return buildYamlTrees(parseEvents(text, { maxDepth: MAX_DEPTH }), text, base)[document]?.root ?? null;
  } catch {
    return null;
  }
}

/**
 * The positioned tree of a list entry that spans [start, end) of `text` and is at `path` in its document. The entry
 * is read alone, its line's leading `- ` blanked so that the columns stay those of the file; if that does not read
 * as one value, the whole document is read.
 */
export function itemTree(
  text: string,
  document: number,
  item: { start: number; end: number; path: ReadonlyArray<string | number> },
  base: number,
): YamlNode | undefined {
  const lineStart = text.lastIndexOf('\n', item.start - 1) + 1;
  const alone = ' '.repeat(item.start - lineStart) + text.slice(item.start, item.end);
  try {
    const trees = buildYamlTrees(parseEvents(alone, { maxDepth: MAX_DEPTH }), alone, base + lineStart);
    const root = trees[0]?.root;
    if (trees.length === 1 && root && root.start === base + item.start) return root;
  } catch {
    // Read the whole document below.
  }
  return findNode(documentTree(text, document, base), item.path);
}
