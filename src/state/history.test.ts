import { beforeEach, describe, expect, it } from 'vitest';
import { EngineSession } from './engine.ts';
import { HISTORY_SIZE, WorkspaceHistory, type KeyValueStorage } from './history.ts';
import { STORAGE_WARNING, setEngine, setWorkspaceHistory, useWorkspace } from './store.ts';

class MemoryStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  constructor(private readonly quota = Number.MAX_SAFE_INTEGER) {}
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (value.length > this.quota) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
}

const text = (label: string) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${label}\n${'# padding\n'.repeat(12)}`;
const scenario = (label: string) => ({ files: [{ name: `${label}.yaml`, text: text(label) }] });

describe('the workspace history', () => {
  it('keeps the newest first, at most ten, once per identical workspace, and reads them back after a reload', () => {
    const storage = new MemoryStorage();
    const history = new WorkspaceHistory(storage);
    for (let i = 0; i < HISTORY_SIZE + 3; i++) expect(history.keep(scenario(`w${i}`), `step ${i}`, i)).toBe(true);
    history.keep(scenario(`w${HISTORY_SIZE + 2}`), 'again', 99);
    expect(history.list()).toHaveLength(HISTORY_SIZE);
    expect(history.list()[0]).toMatchObject({ summary: 'again', savedAt: 99 });
    expect(history.list()[1]?.summary).toBe(`step ${HISTORY_SIZE + 1}`);
    const reloaded = new WorkspaceHistory(storage);
    expect(reloaded.list()).toEqual(history.list());
  });

  it('drops the oldest entries when storage is full, and says so when not even one fits', () => {
    const storage = new MemoryStorage(1_500);
    const history = new WorkspaceHistory(storage);
    for (let i = 0; i < 6; i++) history.keep(scenario(`w${i}`), `step ${i}`);
    const saved = new WorkspaceHistory(storage).list();
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.length).toBeLessThan(6);
    expect(saved[0]?.summary).toBe('step 5');
    expect(history.keep({ files: [{ name: 'big.yaml', text: 'x'.repeat(5_000) }] }, 'too big')).toBe(false);
    expect(new WorkspaceHistory(undefined).keep(scenario('a'), 'no storage')).toBe(false);
  });

  it('ignores a damaged history in storage', () => {
    const storage = new MemoryStorage();
    storage.setItem('meshpath.history.v1', '[{"savedAt": "x"}, 3, {"savedAt": 1, "summary": "s", "scenario": {}}]');
    expect(new WorkspaceHistory(storage).list()).toEqual([]);
    storage.setItem('meshpath.history.v1', 'not json');
    expect(new WorkspaceHistory(storage).list()).toEqual([]);
  });
});

describe('actions that replace the work keep it first', () => {
  let storage: MemoryStorage;
  beforeEach(() => {
    const session = new EngineSession();
    setEngine((input) => useWorkspace.getState().applyResult(session.run(input), input));
    storage = new MemoryStorage();
    useWorkspace.getState().loadScenario(scenario('mine'));
    setWorkspaceHistory(new WorkspaceHistory(storage));
    useWorkspace.setState({ storageWarning: null });
  });
  const newest = () => useWorkspace.getState().history[0];

  it('opening an example or a link', () => {
    useWorkspace.getState().loadScenario(scenario('example'), undefined, 'Before opening the example “x”');
    expect(newest()).toMatchObject({
      summary: 'Before opening the example “x”',
      scenario: { files: [{ name: 'mine.yaml' }] },
    });
    expect(new WorkspaceHistory(storage).list()[0]?.scenario.files[0]?.text).toBe(text('mine'));
  });

  it('uploading a file with the name of an open one, which the notice says', () => {
    useWorkspace
      .getState()
      .openFiles({ scenario: undefined, manifests: [{ name: 'mine.yaml', text: 'kind: Service\n' }], failed: [] });
    expect(newest()).toMatchObject({ summary: 'Before replacing mine.yaml', scenario: scenario('mine') });
    expect(useWorkspace.getState().notice?.message).toContain('It replaced the open mine.yaml');
  });

  it('closing a file', () => {
    useWorkspace.getState().removeFile(0);
    expect(newest()).toMatchObject({ summary: 'Before closing mine.yaml', scenario: scenario('mine') });
  });

  it('a paste over everything, but not typing', () => {
    useWorkspace.getState().setFileText(0, `${text('mine')}# one more line\n`);
    expect(useWorkspace.getState().history).toEqual([]);
    useWorkspace.getState().setFileText(0, 'kind: Pod\n');
    expect(newest()?.summary).toBe('Before pasting over mine.yaml');
    expect(newest()?.scenario.files[0]?.text).toBe(`${text('mine')}# one more line\n`);
  });

  it('warns, and keeps warning, when the browser will not keep the work', () => {
    setWorkspaceHistory(new WorkspaceHistory(undefined));
    useWorkspace.getState().removeFile(0);
    expect(useWorkspace.getState().storageWarning).toBe(STORAGE_WARNING);
    useWorkspace.getState().setNotice({ kind: 'info', message: 'something else' });
    expect(useWorkspace.getState().storageWarning).toBe(STORAGE_WARNING);
  });
});
