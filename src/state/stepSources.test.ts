import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../core/index.ts';
import { decidingSources } from './stepSources.ts';

const text = readFileSync(new URL('../../fixtures/scenarios/bookinfo/manifests.yaml', import.meta.url), 'utf8');
const files = [{ name: 'bookinfo.yaml', text }];
const lineOf = (needle: string) => text.split('\n').findIndex((l) => l === needle) + 1;

function routeSources(headers: Record<string, string>) {
  const analysis = analyze(files);
  const result = traceRequest(analysis, { from: 'bookinfo/productpage-v1', to: 'http://reviews:9080/', headers });
  if (!result.ok) throw new Error(result.reason);
  const step = result.trace.steps.find((s) => s.kind === 'route');
  if (!step) throw new Error('no route step');
  return decidingSources(step, files, analysis.objects);
}

describe('the source a click on a route step shows', () => {
  it('is the http rule and match that decided it, not the whole VirtualService', () => {
    const [jason] = routeSources({ 'end-user': 'jason' });
    expect(jason?.field).toBe('http[0].match[0]');
    expect(jason?.source.range.start.line).toBe(lineOf('    - headers:'));
    const [shift] = routeSources({});
    expect(shift?.field).toBe('http[1]');
    expect(shift?.source.range.start.line).toBe(lineOf('  - name: shift'));
    const object = analyze(files).objects.find((o) => o.kind === 'VirtualService' && o.name === 'reviews');
    expect(shift?.source.range.end.line).toBeLessThanOrEqual(object?.range.end.line ?? 0);
    expect(shift?.source.range.start.line).toBeGreaterThan(object?.range.start.line ?? Infinity);
  });
});
