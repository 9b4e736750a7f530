/** How much of a text an edit keeps: telling an edit from a paste over everything. */

/** Share of a text that must stay in place for an edit to count as editing rather than replacing everything. */
const KEPT_SHARE_FOR_EDIT = 0.2;

/**
 * Characters compared at once: comparing two slices is a native memory compare, while a loop over characters costs
 * tens of milliseconds on the main thread for a multi-megabyte cluster export at every edit.
 */
const BLOCK = 4096;

/** How many characters `a` and `b` share at their starts. */
export function commonPrefixLength(a: string, b: string): number {
  const most = Math.min(a.length, b.length);
  let same = 0;
  for (let size = BLOCK; size >= 1; size = size === 1 ? 0 : Math.max(1, size >> 4))
    while (same + size <= most && a.slice(same, same + size) === b.slice(same, same + size)) same += size;
  return same;
}

/** How many characters `a` and `b` share at their ends, without reaching into the first `skip` characters of either. */
export function commonSuffixLength(a: string, b: string, skip = 0): number {
  const most = Math.min(a.length, b.length) - skip;
  let same = 0;
  for (let size = BLOCK; size >= 1; size = size === 1 ? 0 : Math.max(1, size >> 4))
    while (
      same + size <= most &&
      a.slice(a.length - same - size, a.length - same) === b.slice(b.length - same - size, b.length - same)
    )
      same += size;
  return same;
}

/** True when the new text keeps almost nothing of a substantial old one: a paste over everything. */
export function replacesEverything(old: string, text: string): boolean {
  if (old.trim().length < 100) return false;
  const prefix = commonPrefixLength(old, text);
  return prefix + commonSuffixLength(old, text, prefix) < old.length * KEPT_SHARE_FOR_EDIT;
}
