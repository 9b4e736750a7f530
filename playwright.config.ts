import { defineConfig } from '@playwright/test';
// @ts-expect-error: a plain .mjs helper shared with scripts/ensure-browser.mjs, without type declarations.
import { findChromium } from './scripts/chromium.mjs';

const chromium = (findChromium as () => { path: string } | null)();
/**
 * The preview server's port (MESHPATH_E2E_PORT to run two suites side by side); e2e/fixtures.ts reads it back from
 * baseURL to tell local requests from others.
 */
const PORT = Number(process.env.MESHPATH_E2E_PORT ?? 4179);

// Browser tests run against the production build (`vite build`, served by `vite preview`), in headless Chromium.
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 45_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      ...(chromium ? { executablePath: chromium.path } : {}),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
