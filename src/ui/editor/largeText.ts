// How the editor takes in a very large text (a cluster export of tens of megabytes) without freezing the page. No
// Monaco here: the app's test API sets these numbers without loading the editor's code.

/**
 * At and above `piecesFrom` characters, text that comes from outside the editor (an upload, a link, an example, a
 * restored workspace) goes into the editor in pieces, one per task: Monaco takes about 50 ms per megabyte to take in
 * text with its view attached, so a 31 MB export in one edit blocks the page for seconds. The first piece is
 * `firstPiece` characters, the others `piece`. A piece's cost also grows with the lines already in (the editor's view
 * copies its per-line arrays at every edit: 10 to 20 ms once 800,000 lines are in), so pieces are not made smaller
 * when the page is slow: that would only multiply that cost. Their size is fixed, not timed, for the same reason: on a
 * busy machine a task's time is mostly time spent waiting for a core.
 */
export interface LargeTextSettings {
  piecesFrom: number;
  firstPiece: number;
  piece: number;
  /** A pause between pieces: 0 in the app; tests slow a load down to look at it half-way. */
  pauseMs: number;
}

export const DEFAULT_LARGE_TEXT_SETTINGS: Readonly<LargeTextSettings> = {
  piecesFrom: 512_000,
  firstPiece: 32_000,
  piece: 256_000,
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

/** "31 MB", "2.1 MB", "640 kB" for a number of characters (about as many bytes in a YAML export). */
export function describeSize(chars: number): string {
  if (chars >= 10e6) return `${Math.round(chars / 1e6)} MB`;
  if (chars >= 1e6) return `${(chars / 1e6).toFixed(1)} MB`;
  return `${Math.round(chars / 1e3)} kB`;
}

/** What the editor shows, for tests (and a curious user's console): its text and whether a load is still running. */
export const editorHandle: { current: { text: () => string; loading: () => boolean } | null } = { current: null };
