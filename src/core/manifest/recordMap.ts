/**
 * A read-only map over a parsed mapping whose values are all strings (labels, annotations, selectors), read in place:
 * the analysis of a 20,000-object export keeps tens of thousands of these, and a `Map` copy costs about ten times the
 * memory of this view. Keys and their order are the mapping's own keys (`Object.keys`), as a `Map` filled from them
 * would have; only own properties are read, so a key named `constructor` or `__proto__` is just a key.
 */
export class RecordMap implements ReadonlyMap<string, string> {
  readonly size: number;

  private constructor(private readonly record: Readonly<Record<string, string>>) {
    this.size = Object.keys(record).length;
  }

  /** A view of `record` when each of its values is a string; undefined otherwise. */
  static over(record: Readonly<Record<string, unknown>>): RecordMap | undefined {
    for (const key in record) if (Object.hasOwn(record, key) && typeof record[key] !== 'string') return undefined;
    return new RecordMap(record as Readonly<Record<string, string>>);
  }

  get(key: string): string | undefined {
    return Object.hasOwn(this.record, key) ? this.record[key] : undefined;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.record, key);
  }

  keys(): MapIterator<string> {
    return Object.keys(this.record)[Symbol.iterator]();
  }

  values(): MapIterator<string> {
    return Object.values(this.record)[Symbol.iterator]();
  }

  entries(): MapIterator<[string, string]> {
    return Object.entries(this.record)[Symbol.iterator]();
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void, thisArg?: unknown): void {
    for (const [key, value] of Object.entries(this.record)) callback.call(thisArg, value, key, this);
  }

  /** As JSON, a map is the mapping it reads (what `--json` prints for labels). */
  toJSON(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.record));
  }
}

/** The map with no entries, shared by every object that has none. */
export const EMPTY_STRING_MAP: ReadonlyMap<string, string> = new Map();
