// The plan benchmark: the built CLI's `inventory --json` (discovery alone, the baseline) and
// `plan --out plan.json` with its JSON on stdout, against the same generated instance in the same
// run. Prints the ratio of their times, the calls plan makes beyond discovery against the
// fewest that can tell it what exists, and both processes' peak RSS. The CI audit reads every
// project a migrating cluster reaches, so it is measured in its own column. A throttled row
// shows plan under GitLab.com's API rate limit: time against calls ÷ the allowed rate.
// Asserts nothing about wall-clock time.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Inventory } from '../discovery/types.js';
import { buildPlan } from '../plan/build-plan.js';
import { emptyLiveState } from '../plan/live-state.js';
import { defaultPlanOptions } from '../plan/options.js';
import { runCli } from './run-cli.js';
import type { SimulatorStats } from './simulator-process.js';

interface Ready {
  url: string;
  token: string;
}

interface Measured {
  seconds: number;
  peakRssMb: number;
  stats: SimulatorStats;
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

async function startInstance(
  projects: number,
  latencyMs: number,
  perMinute: number,
): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(fileURLToPath(new URL('./simulator-process.js', import.meta.url)), [
    String(projects),
    String(latencyMs),
    '17.11.2-ee',
    String(perMinute),
  ]);
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { child, ready };
}

async function measure(
  child: ChildProcess,
  ready: Ready,
  args: string[],
  stdoutFile?: string,
): Promise<Measured> {
  await ask(child, 'clear');
  const run = await runCli(
    args,
    { GITLAB_URL: ready.url, GITLAB_TOKEN: ready.token },
    [],
    stdoutFile,
  );
  if (run.code !== 0) throw new Error(`${args.join(' ')} exited ${run.code}:\n${run.stderr}`);
  const stats = await ask<SimulatorStats>(child, 'stats');
  return { seconds: run.seconds, peakRssMb: run.peakRssMb, stats };
}

/** The fewest REST reads that tell plan what exists: each agent project once, and for those that
 * exist their agents and their `.gitlab/agents` folder. GraphQL asks several projects at once. */
function minimumLiveCalls(plan: { agents: { project: string; createProject: boolean }[] }): number {
  const projects = new Map(plan.agents.map((a) => [a.project.toLowerCase(), a.createProject]));
  return [...projects.values()].reduce((sum, create) => sum + (create ? 1 : 3), 0);
}

/** The pure mapper alone on the inventory `inventory --json` printed: the median of five runs. */
async function timeBuildPlan(inventoryFile: string): Promise<number> {
  const inventory = JSON.parse(await readFile(inventoryFile, 'utf8')) as Inventory;
  const options = { ...defaultPlanOptions(), now: () => new Date(0) };
  const times: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const start = performance.now();
    buildPlan(inventory, emptyLiveState(), options);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[2]!;
}

const cell = (cells: (string | number)[]) =>
  console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 10 : 12)).join(''));

function printRoutes(title: string, routes: Record<string, number>): void {
  console.log(`  ${title}:`);
  for (const [key, n] of Object.entries(routes).sort((a, b) => b[1] - a[1]))
    console.log(`    ${String(n).padStart(7)}  ${key}`);
}

function minus(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(a)) if (n - (b[k] ?? 0) > 0) out[k] = n - (b[k] ?? 0);
  return out;
}

export interface PlanBenchOptions {
  latencyMs: number;
  /** the largest size whose plan is also run with the CI audit */
  auditMax: number;
  /** projects of the instance behind the rate limit (0: no throttled row) */
  throttledSize: number;
  perMinute: number;
}

export async function runPlanBench(sizes: number[], options: PlanBenchOptions): Promise<void> {
  console.log(
    `Plan benchmark: ${options.latencyMs} ms latency per request, concurrency 8; inventory --json is the baseline, measured in the same run\n`,
  );
  cell([
    'projects',
    'inventory s',
    'plan s',
    'plan/inv',
    'disc calls',
    'live calls',
    'live/disc',
    'REST min',
    'audit calls',
    'inv RSS MB',
    'plan RSS MB',
    'buildPlan ms',
  ]);
  const dir = await mkdtemp(join(tmpdir(), 'mc-bench-plan-'));
  try {
    for (const size of sizes) {
      const { child, ready } = await startInstance(size, options.latencyMs, 0);
      try {
        const out = join(dir, `plan-${size}.json`);
        const inventoryFile = join(dir, `inventory-${size}.json`);
        const inventory = await measure(child, ready, ['inventory', '--json'], inventoryFile);
        const mapping = await timeBuildPlan(inventoryFile);
        const plan = await measure(child, ready, ['plan', '--no-ci-audit', '--out', out]);
        // The audit reads every project in a migrating cluster's reach (all of them, under an
        // instance cluster): its calls follow the projects, so it is measured up to auditMax.
        const audited =
          size <= options.auditMax ? await measure(child, ready, ['plan', '--out', out]) : null;
        const planned = JSON.parse(await readFile(out, 'utf8')) as Parameters<
          typeof minimumLiveCalls
        >[0];
        const live = plan.stats.calls - inventory.stats.calls;
        cell([
          size,
          inventory.seconds.toFixed(2),
          plan.seconds.toFixed(2),
          `${(plan.seconds / inventory.seconds).toFixed(2)}x`,
          inventory.stats.calls,
          live,
          `${(live / inventory.stats.calls).toFixed(2)}x`,
          minimumLiveCalls(planned),
          audited ? audited.stats.calls - plan.stats.calls : '-',
          inventory.peakRssMb.toFixed(0),
          plan.peakRssMb.toFixed(0),
          mapping.toFixed(0),
        ]);
        if (process.env.BENCH_VERBOSE)
          printRoutes(
            `calls plan makes beyond discovery, ${size} projects`,
            minus(plan.stats.routes, inventory.stats.routes),
          );
      } finally {
        child.disconnect();
      }
    }
    if (options.throttledSize > 0) await throttledRow(dir, options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log('');
}

async function throttledRow(dir: string, options: PlanBenchOptions): Promise<void> {
  const { child, ready } = await startInstance(
    options.throttledSize,
    options.latencyMs,
    options.perMinute,
  );
  try {
    const started = Date.now();
    const plan = await measure(child, ready, [
      'plan',
      '--no-ci-audit',
      '--out',
      join(dir, 'throttled.json'),
    ]);
    // GitLab's throttle counts per fixed window (Rack::Attack: the minute on the clock, faults.ts).
    // N calls need ceil(N / limit) windows, so the fastest a client can be is to reach the last of
    // them: the window boundaries it must wait for, less the part of the first already gone.
    const windows = Math.ceil(plan.stats.calls / options.perMinute);
    const bound = Math.max(0, (windows - 1) * 60 - (started % 60_000) / 1000);
    console.log(
      `\nUnder a rate limit of ${options.perMinute} requests/min (${options.throttledSize} projects, plan --no-ci-audit):`,
    );
    console.log(
      `  ${plan.stats.calls} calls in ${plan.seconds.toFixed(1)} s, ${windows} windows of the limit: the limit allows them in no less than ${bound.toFixed(1)} s, so ${((bound / plan.seconds) * 100).toFixed(0)}% of the allowed rate; ${plan.stats.throttled} answered 429 (retried after Retry-After), ${plan.stats.failed} failed`,
    );
  } finally {
    child.disconnect();
  }
}
