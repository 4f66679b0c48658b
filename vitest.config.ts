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
  },
});
