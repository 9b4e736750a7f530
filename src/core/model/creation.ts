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
  const keyed = objects.map((object, position) => ({ object, position, time: creationTime(object) }));
  keyed.sort(
    (a, b) =>
      compareCreationTimes(a.time, b.time) ||
      compare(a.object.name, b.object.name) ||
      compare(a.object.namespace ?? '', b.object.namespace ?? '') ||
      a.position - b.position,
  );
  return new Map(keyed.map((k, rank) => [k.object, rank]));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
