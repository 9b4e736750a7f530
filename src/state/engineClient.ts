import { runEngine, type EngineInput, type EngineOutput } from './engine.ts';

export interface EngineClient {
  run: (input: EngineInput) => void;
  dispose: () => void;
}

/**
 * Sends inputs to the analysis worker and reports the latest output. While a job runs, newer inputs replace each
 * other, so only the last one is computed next. Without Worker support it computes on the main thread.
 */
export function createEngineClient(onOutput: (output: EngineOutput, input: EngineInput) => void, onError: (message: string) => void): EngineClient {
  let worker: Worker | undefined;
  try {
    worker = typeof Worker === 'undefined' ? undefined : new Worker(new URL('./analysis.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    worker = undefined;
  }
  if (!worker) {
    return {
      run: (input) => {
        try {
          onOutput(runEngine(input), input);
        } catch (error) {
          onError(error instanceof Error ? error.message : String(error));
        }
      },
      dispose: () => undefined,
    };
  }
  const active = worker;
  let nextId = 0;
  let running: number | undefined;
  let runningInput: EngineInput | undefined;
  let queued: EngineInput | undefined;
  const send = (input: EngineInput) => {
    running = ++nextId;
    runningInput = input;
    active.postMessage({ id: running, input });
  };
  active.onmessage = (event: MessageEvent<{ id: number; output?: EngineOutput; error?: string }>) => {
    if (event.data.id !== running) return;
    running = undefined;
    if (event.data.output && runningInput) onOutput(event.data.output, runningInput);
    else onError(event.data.error ?? 'The analysis failed.');
    if (queued) {
      const input = queued;
      queued = undefined;
      send(input);
    }
  };
  active.onerror = (event) => onError(event.message || 'The analysis worker failed.');
  return {
    run: (input) => {
      if (running !== undefined) queued = input;
      else send(input);
    },
    dispose: () => active.terminate(),
  };
}
