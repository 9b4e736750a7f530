import { describe, expect, it } from 'vitest';
import { LineIndex } from './lineIndex.ts';

describe('LineIndex', () => {
  it('gives the line and column a plain count gives, for offsets asked in order, backwards and at random', () => {
    let seed = 7;
    const random = (below: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % below);
    for (let text = 0; text < 50; text++) {
      let source = '';
      const length = random(3000);
      for (let i = 0; i < length; i++) source += random(6) === 0 ? '\n' : 'a';
      const index = new LineIndex(source);
      for (let ask = 0; ask < 400; ask++) {
        const offset =
          ask % 3 === 0 ? random(source.length + 5) - 2 : ask % 3 === 1 ? ask * 7 : source.length - ask * 5;
        const at = Math.max(0, Math.min(offset, source.length));
        const before = source.slice(0, at);
        const expected = { line: before.split('\n').length, column: at - (before.lastIndexOf('\n') + 1) + 1 };
        expect(index.position(offset), `offset ${offset}`).toEqual(expected);
      }
    }
  });

  it('gives each line start and the line count a plain split gives, across the kept 16-line blocks', () => {
    for (const lines of [1, 15, 16, 17, 33, 200]) {
      const source = Array.from({ length: lines }, (_, i) => 'x'.repeat(i % 5)).join('\n');
      const index = new LineIndex(source);
      expect(index.lineCount).toBe(lines);
      let at = 0;
      source.split('\n').forEach((text, i) => {
        expect(index.lineStart(i + 1), `line ${i + 1} of ${lines}`).toBe(at);
        expect(index.position(at)).toEqual({ line: i + 1, column: 1 });
        at += text.length + 1;
      });
      expect(index.lineStart(lines + 5)).toBe(index.lineStart(lines));
      expect(index.lineStart(0)).toBe(0);
    }
  });
});
