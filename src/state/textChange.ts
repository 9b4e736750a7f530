/** How much of a text an edit keeps: telling an edit from a paste over everything. */

/** Share of a text that must stay in place for an edit to count as editing rather than replacing everything. */
const KEPT_SHARE_FOR_EDIT = 0.2;

/** True when the new text keeps almost nothing of a substantial old one: a paste over everything. */
export function replacesEverything(old: string, text: string): boolean {
  if (old.trim().length < 100) return false;
  let prefix = 0;
  while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < old.length - prefix &&
    suffix < text.length - prefix &&
    old[old.length - 1 - suffix] === text[text.length - 1 - suffix]
  )
    suffix++;
  return prefix + suffix < old.length * KEPT_SHARE_FOR_EDIT;
}
