// Runs the built CLI as its own process for the benchmarks: wall time, exit code, stderr and the
// process's peak resident set, which a preloaded module prints as the process exits.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/migrate-clusters.js', import.meta.url));
const REPORT_RSS =
  process.env.BENCH_PRELOAD ??
  `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nbench-maxrss='+process.resourceUsage().maxRSS+'\\n'))`;

export interface CliRun {
  code: number;
  seconds: number;
  peakRssMb: number;
  stderr: string;
}

/** stdout is drained and dropped: a JSON plan on a pipe is rendered and written as a user's would be. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
  /** keep stdout here instead of dropping it */
  stdoutFile?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, '--import', REPORT_RSS, CLI, ...args], {
      env: { ...process.env, ...env, NO_COLOR: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const kept = stdoutFile ? child.stdout.pipe(createWriteStream(stdoutFile)) : null;
    if (!kept) child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const rss = /bench-maxrss=(\d+)/.exec(stderr);
      const run = {
        code: code ?? 1,
        seconds,
        peakRssMb: rss ? Number(rss[1]) / 1024 : NaN,
        stderr,
      };
      if (!kept || kept.writableFinished) resolve(run);
      else kept.once('finish', () => resolve(run));
    });
  });
}
