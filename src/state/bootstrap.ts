import { loadSavedScenario, saveScenario } from './persistence.ts';
import { createEngineClient } from './engineClient.ts';
import { openStartingWorkspace } from './startup.ts';
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

/** Opens what the first screen shows (see startingWorkspace), then saves every change: a reload loses nothing. */
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
  await openStartingWorkspace(window.location.hash, loadSavedScenario(storage));

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
