import { DEFAULT_EXAMPLE, findExample } from './examples.ts';
import { loadSavedScenario, saveScenario } from './persistence.ts';
import { decodeScenario } from './scenarioCodec.ts';
import { createEngineClient } from './engineClient.ts';
import { setEngine, useWorkspace, type WorkspaceState } from './store.ts';

function safeStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/**
 * Chooses what the first screen shows: a scenario link (`#v1=…`), an example link (`#example=demo`), the user's last
 * text (local storage), or the demo. Then saves every change, so a reload loses nothing.
 */
export function bootstrapWorkspace(): void {
  const client = createEngineClient(
    (output, input) => useWorkspace.getState().applyResult(output, input),
    (message) => useWorkspace.getState().setNotice({ kind: 'error', message: `Meshpath could not analyse these manifests: ${message}` }),
  );
  setEngine(client.run);
  const storage = safeStorage();
  const { loadScenario } = useWorkspace.getState();
  const hash = window.location.hash;
  const saved = loadSavedScenario(storage);

  if (hash.startsWith('#example=')) {
    const example = findExample(decodeURIComponent(hash.slice('#example='.length)));
    if (example) loadScenario(example.scenario, saved ? { kind: 'info', message: `Opened the example “${example.title}”.`, undo: saved } : undefined);
    else loadScenario(saved ?? DEFAULT_EXAMPLE.scenario, { kind: 'error', message: `There is no example named “${hash.slice(9)}”.` });
  } else if (hash.startsWith('#v')) {
    const decoded = decodeScenario(hash);
    if (decoded.ok) {
      const differs = saved && JSON.stringify(saved) !== JSON.stringify({ ...saved, ...decoded.scenario });
      loadScenario(decoded.scenario, differs ? { kind: 'info', message: 'Opened the shared scenario. Your previous files are one click away.', undo: saved } : undefined);
    } else {
      loadScenario(saved ?? DEFAULT_EXAMPLE.scenario, { kind: 'error', message: decoded.reason });
    }
  } else if (saved) {
    loadScenario(saved);
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  let warned = false;
  const inputsOf = (state: WorkspaceState) => ({ files: state.files, request: state.request, options: state.options });
  useWorkspace.subscribe((state, previous) => {
    if (state.files === previous.files && state.request === previous.request && state.options === previous.options) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!saveScenario(storage, inputsOf(useWorkspace.getState())) && !warned) {
        warned = true;
        useWorkspace.getState().setNotice({ kind: 'error', message: 'This browser would not save your text (storage full or disabled): download or share it before closing the tab.' });
      }
    }, 250);
  });
  // Save once now, so that a link or example opened in this tab is what a reload shows.
  saveScenario(storage, inputsOf(useWorkspace.getState()));
}
