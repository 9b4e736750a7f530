import type { SourcePosition, SourceRange } from './diagnostic.ts';

/** Lines per kept line start: the rest are found by scanning at most this many lines of the text. */
const STRIDE = 16;
const STRIDE_BITS = 4;

/** Turns 0-based character offsets into 1-based line/column positions for one file's text. */
export class LineIndex {
  /**
   * Offset where every 16th line starts (lines 1, 17, 33, ...), in a typed array: a quarter of a byte a line, so the
   * index of a 20,000-object export weighs tens of kilobytes, not megabytes.
   */
  private readonly blockStarts: Int32Array;
  private readonly lines: number;

  constructor(readonly text: string) {
    let starts = new Int32Array(Math.max(16, text.length >> 9));
    starts[0] = 0;
    let blocks = 1;
    let count = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      if ((count & (STRIDE - 1)) === 0) {
        if (blocks === starts.length) {
          const grown = new Int32Array(starts.length * 2);
          grown.set(starts);
          starts = grown;
        }
        starts[blocks++] = at + 1;
      }
      count++;
    }
    this.blockStarts = starts.slice(0, blocks);
    this.lines = count;
  }

  /** The block the last position fell in: positions are mostly asked in order, so the next is searched from there. */
  private last = 0;

  /** The last block whose first line starts at or before `offset`. */
  private blockOf(offset: number): number {
    const starts = this.blockStarts;
    const count = starts.length;
    let lo = 0;
    let hi = count - 1;
    if ((starts[this.last] ?? 0) <= offset) {
      // Forward from the last block by doubling steps, then halving between the last two.
      lo = this.last;
      for (let step = 1; lo + step < count && (starts[lo + step] ?? 0) <= offset; step *= 2) lo += step;
      hi = Math.min(count - 1, lo + Math.max(1, lo - this.last));
    } else hi = this.last - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    this.last = lo;
    return lo;
  }

  position(offset: number): SourcePosition {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const block = this.blockOf(clamped);
    let line = block << STRIDE_BITS;
    let start = this.blockStarts[block] ?? 0;
    // At most STRIDE - 1 more line breaks lie between the block's first line and the offset.
    for (
      let next = this.text.indexOf('\n', start);
      next >= 0 && next < clamped;
      next = this.text.indexOf('\n', start)
    ) {
      start = next + 1;
      line++;
    }
    return { line: line + 1, column: clamped - start + 1 };
  }

  range(start: number, end: number): SourceRange {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** The offset where a 1-based line starts (clamped to the text). */
  lineStart(line: number): number {
    const index = Math.max(0, Math.min(line - 1, this.lines - 1));
    let start = this.blockStarts[index >> STRIDE_BITS] ?? 0;
    for (let skip = index & (STRIDE - 1); skip > 0; skip--) start = this.text.indexOf('\n', start) + 1;
    return start;
  }

  get lineCount(): number {
    return this.lines;
  }
}
