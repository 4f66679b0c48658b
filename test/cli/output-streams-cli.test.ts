// @module-tag slow
// Where the results go, through the built CLI: a failed write to stdout (a full disk, /dev/full, a
// descriptor not open for writing) fails the command with one line and exit 1 instead of a
// truncated result and exit 0 or a stack trace; a reader that goes away (`| head`) ends it quietly;
// and `--report-dir` on a disk that fills up keeps the old reports whole.
import { openSync, closeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, runCliWithStdout, type CliResult } from '../helpers/run-cli.js';
import { SMALL_DISK_SKIP, smallDisk } from '../helpers/small-disk.js';

const PLAN = ['plan', '--demo', '--format', 'json'];

/** stderr of a failed write: the demo's own note, then exactly one error line and no stack. */
function failedWrite(r: CliResult, code: string): void {
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toEqual([
    expect.stringMatching(
      new RegExp(
        `^error: Cannot write the output to stdout: .*\\(${code}\\); the output is missing or incomplete\\.`,
      ),
    ),
  ]);
  expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  expect(r.stderr).not.toContain('internal error');
}

async function withFd<T>(path: string, flags: string, run: (fd: number) => Promise<T>) {
  const fd = openSync(path, flags);
  try {
    return await run(fd);
  } finally {
    closeSync(fd);
  }
}

describe('a file that cannot be written, in plain words', () => {
  it.each([
    ['.', 'Cannot write .: it is a directory.', 'such as plan.json'],
    [
      '/etc/passwd/plan.json',
      'Cannot write /etc/passwd/plan.json: /etc/passwd is a file, not a directory.',
      '',
    ],
  ])('--out %s', async (out, line, hint) => {
    const r = await runCli(['plan', '--demo', '--out', out]);
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([expect.stringContaining(line)]);
    expect(errors[0]).toContain(hint);
    expect(r.stderr).not.toMatch(/EBUSY|EEXIST|ENOTDIR|internal error/);
  });
});

// Node's recursive mkdir never returns under procfs (files.ts: makeDirectories); these must end.
describe.skipIf(process.platform !== 'linux')('a folder under /proc: one line, at once', () => {
  it.each([
    [
      ['plan', '--demo', '--out', '/proc/x/plan.json'],
      'Cannot write /proc/x/plan.json: no file can be created there (ENOENT).',
    ],
    [
      ['plan', '--demo', '--report-dir', '/proc/x'],
      'Cannot write the reports to /proc/x: no file can be created there',
    ],
    [
      ['plan', '--demo', '--report-dir', '/proc/x/y'],
      'Cannot write the reports to /proc/x/y: no file can be created there',
    ],
    [
      ['apply', '--demo', '--yes', '--install', 'manifests', '--out-dir', '/proc/x'],
      '--out-dir /proc/x cannot be written: no file can be created there (ENOENT).',
    ],
  ])('%j', async (args, line) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([expect.stringContaining(line)]);
  });
});

describe('--out with --report-dir: both or neither', () => {
  const blocked = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-both-'));
    // a report folder under a file cannot be made, by root either
    await writeFile(join(dir, 'a-file'), 'x');
    return { dir, reports: join(dir, 'a-file', 'reports') };
  };

  it('a new plan file is removed when the reports cannot be written', async () => {
    const { dir, reports } = await blocked();
    const out = join(dir, 'ok.json');
    const r = await runCli(['plan', '--demo', '--out', out, '--report-dir', reports]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /Cannot write the reports to .*a-file is a file, not a directory.*ok\.json is as it was before, too\./,
    );
    expect((await readdir(dir)).sort()).toEqual(['a-file']);
  });

  it('an old plan file comes back as it was', async () => {
    const { dir, reports } = await blocked();
    const out = join(dir, 'ok.json');
    await writeFile(out, '{"old": true}\n', { mode: 0o600 });
    const r = await runCli(['plan', '--demo', '--out', out, '--report-dir', reports]);
    expect(r.code).toBe(1);
    expect(await readFile(out, 'utf8')).toBe('{"old": true}\n');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['a-file', 'ok.json']);
  });
});

describe('a failed write to stdout', () => {
  it.skipIf(process.platform !== 'linux')(
    'to /dev/full (ENOSPC) fails with one line and exit 1',
    async () => {
      failedWrite(await withFd('/dev/full', 'w', (fd) => runCliWithStdout(PLAN, fd)), 'ENOSPC');
    },
  );

  it('to a descriptor open for reading only (EBADF) fails with one line and exit 1', async () => {
    failedWrite(await withFd('/dev/null', 'r', (fd) => runCliWithStdout(PLAN, fd)), 'EBADF');
  });

  it('to a pipe whose reader went away (EPIPE) ends quietly, as other CLIs do', async () => {
    const r = await runCliWithStdout([...PLAN, '--detailed-exitcode'], 'closed-pipe');
    // the command's own answer (2: work pending), and nothing said about the pipe
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/error|EPIPE|at .+:\d+:\d+/);
  });

  it('still writes the whole result when stdout is fine', async () => {
    const r = await runCli(PLAN);
    expect(r.code, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });
});

const disk = smallDisk(512);
afterAll(() => disk?.close());

describe.skipIf(disk == null)(
  `on a disk that fills up (${disk ? 'tmpfs' : SMALL_DISK_SKIP})`,
  () => {
    it('`plan --format json > file` fails with one line and exit 1 when the disk is full half-way', async () => {
      const file = join(disk!.dir, 'plan-stdout.json');
      await disk!.fillLeaving(24 * 1024);
      const r = await withFd(file, 'w', (fd) => runCliWithStdout(PLAN, fd));
      failedWrite(r, 'ENOSPC');
      expect((await stat(file)).size).toBeLessThan(30 * 1024);
    });

    it('--report-dir keeps the old reports whole when the new ones do not fit', async () => {
      await disk!.empty();
      const dir = join(disk!.dir, 'reports');
      const first = await runCli([...PLAN, '--report-dir', dir]);
      expect(first.code, first.stderr).toBe(0);
      const names = (await readdir(dir)).sort();
      expect(names).toEqual(['plan.json', 'plan.junit.xml', 'plan.md', 'plan.txt']);
      const before = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')));
      // room for plan.json again, not for the whole set
      await disk!.fillLeaving(100 * 1024);
      const second = await runCli([...PLAN, '--report-dir', dir]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        /error: Cannot write the reports to .*reports: no space left on the device \(ENOSPC\); nothing there was changed\./,
      );
      expect((await readdir(dir)).sort()).toEqual(names);
      expect(await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).toEqual(before);
      expect((await readdir(disk!.dir)).filter((e) => !e.startsWith('.filler'))).toEqual([
        'reports',
      ]);
    });
  },
);
