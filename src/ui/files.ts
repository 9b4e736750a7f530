import type { ManifestFile } from '../core/index.ts';
import { parseScenarioJson, type Scenario } from '../state/scenarioCodec.ts';

/** Reads files a user picked or dropped. Text only; a file that cannot be read becomes a message, not a crash. */
export async function readDroppedFiles(list: FileList | readonly File[]): Promise<{ files: ManifestFile[]; failed: string[] }> {
  const files: ManifestFile[] = [];
  const failed: string[] = [];
  for (const file of Array.from(list)) {
    try {
      files.push({ name: file.name, text: await file.text() });
    } catch {
      failed.push(file.name);
    }
  }
  return { files, failed };
}

/** Files that are whole Meshpath scenarios (downloaded earlier) open as such; the rest are manifests. */
export function splitScenarioFiles(files: ManifestFile[]): { scenario: Scenario | undefined; manifests: ManifestFile[] } {
  let scenario: Scenario | undefined;
  const manifests: ManifestFile[] = [];
  for (const file of files) {
    if (file.name.endsWith('.json') && file.text.includes('"files"')) {
      const parsed = parseScenarioJson(file.text);
      if (parsed.ok) {
        scenario = parsed.scenario;
        continue;
      }
    }
    manifests.push(file);
  }
  return { scenario, manifests };
}

