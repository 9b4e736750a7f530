// How the editor takes in a very large text (a cluster export of tens of megabytes) without freezing the page. No
// Monaco here: the app's test API sets these numbers without loading the editor's code.

/**
 * At and above `piecesFrom` characters, text that comes from outside the editor (an upload, a link, an example, a
 * restored workspace) goes into the editor in pieces, one per task: Monaco takes about 50 ms per megabyte to take in
 * text with its view attached, so a 31 MB export in one edit blocks the page for seconds. The first piece is
 * `firstPiece` characters; later pieces are sized to take about `taskBudgetMs` each.
 */
export interface LargeTextSettings {
  piecesFrom: number;
  firstPiece: number;
  taskBudgetMs: number;
  /** Bounds of a later piece, in characters. */
  minPiece: number;
  maxPiece: number;
  /** A pause between pieces: 0 in the app; tests slow a load down to look at it half-way. */
  pauseMs: number;
}

export const DEFAULT_LARGE_TEXT_SETTINGS: Readonly<LargeTextSettings> = {
  piecesFrom: 512_000,
  firstPiece: 128_000,
  taskBudgetMs: 16,
  minPiece: 16_000,
  maxPiece: 2_000_000,
  pauseMs: 0,
};

export const largeTextSettings: LargeTextSettings = { ...DEFAULT_LARGE_TEXT_SETTINGS };

/** Tests lower the sizes so that a 2 MB input takes the same path as a 31 MB one (undefined restores the defaults). */
export function setLargeTextSettings(settings: Partial<LargeTextSettings> | undefined): void {
  Object.assign(largeTextSettings, DEFAULT_LARGE_TEXT_SETTINGS, settings ?? {});
}

/**
 * Where a piece that starts at `from` and holds about `size` characters ends: just after a line break at or before
 * `from + size` (a CRLF pair stays whole), else after the next line break, else at `from + size` on a character
 * boundary (a surrogate pair stays whole). Always past `from` while text remains.
 */
export function pieceEnd(text: string, from: number, size: number): number {
  const limit = from + Math.max(1, size);
  if (limit >= text.length) return text.length;
  const before = text.lastIndexOf('\n', limit - 1);
  if (before >= from) return before + 1;
  const after = text.indexOf('\n', limit);
  // One very long line: cut inside it, but not between the two halves of a surrogate pair.
  if (after < 0 || after - from > 4 * size) {
    const code = text.charCodeAt(limit - 1);
    return code >= 0xd800 && code <= 0xdbff && limit - 1 > from ? limit - 1 : limit;
  }
  return after + 1;
}

/** The size of the next piece, so that it takes about the task budget given how long the last one took. */
export function nextPieceSize(
  size: number,
  elapsedMs: number,
  settings: LargeTextSettings = largeTextSettings,
): number {
  const scaled = elapsedMs > 0 ? (size * settings.taskBudgetMs) / elapsedMs : size * 2;
  // Grow by at most double per piece, so one quick piece on a quiet moment does not make the next one huge.
  return Math.round(Math.min(settings.maxPiece, size * 2, Math.max(settings.minPiece, scaled)));
}

/** "31 MB", "2.1 MB", "640 kB" for a number of characters (about as many bytes in a YAML export). */
export function describeSize(chars: number): string {
  if (chars >= 10e6) return `${Math.round(chars / 1e6)} MB`;
  if (chars >= 1e6) return `${(chars / 1e6).toFixed(1)} MB`;
  return `${Math.round(chars / 1e3)} kB`;
}

/** What the editor shows, for tests (and a curious user's console): its text and whether a load is still running. */
export const editorHandle: { current: { text: () => string; loading: () => boolean } | null } = { current: null };
