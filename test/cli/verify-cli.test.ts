// @module-tag slow
// `verify` through the built CLI over real HTTP: the continuity table, read live, with every
// verdict of the CI audit on the demo, its exit codes and its JSON.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoFixtureWithFixedCi } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

describe('verify --demo', () => {
  it('shows the old cluster, the new context and every verdict of the audit', async () => {
    const r = await runCli(['verify', '--demo', '--no-color']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /PROJECT\s+ENVIRONMENT\s+OLD CLUSTER\s+NEW CONTEXT\s+SAME CLUSTER\s+JOBS READY/,
    );
    for (const seen of [
      /job deploy-production would break: runs kubectl apply without choosing a context/,
      /job deploy-staging would break: runs helm upgrade without choosing a context/,
      /job deploy would break: uses \$KUBE_CA_PEM_FILE, \$KUBE_TOKEN and \$KUBE_URL/,
      /job deploy-preview would stop running: has only: kubernetes: active/,
      /job deploy-staging needs a person/,
      /payments\/checkout\/checkout-web\s+production\s+3 prod-eu/,
      /logistics\/tracking\/customer-portal\s+review\/\$CI_COMMIT_REF_NAME\s+1 review-apps/,
    ])
      expect(r.stdout).toMatch(seen);
    expect(r.stdout).toMatch(/Must stay on \(14\):/);
  });

  it('--detailed-exitcode exits 2 while a row does not hold; --json gives rows, clusters and the audit', async () => {
    const r = await runCli(['verify', '--demo', '--detailed-exitcode', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as {
      rows: { project: string; environment: string; holds: boolean; oldCluster: { id: number } }[];
      clusters: { clusterId: number; holds: boolean }[];
      audit: { project: string; jobs: { verdict: string }[] }[];
    };
    expect(out.rows.every((row) => !row.holds)).toBe(true);
    expect(out.clusters.map((c) => c.clusterId)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15,
    ]);
    const verdicts = new Set(out.audit.flatMap((a) => a.jobs.map((j) => j.verdict)));
    expect([...verdicts].sort()).toEqual(
      [
        'auto-devops',
        'certificate-variables',
        'implicit-context',
        'kubernetes-gate',
        'not-editable',
        'selects-context',
      ].sort(),
    );
  });

  it('needs a plan file without --demo: one clear line', async () => {
    const r = await runCli(['verify'], { GITLAB_URL: 'http://127.0.0.1:9', GITLAB_TOKEN: 'x' });
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/verify needs a plan file/);
  });
});

describe('apply --demo --yes --fix-ci merge-request --disable-old-clusters', () => {
  it('converges: merge requests open, and only the clusters whose rows all hold go off', async () => {
    const r = await runCli([
      'apply',
      '--demo',
      '--yes',
      '--fix-ci',
      'merge-request',
      '--disable-old-clusters',
      '--no-color',
    ]);
    expect(r.code, r.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    const off = [...r.stderr.matchAll(/turned off certificate cluster (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    expect([...new Set(off)].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 10, 11, 12, 15]);
    const held = [...r.stderr.matchAll(/disable-cluster:(\d+) — stays on: /g)].map((m) =>
      Number(m[1]),
    );
    expect([...new Set(held)].sort((a, b) => a - b)).toEqual([5, 7, 9, 13, 14]);
    expect([...new Set(r.stderr.match(/\/-\/merge_requests\/1 fixing \S+/g))]).toHaveLength(3);
  });
});

describe('verify a plan on a migrated instance', () => {
  let world: World;
  let plan: string;
  beforeAll(async () => {
    world = await startWorld(demoFixtureWithFixedCi());
    plan = join(world.dir, 'plan.json');
    expect((await runCli(['plan', '--out', plan, '--format', 'json'], world.env)).code).toBe(0);
  });
  afterAll(async () => {
    await world.close();
  });

  it('before apply: nothing holds (exit 2); after apply: every row holds (exit 0), reading only', async () => {
    const before = await runCli(['verify', plan, '--detailed-exitcode', '--json'], world.env);
    expect(before.code, before.stderr).toBe(2);
    const applied = await runCli(['apply', plan, '--yes'], world.env);
    expect(applied.code, applied.stderr).toBe(0);
    const mark = world.mark();
    const after = await runCli(['verify', plan, '--detailed-exitcode', '--no-color'], world.env);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toMatch(/✖/);
    expect(after.stdout).toMatch(
      /payments\/checkout\/checkout-api\s+production\s+5 checkout-prod\s+payments\/gitlab-agents:prod-eu\s+yes\s+1\/1/,
    );
    expect(after.stdout).toMatch(/Can be turned off: 1 \(review-apps\), 2 \(prod-eu\)/);
    // POST /ci/lint validates a configuration and stores nothing (lib/api/lint.rb)
    expect(world.mutations(mark).filter((m) => !m.endsWith('/ci/lint'))).toEqual([]);
    expect(JSON.parse(await readFile(plan, 'utf8'))).toHaveProperty('ciAudit.projectsRead', 39);
  });
});
