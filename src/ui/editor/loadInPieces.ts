import type { monaco } from './monacoSetup.ts';
import { largeTextSettings, pieceEnd } from './largeText.ts';

export interface PieceLoad {
  /** Stops the load; the model keeps the pieces already in. */
  cancel: () => void;
}

export interface PieceLoadHooks {
  /** Runs one change of the model (the editor marks it as its own, so it is not reported as the user's edit). */
  edit: (change: () => void) => void;
  /** How many characters are in after each piece. */
  progress: (loaded: number) => void;
  /** The whole text is in. */
  done: () => void;
}

/** The browser's task scheduler where it has one (Chromium): its background tasks give way to all other work. */
interface TaskScheduler {
  postTask: (task: () => void, options: { priority: 'background'; signal: AbortSignal }) => Promise<unknown>;
}

/**
 * One task later. Where the browser can, at background priority: the analysis's answer, the outcome's render, input
 * and painting go first, and the load takes what time is left. Elsewhere a message to ourselves (no 4 ms minimum
 * delay, as a chain of timers gets).
 */
function nextTask(run: () => void): () => void {
  if (largeTextSettings.pauseMs > 0) {
    const timer = setTimeout(run, largeTextSettings.pauseMs);
    return () => clearTimeout(timer);
  }
  const scheduler = (globalThis as { scheduler?: Partial<TaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') {
    const abort = new AbortController();
    // A cancelled task rejects: nothing to report.
    scheduler.postTask(run, { priority: 'background', signal: abort.signal }).catch(() => undefined);
    return () => abort.abort();
  }
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    run();
  };
  channel.port2.postMessage(null);
  return () => channel.port1.close();
}

/**
 * Puts `text` into `model` in pieces, one per task, so the page keeps answering while a cluster export of tens of
 * megabytes comes in. The first piece replaces what the model had with `setValue`, which also clears its undo stack;
 * later pieces are appended with `applyEdits`, which records no undo step: the user's first Undo after the load never
 * takes loaded text away. The text comes in unchanged (pieces end after a line break, or on a character boundary).
 */
export function loadInPieces(model: monaco.editor.ITextModel, text: string, hooks: PieceLoadHooks): PieceLoad {
  let loaded = pieceEnd(text, 0, largeTextSettings.firstPiece);
  let stopped = false;
  let cancelTask: () => void = () => undefined;
  hooks.edit(() => model.setValue(text.slice(0, loaded)));
  hooks.progress(loaded);
  const step = () => {
    if (stopped || model.isDisposed()) return;
    const end = pieceEnd(text, loaded, largeTextSettings.piece);
    const line = model.getLineCount();
    const column = model.getLineMaxColumn(line);
    hooks.edit(() =>
      model.applyEdits([
        {
          range: { startLineNumber: line, startColumn: column, endLineNumber: line, endColumn: column },
          text: text.slice(loaded, end),
        },
      ]),
    );
    loaded = end;
    hooks.progress(loaded);
    if (loaded < text.length) cancelTask = nextTask(step);
    else hooks.done();
  };
  if (loaded < text.length) cancelTask = nextTask(step);
  else hooks.done();
  return {
    cancel: () => {
      stopped = true;
      cancelTask();
    },
  };
}
