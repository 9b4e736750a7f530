import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { scenarioOf, setEngine, stepsCausedBy, TYPING_DELAY_MS, useWorkspace } from './store.ts';
import { EngineSession, type EngineInput } from './engine.ts';

const file = (name: string, text = `# ${name}\n`) => ({ name, text });
let runs: EngineInput[] = [];

beforeEach(() => {
  runs = [];
  const session = new EngineSession();
  setEngine((input) => {
    runs.push(input);
    useWorkspace.getState().applyResult(session.run(input), input);
  });
  useWorkspace.getState().loadScenario({ files: [file('a.yaml'), file('b.yaml'), file('c.yaml'), file('d.yaml')] });
  runs = [];
});

describe('the workspace', () => {
  it('keeps the file on screen when a tab before it closes', () => {
    useWorkspace.getState().setActiveFile(2);
    useWorkspace.getState().removeFile(0);
    const { files, activeFile } = useWorkspace.getState();
    expect(files[activeFile]?.name).toBe('c.yaml');
  });

  it('opens a scenario file, added manifests and a failed file as one step that one Undo reverses', () => {
    const before = scenarioOf(useWorkspace.getState());
    useWorkspace
      .getState()
      .openFiles({ scenario: { files: [file('s.yaml')] }, manifests: [file('extra.yaml')], failed: ['broken.yaml'] });
    const { files, notice } = useWorkspace.getState();
    expect(files.map((f) => f.name)).toEqual(['s.yaml', 'extra.yaml']);
    expect(notice).toMatchObject({
      kind: 'error',
      message: 'Opened the scenario file. Added extra.yaml. Could not read broken.yaml.',
    });
    expect(notice?.undo).toEqual(before);
  });

  it('does not recompute when the editor echoes the text it was given', () => {
    useWorkspace.getState().setFileText(0, '# a.yaml\n');
    expect(runs).toHaveLength(0);
    useWorkspace.getState().setFileText(0, '# changed\n');
    expect(runs).toHaveLength(1);
  });

  it('derives the hovered steps from the current trace, so they never point into an older path', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: default}\n' +
      'spec: {containers: [{name: app, image: x}]}\nstatus: {podIP: 10.0.0.1}\n';
    useWorkspace.getState().loadScenario({
      files: [{ name: 'm.yaml', text }],
      request: {
        from: 'default/client',
        to: 'http://example.com/',
        port: '',
        protocol: '',
        method: '',
        path: '',
        headers: '',
        sni: '',
      },
    });
    useWorkspace.getState().hoverLine('m.yaml', 2);
    const { trace, hoveredLine } = useWorkspace.getState();
    expect(stepsCausedBy(trace, hoveredLine).length).toBeGreaterThan(0);
    useWorkspace.getState().setRequest({ to: '' });
    expect(stepsCausedBy(useWorkspace.getState().trace, useWorkspace.getState().hoveredLine)).toEqual([]);
  });

  describe('keys typed into the request', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('are traced once when they pause, with everything typed; the outcome is marked stale at once', () => {
      const { setRequest } = useWorkspace.getState();
      for (const to of ['h', 'ht', 'htt', 'http://github.com/']) {
        setRequest({ to }, 'typed');
        vi.advanceTimersByTime(TYPING_DELAY_MS / 2);
      }
      expect(runs).toHaveLength(0);
      expect(useWorkspace.getState().computing).toBe(true);
      vi.advanceTimersByTime(TYPING_DELAY_MS);
      expect(runs.map((input) => input.request.to)).toEqual(['http://github.com/']);
      expect(useWorkspace.getState().computing).toBe(false);
    });

    it('are traced at once, with what was typed, when another change comes before the pause', () => {
      const { setRequest, setOptions } = useWorkspace.getState();
      setRequest({ to: 'http://github.com/' }, 'typed');
      setOptions({ outboundTrafficPolicy: 'REGISTRY_ONLY' });
      expect(runs).toHaveLength(1);
      expect(runs[0]?.request.to).toBe('http://github.com/');
      vi.advanceTimersByTime(TYPING_DELAY_MS * 2);
      expect(runs).toHaveLength(1);
    });
  });
});
