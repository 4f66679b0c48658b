// @module-tag slow
// `status` and `rollback` through the built CLI, the way a user runs them: against a GitLab
// simulator and simulated clusters on loopback (started here), after the apply engine cut the demo
// over. Bad input gives one clear line and exit 1; no token appears in any output or file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyJournal, journalPathFor } from '../../src/apply/journal.js';
import { JournalStore } from '../../src/apply/journal-store.js';
import type { PlanStatus } from '../../src/apply/status.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import { listAgents } from '../../src/gitlab/agents.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { adminApiToken, demoFixtureWithFixedCi, testClient } from '../helpers/gitlab.js';
import { isOneClearLine, runCli, type CliResult } from '../helpers/run-cli.js';
import { applyInProcess, startWorld, type World } from '../helpers/world.js';
import type { KubeAccess } from '../../src/apply/types.js';

let dir: string;
let fx: GitLabFixture;
let sim: GitLabSimulator;
let client: GitLabClient;
let plan: Plan;
let world: World;
let engineKube: KubeAccess;
let planPath: string;
let kubeconfig: string;
/** --context-for ID=CONTEXT (and --same-cluster ID) for every cluster: the kubeconfig points straight at the simulators */
let contextFlags: string[];
const outputs: CliResult[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-status-cli-'));
  fx = demoFixtureWithFixedCi();
  world = await startWorld(fx, { apiUrls: 'fixture', rolloutDelayMs: 10 });
  sim = world.gitlab;
  client = testClient(sim.url, adminApiToken(fx));
  const inventory = await discoverInventory(client);
  plan = await computePlan(client, inventory, defaultPlanOptions());
  planPath = join(dir, 'plan.json');
  await writeFile(planPath, renderPlanJson(plan));
  engineKube = world.kubeAccess(inventory.clusters);
  // the kubeconfig points straight at the simulators
  kubeconfig = world.kubeconfig;
  // The simulators listen elsewhere than the clusters' API URLs: vouch that they are those clusters.
  contextFlags = inventory.clusters
    .filter((c) => c.apiUrl)
    .flatMap((c) => [
      '--context-for',
      `${c.id}=${world.contextFor(c.apiUrl!)}`,
      '--same-cluster',
      String(c.id),
    ]);
});
afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<CliResult> {
  const result = await runCli(args, { GITLAB_TOKEN: adminApiToken(fx) });
  outputs.push(result);
  return result;
}

const connection = () => ['--gitlab-url', sim.url, '--kubeconfig', kubeconfig, ...contextFlags];

async function applyEngine() {
  const kube = engineKube;
  const journal = new JournalStore(
    emptyJournal(sim.url, plan.generatedAt),
    journalPathFor(planPath),
  );
  const result = await applyInProcess({
    sim,
    client,
    kube,
    journal,
    plan,
    settings: { disableOldClusters: true },
  });
  expect(result.outcomes.filter((o) => o.result.status === 'failed')).toEqual([]);
}

/** apply, status and rollback each refuse with one line containing `message`, and write nothing. */
async function refusedByEveryCommand(message: string): Promise<string[]> {
  sim.clearRequests();
  const stderr: string[] = [];
  for (const args of [
    ['apply', planPath, '--yes'],
    ['status', planPath],
    ['rollback', planPath, '--yes'],
  ]) {
    const r = await cli([...args, ...connection()]);
    expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain(message);
    stderr.push(r.stderr);
  }
  expect(sim.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  return stderr;
}

describe('status and rollback on the demo, with no plan file', () => {
  it('status --demo plans now and shows where the fresh demo stands', async () => {
    const r = await runCli(['status', '--demo', '--no-color']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^11 agent\(s\): 0 cut over · 0 in progress · 11 not started$/m);
    expect(r.stderr).not.toMatch(/^(kube|gitlab) /m);
    const json = await runCli(['status', '--demo', '--json', '--verbose', '--no-color']);
    expect((JSON.parse(json.stdout) as PlanStatus).agents).toHaveLength(11);
    // --verbose: each Kubernetes request too, naming the object and the context asked
    const kube = json.stderr.split('\n').filter((l) => l.startsWith('kube '));
    expect(kube.length).toBeGreaterThanOrEqual(11);
    expect(kube).toContainEqual(
      expect.stringMatching(/^kube read Deployment \S+\/\S+-v2 \(context \S+\) ok \d+ ms$/),
    );
  });

  it('rollback --demo has nothing to undo, and says why (exit 0)', async () => {
    const r = await runCli(['rollback', '--demo', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Nothing to roll back: the demo instance starts fresh on every run');
    expect(JSON.parse(r.stdout)).toMatchObject({ outcomes: [], done: 0, failed: 0 });
  });

  it.each([
    ['status', 'status needs a plan file.'],
    ['rollback', 'rollback needs the plan file apply was given.'],
  ])('%s without a plan file or --demo: one clear line, exit 1', async (command, line) => {
    const r = await runCli([command], { GITLAB_URL: sim.url, GITLAB_TOKEN: adminApiToken(fx) });
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(line);
  });
});

describe('status and rollback: bad input', () => {
  it.each([
    ['--context-for', '99=ctx', '--context-for 99: no certificate cluster has that id here.'],
    ['--same-cluster', '99', '--same-cluster 99: no certificate cluster has that id here.'],
  ])('%s naming a cluster that is not there: one clear line, exit 1', async (flag, value, line) => {
    sim.clearRequests();
    for (const command of [
      ['apply', planPath, '--yes'],
      ['status', planPath],
    ]) {
      const r = await cli([...command, ...connection(), flag, value]);
      expect(r.code, r.stderr).toBe(1);
      expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toContain(line);
    }
    expect(sim.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('a plan file that is not a plan: one clear line, exit 1', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"kind": "migrate-clusters/plan", "version": 1');
    for (const command of ['status', 'rollback']) {
      const r = await cli([command, bad, '--gitlab-url', sim.url]);
      expect(r.code).toBe(1);
      expect(isOneClearLine(r.stderr)).toBe(true);
      expect(r.stderr).toContain(`${bad} is not JSON`);
      expect(r.stdout).toBe('');
    }
  });

  it('a missing plan file: one clear line, exit 1', async () => {
    for (const command of ['status', 'rollback']) {
      const r = await cli([command, join(dir, 'nope.json'), '--gitlab-url', sim.url]);
      expect(r.code).toBe(1);
      expect(isOneClearLine(r.stderr)).toBe(true);
      expect(r.stderr).toContain('No plan file at');
    }
  });

  it('rollback before any apply: nothing to roll back, exit 0 as with an empty journal, no request made', async () => {
    sim.clearRequests();
    const r = await cli(['rollback', planPath, '--yes', '--gitlab-url', sim.url]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`Nothing to roll back: apply has not run for ${planPath}`);
    expect(sim.requests).toEqual([]);
    const json = await cli(['rollback', planPath, '--yes', '--json', '--gitlab-url', sim.url]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ outcomes: [], done: 0, failed: 0 });
  });

  it('a journal of the wrong shape: one clear line for apply, status and rollback, no write', async () => {
    const journal = journalPathFor(planPath);
    // valid JSON, a journal's kind, and fields of the wrong type
    await writeFile(
      journal,
      JSON.stringify({
        kind: 'migrate-clusters/journal',
        version: 1,
        gitlabUrl: sim.url,
        planGeneratedAt: plan.generatedAt,
        agents: 'x',
        disabledClusters: [{ id: 'one' }],
      }),
    );
    try {
      const stderr = await refusedByEveryCommand(
        `${journal} is not a journal this version can read`,
      );
      for (const text of stderr) expect(text).not.toMatch(/TypeError|undefined/);
    } finally {
      await rm(journal, { force: true });
    }
  });

  it("another instance's journal beside this plan is refused, naming both", async () => {
    const journal = journalPathFor(planPath);
    const other = new JournalStore(
      emptyJournal('https://gitlab.other.test', plan.generatedAt),
      journal,
    );
    await other.record((j) => j.agents.push({ ref: 'x/y:z', id: 7 }));
    try {
      await refusedByEveryCommand(
        `${journal} records changes made on https://gitlab.other.test, but ${planPath} is a plan for ${plan.gitlab.url}.`,
      );
    } finally {
      await rm(journal, { force: true });
    }
  });

  it('a malformed --context-for: one clear line, exit 1', async () => {
    const r = await cli(['status', planPath, '--gitlab-url', sim.url, '--context-for', 'x=y']);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr)).toBe(true);
  });
});

describe('status and rollback: a whole journey', () => {
  it('status before apply: a table, nothing done; exit 2 with --detailed-exitcode', async () => {
    const table = await cli(['status', planPath, ...connection(), '--no-color']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('apply has not run');
    expect(table.stdout.trim().split('\n').at(-1)).toBe(
      `${plan.agents.length} agent(s): 0 cut over · 0 in progress · ${plan.agents.length} not started`,
    );
    const detailed = await cli(['status', planPath, ...connection(), '--detailed-exitcode']);
    expect(detailed.code).toBe(2);
  });

  it('status after the cut-over: JSON, every agent cut over, agentk seen in its cluster', async () => {
    await applyEngine();
    sim.clearRequests();
    const r = await cli(['status', planPath, ...connection(), '--json', '--detailed-exitcode']);
    expect(r.code).toBe(0);
    // POST /ci/lint validates a CI configuration and stores nothing (lib/api/lint.rb)
    expect(sim.requests.filter((q) => q.method !== 'GET' && !q.path.endsWith('/ci/lint'))).toEqual(
      [],
    );
    const status = JSON.parse(r.stdout) as PlanStatus;
    expect(status.agents.map((a) => [a.ref, a.state])).toEqual(
      plan.agents.map((a) => [a.ref, 'cut-over']),
    );
    for (const a of status.agents)
      expect(a.checks.find((c) => c.kind === 'agentk')!.detail).toMatch(/^available: /);
  });

  it('rollback without a terminal needs --yes, and changes nothing without it', async () => {
    sim.clearRequests();
    const before = await readFile(journalPathFor(planPath), 'utf8');
    const r = await cli(['rollback', planPath, ...connection()]);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain('--yes');
    expect(sim.requests).toEqual([]);
    expect(await readFile(journalPathFor(planPath), 'utf8')).toBe(before);
  });

  it('rollback --yes --uninstall restores the clusters and removes agents; status agrees', async () => {
    const r = await cli(['rollback', planPath, '--yes', '--uninstall', ...connection()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/ 0 failed/);
    for (const c of plan.clusters.filter((x) =>
      plan.agents.some((a) => a.clusterIds.includes(x.id)),
    ))
      expect((await client.clusters.show(c.level, c.owner, c.id)).enabled).toBe(true);
    for (const agent of plan.agents)
      expect((await listAgents(client, agent.project)).map((a) => a.name)).not.toContain(
        agent.name,
      );

    const status = await cli(['status', planPath, ...connection(), '--json']);
    const parsed = JSON.parse(status.stdout) as PlanStatus;
    expect(parsed.summary['cut-over']).toBe(0);
    expect(parsed.agents.every((a) => a.agentId == null)).toBe(true);

    sim.clearRequests();
    const again = await cli(['rollback', planPath, '--yes', '--uninstall', ...connection()]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('Nothing to roll back');
    expect(sim.requests).toEqual([]);
  });

  it('no token in any output or in the journal', async () => {
    const journal = await readFile(journalPathFor(planPath), 'utf8');
    const tokens = [...fx.tokens.map((t) => t.token), ...world.clusters.map((k) => k.token)];
    const everything = [journal, ...outputs.flatMap((o) => [o.stdout, o.stderr])].join('\n');
    expect(outputs.length).toBeGreaterThan(8);
    expect(tokens.filter((t) => everything.includes(t))).toEqual([]);
    expect(everything).not.toMatch(/glagent-[A-Za-z0-9_-]{20}/);
  });
});
