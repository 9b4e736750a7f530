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

/** `a` is covered by `b` (host.Name.SubsetOf): `a.foo.com` ⊆ `*.foo.com`, `*.a.foo.com` ⊆ `*.foo.com`, not the reverse. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aWild = isWildcard(a);
  const bWild = isWildcard(b);
  if (aWild && bWild) return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
  if (aWild) return false;
  if (bWild) return a.endsWith(b.slice(1));
  return a === b;
}

/** Short names expand relative to the config's namespace; names with a dot, `*` and IPs stay (pilot/pkg/model/config.go: ResolveShortnameToFQDN). */
export function resolveShortname(host: string, namespace: string, clusterDomain: string): string {
  if (host === '' || host === '*' || isIpAddress(host) || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${clusterDomain}`;
}

/**
 * The most specific key for `host`: the exact key, else the longest wildcard key that covers it
 * (pilot/pkg/model/config.go: MostSpecificHostMatch).
 */
export function mostSpecificHostMatch<T>(
  host: string,
  byHost: ReadonlyMap<string, T>,
): { key: string; value: T } | undefined {
  const exact = byHost.get(host);
  if (exact !== undefined && !isWildcard(host)) return { key: host, value: exact };
  let best: { key: string; value: T } | undefined;
  for (const [key, value] of byHost) {
    if (!isWildcard(key) && key !== host) continue;
    if (!hostSubsetOf(host, key) && key !== host) continue;
    if (!best || key.length > best.key.length) best = { key, value };
  }
  return best;
}
