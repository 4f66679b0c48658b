// Writing files without leaving anything half-done, on real files in a temporary folder: a replaced
// file keeps its mode, and a set of reports is replaced as a whole or not at all — when a report's
// name is taken by a folder, or (on a real tmpfs that fills up) the disk is full half-way, the old
// set stays exactly as it was and no temporary file is left behind.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { writeFileAtomic, writeFileSetAtomic, type OutputFile } from '../../src/files.js';
import { SMALL_DISK_SKIP, smallDisk } from '../helpers/small-disk.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mc-report-set-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
const folder = () => join(root, `case-${++n}`);

const set = (version: string, size = 10): OutputFile[] =>
  ['plan.json', 'plan.md', 'plan.junit.xml', 'plan.txt'].map((name) => ({
    name,
    content: `${name} ${version}\n${'x'.repeat(size)}`,
  }));

const mode = async (path: string) => (await stat(path)).mode & 0o777;

/** name -> content, for every entry of `dir` (folders as "<dir>"). */
async function contents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true }))
    out[e.name] = e.isFile() ? await readFile(join(dir, e.name), 'utf8') : '<dir>';
  return out;
}

const asRecord = (files: OutputFile[]) => Object.fromEntries(files.map((f) => [f.name, f.content]));

/** The UserError `promise` rejects with, one line. */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => new Error('expected a UserError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain('\n');
  return error as UserError;
}

describe('writeFileAtomic', () => {
  it('keeps the mode of the file it replaces (0600 stays 0600), and leaves no temporary file', async () => {
    const dir = folder();
    await mkdir(dir);
    const file = join(dir, 'plan.json');
    await writeFile(file, 'old');
    await chmod(file, 0o600);
    await writeFileAtomic(file, 'new');
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(await mode(file)).toBe(0o600);
    await chmod(file, 0o640);
    await writeFileAtomic(file, 'newer');
    expect(await mode(file)).toBe(0o640);
    expect(await readdir(dir)).toEqual(['plan.json']);
  });

  it('makes a new file readable by others (0644 less the umask)', async () => {
    const file = join(folder(), 'new.json');
    await writeFileAtomic(file, '{}');
    const umask = process.umask();
    expect(await mode(file)).toBe(0o644 & ~umask);
  });

  it('fails with one line when the path is a folder, leaving it as it was', async () => {
    const dir = folder();
    await mkdir(join(dir, 'plan.json'), { recursive: true });
    const error = await userError(writeFileAtomic(join(dir, 'plan.json'), 'x'));
    expect(error.message).toMatch(/^Cannot write .*plan\.json: it is a directory\.$/);
    expect(await contents(dir)).toEqual({ 'plan.json': '<dir>' });
  });
});

describe('writeFileSetAtomic', () => {
  it('writes a new folder of reports, with nothing left beside it', async () => {
    const dir = folder();
    await writeFileSetAtomic(dir, set('v1'));
    expect(await contents(dir)).toEqual(asRecord(set('v1')));
    expect((await readdir(root)).filter((e) => e.startsWith(`.case-${n}`))).toEqual([]);
  });

  it('replaces the old set as a whole, keeping the modes of the files and of the folder', async () => {
    const dir = folder();
    await writeFileSetAtomic(dir, set('v1'));
    await chmod(join(dir, 'plan.json'), 0o600);
    await chmod(dir, 0o750);
    await writeFileSetAtomic(dir, set('v2'));
    expect(await contents(dir)).toEqual(asRecord(set('v2')));
    expect(await mode(join(dir, 'plan.json'))).toBe(0o600);
    expect(await mode(join(dir, 'plan.md'))).toBe(0o644 & ~process.umask());
    expect(await mode(dir)).toBe(0o750);
    expect((await readdir(root)).filter((e) => e.startsWith(`.case-${n}`))).toEqual([]);
  });

  it('leaves the old set untouched when a report cannot be put in place (its name is a folder)', async () => {
    const dir = folder();
    await writeFileSetAtomic(dir, set('v1'));
    await chmod(join(dir, 'plan.json'), 0o600);
    // plan.md is a folder now: the new set cannot be whole
    await rm(join(dir, 'plan.md'));
    await mkdir(join(dir, 'plan.md'));
    const before = await contents(dir);
    const error = await userError(writeFileSetAtomic(dir, set('v2')));
    expect(error.message).toMatch(
      /^Cannot write the reports to .*: it is a directory \(EISDIR\); nothing there was changed\.$/,
    );
    expect(await contents(dir)).toEqual(before);
    expect(before['plan.json']).toBe(asRecord(set('v1'))['plan.json']);
    expect(await mode(join(dir, 'plan.json'))).toBe(0o600);
    expect((await readdir(root)).filter((e) => e.startsWith(`.case-${n}`))).toEqual([]);
  });

  it('in a folder that holds other files too, replaces only the set and keeps the rest', async () => {
    const dir = folder();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeFileSetAtomic(dir, set('v1'));
    await writeFileSetAtomic(dir, set('v2'));
    expect(await contents(dir)).toEqual({ ...asRecord(set('v2')), 'notes.txt': 'mine' });
    // and a failure there puts back what it had replaced
    await rm(join(dir, 'plan.txt'));
    await mkdir(join(dir, 'plan.txt'));
    const before = await contents(dir);
    await userError(writeFileSetAtomic(dir, set('v3')));
    expect(await contents(dir)).toEqual(before);
  });

  const disk = smallDisk(512);
  afterAll(() => disk?.close());
  it.skipIf(disk == null)(
    `leaves the old set untouched when the disk fills up half-way (${disk ? 'tmpfs' : SMALL_DISK_SKIP})`,
    async () => {
      const dir = join(disk!.dir, 'reports');
      const old = set('v1', 30_000);
      await writeFileSetAtomic(dir, old);
      // room for about two of the new reports, not four
      await disk!.fillLeaving(70_000);
      const error = await userError(writeFileSetAtomic(dir, set('v2', 30_000)));
      expect(error.message).toContain('ENOSPC');
      expect(await contents(dir)).toEqual(asRecord(old));
      expect((await readdir(disk!.dir)).filter((e) => !e.startsWith('.filler'))).toEqual([
        'reports',
      ]);
    },
  );
});
