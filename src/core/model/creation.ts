import { field, stringField, type ManifestObject } from '../manifest/parse.ts';

/** metadata.creationTimestamp in milliseconds, undefined when not written (or not a time). */
export function creationTime(object: ManifestObject): number | undefined {
  const written = stringField(field(object.value, 'metadata'), 'creationTimestamp');
  const time = written === undefined ? Number.NaN : Date.parse(written);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Older (< 0), newer (> 0) or created in the same second (0). An object without a creation time is being applied now,
 * with the others that have none: newer than any that has one and, as timestamps are kept in seconds, of the same
 * second as the rest (a file applied with kubectl gives them all one second).
 */
export function compareCreationTimes(a: number | undefined, b: number | undefined): number {
  if ((a === undefined) !== (b === undefined)) return a === undefined ? 1 : -1;
  return (a ?? 0) - (b ?? 0);
}

/**
 * Where each object stands in "oldest first", the order istiod uses wherever config competes (the first
 * VirtualService for a host, the oldest Sidecar, ...): by metadata.creationTimestamp, equal times by name then
 * namespace (pilot/pkg/model/config.go: configCompareByCreationTime). Objects without a creation time tie on time
 * (compareCreationTimes), so name then namespace orders them too.
 */
export function creationOrder(objects: readonly ManifestObject[]): Map<ManifestObject, number> {
  const ranks = reuseRanks(objects) ?? rankByCreation(objects);
  ranksOf.set(objects, { values: objects.map((object) => object.value), ranks });
  lastObjects = new WeakRef(objects);
  const order = new Map<ManifestObject, number>();
  objects.forEach((object, position) => order.set(object, ranks[position] ?? -1));
  return order;
}

/** Each position's rank in "oldest first". */
function rankByCreation(objects: readonly ManifestObject[]): Int32Array {
  const keyed = objects.map((object, position) => ({ object, position, time: creationTime(object) }));
  keyed.sort(
    (a, b) =>
      compareCreationTimes(a.time, b.time) ||
      compare(a.object.name, b.object.name) ||
      compare(a.object.namespace ?? '', b.object.namespace ?? '') ||
      a.position - b.position,
  );
  const ranks = new Int32Array(objects.length);
  keyed.forEach((k, rank) => (ranks[k.position] = rank));
  return ranks;
}

/**
 * The order last worked out, by position, kept as long as its objects are. An edit changes few objects and, mostly,
 * none of their names or creation times: then every position keeps its rank and the sort (which read every object's
 * creation time) is not redone.
 */
const ranksOf = new WeakMap<readonly ManifestObject[], { values: readonly unknown[]; ranks: Int32Array }>();
let lastObjects: WeakRef<readonly ManifestObject[]> | undefined;

/** The most objects an edit may have changed for the order to be checked and kept instead of worked out again. */
const REUSE_LIMIT = 256;

/** Forgets the order last worked out (for measuring, or checking, a first read). */
export function forgetLastOrder(): void {
  lastObjects = undefined;
}

function reuseRanks(objects: readonly ManifestObject[]): Int32Array | undefined {
  const before = lastObjects?.deref();
  const last = before && ranksOf.get(before);
  if (!before || !last || before.length !== objects.length) return undefined;
  const { values, ranks } = last;
  let changed = 0;
  for (let position = 0; position < objects.length; position++) {
    const object = objects[position] as ManifestObject;
    if (object.value === values[position]) continue;
    if (++changed > REUSE_LIMIT) return undefined;
    const old = before[position] as ManifestObject;
    if (old.name !== object.name || old.namespace !== object.namespace || creationTime(old) !== creationTime(object))
      return undefined;
  }
  return ranks;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
