import { DEFAULT_EXAMPLE, findExample } from './examples.ts';
import { decodeScenario, DEFAULT_OPTIONS, type Scenario } from './scenarioCodec.ts';
import { INITIAL_REQUEST, useWorkspace, type Notice } from './store.ts';

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** What the first screen opens, with the notice it shows and the saved work it replaces (kept in the history). */
export interface StartingWorkspace {
  scenario: Scenario;
  notice?: Notice;
  replaces?: { summary: string; scenario: Scenario };
}

/**
 * Opens what a link holds. The user's saved work is kept in the history first (so a reload cannot lose it) and stays
 * one Undo away whenever it differs.
 */
function fromLink(
  scenario: Scenario,
  message: string,
  saved: Scenario | undefined,
  summary: string,
): StartingWorkspace {
  // A link without a request keeps the saved one, as opening it over the saved work does.
  const opened: Scenario = { ...scenario, request: scenario.request ?? saved?.request ?? INITIAL_REQUEST };
  if (!saved) return { scenario: opened };
  const whole = (s: Scenario): Required<Scenario> => ({
    files: s.files.length > 0 ? s.files : [{ name: 'manifests.yaml', text: '' }],
    request: s.request ?? INITIAL_REQUEST,
    options: s.options ?? DEFAULT_OPTIONS,
  });
  const now = whole(opened);
  // Only work the link replaces is kept (a reload of the same link replaces nothing). A saved scenario from before
  // requests were saved compares on what it has.
  if (JSON.stringify(now) === JSON.stringify({ ...now, ...saved })) return { scenario: opened };
  return {
    scenario: opened,
    notice: { kind: 'info', message, undo: saved },
    replaces: { summary, scenario: whole(saved) },
  };
}

/**
 * Chooses what the first screen shows: a scenario link (`#v1=…`), an example link (`#example=demo`), the user's last
 * text (local storage), or the demo. It is loaded once, so that only it is analysed.
 */
export async function startingWorkspace(hash: string, saved: Scenario | undefined): Promise<StartingWorkspace> {
  if (hash.startsWith('#example=')) {
    const id = safeDecode(hash.slice('#example='.length));
    const example = findExample(id);
    if (!example)
      return {
        scenario: saved ?? DEFAULT_EXAMPLE.scenario,
        notice: { kind: 'error', message: `There is no example named “${id}”.` },
      };
    return fromLink(
      example.scenario,
      `Opened the example “${example.title}”. Your previous files are one click away.`,
      saved,
      `Before opening the example “${example.title}” from a link`,
    );
  }
  if (hash.startsWith('#v') || /^#%/.test(hash)) {
    const decoded = await decodeScenario(hash);
    if (!decoded.ok)
      return { scenario: saved ?? DEFAULT_EXAMPLE.scenario, notice: { kind: 'error', message: decoded.reason } };
    return fromLink(
      decoded.scenario,
      'Opened the shared scenario. Your previous files are one click away.',
      saved,
      'Before opening a shared link',
    );
  }
  return { scenario: saved ?? DEFAULT_EXAMPLE.scenario };
}

/** Loads what the first screen shows into the workspace, in one load: one analysis. */
export async function openStartingWorkspace(hash: string, saved: Scenario | undefined): Promise<void> {
  const start = await startingWorkspace(hash, saved);
  useWorkspace.getState().loadScenario(start.scenario, start.notice, start.replaces);
}
