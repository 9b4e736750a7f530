import { PathToolsSession, type ToolsJob, type ToolsOutput } from './pathToolsSession.ts';

export type ToolsKind = ToolsJob['kind'];

function startWorker(): Worker | undefined {
  try {
    return typeof Worker === 'undefined'
      ? undefined
      : new Worker(new URL('./pathTools.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return undefined;
  }
}

/**
 * Sends jobs to the path tools worker, one at a time; a newer job of a kind replaces the one of that kind still
 * waiting, so only the latest question is answered. Each answer comes back with the job it answers. The worker starts
 * with the first job (a workspace whose requests all succeed never loads it). Without Worker support, or once the
 * worker has died, it computes on the main thread.
 */
export function createPathToolsClient(onOutput: (job: ToolsJob, output: ToolsOutput | { error: string }) => void): {
  run: (job: ToolsJob) => void;
  dispose: () => void;
} {
  let here: PathToolsSession | undefined;
  const runHere = (job: ToolsJob) => {
    try {
      here ??= new PathToolsSession();
      onOutput(job, here.run(job));
    } catch (error) {
      onOutput(job, { error: error instanceof Error ? error.message : String(error) });
    }
  };
  let worker: Worker | undefined;
  let failed = false;
  let disposed = false;
  let nextId = 0;
  let running: { id: number; job: ToolsJob } | undefined;
  const waiting = new Map<ToolsKind, ToolsJob>();

  const sendNext = () => {
    const [kind, job] = waiting.entries().next().value ?? [];
    if (!kind || !job || !worker) return;
    waiting.delete(kind);
    running = { id: ++nextId, job };
    worker.postMessage(running);
  };
  const start = (): Worker | undefined => {
    const started = startWorker();
    if (!started) return undefined;
    started.onmessage = (event: MessageEvent<{ id: number; output?: ToolsOutput; error?: string }>) => {
      if (!running || event.data.id !== running.id) return;
      const { job } = running;
      running = undefined;
      onOutput(job, event.data.output ?? { error: event.data.error ?? 'The computation failed.' });
      sendNext();
    };
    // The worker itself died (not an error in a job, which comes back as a message): carry on without it.
    started.onerror = (event) => {
      event.preventDefault();
      failed = true;
      started.terminate();
      const pending = [...(running ? [running.job] : []), ...waiting.values()];
      running = undefined;
      waiting.clear();
      pending.forEach(runHere);
    };
    return started;
  };

  return {
    run: (job) => {
      if (disposed) return;
      if (!failed && !worker) {
        worker = start();
        failed = worker === undefined;
      }
      if (failed) return runHere(job);
      waiting.set(job.kind, job);
      if (!running) sendNext();
    },
    dispose: () => {
      disposed = true;
      worker?.terminate();
    },
  };
}
