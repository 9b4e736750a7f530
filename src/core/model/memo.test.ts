import { describe, expect, it } from 'vitest';
import { DerivedCache, derivedFrom } from './memo.ts';

describe('DerivedCache', () => {
  it('builds a value once per object and key', () => {
    const cache = new DerivedCache<object, string, number>();
    const object = {};
    let builds = 0;
    const build = () => ++builds;
    expect(cache.get(object, 'a', build)).toBe(1);
    expect(cache.get(object, 'a', build)).toBe(1);
    expect(cache.get(object, 'b', build)).toBe(2);
    expect(cache.get({}, 'a', build)).toBe(3);
  });

  it('keeps at most `limit` keys per object, dropping the least recently used', () => {
    const cache = new DerivedCache<object, string, string>(2);
    const object = {};
    const built: string[] = [];
    const get = (key: string) => cache.get(object, key, () => (built.push(key), key));
    get('a');
    get('b');
    get('a'); // a is now the most recent
    get('c'); // drops b
    get('a');
    get('b'); // built again
    expect(built).toEqual(['a', 'b', 'c', 'b']);
  });
});

describe('derivedFrom', () => {
  it('builds a value once per object', () => {
    const cache = new WeakMap<object, number>();
    const object = {};
    let builds = 0;
    expect(derivedFrom(cache, object, () => ++builds)).toBe(1);
    expect(derivedFrom(cache, object, () => ++builds)).toBe(1);
  });
});
