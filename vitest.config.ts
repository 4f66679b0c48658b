import { defineConfig } from 'vitest/config';

// Tests run the built CLI (dist/) and the TypeScript modules against loopback simulators, and, where
// the workspace provides one (../shared/k8s), against one real kube-apiserver started for the run.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/real-kubernetes.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A file is tagged with a `// @module-tag slow` line at its top, a test with `{ tags: ['slow'] }`.
    // `npm run test:fast` (--tags-filter='!slow') leaves them out; `npm test` runs everything.
    tags: [
      {
        name: 'slow',
        description:
          'starts processes (the built CLI) or the real kube-apiserver, or takes seconds of real time',
      },
    ],
  },
});
