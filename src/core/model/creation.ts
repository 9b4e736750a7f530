import { field, stringField, type ManifestObject } from '../manifest/parse.ts';

/**
 * Where each object stands in "oldest first", the order istiod uses wherever config competes (the first
 * VirtualService for a host, the oldest Sidecar, ...): by metadata.creationTimestamp, equal times by name then
 * namespace (pilot/pkg/model/config.go: configCompareByCreationTime). An object without a creation time is one being
 * applied now: newer than any that has one, in input order.
 */
export function creationOrder(objects: readonly ManifestObject[]): Map<ManifestObject, number> {
  const keyed = objects.map((object, position) => {
    const written = stringField(field(object.value, 'metadata'), 'creationTimestamp');
    const time = written === undefined ? Number.NaN : Date.parse(written);
    return { object, position, time: Number.isNaN(time) ? undefined : time };
  });
  keyed.sort((a, b) => {
    if (a.time === undefined || b.time === undefined)
      return a.time === b.time ? a.position - b.position : a.time === undefined ? 1 : -1;
    return (
      a.time - b.time ||
      compare(a.object.name, b.object.name) ||
      compare(a.object.namespace ?? '', b.object.namespace ?? '') ||
      a.position - b.position
    );
  });
  return new Map(keyed.map((k, rank) => [k.object, rank]));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
