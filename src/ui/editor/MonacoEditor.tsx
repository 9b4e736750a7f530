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
  const onHoverRef = useRef(onHoverLine);
  useLayoutEffect(() => {
    onChangeRef.current = onChange;
    onHoverRef.current = onHoverLine;
  }, [onChange, onHoverLine]);

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
      renderWhitespace: 'boundary',
      ariaLabel: `Manifests editor. ${TAB_FOCUS_KEY} switches whether Tab indents or moves focus.`,
    });
    editorRef.current = editor;
    decorationsRef.current = editor.createDecorationsCollection();
    const subscription = editor.onDidChangeModelContent(() => onChangeRef.current(editor.getValue()));
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
      subscription.dispose();
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
    const model = modelFor(fileName, value);
    if (editor.getModel() !== model) editor.setModel(model);
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
