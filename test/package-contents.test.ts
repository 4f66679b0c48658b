// @module-tag slow
// What `npm pack` puts in the package users install: the CLI and what it reads at run time, and
// nothing of the clone's own (the benchmark, source maps whose sources are not shipped).
// `--ignore-scripts` lists the dist/ the test run built instead of rebuilding it (prepack would
// delete dist/ under the CLI tests running beside this one).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function packedFiles(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    npm,
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: packageRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return pack.files.map((f) => f.path).sort();
}

describe('the npm package', () => {
  let files: string[] = [];
  beforeAll(async () => {
    files = await packedFiles();
  }, 60_000);

  it('holds the launcher, the built CLI and what it reads at run time', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'package.json',
        'bin/migrate-clusters.js',
        'dist/main.js',
        'dist/cli.js',
        // --demo and the wizard's demo read it (src/paths.ts)
        'fixtures/demo.json',
        // apply, status and rollback check plans against it (src/apply/load-plan.ts)
        'contracts/plan.schema.json',
        // agentk's objects (src/kube/manifests.ts) and the CI template users include
        'templates/agentk/deployment.yaml',
        'templates/gitlab-ci/migrate-clusters.gitlab-ci.yml',
      ]),
    );
  });

  it('leaves out the benchmark and the test snapshots', () => {
    expect(files.filter((f) => f.startsWith('dist/bench/'))).toEqual([]);
    expect(files.filter((f) => /^fixtures\/demo-(reports|manifests)\//.test(f))).toEqual([]);
  });

  it('has no source map without its source', () => {
    const orphans = files
      .filter((f) => f.endsWith('.map'))
      .filter(
        (map) => !files.includes(map.replace(/^dist\//, 'src/').replace(/\.js\.map$/, '.ts')),
      );
    expect(orphans).toEqual([]);
  });

  it('ships every file of the built dist/ but the benchmark', () => {
    const built = readdirSync(join(packageRoot, 'dist'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(packageRoot, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((f) => !f.startsWith('dist/bench/'));
    expect(built.length).toBeGreaterThan(100);
    expect(files.filter((f) => f.startsWith('dist/'))).toEqual(built.sort());
  });
});
