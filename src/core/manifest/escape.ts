/**
 * Characters that change how text reads without being seen: bidirectional controls (U+202E turns `moc.elgoog` into
 * what reads as `google.com`), zero-width characters, a byte-order mark inside text, soft hyphens and control
 * characters other than tab and line feed.
 */
// Matching control characters is what this expression is for.
/* oxlint-disable no-control-regex */
const INVISIBLE =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\u3164\uFEFF\uFFA0]/g;
/* oxlint-enable no-control-regex */

/** True when `text` has a character {@link escapeInvisible} would write out. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}

/**
 * `text` with each invisible character written as `\uXXXX` (`\u202E`), so that a name or host a user supplied is
 * printed as what it is. Every message, step word and line of command output passes through here.
 */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
