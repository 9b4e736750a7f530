import { create } from 'zustand';
import { analyze, type Analysis, type ManifestFile, type SourceRange } from '../core/index.ts';
import { DEFAULT_EXAMPLE } from './examples.ts';
import type { Scenario } from './scenarioCodec.ts';

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
  analysis: Analysis;
  selectedNodeId: string | null;
  reveal: RevealRequest | null;
  notice: Notice | null;

  setFileText: (index: number, text: string) => void;
  setActiveFile: (index: number) => void;
  /** Adds uploaded or dropped files; a file with the same name is replaced. */
  addFiles: (files: ManifestFile[]) => void;
  removeFile: (index: number) => void;
  loadScenario: (scenario: Scenario, notice?: Notice) => void;
  selectNode: (id: string | null) => void;
  revealRange: (file: string, range: SourceRange) => void;
  setNotice: (notice: Notice | null) => void;
}

let revealCounter = 0;

export const useWorkspace = create<WorkspaceState>()((set, get) => ({
  files: DEFAULT_EXAMPLE.scenario.files,
  activeFile: 0,
  analysis: analyze(DEFAULT_EXAMPLE.scenario.files),
  selectedNodeId: null,
  reveal: null,
  notice: null,

  setFileText: (index, text) => {
    const files = get().files.map((file, i) => (i === index ? { ...file, text } : file));
    set({ files, analysis: analyze(files) });
  },
  setActiveFile: (index) => set({ activeFile: Math.max(0, Math.min(index, get().files.length - 1)) }),
  addFiles: (added) => {
    if (added.length === 0) return;
    const before = get().files;
    const files = [...before];
    for (const file of added) {
      const existing = files.findIndex((f) => f.name === file.name);
      if (existing >= 0) files[existing] = file;
      else files.push(file);
    }
    const firstAdded = files.findIndex((f) => f.name === added[0]?.name);
    set({
      files,
      activeFile: Math.max(0, firstAdded),
      analysis: analyze(files),
      notice: { kind: 'info', message: `Added ${added.map((f) => f.name).join(', ')}.`, undo: { files: before } },
    });
  },
  removeFile: (index) => {
    const before = get().files;
    const removed = before[index];
    if (!removed) return;
    const files = before.filter((_, i) => i !== index);
    const next = files.length > 0 ? files : [{ name: 'manifests.yaml', text: '' }];
    set({
      files: next,
      activeFile: Math.min(get().activeFile, next.length - 1),
      analysis: analyze(next),
      notice: { kind: 'info', message: `Closed ${removed.name}.`, undo: { files: before } },
    });
  },
  loadScenario: (scenario, notice) => {
    const files = scenario.files.length > 0 ? scenario.files : [{ name: 'manifests.yaml', text: '' }];
    set({ files, activeFile: 0, analysis: analyze(files), selectedNodeId: null, notice: notice ?? null });
  },
  selectNode: (id) => set({ selectedNodeId: id }),
  revealRange: (file, range) => {
    const index = get().files.findIndex((f) => f.name === file);
    set({ reveal: { file, range, nonce: ++revealCounter }, activeFile: index >= 0 ? index : get().activeFile });
  },
  setNotice: (notice) => set({ notice }),
}));
