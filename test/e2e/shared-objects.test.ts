// @module-tag slow
// Two agents on one cluster whose agentk objects would be the same (groups `my_group` and
// `my-group` both become `my-group` in a name): the plan warns, and apply refuses to install them
// side by side, before its first write; one at a time (--only) goes ahead.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchFixture } from '../../src/bench/apply-fixture.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { Plan } from '../../src/plan/types.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

/** Top-level groups my_group and my-group, each with a cluster "prod" on one API server. */
function collidingFixture(): GitLabFixture {
  const base = benchFixture(1).fixture;
  const cluster = base.clusters[0]!;
  return {
    ...base,
    groups: [
      { id: 1, path: 'my_group', name: 'My group', parent: null },
      { id: 2, path: 'my-group', name: 'My-group', parent: null },
    ],
    clusters: [
      { ...cluster, id: 1, name: 'prod', owner: 'my_group' },
      { ...cluster, id: 2, name: 'prod', owner: 'my-group' },
    ],
  };
}

let world: World;
let planPath: string;
let plan: Plan;

beforeAll(async () => {
  world = await startWorld(collidingFixture());
  planPath = join(world.dir, 'plan.json');
  const r = await runCli(['plan', '--out', planPath, '--format', 'json'], world.env);
  expect(r.code, r.stderr).toBe(0);
  plan = JSON.parse(r.stdout) as Plan;
});
afterAll(async () => {
  await world.close();
});

describe('agents that would share agentk objects on one cluster', () => {
  it('the plan warns, naming both', () => {
    const warning = plan.warnings.find((w) => w.code === 'agentk-name-collision');
    expect(warning?.message).toContain('my_group/gitlab-agents:prod');
    expect(warning?.message).toContain('my-group/gitlab-agents:prod');
  });

  it('apply refuses to install both, in one line, before any write', async () => {
    const before = world.mark();
    const r = await runCli(['apply', planPath, '--yes'], world.env);
    expect(r.code, r.stderr).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/would share agentk objects on .*apply --only/);
    expect(world.mutations(before)).toEqual([]);
  });

  it('one of them alone is installed', async () => {
    const r = await runCli(
      ['apply', planPath, '--yes', '--only', 'my_group/gitlab-agents:prod'],
      world.env,
    );
    expect(r.code, r.stderr).toBe(0);
    // and now the other is refused: the first is there
    const other = await runCli(
      ['apply', planPath, '--yes', '--only', 'my-group/gitlab-agents:prod'],
      world.env,
    );
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/would share agentk objects/);
  });
});
