// `npm run test:fast` leaves out what is tagged slow (vitest.config.ts), so a test that starts
// processes or reaches the real kube-apiserver must say so: every file that runs the built CLI,
// spawns a process, or takes a cluster from test/helpers/kube-clusters.ts carries the tag, on the
// file (`// @module-tag slow`) or on the tests concerned (`{ tags: ['slow'] }`).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const testDir = fileURLToPath(new URL('.', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? testFiles(join(dir, e.name))
      : e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** what makes a test file slow: the built CLI, child processes, the real kube-apiserver */
const STARTS_PROCESSES =
  /helpers\/(run-cli|real-kubernetes|kube-clusters|exec-plugin)\.js'|node:child_process/;
const TAGGED = /^\/\/ @module-tag slow$|tags: \[?[^\]\n]*'slow'/m;

describe('slow tags', () => {
  const files = testFiles(testDir).map((f) => ({
    name: relative(testDir, f),
    text: readFileSync(f, 'utf8'),
  }));

  it('finds the test files', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it('every file that starts processes or the real kube-apiserver tags them slow', () => {
    const untagged = files
      .filter((f) => STARTS_PROCESSES.test(f.text) && !TAGGED.test(f.text))
      .map((f) => f.name);
    expect(untagged).toEqual([]);
  });

  it('every e2e and CLI file is tagged slow as a whole', () => {
    const untagged = files
      .filter((f) => /^(e2e|cli)\//.test(f.name) && !/^\/\/ @module-tag slow$/m.test(f.text))
      .map((f) => f.name);
    expect(untagged).toEqual([]);
  });
});
