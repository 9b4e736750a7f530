// Monaco, bundled and YAML only: the core API, the YAML grammar, the editor features a YAML author uses, and the
// editor worker from the same bundle (no CDN loader).
import * as monaco from 'monaco-editor/editor';
// Vite's `?worker` import has a default export the import plugin cannot see.
// oxlint-disable-next-line import/default
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import 'monaco-editor/languages/definitions/yaml/register';
import 'monaco-editor/features/bracketMatching/register';
import 'monaco-editor/features/clipboard/register';
import 'monaco-editor/features/comment/register';
import 'monaco-editor/features/contextmenu/register';
import 'monaco-editor/features/find/register';
import 'monaco-editor/features/folding/register';
import 'monaco-editor/features/gotoError/register';
import 'monaco-editor/features/gotoLine/register';
import 'monaco-editor/features/hover/register';
import 'monaco-editor/features/indentation/register';
import 'monaco-editor/features/linesOperations/register';
import 'monaco-editor/features/multicursor/register';
import 'monaco-editor/features/wordHighlighter/register';
import 'monaco-editor/features/wordOperations/register';

self.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

// Monaco's light theme with YAML keys and numbers a shade darker, so they keep a 4.5:1 contrast (WCAG AA) on the
// highlight that marks the lines behind a step.
monaco.editor.defineTheme('meshpath', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'type', foreground: '006464' },
    { token: 'number', foreground: '066b45' },
  ],
  colors: {},
});

export { monaco };
