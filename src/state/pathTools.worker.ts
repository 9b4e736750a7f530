// Runs "Why not / fix" and "Compare with…" off the main thread and apart from the trace's worker: both analyse
// manifests again (each candidate fix, the other workspace), which must never hold up typing or the trace.
import { PathToolsSession, type ToolsJob } from './pathToolsSession.ts';

const session = new PathToolsSession();

self.onmessage = (event: MessageEvent<{ id: number; job: ToolsJob }>) => {
  const { id, job } = event.data;
  try {
    self.postMessage({ id, output: session.run(job) });
  } catch (error) {
    self.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
