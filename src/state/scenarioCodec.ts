import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { ManifestFile } from '../core/index.ts';

/** Everything a user needs to see the same thing: the inputs only, never derived results. */
export interface Scenario {
  files: ManifestFile[];
}

const VERSION = 'v1';

/** FNV-1a, 32 bits: enough to tell a truncated or hand-edited link from a good one. */
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

export function encodeScenario(scenario: Scenario): string {
  const json = JSON.stringify({ files: scenario.files.map(({ name, text }) => ({ name, text })) });
  return `${VERSION}=${compressToEncodedURIComponent(json)}.${checksum(json)}`;
}

export type DecodeResult = { ok: true; scenario: Scenario } | { ok: false; reason: string };

function isManifestFile(value: unknown): value is ManifestFile {
  return typeof value === 'object' && value !== null && typeof (value as ManifestFile).name === 'string' && typeof (value as ManifestFile).text === 'string';
}

/** Reads a fragment written by encodeScenario (with or without the leading `#`). */
export function decodeScenario(fragment: string): DecodeResult {
  const body = fragment.replace(/^#/, '');
  const match = /^v(\d+)=([A-Za-z0-9+\-$]*)\.([0-9a-f]{8})$/.exec(body);
  if (!match) return { ok: false, reason: 'This link does not hold a Meshpath scenario.' };
  if (`v${match[1]}` !== VERSION) return { ok: false, reason: `This link was made by a newer Meshpath (scenario format v${match[1]}).` };
  const json = decompressFromEncodedURIComponent(match[2] ?? '');
  if (!json || checksum(json) !== match[3]) return { ok: false, reason: 'This link is damaged (it may have been cut short when copied).' };
  try {
    const parsed: unknown = JSON.parse(json);
    const files = typeof parsed === 'object' && parsed !== null ? (parsed as { files?: unknown }).files : undefined;
    if (!Array.isArray(files) || !files.every(isManifestFile)) return { ok: false, reason: 'This link holds no manifests.' };
    return { ok: true, scenario: { files: files.map(({ name, text }) => ({ name, text })) } };
  } catch {
    return { ok: false, reason: 'This link is damaged.' };
  }
}
