import type { ManifestFile } from '../core/index.ts';
import { parseScenarioJson, type Scenario } from '../state/scenarioCodec.ts';

/**
 * Reads files a user picked or dropped. Text only; a file that cannot be read becomes a message, not a crash. A file
 * that is a whole Meshpath scenario (downloaded earlier) opens as such; the rest are manifests.
 */
export async function readOpenedFiles(
  list: FileList | readonly File[],
): Promise<{ scenario: Scenario | undefined; manifests: ManifestFile[]; failed: string[] }> {
  let scenario: Scenario | undefined;
  const manifests: ManifestFile[] = [];
  const failed: string[] = [];
  for (const file of Array.from(list)) {
    let text: string;
    try {
      text = await file.text();
    } catch {
      failed.push(file.name);
      continue;
    }
    const parsed = file.name.endsWith('.json') && text.includes('"files"') ? parseScenarioJson(text) : undefined;
    if (parsed?.ok) scenario = parsed.scenario;
    else manifests.push({ name: file.name, text });
  }
  return { scenario, manifests, failed };
}
