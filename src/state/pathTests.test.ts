import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, parseTestsFile, traceRequest, type ManifestFile, type Trace } from '../core/index.ts';
import { EngineSession } from './engine.ts';
import {
  appendTestEntry,
  isTestsFile,
  meshOptionsOf,
  requestInputOf,
  runWorkspaceTests,
  splitWorkspace,
  testEntryLines,
  testNames,
  uniqueName,
} from './pathTests.ts';
import { DEFAULT_OPTIONS } from './scenarioCodec.ts';
import { toTraceOptions, toTraceRequest } from './engine.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bookinfo: ManifestFile = {
  name: 'bookinfo.yaml',
  text: readFileSync(`${root}fixtures/scenarios/bookinfo/manifests.yaml`, 'utf8'),
};
const bookinfoTests: ManifestFile = {
  name: 'bookinfo.tests.yaml',
  text: readFileSync(`${root}fixtures/pathtests/bookinfo.tests.yaml`, 'utf8'),
};

function traced(request: Parameters<typeof traceRequest>[1], options = {}): Trace {
  const result = traceRequest(analyze([bookinfo]), request, options);
  if (!result.ok) throw new Error(result.reason);
  return result.trace;
}

describe('tests files in the workspace', () => {
  it('are told from manifests by their shape, whatever their name', () => {
    expect(isTestsFile(bookinfoTests)).toBe(true);
    expect(isTestsFile({ name: 'x.yaml', text: '# mine\ntests: []\n' })).toBe(true);
    expect(isTestsFile(bookinfo)).toBe(false);
    expect(isTestsFile({ name: 'tests.yaml', text: 'kind: ConfigMap\ntests: 1\n' })).toBe(false);
    expect(splitWorkspace([bookinfo, bookinfoTests])).toEqual({ manifests: [bookinfo], tests: [bookinfoTests] });
  });

  it('run against the manifests in the analysis worker, and only again when either changes', () => {
    const session = new EngineSession();
    const request = { from: '', to: '', port: '', protocol: '', method: '', path: '', headers: '', sni: '' };
    const first = session.run({ files: [bookinfo, bookinfoTests], request, options: DEFAULT_OPTIONS });
    expect(first.analysis?.diagnostics?.filter((d) => d.file === bookinfoTests.name)).toEqual([]);
    expect(first.pathTests?.results.map((r) => r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(first.pathTests?.files).toEqual([{ name: 'bookinfo.tests.yaml', diagnostics: [], tests: 4 }]);
    // The same inputs: nothing new to say.
    expect(session.run({ files: [bookinfo, bookinfoTests], request, options: DEFAULT_OPTIONS }).pathTests).toBe(
      undefined,
    );
    // An edit of the tests file re-runs the tests without analysing the manifests again.
    const failing = { ...bookinfoTests, text: bookinfoTests.text.replace('status: 503', 'status: 200') };
    const second = session.run({ files: [bookinfo, failing], request, options: DEFAULT_OPTIONS });
    expect(second.analysis).toBe(undefined);
    const result = second.pathTests?.results[2];
    expect(result).toMatchObject({
      status: 'failed',
      failure: { field: 'status', at: 'status', expected: '200', actual: '503' },
      request: { from: 'bookinfo/productpage-v1', to: 'http://ratings:9080/mysql' },
    });
    expect(result?.failure?.step?.kind).toBeDefined();
    // A tests file with a mistake says where.
    const broken = { ...bookinfoTests, text: bookinfoTests.text.replace('expect: { outcome', 'expectt: { outcome') };
    const third = session.run({ files: [bookinfo, broken], request, options: DEFAULT_OPTIONS });
    expect(third.pathTests?.results).toHaveLength(0);
    expect(third.pathTests?.files[0]?.diagnostics[0]).toMatchObject({
      message: expect.stringContaining('Unknown field "expectt"'),
      range: { start: { line: expect.any(Number), column: expect.any(Number) } },
    });
    // Closing the tests file clears the results.
    expect(session.run({ files: [bookinfo], request, options: DEFAULT_OPTIONS }).pathTests).toEqual({
      files: [],
      results: [],
    });
  });

  it('carry each test’s request and options back into the request form', () => {
    const analysis = analyze([bookinfo]);
    const view = runWorkspaceTests(analysis, () => analysis, [bookinfoTests]);
    const jason = view.results[0];
    expect(jason?.request).toMatchObject({
      from: 'bookinfo/productpage-v1',
      to: 'http://reviews:9080/reviews/0',
      headers: 'end-user: jason',
    });
    expect(toTraceRequest(jason!.request)).toEqual({
      from: 'bookinfo/productpage-v1',
      to: 'http://reviews:9080/reviews/0',
      headers: { 'end-user': 'jason' },
    });
    expect(meshOptionsOf({ outboundTrafficPolicy: 'REGISTRY_ONLY', dnsCapture: false })).toEqual({
      outboundTrafficPolicy: 'REGISTRY_ONLY',
      dnsCapture: 'off',
    });
    expect(requestInputOf({ from: 'a/b', to: 'c', port: 80, protocol: 'tcp' })).toMatchObject({
      port: '80',
      protocol: 'tcp',
    });
  });
});

describe('save as test', () => {
  it('writes an entry that reads back as the same request, and passes against the same manifests', () => {
    const input = {
      from: 'bookinfo/productpage-v1',
      to: 'http://reviews:9080/reviews/0',
      port: '',
      protocol: '',
      method: 'POST',
      path: '',
      headers: 'end-user: jason\nx-odd: "a, b: c"',
      sni: '',
    };
    const options = { outboundTrafficPolicy: 'REGISTRY_ONLY', dnsCapture: 'on' } as const;
    const request = toTraceRequest(input);
    if (typeof request === 'string') throw new Error(request);
    const trace = traced(request, toTraceOptions(options));
    const name = 'jason: "v2", please #1';
    const text = `tests:\n${testEntryLines(name, request, options, trace, '  ').join('\n')}\n`;
    const parsed = parseTestsFile({ name: 't.yaml', text });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    expect(parsed.tests[0]?.name).toBe(name);
    expect(parsed.tests[0]?.request).toEqual(request);
    expect(parsed.tests[0]?.options).toEqual({ outboundTrafficPolicy: 'REGISTRY_ONLY', dnsCapture: true });
    expect(Object.fromEntries(parsed.tests[0]!.expect.map((e) => [e.field, e.value]))).toEqual({
      outcome: 'routed',
      status: 200,
      cluster: 'outbound|9080|v2|reviews.bookinfo.svc.cluster.local',
    });
    const view = runWorkspaceTests(analyze([bookinfo]), () => analyze([bookinfo]), [{ name: 't.yaml', text }]);
    expect(view.results.map((r) => r.status)).toEqual(['passed']);
  });

  it('appends to the list the user wrote, keeping comments and its indentation', () => {
    const entry = (indent: string) => [`${indent}- name: new`, `${indent}  to: x`];
    expect(appendTestEntry('', entry)).toEqual({ text: 'tests:\n  - name: new\n    to: x\n', line: 2 });
    expect(appendTestEntry('# mine\ntests: []\n', entry)?.text).toBe('# mine\ntests:\n  - name: new\n    to: x\n');
    const flush = 'tests:\n- name: a\n  to: y\n\n# the end\nother: 1\n';
    expect(appendTestEntry(flush, entry)).toEqual({
      text: 'tests:\n- name: a\n  to: y\n- name: new\n  to: x\n\n# the end\nother: 1\n',
      line: 4,
    });
    expect(appendTestEntry(bookinfoTests.text, entry)?.text).toBe(`${bookinfoTests.text}  - name: new\n    to: x\n`);
    expect(appendTestEntry('tests: [{ name: a }]\n', entry)).toBe(undefined);
    expect(appendTestEntry('other: 1\n', entry)).toBe(undefined);
  });

  it('gives each test its own name', () => {
    expect(testNames(bookinfoTests)[0]).toBe('jason reaches reviews v2');
    expect(uniqueName('jason reaches reviews v2', testNames(bookinfoTests))).toBe('jason reaches reviews v2 (2)');
    expect(uniqueName('a', ['a', 'a (2)'])).toBe('a (3)');
    expect(uniqueName('b', ['a'])).toBe('b');
  });
});
