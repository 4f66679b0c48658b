// @module-tag slow
// Kube credentials from exec plugins, through the built CLI: the demo instance's clusters are
// reached through a kubeconfig whose users run real exec credential plugins (relative commands,
// resolved beside the kubeconfig, from another working directory), and the simulated API servers
// echo request headers, Authorization included, in their errors. The token never appears in stdout,
// stderr or any file the CLI writes; and the install converges under transient kube faults.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execKubeconfig, writePlugin } from '../helpers/exec-plugin.js';
import { demoFixture } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

let world: World;
let creds: string;
let env: Record<string, string>;
let plan: string;
const outputs: string[] = [];

const cli = async (args: string[]) => {
  const result = await runCli(args, env);
  outputs.push(result.stdout, result.stderr);
  return result;
};

/** Every file under `dir`, recursively, as text, but `except` (the test's own). */
async function filesUnder(dir: string, except: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    if (entry.isFile() && !except.includes(file)) out.push(await readFile(file, 'utf8'));
  }
  return out;
}

beforeAll(async () => {
  world = await startWorld(demoFixture());
  creds = await mkdtemp(join(tmpdir(), 'mc-exec-creds-'));
  // one plugin per cluster, each printing that cluster's token, named relative to the kubeconfig
  const contexts = [];
  for (const [i, cluster] of world.clusters.entries()) {
    await writePlugin(join(creds, 'bin'), `plugin-${i + 1}.sh`, cluster.token);
    contexts.push({
      context: `cluster-${i + 1}`,
      server: cluster.url,
      command: `./bin/plugin-${i + 1}.sh`,
    });
  }
  const kubeconfig = join(creds, 'kubeconfig');
  await writeFile(kubeconfig, execKubeconfig(contexts), { mode: 0o600 });
  env = { ...world.env, KUBECONFIG: kubeconfig };
  plan = join(world.dir, 'plan.json');
}, 60_000);
afterAll(async () => {
  await world.close();
  await rm(creds, { recursive: true, force: true });
});

describe('exec plugin credentials through the built CLI', () => {
  it('prints an API server error that echoes the Authorization header with the token hidden', async () => {
    expect((await cli(['plan', '--out', plan, '--format', 'json'])).code).toBe(0);
    const planned = JSON.parse(await readFile(plan, 'utf8')) as { agents: { ref: string }[] };
    for (const cluster of world.clusters) {
      cluster.setEchoRequestHeaders(true);
      cluster.setFaults({ errorEvery: 1, pathPattern: 'selfsubjectaccessreviews' });
    }
    const r = await cli(['apply', plan, '--yes', '--only', planned.agents[0]!.ref]);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toContain('request headers');
    expect(r.stderr).toContain('"Authorization":["Bearer [REDACTED]"]');
    // POST /ci/lint validates a configuration and stores nothing (lib/api/lint.rb)
    expect(world.mutations().filter((m) => !m.endsWith('/ci/lint'))).toEqual([]);
  });

  it('installs every agent under 2% transient kube faults (5xx, 429, lost answers) in one run', async () => {
    for (const [i, cluster] of world.clusters.entries())
      cluster.setFaults({
        random: {
          seed: 100 + i,
          errorRate: 0.01,
          rateLimitRate: 0.005,
          loseAnswerRate: 0.005,
          loseAnswerModes: ['bad-gateway', 'reset'],
        },
      });
    const r = await cli(['apply', plan, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0 failed/);
    for (const cluster of world.clusters) cluster.setFaults(null);
  });

  it('leaves no token in any output or file the CLI wrote', async () => {
    // the world's own static-token kubeconfig is the test's, not the CLI's
    const files = await filesUnder(world.dir, [world.kubeconfig]);
    expect(files.length).toBeGreaterThan(1);
    const tokens = world.clusters.map((k) => k.token);
    for (const text of [...outputs, ...files])
      for (const token of tokens) expect(text.includes(token)).toBe(false);
  });
});
