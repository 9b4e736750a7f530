import { describe, expect, it } from 'vitest';
import { LabelIndex, labelIndexByNamespace, selectorMatches, type LabelSelector } from './labels.ts';

interface Item {
  name: string;
  namespace: string;
  labels: Map<string, string>;
}

const item = (name: string, namespace: string, labels: Record<string, string>): Item => ({
  name,
  namespace,
  labels: new Map(Object.entries(labels)),
});

const items = [
  item('a', 'x', { app: 'web', version: 'v1' }),
  item('b', 'x', { app: 'web', version: 'v2' }),
  item('c', 'y', { app: 'web', tier: 'front' }),
  item('d', 'x', { app: 'db' }),
  item('e', 'x', {}),
];

const selector = (
  matchLabels: Record<string, string>,
  matchExpressions: LabelSelector['matchExpressions'] = [],
): LabelSelector => ({ matchLabels: new Map(Object.entries(matchLabels)), matchExpressions });

describe('LabelIndex', () => {
  const index = new LabelIndex(items, (i) => i.labels);
  const names = (list: Item[]) => list.map((i) => i.name);

  it('selects by matchLabels in the order the items were given', () => {
    expect(names(index.matching(new Map([['app', 'web']])))).toEqual(['a', 'b', 'c']);
    expect(names(index.select(selector({ app: 'web', version: 'v2' })))).toEqual(['b']);
    expect(names(index.select(selector({ app: 'none' })))).toEqual([]);
  });

  it('an empty selector selects every item', () => {
    expect(names(index.select(selector({})))).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(names(index.matching(new Map()))).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('applies matchExpressions like a scan does', () => {
    const cases: LabelSelector[] = [
      selector({}, [{ key: 'version', operator: 'In', values: ['v2', 'v1'] }]),
      selector({}, [{ key: 'version', operator: 'In', values: [] }]),
      selector({ app: 'web' }, [{ key: 'version', operator: 'NotIn', values: ['v1'] }]),
      selector({}, [{ key: 'tier', operator: 'Exists', values: [] }]),
      selector({}, [{ key: 'app', operator: 'DoesNotExist', values: [] }]),
      selector({}, [{ key: 'app', operator: 'Gt', values: ['1'] }]),
    ];
    for (const s of cases)
      expect(names(index.select(s))).toEqual(names(items.filter((i) => selectorMatches(s, i.labels))));
  });

  it('keeps separate label indexes per namespace', () => {
    const inNamespace = labelIndexByNamespace(
      items,
      (i) => i.namespace,
      (i) => i.labels,
    );
    expect(names(inNamespace('x').matching(new Map([['app', 'web']])))).toEqual(['a', 'b']);
    expect(names(inNamespace('y').matching(new Map([['app', 'web']])))).toEqual(['c']);
    expect(names(inNamespace('z').matching(new Map()))).toEqual([]);
  });
});
