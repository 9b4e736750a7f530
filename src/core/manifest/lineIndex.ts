import type { SourcePosition, SourceRange } from './diagnostic.ts';

/** Turns 0-based character offsets into 1-based line/column positions for one file's text. */
export class LineIndex {
  /** Offset where each line starts, in a typed array (4 bytes a line, however long the file). */
  private readonly lineStarts: Int32Array;
  private readonly lines: number;

  constructor(readonly text: string) {
    let starts = new Int32Array(Math.max(16, text.length >> 5));
    let count = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      if (count === starts.length) {
        const grown = new Int32Array(starts.length * 2);
        grown.set(starts);
        starts = grown;
      }
      starts[count++] = at + 1;
    }
    this.lineStarts = starts.slice(0, count);
    this.lines = count;
  }

  /** The line the last position fell on: positions are mostly asked in order, so the next is searched from there. */
  private last = 0;

  position(offset: number): SourcePosition {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lines - 1;
    if ((this.lineStarts[this.last] ?? 0) <= clamped) {
      // Forward from the last line by doubling steps, then halving between the last two.
      lo = this.last;
      for (let step = 1; lo + step < this.lines && (this.lineStarts[lo + step] ?? 0) <= clamped; step *= 2) lo += step;
      hi = Math.min(this.lines - 1, lo + Math.max(1, lo - this.last));
    } else hi = this.last - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return { line: lo + 1, column: clamped - (this.lineStarts[lo] ?? 0) + 1 };
  }

  range(start: number, end: number): SourceRange {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** The offset where a 1-based line starts (clamped to the text). */
  lineStart(line: number): number {
    return this.lineStarts[Math.max(0, Math.min(line - 1, this.lines - 1))] ?? 0;
  }

  get lineCount(): number {
    return this.lines;
  }
}
