import { DEFAULT_EXAMPLE, findExample } from './examples.ts';
import { loadSavedScenario, saveScenario } from './persistence.ts';
import { decodeScenario, type Scenario } from './scenarioCodec.ts';
import { createEngineClient } from './engineClient.ts';
import { scenarioOf, setEngine, useWorkspace } from './store.ts';

/** Above this many characters of manifests the workspace is saved only when the tab is hidden or closed. */
const SAVE_WHEN_HIDDEN_CHARS = 300_000;

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Opens what a link holds. The user's saved work is kept in the history first (so a reload cannot lose it) and stays
 * one Undo away whenever it differs.
 */
function openFromLink(scenario: Scenario, message: string, saved: Scenario | undefined, summary: string): void {
  const { loadScenario, setNotice } = useWorkspace.getState();
  if (saved) loadScenario(saved);
  const before = scenarioOf(useWorkspace.getState());
  loadScenario(scenario);
  const now = scenarioOf(useWorkspace.getState());
  // Only work the link replaces is kept (a reload of the same link replaces nothing). A saved scenario from before
  // requests were saved compares on what it has.
  if (saved && JSON.stringify(now) !== JSON.stringify(scenarioOf({ ...now, ...saved }))) {
    loadScenario(before);
    loadScenario(scenario, undefined, summary);
    setNotice({ kind: 'info', message, undo: saved });
  }
}

/**
 * Chooses what the first screen shows: a scenario link (`#v1=…`), an example link (`#example=demo`), the user's last
 * text (local storage), or the demo. Then saves every change, so a reload loses nothing.
 */
export async function bootstrapWorkspace(): Promise<void> {
  setEngine(
    createEngineClient(
      (output, input) => useWorkspace.getState().applyResult(output, input),
      (message) =>
        useWorkspace.setState({
          computing: false,
          notice: {
            kind: 'error',
            message: `Meshpath could not analyse these manifests: ${message}`,
            undo: useWorkspace.getState().notice?.undo,
          },
        }),
    ),
  );
  const storage = safeStorage();
  const { loadScenario } = useWorkspace.getState();
  const hash = window.location.hash;
  const saved = loadSavedScenario(storage);

  if (hash.startsWith('#example=')) {
    const id = safeDecode(hash.slice('#example='.length));
    const example = findExample(id);
    if (example)
      openFromLink(
        example.scenario,
        `Opened the example “${example.title}”. Your previous files are one click away.`,
        saved,
        `Before opening the example “${example.title}” from a link`,
      );
    else
      loadScenario(saved ?? DEFAULT_EXAMPLE.scenario, { kind: 'error', message: `There is no example named “${id}”.` });
  } else if (hash.startsWith('#v') || /^#%/.test(hash)) {
    const decoded = await decodeScenario(hash);
    if (decoded.ok)
      openFromLink(
        decoded.scenario,
        'Opened the shared scenario. Your previous files are one click away.',
        saved,
        'Before opening a shared link',
      );
    else loadScenario(saved ?? DEFAULT_EXAMPLE.scenario, { kind: 'error', message: decoded.reason });
  } else if (saved) {
    loadScenario(saved);
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let warned = false;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!saveScenario(storage, scenarioOf(useWorkspace.getState())) && !warned) {
      warned = true;
      useWorkspace.getState().warnStorage();
    }
  };
  let unsaved = false;
  useWorkspace.subscribe((state, previous) => {
    if (state.files === previous.files && state.request === previous.request && state.options === previous.options)
      return;
    // A link in the address bar no longer describes what is on screen: reloading must bring back the edits, not the
    // link.
    if (window.location.hash) history.replaceState(null, '', window.location.pathname + window.location.search);
    clearTimeout(timer);
    timer = undefined;
    // Writing megabytes to local storage blocks the page for a long moment: a large workspace is saved when the tab is
    // hidden or closed, not while the user works in it.
    if (state.files.reduce((sum, f) => sum + f.text.length, 0) > SAVE_WHEN_HIDDEN_CHARS) unsaved = true;
    else timer = setTimeout(save, 250);
  });
  // The last keystrokes before the tab closes are saved too.
  const saveNow = () => {
    if (timer === undefined && !unsaved) return;
    unsaved = false;
    save();
  };
  window.addEventListener('pagehide', saveNow);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saveNow();
  });
  // Save once now, so that a link or example opened in this tab is what a reload shows.
  save();
}
