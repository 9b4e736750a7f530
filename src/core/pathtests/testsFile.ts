/**
 * A Meshpath tests file: requests and what must happen to each, for `meshpath test` and `meshpath diff`.
 *
 * tests:
 *   - name: checkout reaches v2 for beta users
 *     from: shop/frontend
 *     to: http://checkout:8080/cart
 *     headers: { x-beta: "true" }
 *     expect: { outcome: routed, cluster: "outbound|8080|v2|checkout.shop.svc.cluster.local", status: 200 }
 */
import type { Diagnostic, SourceRange } from '../manifest/diagnostic.ts';
import { documentRange, readYamlDocument, type YamlDocument } from '../manifest/document.ts';
import { isRecord, typeName, type ManifestFile } from '../manifest/parse.ts';
import { APP_PROTOCOLS, type TraceOptions, type TraceRequest } from '../simulate/request.ts';

/** One expected field: a path into the trace as `--json` prints it, the value, and where the user wrote it. */
export interface Expectation {
  /** `outcome`, `cluster`, `hops[1].route`, `dns.answers`... */
  field: string;
  path: Array<string | number>;
  value: unknown;
  range: SourceRange;
}

export interface PathTest {
  name: string;
  request: TraceRequest;
  options: TraceOptions;
  expect: Expectation[];
  file: string;
  range: SourceRange;
}

/**
 * What a test may assert: the fields of the trace JSON, plus `cluster` and `endpoint`, the last cluster a client or
 * gateway proxy chose and the endpoint it picked there (where the mesh sent the request).
 */
export const EXPECT_FIELDS = [
  'outcome',
  'status',
  'responseFlags',
  'cluster',
  'endpoint',
  'dns',
  'hops',
  'request',
] as const;

const REQUEST_KEYS = new Set([
  'name',
  'from',
  'to',
  'port',
  'protocol',
  'address',
  'path',
  'method',
  'headers',
  'sni',
  'options',
  'expect',
]);

/** `hops[1].route` or `dns.answers` → ['hops', 1, 'route'] / ['dns', 'answers']; undefined when it is not a path. */
export function parseFieldPath(text: string): Array<string | number> | undefined {
  const path: Array<string | number> = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\./gy;
  let expectDot = false;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = pattern.exec(text)) !== null) {
    consumed = pattern.lastIndex;
    if (m[0] === '.') {
      if (!expectDot) return undefined;
      expectDot = false;
    } else if (m[1] !== undefined) {
      if (expectDot) return undefined;
      path.push(m[1]);
      expectDot = true;
    } else {
      if (path.length === 0) return undefined;
      path.push(Number(m[2]));
      expectDot = true;
    }
  }
  return consumed === text.length && expectDot ? path : undefined;
}

export type TestsFileResult = { ok: true; tests: PathTest[] } | { ok: false; diagnostics: Diagnostic[] };

/** Reads a tests file; every problem comes back with its line and column, and no test runs from a file that has one. */
export function parseTestsFile(file: ManifestFile): TestsFileResult {
  const read = readYamlDocument(file);
  if (!read.ok) return { ok: false, diagnostics: [read.diagnostic] };
  const doc = read.document;
  const diagnostics: Diagnostic[] = [];
  const problem: Problem = (message, path, onKey) =>
    diagnostics.push({
      severity: 'error',
      code: 'INVALID_VALUE',
      message,
      file: file.name,
      range: documentRange(doc, path, onKey),
    });
  const list = isRecord(doc.value) ? doc.value['tests'] : undefined;
  if (!Array.isArray(list)) {
    problem('A tests file is a mapping with `tests:`, a list of requests and what must happen to each.', ['tests']);
    return { ok: false, diagnostics };
  }
  const tests: PathTest[] = [];
  list.forEach((item: unknown, index) => {
    const test = readTest(doc, item, index, problem);
    if (test) tests.push(test);
  });
  const seen = new Set<string>();
  tests.forEach((t, index) => {
    if (seen.has(t.name)) problem(`Two tests are named "${t.name}": give each its own name.`, ['tests', index, 'name']);
    seen.add(t.name);
  });
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, tests };
}

type Problem = (message: string, path: Array<string | number>, onKey?: boolean) => void;

function readTest(doc: YamlDocument, item: unknown, index: number, problem: Problem): PathTest | undefined {
  const at = (...rest: Array<string | number>) => ['tests', index, ...rest];
  if (!isRecord(item)) {
    problem(`Each test is a mapping with name, from, to and expect, not ${typeName(item)}.`, at());
    return undefined;
  }
  let problems = 0;
  const count: Problem = (message, path, onKey) => {
    problems++;
    problem(message, path, onKey);
  };
  for (const key of Object.keys(item))
    if (!REQUEST_KEYS.has(key))
      count(`Unknown field "${key}" in a test; known: ${[...REQUEST_KEYS].join(', ')}.`, at(key), true);
  const text = (key: string, required: boolean): string | undefined => {
    const v = item[key];
    if (v === undefined || v === null) {
      if (required) count(`This test needs "${key}".`, at());
      return undefined;
    }
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && key !== 'from' && key !== 'to') return String(v);
    count(`"${key}" must be a non-empty string, not ${typeName(v)}.`, at(key));
    return undefined;
  };
  const name = text('name', true);
  const from = text('from', true);
  const to = text('to', true);
  const request: TraceRequest = { from: from ?? '', to: to ?? '' };
  if (item['port'] !== undefined) {
    const port = item['port'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      count('"port" must be a port number from 1 to 65535.', at('port'));
    else request.port = port;
  }
  const protocol = text('protocol', false)?.toLowerCase();
  if (protocol !== undefined) {
    const known = APP_PROTOCOLS.find((p) => p === protocol);
    if (known) request.protocol = known;
    else count(`"protocol" must be one of ${APP_PROTOCOLS.join(', ')}.`, at('protocol'));
  }
  request.address = text('address', false);
  const path = text('path', false);
  request.path = path === undefined || path.startsWith('/') ? path : `/${path}`;
  request.method = text('method', false);
  request.sni = text('sni', false);
  const headers = item['headers'];
  if (headers !== undefined) {
    if (!isRecord(headers)) count('"headers" must be a mapping of header names to values.', at('headers'));
    else {
      request.headers = {};
      for (const [k, v] of Object.entries(headers)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') request.headers[k] = String(v);
        else count(`Header "${k}" must have a text value.`, at('headers', k));
      }
    }
  }
  const options = readOptions(item['options'], at('options'), count);
  const expect = readExpect(doc, item['expect'], at('expect'), count);
  if (problems > 0 || !name) return undefined;
  return { name, request, options, expect, file: doc.file, range: documentRange(doc, at()) };
}

function readOptions(value: unknown, at: Array<string | number>, problem: Problem): TraceOptions {
  const options: TraceOptions = {};
  if (value === undefined) return options;
  if (!isRecord(value)) {
    problem('"options" must be a mapping (outboundTrafficPolicy, dnsCapture, clusterDomain).', at);
    return options;
  }
  for (const [key, v] of Object.entries(value)) {
    if (
      key === 'outboundTrafficPolicy' &&
      (v === 'ALLOW_ANY' || v === 'REGISTRY_ONLY' || v === 'ALLOW_ANY_DYNAMIC_DNS')
    )
      options.outboundTrafficPolicy = v;
    else if (key === 'dnsCapture' && typeof v === 'boolean') options.dnsCapture = v;
    else if (key === 'clusterDomain' && typeof v === 'string' && v !== '') options.clusterDomain = v;
    else
      problem(
        `Option "${key}" is unknown or has a wrong value: outboundTrafficPolicy (ALLOW_ANY, REGISTRY_ONLY or ` +
          'ALLOW_ANY_DYNAMIC_DNS), dnsCapture (true or false), clusterDomain (a domain).',
        [...at, key],
      );
  }
  return options;
}

function readExpect(doc: YamlDocument, value: unknown, at: Array<string | number>, problem: Problem): Expectation[] {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    problem('This test needs "expect": at least one field of the trace, such as outcome or cluster.', at);
    return [];
  }
  const expectations: Expectation[] = [];
  for (const [field, expected] of Object.entries(value)) {
    const path = parseFieldPath(field);
    const head = path?.[0];
    if (!path || !EXPECT_FIELDS.some((f) => f === head)) {
      problem(
        `Cannot assert "${field}": write a field of the trace (${EXPECT_FIELDS.join(', ')}), ` +
          'or a path into one such as hops[0].route or dns.answers.',
        [...at, field],
        true,
      );
      continue;
    }
    expectations.push({ field, path, value: expected, range: documentRange(doc, [...at, field]) });
  }
  return expectations;
}
