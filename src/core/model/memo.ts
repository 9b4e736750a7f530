/**
 * Values derived from an object and a second key, kept as long as the object lives. The mesh model and what is built
 * from it are never changed after they are made, so a result computed once per model (registry, scope inputs, a proxy's
 * config) serves every later request on the same model.
 */
export class DerivedCache<K extends object, S, V> {
  private readonly byObject = new WeakMap<K, Map<S, V>>();

  /** `limit`: how many keys one object keeps, the least recently used dropped first. */
  constructor(private readonly limit = Infinity) {}

  get(object: K, key: S, build: () => V): V {
    let byKey = this.byObject.get(object);
    if (!byKey) {
      byKey = new Map();
      this.byObject.set(object, byKey);
    }
    if (byKey.has(key)) {
      const value = byKey.get(key) as V;
      byKey.delete(key);
      byKey.set(key, value);
      return value;
    }
    const value = build();
    byKey.set(key, value);
    if (byKey.size > this.limit) byKey.delete(byKey.keys().next().value as S);
    return value;
  }
}

/** A value derived from one object alone, computed on first use and kept as long as the object lives. */
export function derivedFrom<K extends object, V>(cache: WeakMap<K, V>, object: K, build: (object: K) => V): V {
  if (cache.has(object)) return cache.get(object) as V;
  const value = build(object);
  cache.set(object, value);
  return value;
}
