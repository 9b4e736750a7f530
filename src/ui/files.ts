import { invalidUtf8Diagnostics, type Diagnostic, type ManifestFile } from '../core/index.ts';
import { parseScenarioJson, type Scenario } from '../state/scenarioCodec.ts';

/** A megabyte per task: a 30 MB export does not hold the page while it turns into text. */
const DECODE_PIECE_BYTES = 1 << 20;

/** UTF-8 decoding in pieces; a streaming decoder gives the same text as decoding all of it at once. */
export async function decodeInPieces(bytes: Uint8Array, pieceBytes = DECODE_PIECE_BYTES): Promise<string> {
  if (bytes.length <= pieceBytes) return new TextDecoder().decode(bytes);
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += pieceBytes) {
    parts.push(decoder.decode(bytes.subarray(at, at + pieceBytes), { stream: true }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * Reads files a user picked or dropped. Text only; a file that cannot be read becomes a message, not a crash. A file
 * that is a whole Meshpath scenario (downloaded earlier) opens as such; the rest are manifests. Bytes that are not
 * UTF-8 load as U+FFFD and come back as `problems`, at their line and column.
 */
export async function readOpenedFiles(
  list: FileList | readonly File[],
): Promise<{ scenario: Scenario | undefined; manifests: ManifestFile[]; failed: string[]; problems: Diagnostic[] }> {
  let scenario: Scenario | undefined;
  const manifests: ManifestFile[] = [];
  const failed: string[] = [];
  const problems: Diagnostic[] = [];
  for (const file of Array.from(list)) {
    let text: string;
    try {
      // Decoded here rather than by file.text(), so that bytes that are not UTF-8 are found at their line and column.
      const bytes = new Uint8Array(await file.arrayBuffer());
      text = await decodeInPieces(bytes);
      problems.push(...invalidUtf8Diagnostics(file.name, bytes, text));
    } catch {
      failed.push(file.name);
      continue;
    }
    const parsed = file.name.endsWith('.json') && text.includes('"files"') ? parseScenarioJson(text) : undefined;
    if (parsed?.ok) scenario = parsed.scenario;
    else manifests.push({ name: file.name, text });
  }
  return { scenario, manifests, failed, problems };
}
