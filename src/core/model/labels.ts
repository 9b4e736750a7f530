import { field, isRecord } from '../manifest/parse.ts';

/**
 * A Kubernetes label selector (matchLabels and matchExpressions), as workloads, Services and Istio's workloadSelector
 * use it (k8s.io/apimachinery/pkg/apis/meta/v1: LabelSelectorAsSelector).
 */
export interface LabelSelector {
  matchLabels: Map<string, string>;
  matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
}

export function toStringMap(value: unknown): Map<string, string> {
  const result = new Map<string, string>();
  if (!isRecord(value)) return result;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (typeof item === 'string') result.set(key, item);
  }
  return result;
}

export function readLabelSelector(value: unknown): LabelSelector {
  const matchExpressions: LabelSelector['matchExpressions'] = [];
  const expressions = field(value, 'matchExpressions');
  if (Array.isArray(expressions)) {
    for (const expression of expressions) {
      const key = field(expression, 'key');
      const operator = field(expression, 'operator');
      const values = field(expression, 'values');
      if (typeof key === 'string' && typeof operator === 'string') {
        matchExpressions.push({
          key,
          operator,
          values: Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [],
        });
      }
    }
  }
  return { matchLabels: toStringMap(field(value, 'matchLabels')), matchExpressions };
}

/** True when every label in `selector` is on `labels` with the same value. An empty selector matches everything. */
export function labelsMatch(selector: ReadonlyMap<string, string>, labels: ReadonlyMap<string, string>): boolean {
  for (const [key, value] of selector) if (labels.get(key) !== value) return false;
  return true;
}

export function selectorMatches(selector: LabelSelector, labels: ReadonlyMap<string, string>): boolean {
  if (!labelsMatch(selector.matchLabels, labels)) return false;
  return selector.matchExpressions.every(({ key, operator, values }) => {
    const value = labels.get(key);
    switch (operator) {
      case 'In':
        return value !== undefined && values.includes(value);
      case 'NotIn':
        return value === undefined || !values.includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

export function selectorIsEmpty(selector: LabelSelector): boolean {
  return selector.matchLabels.size === 0 && selector.matchExpressions.length === 0;
}

/**
 * Items by their labels, so that a selector reads only the items carrying one of its labels instead of every item: an
 * inverted index from each label key, then each value, to the positions of the items that carry it. Keyed by the
 * strings as read (no `key=value` string is made per label: at 20,000 objects those were most of the index's memory).
 */
export class LabelIndex<T> {
  private readonly items: T[];
  private readonly labels: Array<ReadonlyMap<string, string>>;
  private readonly byLabel = new Map<string, Map<string, number[]>>();
  /** Positions by label key alone, built on the first `Exists` (most selectors never ask). */
  private keys: Map<string, number[]> | undefined;

  constructor(items: Iterable<T>, labelsOf: (item: T) => ReadonlyMap<string, string>) {
    this.items = [...items];
    const labels: Array<ReadonlyMap<string, string>> = new Array(this.items.length);
    for (let position = 0; position < this.items.length; position++) {
      const itemLabels = labelsOf(this.items[position] as T);
      labels[position] = itemLabels;
      itemLabels.forEach((value, key) => {
        let values = this.byLabel.get(key);
        if (!values) this.byLabel.set(key, (values = new Map()));
        append(values, value, position);
      });
    }
    this.labels = labels;
  }

  private get byKey(): Map<string, number[]> {
    if (!this.keys) {
      const keys = new Map<string, number[]>();
      this.labels.forEach((labels, position) => {
        for (const key of labels.keys()) append(keys, key, position);
      });
      this.keys = keys;
    }
    return this.keys;
  }

  /** The items `selector` selects, in the order they were given; an empty selector selects every item. */
  select(selector: LabelSelector): T[] {
    return this.pick(this.candidates(selector.matchLabels, selector.matchExpressions), (labels) =>
      selectorMatches(selector, labels),
    );
  }

  /** The items that carry every label of `labels` (equality-based selection); an empty map selects every item. */
  matching(labels: ReadonlyMap<string, string>): T[] {
    return this.pick(this.candidates(labels, []), (itemLabels) => labelsMatch(labels, itemLabels));
  }

  private positionsOf(key: string, value: string): readonly number[] {
    return this.byLabel.get(key)?.get(value) ?? NONE;
  }

  /** The shortest position list one term of the selector narrows to; undefined when no term narrows. */
  private candidates(
    matchLabels: ReadonlyMap<string, string>,
    matchExpressions: LabelSelector['matchExpressions'],
  ): readonly number[] | undefined {
    let best: readonly number[] | undefined;
    for (const [key, value] of matchLabels) {
      const positions = this.positionsOf(key, value);
      if (!best || positions.length < best.length) best = positions;
    }
    for (const { key, operator, values } of matchExpressions) {
      let positions: readonly number[] | undefined;
      if (operator === 'Exists') positions = this.byKey.get(key) ?? NONE;
      else if (operator === 'In') {
        const union = new Set<number>();
        for (const value of values) for (const position of this.positionsOf(key, value)) union.add(position);
        positions = [...union].sort((a, b) => a - b);
      }
      if (positions && (!best || positions.length < best.length)) best = positions;
    }
    return best;
  }

  private pick(positions: readonly number[] | undefined, test: (labels: ReadonlyMap<string, string>) => boolean): T[] {
    const out: T[] = [];
    if (positions === undefined) {
      this.items.forEach((item, position) => {
        if (test(this.labels[position] ?? new Map())) out.push(item);
      });
      return out;
    }
    for (const position of positions) {
      const item = this.items[position];
      if (item !== undefined && test(this.labels[position] ?? new Map())) out.push(item);
    }
    return out;
  }
}

const NONE: readonly number[] = [];

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** One label index per namespace, for selectors that pick only in their own namespace. */
export function labelIndexByNamespace<T>(
  items: Iterable<T>,
  namespaceOf: (item: T) => string | undefined,
  labelsOf: (item: T) => ReadonlyMap<string, string>,
): (namespace: string | undefined) => LabelIndex<T> {
  const grouped = new Map<string | undefined, T[]>();
  for (const item of items) append(grouped, namespaceOf(item), item);
  const indexes = new Map<string | undefined, LabelIndex<T>>();
  const empty = new LabelIndex<T>([], labelsOf);
  return (namespace) => {
    let index = indexes.get(namespace);
    if (!index) {
      const list = grouped.get(namespace);
      if (!list) return empty;
      index = new LabelIndex(list, labelsOf);
      indexes.set(namespace, index);
    }
    return index;
  };
}
