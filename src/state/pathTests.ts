import {
  parseTestsFile,
  runPathTests,
  traceView as testedFields,
  type Analysis,
  type DecidingStep,
  type Diagnostic,
  type ManifestFile,
  type SourceRange,
  type Trace,
  type TraceOptions,
  type TraceRequest,
} from '../core/index.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST, type MeshOptions, type RequestInput } from './scenarioCodec.ts';

/** The name "Save as test" gives a new tests file. */
export const TESTS_FILE_NAME = 'meshpath.tests.yaml';

/** Files larger than this are never read as tests files: a tests file is written by hand, a export is not. */
const MAX_TESTS_FILE_CHARS = 1_000_000;

/**
 * A tests file is recognised by its shape, whatever its name: a top-level `tests:` key, and no `kind:` of a Kubernetes
 * object at the top level of any document.
 */
export function isTestsFile(file: ManifestFile): boolean {
  if (file.text.length > MAX_TESTS_FILE_CHARS) return false;
  return /^tests[ \t]*:/m.test(file.text) && !/^kind[ \t]*:/m.test(file.text);
}

/** The workspace's files split into the manifests (what is analysed) and the tests files (what is run against them). */
export function splitWorkspace(files: readonly ManifestFile[]): { manifests: ManifestFile[]; tests: ManifestFile[] } {
  const manifests: ManifestFile[] = [];
  const tests: ManifestFile[] = [];
  for (const file of files) (isTestsFile(file) ? tests : manifests).push(file);
  return { manifests, tests };
}

/** One test's result, as the Tests view shows it: small plain values the worker sends to the page. */
export interface TestRunView {
  name: string;
  status: 'passed' | 'failed' | 'error';
  file: string;
  range: SourceRange;
  outcome: string | null;
  httpStatus: number | null;
  /** Why the request could not be traced at all (an unknown pod...). */
  error: string | undefined;
  /** The first field that differs, its values as JSON text, and the step that decided it. */
  failure:
    | {
        field: string;
        at: string;
        expected: string;
        actual: string;
        range: SourceRange;
        step: DecidingStep | undefined;
      }
    | undefined;
  /** How many more fields differ after the first. */
  moreFailures: number;
  /** The test's request and options as the request form holds them, to open its trace. */
  request: RequestInput;
  options: MeshOptions;
}

export interface PathTestsView {
  /** Each tests file, with its problems (line and column); a file with problems runs no test. */
  files: Array<{ name: string; diagnostics: Diagnostic[]; tests: number }>;
  results: TestRunView[];
}

export const EMPTY_PATH_TESTS: PathTestsView = { files: [], results: [] };

/** A test's request as the request form holds it (strings, headers one per line). */
export function requestInputOf(request: TraceRequest): RequestInput {
  return {
    ...EMPTY_REQUEST,
    from: request.from,
    to: request.to,
    port: request.port !== undefined ? String(request.port) : '',
    protocol: request.protocol ?? '',
    method: request.method ?? '',
    path: request.path ?? '',
    headers: Object.entries(request.headers ?? {})
      .map(([name, value]) => `${name}: ${value}`)
      .join('\n'),
    sni: request.sni ?? '',
    address: request.address ?? '',
  };
}

export function meshOptionsOf(options: TraceOptions): MeshOptions {
  return {
    outboundTrafficPolicy: options.outboundTrafficPolicy ?? DEFAULT_OPTIONS.outboundTrafficPolicy,
    dnsCapture: options.dnsCapture === undefined ? 'manifests' : options.dnsCapture ? 'on' : 'off',
  };
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs every tests file against the manifests' analysis (a test that sets another cluster domain gets its own), the
 * way `meshpath test` does.
 */
export function runWorkspaceTests(
  analysis: Analysis,
  analyzeWithDomain: (clusterDomain: string) => Analysis,
  testsFiles: readonly ManifestFile[],
): PathTestsView {
  const view: PathTestsView = { files: [], results: [] };
  for (const file of testsFiles) {
    const parsed = parseTestsFile(file);
    if (!parsed.ok) {
      view.files.push({ name: file.name, diagnostics: parsed.diagnostics, tests: 0 });
      continue;
    }
    view.files.push({ name: file.name, diagnostics: [], tests: parsed.tests.length });
    const results = runPathTests(
      (domain) => (domain === undefined ? analysis : analyzeWithDomain(domain)),
      parsed.tests,
    );
    results.forEach((r, i) => {
      const test = parsed.tests[i];
      const first = r.failures[0];
      view.results.push({
        name: r.name,
        status: r.status,
        file: r.file,
        range: r.range,
        outcome: r.trace?.outcome ?? null,
        httpStatus: r.trace?.status ?? null,
        error: r.error,
        failure: first && {
          field: first.field,
          at: first.at,
          expected: json(first.expected),
          actual: json(first.actual),
          range: first.range,
          step: first.step,
        },
        moreFailures: Math.max(0, r.failures.length - 1),
        request: test ? requestInputOf(test.request) : EMPTY_REQUEST,
        options: test ? meshOptionsOf(test.options) : DEFAULT_OPTIONS,
      });
    });
  }
  return view;
}

// ---- Save as test: the current request and its result as a test entry ----

/** A YAML 1.2 value that reads back as the same string or number; anything unusual is double-quoted (JSON is valid). */
function scalar(value: string | number, flow: boolean): string {
  if (typeof value === 'number') return String(value);
  const plain = flow ? /^[A-Za-z_/][A-Za-z0-9_./-]*$/ : /^[A-Za-z_/][A-Za-z0-9_./:@%+=-]*$/;
  const reserved = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+.]?\d.*|\.inf|\.nan)$/i;
  return plain.test(value) && !reserved.test(value) && !value.includes(': ') ? value : JSON.stringify(value);
}

function flowMap(entries: Array<[string, string | number]>): string {
  return `{ ${entries.map(([k, v]) => `${scalar(k, true)}: ${scalar(v, true)}`).join(', ')} }`;
}

/** What a saved test asserts: the outcome, and the status and final cluster when the trace has them. */
export function expectationsOf(trace: Trace): Array<[string, string | number]> {
  const view = testedFields(trace);
  const out: Array<[string, string | number]> = [['outcome', trace.outcome]];
  if (typeof view['status'] === 'number') out.push(['status', view['status']]);
  if (typeof view['cluster'] === 'string') out.push(['cluster', view['cluster']]);
  return out;
}

/** A test entry's lines (a list item, at the given indentation) for this request, these options and this trace. */
export function testEntryLines(
  name: string,
  request: TraceRequest,
  options: MeshOptions,
  trace: Trace,
  indent: string,
): string[] {
  const lines = [`${indent}- name: ${JSON.stringify(name)}`];
  const field = (key: string, value: string | number | undefined) => {
    if (value !== undefined && value !== '') lines.push(`${indent}  ${key}: ${scalar(value, false)}`);
  };
  field('from', request.from);
  field('to', request.to);
  field('port', request.port);
  field('protocol', request.protocol);
  field('method', request.method);
  field('path', request.path);
  field('address', request.address);
  field('sni', request.sni);
  const headers = Object.entries(request.headers ?? {});
  if (headers.length > 0) lines.push(`${indent}  headers: ${flowMap(headers)}`);
  const overrides: Array<[string, string]> = [];
  if (options.outboundTrafficPolicy !== 'manifests')
    overrides.push(['outboundTrafficPolicy', options.outboundTrafficPolicy]);
  if (options.dnsCapture !== 'manifests')
    overrides.push(['dnsCapture', options.dnsCapture === 'on' ? 'true' : 'false']);
  if (overrides.length > 0) lines.push(`${indent}  options: { ${overrides.map(([k, v]) => `${k}: ${v}`).join(', ')} }`);
  lines.push(`${indent}  expect: ${flowMap(expectationsOf(trace))}`);
  return lines;
}

/** The names of the tests a file holds (read leniently, so a file with a problem still gets unique names). */
export function testNames(file: ManifestFile): string[] {
  const parsed = parseTestsFile(file);
  if (parsed.ok) return parsed.tests.map((t) => t.name);
  return [...file.text.matchAll(/^\s*-?\s*name:\s*(.+?)\s*$/gm)].map((m) => (m[1] ?? '').replace(/^["']|["']$/g, ''));
}

/** `name`, or `name (2)`, `name (3)`… whichever is free. */
export function uniqueName(name: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  let n = 2;
  while (used.has(`${name} (${n})`)) n++;
  return `${name} (${n})`;
}

/**
 * The text of a tests file with one more test at the end of its `tests:` list, keeping everything the user wrote
 * (comments, order, style); undefined when the list is written in a way this cannot append to (a flow list with items).
 */
export function appendTestEntry(
  text: string,
  entry: (indent: string) => string[],
): { text: string; line: number } | undefined {
  if (text.trim() === '') {
    const lines = ['tests:', ...entry('  ')];
    return { text: `${lines.join('\n')}\n`, line: 2 };
  }
  const lines = text.replace(/\n$/, '').split('\n');
  const head = lines.findIndex((l) => /^tests[ \t]*:/.test(l));
  if (head < 0) return undefined;
  const rest = (lines[head] ?? '')
    .replace(/^tests[ \t]*:/, '')
    .replace(/\s+#.*$/, '')
    .trim();
  if (rest === '[]') lines[head] = 'tests:';
  else if (rest !== '') return undefined;
  // The list runs until the next line at the left margin that is neither an item nor a comment.
  let end = head + 1;
  let indent: string | undefined;
  let lastContent = head;
  for (; end < lines.length; end++) {
    const line = lines[end] ?? '';
    if (line.trim() === '' || /^\s*#/.test(line)) continue;
    if (/^[^\s-]/.test(line)) break;
    indent ??= /^(\s*)-(\s|$)/.exec(line)?.[1];
    lastContent = end;
  }
  const added = entry(indent ?? '  ');
  lines.splice(lastContent + 1, 0, ...added);
  return { text: `${lines.join('\n')}\n`, line: lastContent + 2 };
}
