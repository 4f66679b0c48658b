// @module-tag slow
// Lost answers: GitLab carries a write out, then the answer never arrives (a 502 from a proxy, a
// dropped connection, an answer after the client gave up), mixed with 5xx and 429 answers. One
// apply run converges anyway: every agent once, one commit per file, no token left active that
// agentk does not hold, every variable once.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadJournal, journalPathFor } from '../../src/apply/journal.js';
import type { Plan } from '../../src/plan/types.js';
import { groupOwner, projectOwner } from '../../src/simulator/gitlab/variables-state.js';
import { demoFixtureWithFixedCi } from '../helpers/gitlab.js';
import { agentkObjectsIn } from '../helpers/agentk-objects.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

let world: World;
/** lost answers (a third of the writes) among 5xx and 429 answers, seeded */
const faults = (seed: number) => ({
  random: { seed, errorRate: 0.03, rateLimitRate: 0.01, loseAnswerRate: 0.35, lateMs: 1_500 },
});
let planPath: string;
let plan: Plan;

beforeAll(async () => {
  world = await startWorld(demoFixtureWithFixedCi());
  planPath = join(world.dir, 'plan.json');
  const r = await runCli(
    ['plan', '--out', planPath, '--no-ci-audit', '--format', 'json'],
    world.env,
  );
  expect(r.code, r.stderr).toBe(0);
  plan = JSON.parse(r.stdout) as Plan;
});
afterAll(async () => {
  await world.close();
});

describe('apply under lost answers, 5xx and 429', () => {
  it('converges in one run, with nothing made twice and no orphan token', async () => {
    world.gitlab.setFaults(faults(7));
    const r = await runCli(
      ['apply', planPath, '--yes', '--timeout', '1', '--disable-old-clusters'],
      world.env,
    );
    world.gitlab.setFaults(null);
    const lost = world.gitlab.requests.filter((q) => q.injected === 'lost-answer');
    expect(lost.length, 'the run met lost answers').toBeGreaterThan(10);
    expect(r.code, r.stderr).toBe(0);

    const state = world.gitlab.state;
    for (const a of plan.agents) {
      const project = state.findProject(a.project)!;
      expect(
        state.agents.forProject(project).filter((x) => x.name === a.name),
        a.ref,
      ).toHaveLength(1);
      const agent = state.agents.forProject(project).find((x) => x.name === a.name)!;
      // the one agentk holds, and no other
      expect(
        state.agents.activeTokens(agent).map((t) => t.lastUsedAt != null),
        a.ref,
      ).toEqual([true]);
    }
    for (const v of plan.agents.flatMap((a) => a.ciVariables)) {
      const owner =
        v.level === 'project'
          ? projectOwner(state.findProject(v.owner!)!)
          : v.level === 'group'
            ? groupOwner(state.findGroup(v.owner!)!)
            : 'instance';
      const same = state.variables
        .list(owner)
        .filter((x) => x.key === v.key && x.environmentScope === v.environmentScope);
      expect(
        same.map((x) => x.value),
        `${v.key} on ${v.owner}`,
      ).toEqual([v.value]);
    }
    const posts = world.gitlab.requests.filter(
      (q) => q.method === 'POST' && q.path.endsWith('/repository/commits'),
    );
    const landed = posts.filter((q) => q.status === 201 || q.injected === 'lost-answer');
    // one commit per configuration project, however its answer went
    expect(landed.length).toBe(new Set(plan.agents.map((a) => a.project)).size);
    expect(
      [...state.clustersById.values()].filter((c) => c.data.enabled).map((c) => c.data.id),
    ).toEqual([]);
    // everything made is in the journal, for rollback
    const journal = (await loadJournal(journalPathFor(planPath)))!;
    expect(journal.agents.map((a) => a.ref).sort()).toEqual(plan.agents.map((a) => a.ref).sort());
  });

  it('rollback --uninstall, under the same faults, leaves nothing apply made', async () => {
    world.gitlab.setFaults(faults(11));
    const r = await runCli(
      ['rollback', planPath, '--yes', '--uninstall', '--timeout', '1'],
      world.env,
    );
    world.gitlab.setFaults(null);
    expect(r.code, r.stderr).toBe(0);
    const state = world.gitlab.state;
    for (const a of plan.agents) {
      const project = state.findProject(a.project)!;
      expect(
        state.agents.forProject(project).map((x) => x.name),
        a.ref,
      ).not.toContain(a.name);
    }
    expect([...state.agents.secrets()].length, 'no agent token left').toBe(0);
    // the clusters that were off before apply (the demo has one) and no other
    const offBefore = demoFixtureWithFixedCi()
      .clusters.filter((c) => !c.enabled)
      .map((c) => c.id);
    expect(
      [...state.clustersById.values()].filter((c) => !c.data.enabled).map((c) => c.data.id),
    ).toEqual(offBefore);
    const agentk = agentkObjectsIn(world.clusters);
    expect(agentk).toEqual([]);
  });
});
