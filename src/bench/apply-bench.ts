// The apply benchmark: the built CLI plans and applies a generated instance (GitLab latency per
// request, a simulated rollout per agentk), once with --parallel 1 as the baseline and once with
// the default, in the same run. Prints time, GitLab calls and kube requests per agent, commits per
// config project and the apply process's peak RSS. Asserts nothing about wall-clock time.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorldReady, WorldStats } from './apply-world-process.js';
import { runCli } from './run-cli.js';

interface ApplyRun {
  seconds: number;
  exitCode: number;
  peakRssMb: number;
  stats: WorldStats;
  /** the end of the apply's stderr (what a BENCH_PRELOAD module printed) */
  stderrTail: string;
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

async function startWorld(
  agents: number,
  latencyMs: number,
  rolloutMs: number,
  dir: string,
): Promise<{ child: ChildProcess; ready: WorldReady }> {
  const child = fork(fileURLToPath(new URL('./apply-world-process.js', import.meta.url)), [
    String(agents),
    String(latencyMs),
    String(rolloutMs),
    dir,
  ]);
  const ready = await new Promise<WorldReady>((resolve, reject) => {
    child.once('message', (m) => resolve(m as WorldReady));
    child.once('exit', (code) => reject(new Error(`the bench world exited with ${code}`)));
  });
  return { child, ready };
}

/** Plans a fresh instance of `agents` agents, then applies the plan with `--parallel parallel`. */
export async function measureApply(
  agents: number,
  parallel: number,
  latencyMs: number,
  rolloutMs: number,
  nodeArgs: string[] = [],
): Promise<ApplyRun> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-apply-'));
  const { child, ready } = await startWorld(agents, latencyMs, rolloutMs, dir);
  try {
    const env = { GITLAB_URL: ready.url, GITLAB_TOKEN: ready.token, KUBECONFIG: ready.kubeconfig };
    const plan = join(dir, 'plan.json');
    const planned = await runCli(['plan', '--out', plan, '--format', 'table'], env);
    if (planned.code !== 0) throw new Error(`plan failed:\n${planned.stderr}`);
    await ask(child, 'clear');
    const applied = await runCli(
      ['apply', plan, '--yes', '--parallel', String(parallel), '--out-dir', join(dir, 'out')],
      env,
      nodeArgs,
    );
    if (applied.code !== 0)
      throw new Error(`apply --parallel ${parallel} exited ${applied.code}:\n${applied.stderr}`);
    const stats = await ask<WorldStats>(child, 'stats');
    return {
      seconds: applied.seconds,
      exitCode: applied.code,
      peakRssMb: applied.peakRssMb,
      stats,
      stderrTail: applied.stderr.slice(-300),
    };
  } finally {
    child.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

const cell = (cells: (string | number)[]) =>
  console.log(cells.map((c, i) => String(c).padEnd(i === 1 ? 20 : 13)).join(''));

export async function runApplyBench(
  sizes: number[],
  options: { latencyMs: number; rolloutMs: number; parallel: number },
): Promise<void> {
  console.log(
    `Apply benchmark: ${options.latencyMs} ms GitLab latency, ${options.rolloutMs} ms rollout per agentk, --parallel ${options.parallel} against --parallel 1\n`,
  );
  cell([
    'agents',
    'parallel',
    'seconds',
    'speed-up',
    'GitLab/agent',
    'kube/agent',
    'commits/proj',
    'peak RSS MB',
  ]);
  for (const agents of sizes) {
    const baseline = await measureApply(agents, 1, options.latencyMs, options.rolloutMs);
    const parallel = await measureApply(
      agents,
      options.parallel,
      options.latencyMs,
      options.rolloutMs,
    );
    // The same run with V8's old space held to 96 MB: RSS then shows the memory apply needs,
    // not the garbage V8 leaves uncollected while there is room.
    const capped = await measureApply(
      agents,
      options.parallel,
      options.latencyMs,
      options.rolloutMs,
      ['--max-old-space-size=96'],
    );
    for (const [n, run] of [
      ['1', baseline],
      [String(options.parallel), parallel],
      [`${options.parallel}, heap 96 MB`, capped],
    ] as const) {
      const commits = Object.values(run.stats.commitsPerProject);
      cell([
        agents,
        n,
        run.seconds.toFixed(1),
        `${(baseline.seconds / run.seconds).toFixed(1)}x`,
        (run.stats.gitlabCalls / agents).toFixed(1),
        (run.stats.kubeRequests / agents).toFixed(1),
        commits.length === 0 ? '0' : `${Math.max(...commits)} (${commits.length} proj)`,
        run.peakRssMb.toFixed(0),
      ]);
      if (process.env.BENCH_VERBOSE) printRoutes(agents, n, run.stats.gitlabRoutes);
    }
  }
  console.log('');
}

function printRoutes(agents: number, parallel: string, routes: Record<string, number>): void {
  console.log(`  GitLab calls per agent, ${agents} agents, --parallel ${parallel}:`);
  for (const [key, n] of Object.entries(routes).sort((a, b) => b[1] - a[1]))
    console.log(`    ${(n / agents).toFixed(2).padStart(6)}  ${key}`);
}
