import { describe, expect, it } from 'vitest';
import { commonPrefixLength, commonSuffixLength, replacesEverything } from './textChange.ts';

/** The plain definitions, one character at a time. */
function slowPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
function slowSuffix(a: string, b: string, skip: number): number {
  let n = 0;
  while (n < a.length - skip && n < b.length - skip && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

describe('shared starts and ends of two texts', () => {
  const base = Array.from({ length: 3000 }, (_, i) => `line ${i}: value-${i % 7}\n`).join('');
  const cases: Array<[string, string]> = [
    ['', ''],
    ['abc', ''],
    ['abc', 'abc'],
    ['abc', 'abd'],
    ['aaaa', 'aa'],
    [base, base],
    [base, `# a comment\n${base}`],
    [base, `${base.slice(0, 20_000)}x${base.slice(20_000)}`],
    [base, `${base.slice(0, 40_961)}${base.slice(40_970)}`],
    [base, base.slice(0, 4095)],
    [base, base.slice(4097)],
    [base, `${base}\n# appended`],
    ['aXa', 'aa'],
  ];
  it.each(cases.map(([a, b], i) => [i, a, b] as const))('case %i gives what a character loop gives', (_, a, b) => {
    expect(commonPrefixLength(a, b)).toBe(slowPrefix(a, b));
    expect(commonPrefixLength(b, a)).toBe(slowPrefix(a, b));
    const prefix = slowPrefix(a, b);
    expect(commonSuffixLength(a, b, prefix)).toBe(slowSuffix(a, b, prefix));
    expect(commonSuffixLength(a, b)).toBe(slowSuffix(a, b, 0));
  });

  it('tells an edit of a large export from a paste over it', () => {
    const big = base.repeat(40);
    expect(replacesEverything(big, `# checked\n${big}`)).toBe(false);
    expect(replacesEverything(big, big.slice(0, big.length - 10))).toBe(false);
    expect(replacesEverything(big, 'apiVersion: v1\nkind: Service\n')).toBe(true);
    expect(replacesEverything('short', 'other')).toBe(false);
  });
});
