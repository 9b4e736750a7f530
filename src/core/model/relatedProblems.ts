import type { ManifestFile } from '../manifest/parse.ts';
import type { Diagnostic } from '../manifest/diagnostic.ts';

/** At most this many errors are read for names: a paste with hundreds of errors has a bigger problem to show first. */
const MAX_ERRORS_READ = 200;

function mentions(text: string, name: string): boolean {
  // A whole name: not part of a longer DNS label or dotted name (dest-svc-v1 is not dest-svc-v10).
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9.-])${escaped}($|[^A-Za-z0-9-]|\\.(?![A-Za-z0-9]))`, 'm').test(text);
}

/** The text of the YAML document (between `---` lines) that holds a line of a file. */
function documentAround(lines: readonly string[], line: number): string {
  let start = Math.min(Math.max(line - 1, 0), lines.length - 1);
  while (start > 0 && !lines[start]?.startsWith('---')) start--;
  let end = Math.min(line, lines.length);
  while (end < lines.length && !lines[end]?.startsWith('---')) end++;
  return lines.slice(start, end).join('\n');
}

/**
 * The errors whose document mentions one of `names`: when a request fails for a name (no DNS answer for dest-svc-v1,
 * no pod sleep), a document that would have defined it may have been skipped or misread, and the user should see that
 * problem next to the failure rather than in a list below.
 */
export function problemsNaming(
  files: readonly ManifestFile[],
  diagnostics: readonly Diagnostic[],
  names: readonly string[],
): Diagnostic[] {
  const wanted = [...new Set(names.filter((n) => n.length > 1))];
  if (wanted.length === 0) return [];
  const linesOf = new Map<string, string[]>();
  const found: Diagnostic[] = [];
  for (const diagnostic of diagnostics.filter((d) => d.severity === 'error').slice(0, MAX_ERRORS_READ)) {
    let lines = linesOf.get(diagnostic.file);
    if (!lines) {
      lines = files.find((f) => f.name === diagnostic.file)?.text.split('\n') ?? [];
      linesOf.set(diagnostic.file, lines);
    }
    if (lines.length === 0) continue;
    const text = documentAround(lines, diagnostic.range.start.line);
    if (wanted.some((name) => mentions(text, name))) found.push(diagnostic);
  }
  return found;
}
