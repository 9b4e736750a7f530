import { destinationText, preferredName, type DestinationEnd } from '../../core/index.ts';
import type { RequestInput } from '../../state/scenarioCodec.ts';

/** The namespace of a `namespace/name` pod reference, or undefined for a bare name. */
export function namespaceOf(ref: string | undefined): string | undefined {
  const slash = ref?.indexOf('/') ?? -1;
  return ref && slash > 0 ? ref.slice(0, slash) : undefined;
}

/** A host served at a gateway, asked for from a pod that is not its gateway: the trace must start at the gateway. */
export function arrivesElsewhere(end: DestinationEnd, pod: string | undefined): boolean {
  return end.kind === 'Gateway' && end.gatewaySource !== undefined && !end.gatewayPods.includes(pod ?? '');
}

/**
 * The request a click makes: from `from` (the pod `pod`) to one port of a host, by the shortest name that resolves
 * from the source's namespace. A host served at a gateway is traced from its gateway pod (where such a request
 * arrives). What belonged to the old destination (its port, protocol, path, SNI, address) is cleared; method and
 * headers stay.
 */
export function requestTo(
  end: DestinationEnd,
  port: number | undefined,
  from: string,
  pod: string | undefined,
): Partial<RequestInput> {
  const source = arrivesElsewhere(end, pod) ? (end.gatewaySource ?? from) : from;
  const chosen = end.ports.find((p) => p.port === port) ?? (end.ports.length === 1 ? end.ports[0] : undefined);
  return {
    from: source,
    to: destinationText(preferredName(end, namespaceOf(source)), chosen),
    port: '',
    protocol: '',
    path: '',
    sni: '',
    address: '',
  };
}

/** What a button offering one port of a host says: `reviews:9080 (http)`. */
export function portLabel(end: DestinationEnd, port: number | undefined, from: string | undefined): string {
  const name = preferredName(end, namespaceOf(from));
  const chosen = end.ports.find((p) => p.port === port);
  return chosen ? `${name}:${chosen.port} (${chosen.protocol})` : name;
}

/** Node ids (object-graph ids) → the ends they stand for, built once per list of ends. */
export function endsByObject<T extends { objects: string[] }>(ends: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const end of ends)
    for (const id of end.objects) {
      const list = map.get(id);
      if (list) list.push(end);
      else map.set(id, [end]);
    }
  return map;
}
