/**
 * `meshpath test` and `meshpath diff`: the core's path tests and before/after comparison, formatted for a terminal and
 * CI.
 */
import { writeFileSync } from 'node:fs';
import {
  analyze,
  defaultRequests,
  describeResult,
  diffMarkdown,
  diffRequests,
  junitXml,
  parseTestsFile,
  runPathTests,
  DEFAULT_REQUEST_LIMIT,
  type Diagnostic,
  type DiffRequest,
  type Analysis,
  type PathTest,
  type RequestDiff,
  type TestResult,
} from '../core/index.ts';
import { HELP, readFiles, readPort, walkOptions, type CommandResult, type ReadStdin } from './options.ts';

function usageError(command: string, message: string, usage: string): CommandResult {
  return { stdout: '', stderr: `meshpath ${command}: ${message}\n\n${usage}`, exitCode: 2 };
}

function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.range.start.line}:${d.range.start.column} ${d.severity} ${d.message} [${d.code}]`;
}

/** Errors in the manifests do not stop a test run (the rest is still read), but the user hears of them. */
function manifestWarnings(command: string, label: string, analysis: Analysis): string {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return '';
  return (
    `meshpath ${command}: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the ${label} (documents ` +
    `that cannot be read are left out):\n${errors.map((d) => `  ${formatDiagnostic(d)}\n`).join('')}`
  );
}

/** Reads the tests files; undefined and a message (every problem at its line and column) when one is unusable. */
function readTests(names: readonly string[], readStdin: ReadStdin): PathTest[] | string {
  const files = readFiles(names, readStdin);
  if (typeof files === 'string') return files;
  const tests: PathTest[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const parsed = parseTestsFile(file);
    if (parsed.ok) tests.push(...parsed.tests);
    else problems.push(...parsed.diagnostics.map(formatDiagnostic));
  }
  if (problems.length > 0) return `the tests file cannot be used:\n${problems.join('\n')}`;
  if (tests.length === 0) return 'the tests file has no tests.';
  return tests;
}

function testText(results: readonly TestResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const where = `${r.file}:${r.range.start.line}:${r.range.start.column}`;
    if (r.status === 'passed') {
      const t = r.trace;
      lines.push(`PASS  ${r.name}${t ? `  (${t.outcome}${t.status !== null ? ` ${t.status}` : ''})` : ''}`);
      continue;
    }
    lines.push(`${r.status === 'error' ? 'ERROR' : 'FAIL'}  ${r.name}  (${where})`);
    if (r.error !== undefined) {
      lines.push(`      ${r.error}`);
      continue;
    }
    const first = r.failures[0];
    if (!first) continue;
    lines.push(
      `      ${first.at}: expected ${JSON.stringify(first.expected)}, got ${JSON.stringify(first.actual)}` +
        `  (${r.file}:${first.range.start.line}:${first.range.start.column})`,
    );
    if (first.step) {
      lines.push(
        `      decided at step ${first.step.number} [${first.step.kind}]` +
          `${first.step.proxy ? ` ${first.step.proxy}:` : ''} ${first.step.title}`,
      );
      lines.push(`        ${first.step.detail}`);
    }
    if (r.failures.length > 1)
      lines.push(
        `      and ${r.failures.length - 1} more field${r.failures.length > 2 ? 's' : ''}: ${r.failures
          .slice(1)
          .map((f) => f.at)
          .join(', ')}`,
      );
  }
  const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
  lines.push('');
  lines.push(
    `${results.length} test${results.length === 1 ? '' : 's'}: ${count('passed')} passed, ${count('failed')} failed` +
      (count('error') > 0 ? `, ${count('error')} could not be traced` : ''),
  );
  return `${lines.join('\n')}\n`;
}

function testJson(results: readonly TestResult[]): string {
  const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
  return `${JSON.stringify(
    {
      passed: count('passed'),
      failed: count('failed'),
      errors: count('error'),
      tests: results.map((r) => ({
        name: r.name,
        status: r.status,
        file: r.file,
        line: r.range.start.line,
        column: r.range.start.column,
        outcome: r.trace?.outcome ?? null,
        httpStatus: r.trace?.status ?? null,
        error: r.error ?? null,
        failures: r.failures.map((f) => ({
          field: f.field,
          at: f.at,
          expected: f.expected,
          actual: f.actual,
          line: f.range.start.line,
          column: f.range.start.column,
          step: f.step ?? null,
        })),
      })),
    },
    null,
    2,
  )}\n`;
}

export function runTest(rest: readonly string[], readStdin: ReadStdin, usage: string): CommandResult {
  const manifests: string[] = [];
  const testFiles: string[] = [];
  let junit: string | undefined;
  let json = false;
  const problem = walkOptions(rest, (flag, value, arg) => {
    if (flag === '-f' || flag === '--filename') {
      const file = value('a file name');
      if (file !== undefined) manifests.push(file);
    } else if (flag === '--tests' || flag === '-t') {
      const file = value('a tests file');
      if (file !== undefined) testFiles.push(file);
    } else if (flag === '--junit') {
      junit = value('a file name for the JUnit XML report');
    } else if (arg === '--json') {
      json = true;
    } else if (!arg.startsWith('-')) {
      testFiles.push(arg);
    } else {
      return `Unknown option for test: ${arg}`;
    }
    return undefined;
  });
  if (problem === HELP) return { stdout: usage, stderr: '', exitCode: 0 };
  if (problem !== undefined) return usageError('test', problem, usage);
  if (manifests.length === 0) return usageError('test', 'test needs at least one -f FILE_OR_DIR of manifests.', usage);
  if (testFiles.length === 0) return usageError('test', 'test needs a tests file (tests.yaml).', usage);
  const files = readFiles(manifests, readStdin);
  if (typeof files === 'string') return { stdout: '', stderr: `meshpath test: ${files}\n`, exitCode: 2 };
  const tests = readTests(testFiles, readStdin);
  if (typeof tests === 'string') return { stdout: '', stderr: `meshpath test: ${tests}\n`, exitCode: 2 };
  const analysis = analyze(files);
  const results = runPathTests(
    (clusterDomain) => (clusterDomain === undefined ? analysis : analyze(files, { clusterDomain })),
    tests,
  );
  let stderr = manifestWarnings('test', 'manifests', analysis);
  if (junit !== undefined) {
    try {
      writeFileSync(junit, junitXml(results, testFiles.join(', ')));
    } catch (error) {
      stderr += `meshpath test: cannot write ${junit}: ${String(error)}\n`;
      return { stdout: json ? testJson(results) : testText(results), stderr, exitCode: 2 };
    }
  }
  const ok = results.every((r) => r.status === 'passed');
  return { stdout: json ? testJson(results) : testText(results), stderr, exitCode: ok ? 0 : 1 };
}

function diffText(diffs: readonly RequestDiff[], omitted: number): string {
  const lines: string[] = [];
  const changed = diffs.filter((d) => d.changed);
  for (const d of changed) {
    lines.push(`CHANGED  ${d.name}`);
    lines.push(`  before: ${describeResult(d.before)}`);
    lines.push(`  after:  ${describeResult(d.after)}`);
    const v = d.divergence;
    if (v) {
      lines.push(`  the paths part at step ${v.step}:`);
      if (v.before)
        lines.push(`    before: [${v.before.kind}]${v.before.proxy ? ` ${v.before.proxy}:` : ''} ${v.before.title}`);
      else lines.push('    before: (the path had ended)');
      if (v.after)
        lines.push(`    after:  [${v.after.kind}]${v.after.proxy ? ` ${v.after.proxy}:` : ''} ${v.after.title}`);
      else lines.push('    after:  (the path has ended)');
      for (const o of v.objects)
        lines.push(
          `  because of ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (${o.change}, ${o.file}:${o.line})`,
        );
    }
  }
  if (changed.length > 0) lines.push('');
  lines.push(`${diffs.length} request${diffs.length === 1 ? '' : 's'} traced, ${changed.length} changed.`);
  if (omitted > 0)
    lines.push(
      `${omitted} more requests were not traced (limit ${DEFAULT_REQUEST_LIMIT}): pass --tests to choose them.`,
    );
  return `${lines.join('\n')}\n`;
}

export function runDiff(rest: readonly string[], readStdin: ReadStdin, usage: string): CommandResult {
  const before: string[] = [];
  const after: string[] = [];
  const testFiles: string[] = [];
  let from: string | undefined;
  let to: string | undefined;
  let port: number | undefined;
  let format = 'text' as 'text' | 'markdown' | 'json';
  const problem = walkOptions(rest, (flag, value, arg) => {
    switch (flag) {
      case '--before': {
        const v = value('manifest files or a directory');
        if (v !== undefined) before.push(v);
        break;
      }
      case '--after': {
        const v = value('manifest files or a directory');
        if (v !== undefined) after.push(v);
        break;
      }
      case '--tests':
      case '-t': {
        const v = value('a tests file');
        if (v !== undefined) testFiles.push(v);
        break;
      }
      case '--from':
      case '--to':
        if (flag === '--from') from = value('NAMESPACE/POD');
        else to = value('a host, IP or URL');
        break;
      case '--port': {
        const v = readPort(value);
        if (typeof v === 'string') return v;
        port = v;
        break;
      }
      case '--markdown':
        format = 'markdown';
        break;
      case '--json':
        format = 'json';
        break;
      default:
        return `Unknown option for diff: ${arg}`;
    }
    return undefined;
  });
  if (problem === HELP) return { stdout: usage, stderr: '', exitCode: 0 };
  if (problem !== undefined) return usageError('diff', problem, usage);
  if (before.length === 0 || after.length === 0)
    return usageError('diff', 'diff needs --before FILES_OR_DIR and --after FILES_OR_DIR.', usage);
  if ((from === undefined) !== (to === undefined))
    return usageError('diff', 'diff needs both --from and --to, or neither.', usage);
  if (from !== undefined && testFiles.length > 0)
    return usageError('diff', 'give --tests or --from/--to, not both.', usage);
  const beforeFiles = readFiles(before, readStdin);
  if (typeof beforeFiles === 'string') return { stdout: '', stderr: `meshpath diff: ${beforeFiles}\n`, exitCode: 2 };
  const afterFiles = readFiles(after, readStdin);
  if (typeof afterFiles === 'string') return { stdout: '', stderr: `meshpath diff: ${afterFiles}\n`, exitCode: 2 };
  const beforeAnalysis = analyze(beforeFiles);
  const afterAnalysis = analyze(afterFiles);
  let requests: DiffRequest[];
  let omitted = 0;
  if (testFiles.length > 0) {
    const tests = readTests(testFiles, readStdin);
    if (typeof tests === 'string') return { stdout: '', stderr: `meshpath diff: ${tests}\n`, exitCode: 2 };
    requests = tests.map((t) => ({ name: t.name, request: t.request, options: t.options }));
  } else if (from !== undefined && to !== undefined) {
    requests = [{ name: `${from} → ${to}${port ? `:${port}` : ''}`, request: { from, to, port }, options: {} }];
  } else {
    ({ requests, omitted } = defaultRequests([beforeAnalysis, afterAnalysis]));
  }
  const diffs = diffRequests(beforeAnalysis, afterAnalysis, requests);
  const changed = diffs.filter((d) => d.changed).length;
  const stdout =
    format === 'json'
      ? `${JSON.stringify({ requests: diffs.length, changed, omitted, diffs }, null, 2)}\n`
      : format === 'markdown'
        ? diffMarkdown(diffs, omitted)
        : diffText(diffs, omitted);
  const stderr =
    manifestWarnings('diff', 'before manifests', beforeAnalysis) +
    manifestWarnings('diff', 'after manifests', afterAnalysis);
  return { stdout, stderr, exitCode: diffs.some((d) => d.changed) ? 1 : 0 };
}
