/**
 * Helpers for the analyzers' scenario tests: manifests in, the findings of one code out. Only tests import this module.
 */
import { analyze, type Diagnostic, type DiagnosticCode } from '../index.ts';

export interface Finding {
  code: DiagnosticCode;
  severity: Diagnostic['severity'];
  /** The text the finding points at (the field's first line from its column). */
  at: string;
  message: string;
}

export function findings(text: string, codes: readonly DiagnosticCode[]): Finding[] {
  const lines = text.split('\n');
  return analyze([{ name: 'scenario.yaml', text }])
    .diagnostics.filter((d) => codes.includes(d.code))
    .map((d) => ({
      code: d.code,
      severity: d.severity,
      at: (lines[d.range.start.line - 1] ?? '').slice(d.range.start.column - 1).trim(),
      message: d.message,
    }));
}
