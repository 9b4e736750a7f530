/**
 * The cross-object analysis stage: after the manifests are read into the mesh model, findings about how objects fit
 * together, reported like every other diagnostic. Mirrors `istioctl analyze` (pkg/config/analysis/analyzers) where an
 * istioctl message exists, under its code; Meshpath's own codes for the rest. Each analyzer family indexes once and
 * looks up after, so the stage stays linear in the number of objects.
 */
import type { Diagnostic } from '../manifest/diagnostic.ts';
import { AnalyzerContext, type AnalyzerInput, type FindingSubject } from './context.ts';
import { analyzeConflicts } from './conflicts.ts';
import { analyzeTraffic } from './traffic.ts';
import { analyzeSecurity } from './security.ts';
import { analyzeEgress } from './egress.ts';
import { analyzeReferences } from './references.ts';

export type { AnalyzerInput, FindingSubject } from './context.ts';

/** Adds the findings to `diagnostics` and returns them with the objects, hosts and subsets they concern. */
export function runAnalyzers(input: AnalyzerInput, diagnostics: Diagnostic[]): FindingSubject[] {
  const ctx = new AnalyzerContext(input, diagnostics);
  analyzeReferences(ctx);
  analyzeConflicts(ctx);
  analyzeTraffic(ctx);
  analyzeSecurity(ctx);
  analyzeEgress(ctx);
  return ctx.findings;
}
