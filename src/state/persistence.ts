import { parseScenarioJson, scenarioJson, type Scenario } from './scenarioCodec.ts';

/** The last editor text, request and options survive a reload, so nothing a user pasted is lost. */
const STORAGE_KEY = 'meshpath.workspace.v1';

export function loadSavedScenario(storage: Storage | undefined): Scenario | undefined {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const result = parseScenarioJson(raw);
    return result.ok && result.scenario.files.length > 0 ? result.scenario : undefined;
  } catch {
    return undefined;
  }
}

export function saveScenario(storage: Storage | undefined, scenario: Scenario): boolean {
  if (!storage) return false;
  try {
    storage.setItem(STORAGE_KEY, scenarioJson(scenario));
    return true;
  } catch {
    // Quota exceeded or storage disabled: the text stays in the editor; the caller says so.
    return false;
  }
}
