import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineSession } from './engine.ts';
import { findExample } from './examples.ts';
import { applyFixInCopy, AUTO_FIX_MAX_CHARS, connectPathTools, saveAsTest, usePathTools } from './pathTools.ts';
import { DEFAULT_OPTIONS, EMPTY_REQUEST } from './scenarioCodec.ts';
import { scenarioOf, setEngine, setWorkspaceHistory, useWorkspace } from './store.ts';
import { WorkspaceHistory } from './history.ts';

const registryOnly = findExample('registry-only')?.scenario.files[0] ?? { name: 'missing.yaml', text: '' };
const sleep = { ...EMPTY_REQUEST, from: 'application/sleep' };

let disconnect: () => void = () => undefined;

beforeEach(() => {
  vi.useFakeTimers();
  const session = new EngineSession();
  setEngine((input) => useWorkspace.getState().applyResult(session.run(input), input));
  setWorkspaceHistory(new WorkspaceHistory(undefined));
  useWorkspace.getState().loadScenario({
    files: [registryOnly],
    request: { ...sleep, to: 'http://github.com/' },
    options: DEFAULT_OPTIONS,
  });
  // Node has no Worker: the path tools compute in place, as they do when a browser has none.
  disconnect = connectPathTools();
});

afterEach(() => {
  disconnect();
  usePathTools.setState({ compare: undefined, whyNot: undefined });
  vi.useRealTimers();
});

const outcome = () => {
  const trace = useWorkspace.getState().trace;
  return trace?.ok ? trace.trace.outcome : undefined;
};

describe('why not, and apply in a copy', () => {
  it('finds the verified fix for a blocked request; applied in a new tab it routes, the user files untouched', () => {
    expect(outcome()).toBe('blackhole');
    const why = usePathTools.getState().whyNot?.result;
    if (!why || typeof why === 'string') throw new Error('no explanation');
    const fix = why.fixes[0];
    expect(fix?.title).toMatch(/ServiceEntry for github\.com:80/);
    const before = scenarioOf(useWorkspace.getState());
    applyFixInCopy(fix!);
    const { files, notice, history } = useWorkspace.getState();
    expect(files.map((f) => f.name)).toEqual(['registry-only.yaml', 'meshpath-fix.yaml']);
    expect(files[0]).toBe(before.files[0]);
    expect(files[1]?.text).toMatch(/^# Fix suggested by Meshpath: Add a ServiceEntry/);
    expect(outcome()).toBe('routed');
    expect(notice?.undo).toEqual(before);
    expect(history[0]?.scenario.files).toEqual(before.files);
    // Routed: nothing left to fix.
    vi.runAllTimers();
    expect(usePathTools.getState().whyNot).toBe(undefined);
    // A second fix gets its own tab.
    useWorkspace.getState().loadScenario(before);
    vi.runAllTimers();
    applyFixInCopy(fix!);
    applyFixInCopy(fix!);
    expect(useWorkspace.getState().files.map((f) => f.name)).toEqual([
      'registry-only.yaml',
      'meshpath-fix.yaml',
      'meshpath-fix-2.yaml',
    ]);
  });

  it('in a large workspace, looks for a fix only when asked', () => {
    const large = { ...registryOnly, text: `${registryOnly.text}# ${'x'.repeat(AUTO_FIX_MAX_CHARS)}\n` };
    useWorkspace.getState().setFileText(0, large.text);
    vi.runAllTimers();
    expect(outcome()).toBe('blackhole');
    expect(usePathTools.getState().whyNot).toMatchObject({ job: undefined, result: undefined });
    usePathTools.getState().findFix();
    const why = usePathTools.getState().whyNot?.result;
    expect(typeof why !== 'string' && why?.fixes.map((f) => f.object.kind)).toEqual(['ServiceEntry']);
  });
});

describe('save as test', () => {
  it('creates meshpath.tests.yaml, then appends to it; the tests run and pass', () => {
    const saved = saveAsTest('');
    expect(saved).toEqual({ file: 'meshpath.tests.yaml', name: 'application/sleep → http://github.com/' });
    let state = useWorkspace.getState();
    expect(state.files[state.activeFile]?.name).toBe('meshpath.tests.yaml');
    expect(state.pathTests.results.map((r) => [r.name, r.status])).toEqual([
      ['application/sleep → http://github.com/', 'passed'],
    ]);
    expect(usePathTools.getState().viewRequest?.view).toBe('tests');
    // The tests file is not read as manifests: no problem reported in it, the trace is the same.
    expect(state.analysis.diagnostics.filter((d) => d.file === 'meshpath.tests.yaml')).toEqual([]);
    expect(outcome()).toBe('blackhole');

    state.setRequest({ to: 'http://google.com/' });
    expect(saveAsTest('google is allowed')).toEqual({ file: 'meshpath.tests.yaml', name: 'google is allowed' });
    state = useWorkspace.getState();
    expect(state.files).toHaveLength(2);
    expect(state.pathTests.results.map((r) => [r.name, r.status, r.outcome])).toEqual([
      ['application/sleep → http://github.com/', 'passed', 'blackhole'],
      ['google is allowed', 'passed', 'routed'],
    ]);
    // A change to the manifests re-runs them: without its ServiceEntry google.com is blocked too.
    const text = registryOnly.text.replace(/hosts:\n\s+- google\.com/, 'hosts:\n  - google.org');
    expect(text).not.toBe(registryOnly.text);
    state.setFileText(0, text);
    const failed = useWorkspace.getState().pathTests.results[1];
    expect(failed).toMatchObject({ status: 'failed', failure: { field: 'outcome', expected: '"routed"' } });
  });

  it('says what is missing rather than saving half a test', () => {
    useWorkspace.getState().setRequest({ to: '' });
    expect(saveAsTest('x')).toMatch(/destination/);
    expect(useWorkspace.getState().files).toHaveLength(1);
  });
});

describe('compare with', () => {
  it('compares the current request with another workspace, and again when the request changes', () => {
    const withEntry = {
      name: 'registry-only.yaml',
      text: [
        `${registryOnly.text}---`,
        'apiVersion: networking.istio.io/v1',
        'kind: ServiceEntry',
        'metadata: {name: gh, namespace: application}',
        'spec:',
        '  hosts: [github.com]',
        '  location: MESH_EXTERNAL',
        '  resolution: DNS',
        '  ports: [{number: 80, name: http, protocol: HTTP}]',
        '',
      ].join('\n'),
    };
    usePathTools.getState().compareWith({ label: 'a file', files: [withEntry] });
    const compare = usePathTools.getState().compare;
    expect(compare?.result?.diff).toMatchObject({
      changed: true,
      before: { outcome: 'routed' },
      after: { outcome: 'blackhole' },
    });
    expect(usePathTools.getState().viewRequest?.view).toBe('compare');
    useWorkspace.getState().setRequest({ to: 'http://google.com/' });
    vi.runAllTimers();
    expect(usePathTools.getState().compare?.result?.diff.changed).toBe(false);
  });
});

describe('why not the cluster the user intended', () => {
  it('for a routed request, names the rule that decided and a verified edit to the intended cluster', () => {
    const bookinfo = findExample('bookinfo')!.scenario;
    useWorkspace.getState().loadScenario(bookinfo);
    vi.runAllTimers();
    expect(outcome()).toBe('routed');
    expect(usePathTools.getState().whyNot).toBe(undefined);
    const v3 = 'outbound|9080|v3|reviews.bookinfo.svc.cluster.local';
    usePathTools.getState().setIntendedCluster(` ${v3} `);
    const why = usePathTools.getState().whyNot?.result;
    if (!why || typeof why === 'string') throw new Error('no explanation');
    expect(why.intendedCluster).toBe(v3);
    expect(why.reason).toContain('VirtualService bookinfo/reviews rule http[0] (jason) matched');
    expect(why.fixes.map((f) => [f.title, f.result.cluster])).toEqual([
      [`Send rule http[0] (jason) of VirtualService bookinfo/reviews to ${v3}`, v3],
    ]);
    applyFixInCopy(why.fixes[0]!);
    const trace = useWorkspace.getState().trace;
    expect(trace?.ok && trace.trace.hops.find((h) => h.direction === 'outbound')?.cluster).toBe(v3);
    // Named and reached: nothing to change. Cleared: no panel.
    vi.runAllTimers();
    const reached = usePathTools.getState().whyNot?.result;
    expect(typeof reached !== 'string' && reached?.reason).toBe(`The request already reaches ${v3}.`);
    usePathTools.getState().setIntendedCluster('');
    expect(usePathTools.getState().whyNot).toBe(undefined);
  });
});
