import { parseScenarioJson, scenarioJson, type Scenario } from './scenarioCodec.ts';

/**
 * The workspace history: before any action replaces what the user had (an example, a link, an upload, closing a file,
 * a paste over everything, a restore), the workspace as it was is kept here, newest first, and in local storage so
 * that it survives a reload. Undo and the Recent menu restore from it, whatever notices came and went.
 */
export interface HistoryEntry {
  /** When it was kept (ms since the epoch). */
  savedAt: number;
  /** One line that says what was replaced, e.g. "Before opening the example “Bookinfo”". */
  summary: string;
  scenario: Scenario;
}

const HISTORY_KEY = 'meshpath.history.v1';
export const HISTORY_SIZE = 10;

/** What the history needs of local storage (the store also runs in Node, where there is none). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Local storage if the browser lets us use it; undefined in Node (tests) or when storage is disabled. */
export function browserStorage(): KeyValueStorage | undefined {
  try {
    return (globalThis as { localStorage?: KeyValueStorage }).localStorage;
  } catch {
    return undefined;
  }
}

function readEntries(storage: KeyValueStorage | undefined): HistoryEntry[] {
  try {
    const raw = storage?.getItem(HISTORY_KEY);
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed)) return [];
    const entries: HistoryEntry[] = [];
    for (const item of parsed as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { savedAt, summary, scenario } = item as Record<string, unknown>;
      const read = parseScenarioJson(JSON.stringify(scenario ?? null));
      if (typeof savedAt === 'number' && typeof summary === 'string' && read.ok)
        entries.push({ savedAt, summary, scenario: read.scenario });
    }
    return entries.slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function sameScenario(a: Scenario, b: Scenario): boolean {
  return scenarioJson(a) === scenarioJson(b);
}

/** A workspace with no text at all is nothing to keep. */
function isEmpty(scenario: Scenario): boolean {
  return scenario.files.every((f) => f.text.trim() === '');
}

/** Writes the entries, dropping the oldest until they fit; false when not even the newest one could be saved. */
function writeEntries(storage: KeyValueStorage | undefined, entries: HistoryEntry[]): boolean {
  if (!storage) return false;
  for (let count = entries.length; count > 0; count--) {
    try {
      storage.setItem(
        HISTORY_KEY,
        JSON.stringify(entries.slice(0, count).map((e) => ({ ...e, scenario: JSON.parse(scenarioJson(e.scenario)) }))),
      );
      return true;
    } catch {
      // Quota exceeded: try with fewer entries.
    }
  }
  return false;
}

export class WorkspaceHistory {
  private entries: HistoryEntry[];

  constructor(private readonly storage: KeyValueStorage | undefined = browserStorage()) {
    this.entries = readEntries(storage);
  }

  list(): readonly HistoryEntry[] {
    return this.entries;
  }

  /**
   * Keeps a workspace before it is replaced. Returns whether it is safe across a reload (false: kept for this tab
   * only, because storage is disabled or full). The same workspace twice in a row is kept once.
   */
  keep(scenario: Scenario, summary: string, now = Date.now()): boolean {
    if (isEmpty(scenario)) return true;
    const newest = this.entries[0];
    if (newest && sameScenario(newest.scenario, scenario)) {
      this.entries = [{ ...newest, savedAt: now, summary }, ...this.entries.slice(1)];
    } else {
      this.entries = [{ savedAt: now, summary, scenario }, ...this.entries].slice(0, HISTORY_SIZE);
    }
    return writeEntries(this.storage, this.entries);
  }
}
