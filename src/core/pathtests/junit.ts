/** JUnit XML, the report format CI systems (GitHub Actions reporters, GitLab, Jenkins) read. */
import type { TestResult } from './run.ts';

function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // Characters XML 1.0 cannot hold at all.
      // eslint-disable-next-line no-control-regex -- removing them is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
  );
}

/** One failed field as a line a person reads in a CI report. */
export function describeFailure(result: TestResult): string {
  if (result.error !== undefined) return result.error;
  return result.failures
    .map(
      (f) =>
        `${f.at}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.actual)}` +
        (f.step
          ? ` (decided at step ${f.step.number} [${f.step.kind}]${f.step.proxy ? ` ${f.step.proxy}:` : ''} ` +
            `${f.step.title})`
          : ''),
    )
    .join('\n');
}

export function junitXml(results: readonly TestResult[], suiteName: string): string {
  const failures = results.filter((r) => r.status === 'failed').length;
  const errors = results.filter((r) => r.status === 'error').length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const total = results.reduce((sum, r) => sum + r.milliseconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="meshpath" tests="${results.length}" failures="${failures}" errors="${errors}" ` +
      `time="${seconds(total)}">`,
    `  <testsuite name="${escapeXml(suiteName)}" tests="${results.length}" failures="${failures}" ` +
      `errors="${errors}" skipped="0" time="${seconds(total)}">`,
  ];
  for (const r of results) {
    const open =
      `    <testcase name="${escapeXml(r.name)}" classname="${escapeXml(suiteName)}" file="${escapeXml(r.file)}" ` +
      `line="${r.range.start.line}" time="${seconds(r.milliseconds)}"`;
    if (r.status === 'passed') {
      lines.push(`${open}/>`);
      continue;
    }
    const tag = r.status === 'error' ? 'error' : 'failure';
    const type = r.status === 'error' ? 'TraceError' : 'PathMismatch';
    const first = r.status === 'error' ? (r.error ?? '') : describeFailure(r).split('\n')[0];
    lines.push(`${open}>`);
    lines.push(
      `      <${tag} message="${escapeXml(first ?? '')}" type="${type}">${escapeXml(describeFailure(r))}</${tag}>`,
    );
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}
