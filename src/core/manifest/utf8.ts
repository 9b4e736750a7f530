import type { Diagnostic } from './diagnostic.ts';
import { LineIndex } from './lineIndex.ts';

/** A run of bytes that is not UTF-8, and where its U+FFFD is in the decoded text (UTF-16 offset). */
export interface InvalidUtf8 {
  offset: number;
  bytes: number[];
}

/**
 * Every run of bytes that is not UTF-8, where a decoder (TextDecoder, File.text(), as the WHATWG Encoding standard
 * decodes) writes one U+FFFD; a leading byte-order mark is skipped, as decoders do.
 */
export function findInvalidUtf8(bytes: Uint8Array): InvalidUtf8[] {
  const found: InvalidUtf8[] = [];
  let out = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let codePoint = 0;
  let sequenceStart = 0;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let i = start; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (needed === 0) {
      sequenceStart = i;
      if (byte <= 0x7f) out++;
      else if (byte >= 0xc2 && byte <= 0xdf) [needed, codePoint] = [1, byte & 0x1f];
      else if (byte >= 0xe0 && byte <= 0xef) {
        if (byte === 0xe0) lower = 0xa0;
        if (byte === 0xed) upper = 0x9f;
        [needed, codePoint] = [2, byte & 0xf];
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        if (byte === 0xf0) lower = 0x90;
        if (byte === 0xf4) upper = 0x8f;
        [needed, codePoint] = [3, byte & 0x7];
      } else found.push({ offset: out++, bytes: [byte] });
      continue;
    }
    if (byte < lower || byte > upper) {
      // The sequence so far is one error; this byte starts again.
      found.push({ offset: out++, bytes: [...bytes.subarray(sequenceStart, i)] });
      [needed, seen, codePoint, lower, upper] = [0, 0, 0, 0x80, 0xbf];
      i--;
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    codePoint = (codePoint << 6) | (byte & 0x3f);
    if (++seen === needed) {
      out += codePoint > 0xffff ? 2 : 1;
      [needed, seen, codePoint] = [0, 0, 0];
    }
  }
  if (needed > 0) found.push({ offset: out, bytes: [...bytes.subarray(sequenceStart)] });
  return found;
}

const REPORTED = 10;

/**
 * Errors for the bytes of a file that are not UTF-8, at their line and column in `text` (the file as decoded, with
 * U+FFFD in their place). kubectl refuses such a file: its YAML reader stops at the first invalid byte
 * (go.yaml.in/yaml/v2 readerc.go: "invalid leading UTF-8 octet", "incomplete UTF-8 octet sequence").
 */
export function invalidUtf8Diagnostics(file: string, bytes: Uint8Array, text: string): Diagnostic[] {
  if (!text.includes('\uFFFD')) return [];
  const invalid = findInvalidUtf8(bytes);
  if (invalid.length === 0) return [];
  const lines = new LineIndex(text);
  const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return invalid.slice(0, REPORTED).map((run, i) => ({
    severity: 'error' as const,
    code: 'INVALID_UTF8' as const,
    message:
      `${run.bytes.length === 1 ? 'Byte' : 'Bytes'} ${run.bytes.map(hex).join(' ')} here ` +
      `${run.bytes.length === 1 ? 'is' : 'are'} not UTF-8 (shown as \uFFFD); kubectl refuses the file ` +
      `(its YAML reader stops at the first byte that is not UTF-8). Save the file as UTF-8.` +
      (i === REPORTED - 1 && invalid.length > REPORTED ? ` ${invalid.length - REPORTED} more such places follow.` : ''),
    file,
    range: lines.range(run.offset, run.offset + 1),
  }));
}
