// `npm run bench`: discovery (then apply, apply-bench.ts) against generated instances with per-request latency, compared
// with a naive sequential scan measured in the same run. Prints ratios, API calls against the
// minimum needed, and peak memory; asserts nothing about wall-clock time.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { discoverInventory } from '../discovery/discover.js';
import { createGitLabClient } from '../gitlab/client.js';
import { runApplyBench } from './apply-bench.js';
import { runPlanBench } from './plan-bench.js';
import { naiveScan } from './naive-scan.js';

interface Instance {
  url: string;
  token: string;
  clusterIds: number[];
  groups: number;
  topLevelGroups: number;
  projects: number;
  personalProjects: number;
  groupOwners: number;
}

interface Measured {
  seconds: number;
  calls: number;
  peakHeapMb: number;
  clusterIds: number[];
}

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').filter(Boolean).map(Number);
const PLAN_SIZES = (process.env.BENCH_PLAN_SIZES ?? '1000,10000,50000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const APPLY_SIZES = (process.env.BENCH_APPLY_SIZES ?? '10,50,200')
  .split(',')
  .filter(Boolean)
  .map(Number);
const pages = (n: number) => Math.max(1, Math.ceil(n / 100));

async function startInstance(
  projects: number,
  version: string,
): Promise<{ child: ChildProcess; instance: Instance }> {
  const child = fork(fileURLToPath(new URL('./simulator-process.js', import.meta.url)), [
    String(projects),
    String(LATENCY_MS),
    version,
  ]);
  const instance = await new Promise<Instance>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Instance));
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { child, instance };
}

async function measure(
  run: () => Promise<{ calls: number; clusterIds: number[] }>,
): Promise<Measured> {
  global.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
  const start = process.hrtime.bigint();
  const result = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  return {
    seconds,
    calls: result.calls,
    peakHeapMb: (peak - base) / 1024 / 1024,
    clusterIds: result.clusterIds,
  };
}

function ours(instance: Instance, strategy: 'auto' | 'full-scan') {
  return async () => {
    const client = createGitLabClient({ url: instance.url, token: instance.token, concurrency: 8 });
    const inventory = await discoverInventory(client, { strategy });
    return { calls: client.stats.calls, clusterIds: inventory.clusters.map((c) => c.id) };
  };
}

function check(name: string, measured: Measured, expected: number[]): void {
  if (JSON.stringify(measured.clusterIds) !== JSON.stringify(expected)) {
    throw new Error(
      `${name} found ${measured.clusterIds.length} clusters, expected ${expected.length}`,
    );
  }
}

const row = (cells: (string | number)[]) =>
  console.log(cells.map((c, i) => String(c).padEnd(i === 0 ? 20 : 16)).join(''));

console.log(
  `Discovery benchmark: ${LATENCY_MS} ms latency per request, concurrency 8, sizes ${SIZES.join(', ')}\n`,
);
for (const size of SIZES) {
  const modern = await startInstance(size, '17.11.2-ee');
  const legacy = await startInstance(size, '17.8.0-ee');
  try {
    const i = modern.instance;
    const minimumDiscovery =
      2 +
      pages(i.topLevelGroups) +
      i.topLevelGroups +
      i.groupOwners +
      1 +
      pages(i.projects) +
      i.personalProjects;
    const minimumScan = 2 + pages(i.groups) + i.groups + pages(i.projects) + i.projects + 1;
    const naive = await measure(() => naiveScan(i.url, i.token));
    check('naive scan', naive, i.clusterIds);
    const discovery = await measure(ours(i, 'auto'));
    check('discovery', discovery, i.clusterIds);
    const fallback = await measure(ours(legacy.instance, 'auto'));
    check('full-scan fallback', fallback, legacy.instance.clusterIds);

    console.log(
      `${size} projects, ${i.groups} groups (${i.topLevelGroups} top-level), ${i.clusterIds.length} clusters`,
    );
    row(['strategy', 'seconds', 'speed-up', 'API calls', 'minimum', 'peak heap MB']);
    row([
      'naive sequential',
      naive.seconds.toFixed(2),
      '1.0x',
      naive.calls,
      minimumScan,
      naive.peakHeapMb.toFixed(1),
    ]);
    for (const [name, m, min] of [
      ['discovery API', discovery, minimumDiscovery],
      ['full-scan (17.8)', fallback, minimumScan],
    ] as const) {
      row([
        name,
        m.seconds.toFixed(2),
        `${(naive.seconds / m.seconds).toFixed(1)}x`,
        m.calls,
        min,
        m.peakHeapMb.toFixed(1),
      ]);
    }
    console.log('');
  } finally {
    modern.child.disconnect();
    legacy.child.disconnect();
  }
}

await runPlanBench(PLAN_SIZES, {
  latencyMs: LATENCY_MS,
  auditMax: Number(process.env.BENCH_PLAN_AUDIT_MAX ?? 10000),
  throttledSize: Number(process.env.BENCH_THROTTLED_SIZE ?? 50000),
  perMinute: Number(process.env.BENCH_RATE_LIMIT ?? 2000),
});

await runApplyBench(APPLY_SIZES, {
  latencyMs: LATENCY_MS,
  rolloutMs: Number(process.env.BENCH_ROLLOUT_MS ?? 2000),
  parallel: Number(process.env.BENCH_PARALLEL ?? 10),
});
