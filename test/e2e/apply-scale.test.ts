// @module-tag slow
// Apply at scale, counted: 30 agents over two configuration projects, with agents in parallel. One
// commit per project, at most 12 GitLab calls per agent, kube connections reused, and a second
// run that changes nothing. (Timings are the benchmark's business: npm run bench.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchFixture } from '../../src/bench/apply-fixture.js';
import type { Plan } from '../../src/plan/types.js';
import { commitsPerProject } from '../../src/simulator/gitlab/commits-per-project.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const AGENTS = 30;
let world: World;
let planPath: string;
let plan: Plan;

beforeAll(async () => {
  world = await startWorld(benchFixture(AGENTS).fixture);
  planPath = join(world.dir, 'plan.json');
  const r = await runCli(['plan', '--out', planPath, '--format', 'json'], world.env);
  expect(r.code, r.stderr).toBe(0);
  plan = JSON.parse(r.stdout) as Plan;
});
afterAll(async () => {
  await world.close();
});

describe(`apply of ${AGENTS} agents`, () => {
  it('makes one commit per config project and at most 12 GitLab calls per agent', async () => {
    expect(plan.agents).toHaveLength(AGENTS);
    world.gitlab.clearRequests();
    for (const k of world.clusters) k.clearRequests();
    const before = world.clusters.map((k) => k.connections);
    const r = await runCli(['apply', planPath, '--yes', '--parallel', '10'], world.env);
    expect(r.code, r.stderr).toBe(0);
    expect(commitsPerProject(world.gitlab.requests)).toEqual({
      'team-0/gitlab-agents': 1,
      'team-1/gitlab-agents': 1,
    });
    expect(world.gitlab.requests.length / AGENTS).toBeLessThanOrEqual(12);
    for (const a of plan.agents) {
      const project = world.gitlab.state.findProject(a.project)!;
      expect(world.gitlab.state.agents.forProject(project).map((x) => x.name)).toContain(a.name);
    }
    // keep-alive: a handful of connections per cluster, against dozens of requests
    const requests = world.clusters.reduce((n, k) => n + k.requests.length, 0);
    const connections = world.clusters.reduce((n, k, i) => n + k.connections - before[i]!, 0);
    expect(requests).toBeGreaterThan(AGENTS * 10);
    expect(connections).toBeLessThan(requests / 5);
  });

  it('changes nothing on a second run', async () => {
    const mark = world.mark();
    const r = await runCli(['apply', planPath, '--yes', '--parallel', '10'], world.env);
    expect(r.code, r.stderr).toBe(0);
    expect(world.mutations(mark)).toEqual([]);
  });
});
