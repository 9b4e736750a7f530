import { describe, expect, it } from 'vitest';
import { generateClusterExport } from '../cli/realisticExport.ts';
import { EngineSession } from './engine.ts';
import { joinOutput, splitOutput } from './outputPieces.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST } from './scenarioCodec.ts';

describe('an engine output sent in pieces', () => {
  const cluster = generateClusterExport(400);
  const output = new EngineSession().run({
    files: [{ name: 'export.yaml', text: cluster.text }],
    request: { ...EMPTY_REQUEST, from: cluster.sourcePod, to: `http://${cluster.serviceHost('team-0', 'app-3')}/` },
    options: DEFAULT_OPTIONS,
  });

  it('arrives whole: the lists of the last message and its pieces, in order, make the output sent', () => {
    const before = structuredClone(output);
    const { pieces, last } = splitOutput(output, 50);
    // Every message crosses by structured clone, as from the worker.
    const joined = joinOutput(
      structuredClone(last),
      pieces.map((p) => structuredClone(p)),
    );
    expect(joined).toEqual(output);
    expect(output).toEqual(before);
    expect(joined.analysis?.graph?.nodes.length).toBeGreaterThan(300);
    expect(joined.trace?.result?.ok).toBe(true);
  });

  it('keeps every message to the piece size', () => {
    const { pieces, last } = splitOutput(output, 50);
    const a = output.analysis;
    const lists = { pods: a?.pods, nodes: a?.graph?.nodes, edges: a?.graph?.edges, sources: a?.ends?.sources };
    for (const [name, list] of Object.entries(lists)) expect(list?.length, name).toBeGreaterThan(50);
    expect(new Set(pieces.map((p) => p.list))).toEqual(new Set(Object.keys(lists)));
    for (const piece of pieces) expect(piece.items.length).toBeLessThanOrEqual(50);
    const l = last.analysis;
    for (const list of [l?.pods, l?.graph?.nodes, l?.graph?.edges, l?.ends?.sources]) expect(list?.length).toBe(50);
    expect(l?.ends?.destinations).toEqual(a?.ends?.destinations);
  });

  it('sends a small output as one message', () => {
    const small = { trace: output.trace, analysis: { objectCount: 3, pods: output.analysis?.pods?.slice(0, 2) } };
    expect(splitOutput(small)).toEqual({ pieces: [], last: small });
    expect(splitOutput({})).toEqual({ pieces: [], last: {} });
  });
});
