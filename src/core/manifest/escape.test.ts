import { describe, expect, it } from 'vitest';
import { analyze, traceRequest } from '../index.ts';
import { escapeInvisible } from './escape.ts';

describe('escapeInvisible', () => {
  it('writes out bidi controls, zero-width characters and control characters, and nothing else', () => {
    expect(escapeInvisible('a\u202Eb\u2066c\u200Bd\u200De\uFEFFf\u0007g\u00ADh')).toBe(
      'a\\u202Eb\\u2066c\\u200Bd\\u200De\\uFEFFf\\u0007g\\u00ADh',
    );
    expect(escapeInvisible('tab\tand\nline, café, 日本, 😀, \uFFFD')).toBe('tab\tand\nline, café, 日本, 😀, \uFFFD');
  });

  it('is applied to every diagnostic message and every step word of a trace', () => {
    const name = 'web\u202Etxt';
    const analysis = analyze([
      {
        name: 'a.yaml',
        text:
          'apiVersion: v1\nkind: Pod\nmetadata:\n  name: sleep\n  labels: {app: sleep}\n' +
          '  annotations: {sidecar.istio.io/status: "{}"}\nspec:\n  containers: [{name: c, image: x}]\n---\n' +
          `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: "${name}"}\n` +
          `spec:\n  hosts: ["h\u200Bost.example.com"]\n  http: [{route: [{destination: {host: "nowhere\u2067"}}]}]\n`,
      },
    ]);
    const messages = analysis.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toContain('\\u');
    expect(messages).not.toMatch(/[\u202E\u200B\u2067]/);
    const result = traceRequest(analysis, { from: 'sleep', to: 'http://h\u200Bost.example.com/' });
    if (!result.ok) throw new Error(result.reason);
    const words = result.trace.steps.flatMap((s) => [s.title, s.detail, ...(s.alternatives ?? [])]).join('\n');
    expect(words).toContain('h\\u200Bost.example.com');
    expect(words).not.toMatch(/[\u202E\u200B\u2067]/);
    // The facts keep the names as written: only the words are escaped.
    expect(JSON.stringify(result.trace.steps.map((s) => s.fact))).toContain('h\u200Bost.example.com');
  });
});
