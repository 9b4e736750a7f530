import { describe, expect, it } from 'vitest';
import { findInvalidUtf8, invalidUtf8Diagnostics } from './utf8.ts';

const bytesOf = (...parts: Array<string | readonly number[]>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('bytes that are not UTF-8', () => {
  it('are found where the decoder writes U+FFFD, across every kind of bad sequence', () => {
    const cases = [
      bytesOf('a: caf', [0xe9], '\n'), // Latin-1 é
      bytesOf('x: ', [0xe2, 0x82], 'y\n'), // truncated 3-byte sequence
      bytesOf('😀 ', [0xc0, 0xaf], ' ', [0xed, 0xa0, 0x80], ' ', [0xf4, 0x90, 0x80, 0x80], ' ', [0xff]),
      bytesOf([0xef, 0xbb, 0xbf], 'bom: ', [0x80], 'é', [0xf0, 0x9f, 0x98]), // BOM, lone continuation, cut at the end
      bytesOf('plain ascii and é and 😀'),
    ];
    for (const bytes of cases) {
      const text = new TextDecoder().decode(bytes);
      const expected = [...text.matchAll(/\uFFFD/g)].map((m) => m.index);
      expect(findInvalidUtf8(bytes).map((r) => r.offset)).toEqual(expected);
    }
  });

  it('are reported at their line and column, naming the bytes', () => {
    const bytes = bytesOf(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf',
      [0xe9],
      '\ndata:\n  k: ',
      [0xe2, 0x82],
    );
    const text = new TextDecoder().decode(bytes);
    const found = invalidUtf8Diagnostics('shop.yaml', bytes, text);
    expect(found.map((d) => `${d.file}:${d.range.start.line}:${d.range.start.column} ${d.code}`)).toEqual([
      'shop.yaml:4:12 INVALID_UTF8',
      'shop.yaml:6:6 INVALID_UTF8',
    ]);
    expect(found[0]?.message).toMatch(/^Byte 0xE9 here is not UTF-8 .*kubectl refuses the file/);
    expect(found[1]?.message).toMatch(/^Bytes 0xE2 0x82 here are not UTF-8/);
    // A U+FFFD the user wrote (valid UTF-8) is not a problem.
    const written = bytesOf('a: \uFFFD\n');
    expect(invalidUtf8Diagnostics('a', written, new TextDecoder().decode(written))).toEqual([]);
  });

  it('are reported ten times at most, the last saying how many more', () => {
    const bytes = bytesOf(...Array.from({ length: 25 }, () => ['x', [0xff]] as const).flat());
    const found = invalidUtf8Diagnostics('a', bytes, new TextDecoder().decode(bytes));
    expect(found).toHaveLength(10);
    expect(found[9]?.message).toContain('15 more such places follow.');
  });
});
