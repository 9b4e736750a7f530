/**
 * Before and after: the same requests traced against two versions of the manifests, and for each request whose
 * result changed, the first step where the two paths part and the objects behind that step that differ.
 */
import type { Analysis } from '../analysis.ts';
import { traceRequest, type Trace, type TraceStep } from '../explain/trace.ts';
import type { ManifestObject } from '../manifest/parse.ts';
import type { ObjectSource } from '../model/mesh.ts';
import type { TraceOptions, TraceRequest } from '../simulate/request.ts';
import { finalClusterHop } from './run.ts';

export interface DiffRequest {
  name: string;
  request: TraceRequest;
  options: TraceOptions;
}

/** How many requests `defaultRequests` builds at most: pods × service ports grows fast in a real export. */
export const DEFAULT_REQUEST_LIMIT = 500;

/**
 * Every workload (one pod each) to every TCP port of every Service, in both versions, as a reviewer would want checked
 * when no tests file names the requests; `omitted` says how many were left out past the limit.
 */
export function defaultRequests(
  analyses: readonly Analysis[],
  limit = DEFAULT_REQUEST_LIMIT,
): { requests: DiffRequest[]; omitted: number } {
  const sources = new Map<string, string>();
  const targets = new Map<string, { host: string; port: number }>();
  for (const analysis of analyses) {
    for (const pod of analysis.model.pods) {
      const workload = pod.owner
        ? `${pod.namespace}/${pod.owner.kind}/${pod.owner.name}`
        : `${pod.namespace}/${pod.name}`;
      if (!sources.has(workload)) sources.set(workload, `${pod.namespace}/${pod.name}`);
    }
    for (const service of analysis.model.services) {
      for (const port of service.ports) {
        if (port.protocol !== 'TCP') continue;
        const host = `${service.name}.${service.namespace}`;
        targets.set(`${host}:${port.port}`, { host, port: port.port });
      }
    }
  }
  const requests: DiffRequest[] = [];
  let omitted = 0;
  for (const from of [...new Set(sources.values())].sort()) {
    for (const [name, target] of [...targets].sort(([a], [b]) => a.localeCompare(b))) {
      if (requests.length >= limit) {
        omitted++;
        continue;
      }
      requests.push({ name: `${from} → ${name}`, request: { from, to: target.host, port: target.port }, options: {} });
    }
  }
  return { requests, omitted };
}

/** What a request came to: enough to tell two results apart without the words around them. */
export interface ResultSummary {
  outcome: string;
  status: number | null;
  responseFlags: string;
  /** proxy → cluster for each hop that picked one. */
  clusters: string[];
  /** The last cluster a client or gateway proxy chose: where the mesh sent the request. */
  cluster: string | null;
}

export interface ObjectChange {
  kind: string;
  namespace: string | undefined;
  name: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  /** Where it is in the version that has it (the after one when both do). */
  file: string;
  line: number;
}

export interface RequestDiff {
  name: string;
  request: TraceRequest;
  before: ResultSummary | { error: string };
  after: ResultSummary | { error: string };
  changed: boolean;
  /** The first step (1-based) where the paths differ, with each side's step there. */
  divergence:
    | { step: number; before: StepSummary | undefined; after: StepSummary | undefined; objects: ObjectChange[] }
    | undefined;
}

export interface StepSummary {
  kind: string;
  proxy: string | undefined;
  title: string;
  detail: string;
}

function summarize(trace: Trace): ResultSummary {
  return {
    outcome: trace.outcome,
    status: trace.status,
    responseFlags: trace.responseFlags,
    clusters: trace.hops.filter((h) => h.cluster).map((h) => `${h.proxy} → ${h.cluster}`),
    cluster: trace.hops[finalClusterHop(trace) ?? -1]?.cluster ?? null,
  };
}

function stepKey(step: TraceStep | undefined): string {
  return step ? `${step.kind}|${step.proxy ?? ''}|${step.name ?? ''}|${step.title}` : '';
}

function stepSummary(step: TraceStep | undefined): StepSummary | undefined {
  return step && { kind: step.kind, proxy: step.proxy, title: step.title, detail: step.detail };
}

function objectKey(o: { kind: string; namespace: string | undefined; name: string }): string {
  return `${o.kind}|${o.namespace ?? ''}|${o.name}`;
}

/** The objects of one version by kind, namespace and name, with their content for comparison. */
class ObjectIndex {
  private readonly byKey = new Map<string, { object: ManifestObject; text: string }>();
  constructor(analysis: Analysis) {
    for (const object of analysis.objects)
      this.byKey.set(objectKey(object), { object, text: JSON.stringify(object.value) });
  }
  get(key: string) {
    return this.byKey.get(key);
  }
}

function classify(source: ObjectSource, before: ObjectIndex, after: ObjectIndex): ObjectChange {
  const key = objectKey(source);
  const b = before.get(key);
  const a = after.get(key);
  const change = !b ? 'added' : !a ? 'removed' : a.text === b.text ? 'unchanged' : 'changed';
  const where = a ?? b;
  return {
    kind: source.kind,
    namespace: source.namespace,
    name: source.name,
    change,
    file: where?.object.file ?? source.file,
    line: where?.object.range.start.line ?? source.range.start.line,
  };
}

/**
 * The objects behind the first differing step: those cited by either side's step there that were added, removed or
 * changed; when none of them differs (the cause sits earlier, e.g. a Sidecar that hides a host), every object either
 * trace cites that differs between the versions.
 */
function causes(
  steps: Array<TraceStep | undefined>,
  traces: Array<Trace | undefined>,
  before: ObjectIndex,
  after: ObjectIndex,
): ObjectChange[] {
  const collect = (sources: ObjectSource[]) => {
    const seen = new Map<string, ObjectChange>();
    for (const s of sources) if (!seen.has(objectKey(s))) seen.set(objectKey(s), classify(s, before, after));
    return [...seen.values()].filter((c) => c.change !== 'unchanged');
  };
  const direct = collect(steps.flatMap((s) => s?.sources ?? []));
  if (direct.length > 0) return direct;
  return collect(traces.flatMap((t) => t?.steps.flatMap((s) => s.sources) ?? []));
}

/** Traces each request in both versions and says what changed. */
export function diffRequests(before: Analysis, after: Analysis, requests: readonly DiffRequest[]): RequestDiff[] {
  const beforeIndex = new ObjectIndex(before);
  const afterIndex = new ObjectIndex(after);
  return requests.map((r) => {
    const b = traceRequest(before, r.request, r.options);
    const a = traceRequest(after, r.request, r.options);
    const bSummary = b.ok ? summarize(b.trace) : { error: b.reason };
    const aSummary = a.ok ? summarize(a.trace) : { error: a.reason };
    const changed = JSON.stringify(bSummary) !== JSON.stringify(aSummary);
    let divergence: RequestDiff['divergence'];
    if (changed && b.ok && a.ok) {
      const length = Math.max(b.trace.steps.length, a.trace.steps.length);
      let i = 0;
      while (i < length && stepKey(b.trace.steps[i]) === stepKey(a.trace.steps[i])) i++;
      const bStep = b.trace.steps[Math.min(i, b.trace.steps.length - 1)];
      const aStep = a.trace.steps[Math.min(i, a.trace.steps.length - 1)];
      divergence = {
        step: i + 1,
        before: stepSummary(b.trace.steps[i]),
        after: stepSummary(a.trace.steps[i]),
        objects: causes([bStep, aStep], [b.trace, a.trace], beforeIndex, afterIndex),
      };
    }
    return { name: r.name, request: r.request, before: bSummary, after: aSummary, changed, divergence };
  });
}

/** `routed 200 via outbound|80||x.ns.svc.cluster.local`, or the reason it could not be traced. */
export function describeResult(r: ResultSummary | { error: string }): string {
  if ('error' in r) return `error: ${r.error}`;
  const status = [r.status !== null ? String(r.status) : '', r.responseFlags !== '-' ? r.responseFlags : '']
    .filter(Boolean)
    .join(' ');
  return `${r.outcome}${status ? ` ${status}` : ''}${r.cluster ? ` via ${r.cluster}` : ''}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A summary fit for a pull request review comment. */
export function diffMarkdown(diffs: readonly RequestDiff[], omitted: number): string {
  const changed = diffs.filter((d) => d.changed);
  const lines: string[] = [];
  lines.push(`### Meshpath: ${changed.length} of ${diffs.length} requests change`);
  lines.push('');
  if (changed.length === 0) {
    lines.push('No request changes outcome, status or path.');
  } else {
    lines.push('| Request | Before | After | Where the paths part | Objects |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const d of changed) {
      const step = d.divergence?.after ?? d.divergence?.before;
      const where = d.divergence && step ? `step ${d.divergence.step} [${step.kind}] ${step.title}` : '';
      const objects = (d.divergence?.objects ?? [])
        .map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (${o.change}, ${o.file}:${o.line})`)
        .join('<br>');
      lines.push(
        `| ${cell(d.name)} | \`${cell(describeResult(d.before))}\` | \`${cell(describeResult(d.after))}\` | ` +
          `${cell(where)} | ${cell(objects)} |`,
      );
    }
  }
  if (omitted > 0)
    lines.push(
      '',
      `${omitted} more requests were not traced (limit ${DEFAULT_REQUEST_LIMIT}): pass --tests to choose them.`,
    );
  return `${lines.join('\n')}\n`;
}
