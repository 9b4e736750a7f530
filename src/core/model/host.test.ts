import { describe, expect, it } from 'vitest';
import { HostIndex, hostMatches, hostSubsetOf, isWildcard, mostSpecificHostMatch } from './host.ts';

// Plain names, wildcards at several depths, `*`, and odd wildcards istiod would reject (`*foo.com`).
const hosts = [
  'reviews.default.svc.cluster.local',
  'ratings.default.svc.cluster.local',
  '*.default.svc.cluster.local',
  '*.svc.cluster.local',
  '*.cluster.local',
  'api.example.com',
  'example.com',
  '*.example.com',
  '*.api.example.com',
  '*example.com',
  'myexample.com',
  '*',
  '.odd.com',
  '*.odd.com',
];

describe('mostSpecificHostMatch', () => {
  /** The rule read directly: the exact key, else the longest wildcard key that covers the host. */
  const byScan = (host: string, keys: readonly string[]): string | undefined => {
    if (!isWildcard(host) && keys.includes(host)) return host;
    let best: string | undefined;
    for (const key of keys) {
      if (!isWildcard(key) && key !== host) continue;
      if (!hostSubsetOf(host, key) && key !== host) continue;
      if (best === undefined || key.length > best.length) best = key;
    }
    return best;
  };

  it('finds the exact key, else the longest covering wildcard', () => {
    const map = new Map(hosts.map((h) => [h, h]));
    expect(mostSpecificHostMatch('reviews.default.svc.cluster.local', map)?.key).toBe(
      'reviews.default.svc.cluster.local',
    );
    expect(mostSpecificHostMatch('details.default.svc.cluster.local', map)?.key).toBe('*.default.svc.cluster.local');
    expect(mostSpecificHostMatch('x.api.example.com', map)?.key).toBe('*.api.example.com');
    expect(mostSpecificHostMatch('*.a.default.svc.cluster.local', map)?.key).toBe('*.default.svc.cluster.local');
    expect(mostSpecificHostMatch('other.org', new Map([['a.org', 1]]))).toBeUndefined();
  });

  it('agrees with reading every key, for every query and key set', () => {
    const queries = [...hosts, 'details.default.svc.cluster.local', 'x.y.example.com', 'other.org', '*.x.odd.com'];
    for (let mask = 1; mask < 1 << 6; mask++) {
      const keys = hosts.filter((_, i) => (mask >> (i % 6)) & 1 && i % 2 === mask % 2);
      const map = new Map(keys.map((k) => [k, k]));
      for (const query of queries) expect(mostSpecificHostMatch(query, map)?.key).toBe(byScan(query, keys));
    }
  });
});

describe('HostIndex', () => {
  it('answers which hosts match, either side a wildcard, in the order added', () => {
    const index = new HostIndex<number>();
    hosts.forEach((host, i) => index.add(host, i));
    const queries = [...hosts, 'details.default.svc.cluster.local', 'x.y.example.com', 'other.org', '*.x.odd.com', ''];
    for (const query of queries) {
      const expected = hosts.flatMap((host, i) => (hostMatches(host, query) ? [{ host, item: i }] : []));
      expect(index.matches(query)).toEqual(expected);
    }
  });

  it('keeps every item of a host, including repeated hosts', () => {
    const index = new HostIndex<string>();
    index.add('*.example.com', 'first');
    index.add('api.example.com', 'second');
    index.add('*.example.com', 'third');
    expect(index.matches('api.example.com').map((m) => m.item)).toEqual(['first', 'second', 'third']);
    expect(index.matches('*.com').map((m) => m.item)).toEqual(['first', 'second', 'third']);
  });
});
