// `status` over real HTTP: a plan of the demo instance, the apply engine run against simulated
// clusters, and status read before, during and after the cut-over. Status must only ever read.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyJournal } from '../../src/apply/journal.js';
import { JournalStore } from '../../src/apply/journal-store.js';
import { createKubeAccess } from '../../src/apply/kube-access.js';
import {
  clustersOfAgents,
  readLiveClusters,
  readPlanStatus,
  type PlanStatus,
} from '../../src/apply/status.js';
import type { KubeAccess } from '../../src/apply/types.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { updateVariable } from '../../src/gitlab/variables.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import { renderStatusTable } from '../../src/report/status-table.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { isWrite } from '../../src/simulator/kube/server.js';
import { writeKubeconfig } from '../../src/simulator/kube/kubeconfig-file.js';
import { Chalk } from 'chalk';
import { adminApiToken, demoFixtureWithFixedCi, testClient } from '../helpers/gitlab.js';
import { applyInProcess, startWorld, type World } from '../helpers/world.js';

/** The demo with environments in the one project whose agent lives in the project itself. */
function fixture(): GitLabFixture {
  const f = demoFixtureWithFixedCi();
  const envs = (f.environments ??= []);
  for (const name of ['staging', 'production'])
    if (!envs.some((e) => e.project === 'data/ml/demand-forecast' && e.name === name))
      envs.push({ project: 'data/ml/demand-forecast', name });
  return f;
}

let dir: string;
let fx: GitLabFixture;
let sim: GitLabSimulator;
let client: GitLabClient;
let plan: Plan;
let world: World;
let kube: KubeAccess;
let journal: JournalStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-status-'));
  fx = fixture();
  world = await startWorld(fx, { apiUrls: 'fixture', rolloutDelayMs: 10 });
  sim = world.gitlab;
  client = testClient(sim.url, adminApiToken(fx));
  const inventory = await discoverInventory(client);
  plan = await computePlan(client, inventory, defaultPlanOptions());
  kube = world.kubeAccess(inventory.clusters);
  journal = new JournalStore(emptyJournal(sim.url, plan.generatedAt), join(dir, 'state.json'));
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function apply(disableOldClusters: boolean) {
  return applyInProcess({ sim, client, kube, journal, plan, settings: { disableOldClusters } });
}

/** Status, asserting that neither GitLab nor any cluster saw anything but reads. */
async function status(access: KubeAccess = kube): Promise<PlanStatus> {
  sim.clearRequests();
  for (const s of world.clusters) s.clearRequests();
  const clusters = await readLiveClusters(client, clustersOfAgents(plan));
  const result = await readPlanStatus(plan, {
    client,
    kube: access,
    journal: journal.journal,
    clusters,
    now: () => new Date(),
  });
  expect(sim.requests.length).toBeGreaterThan(0);
  // POST /ci/lint validates a CI configuration and stores nothing (lib/api/lint.rb)
  expect(sim.requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/ci/lint'))).toEqual(
    [],
  );
  const kubeRequests = world.clusters.flatMap((s) => s.requests);
  expect(kubeRequests.filter((r) => r.method !== 'GET')).toEqual([]);
  expect(kubeRequests.filter(isWrite)).toEqual([]);
  return result;
}

const agentOf = (s: PlanStatus, ref: string) => s.agents.find((a) => a.ref === ref)!;
const FORECAST = 'data/ml/demand-forecast:forecast-staging';

describe('status', () => {
  it('before apply: every agent not started, everything pending', async () => {
    const s = await status();
    expect(s.agents.map((a) => a.ref)).toEqual(plan.agents.map((a) => a.ref));
    expect(s.pending).toBe(true);
    expect(s.summary['not-started']).toBe(plan.agents.length);
    for (const agent of plan.agents) {
      const a = agentOf(s, agent.ref);
      expect(a.agentId).toBeNull();
      expect(a.connected).toBe(false);
      const byKind = (kind: string) => a.checks.filter((c) => c.kind === kind);
      expect(byKind('variable')).toHaveLength(agent.ciVariables.length);
      expect(byKind('variable').every((c) => c.state === 'pending')).toBe(true);
      // the gate names why each must stay on (no agent, no KUBE_CONTEXT yet)
      for (const check of byKind('cluster'))
        expect(check.detail).toMatch(/^on; must stay on: .*(not registered|no KUBE_CONTEXT)/);
      expect(byKind('agentk')[0]).toMatchObject({ state: 'pending' });
      expect(byKind('agentk')[0]!.detail).toMatch(/^not installed \(context /);
    }
    expect(s.journalUpdatedAt).toBe(new Date(0).toISOString());
  });

  it('after apply without --disable-old-clusters: in progress, only the old clusters pending', async () => {
    const result = await apply(false);
    expect(result.outcomes.filter((o) => o.result.status === 'failed')).toEqual([]);
    const s = await status();
    expect(s.summary['in-progress']).toBe(plan.agents.length);
    for (const a of s.agents) {
      expect(a.connected).toBe(true);
      expect(a.activeTokens).toBe(1);
      const pending = a.checks.filter((c) => c.state !== 'ok');
      // every job is proven to reach its cluster through the agent: each old cluster may go
      expect(pending.map((c) => [c.kind, c.detail])).toEqual(
        plan.agents
          .find((p) => p.ref === a.ref)!
          .clusterIds.map(() => [
            'cluster',
            'on; every job that used it is proven to reach it through its agent: apply --disable-old-clusters may turn it off',
          ]),
      );
    }
    const envs = agentOf(s, FORECAST).checks.find((c) => c.kind === 'environments');
    expect(envs).toMatchObject({ state: 'ok', detail: 'linked: staging' });
  });

  it('after the cut-over: every agent cut over, agentk available, clusters off', async () => {
    await apply(true);
    const s = await status();
    expect(s.pending).toBe(false);
    expect(s.summary['cut-over']).toBe(plan.agents.length);
    for (const agent of plan.agents) {
      const a = agentOf(s, agent.ref);
      expect(a.checks.every((c) => c.state === 'ok')).toBe(true);
      expect(a.checks.find((c) => c.kind === 'agentk')!.detail).toMatch(/^available: /);
      expect(a.checks.filter((c) => c.kind === 'variable').map((c) => c.detail)).toEqual(
        agent.ciVariables.map((v) => v.value),
      );
      expect(a.checks.filter((c) => c.kind === 'cluster').map((c) => c.detail)).toEqual(
        agent.clusterIds.map(() => 'off (turned off by migrate-clusters)'),
      );
    }
    const tokens = [...fx.tokens.map((t) => t.token), ...sim.state.agents.secrets()];
    const text = JSON.stringify(s) + renderStatusTable(s, new Chalk({ level: 0 }));
    expect(tokens.filter((t) => text.includes(t))).toEqual([]);
  });

  it('renders a table with one block per agent and the counts last', async () => {
    const s = await status();
    const text = renderStatusTable(s, new Chalk({ level: 0 }));
    expect(text.includes('\u001b[')).toBe(false);
    for (const agent of plan.agents) expect(text).toContain(`${agent.ref}  cut over`);
    expect(text.trim().split('\n').at(-1)).toBe(
      `${plan.agents.length} agent(s): ${plan.agents.length} cut over · 0 in progress · 0 not started`,
    );
    expect(renderStatusTable(s, new Chalk({ level: 1 })).includes('\u001b[')).toBe(true);
  });

  it('without a kube context agentk is unknown, and a connected agent still counts as cut over', async () => {
    const elsewhere = join(dir, 'elsewhere-kubeconfig');
    await writeKubeconfig(elsewhere, [
      { contextName: 'elsewhere', server: 'https://elsewhere.test:6443', token: 'not-a-secret' },
    ]);
    const blind = createKubeAccess({ kubeconfig: elsewhere, overrides: {}, clusters: [] });
    const s = await status(blind);
    expect(s.pending).toBe(false);
    for (const a of s.agents) {
      const agentk = a.checks.find((c) => c.kind === 'agentk')!;
      expect(agentk.state).toBe('unknown');
      expect(agentk.detail).toMatch(/^unknown: no kube context reaches /);
    }
  });

  it('a variable someone changed puts its agent back in progress', async () => {
    const agent = plan.agents.find((a) => a.ciVariables.length > 0)!;
    const v = agent.ciVariables[0]!;
    await updateVariable(client, v.level, v.owner, { ...v, value: 'someone-else:agent' });
    const s = await status();
    const a = agentOf(s, agent.ref);
    expect(a.state).toBe('in-progress');
    expect(s.pending).toBe(true);
    expect(a.checks.filter((c) => c.state === 'pending')).toEqual([
      expect.objectContaining({
        kind: 'variable',
        detail: `is "someone-else:agent", planned ${v.value}`,
      }),
    ]);
  });
});
