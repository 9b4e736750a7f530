import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineInput, EngineJob, EngineOutput } from './engine.ts';
import { createEngineClient } from './engineClient.ts';
import { splitOutput } from './outputPieces.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST } from './scenarioCodec.ts';

/** A stand-in for the browser's Worker: it records the jobs and lets a test answer them or make the worker die. */
class FakeWorker {
  static last: FakeWorker | undefined;
  jobs: EngineJob[] = [];
  terminated = false;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(job: EngineJob): void {
    this.jobs.push(structuredClone(job));
  }
  terminate(): void {
    this.terminated = true;
  }
  answer(output: EngineOutput, pieceItems?: number): void {
    const id = this.jobs.at(-1)?.id;
    const { pieces, last } = pieceItems ? splitOutput(output, pieceItems) : { pieces: [], last: output };
    for (const piece of pieces) this.onmessage?.({ data: structuredClone({ id, piece }) } as MessageEvent);
    this.onmessage?.({ data: structuredClone({ id, output: last }) } as MessageEvent);
  }
  die(): void {
    this.onerror?.({ preventDefault: () => undefined } as ErrorEvent);
  }
}

const text = `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {containers: [{name: app, image: curl}]}
status: {podIP: 10.0.0.1}
`;
const files = [{ name: 'm.yaml', text }];
const input = (to: string, sameFiles = files): EngineInput => ({
  files: sameFiles,
  request: { ...EMPTY_REQUEST, from: 'default/client', to },
  options: DEFAULT_OPTIONS,
});

afterEach(() => vi.unstubAllGlobals());

describe('the engine client', () => {
  it('sends the manifests to the worker only when they changed', () => {
    vi.stubGlobal('Worker', FakeWorker);
    const run = createEngineClient(
      () => undefined,
      () => undefined,
    );
    const worker = FakeWorker.last;
    run(input('http://a/'));
    worker?.answer({});
    run(input('http://b/'));
    worker?.answer({});
    run(input('http://b/', [{ name: 'm.yaml', text: `${text}# edited\n` }]));
    expect(worker?.jobs.map((job) => job.input.files?.[0]?.text.length)).toEqual([
      text.length,
      undefined,
      text.length + 9,
    ]);
  });

  it('computes on the main thread, from the whole input, once the worker has died', () => {
    vi.stubGlobal('Worker', FakeWorker);
    const outputs: EngineOutput[] = [];
    const run = createEngineClient(
      (output) => outputs.push(output),
      () => undefined,
    );
    const worker = FakeWorker.last;
    run(input('http://a/'));
    worker?.answer({});
    // The worker dies while it traces a new request, sent without the manifests it already had.
    run(input('http://example.com/'));
    worker?.die();
    expect(worker?.terminated).toBe(true);
    const here = outputs.at(-1);
    expect(here?.analysis?.pods?.map((p) => p.ref)).toEqual(['default/client']);
    expect(here?.trace?.result?.ok && here.trace.result.trace.outcome).toBe('direct');
    run(input('http://other.example.com/'));
    expect(worker?.jobs).toHaveLength(2);
    expect(outputs.at(-1)?.trace?.result?.ok).toBe(true);
  });

  it('puts an output sent in pieces back together before it reports it, and drops the pieces of a replaced job', () => {
    vi.stubGlobal('Worker', FakeWorker);
    const outputs: EngineOutput[] = [];
    const run = createEngineClient(
      (output) => outputs.push(output),
      () => undefined,
    );
    const worker = FakeWorker.last;
    const pods = Array.from({ length: 7 }, (_, i) => ({
      ref: `default/p${i}`,
      proxy: 'sidecar' as const,
      ambient: false,
      assumed: false,
    }));
    run(input('http://a/'));
    worker?.answer({ analysis: { objectCount: 7, pods } }, 3);
    expect(outputs).toEqual([{ analysis: { objectCount: 7, pods } }]);
    // Pieces of an answer that no longer counts are not mixed into the next one.
    run(input('http://b/'));
    worker?.onmessage?.({ data: { id: 1, piece: { list: 'pods', items: pods } } } as MessageEvent);
    worker?.answer({ analysis: { pods: pods.slice(0, 2) } }, 3);
    expect(outputs.at(-1)).toEqual({ analysis: { pods: pods.slice(0, 2) } });
  });
});
