import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { ManifestFile } from '../core/index.ts';

/** The request form as the user filled it in (strings, so that half-typed values survive). */
export interface RequestInput {
  from: string;
  to: string;
  port: string;
  protocol: string;
  method: string;
  path: string;
  /** `Name: value`, one per line. */
  headers: string;
  sni: string;
}

/** Mesh settings the user overrides for a what-if; `manifests` keeps what the manifests say. */
export interface MeshOptions {
  outboundTrafficPolicy: 'manifests' | 'ALLOW_ANY' | 'REGISTRY_ONLY';
  dnsCapture: 'manifests' | 'on' | 'off';
}

/** Everything a user needs to see the same thing: the inputs only, never derived results. */
export interface Scenario {
  files: ManifestFile[];
  request?: RequestInput;
  options?: MeshOptions;
}

export const EMPTY_REQUEST: RequestInput = {
  from: '',
  to: '',
  port: '',
  protocol: '',
  method: '',
  path: '',
  headers: '',
  sni: '',
};
export const DEFAULT_OPTIONS: MeshOptions = { outboundTrafficPolicy: 'manifests', dnsCapture: 'manifests' };

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

/** The JSON form of a scenario, as links and scenario files carry it. */
export function scenarioJson(scenario: Scenario): string {
  return JSON.stringify({
    files: scenario.files.map(({ name, text }) => ({ name, text })),
    ...(scenario.request ? { request: scenario.request } : {}),
    ...(scenario.options ? { options: scenario.options } : {}),
  });
}

export function encodeScenario(scenario: Scenario): string {
  const json = scenarioJson(scenario);
  return `${VERSION}=${compressToEncodedURIComponent(json)}.${checksum(json)}`;
}

export type DecodeResult = { ok: true; scenario: Scenario } | { ok: false; reason: string };

function isManifestFile(value: unknown): value is ManifestFile {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ManifestFile).name === 'string' &&
    typeof (value as ManifestFile).text === 'string'
  );
}

function readRequest(value: unknown): RequestInput | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: RequestInput = { ...EMPTY_REQUEST };
  for (const key of Object.keys(EMPTY_REQUEST) as Array<keyof RequestInput>) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string') out[key] = v;
  }
  return out;
}

function readOptions(value: unknown): MeshOptions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const policy = (value as Record<string, unknown>)['outboundTrafficPolicy'];
  const dns = (value as Record<string, unknown>)['dnsCapture'];
  return {
    outboundTrafficPolicy: policy === 'ALLOW_ANY' || policy === 'REGISTRY_ONLY' ? policy : 'manifests',
    dnsCapture: dns === 'on' || dns === 'off' ? dns : 'manifests',
  };
}

/** Reads a scenario from its JSON form (a link's payload or a downloaded scenario file). */
export function parseScenarioJson(json: string): DecodeResult {
  try {
    const parsed: unknown = JSON.parse(json);
    const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const files = record['files'];
    if (!Array.isArray(files) || !files.every(isManifestFile))
      return { ok: false, reason: 'This holds no Meshpath manifests.' };
    const request = readRequest(record['request']);
    const options = readOptions(record['options']);
    return {
      ok: true,
      scenario: {
        files: files.map(({ name, text }) => ({ name, text })),
        ...(request ? { request } : {}),
        ...(options ? { options } : {}),
      },
    };
  } catch {
    return { ok: false, reason: 'This is not a Meshpath scenario (not valid JSON).' };
  }
}

/** Reads a fragment written by encodeScenario (with or without the leading `#`). */
export function decodeScenario(fragment: string): DecodeResult {
  const body = fragment.replace(/^#/, '');
  const match = /^v(\d+)=([A-Za-z0-9+\-$]*)\.([0-9a-f]{8})$/.exec(body);
  if (!match) return { ok: false, reason: 'This link does not hold a Meshpath scenario.' };
  if (`v${match[1]}` !== VERSION)
    return { ok: false, reason: `This link was made by a newer Meshpath (scenario format v${match[1]}).` };
  let json: string | null;
  try {
    json = decompressFromEncodedURIComponent(match[2] ?? '');
  } catch {
    // lz-string throws on some corrupted inputs rather than returning null.
    json = null;
  }
  if (!json || checksum(json) !== match[3])
    return { ok: false, reason: 'This link is damaged (it may have been cut short when copied).' };
  const result = parseScenarioJson(json);
  return result.ok ? result : { ok: false, reason: 'This link is damaged.' };
}
