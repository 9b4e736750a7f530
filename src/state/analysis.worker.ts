// Runs the core off the main thread, so typing never stutters. The worker keeps the analysis between jobs (see
// EngineSession) and the manifest files: a job carries the files only when they changed.
import type { ManifestFile } from '../core/index.ts';
import { EngineSession, type EngineJob } from './engine.ts';

const session = new EngineSession();
let files: ManifestFile[] = [];

self.onmessage = (event: MessageEvent<EngineJob>) => {
  const { id, input } = event.data;
  if (input.files) files = input.files;
  try {
    self.postMessage({ id, output: session.run({ ...input, files }) });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
