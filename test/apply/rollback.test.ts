// `rollback` over real HTTP: the demo instance is cut over by the apply engine against simulated
// clusters (old clusters turned off), then rolled back from the journal: clusters on again,
// variables and environment links gone, and with `uninstall` agentk and the agents too.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyJournal, loadJournal, type Journal } from '../../src/apply/journal.js';
import { JournalStore } from '../../src/apply/journal-store.js';
import { rollbackWork, runRollback, type RollbackSettings } from '../../src/apply/rollback.js';
import type { KubeAccess } from '../../src/apply/types.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import { getToken, listAgents, registerAgent } from '../../src/gitlab/agents.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { listEnvironments } from '../../src/gitlab/environments.js';
import { findVariable, updateVariable } from '../../src/gitlab/variables.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { isWrite } from '../../src/simulator/kube/server.js';
import { adminApiToken, demoFixtureWithFixedCi, testClient, tokenOf } from '../helpers/gitlab.js';
import { agentkObjectsIn } from '../helpers/agentk-objects.js';
import { applyInProcess, startWorld, type World } from '../helpers/world.js';

const FORECAST_PROJECT = 'data/ml/demand-forecast';

let dir: string;
let fx: GitLabFixture;
let sim: GitLabSimulator;
let client: GitLabClient;
let plan: Plan;
let world: World;
let kube: KubeAccess;
/** every agent token the simulator handed out (deleting an agent drops them from its state) */
let agentTokens: string[];
let preRegistered: { ref: string; id: number };
const journalPath = () => join(dir, 'plan.json.state.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-rollback-'));
  fx = demoFixtureWithFixedCi();
  const envs = (fx.environments ??= []);
  for (const name of ['staging', 'production'])
    if (!envs.some((e) => e.project === FORECAST_PROJECT && e.name === name))
      envs.push({ project: FORECAST_PROJECT, name });
  world = await startWorld(fx, { apiUrls: 'fixture', rolloutDelayMs: 10 });
  sim = world.gitlab;
  client = testClient(sim.url, adminApiToken(fx));
  const inventory = await discoverInventory(client);
  plan = await computePlan(client, inventory, defaultPlanOptions());
  // One agent someone registered before apply ran: apply gives it a token and agentk, but it is
  // not this tool's to delete.
  const theirs = plan.agents.find((a) => !a.createProject)!;
  preRegistered = {
    ref: theirs.ref,
    id: (await registerAgent(client, theirs.project, theirs.name)).id,
  };
  kube = world.kubeAccess(inventory.clusters);
  const journal = new JournalStore(emptyJournal(sim.url, plan.generatedAt), journalPath());
  const result = await applyInProcess({
    sim,
    client,
    kube,
    journal,
    plan,
    settings: { disableOldClusters: true },
  });
  expect(result.outcomes.filter((o) => o.result.status === 'failed')).toEqual([]);
  agentTokens = [...sim.state.agents.secrets()];
});
afterAll(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

async function journal(): Promise<Journal> {
  return (await loadJournal(journalPath()))!;
}

/** A rollback from the journal file, with the GitLab and Kubernetes request logs cleared first. */
async function rollback(settings: Partial<RollbackSettings> = {}, as: GitLabClient = client) {
  sim.clearRequests();
  for (const s of world.clusters) s.clearRequests();
  const store = new JournalStore(await journal(), settings.dryRun ? null : journalPath());
  return runRollback({
    client: as,
    kube,
    journal: store,
    plan,
    settings: { dryRun: false, uninstall: false, ...settings },
  });
}

const gitlabWrites = () => sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));
const kubeWrites = () => world.clusters.flatMap((s) => s.requests.filter(isWrite));
const agentkObjects = () => agentkObjectsIn(world.clusters);

describe('rollback', () => {
  it('the apply left something of every kind to undo', async () => {
    const j = await journal();
    const work = rollbackWork(j, true);
    expect(work.clusters).toBe(new Set(plan.agents.flatMap((a) => a.clusterIds)).size);
    expect(work.variables).toBe(
      new Set(plan.agents.flatMap((a) => a.ciVariables.map((v) => JSON.stringify(v)))).size,
    );
    // environments are linked only in an agent's own project, and only those its clusters served
    const linked = j.environments.map((e) => `${e.project} ${e.name}`);
    expect(linked).toContain(`${FORECAST_PROJECT} staging`);
    expect(linked).not.toContain(`${FORECAST_PROJECT} production`);
    expect(j.environments.every((e) => plan.agents.some((a) => a.project === e.project))).toBe(
      true,
    );
    expect(work.agents).toBe(plan.agents.length - 1);
    expect(j.agents.map((a) => a.ref)).not.toContain(preRegistered.ref);
    expect(j.tokens.map((t) => t.ref)).toContain(preRegistered.ref);
    expect(work.installs).toBe(plan.agents.length);
    expect(rollbackWork(j, false)).toMatchObject({ installs: 0, agents: 0, tokens: 0 });
  });

  it('holds back every later undo when a cluster cannot be turned on again', async () => {
    const before = (await loadJournal(journalPath()))!;
    const mara = testClient(
      sim.url,
      tokenOf(fx, (t) => t.user === 'mara'),
    );
    const outcomes = await rollback({}, mara);
    const failed = outcomes.filter((o) => o.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((o) => o.kind === 'enable-cluster')).toBe(true);
    const later = outcomes.filter((o) => o.kind !== 'enable-cluster');
    const held = await journal();
    expect(later.length).toBe(held.variables.length + held.environments.length);
    expect(later.every((o) => o.status === 'held')).toBe(true);
    expect(gitlabWrites().filter((r) => r.method === 'DELETE')).toEqual([]);
    // whatever mara could turn on again is struck from the journal; the rest stays for a re-run
    const done = outcomes.filter((o) => o.kind === 'enable-cluster' && o.status === 'done');
    expect(held.disabledClusters.length).toBe(before.disabledClusters.length - done.length);
  });

  it('dry run: says what it would undo, changes nothing anywhere', async () => {
    const before = await readFile(journalPath(), 'utf8');
    const outcomes = await rollback({ dryRun: true, uninstall: true });
    expect(gitlabWrites()).toEqual([]);
    expect(kubeWrites()).toEqual([]);
    expect(await readFile(journalPath(), 'utf8')).toBe(before);
    const done = outcomes.filter((o) => o.status === 'done');
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((o) => o.detail.startsWith('would '))).toBe(true);
    expect(new Set(done.map((o) => o.kind))).toEqual(
      new Set([
        'enable-cluster',
        'delete-variable',
        'unlink-environment',
        'uninstall-agentk',
        'delete-agent',
        'revoke-token',
      ]),
    );
  });

  it('turns the clusters on again, removes the variables it set, unlinks the environments', async () => {
    const j = await journal();
    const changed = j.variables[0]!;
    await updateVariable(client, changed.level, changed.owner, {
      ...changed,
      value: 'someone-else:their-agent',
    });
    const outcomes = await rollback();
    expect(outcomes.filter((o) => o.status === 'failed')).toEqual([]);

    for (const d of j.disabledClusters) {
      const live = await client.clusters.show(d.level, d.owner, d.id);
      expect(live.enabled).toBe(true);
      expect(live.namespace_per_environment).toBe(d.namespacePerEnvironment);
    }
    for (const v of j.variables) {
      const live = await findVariable(client, v.level, v.owner, v.key, v.environmentScope);
      expect(live?.value ?? null).toBe(v === changed ? 'someone-else:their-agent' : null);
    }
    expect(outcomes.filter((o) => o.status === 'left-alone')).toEqual([
      expect.objectContaining({ kind: 'delete-variable' }),
    ]);
    for (const project of new Set(j.environments.map((e) => e.project))) {
      const live = await listEnvironments(client, project);
      const ours = j.environments.filter((e) => e.project === project).map((e) => e.id);
      expect(live.filter((e) => ours.includes(e.id)).map((e) => e.clusterAgentId)).toEqual(
        ours.map(() => null),
      );
    }

    const after = await journal();
    expect(after.disabledClusters).toEqual([]);
    expect(after.environments).toEqual([]);
    expect(after.variables).toEqual([changed]);
    expect(
      after.completedSteps.filter((s) => /\/(disable-cluster|link-environment):/.test(s)),
    ).toEqual([]);
    // without --uninstall the agents and agentk stay
    expect(after.agents).toEqual(j.agents);
    expect(agentkObjects().length).toBeGreaterThan(0);
  });

  it('a second rollback changes nothing and makes no mutating request', async () => {
    const before = await readFile(journalPath(), 'utf8');
    const outcomes = await rollback();
    expect(gitlabWrites()).toEqual([]);
    expect(await readFile(journalPath(), 'utf8')).toBe(before);
    expect(outcomes.map((o) => o.status)).toEqual(['left-alone']);
  });

  it('--uninstall removes agentk and the agents it registered, never clusters or projects', async () => {
    const j = await journal();
    const theirToken = j.tokens.find((t) => t.ref === preRegistered.ref)!;
    const outcomes = await rollback({ uninstall: true });
    expect(outcomes.filter((o) => ['failed', 'needs-person'].includes(o.status))).toEqual([]);
    expect(agentkObjects()).toEqual([]);
    for (const s of world.clusters) {
      const names = s.objects.list({ kind: 'Namespace' }).map((n) => n.metadata.name);
      expect(names.filter((n) => n.startsWith('gitlab-agent-'))).toEqual([]);
      expect(s.objects.list({ kind: 'ClusterRoleBinding' })).toEqual([]);
    }
    for (const project of new Set(plan.agents.map((a) => a.project))) {
      const ids = (await listAgents(client, project)).map((a) => a.id);
      const ours = j.agents.filter((a) => a.ref.startsWith(`${project}:`)).map((a) => a.id);
      expect(ids.filter((id) => ours.includes(id))).toEqual([]);
      expect(sim.state.findProject(project)).toBeTruthy();
    }
    // the agent someone else registered stays; the token this tool made for it is revoked
    const project = preRegistered.ref.slice(0, preRegistered.ref.lastIndexOf(':'));
    expect((await listAgents(client, project)).map((a) => a.id)).toContain(preRegistered.id);
    expect(await getToken(client, project, preRegistered.id, theirToken.id)).toBeNull();
    expect(gitlabWrites().map((r) => r.method)).toEqual(gitlabWrites().map(() => 'DELETE'));
    expect(gitlabWrites().filter((r) => /\/tokens\/\d+$/.test(r.path))).toHaveLength(1);
    for (const id of new Set(plan.agents.flatMap((a) => a.clusterIds))) {
      const c = plan.clusters.find((x) => x.id === id)!;
      expect((await client.clusters.show(c.level, c.owner, id)).enabled).toBe(true);
    }
    const after = await journal();
    expect([after.agents, after.installs, after.tokens]).toEqual([[], [], []]);

    const again = await rollback({ uninstall: true });
    expect(gitlabWrites()).toEqual([]);
    expect(kubeWrites()).toEqual([]);
    expect(again.map((o) => o.status)).toEqual(['left-alone']);
  });

  it('keeps no token in the journal', async () => {
    const text = await readFile(journalPath(), 'utf8');
    const tokens = [...fx.tokens.map((t) => t.token), ...agentTokens];
    expect(tokens.length).toBeGreaterThan(fx.tokens.length);
    expect(tokens.filter((t) => text.includes(t))).toEqual([]);
    expect(text).not.toMatch(/glagent-|glpat-/);
  });
});
