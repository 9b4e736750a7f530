import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Diagnostic } from '../../core/index.ts';
import type { RevealRequest } from '../../state/store.ts';
import { monaco } from './monacoSetup.ts';

export interface MonacoEditorProps {
  fileName: string;
  value: string;
  diagnostics: readonly Diagnostic[];
  reveal: RevealRequest | null;
  onChange: (value: string) => void;
  /** The line under the pointer (null when it leaves), to highlight the steps that depend on it. */
  onHoverLine: (line: number | null) => void;
}

/** Whether the last thing the user did was a Tab key press (then focus arrives in the editor by keyboard). */
let arrivedByKeyboard = false;
if (typeof document !== 'undefined') {
  document.addEventListener('keydown', (event) => (arrivedByKeyboard = event.key === 'Tab'), true);
  document.addEventListener('pointerdown', () => (arrivedByKeyboard = false), true);
}

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
/** The TypeScript Playground's key for "Tab moves focus" (Ctrl+M; Ctrl+Shift+M on a Mac, where Cmd+M minimises). */
const TAB_FOCUS_KEY = IS_MAC ? 'Ctrl+Shift+M' : 'Ctrl+M';

const SEVERITY = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  info: monaco.MarkerSeverity.Info,
} as const;

/**
 * Above this many characters an edit reaches the store (and the analysis worker) once the user pauses, not on every
 * keystroke: reading a 2 MB model into a string and re-analysing it is not worth doing 10 times a second.
 */
const LARGE_MODEL_CHARS = 100_000;
const LARGE_MODEL_DELAY_MS = 300;

/**
 * Features whose cost grows with the whole model, not the lines on screen, are turned off for a large model: folding
 * regions (one decoration per indented block: tens of thousands in a cluster export), bracket pair colours, and the
 * highlights of every occurrence of the word or selection under the cursor. Whitespace markers are dropped to keep each
 * line light.
 */
function largeModelOptions(large: boolean): monaco.editor.IEditorOptions {
  return {
    folding: !large,
    // Colouring bracket pairs parses the whole model for brackets: about a third of a second for a 2 MB export.
    bracketPairColorization: { enabled: !large },
    occurrencesHighlight: large ? 'off' : 'singleFile',
    selectionHighlight: !large,
    renderWhitespace: large ? 'none' : 'boundary',
  };
}

function modelFor(fileName: string, value: string): monaco.editor.ITextModel {
  const uri = monaco.Uri.from({ scheme: 'meshpath', path: `/${fileName}` });
  const existing = monaco.editor.getModel(uri);
  if (existing) {
    // An edit, not setValue: the user can undo a change that came from outside the editor (an example, a link).
    if (existing.getValue() !== value)
      existing.pushEditOperations([], [{ range: existing.getFullModelRange(), text: value }], () => null);
    return existing;
  }
  return monaco.editor.createModel(value, 'yaml', uri);
}

/** The YAML editor. The only place that talks to Monaco; one model per file keeps each file's undo history. */
export default function MonacoEditor({
  fileName,
  value,
  diagnostics,
  reveal,
  onChange,
  onHoverLine,
}: MonacoEditorProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const decorationsRef = useRef<monaco.editor.IEditorDecorationsCollection | null>(null);
  // Tab moves focus out of the editor when the user arrived by keyboard, so the editor never traps a keyboard user.
  const [tabMovesFocus, setTabMovesFocus] = useState(false);
  const tabMovesFocusRef = useRef(false);
  const onChangeRef = useRef(onChange);
  /** The text of each file the editor last reported, to tell an echo of it from a change made elsewhere. */
  const reported = useRef(new Map<string, string>());
  /** A large model's edit waiting for the user to pause, with the model and the callback of the file it belongs to. */
  const pending = useRef<{
    timer: ReturnType<typeof setTimeout>;
    report: () => void;
    model?: monaco.editor.ITextModel;
  } | null>(null);
  /** True while the editor applies text that came from the store: nothing to report back. */
  const applying = useRef(false);
  const onHoverRef = useRef(onHoverLine);
  const fileNameRef = useRef(fileName);
  useLayoutEffect(() => {
    fileNameRef.current = fileName;
    onChangeRef.current = onChange;
    onHoverRef.current = onHoverLine;
  }, [fileName, onChange, onHoverLine]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const editor = monaco.editor.create(container, {
      model: modelFor(fileName, value),
      automaticLayout: true,
      theme: 'meshpath',
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      insertSpaces: true,
      scrollBeyondLastLine: false,
      ariaLabel: `Manifests editor. ${TAB_FOCUS_KEY} switches whether Tab indents or moves focus.`,
      ...largeModelOptions(value.length >= LARGE_MODEL_CHARS),
    });
    let large = value.length >= LARGE_MODEL_CHARS;
    const fitOptions = () => {
      const now = (editor.getModel()?.getValueLength() ?? 0) >= LARGE_MODEL_CHARS;
      if (now !== large) editor.updateOptions(largeModelOptions((large = now)));
    };
    const modelChange = editor.onDidChangeModel(fitOptions);
    editorRef.current = editor;
    decorationsRef.current = editor.createDecorationsCollection();
    const flush = () => {
      const waiting = pending.current;
      if (!waiting) return;
      pending.current = null;
      clearTimeout(waiting.timer);
      waiting.report();
    };
    const subscription = editor.onDidChangeModelContent(() => {
      fitOptions();
      const model = editor.getModel();
      if (!model || applying.current) return;
      // The next keystroke replaces the edit waiting in the same model (reporting it now would read and send the whole
      // text at every keystroke); an edit waiting in another model is reported first.
      const waiting = pending.current;
      if (waiting?.model !== model) flush();
      else {
        pending.current = null;
        clearTimeout(waiting.timer);
      }
      const file = fileNameRef.current;
      const onFileChange = onChangeRef.current;
      const report = () => {
        if (model.isDisposed()) return;
        const text = model.getValue();
        reported.current.set(file, text);
        onFileChange(text);
      };
      if (model.getValueLength() < LARGE_MODEL_CHARS) report();
      else pending.current = { timer: setTimeout(flush, LARGE_MODEL_DELAY_MS), report, model };
    });
    const blur = editor.onDidBlurEditorText(flush);
    // The last keystrokes are kept when the tab closes: report them before the workspace is saved.
    window.addEventListener('pagehide', flush, { capture: true });
    const hover = editor.onMouseMove((event) => onHoverRef.current(event.target.position?.lineNumber ?? null));
    const leave = editor.onMouseLeave(() => onHoverRef.current(null));
    const setTabFocus = (on: boolean) => {
      tabMovesFocusRef.current = on;
      editor.updateOptions({ tabFocusMode: on });
      setTabMovesFocus(on);
    };
    const focus = editor.onDidFocusEditorText(() => setTabFocus(arrivedByKeyboard));
    editor.addCommand(
      IS_MAC
        ? monaco.KeyMod.WinCtrl | monaco.KeyMod.Shift | monaco.KeyCode.KeyM
        : monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyM,
      () => setTabFocus(!tabMovesFocusRef.current),
    );
    return () => {
      focus.dispose();
      flush();
      window.removeEventListener('pagehide', flush, { capture: true });
      subscription.dispose();
      modelChange.dispose();
      blur.dispose();
      hover.dispose();
      leave.dispose();
      editor.dispose();
      editorRef.current = null;
    };
    // The editor is created once; file and value changes are applied by the effects below.
    // oxlint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    // The store echoing what the editor reported: the model has it, or newer keystrokes that are still to be reported.
    if (reported.current.get(fileName) === value && editor.getModel()?.uri.path === `/${fileName}`) return;
    const waiting = pending.current;
    if (waiting && editor.getModel()?.uri.path !== `/${fileName}`) {
      // Another tab: the edits waiting belong to the file being left.
      pending.current = null;
      clearTimeout(waiting.timer);
      waiting.report();
    } else if (waiting) {
      // Text from elsewhere (an example, a link, Undo) replaces this file: the edits waiting are replaced with it.
      pending.current = null;
      clearTimeout(waiting.timer);
    }
    applying.current = true;
    try {
      const model = modelFor(fileName, value);
      if (editor.getModel() !== model) editor.setModel(model);
    } finally {
      applying.current = false;
    }
    reported.current.set(fileName, value);
  }, [fileName, value]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'meshpath',
      diagnostics
        .filter((d) => d.file === fileName)
        .map((d) => ({
          severity: SEVERITY[d.severity],
          message: d.message,
          code: d.code,
          startLineNumber: d.range.start.line,
          startColumn: d.range.start.column,
          endLineNumber: d.range.end.line,
          endColumn: Math.max(
            d.range.end.column,
            d.range.start.line === d.range.end.line ? d.range.start.column + 1 : d.range.end.column,
          ),
        })),
    );
  }, [diagnostics, fileName, value]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !reveal || reveal.file !== fileName) return;
    const range = new monaco.Range(reveal.range.start.line, 1, reveal.range.end.line, Number.MAX_SAFE_INTEGER);
    editor.revealRangeInCenterIfOutsideViewport(range);
    editor.setSelection(
      new monaco.Range(
        reveal.range.start.line,
        reveal.range.start.column,
        reveal.range.start.line,
        reveal.range.start.column,
      ),
    );
    decorationsRef.current?.set([
      {
        range,
        options: {
          isWholeLine: true,
          className: 'editor-highlighted-lines',
          linesDecorationsClassName: 'editor-highlighted-gutter',
        },
      },
    ]);
  }, [reveal, fileName]);

  return (
    <>
      <div ref={containerRef} className="monaco-host" data-testid="monaco-host" />
      <p className="editor-tab-hint" aria-live="polite">
        {tabMovesFocus ? 'Tab moves focus' : 'Tab indents'} · {TAB_FOCUS_KEY}:{' '}
        {tabMovesFocus ? 'Tab indents' : 'Tab moves focus'}
      </p>
    </>
  );
}
