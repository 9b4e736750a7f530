import { create } from 'zustand';
import type { ManifestFile, Trace, VerifiedFix, WhyNot } from '../core/index.ts';
import { toTraceOptions, toTraceRequest } from './engine.ts';
import { findExample } from './examples.ts';
import { decodeScenario, type Scenario } from './scenarioCodec.ts';
import { createPathToolsClient } from './pathToolsClient.ts';
import type { CompareResult, ToolsJob, ToolsOutput } from './pathToolsSession.ts';
import { appendTestEntry, isTestsFile, testEntryLines, testNames, TESTS_FILE_NAME, uniqueName } from './pathTests.ts';
import { scenarioOf, useWorkspace, type WorkspaceState } from './store.ts';

/** What the workspace is compared with: a kept workspace, a file or a link, by name. */
export interface CompareTarget {
  /** Says what it is, e.g. "mtls.yaml as kept 5 min ago" or "the shared link". */
  label: string;
  files: ManifestFile[];
}

type Inputs = Pick<WorkspaceState, 'files' | 'request' | 'options'> & { intendedCluster: string };

export type PathToolsView = 'path' | 'tests' | 'compare';

export interface PathToolsState {
  /** Why the current request did not reach a service, and the verified fixes (computed in the path tools worker). */
  whyNot:
    | {
        inputs: Inputs;
        /** The job asked of the worker; undefined while a large workspace waits for the user to ask. */
        job: ToolsJob | undefined;
        pending: ToolsJob;
        result: WhyNot | string | undefined;
        /** Whether the result answers the job (else it is the previous one, shown until the answer comes). */
        answered: boolean;
        error?: string;
      }
    | undefined;
  compare:
    | {
        target: CompareTarget;
        inputs: Inputs | undefined;
        job: ToolsJob | undefined;
        result?: CompareResult;
        error?: string;
      }
    | undefined;
  /** A request to the workbench to show a view (the nonce makes the same request twice count twice). */
  viewRequest: { view: PathToolsView; nonce: number } | undefined;
  /** The cluster the user meant a routed request to reach ('' for none): Meshpath explains why it went elsewhere. */
  intendedCluster: string;
  setIntendedCluster: (cluster: string) => void;
  /** Whether the "Intended cluster" field is shown under a routed outcome (opened from beside the outcome). */
  askingIntended: boolean;
  setAskingIntended: (open: boolean) => void;
  showView: (view: PathToolsView) => void;
  /** Looks for fixes in a workspace too large to do it on every change. */
  findFix: () => void;
  compareWith: (target: CompareTarget) => void;
  stopComparing: () => void;
}

/** Outcomes that may have a fix: the request did not reach a service, or reached it only by passing through. */
export function wantsFix(trace: Trace): boolean {
  if (trace.outcome === 'routed' || trace.outcome === 'redirect' || trace.outcome === 'direct-response') return false;
  return !(trace.outcome === 'direct' && trace.status !== null && trace.status < 400);
}

/** Above this many characters of manifests, fixes are looked for only when the user asks. */
export const AUTO_FIX_MAX_CHARS = 2_000_000;

let nonce = 0;
let run: (job: ToolsJob) => void = () => undefined;

export const usePathTools = create<PathToolsState>()((set, get) => ({
  whyNot: undefined,
  compare: undefined,
  viewRequest: undefined,
  intendedCluster: '',
  setIntendedCluster: (cluster) => {
    set({ intendedCluster: cluster.trim() });
    refresh();
  },
  askingIntended: false,
  setAskingIntended: (open) => set({ askingIntended: open }),
  showView: (view) => set({ viewRequest: { view, nonce: ++nonce } }),
  findFix: () => {
    const whyNot = get().whyNot;
    if (!whyNot || whyNot.job || !whyNot.pending) return;
    set({ whyNot: { ...whyNot, job: whyNot.pending } });
    run(whyNot.pending);
  },
  compareWith: (target) => {
    set({ compare: { target, inputs: undefined, job: undefined }, viewRequest: { view: 'compare', nonce: ++nonce } });
    refresh();
  },
  stopComparing: () => set({ compare: undefined }),
}));

function sameInputs(a: Inputs | undefined, b: Inputs): boolean {
  return (
    a !== undefined &&
    a.files === b.files &&
    a.request === b.request &&
    a.options === b.options &&
    a.intendedCluster === b.intendedCluster
  );
}

/** Sends the jobs the current inputs need: a fix search for a request that failed, a comparison while one is open. */
function refresh(): void {
  const ws = useWorkspace.getState();
  // A result for inputs that have changed since is on its way to the store: wait for it.
  if (ws.computing) return;
  const { whyNot, compare, intendedCluster } = usePathTools.getState();
  const trace = ws.trace?.ok ? ws.trace.trace : undefined;
  // A named cluster counts for a routed request only: for one that failed, the fixes are what gets it routed.
  const intended = trace?.outcome === 'routed' && intendedCluster ? intendedCluster : '';
  const inputs: Inputs = { files: ws.files, request: ws.request, options: ws.options, intendedCluster: intended };
  const request = toTraceRequest(ws.request);
  const options = toTraceOptions(ws.options);
  if (!trace || !(wantsFix(trace) || intended) || typeof request === 'string') {
    if (whyNot) usePathTools.setState({ whyNot: undefined });
  } else if (!sameInputs(whyNot?.inputs, inputs)) {
    const job: ToolsJob = {
      kind: 'whyNot',
      files: ws.files,
      request,
      options,
      ...(intended ? { intendedCluster: intended } : {}),
    };
    // Each candidate fix is a whole analysis again: for a large export, only when the user asks.
    const large = ws.files.reduce((sum, f) => sum + f.text.length, 0) > AUTO_FIX_MAX_CHARS;
    // The last answer stays on screen (dimmed) until the new one comes, so the panel does not jump while typing.
    const result = large ? undefined : whyNot?.result;
    usePathTools.setState({ whyNot: { inputs, job: large ? undefined : job, pending: job, result, answered: false } });
    if (!large) run(job);
  }
  if (compare && !sameInputs(compare.inputs, inputs)) {
    if (typeof request === 'string') {
      usePathTools.setState({ compare: { ...compare, inputs, job: undefined, result: undefined, error: request } });
    } else {
      const job: ToolsJob = { kind: 'compare', before: compare.target.files, after: ws.files, request, options };
      usePathTools.setState({ compare: { ...compare, inputs, job, error: undefined } });
      run(job);
    }
  }
}

function receive(job: ToolsJob, output: ToolsOutput | { error: string }): void {
  const { whyNot, compare } = usePathTools.getState();
  if (job.kind === 'whyNot' && whyNot?.job === job) {
    usePathTools.setState({
      whyNot:
        'error' in output
          ? { ...whyNot, error: output.error, answered: true }
          : { ...whyNot, result: output.result as WhyNot, answered: true },
    });
  }
  if (job.kind === 'compare' && compare?.job === job) {
    usePathTools.setState({
      compare:
        'error' in output
          ? { ...compare, error: output.error, result: undefined }
          : { ...compare, result: output.result as CompareResult },
    });
  }
}

/**
 * Starts the path tools: their worker, and a watch on the workspace that asks it again (after a short pause while the
 * user types) when the inputs change. Returns the function that stops both.
 */
export function connectPathTools(): () => void {
  const client = createPathToolsClient(receive);
  run = client.run;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = useWorkspace.subscribe((state, previous) => {
    // A tests file just opened (uploaded, dropped, saved): show its results.
    if (state.pathTests.files.length > previous.pathTests.files.length) usePathTools.getState().showView('tests');
    if (state.trace === previous.trace && state.computing === previous.computing && state.files === previous.files)
      return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 200);
  });
  refresh();
  return () => {
    clearTimeout(timer);
    unsubscribe();
    client.dispose();
    run = () => undefined;
    // What the stopped worker was asked is asked again next time.
    usePathTools.setState((s) => ({
      whyNot: undefined,
      compare: s.compare && { target: s.compare.target, inputs: undefined, job: undefined },
      intendedCluster: '',
    }));
  };
}

// ---- Actions on the workspace ----

function freeName(name: string, files: readonly ManifestFile[]): string {
  const taken = new Set(files.map((f) => f.name));
  if (!taken.has(name)) return name;
  const [stem, ext] = /^(.*?)(\.[^.]*)?$/.exec(name)?.slice(1) ?? [name, ''];
  let n = 2;
  while (taken.has(`${stem}-${n}${ext ?? ''}`)) n++;
  return `${stem}-${n}${ext ?? ''}`;
}

/**
 * Saves the current request and its result as a test: appended to the tests file open in the workspace (the one on
 * screen first), or to a new `meshpath.tests.yaml`. Returns what it did, for the notice; a string when it could not.
 */
export function saveAsTest(name: string): { file: string; name: string } | string {
  const ws = useWorkspace.getState();
  const request = toTraceRequest(ws.request);
  if (typeof request === 'string') return request;
  const trace = ws.trace?.ok ? ws.trace.trace : undefined;
  if (!trace || ws.computing) return 'Wait for the trace of this request, then save it.';
  const before = scenarioOf(ws);
  const active = ws.files[ws.activeFile];
  const index = active && isTestsFile(active) ? ws.activeFile : ws.files.findIndex(isTestsFile);
  const existing = ws.files[index];
  const testName = uniqueName(name.trim() || `${request.from} → ${request.to}`, existing ? testNames(existing) : []);
  const entry = (indent: string) => testEntryLines(testName, request, ws.options, trace, indent);
  const appended = existing ? appendTestEntry(existing.text, entry) : undefined;
  let file: string;
  if (existing && appended) {
    file = existing.name;
    ws.setFileText(index, appended.text);
    ws.setActiveFile(index);
    ws.revealRange(file, { start: { line: appended.line, column: 1 }, end: { line: appended.line, column: 1 } });
  } else {
    file = freeName(TESTS_FILE_NAME, ws.files);
    const text = appendTestEntry('', entry)?.text ?? '';
    ws.openFiles({ scenario: undefined, manifests: [{ name: file, text }], failed: [] });
  }
  useWorkspace.getState().setNotice({
    kind: 'info',
    message:
      `Saved the test “${testName}” in ${file}. The Tests tab runs it again on every edit; download the file to run ` +
      'it with meshpath test in CI.',
    undo: before,
  });
  usePathTools.getState().showView('tests');
  return { file, name: testName };
}

/** Comment lines of at most 100 characters, broken at spaces. */
function commentLines(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > 100 && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

/** The comment on top of a fix opened in its own tab: what it is, what the re-trace gave, what it replaces. */
function fixHeader(fix: VerifiedFix): string[] {
  const r = fix.result;
  const lines = [
    `Fix suggested by Meshpath: ${fix.title}.`,
    `Verified by tracing again: the request is then ${r.outcome}${r.status !== null ? ` ${r.status}` : ''}` +
      `${r.cluster ? ` via ${r.cluster}` : ''}.`,
  ];
  if (fix.change === 'edit')
    lines.push(
      `This is ${fix.object.kind} ${fix.object.namespace ? `${fix.object.namespace}/` : ''}${fix.object.name}` +
        `${fix.object.file ? ` (${fix.object.file}:${fix.object.line ?? 1})` : ''} with the change: as with kubectl ` +
        'apply, this later copy is the one used.',
    );
  return lines.flatMap(commentLines);
}

/**
 * Opens a verified fix as a new file tab: the user's files stay as they are, the workspace before it is kept in the
 * history (and one Undo away), and the request is traced again with it.
 */
export function applyFixInCopy(fix: VerifiedFix): string {
  const ws = useWorkspace.getState();
  const before = scenarioOf(ws);
  const name = freeName('meshpath-fix.yaml', ws.files);
  const text = `${[...fixHeader(fix), fix.yaml.trimEnd()].join('\n')}\n`;
  ws.openFiles({ scenario: undefined, manifests: [{ name, text }], failed: [] });
  useWorkspace.getState().setNotice({
    kind: 'info',
    message:
      `Applied “${fix.title}” in a new tab, ${name}; your files are untouched. ` +
      'Close the tab, or Undo, to go back.',
    undo: before,
  });
  return name;
}

/** What a share link (or an example link) holds, to compare with; a sentence when it holds nothing usable. */
export async function readCompareLink(text: string): Promise<CompareTarget | string> {
  const trimmed = text.trim();
  if (trimmed === '') return 'Paste a Meshpath link: the address the Share button copies.';
  const hash = trimmed.includes('#') ? trimmed.slice(trimmed.indexOf('#')) : trimmed;
  const example = /^#?example=([^&]+)/.exec(hash);
  if (example) {
    const found = findExample(decodeURIComponent(example[1] ?? ''));
    return found
      ? { label: `the example “${found.title}” (from a link)`, files: found.scenario.files }
      : `There is no example named “${example[1] ?? ''}”.`;
  }
  const decoded = await decodeScenario(hash);
  if (!decoded.ok) return decoded.reason;
  return { label: 'the shared link', files: decoded.scenario.files };
}

/** Files a user picked to compare with: a downloaded scenario, or manifests. */
export function compareTargetOfFiles(
  opened: { scenario: Scenario | undefined; manifests: ManifestFile[]; failed: string[] },
  names: string[],
): CompareTarget | string {
  const files = opened.scenario?.files ?? opened.manifests;
  if (files.length === 0)
    return opened.failed.length > 0 ? `Could not read ${opened.failed.join(', ')}.` : 'No file was chosen.';
  return { label: `${names.join(', ')} (a file)`, files };
}
