import { beforeEach, describe, expect, it } from 'vitest';
import { openStartingWorkspace } from './startup.ts';
import { EngineSession, type EngineInput } from './engine.ts';
import { DEFAULT_EXAMPLE, findExample } from './examples.ts';
import { WorkspaceHistory } from './history.ts';
import { EMPTY_LEAN_ANALYSIS } from './leanView.ts';
import { encodeScenario, type Scenario } from './scenarioCodec.ts';
import { scenarioOf, setEngine, setWorkspaceHistory, useWorkspace } from './store.ts';

/**
 * The start-up loads what the first screen shows once: a shared link, an example link, the saved work or the demo is
 * the only scenario analysed (it used to analyse the demo, then the saved work, then the link, sometimes twice).
 */
const analysed: string[][] = [];
let engineCalls = 0;

/** Counts, like the analysis worker, the runs whose files differ from the last ones (those are analysed again). */
function countingEngine(): void {
  const session = new EngineSession();
  let last: string | undefined;
  engineCalls = 0;
  analysed.length = 0;
  setEngine((input: EngineInput) => {
    engineCalls++;
    const files = JSON.stringify(input.files);
    if (files !== last) analysed.push(input.files.map((f) => f.name));
    last = files;
    useWorkspace.getState().applyResult(session.run(input), input);
  });
}

const mine: Scenario = {
  files: [{ name: 'mine.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: my-own-work\n' }],
};
const shared: Scenario = {
  files: [{ name: 'shared.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-a-link\n' }],
};

describe('the start-up', () => {
  it('analyses nothing before it knows what to open', () => {
    expect(useWorkspace.getState().analysis).toBe(EMPTY_LEAN_ANALYSIS);
    expect(useWorkspace.getState().computing).toBe(true);
  });

  beforeEach(() => {
    setWorkspaceHistory(new WorkspaceHistory(undefined));
    countingEngine();
  });

  it('opens a shared link over saved work with one analysis, of the link, and keeps the saved work', async () => {
    const link = `#${await encodeScenario(shared)}`;
    await openStartingWorkspace(link, mine);
    expect(engineCalls).toBe(1);
    expect(analysed).toEqual([['shared.yaml']]);
    const state = useWorkspace.getState();
    expect(state.files).toEqual(shared.files);
    expect(state.analysis.objectCount).toBe(1);
    expect(state.computing).toBe(false);
    expect(state.history[0]).toMatchObject({ summary: 'Before opening a shared link' });
    expect(state.history[0]?.scenario.files).toEqual(mine.files);
    expect(state.notice).toMatchObject({ kind: 'info', undo: mine });
  });

  it('opens an example link with one analysis; a reload of the same link keeps nothing, says nothing', async () => {
    const example = findExample('mtls');
    if (!example) throw new Error('the mtls example is missing');
    await openStartingWorkspace('#example=mtls', undefined);
    expect(analysed).toEqual([example.scenario.files.map((f) => f.name)]);
    expect(engineCalls).toBe(1);
    const saved = scenarioOf(useWorkspace.getState());

    countingEngine();
    await openStartingWorkspace('#example=mtls', saved);
    expect(engineCalls).toBe(1);
    expect(analysed).toEqual([example.scenario.files.map((f) => f.name)]);
    expect(useWorkspace.getState().notice).toBeNull();
    expect(useWorkspace.getState().history).toEqual([]);
  });

  it('opens the saved work, or the demo on a first visit, with one analysis', async () => {
    await openStartingWorkspace('', mine);
    expect(analysed).toEqual([['mine.yaml']]);
    expect(engineCalls).toBe(1);
    countingEngine();
    await openStartingWorkspace('', undefined);
    expect(analysed).toEqual([DEFAULT_EXAMPLE.scenario.files.map((f) => f.name)]);
    expect(engineCalls).toBe(1);
    expect(useWorkspace.getState().trace?.ok).toBe(true);
  });

  it('opens the saved work with one analysis when a link is damaged, and says why', async () => {
    await openStartingWorkspace('#v2=damaged', mine);
    expect(analysed).toEqual([['mine.yaml']]);
    expect(useWorkspace.getState().notice?.kind).toBe('error');
  });
});
