// Finds a Chromium for the browser tests: $PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH, the system's Chromium, or the one
// `npx playwright install chromium` downloads.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** @returns {{ path: string, source: string } | null} */
export function findChromium() {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv, source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH' } : null;
  for (const path of SYSTEM_CHROMIUMS) if (existsSync(path)) return { path, source: 'system' };
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('@playwright/test');
    const path = chromium.executablePath();
    if (path && existsSync(path)) return { path, source: 'playwright' };
  } catch {
    // Playwright is not installed yet, or has no browser of its own.
  }
  return null;
}
