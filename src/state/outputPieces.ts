// An engine output crosses from the worker in several messages: the main thread decodes each message (structured
// clone) in a task of its own, and a 20,000-object analysis decoded at once took one task of 40 ms and more.
import type { EngineOutput } from './engine.ts';
import type { LeanAnalysis } from './leanView.ts';

/** The lists that grow with the input, each sent in pieces of at most PIECE_ITEMS items. */
export type LongList = 'diagnostics' | 'assumptions' | 'pods' | 'nodes' | 'edges' | 'sources' | 'destinations';

/** Items of one list, sent before the output they belong to. */
export interface OutputPiece {
  list: LongList;
  items: unknown[];
}

/** Enough to keep a message's decoding to a few milliseconds at most. */
export const PIECE_ITEMS = 2000;

type Analysis = Partial<LeanAnalysis>;

/** Where each list is in the lean analysis, and how to put a list back (copying what holds it). */
const LISTS: Record<
  LongList,
  { get: (a: Analysis) => unknown[] | undefined; set: (a: Analysis, l: unknown[]) => Analysis }
> = {
  diagnostics: { get: (a) => a.diagnostics, set: (a, l) => ({ ...a, diagnostics: l as LeanAnalysis['diagnostics'] }) },
  assumptions: { get: (a) => a.assumptions, set: (a, l) => ({ ...a, assumptions: l as LeanAnalysis['assumptions'] }) },
  pods: { get: (a) => a.pods, set: (a, l) => ({ ...a, pods: l as LeanAnalysis['pods'] }) },
  nodes: {
    get: (a) => a.graph?.nodes,
    set: (a, l) => ({ ...a, graph: { edges: [], ...a.graph, nodes: l as LeanAnalysis['graph']['nodes'] } }),
  },
  edges: {
    get: (a) => a.graph?.edges,
    set: (a, l) => ({ ...a, graph: { nodes: [], ...a.graph, edges: l as LeanAnalysis['graph']['edges'] } }),
  },
  sources: {
    get: (a) => a.ends?.sources,
    set: (a, l) => ({ ...a, ends: { destinations: [], ...a.ends, sources: l as LeanAnalysis['ends']['sources'] } }),
  },
  destinations: {
    get: (a) => a.ends?.destinations,
    set: (a, l) => ({
      ...a,
      ends: { sources: [], ...a.ends, destinations: l as LeanAnalysis['ends']['destinations'] },
    }),
  },
};

const NAMES = Object.keys(LISTS) as LongList[];

/**
 * The pieces to send first, and the output to send last with the first PIECE_ITEMS items of each long list. The output
 * given is not changed.
 */
export function splitOutput(output: EngineOutput, size = PIECE_ITEMS): { pieces: OutputPiece[]; last: EngineOutput } {
  let analysis = output.analysis;
  if (!analysis) return { pieces: [], last: output };
  const pieces: OutputPiece[] = [];
  for (const list of NAMES) {
    const items = LISTS[list].get(analysis);
    if (!items || items.length <= size) continue;
    for (let from = size; from < items.length; from += size)
      pieces.push({ list, items: items.slice(from, from + size) });
    analysis = LISTS[list].set(analysis, items.slice(0, size));
  }
  return { pieces, last: { ...output, analysis } };
}

/** The whole output again: each list of `last`, followed by its pieces in the order they were sent. */
export function joinOutput(last: EngineOutput, pieces: readonly OutputPiece[]): EngineOutput {
  let analysis = last.analysis;
  if (!analysis || pieces.length === 0) return last;
  for (const list of NAMES) {
    const more = pieces.filter((p) => p.list === list);
    if (more.length === 0) continue;
    const whole = [...(LISTS[list].get(analysis) ?? [])];
    for (const piece of more) for (const item of piece.items) whole.push(item);
    analysis = LISTS[list].set(analysis, whole);
  }
  return { ...last, analysis };
}
