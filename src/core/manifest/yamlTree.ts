import { EVENT_ID, getScalarValue, type Event } from 'js-yaml';

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
