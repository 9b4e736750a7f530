import type { Scenario } from './scenarioCodec.ts';

/** The last editor text survives a reload, so nothing a user pasted is lost. */
const STORAGE_KEY = 'meshpath.workspace.v1';

export function loadSavedScenario(storage: Storage | undefined): Scenario | undefined {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return undefined;
    const parsed: unknown = JSON.parse(raw);
    const files = typeof parsed === 'object' && parsed !== null ? (parsed as { files?: unknown }).files : undefined;
    if (!Array.isArray(files)) return undefined;
    const valid = files.filter(
      (file): file is { name: string; text: string } =>
        typeof file === 'object' && file !== null && typeof file.name === 'string' && typeof file.text === 'string',
    );
    return valid.length > 0 ? { files: valid } : undefined;
  } catch {
    return undefined;
  }
}

export function saveScenario(storage: Storage | undefined, scenario: Scenario): boolean {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify({ files: scenario.files }));
    return true;
  } catch {
    // Quota exceeded or storage disabled: the text stays in the editor; the caller says so.
    return false;
  }
}
