import { describe, expect, it } from 'vitest';
import { describeSize, pieceEnd } from './largeText.ts';

/** The pieces a text is cut into, as the editor puts them in. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let from = 0; from < text.length;) {
    const end = pieceEnd(text, from, size);
    expect(end).toBeGreaterThan(from);
    out.push(text.slice(from, end));
    from = end;
  }
  return out;
}

describe('cutting a large text into pieces for the editor', () => {
  it('gives back the text unchanged, each piece ending after a line break, CRLF pairs whole', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}: ${'x'.repeat(i % 37)}`).join('\r\n') + '\r\n';
    const cut = pieces(text, 200);
    expect(cut.join('')).toBe(text);
    expect(cut.length).toBeGreaterThan(10);
    for (const piece of cut.slice(0, -1)) expect(piece.endsWith('\r\n')).toBe(true);
  });

  it('cuts a line longer than a piece, never between the halves of a surrogate pair', () => {
    const text = 'a: ' + '😀'.repeat(1000) + '\nb: 1\n';
    const cut = pieces(text, 101);
    expect(cut.join('')).toBe(text);
    for (const piece of cut) {
      expect(/[\ud800-\udbff]$/.test(piece)).toBe(false);
      expect(/^[\udc00-\udfff]/.test(piece)).toBe(false);
    }
  });

  it('takes the next line break when a line is only a little longer than a piece', () => {
    const text = 'k: ' + 'v'.repeat(150) + '\nnext: 1\n';
    expect(pieceEnd(text, 0, 100)).toBe(text.indexOf('\n') + 1);
  });

  it('says the size the way a user reads it', () => {
    expect(describeSize(31_012_345)).toBe('31 MB');
    expect(describeSize(2_140_000)).toBe('2.1 MB');
    expect(describeSize(640_400)).toBe('640 kB');
  });
});
