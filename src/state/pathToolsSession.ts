import {
  analyze,
  diffRequests,
  explainWhyNot,
  traceRequest,
  type Analysis,
  type ManifestFile,
  type RequestDiff,
  type TraceOptions,
  type TraceRequest,
  type TraceStep,
  type WhyNot,
} from '../core/index.ts';
import { splitWorkspace } from './pathTests.ts';

/**
 * The work behind "Why not / fix" and "Compare with…": each re-analyses manifests (once per candidate fix, once per
 * other workspace), so it runs in its own worker and never holds up the trace.
 */
export type ToolsJob =
  | {
      kind: 'whyNot';
      files: ManifestFile[];
      request: TraceRequest;
      options: TraceOptions;
      /** The cluster the user meant a routed request to reach. */
      intendedCluster?: string;
    }
  | { kind: 'compare'; before: ManifestFile[]; after: ManifestFile[]; request: TraceRequest; options: TraceOptions };

/** One step of a path, as the comparison shows it side by side. */
export interface StepLine {
  kind: TraceStep['kind'];
  proxy: string | undefined;
  title: string;
  detail: string;
}

export interface CompareResult {
  diff: RequestDiff;
  /** Each side's steps, or why the request could not be traced there. */
  before: StepLine[] | string;
  after: StepLine[] | string;
}

export type ToolsOutput = { kind: 'whyNot'; result: WhyNot | string } | { kind: 'compare'; result: CompareResult };

function sameFiles(a: readonly ManifestFile[], b: readonly ManifestFile[]): boolean {
  return a.length === b.length && a.every((file, i) => file.name === b[i]?.name && file.text === b[i]?.text);
}

/** How many analyses the session keeps: this workspace, the one it is compared with, and one more. */
const KEPT = 3;

export class PathToolsSession {
  private kept: Array<{ files: ManifestFile[]; analysis: Analysis }> = [];

  /** The analysis of these manifests, kept for the next job (the workspace rarely changes between two jobs). */
  private analysisOf(files: ManifestFile[]): Analysis {
    const found = this.kept.find((k) => sameFiles(k.files, files));
    if (found) {
      this.kept = [found, ...this.kept.filter((k) => k !== found)];
      return found.analysis;
    }
    const analysis = analyze(files);
    this.kept = [{ files, analysis }, ...this.kept].slice(0, KEPT);
    return analysis;
  }

  run(job: ToolsJob): ToolsOutput {
    if (job.kind === 'whyNot') {
      const files = splitWorkspace(job.files).manifests;
      this.analysisOf(files);
      // The candidates' manifests are analysed once each and not kept.
      const analyzer = (f: readonly ManifestFile[], clusterDomain: string | undefined) =>
        clusterDomain === undefined && sameFiles(f, files) ? this.analysisOf(files) : analyze(f, { clusterDomain });
      return {
        kind: 'whyNot',
        result: explainWhyNot(analyzer, files, job.request, job.options, job.intendedCluster),
      };
    }
    const before = this.analysisOf(splitWorkspace(job.before).manifests);
    const after = this.analysisOf(splitWorkspace(job.after).manifests);
    const [diff] = diffRequests(before, after, [{ name: 'this request', request: job.request, options: job.options }]);
    const steps = (analysis: Analysis): StepLine[] | string => {
      const traced = traceRequest(analysis, job.request, job.options);
      if (!traced.ok) return traced.reason;
      return traced.trace.steps.map((s) => ({ kind: s.kind, proxy: s.proxy, title: s.title, detail: s.detail }));
    };
    if (!diff) throw new Error('The comparison traced no request.');
    return { kind: 'compare', result: { diff, before: steps(before), after: steps(after) } };
  }
}
