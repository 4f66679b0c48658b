// @module-tag slow
// apply --fix-ci merge-request over real HTTP: one merge request per project with fixable jobs,
// the user's file edited in place (comments kept), nothing on the default branch, and a second
// run changing nothing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIX_CI_BRANCH } from '../../src/apply/fix-ci.js';
import { demoFixture } from '../helpers/gitlab.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const PROJECT = 'payments/checkout/checkout-api';
let world: World;
let plan: string;
const fileOn = (branch: string) => {
  const p = world.gitlab.state.findProject(PROJECT)!;
  return world.gitlab.state.repositories
    .of(p)
    .branches.get(branch)
    ?.tree.get('.gitlab-ci.yml')
    ?.content.toString('utf8');
};

beforeAll(async () => {
  world = await startWorld(demoFixture());
  plan = join(world.dir, 'plan.json');
  expect((await runCli(['plan', '--out', plan, '--format', 'json'], world.env)).code).toBe(0);
});
afterAll(async () => {
  await world.close();
});

describe('apply --fix-ci merge-request', () => {
  const apply = () =>
    runCli(
      [
        'apply',
        plan,
        '--yes',
        '--only',
        'payments/gitlab-agents:prod-eu',
        '--fix-ci',
        'merge-request',
      ],
      world.env,
    );

  it('edits the job on a branch, keeps the file as the user wrote it, and opens one merge request', async () => {
    const original = fileOn('main')!;
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(fileOn('main')).toBe(original);
    const fixed = fileOn(FIX_CI_BRANCH)!;
    expect(fixed).toContain('# Checkout API: tests on every push, production deploys from main.');
    expect(fixed).toMatch(
      /deploy-production:[\s\S]*script:\n\s+- kubectl config use-context "\$KUBE_CONTEXT"\n\s+- kubectl apply -n "\$KUBE_NAMESPACE" -f deploy\/ +# the cluster's own context/,
    );
    // the test job is left alone
    expect(fixed).toMatch(
      /test:\n\s+stage: test\n\s+image: node:20\n\s+script:\n\s+- npm ci\n\s+- npm test/,
    );
    const mrs = world.gitlab.state.repositories.of(
      world.gitlab.state.findProject(PROJECT)!,
    ).mergeRequests;
    expect(mrs.map((m) => [m.sourceBranch, m.targetBranch, m.state])).toEqual([
      [FIX_CI_BRANCH, 'main', 'opened'],
    ]);
    expect(r.stderr).toMatch(
      /ci\/payments\/checkout\/checkout-api\/fix-ci — opened or updated .*merge_requests\/1 fixing deploy-production/,
    );
  });

  it('a second run leaves the branch and the merge request as they are', async () => {
    const p = world.gitlab.state.findProject(PROJECT)!;
    const head = world.gitlab.state.repositories.of(p).branches.get(FIX_CI_BRANCH)!.id;
    const r = await apply();
    expect(r.code, r.stderr).toBe(0);
    expect(world.gitlab.state.repositories.of(p).branches.get(FIX_CI_BRANCH)!.id).toBe(head);
    expect(world.gitlab.state.repositories.of(p).mergeRequests).toHaveLength(1);
    expect(r.stderr).toMatch(/checkout-api\/fix-ci — already open: .*merge_requests\/1/);
  });
});
