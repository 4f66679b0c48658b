// @module-tag slow
// Two applies on one plan, and Ctrl-C: the second apply is kept out with one clear line, a stale
// lock is taken over, and SIGINT stops cleanly (exit 130, journal whole), after which a re-run
// finishes the job.
import { spawn } from 'node:child_process';
import { access, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalPathFor, loadJournal } from '../../src/apply/journal.js';
import { lockPathFor } from '../../src/apply/lock.js';
import { demoFixtureWithFixedCi } from '../helpers/gitlab.js';
import { binPath, isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const AGENT = 'data/ml/demand-forecast:forecast-staging';
let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

/** apply as a child we can signal, with its stderr as it comes. */
function startApply(w: World, plan: string) {
  const child = spawn(process.execPath, [binPath, 'apply', plan, '--yes', '--only', AGENT], {
    env: { ...process.env, ...w.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const waitFor = async (pattern: RegExp) => {
    for (let t = 0; !pattern.test(stderr); t += 25) {
      if (t > 20_000) throw new Error(`no ${pattern} in:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, exited, waitFor, stderr: () => stderr };
}

async function slowWorld() {
  // agentk takes 4 s to roll out: long enough to act while apply waits for it
  const w = await startWorld(demoFixtureWithFixedCi(), { rolloutDelayMs: 4_000 });
  const plan = join(w.dir, 'plan.json');
  expect(
    (await runCli(['plan', '--out', plan, '--no-ci-audit', '--format', 'json'], w.env)).code,
  ).toBe(0);
  return { w, plan };
}

describe('one apply per plan', () => {
  it('a second apply on the same plan is kept out with one clear line', async () => {
    const { w, plan } = await slowWorld();
    world = w;
    const first = startApply(w, plan);
    await first.waitFor(/install-agentk/);
    const second = await runCli(['apply', plan, '--yes', '--only', AGENT], w.env);
    expect(second.code).toBe(1);
    expect(isOneClearLine(second.stderr), second.stderr).toBe(true);
    expect(second.stderr).toMatch(
      new RegExp(
        `apply \\(pid ${first.child.pid} on ${hostname()}, since .*\\) is working on this plan: .*\\.lock is held\\. Wait for it to finish`,
      ),
    );
    expect([0, 3]).toContain(await first.exited);
    await expect(access(lockPathFor(journalPathFor(plan)))).rejects.toThrow(/ENOENT/);
  });

  it('a lock left by a process that is gone is taken over', async () => {
    const { w, plan } = await slowWorld();
    world = w;
    await writeFile(
      lockPathFor(journalPathFor(plan)),
      JSON.stringify({
        pid: 2 ** 22 + 17,
        host: hostname(),
        startedAt: '2026-01-01T00:00:00Z',
        command: 'apply',
      }),
    );
    const r = await runCli(['apply', plan, '--yes', '--only', AGENT], w.env);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('Ctrl-C during apply', () => {
  it('stops cleanly with exit 130 and a whole journal; a re-run finishes the job', async () => {
    const { w, plan } = await slowWorld();
    world = w;
    const run = startApply(w, plan);
    await run.waitFor(/install-agentk —/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toMatch(/Interrupted: finishing the requests in flight/);
    expect(run.stderr()).toMatch(/wait-connection — interrupted/);
    expect(run.stderr().trimEnd().split('\n').at(-1)).toBe(
      'Interrupted; run apply again to resume.',
    );
    const journal = (await loadJournal(journalPathFor(plan)))!;
    expect(journal.agents.map((a) => a.ref)).toEqual([AGENT]);
    await expect(access(lockPathFor(journalPathFor(plan)))).rejects.toThrow(/ENOENT/);
    const again = await runCli(['apply', plan, '--yes', '--only', AGENT], w.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/register-agent — agent forecast-staging is registered/);
  });
});
