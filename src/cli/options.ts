import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidUtf8Diagnostics, type Diagnostic, type ManifestFile } from '../core/index.ts';

/** What a command prints and its exit code; kept apart from process I/O so tests can call it in-process. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** What a parser returns for -h/--help. */
export const HELP: unique symbol = Symbol('help');
export type Help = typeof HELP;

/**
 * Reads the value of the option being handled; when it is missing or empty, says "FLAG needs WHAT." and returns
 * undefined.
 */
export type OptionValue = (what: string) => string | undefined;

/**
 * Walks the options of a command: `-f X`, `--filename X` and `--filename=X` alike. `handle` gets each flag (the
 * argument before any `=`), a reader for its value and the argument as written, and returns an error message or
 * undefined.
 * Returns the first error, HELP for -h/--help, or undefined once every option was handled.
 */
export function walkOptions(
  args: readonly string[],
  handle: (flag: string, value: OptionValue, arg: string) => string | undefined,
): string | Help | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    if (flag === '-h' || flag === '--help') return HELP;
    let missing: string | undefined;
    const value: OptionValue = (what) => {
      const v = equals > 0 ? arg.slice(equals + 1) : args[++i];
      if (v) return v;
      missing = `${flag} needs ${what}.`;
      return undefined;
    };
    const error = handle(flag, value, arg) ?? missing;
    if (error !== undefined) return error;
  }
  return undefined;
}

/**
 * The value of --port: a number from 1 to 65535, undefined when missing (walkOptions reports it), else the complaint.
 */
export function readPort(value: OptionValue): number | undefined | string {
  const v = value('a port number from 1 to 65535');
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : `--port needs a port number from 1 to 65535, not ${v}.`;
}

/**
 * The YAML and JSON files under a directory, in name order (subdirectories too), as `kubectl apply -R -f DIR` reads
 * them.
 */
function manifestsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...manifestsUnder(path));
    else if (/\.(ya?ml|json)$/i.test(entry)) found.push(path);
  }
  return found;
}

/** Bytes that are not UTF-8 in the files read, by file (the text has U+FFFD in their place). */
const readingProblems = new WeakMap<ManifestFile, Diagnostic[]>();

/** What reading `files` found wrong with their bytes, at line and column: errors, as kubectl refuses such files. */
export function problemsReading(files: readonly ManifestFile[]): Diagnostic[] {
  return files.flatMap((file) => readingProblems.get(file) ?? []);
}

/** Standard input: its bytes (so that bytes that are not UTF-8 are found), or text already decoded (tests). */
export type ReadStdin = () => string | Uint8Array;

/** The text of a file's bytes; what is not UTF-8 is kept aside, at its line and column, for problemsReading. */
function decodeFile(name: string, input: string | Uint8Array): ManifestFile {
  if (typeof input === 'string') return { name, text: input };
  const file = { name, text: new TextDecoder().decode(input) };
  const problems = invalidUtf8Diagnostics(name, input, file.text);
  if (problems.length > 0) readingProblems.set(file, problems);
  return file;
}

/** Reads each named file ("-" is standard input); a directory stands for the manifests under it. */
export function readFiles(names: readonly string[], readStdin: ReadStdin): ManifestFile[] | string {
  const files: ManifestFile[] = [];
  for (const name of names) {
    try {
      if (name === '-') {
        files.push(decodeFile('<stdin>', readStdin()));
        continue;
      }
      const paths = statSync(name).isDirectory() ? manifestsUnder(name) : [name];
      for (const path of paths) files.push(decodeFile(path, readFileSync(path)));
    } catch (error) {
      const reason =
        error instanceof Error && 'code' in error && error.code === 'ENOENT' ? 'no such file' : String(error);
      return `Cannot read ${name}: ${reason}`;
    }
  }
  return files;
}
