// Runs the core off the main thread, so typing in the editor never stutters.
import { runEngine, type EngineInput } from './engine.ts';

interface Job {
  id: number;
  input: EngineInput;
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, input } = event.data;
  try {
    self.postMessage({ id, output: runEngine(input) });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
