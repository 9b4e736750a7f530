// Installs the project's dependencies when they are missing or older than package-lock.json, so that
// `npm start` and `npm test` work on a fresh clone with no other step. Uses only Node's own modules.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);
const needsInstall = !existsSync(installed) || mtime(lock) > mtime(installed);

if (needsInstall) {
  const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  console.log(`meshpath: installing dependencies (npm ${args[0]})…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('meshpath: installing dependencies failed; see the npm output above.');
    process.exit(result.status ?? 1);
  }
}
