/** Runs a tests file's requests against one set of manifests and compares each trace with what the test expects. */
import type { Analysis } from '../analysis.ts';
import type { SourceRange } from '../manifest/diagnostic.ts';
import { isRecord } from '../manifest/parse.ts';
import { traceRequest, type Trace } from '../explain/trace.ts';
import type { StepKind } from '../simulate/facts.ts';
import type { Expectation, PathTest } from './testsFile.ts';

/** The index of the hop where a client or gateway proxy last chose a cluster: where the mesh sent the request. */
export function finalClusterHop(trace: Trace): number | undefined {
  for (let i = trace.hops.length - 1; i >= 0; i--) {
    const hop = trace.hops[i];
    if (hop?.cluster && hop.direction !== 'inbound') return i;
  }
  return undefined;
}

/** The fields a test can assert, as `trace --json` prints them, plus the final cluster and its endpoint. */
export function traceView(trace: Trace): Record<string, unknown> {
  const hop = finalClusterHop(trace);
  const final = hop === undefined ? undefined : trace.hops[hop];
  return {
    outcome: trace.outcome,
    status: trace.status,
    responseFlags: trace.responseFlags,
    cluster: final?.cluster ?? null,
    endpoint: final?.endpoint ?? null,
    dns: trace.dns,
    hops: trace.hops,
    request: trace.request,
  };
}

/** The step of a trace that decided a field: where the user should look first. */
export interface DecidingStep {
  /** 1-based, as `trace` numbers its steps. */
  number: number;
  kind: StepKind;
  proxy: string | undefined;
  title: string;
  detail: string;
}

export interface FieldFailure {
  /** The field as the test wrote it, and the exact place inside it that differs (`hops[1]` when hops[1] is missing). */
  field: string;
  at: string;
  expected: unknown;
  actual: unknown;
  range: SourceRange;
  step: DecidingStep | undefined;
}

export interface TestResult {
  name: string;
  file: string;
  range: SourceRange;
  /** 'error' when the request could not be traced at all (an unknown pod...). */
  status: 'passed' | 'failed' | 'error';
  failures: FieldFailure[];
  error: string | undefined;
  trace: Trace | undefined;
  milliseconds: number;
}

const STEP_OF_FIELD: Record<string, StepKind> = {
  listener: 'listener',
  filterChain: 'filterChain',
  routeConfig: 'virtualHost',
  virtualHost: 'virtualHost',
  route: 'route',
  cluster: 'cluster',
  endpoints: 'endpoint',
  endpoint: 'endpoint',
};

function stepAt(trace: Trace, index: number): DecidingStep | undefined {
  const step = trace.steps[index];
  return step && { number: index + 1, kind: step.kind, proxy: step.proxy, title: step.title, detail: step.detail };
}

/** The step that decided the value at `path` of the trace view. */
export function decidingStep(trace: Trace, path: ReadonlyArray<string | number>): DecidingStep | undefined {
  const [head, second, third] = path;
  const last = trace.steps.length - 1;
  const find = (kind: StepKind, hop: number | undefined) => {
    for (let i = last; i >= 0; i--) {
      const s = trace.steps[i];
      if (s?.kind === kind && (hop === undefined || s.hop === hop)) return stepAt(trace, i);
    }
    return undefined;
  };
  if (head === 'dns') return find('dns', undefined) ?? stepAt(trace, 0);
  if (head === 'cluster' || head === 'endpoint') {
    const hop = finalClusterHop(trace);
    return find(head, hop) ?? stepAt(trace, last);
  }
  if (head === 'hops' && typeof second === 'number' && typeof third === 'string') {
    const kind = STEP_OF_FIELD[third];
    if (kind) return find(kind, second) ?? stepAt(trace, last);
  }
  // The outcome, status and flags: the last step that decided something, before the step that only states the end.
  for (let i = last; i >= 0; i--) {
    const kind = trace.steps[i]?.kind;
    if (kind !== 'outcome' && kind !== 'envoyFilter') return stepAt(trace, i);
  }
  return stepAt(trace, last);
}

function formatAt(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((t, s) => (typeof s === 'number' ? `${t}[${s}]` : t ? `${t}.${s}` : s), '');
}

interface Difference {
  path: Array<string | number>;
  expected: unknown;
  actual: unknown;
}

/**
 * Whether `actual` is what the test asked for: a list against a single value means "one of these"; a list against a
 * list compares item by item; a mapping compares only the keys it names; scalars compare as text (so 200 and "200"
 * agree).
 */
export function firstDifference(
  expected: unknown,
  actual: unknown,
  path: Array<string | number> = [],
): Difference | undefined {
  if (Array.isArray(expected)) {
    if (Array.isArray(actual)) {
      if (expected.length !== actual.length) return { path, expected, actual };
      for (let i = 0; i < expected.length; i++) {
        const d = firstDifference(expected[i], actual[i], [...path, i]);
        if (d) return d;
      }
      return undefined;
    }
    return expected.some((option) => !firstDifference(option, actual, path)) ? undefined : { path, expected, actual };
  }
  if (isRecord(expected)) {
    if (!isRecord(actual)) return { path, expected, actual };
    for (const [key, value] of Object.entries(expected)) {
      const d = firstDifference(value, Object.hasOwn(actual, key) ? actual[key] : undefined, [...path, key]);
      if (d) return d;
    }
    return undefined;
  }
  if (expected === null || actual === null || actual === undefined || typeof actual === 'object')
    return expected === actual ? undefined : { path, expected, actual: actual ?? null };
  return String(expected) === String(actual) ? undefined : { path, expected, actual };
}

function valueAt(view: unknown, path: ReadonlyArray<string | number>): unknown {
  let value = view;
  for (const step of path) {
    if (typeof step === 'number') value = Array.isArray(value) ? value[step] : undefined;
    else value = isRecord(value) && Object.hasOwn(value, step) ? value[step] : undefined;
    if (value === undefined) return null;
  }
  return value;
}

/** Compares one trace with a test's expectations; every differing field, in the order the test wrote them. */
export function checkExpectations(trace: Trace, expectations: readonly Expectation[]): FieldFailure[] {
  const view = traceView(trace);
  const failures: FieldFailure[] = [];
  for (const e of expectations) {
    const d = firstDifference(e.value, valueAt(view, e.path), [...e.path]);
    if (d) {
      failures.push({
        field: e.field,
        at: formatAt(d.path),
        expected: d.expected,
        actual: d.actual,
        range: e.range,
        step: decidingStep(trace, d.path),
      });
    }
  }
  return failures;
}

/** Runs one test against an analysis of the manifests. */
export function runPathTest(analysis: Analysis, test: PathTest): TestResult {
  const started = Date.now();
  const result = traceRequest(analysis, test.request, test.options);
  const base = { name: test.name, file: test.file, range: test.range };
  if (!result.ok) {
    return {
      ...base,
      status: 'error',
      failures: [],
      error: result.reason,
      trace: undefined,
      milliseconds: Date.now() - started,
    };
  }
  const failures = checkExpectations(result.trace, test.expect);
  return {
    ...base,
    status: failures.length === 0 ? 'passed' : 'failed',
    failures,
    error: undefined,
    trace: result.trace,
    milliseconds: Date.now() - started,
  };
}

/** Runs every test; one analysis per cluster domain, since the model names Ingress backends in it. */
export function runPathTests(
  analyze: (clusterDomain: string | undefined) => Analysis,
  tests: readonly PathTest[],
): TestResult[] {
  const analyses = new Map<string | undefined, Analysis>();
  return tests.map((test) => {
    const domain = test.options.clusterDomain;
    let analysis = analyses.get(domain);
    if (!analysis) {
      analysis = analyze(domain);
      analyses.set(domain, analysis);
    }
    return runPathTest(analysis, test);
  });
}
