// Runs the core off the main thread, so typing never stutters. The worker keeps the analysis between jobs (see
// EngineSession) and the manifest files: a job carries the files only when they changed.
import type { ManifestFile } from '../core/index.ts';
import { EngineSession, type EngineJob } from './engine.ts';
import { splitOutput } from './outputPieces.ts';

const session = new EngineSession();
let files: ManifestFile[] = [];

self.onmessage = (event: MessageEvent<EngineJob>) => {
  const { id, input } = event.data;
  if (input.files) files = input.files;
  try {
    // The long lists go first, in pieces, each decoded on the main thread in a short task of its own.
    const { pieces, last } = splitOutput(session.run({ ...input, files }));
    for (const piece of pieces) self.postMessage({ id, piece });
    self.postMessage({ id, output: last });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
