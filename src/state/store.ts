import { create } from 'zustand';
import type { Analysis, ManifestFile, SourceRange, TraceResult } from '../core/index.ts';
import { runEngine, type EngineInput } from './engine.ts';
import { DEFAULT_EXAMPLE } from './examples.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST, type MeshOptions, type RequestInput, type Scenario } from './scenarioCodec.ts';

/** A request for the editor to show some lines: the nonce makes a second click on the same object reveal them again. */
export interface RevealRequest {
  file: string;
  range: SourceRange;
  nonce: number;
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
  /** The last result of the core for these inputs (it may lag the inputs while the worker runs). */
  analysis: Analysis;
  trace: TraceResult | undefined;
  computing: boolean;
  selectedNodeId: string | null;
  /** Index of the trace step the user inspects. */
  selectedStep: number | null;
  /** Steps that depend on the editor line under the pointer. */
  hoveredSteps: number[];
  reveal: RevealRequest | null;
  notice: Notice | null;

  setFileText: (index: number, text: string) => void;
  setActiveFile: (index: number) => void;
  /** Adds uploaded or dropped files; a file with the same name is replaced. */
  addFiles: (files: ManifestFile[]) => void;
  removeFile: (index: number) => void;
  loadScenario: (scenario: Scenario, notice?: Notice) => void;
  setRequest: (request: Partial<RequestInput>) => void;
  setOptions: (options: Partial<MeshOptions>) => void;
  selectNode: (id: string | null) => void;
  selectStep: (index: number | null) => void;
  hoverLine: (file: string, line: number | null) => void;
  revealRange: (file: string, range: SourceRange) => void;
  setNotice: (notice: Notice | null) => void;
  /** Applies a result of the core (from the worker, or computed in place). */
  applyResult: (result: { analysis: Analysis; trace: TraceResult | undefined }, input: EngineInput) => void;
}

/** Where inputs go to be computed; the app installs the Web Worker client here at start. */
let engine: (input: EngineInput) => void = () => undefined;

export function setEngine(run: (input: EngineInput) => void): void {
  engine = run;
}

let revealCounter = 0;

const initialInput: EngineInput = { files: DEFAULT_EXAMPLE.scenario.files, request: DEFAULT_EXAMPLE.scenario.request ?? EMPTY_REQUEST, options: DEFAULT_EXAMPLE.scenario.options ?? DEFAULT_OPTIONS };
const initialOutput = runEngine(initialInput);

export const useWorkspace = create<WorkspaceState>()((set, get) => {
  const recompute = () => {
    const { files, request, options } = get();
    set({ computing: true });
    engine({ files, request, options });
  };
  return {
    files: initialInput.files,
    activeFile: 0,
    request: initialInput.request,
    options: initialInput.options,
    analysis: initialOutput.analysis,
    trace: initialOutput.trace,
    computing: false,
    selectedNodeId: null,
    selectedStep: null,
    hoveredSteps: [],
    reveal: null,
    notice: null,

    setFileText: (index, text) => {
      set({ files: get().files.map((file, i) => (i === index ? { ...file, text } : file)) });
      recompute();
    },
    setActiveFile: (index) => set({ activeFile: Math.max(0, Math.min(index, get().files.length - 1)) }),
    addFiles: (added) => {
      if (added.length === 0) return;
      const before = get();
      const files = [...before.files];
      for (const file of added) {
        const existing = files.findIndex((f) => f.name === file.name);
        if (existing >= 0) files[existing] = file;
        else files.push(file);
      }
      const firstAdded = files.findIndex((f) => f.name === added[0]?.name);
      set({
        files,
        activeFile: Math.max(0, firstAdded),
        notice: { kind: 'info', message: `Added ${added.map((f) => f.name).join(', ')}.`, undo: { files: before.files, request: before.request, options: before.options } },
      });
      recompute();
    },
    removeFile: (index) => {
      const before = get();
      const removed = before.files[index];
      if (!removed) return;
      const files = before.files.filter((_, i) => i !== index);
      const next = files.length > 0 ? files : [{ name: 'manifests.yaml', text: '' }];
      set({
        files: next,
        activeFile: Math.min(before.activeFile, next.length - 1),
        notice: { kind: 'info', message: `Closed ${removed.name}.`, undo: { files: before.files, request: before.request, options: before.options } },
      });
      recompute();
    },
    loadScenario: (scenario, notice) => {
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
    setRequest: (request) => {
      set({ request: { ...get().request, ...request }, selectedStep: null });
      recompute();
    },
    setOptions: (options) => {
      set({ options: { ...get().options, ...options } });
      recompute();
    },
    selectNode: (id) => set({ selectedNodeId: id }),
    selectStep: (index) => set({ selectedStep: index }),
    hoverLine: (file, line) => {
      const trace = get().trace;
      if (line === null || !trace?.ok) {
        if (get().hoveredSteps.length > 0) set({ hoveredSteps: [] });
        return;
      }
      const steps = trace.trace.steps.flatMap((step, index) => (step.sources.some((s) => s.file === file && s.range.start.line <= line && line <= s.range.end.line) ? [index] : []));
      if (steps.join(',') !== get().hoveredSteps.join(',')) set({ hoveredSteps: steps });
    },
    revealRange: (file, range) => {
      const index = get().files.findIndex((f) => f.name === file);
      set({ reveal: { file, range, nonce: ++revealCounter }, activeFile: index >= 0 ? index : get().activeFile });
    },
    setNotice: (notice) => set({ notice }),
    applyResult: (result, input) => {
      const state = get();
      // A result for inputs that have changed since is still shown; a newer one follows.
      const current = state.files === input.files && state.request === input.request && state.options === input.options;
      set({ analysis: result.analysis, trace: result.trace, computing: !current });
    },
  };
});
