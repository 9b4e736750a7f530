import { parseDestination } from '../simulate/request.ts';
import type { DestinationEnd, DestinationPort } from './ends.ts';

/** One line of the Destination field's suggestions: the text it fills in, and what it is. */
export interface DestinationSuggestion {
  /** What the Destination field gets, e.g. `http://reviews:9080/` or `db.corp.internal:5432`. */
  text: string;
  /** The name matched, without scheme or port. */
  name: string;
  hint: string;
  /** The index of the end in the list it came from. */
  end: number;
  port: number | undefined;
}

/**
 * The text a client would dial for one name and port: a URL for HTTP (and gRPC, HTTPS) ports, so the field reads as
 * the request will be made; `name:port` otherwise, the protocol then coming from the Service's port.
 */
export function destinationText(name: string, port: DestinationPort | undefined): string {
  if (!port) return name;
  switch (port.protocol) {
    case 'http':
      return port.port === 80 ? `http://${name}/` : `http://${name}:${port.port}/`;
    case 'https':
      return port.port === 443 ? `https://${name}/` : `https://${name}:${port.port}/`;
    case 'grpc':
      return `grpc://${name}:${port.port}`;
    default:
      return `${name}:${port.port}`;
  }
}

/**
 * The names a client in `sourceNamespace` can dial: a Service's short name resolves only inside its own namespace (the
 * pod's DNS search path), so short names of other namespaces are left out. One entry per name.
 */
export function dialableNames(
  ends: readonly DestinationEnd[],
  sourceNamespace: string | undefined,
): Array<{ name: string; end: number }> {
  const out: Array<{ name: string; end: number }> = [];
  ends.forEach((end, index) => {
    end.names.forEach((name, i) => {
      const short = end.kind === 'Service' && i === 0;
      if (short && sourceNamespace !== undefined && end.namespace !== sourceNamespace) return;
      out.push({ name, end: index });
    });
  });
  return out;
}

/** The name a click on a host should use from a pod of `sourceNamespace`: the shortest one that resolves from there. */
export function preferredName(end: DestinationEnd, sourceNamespace: string | undefined): string {
  if (end.kind !== 'Service') return end.names[0] ?? '';
  return (end.namespace === sourceNamespace ? end.names[0] : end.names[1]) ?? end.names[0] ?? '';
}

/** One port of an end, in the words of its hint: `Service shop/reviews · 9080 http`. */
export function portHint(end: DestinationEnd, port: DestinationPort): string {
  const via = end.kind === 'Gateway' && end.gatewayPods[0] ? ` · arrives at ${end.gatewayPods[0]}` : '';
  return `${end.label} · ${port.port} ${port.protocol}${via}`;
}

/** The host part of what a user typed: `http://rev` → `rev`, `reviews:90` → `reviews`. */
function hostOfQuery(query: string): string {
  const trimmed = query.trim().toLowerCase();
  if (trimmed === '') return '';
  return parseDestination(trimmed).host || trimmed;
}

/**
 * Filters names as the user types. Each call with a longer query (one the last query starts) reads only what the last
 * call matched, so typing stays fast on thousands of names; at most `limit` suggestions come back, names that start
 * with the query first, then names that contain it.
 */
export class DestinationFilter {
  private last: { query: string; matches: Array<{ name: string; end: number }> } | undefined;

  constructor(
    private readonly ends: readonly DestinationEnd[],
    private readonly names: ReadonlyArray<{ name: string; end: number }>,
  ) {}

  /** How many names the last call had to read (for tests of the incremental filtering). */
  scanned = 0;

  /** `total`: how many names match; `truncated`: some matching lines were left out for the limit. */
  suggest(query: string, limit = 50): { suggestions: DestinationSuggestion[]; total: number; truncated: boolean } {
    const host = hostOfQuery(query);
    const pool = this.last && host.startsWith(this.last.query) ? this.last.matches : this.names;
    this.scanned = pool.length;
    const matches = host === '' ? [...pool] : pool.filter((n) => n.name.includes(host));
    this.last = { query: host, matches };
    const ranked =
      host === ''
        ? matches
        : [...matches.filter((n) => n.name.startsWith(host)), ...matches.filter((n) => !n.name.startsWith(host))];
    const suggestions: DestinationSuggestion[] = [];
    let truncated = false;
    for (const { name, end: index } of ranked) {
      const end = this.ends[index];
      if (!end) continue;
      const ports: Array<DestinationPort | undefined> = end.ports.length > 0 ? end.ports : [undefined];
      for (const port of ports) {
        if (suggestions.length >= limit) {
          truncated = true;
          break;
        }
        suggestions.push({
          text: destinationText(name, port),
          name,
          hint: port ? portHint(end, port) : end.hint,
          end: index,
          port: port?.port,
        });
      }
      if (truncated) break;
    }
    return { suggestions, total: matches.length, truncated };
  }
}
