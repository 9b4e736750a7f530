import fc from 'fast-check';
import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import { describe, expect, it } from 'vitest';
import { decodeLzUriComponent } from './lzDecode.ts';

describe('capped lz-string decoder for #v1= links', () => {
  it('gives what lz-string gives for any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const encoded = compressToEncodedURIComponent(text);
        expect(decodeLzUriComponent(encoded, 10_000)).toEqual({ ok: true, text });
      }),
      { numRuns: 300 },
    );
  });

  it('never reads a text lz-string would not (garbage is damaged, or the same text)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9+\-$]{0,60}$/), (garbage) => {
        let expected: string | null;
        try {
          expected = decompressFromEncodedURIComponent(garbage);
        } catch {
          expected = null;
        }
        const got = decodeLzUriComponent(garbage, 1_000_000);
        if (got.ok) expect(got.text).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('stops a link that inflates past the cap without building it', () => {
    const bomb = compressToEncodedURIComponent('a'.repeat(300_000));
    expect(bomb.length).toBeLessThan(2_000);
    const started = performance.now();
    expect(decodeLzUriComponent(bomb, 10_000)).toEqual({ ok: false, reason: 'too-large' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
