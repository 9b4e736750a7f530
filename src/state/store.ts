import { create } from 'zustand';
import type { Diagnostic, ManifestFile, ReverseRequest, SourceRange, TraceResult } from '../core/index.ts';
import type { StepSource } from './stepSources.ts';
import type { EngineInput, EngineOutput } from './engine.ts';
import { EMPTY_LEAN_ANALYSIS, type LeanAnalysis, type ProxyConfigView, type SourcePodSummary } from './leanView.ts';
import { DEFAULT_EXAMPLE } from './examples.ts';
import { WorkspaceHistory, type HistoryEntry } from './history.ts';
import { replacesEverything } from './textChange.ts';
import { EMPTY_PATH_TESTS, type PathTestsView } from './pathTests.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST, type MeshOptions, type RequestInput, type Scenario } from './scenarioCodec.ts';

/** A request for the editor to show some lines: the nonce makes a second click on the same object reveal them again. */
export interface RevealRequest {
  file: string;
  range: SourceRange;
  nonce: number;
}

/** One sentence per file with bytes that are not UTF-8: where they are (three places at most) and what to do. */
function notUtf8(problems: readonly Diagnostic[]): string[] {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of problems) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  return [...byFile].map(([file, found]) => {
    const places = found.slice(0, 3).map((d) => `line ${d.range.start.line}, column ${d.range.start.column}`);
    const more = found.length > 3 ? ` and ${found.length - 3} more places` : '';
    return (
      `${file} has bytes that are not UTF-8 at ${places.join('; ')}${more}: they show as \uFFFD. kubectl refuses ` +
      'such a file: save it as UTF-8.'
    );
  });
}

export interface Notice {
  message: string;
  kind: 'info' | 'error';
  /** The workspace before the action, so that it can be undone. */
  undo?: Scenario;
}

export interface WorkspaceState {
  files: ManifestFile[];
  activeFile: number;
  request: RequestInput;
  options: MeshOptions;
  /** What the screen shows of the last analysis (it may lag the inputs while the worker runs). */
  analysis: LeanAnalysis;
  trace: TraceResult | undefined;
  /** The pod the request's source finds, as the trace finds it. */
  source: SourcePodSummary | undefined;
  /** The traced request the other way round (Trace back from here). */
  reverse: ReverseRequest | undefined;
  /** Per trace step, the objects (and rules) that decided it, with their lines. */
  stepSources: StepSource[][];
  /** Errors in documents that mention what a failed request needed. */
  relatedProblems: Diagnostic[];
  /**
   * Bytes that were not UTF-8 in uploaded files, with the text each file was read into: the Problems list shows them
   * while the file still holds that text (an edit, rename or close makes them go).
   */
  encodingProblems: ReadonlyArray<{ file: string; text: string; diagnostics: Diagnostic[] }>;
  /** The results of the tests files among the files (run in the worker against the other files). */
  pathTests: PathTestsView;
  computing: boolean;
  /** The pod whose proxy config the open Proxy config panel asks for, and the last one computed. */
  proxyConfigFor: string | undefined;
  proxyConfig: { pod: string; view: ProxyConfigView } | undefined;
  selectedNodeId: string | null;
  /** Index of the trace step the user inspects. */
  selectedStep: number | null;
  /** The editor line under the pointer; the steps it causes are derived from the trace (stepsCausedBy). */
  hoveredLine: { file: string; line: number } | null;
  reveal: RevealRequest | null;
  notice: Notice | null;
  /** Workspaces kept before an action replaced them, newest first (the Recent menu). */
  history: readonly HistoryEntry[];
  /** Set when the browser will not keep the work (storage disabled or full): shown until the tab closes. */
  storageWarning: string | null;

  setFileText: (index: number, text: string) => void;
  setActiveFile: (index: number) => void;
  /**
   * Opens what the user uploaded or dropped: a scenario file replaces the workspace, manifests are added (a file with
   * the same name is replaced). One notice says what happened and undoes all of it.
   */
  openFiles: (opened: {
    scenario: Scenario | undefined;
    manifests: ManifestFile[];
    failed: string[];
    /** What reading the files found wrong with their bytes (not UTF-8), at line and column. */
    problems?: Diagnostic[];
  }) => void;
  removeFile: (index: number) => void;
  /**
   * Renames a file (its tab): the new name is kept in saves, share links and Recent. Returns why a name cannot be
   * used (empty, taken by another file, too long), or undefined once renamed.
   */
  renameFile: (index: number, name: string) => string | undefined;
  /**
   * Replaces the workspace. With `keep`, the workspace as it was is first kept in the history under that summary
   * (every action that replaces the user's work passes one); or, at start-up, the saved work a link replaces.
   */
  loadScenario: (scenario: Scenario, notice?: Notice, keep?: string | { summary: string; scenario: Scenario }) => void;
  /** The browser would not save the work: say so until the tab closes. */
  warnStorage: () => void;
  /**
   * Changes the request. A `typed` change (a key in a text field of the request) is traced once the keys pause for
   * TYPING_DELAY_MS, with everything typed by then: keys typed faster are traced once, not one trace each.
   */
  setRequest: (request: Partial<RequestInput>, typed?: 'typed') => void;
  setOptions: (options: Partial<MeshOptions>) => void;
  selectNode: (id: string | null) => void;
  selectStep: (index: number | null) => void;
  hoverLine: (file: string, line: number | null) => void;
  revealRange: (file: string, range: SourceRange) => void;
  setNotice: (notice: Notice | null) => void;
  /** The Proxy config panel asks for a pod's tables (undefined when it closes). */
  requestProxyConfig: (pod: string | undefined) => void;
  /** Applies a result of the core (from the worker, or computed in place). */
  applyResult: (result: EngineOutput, input: EngineInput) => void;
}

/** Where inputs go to be computed; the app installs the Web Worker client here at start. */
let engine: (input: EngineInput) => void = () => undefined;

export function setEngine(run: (input: EngineInput) => void): void {
  engine = run;
}

let workspaceHistory = new WorkspaceHistory();

/** Tests and the app's start choose where the history lives (local storage in the browser). */
export function setWorkspaceHistory(history: WorkspaceHistory): void {
  workspaceHistory = history;
  useWorkspace.setState({ history: history.list() });
}

export const STORAGE_WARNING =
  'This browser does not keep your work (storage disabled or full): it will not survive closing or reloading the ' +
  'tab. Download the scenario or share it before you close it.';

let revealCounter = 0;

/** How long a typed change of the request waits for the next key before it is traced. */
export const TYPING_DELAY_MS = 60;

/** The longest file name a tab takes. */
export const MAX_FILE_NAME = 100;

/** Why `name` cannot name the file at `index` among `files`, or undefined when it can. */
export function fileNameProblem(name: string, files: readonly ManifestFile[], index: number): string | undefined {
  if (name === '') return 'A file needs a name.';
  if (name.length > MAX_FILE_NAME) return `A file name has at most ${MAX_FILE_NAME} characters.`;
  if (files.some((f, i) => i !== index && f.name === name)) return `Another file is already named ${name}.`;
  return undefined;
}

/** The inputs that make a scenario: what is saved, shared and undone. */
export function scenarioOf(state: Pick<WorkspaceState, 'files' | 'request' | 'options'>): Required<Scenario> {
  return { files: state.files, request: state.request, options: state.options };
}

/** Indexes of the trace steps whose sources include this line of this file. */
export function stepsCausedBy(trace: TraceResult | undefined, at: { file: string; line: number } | null): number[] {
  if (!at || !trace?.ok) return [];
  return trace.trace.steps.flatMap((step, index) =>
    step.sources.some((s) => s.file === at.file && s.range.start.line <= at.line && at.line <= s.range.end.line)
      ? [index]
      : [],
  );
}

/**
 * What the store holds before the start-up chooses what to open (a link, the saved work or the demo): nothing is
 * analysed for it, so a link or the saved work is the only thing analysed at start-up.
 */
export const INITIAL_REQUEST: RequestInput = DEFAULT_EXAMPLE.scenario.request ?? EMPTY_REQUEST;

export const useWorkspace = create<WorkspaceState>()((set, get) => {
  const keep = (summary: string, scenario: Scenario = scenarioOf(get())) => {
    const safe = workspaceHistory.keep(scenario, summary);
    set({ history: workspaceHistory.list(), ...(safe ? {} : { storageWarning: STORAGE_WARNING }) });
  };
  /** A typed change of the request waiting for the keys to pause. */
  let typing: ReturnType<typeof setTimeout> | undefined;
  const recompute = () => {
    // Whatever computes now computes the newest inputs, typed ones included.
    clearTimeout(typing);
    typing = undefined;
    set({ computing: true });
    engine({ ...scenarioOf(get()), proxyConfigFor: get().proxyConfigFor });
  };
  return {
    files: DEFAULT_EXAMPLE.scenario.files,
    activeFile: 0,
    request: INITIAL_REQUEST,
    options: DEFAULT_EXAMPLE.scenario.options ?? DEFAULT_OPTIONS,
    analysis: EMPTY_LEAN_ANALYSIS,
    trace: undefined,
    source: undefined,
    reverse: undefined,
    stepSources: [],
    relatedProblems: [],
    encodingProblems: [],
    pathTests: EMPTY_PATH_TESTS,
    // Until the start-up has loaded what it opens and the first result has come.
    computing: true,
    proxyConfigFor: undefined,
    proxyConfig: undefined,
    selectedNodeId: null,
    selectedStep: null,
    hoveredLine: null,
    reveal: null,
    notice: null,
    history: workspaceHistory.list(),
    storageWarning: null,

    setFileText: (index, text) => {
      // Monaco echoes text the store gave it (an example, a link, Undo): nothing to recompute.
      const old = get().files[index];
      if (old?.text === text) return;
      if (old && replacesEverything(old.text, text)) keep(`Before pasting over ${old.name}`);
      set({ files: get().files.map((file, i) => (i === index ? { ...file, text } : file)) });
      recompute();
    },
    setActiveFile: (index) => set({ activeFile: Math.max(0, Math.min(index, get().files.length - 1)) }),
    openFiles: ({ scenario, manifests, failed, problems = [] }) => {
      const before = get();
      const base = scenario ?? scenarioOf(before);
      const files = scenario
        ? scenario.files.length > 0
          ? [...scenario.files]
          : [{ name: 'manifests.yaml', text: '' }]
        : [...before.files];
      for (const file of manifests) {
        const existing = files.findIndex((f) => f.name === file.name);
        if (existing >= 0) files[existing] = file;
        else files.push(file);
      }
      const said = [
        ...(scenario ? ['Opened the scenario file.'] : []),
        ...(manifests.length > 0 ? [`Added ${manifests.map((f) => f.name).join(', ')}.`] : []),
        ...(failed.length > 0 ? [`Could not read ${failed.join(', ')}.`] : []),
        ...notUtf8(problems),
      ];
      const changed = scenario !== undefined || manifests.length > 0;
      if (!changed) {
        if (said.length > 0) set({ notice: { kind: 'error', message: said.join(' ') } });
        return;
      }
      const replaced = manifests.filter((m) => before.files.some((f) => f.name === m.name && f.text !== m.text));
      if (replaced.length > 0)
        said.push(
          `It replaced the open ${replaced.map((f) => f.name).join(', ')}; the previous version is under Recent.`,
        );
      keep(
        scenario
          ? 'Before opening a scenario file'
          : `Before ${replaced.length > 0 ? 'replacing' : 'adding'} ${manifests.map((f) => f.name).join(', ')}`,
      );
      const firstAdded = manifests[0] ? files.findIndex((f) => f.name === manifests[0]?.name) : 0;
      const found = manifests.flatMap((file) => {
        const diagnostics = problems.filter((d) => d.file === file.name);
        return diagnostics.length > 0 ? [{ file: file.name, text: file.text, diagnostics }] : [];
      });
      set({
        files,
        encodingProblems: [...before.encodingProblems.filter((e) => !found.some((f) => f.file === e.file)), ...found],
        activeFile: Math.max(0, firstAdded),
        request: base.request ?? before.request,
        options: base.options ?? DEFAULT_OPTIONS,
        selectedNodeId: scenario ? null : before.selectedNodeId,
        selectedStep: scenario ? null : before.selectedStep,
        notice: {
          kind: failed.length > 0 || problems.length > 0 ? 'error' : 'info',
          message: said.join(' '),
          undo: scenarioOf(before),
        },
      });
      recompute();
    },
    removeFile: (index) => {
      const before = get();
      const removed = before.files[index];
      if (!removed) return;
      keep(`Before closing ${removed.name}`);
      const files = before.files.filter((_, i) => i !== index);
      const next = files.length > 0 ? files : [{ name: 'manifests.yaml', text: '' }];
      set({
        files: next,
        // The file on screen stays on screen when a tab before it closes.
        activeFile: Math.max(
          0,
          Math.min(index < before.activeFile ? before.activeFile - 1 : before.activeFile, next.length - 1),
        ),
        notice: { kind: 'info', message: `Closed ${removed.name}.`, undo: scenarioOf(before) },
      });
      recompute();
    },
    renameFile: (index, wanted) => {
      const files = get().files;
      const file = files[index];
      const name = wanted.trim();
      if (!file) return 'There is no such file.';
      if (name === file.name) return undefined;
      const problem = fileNameProblem(name, files, index);
      if (problem) return problem;
      const renamed = files.map((f, i) => (i === index ? { ...f, name } : f));
      // Where the editor is asked to show lines follows the file.
      const reveal = get().reveal;
      set({ files: renamed, ...(reveal?.file === file.name ? { reveal: { ...reveal, file: name } } : {}) });
      recompute();
      return undefined;
    },
    loadScenario: (scenario, notice, kept) => {
      if (typeof kept === 'string') keep(kept);
      else if (kept) keep(kept.summary, kept.scenario);
      const files = scenario.files.length > 0 ? scenario.files : [{ name: 'manifests.yaml', text: '' }];
      set({
        files,
        activeFile: 0,
        request: scenario.request ?? get().request,
        options: scenario.options ?? DEFAULT_OPTIONS,
        selectedNodeId: null,
        selectedStep: null,
        notice: notice ?? null,
      });
      recompute();
    },
    setRequest: (request, typed) => {
      // A typed change marks the outcome on screen stale at once; its trace follows when the keys pause.
      set({ request: { ...get().request, ...request }, selectedStep: null, ...(typed ? { computing: true } : {}) });
      if (!typed) return recompute();
      clearTimeout(typing);
      typing = setTimeout(recompute, TYPING_DELAY_MS);
    },
    setOptions: (options) => {
      set({ options: { ...get().options, ...options }, selectedStep: null });
      recompute();
    },
    selectNode: (id) => set({ selectedNodeId: id }),
    selectStep: (index) => set({ selectedStep: index }),
    hoverLine: (file, line) => {
      const current = get().hoveredLine;
      if (line === null) {
        if (current) set({ hoveredLine: null });
      } else if (current?.file !== file || current.line !== line) {
        set({ hoveredLine: { file, line } });
      }
    },
    revealRange: (file, range) => {
      const index = get().files.findIndex((f) => f.name === file);
      set({ reveal: { file, range, nonce: ++revealCounter }, activeFile: index >= 0 ? index : get().activeFile });
    },
    setNotice: (notice) => set({ notice }),
    warnStorage: () => set({ storageWarning: STORAGE_WARNING }),
    requestProxyConfig: (pod) => {
      if (get().proxyConfigFor === pod) return;
      set({ proxyConfigFor: pod });
      if (pod === undefined) return;
      // Only the proxy config is computed: the worker keeps the analysis and the trace of these inputs.
      const computing = get().computing;
      recompute();
      set({ computing });
    },
    applyResult: (result, input) => {
      const state = get();
      // A result for inputs that have changed since is still shown; a newer one follows.
      const current = state.files === input.files && state.request === input.request && state.options === input.options;
      // A selected step the new path no longer has is closed rather than shown as another step.
      const trace = result.trace ? result.trace.result : state.trace;
      const steps = trace?.ok ? trace.trace.steps.length : 0;
      set({
        // Parts the run left out did not change: keeping them keeps what was drawn from them.
        ...(result.analysis ? { analysis: { ...state.analysis, ...result.analysis } } : {}),
        ...(result.proxyConfig ? { proxyConfig: result.proxyConfig } : {}),
        ...(result.pathTests ? { pathTests: result.pathTests } : {}),
        ...(result.trace
          ? {
              trace: result.trace.result,
              source: result.trace.source,
              reverse: result.trace.reverse,
              stepSources: result.trace.stepSources,
              relatedProblems: result.trace.related,
            }
          : {}),
        computing: !current,
        selectedStep: state.selectedStep !== null && state.selectedStep < steps ? state.selectedStep : null,
      });
    },
  };
});
