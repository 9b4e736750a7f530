import type { ManifestFile } from '../core/index.ts';

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
