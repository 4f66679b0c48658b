// @module-tag slow
// apply killed with SIGKILL after each step in turn, then run again, always converges: one agent,
// at most two active tokens, the installed token connected, variables set once, the old clusters
// off, and no token in any output or file.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverInventory } from '../../src/discovery/discover.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import { writeFileAtomic } from '../../src/files.js';
import { demoFixture, testClient } from '../helpers/gitlab.js';
import { binPath, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const AGENT = 'payments/gitlab-agents:staging';
const fixture = demoFixture();

async function planFor(world: World): Promise<{ path: string; plan: Plan }> {
  const client = testClient(world.gitlab.url, world.token);
  const inventory = await discoverInventory(client);
  const plan = await computePlan(client, inventory, defaultPlanOptions());
  const path = join(world.dir, 'plan.json');
  await writeFileAtomic(path, renderPlanJson(plan));
  return { path, plan };
}

/** Runs apply and SIGKILLs it once it has reported `afterSteps` steps; resolves with its output. */
function applyKilledAfter(world: World, planPath: string, afterSteps: number) {
  return new Promise<{ output: string; killed: boolean }>((resolve) => {
    const child = spawn(
      process.execPath,
      [binPath, 'apply', planPath, '--yes', '--only', AGENT, '--disable-old-clusters'],
      { env: { ...process.env, ...world.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let steps = 0;
    let killed = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      steps = output.split('\n').filter((l) => /^[✔=↓!✖] \S+\/[a-z-]+/.test(l)).length;
      if (!killed && steps >= afterSteps) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', () => resolve({ output, killed }));
  });
}

describe('apply killed after each step, then run again', () => {
  it('converges every time', async () => {
    const probe = await startWorld(fixture);
    let total: number;
    try {
      const { plan } = await planFor(probe);
      total = plan.steps.filter((s) => s.agent === AGENT).length;
    } finally {
      await probe.close();
    }
    expect(total).toBeGreaterThanOrEqual(8);

    for (let n = 1; n < total; n++) {
      const world = await startWorld(fixture);
      try {
        const { path, plan } = await planFor(world);
        const first = await applyKilledAfter(world, path, n);
        expect(first.killed, `run ${n}: killed`).toBe(true);
        const second = await runCli(
          ['apply', path, '--yes', '--only', AGENT, '--disable-old-clusters'],
          world.env,
        );
        expect(second.code, `after a kill at step ${n}:\n${second.stderr}`).toBe(0);

        const agent = plan.agents.find((a) => a.ref === AGENT)!;
        const project = world.gitlab.state.findProject(agent.project)!;
        const registered = world.gitlab.state.agents
          .forProject(project)
          .filter((a) => a.name === agent.name);
        expect(registered, `run ${n}: one agent`).toHaveLength(1);
        const active = world.gitlab.state.agents.activeTokens(registered[0]!);
        expect(active.length, `run ${n}: active tokens`).toBeLessThanOrEqual(2);
        // tokens this tool created but never installed are revoked once agentk has one
        expect(active.length, `run ${n}: no orphan token`).toBe(1);
        expect(
          active.some((t) => t.lastUsedAt != null),
          `run ${n}: connected`,
        ).toBe(true);
        for (const id of agent.clusterIds) {
          expect(
            world.gitlab.state.clustersById.get(id)!.data.enabled,
            `run ${n}: cluster ${id}`,
          ).toBe(false);
        }
        const variables = agent.ciVariables.map((v) => `${v.owner}:${v.key}:${v.environmentScope}`);
        expect(new Set(variables).size).toBe(variables.length);

        const journal = await readFile(`${path}.state.json`, 'utf8');
        const secrets = [...world.gitlab.state.agents.secrets(), world.token];
        for (const text of [first.output, second.stdout, second.stderr, journal])
          for (const secret of secrets) expect(text.includes(secret)).toBe(false);

        // and rollback --uninstall takes back all of it
        const undo = await runCli(['rollback', path, '--yes', '--uninstall'], world.env);
        expect(undo.code, `rollback after a kill at step ${n}:\n${undo.stderr}`).toBe(0);
        expect(
          world.gitlab.state.agents.forProject(project).filter((a) => a.name === agent.name),
          `run ${n}: agent deleted`,
        ).toEqual([]);
        for (const id of agent.clusterIds)
          expect(world.gitlab.state.clustersById.get(id)!.data.enabled, `run ${n}: on again`).toBe(
            true,
          );
        const left = world.clusters.flatMap((k) =>
          k.objects.list().filter((o) => o.metadata.namespace === agent.namespace),
        );
        expect(left, `run ${n}: agentk uninstalled`).toEqual([]);
      } finally {
        await world.close();
      }
    }
  }, 300_000);
});
