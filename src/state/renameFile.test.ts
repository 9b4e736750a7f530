import { beforeEach, describe, expect, it } from 'vitest';
import { EngineSession } from './engine.ts';
import { WorkspaceHistory } from './history.ts';
import { decodeScenario, encodeScenario } from './scenarioCodec.ts';
import { MAX_FILE_NAME, scenarioOf, setEngine, setWorkspaceHistory, useWorkspace } from './store.ts';

const text = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;

beforeEach(() => {
  const session = new EngineSession();
  setEngine((input) => useWorkspace.getState().applyResult(session.run(input), input));
  setWorkspaceHistory(new WorkspaceHistory(undefined));
  useWorkspace.getState().loadScenario({
    files: [
      { name: 'demo.yaml', text: text('mine') },
      { name: 'extra.yaml', text: `${text('other')}kind: Oops\n` },
    ],
  });
});

describe('renaming a file', () => {
  it('renames it, and the new name is what is saved, shared, kept in Recent and named in problems', async () => {
    expect(useWorkspace.getState().renameFile(0, '  cart.yaml ')).toBeUndefined();
    expect(useWorkspace.getState().files.map((f) => f.name)).toEqual(['cart.yaml', 'extra.yaml']);
    const link = await encodeScenario(scenarioOf(useWorkspace.getState()));
    const shared = await decodeScenario(link);
    expect(shared.ok && shared.scenario.files.map((f) => f.name)).toEqual(['cart.yaml', 'extra.yaml']);
    // The next action that replaces the work keeps it under its new name.
    useWorkspace.getState().loadScenario({ files: [{ name: 'x.yaml', text: text('x') }] }, undefined, 'Before x');
    expect(useWorkspace.getState().history[0]?.scenario.files.map((f) => f.name)).toEqual(['cart.yaml', 'extra.yaml']);
  });

  it('refuses an empty name, a name another file has and a name too long, and changes nothing then', () => {
    const before = useWorkspace.getState().files;
    expect(useWorkspace.getState().renameFile(0, '   ')).toBe('A file needs a name.');
    expect(useWorkspace.getState().renameFile(0, 'extra.yaml')).toBe('Another file is already named extra.yaml.');
    expect(useWorkspace.getState().renameFile(0, 'x'.repeat(MAX_FILE_NAME + 1))).toBe(
      `A file name has at most ${MAX_FILE_NAME} characters.`,
    );
    expect(useWorkspace.getState().renameFile(5, 'a.yaml')).toBe('There is no such file.');
    expect(useWorkspace.getState().files).toBe(before);
    // Its own name again is no change and no problem.
    expect(useWorkspace.getState().renameFile(1, 'extra.yaml')).toBeUndefined();
    expect(useWorkspace.getState().files).toBe(before);
  });

  it('analyses again, so problems name the file by its new name', () => {
    useWorkspace.getState().renameFile(1, 'renamed.yaml');
    const files = new Set(useWorkspace.getState().analysis.diagnostics.map((d) => d.file));
    expect(files.has('renamed.yaml')).toBe(true);
    expect(files.has('extra.yaml')).toBe(false);
  });
});
