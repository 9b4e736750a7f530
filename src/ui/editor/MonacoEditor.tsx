import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Diagnostic } from '../../core/index.ts';
import type { RevealRequest } from '../../state/store.ts';
import { describeSize, editorHandle, largeTextSettings } from './largeText.ts';
import { loadInPieces, type PieceLoad } from './loadInPieces.ts';
import { monaco } from './monacoSetup.ts';
import './MonacoEditor.css';

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
 * regions (one decoration per indented block: tens of thousands in a cluster export) and the highlights of every
 * occurrence of the word or selection under the cursor. Whitespace markers are dropped to keep each line light. Bracket
 * pair colours, a model option, are turned off beside (fitOptions).
 */
function largeModelOptions(large: boolean): monaco.editor.IEditorOptions {
  return {
    folding: !large,
    occurrencesHighlight: large ? 'off' : 'singleFile',
    selectionHighlight: !large,
    renderWhitespace: large ? 'none' : 'boundary',
  };
}

/**
 * At most this many problems of a file are marked in the editor (errors first): each marker is a decoration Monaco
 * keeps in step with every edit. The Problems list shows all of them.
 */
const MAX_MARKERS = 1000;
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

function markersFor(diagnostics: readonly Diagnostic[], fileName: string): Diagnostic[] {
  const mine = diagnostics.filter((d) => d.file === fileName);
  if (mine.length <= MAX_MARKERS) return mine;
  return mine.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]).slice(0, MAX_MARKERS);
}

const uriFor = (fileName: string) => monaco.Uri.from({ scheme: 'meshpath', path: `/${fileName}` });

const READ_ONLY_WHILE_LOADING = {
  value: 'Meshpath is still putting this file into the editor: it can be edited once it is all in.',
};

/** Models made large from the start for a text Monaco would not colour (see `tooLargeToColour`). */
const largeModels = new WeakSet<monaco.editor.ITextModel>();

function modelFor(fileName: string, value: string): monaco.editor.ITextModel {
  const uri = uriFor(fileName);
  const existing = monaco.editor.getModel(uri);
  // A model made for a huge text stays uncoloured: a small text gets a model of its own again.
  if (existing && largeModels.has(existing)) existing.dispose();
  else if (existing) {
    // A model holding a large text (only a small one comes here) is replaced without an undo step: undoing it would
    // put megabytes back in one task. The Recent menu keeps the text replaced.
    if (existing.getValueLength() >= largeTextSettings.piecesFrom) existing.setValue(value);
    // An edit, not setValue: the user can undo a change that came from outside the editor (an example, a link).
    else if (existing.getValue() !== value)
      existing.pushEditOperations([], [{ range: existing.getFullModelRange(), text: value }], () => null);
    return existing;
  }
  return monaco.editor.createModel(value, 'yaml', uri);
}

/** Monaco's large-file limits (textModel.js: LARGE_FILE_SIZE_THRESHOLD, LARGE_FILE_LINE_COUNT_THRESHOLD). */
const MONACO_LARGE_CHARS = 20 * 1024 * 1024;
const MONACO_LARGE_LINES = 300_000;

/** Whether Monaco would treat `text`, set whole, as too large to colour. */
function tooLargeToColour(text: string): boolean {
  if (text.length > MONACO_LARGE_CHARS) return true;
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0 && lines <= MONACO_LARGE_LINES; at = text.indexOf('\n', at + 1)) lines++;
  return lines > MONACO_LARGE_LINES;
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
  /** The large text being put into the editor in pieces (read-only until it is all in). */
  const load = useRef<{ fileName: string; total: number; pieces: PieceLoad | null } | null>(null);
  const [loadProgress, setLoadProgress] = useState<{ percent: number; total: number } | null>(null);
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
      // A large text is put in by the effect below, in pieces.
      model: value.length >= largeTextSettings.piecesFrom ? null : modelFor(fileName, value),
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
      const model = editor.getModel();
      // While a text comes in, its whole length decides (not the pieces in so far).
      const now = (load.current?.total ?? model?.getValueLength() ?? 0) >= LARGE_MODEL_CHARS;
      if (now !== large) editor.updateOptions(largeModelOptions((large = now)));
      // Bracket pair colours are an option of the model: the editor's `bracketPairColorization` never reaches a
      // standalone model (only its sub-keys are configuration keys). Colouring parses every bracket of the model.
      if (model && model.getOptions().bracketPairColorizationOptions.enabled === now)
        model.updateOptions({
          bracketColorizationOptions: { enabled: !now, independentColorPoolPerBracketType: false },
        });
    };
    fitOptions();
    const modelChange = editor.onDidChangeModel(fitOptions);
    editorRef.current = editor;
    editorHandle.current = { text: () => editor.getValue(), loading: () => load.current !== null };
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
    // A paste of a large text (at least half of what it joins) goes in the way an upload does: in pieces, read-only
    // meanwhile, rather than as one edit that holds the page for seconds. Like a load it is no undo step; what a paste
    // over everything replaced is kept in Recent.
    const pasteLarge = (event: ClipboardEvent) => {
      const pasted = event.clipboardData?.getData('text/plain') ?? '';
      const model = editor.getModel();
      const selection = editor.getSelection();
      if (pasted.length < largeTextSettings.piecesFrom || !model || !selection || load.current) return;
      if (pasted.length < model.getValueLength() / 2) return;
      event.preventDefault();
      event.stopPropagation();
      flush();
      const text = model.getValue();
      const start = model.getOffsetAt(selection.getStartPosition());
      const end = model.getOffsetAt(selection.getEndPosition());
      onChangeRef.current(text.slice(0, start) + pasted + text.slice(end));
    };
    container.addEventListener('paste', pasteLarge, { capture: true });
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
      load.current?.pieces?.cancel();
      load.current = null;
      editorHandle.current = null;
      focus.dispose();
      flush();
      window.removeEventListener('pagehide', flush, { capture: true });
      container.removeEventListener('paste', pasteLarge, { capture: true });
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
    const stopped = load.current;
    if (stopped) {
      // A newer text or another tab: the load stops, and the model, holding part of its file, must not pass for it.
      load.current = null;
      stopped.pieces?.cancel();
      reported.current.delete(stopped.fileName);
      editor.updateOptions({ readOnly: false });
      setLoadProgress(null);
    }
    const apply = (change: () => void) => {
      const was = applying.current;
      applying.current = true;
      try {
        change();
      } finally {
        applying.current = was;
      }
    };
    const existing = monaco.editor.getModel(uriFor(fileName));
    const modelHasIt =
      existing &&
      // The text this tab's model was last given or reported (a stopped load forgets it), or the same text compared.
      (reported.current.get(fileName) === value ||
        (existing.getValueLength() === value.length && existing.getValue() === value));
    reported.current.set(fileName, value);
    if (existing && modelHasIt) {
      apply(() => {
        if (editor.getModel() !== existing) editor.setModel(existing);
      });
      return;
    }
    if (value.length < largeTextSettings.piecesFrom) {
      apply(() => {
        const model = modelFor(fileName, value);
        if (editor.getModel() !== model) editor.setModel(model);
      });
      return;
    }
    // A large text goes in piece by piece, with the editor read-only and a progress bar until it is all in.
    // Monaco decides once, when it makes a model, whether the model is too large to colour (over 20 MB or 300,000
    // lines), and only such a model gets the plain line view; otherwise every appended piece copies the view's
    // per-line arrays, and the collector stalls the page. A text that will be that large gets a model made large from
    // the start (monaco-editor textModel.js: _isTooLargeForTokenization), as a whole-text setValue would.
    let model = existing;
    if (tooLargeToColour(value) && !(existing && largeModels.has(existing))) {
      existing?.dispose();
      model = monaco.editor.createModel('\n'.repeat(MONACO_LARGE_LINES), 'yaml', uriFor(fileName));
      largeModels.add(model);
    }
    model ??= monaco.editor.createModel('', 'yaml', uriFor(fileName));
    const running: NonNullable<typeof load.current> = { fileName, total: value.length, pieces: null };
    load.current = running;
    monaco.editor.setModelMarkers(model, 'meshpath', []);
    apply(() => {
      if (editor.getModel() !== model) editor.setModel(model);
    });
    editor.updateOptions({ readOnly: true, readOnlyMessage: READ_ONLY_WHILE_LOADING });
    let shown = -1;
    running.pieces = loadInPieces(model, value, {
      // A cursor at the end of the pieces so far (a click while it loads) stays there, rather than riding along with
      // each piece and scrolling the editor to the end.
      edit: (change) =>
        apply(() => {
          const kept = editor.getSelections();
          change();
          if (kept) editor.setSelections(kept);
        }),
      progress: (loaded) => {
        const percent = Math.floor((100 * loaded) / value.length);
        if (percent === shown || load.current !== running) return;
        shown = percent;
        setLoadProgress({ percent, total: value.length });
      },
      done: () => {
        if (load.current !== running) return;
        load.current = null;
        editor.updateOptions({ readOnly: false });
        setLoadProgress(null);
      },
    });
  }, [fileName, value]);

  const loading = loadProgress !== null;
  useEffect(() => {
    const model = editorRef.current?.getModel();
    // Problems are marked once the whole text is in (their lines may lie beyond the pieces in so far).
    if (!model || loading) return;
    monaco.editor.setModelMarkers(
      model,
      'meshpath',
      markersFor(diagnostics, fileName).map((d) => ({
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
  }, [diagnostics, fileName, value, loading]);

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
      {loadProgress && (
        <div className="editor-load-status">
          <progress max={100} value={loadProgress.percent} aria-label="Loaded into the editor" />
          <span className="percent" aria-hidden="true">
            Loading {loadProgress.percent}% of {describeSize(loadProgress.total)}…
          </span>
          {/* Said once, not at every percent. */}
          <span className="meaning" role="status">
            Read-only until all of it is in. The analysis has already started.
          </span>
        </div>
      )}
      <div ref={containerRef} className={`monaco-host${loadProgress ? ' loading' : ''}`} data-testid="monaco-host" />
      <p className="editor-tab-hint" aria-live="polite">
        {tabMovesFocus ? 'Tab moves focus' : 'Tab indents'} · {TAB_FOCUS_KEY}:{' '}
        {tabMovesFocus ? 'Tab indents' : 'Tab moves focus'}
      </p>
    </>
  );
}
