import { describe, expect, it } from 'vitest';
import { analyze } from '../index.ts';
import { RecordMap } from './recordMap.ts';

describe('RecordMap', () => {
  it('reads a mapping of strings as a Map filled from its keys would, own keys only', () => {
    const record = JSON.parse('{"b": "2", "10": "ten", "constructor": "c", "__proto__": "p", "a": "1"}') as Record<
      string,
      unknown
    >;
    const view = RecordMap.over(record);
    const copy = new Map(Object.keys(record).map((key) => [key, record[key] as string]));
    expect(view).toBeDefined();
    if (!view) return;
    expect([...view]).toEqual([...copy]);
    expect([...view.keys()]).toEqual([...copy.keys()]);
    expect([...view.values()]).toEqual([...copy.values()]);
    expect(view.size).toBe(5);
    expect(view.get('constructor')).toBe('c');
    expect(view.get('__proto__')).toBe('p');
    expect(view.get('toString')).toBeUndefined();
    expect(view.has('hasOwnProperty')).toBe(false);
    const seen: string[] = [];
    view.forEach((value, key) => seen.push(`${key}=${value}`));
    expect(seen).toEqual([...copy].map(([key, value]) => `${key}=${value}`));
    expect(JSON.stringify(view)).toBe(JSON.stringify(Object.fromEntries(copy)));
  });

  it('is not made for a mapping holding a value that is not a string', () => {
    expect(RecordMap.over({ a: 'x', b: 1 })).toBeUndefined();
    expect(RecordMap.over({ a: 'x', b: null })).toBeUndefined();
  });

  it('leaves a label that is not a string out of the model, with a diagnostic, and keeps the others', () => {
    const analysis = analyze([
      {
        name: 'pods.yaml',
        text: [
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          '  name: web',
          '  namespace: shop',
          '  labels:',
          '    app: web',
          '    tier: 3',
          'spec:',
          '  containers:',
          '  - name: web',
          '    image: web:1',
        ].join('\n'),
      },
    ]);
    const pod = analysis.model.pods.find((p) => p.name === 'web');
    expect(pod && [...pod.labels]).toEqual([['app', 'web']]);
    const problem = analysis.diagnostics.find((d) => d.range.start.line === 8);
    expect(problem?.severity).toBe('error');
  });
});
