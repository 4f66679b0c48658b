// @module-tag slow
// What a plan learns of GitLab's state, read through GraphQL (many projects a request) and through
// REST (where GraphQL is not served): the same plan either way, after a partial apply too, with a
// fraction of the calls. And GitLab's complexity limit: a batch it refuses is split to what fits.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverInventory } from '../../src/discovery/discover.js';
import { writeFileAtomic } from '../../src/files.js';
import type { Inventory } from '../../src/discovery/types.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { readLiveState } from '../../src/live-state/read-live-state.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import { demoFixture, testClient } from '../helpers/gitlab.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const AGENT = 'data/ml/demand-forecast:forecast-staging';
const options = { ...defaultPlanOptions(), ciAudit: false, now: () => new Date('2026-06-01') };
let world: World;
let client: GitLabClient;
let inventory: Inventory;

const route = (r: { method: string; path: string }) =>
  `${r.method} ${r.path.replace(/\/(projects|cluster_agents|files|tokens)\/[^/]+/g, '/$1/:id')}`;

async function planWith(graphql: boolean): Promise<{ plan: Plan; calls: string[] }> {
  world.gitlab.setGraphql(graphql);
  const from = world.gitlab.requests.length;
  const plan = await computePlan(client, inventory, options);
  return { plan, calls: world.gitlab.requests.slice(from).map(route) };
}

beforeAll(async () => {
  world = await startWorld(demoFixture());
  client = testClient(world.gitlab.url, world.token);
  inventory = await discoverInventory(client);
  // one agent cut over: registered, config committed, token, agentk, variables
  const planPath = join(world.dir, 'plan.json');
  await writeFileAtomic(planPath, renderPlanJson(await computePlan(client, inventory, options)));
  const applied = await runCli(['apply', planPath, '--only', AGENT, '--yes'], world.env);
  expect(applied.code, applied.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe('live state through GraphQL', () => {
  it('gives the plan REST gives, after a partial apply, in far fewer calls', async () => {
    const rest = await planWith(false);
    const batched = await planWith(true);
    expect(renderPlanJson(batched.plan)).toBe(renderPlanJson(rest.plan));
    // the state was really read: the applied agent is registered, its config there
    const agent = batched.plan.agents.find((a) => a.ref === AGENT)!;
    expect(agent.status).not.toBe('new');
    expect(batched.plan.steps.filter((s) => s.agent === AGENT).map((s) => s.kind)).not.toContain(
      'register-agent',
    );
    expect(batched.plan.agents.filter((a) => a.status === 'new').length).toBeGreaterThan(0);
    // no per-project or per-file REST reads; the registered agent's tokens are still REST
    const perProject = (calls: string[]) =>
      calls.filter((c) =>
        /^GET \/api\/v4\/projects\/:id(\/cluster_agents|\/repository\/files\/:id)?$/.test(c),
      ).length;
    expect(perProject(batched.calls)).toBe(0);
    expect(perProject(rest.calls)).toBeGreaterThan(10);
    expect(batched.calls).toContain('GET /api/v4/projects/:id/cluster_agents/:id/tokens');
    const graphql = batched.calls.filter((c) => c === 'POST /api/graphql').length;
    const projects = new Set(batched.plan.agents.map((a) => a.project.toLowerCase())).size;
    expect(graphql).toBeLessThanOrEqual(Math.ceil(projects / 5) + 1);
    expect(batched.calls.length * 3).toBeLessThan(rest.calls.length);
  });

  it('splits a batch GitLab refuses as too complex, and reads every project', async () => {
    world.gitlab.setGraphql(true);
    const projects = [...new Set(inventory.clusters.map((c) => c.owner).filter((o) => o))];
    // many planned files a project: each costs GitLab a point more, so six projects do not fit
    const paths = Array.from({ length: 30 }, (_, i) => `.gitlab/agents/a${i}/config.yaml`);
    const from = world.gitlab.requests.length;
    const live = await readLiveState(
      client,
      projects.map((project) => ({ project: project!, configPaths: paths })),
      new Date(),
    );
    const sent = world.gitlab.requests.slice(from);
    expect(sent.every((r) => r.path === '/api/graphql')).toBe(true);
    expect(Object.keys(live.projects)).toHaveLength(projects.length);
    // the first batch is refused whole; then batches of the size GitLab's figure allows, each
    // project asked once more
    const aliases = sent.map(
      (r) => ((r.bodyJson as { query: string }).query.match(/project\(fullPath/g) ?? []).length,
    );
    expect(aliases[0]).toBe(Math.min(6, projects.length));
    expect(Math.max(...aliases.slice(1))).toBeLessThan(aliases[0]!);
    expect(aliases.slice(1).reduce((a, b) => a + b, 0)).toBe(projects.length);
    const config = live.projects[AGENT.split(':')[0]!]!;
    expect(config.exists).toBe(true);
  });

  it('REST answers where GraphQL is blocked (an HTML 404 in front of it)', async () => {
    world.gitlab.setGraphql(false);
    const from = world.gitlab.requests.length;
    const live = await readLiveState(
      client,
      [
        {
          project: AGENT.split(':')[0]!,
          configPaths: ['.gitlab/agents/forecast-staging/config.yaml'],
        },
      ],
      new Date(),
    );
    const sent = world.gitlab.requests.slice(from).map(route);
    expect(sent[0]).toBe('POST /api/graphql');
    expect(sent).toContain('GET /api/v4/projects/:id/repository/files/:id');
    const project = Object.values(live.projects)[0]!;
    expect(project.agents).toContain('forecast-staging');
    expect(project.files['.gitlab/agents/forecast-staging/config.yaml']).toContain('ci_access');
  });
});
