import { isIpAddress } from './ip.ts';

/** Kubernetes' default cluster domain, istiod's domain suffix unless it is told another. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** Hostname matching as Istio does it (pkg/config/host/name.go). A wildcard host starts with `*`. */
export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** Bidirectional match: either side may be a wildcard covering the other (host.Name.Matches). */
export function hostMatches(a: string, b: string): boolean {
  const aWild = isWildcard(a);
  const bWild = isWildcard(b);
  if (aWild && bWild) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aWild) return b.endsWith(a.slice(1));
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * `a` is covered by `b` (host.Name.SubsetOf): `a.foo.com` ⊆ `*.foo.com`, `*.a.foo.com` ⊆ `*.foo.com`, not the reverse.
 */
export function hostSubsetOf(a: string, b: string): boolean {
  const aWild = isWildcard(a);
  const bWild = isWildcard(b);
  if (aWild && bWild) return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (aWild) return false;
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * Short names expand relative to the config's namespace; names with a dot, `*` and IPs stay (pilot/pkg/model/config.go:
 * ResolveShortnameToFQDN).
 */
export function resolveShortname(host: string, namespace: string, clusterDomain: string): string {
  if (host === '' || host === '*' || isIpAddress(host) || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The most specific key for `host`: the exact key, else the longest wildcard key that covers it
 * (pilot/pkg/model/config.go: MostSpecificHostMatch). The keys that can cover a host are `*` followed by one of its
 * suffixes, so they are looked up longest first instead of reading every key.
 */
export function mostSpecificHostMatch<T>(
  host: string,
  byHost: ReadonlyMap<string, T>,
): { key: string; value: T } | undefined {
  const exact = byHost.get(host);
  if (exact !== undefined && !isWildcard(host)) return { key: host, value: exact };
  // `*` + host covers a plain host; a wildcard host is covered by itself (`*` + its own rest) and shorter wildcards.
  for (let start = isWildcard(host) ? 1 : 0; start <= host.length; start++) {
    const key = `*${host.slice(start)}`;
    if (byHost.has(key)) return { key, value: byHost.get(key) as T };
  }
  return undefined;
}

interface HostEntry<T> {
  host: string;
  item: T;
  order: number;
}

/**
 * Items by host name, answering "which items have a host that matches this one" (host.Name.Matches, either side a
 * wildcard) without reading every item: plain hosts by name and by each `.suffix`, wildcard hosts by what follows the
 * `*` and by each `.suffix` of that. Answers come in the order the items were added.
 */
export class HostIndex<T> {
  private readonly plain = new Map<string, Array<HostEntry<T>>>();
  private readonly plainBySuffix = new Map<string, Array<HostEntry<T>>>();
  private readonly wildcardByRest = new Map<string, Array<HostEntry<T>>>();
  private readonly wildcardBySuffix = new Map<string, Array<HostEntry<T>>>();
  private readonly plainEntries: Array<HostEntry<T>> = [];
  private readonly wildcardEntries: Array<HostEntry<T>> = [];
  /**
   * Wildcards whose rest is neither empty nor starts with a dot (`*foo.com`, which istiod rejects): read one by one.
   */
  private readonly oddWildcards: Array<HostEntry<T>> = [];
  private size = 0;

  add(host: string, item: T): void {
    const entry = { host, item, order: this.size++ };
    if (isWildcard(host)) {
      const rest = host.slice(1);
      this.wildcardEntries.push(entry);
      if (rest !== '' && !rest.startsWith('.')) this.oddWildcards.push(entry);
      else push(this.wildcardByRest, rest, entry);
      for (const suffix of dotSuffixes(rest)) push(this.wildcardBySuffix, suffix, entry);
    } else {
      this.plainEntries.push(entry);
      push(this.plain, host, entry);
      for (const suffix of dotSuffixes(host)) push(this.plainBySuffix, suffix, entry);
    }
  }

  /** Every entry whose host matches `host` (hostMatches), in the order added. */
  matches(host: string): Array<{ host: string; item: T }> {
    const lists: Array<ReadonlyArray<HostEntry<T>>> = [];
    const add = (entries: ReadonlyArray<HostEntry<T>> | undefined) => {
      if (entries && entries.length > 0) lists.push(entries);
    };
    if (!isWildcard(host)) {
      add(this.plain.get(host));
      // A wildcard covers a plain host when what follows its `*` ends the host.
      this.wildcardsEnding(host, add);
    } else {
      const rest = host.slice(1);
      // Plain hosts and longer wildcards that end with the rest; an odd rest (not `.…`, not empty) is checked one by
      // one.
      if (rest === '') {
        add(this.plainEntries);
        add(this.wildcardEntries);
      } else if (!rest.startsWith('.')) {
        add([...this.plainEntries, ...this.wildcardEntries].filter((entry) => hostMatches(entry.host, host)));
      } else {
        add(this.plainBySuffix.get(rest));
        add(this.wildcardBySuffix.get(rest));
      }
      // Shorter (or equal) wildcards whose rest ends this one's.
      this.wildcardsEnding(rest, add);
    }
    const only = lists.length === 1 ? lists[0] : undefined;
    const entries = only ?? [...new Set(lists.flat())].sort((a, b) => a.order - b.order);
    return entries.map(({ host: matched, item }) => ({ host: matched, item }));
  }

  /** Whether any entry's host matches `host`. */
  hasMatch(host: string): boolean {
    return this.plain.has(host) || this.matches(host).length > 0;
  }

  /** The wildcards whose rest (what follows the `*`) ends `name`. */
  private wildcardsEnding(name: string, add: (entries: ReadonlyArray<HostEntry<T>> | undefined) => void): void {
    if (this.wildcardEntries.length === 0) return;
    add(this.wildcardByRest.get(''));
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) add(this.wildcardByRest.get(name.slice(i)));
    add(this.oddWildcards.filter((entry) => name.endsWith(entry.host.slice(1))));
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Every suffix of `name` that starts at a dot, the whole name included when it starts with one. */
function dotSuffixes(name: string): string[] {
  const out: string[] = [];
  for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) out.push(name.slice(i));
  return out;
}
