#!/usr/bin/env node
// The meshpath command. `npm ci` builds dist-cli/ (the "prepare" script); from a checkout without it, this builds it
// once.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist-cli', 'meshpath.js');

if (!existsSync(bundle)) {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    process.stderr.write('meshpath: dependencies are not installed. Run `npm ci` in the Meshpath checkout first.\n');
    process.exit(2);
  }
  const built = spawnSync(process.execPath, [vite, 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'error'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) process.exit(2);
}

const { main } = await import(pathToFileURL(bundle).href);
process.exitCode = main(process.argv.slice(2));
