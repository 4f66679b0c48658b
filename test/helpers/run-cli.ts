// Runs the built CLI (bin/ → dist/) as a child process, the way a user does.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../bin/migrate-clusters.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  // A clean environment: no GitLab settings leak in from the machine running the tests.
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(GITLAB_|CI_SERVER_URL|FORCE_COLOR|NO_COLOR)/.test(k),
    ),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath, ...args],
      { env: { ...base, ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A failure report the way the ground rules want it: one line, starting with "error:", no stack. */
export function isOneClearLine(stderr: string): boolean {
  const lines = stderr.trim().split('\n');
  return lines.length === 1 && lines[0]!.startsWith('error: ') && !/\bat .+:\d+:\d+/.test(stderr);
}

/**
 * Runs the built CLI with its stdout somewhere other than a pipe to the test: an open file
 * descriptor (a file on a full disk, /dev/full, a descriptor open for reading only), or a pipe
 * whose reader has gone away ('closed-pipe').
 */
export function runCliWithStdout(
  args: string[],
  stdout: number | 'closed-pipe',
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(GITLAB_|CI_SERVER_URL|FORCE_COLOR|NO_COLOR)/.test(k),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      env: { ...base, ...env },
      stdio: ['ignore', stdout === 'closed-pipe' ? 'pipe' : stdout, 'pipe'],
      timeout: 60_000,
    });
    // the reader goes away before the CLI writes anything: its writes meet EPIPE
    if (stdout === 'closed-pipe') child.stdout?.destroy();
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: '', stderr }));
  });
}
