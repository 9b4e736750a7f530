import { describe, expect, it } from 'vitest';
import { decodeInPieces } from './files.ts';

describe('decoding an uploaded file in pieces', () => {
  it('gives what decoding all at once gives: a BOM dropped, characters cut at a piece end kept whole', async () => {
    const text = '\uFEFFapiVersion: v1\n' + 'description: "é ✓ 😀"\n'.repeat(8);
    const bytes = new TextEncoder().encode(text);
    for (const piece of [2, 3, 5, 7, 64]) expect(await decodeInPieces(bytes, piece)).toBe(text.slice(1));
  });

  it('turns bytes that are not UTF-8 into U+FFFD as a one-go decoding does, wherever the pieces end', async () => {
    const bytes = new Uint8Array([0x61, 0xe2, 0x82, 0x0a, 0xff, 0x62, 0xf0, 0x9f, 0x98, 0x80, 0xc3]);
    const once = new TextDecoder().decode(bytes);
    expect(once).toContain('\uFFFD');
    for (const piece of [1, 2, 3, 4]) expect(await decodeInPieces(bytes, piece)).toBe(once);
  });
});
