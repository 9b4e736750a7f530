// Makes sure the browser tests have a Chromium, or says exactly how to get one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

const found = findChromium();
if (found) {
  console.log(`meshpath: browser tests use ${found.path} (${found.source})`);
  process.exit(0);
}

if (process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH) {
  console.error(
    `meshpath: PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH is set ` +
      `to ${process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH}, which does not exist.`,
  );
  process.exit(1);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version')) {
  console.log("meshpath: no Chromium found; installing Debian's chromium package (apt-get install chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install =
    update.status === 0
      ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
      : update;
  if (install.status === 0 && findChromium()) process.exit(0);
}

console.error(`meshpath: the browser tests need Chromium, and none was found.
Get one of these, then run npm test again:
  - Debian/Ubuntu:  sudo apt-get install chromium
  - any machine with internet access:  npx playwright install chromium
  - a Chromium you already have:  PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH=/path/to/chromium npm test`);
process.exit(1);
