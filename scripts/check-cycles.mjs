#!/usr/bin/env node
// Fails when the relative imports of src/**/*.ts(x) form a cycle, and names each one.
// No dependencies: reads `import … from`, `import '…'`, `export … from` and `import('…')` with relative specifiers;
// type-only imports count too, since a cycle of types still ties two floors of the pipeline together.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const srcDir = join(root, 'src');

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

// A statement that starts a line: `import x from '…'`, `import type {…} from '…'`, `export * from '…'`, `import '…'`.
const FROM = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"\n]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

function specifiers(text) {
  const found = [];
  for (const pattern of [FROM, BARE, DYNAMIC]) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found.filter((s) => s.startsWith('./') || s.startsWith('../'));
}

function resolveImport(from, specifier) {
  const base = resolve(dirname(from), specifier.replace(/[?#].*$/, ''));
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')];
  return candidates.find((c) => /\.tsx?$/.test(c) && existsSync(c) && statSync(c).isFile());
}

const files = sourceFiles(srcDir);
const graph = new Map(files.map((file) => [file, []]));
for (const file of files) {
  for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
    const target = resolveImport(file, specifier);
    if (target && graph.has(target) && !graph.get(file).includes(target)) graph.get(file).push(target);
  }
}

// Tarjan's strongly connected components: every component with two files (or a file importing itself) holds a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const components = [];
function connect(node) {
  index.set(node, counter);
  low.set(node, counter);
  counter++;
  stack.push(node);
  onStack.add(node);
  for (const next of graph.get(node)) {
    if (!index.has(next)) {
      connect(next);
      low.set(node, Math.min(low.get(node), low.get(next)));
    } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
  }
  if (low.get(node) === index.get(node)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node).includes(node)) components.push(component);
  }
}
for (const file of files) if (!index.has(file)) connect(file);

/** One concrete cycle inside a component: the shortest way from its first file back to itself. */
function cycleIn(component) {
  const members = new Set(component);
  const start = [...component].sort()[0];
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of graph.get(node)) {
      if (next === start) {
        const path = [node];
        while (previous.get(path[0]) !== undefined) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

if (components.length === 0) {
  console.log(`No import cycles among ${files.length} files in src/.`);
} else {
  console.error(`Import cycles in src/ (${components.length}):`);
  for (const component of components) {
    const cycle = cycleIn(component).map((file) => relative(root, file));
    console.error(`  ${cycle.join(' → ')}${component.length > cycle.length - 1 ? ` (${component.length} files)` : ''}`);
  }
  process.exit(1);
}
