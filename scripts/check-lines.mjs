#!/usr/bin/env node
// Reports source lines longer than 120 characters in src/, e2e/, scripts/ and bin/, and exits 1 when there are any.
// A line may overflow only because of a literal that cannot be broken and would not fit on a line of its own either:
// a URL, a regular expression, or a quoted string without spaces (an Istio name, a cluster name, a base64 blob).
// `--skip <file or folder>` (repeatable) leaves a path out, for files still waiting for their lines to be broken.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LIMIT = 120;
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const folders = ['src', 'e2e', 'scripts', 'bin'];
const skipped = process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--skip' ? [arg.replace(/\/+$/, '')] : []));
const isSkipped = (path) => skipped.some((skip) => path === skip || path.startsWith(`${skip}/`));

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(?:[cm]?js|tsx?)$/.test(entry)) files.push(path);
  }
  return files;
}

const UNBREAKABLE = [
  /https?:\/\/[^\s'"`)>\]]+/g,
  /(?<=(?:^|[(=,:])\s*)\/(?![/*])(?:\\.|\[(?:\\.|[^\]\n])*\]|[^/\\\n[])+\/[dgimsuvy]*/g,
  /'[^'\s]*'|"[^"\s]*"|`[^`\s$]*`/g,
];

/** Whether the overflow is a literal so long that even alone on its own (indented) line it would pass the limit. */
function unbreakable(line) {
  const indent = line.length - line.trimStart().length;
  for (const pattern of UNBREAKABLE)
    for (const match of line.matchAll(pattern)) if (indent + match[0].length + 4 > LIMIT) return true;
  return false;
}

let count = 0;
for (const folder of folders) {
  let files;
  try {
    files = sourceFiles(join(root, folder));
  } catch {
    continue;
  }
  for (const file of files) {
    if (isSkipped(relative(root, file))) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.length <= LIMIT || unbreakable(line)) return;
        count++;
        console.log(`${relative(root, file)}:${index + 1}: ${line.length} characters`);
      });
  }
}
if (count > 0) {
  console.log(`${count} line${count === 1 ? '' : 's'} over ${LIMIT} characters.`);
  process.exit(1);
}
const except = skipped.length > 0 ? ` (not checked: ${skipped.join(', ')})` : '';
console.log(`No line over ${LIMIT} characters in ${folders.join(', ')}${except}.`);
