import { EngineSession, type EngineInput, type EngineJob, type EngineOutput } from './engine.ts';
import { joinOutput, type OutputPiece } from './outputPieces.ts';

/**
 * Sends inputs to the analysis worker and reports the latest output. While a job runs, newer inputs replace each
 * other, so only the last one is computed next. The manifest text crosses to the worker only when it changed. Without
 * Worker support, or once the worker has failed, it computes on the main thread, so the app keeps answering.
 */
export function createEngineClient(
  onOutput: (output: EngineOutput, input: EngineInput) => void,
  onError: (message: string) => void,
): (input: EngineInput) => void {
  let here: EngineSession | undefined;
  const runHere = (input: EngineInput) => {
    try {
      here ??= new EngineSession();
      onOutput(here.run(input), input);
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    }
  };
  let worker: Worker | undefined;
  try {
    worker =
      typeof Worker === 'undefined'
        ? undefined
        : new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    worker = undefined;
  }
  if (!worker) return runHere;
  const active = worker;
  let failed = false;
  let nextId = 0;
  let running: number | undefined;
  let runningInput: EngineInput | undefined;
  let queued: EngineInput | undefined;
  /** The pieces of the running job's output received so far (its last message completes them). */
  let pieces: OutputPiece[] = [];
  /** The files the worker holds. */
  let sentFiles: EngineInput['files'] | undefined;
  const send = (input: EngineInput) => {
    running = ++nextId;
    pieces = [];
    runningInput = input;
    const { files, ...rest } = input;
    const job: EngineJob = { id: running, input: files === sentFiles ? rest : input };
    sentFiles = files;
    active.postMessage(job);
  };
  active.onmessage = (
    event: MessageEvent<{ id: number; piece?: OutputPiece; output?: EngineOutput; error?: string }>,
  ) => {
    if (event.data.id !== running) return;
    if (event.data.piece) return void pieces.push(event.data.piece);
    running = undefined;
    const received = pieces;
    pieces = [];
    if (event.data.output && runningInput) onOutput(joinOutput(event.data.output, received), runningInput);
    else onError(event.data.error ?? 'The analysis failed.');
    if (queued) {
      const input = queued;
      queued = undefined;
      send(input);
    }
  };
  // The worker itself died (not an error in the analysis, which comes back as a message): carry on without it.
  active.onerror = (event) => {
    event.preventDefault();
    failed = true;
    active.terminate();
    const pending = queued ?? runningInput;
    running = undefined;
    queued = undefined;
    if (pending) runHere(pending);
  };
  return (input) => {
    if (failed) runHere(input);
    else if (running !== undefined) queued = input;
    else send(input);
  };
}
