import type { ManifestFile } from '../core/index.ts';
import { decodeLzUriComponent } from './lzDecode.ts';

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
  /** The IP the application connects to instead of what DNS answers (curl --resolve); older links have none. */
  address?: string;
}

/** Mesh settings the user overrides for a what-if; `manifests` keeps what the manifests say. */
export interface MeshOptions {
  outboundTrafficPolicy: 'manifests' | 'ALLOW_ANY' | 'REGISTRY_ONLY' | 'ALLOW_ANY_DYNAMIC_DNS';
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

/** Links are read only up to this length; the Share button makes none over 32,000 characters. */
export const MAX_LINK_FRAGMENT_CHARS = 65_536;
/** What a link may unpack to, at most: far above any link the Share button makes, far below what freezes a tab. */
export const MAX_LINK_SCENARIO_CHARS = 4_000_000;
/** A scenario (link or file) holds at most this many files. */
export const MAX_SCENARIO_FILES = 64;

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

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

async function readAll(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | 'too-large'> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too-large';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * A `#v2=` fragment: the scenario's JSON, deflated (the browser's own CompressionStream), base64url, and a checksum.
 */
export async function encodeScenario(scenario: Scenario): Promise<string> {
  const json = scenarioJson(scenario);
  const stream = new Blob([json]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = await readAll(stream, Number.MAX_SAFE_INTEGER);
  return `v2=${toBase64Url(bytes === 'too-large' ? new Uint8Array() : bytes)}.${checksum(json)}`;
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
  const address = (value as Record<string, unknown>)['address'];
  if (typeof address === 'string') out.address = address;
  return out;
}

function readOptions(value: unknown): MeshOptions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const policy = (value as Record<string, unknown>)['outboundTrafficPolicy'];
  const dns = (value as Record<string, unknown>)['dnsCapture'];
  return {
    outboundTrafficPolicy:
      policy === 'ALLOW_ANY' || policy === 'REGISTRY_ONLY' || policy === 'ALLOW_ANY_DYNAMIC_DNS' ? policy : 'manifests',
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
    if (files.length > MAX_SCENARIO_FILES)
      return {
        ok: false,
        reason: `This scenario has ${files.length} files; Meshpath opens at most ${MAX_SCENARIO_FILES}.`,
      };
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

/**
 * Undoes what chat tools and markdown do to a pasted link: percent-encoding applied once or twice, and a trailing
 * `)`, `.`, `,` or `>` taken into the link.
 */
function cleanFragment(fragment: string): string {
  let body = fragment.trim().replace(/^#/, '');
  for (let i = 0; i < 2 && /%[0-9A-Fa-f]{2}/.test(body); i++) {
    try {
      body = decodeURIComponent(body);
    } catch {
      break;
    }
  }
  return body.replace(/[).,>\]'"]+$/, '');
}

function tooLarge(maxChars: number): string {
  return (
    `This link unpacks to more than ${maxChars.toLocaleString('en-US')} characters, more than any link Meshpath ` +
    `makes: it was not opened.`
  );
}

/** Reads a fragment written by encodeScenario (`#v2=`) or by earlier versions (`#v1=`), with or without the `#`. */
export async function decodeScenario(fragment: string, maxChars = MAX_LINK_SCENARIO_CHARS): Promise<DecodeResult> {
  if (fragment.length > MAX_LINK_FRAGMENT_CHARS * 3) return { ok: false, reason: linkTooLong(fragment.length) };
  const body = cleanFragment(fragment);
  if (body.length > MAX_LINK_FRAGMENT_CHARS) return { ok: false, reason: linkTooLong(body.length) };
  const match = /^v(\d+)=([A-Za-z0-9+\-$_]*)\.([0-9a-f]{8})$/.exec(body);
  if (!match) return { ok: false, reason: 'This link does not hold a Meshpath scenario.' };
  const version = match[1];
  const payload = match[2] ?? '';
  let json: string | undefined;
  if (version === '1') {
    const decoded = decodeLzUriComponent(payload, maxChars);
    if (!decoded.ok && decoded.reason === 'too-large') return { ok: false, reason: tooLarge(maxChars) };
    json = decoded.ok ? decoded.text : undefined;
  } else if (version === '2') {
    const bytes = fromBase64Url(payload);
    if (bytes) {
      try {
        // UTF-8 takes at most 3 bytes for a UTF-16 unit, so this byte cap never cuts a scenario under the character
        // cap.
        const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
        const inflated = await readAll(stream, maxChars * 3);
        if (inflated === 'too-large') return { ok: false, reason: tooLarge(maxChars) };
        json = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
        if (json.length > maxChars) return { ok: false, reason: tooLarge(maxChars) };
      } catch {
        json = undefined;
      }
    }
  } else {
    return { ok: false, reason: `This link was made by a newer Meshpath (scenario format v${version}).` };
  }
  if (!json || checksum(json) !== match[3])
    return { ok: false, reason: 'This link is damaged (it may have been cut short when copied).' };
  const result = parseScenarioJson(json);
  return result.ok ? result : { ok: false, reason: 'This link is damaged.' };
}

function linkTooLong(length: number): string {
  return (
    `This link is ${length.toLocaleString('en-US')} characters long; Meshpath reads links of at ` +
    `most ${MAX_LINK_FRAGMENT_CHARS.toLocaleString('en-US')} characters, so it was not opened.`
  );
}
