import { defineConfig } from 'vitest/config';

// Tests run the built CLI (dist/) and the TypeScript modules against loopback simulators.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
