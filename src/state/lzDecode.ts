/**
 * A decoder for lz-string's `compressToEncodedURIComponent` format (Meshpath's `#v1=` links) that stops as soon as its
 * output passes a cap. lz-string's own decoder cannot stop early: a 56,000-character link can inflate to hundreds of
 * millions of characters before it returns.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
const VALUE_OF = new Map([...ALPHABET].map((c, i) => [c, i]));

export type LzDecodeResult = { ok: true; text: string } | { ok: false; reason: 'damaged' | 'too-large' };

export function decodeLzUriComponent(input: string, maxChars: number): LzDecodeResult {
  const source = input.replace(/ /g, '+');
  const BITS_PER_CHAR = 6;
  let value = VALUE_OF.get(source.charAt(0)) ?? 0;
  let position = 1 << (BITS_PER_CHAR - 1);
  let index = 1;

  const readBits = (count: number): number => {
    let bits = 0;
    for (let power = 0; power < count; power++) {
      const bit = value & position;
      position >>= 1;
      if (position === 0) {
        position = 1 << (BITS_PER_CHAR - 1);
        value = VALUE_OF.get(source.charAt(index++)) ?? 0;
      }
      if (bit) bits |= 1 << power;
    }
    return bits;
  };

  const dictionary: string[] = ['', '', ''];
  let enlargeIn = 4;
  let numBits = 3;
  const parts: string[] = [];
  let total = 0;

  const first = readBits(2);
  if (first === 2) return { ok: true, text: '' };
  if (first !== 0 && first !== 1) return { ok: false, reason: 'damaged' };
  let previous = String.fromCharCode(readBits(first === 0 ? 8 : 16));
  dictionary.push(previous);
  parts.push(previous);
  total = 1;

  for (;;) {
    if (index > source.length) return { ok: false, reason: 'damaged' };
    let code = readBits(numBits);
    if (code === 2) return { ok: true, text: parts.join('') };
    if (code === 0 || code === 1) {
      dictionary.push(String.fromCharCode(readBits(code === 0 ? 8 : 16)));
      code = dictionary.length - 1;
      if (--enlargeIn === 0) enlargeIn = 1 << numBits++;
    }
    let entry: string;
    if (code < dictionary.length && code > 2) entry = dictionary[code] ?? '';
    else if (code === dictionary.length) entry = previous + previous.charAt(0);
    else return { ok: false, reason: 'damaged' };
    total += entry.length;
    if (total > maxChars) return { ok: false, reason: 'too-large' };
    parts.push(entry);
    dictionary.push(previous + entry.charAt(0));
    previous = entry;
    if (--enlargeIn === 0) enlargeIn = 1 << numBits++;
  }
}
