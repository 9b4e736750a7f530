import { defineConfig } from '@playwright/test';
import base from './playwright.config.ts';

// `npm run bench:browser`: the browser benchmarks (e2e/*.bench.ts), one at a time, outside the test suite.
export default defineConfig({ ...base, testMatch: '**/*.bench.ts', workers: 1, timeout: 900_000 });
