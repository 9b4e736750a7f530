import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    // Property tests generate thousands of inputs; on a busy 2-core machine they can take longer than the 5 s default.
    testTimeout: 30_000,
  },
});
