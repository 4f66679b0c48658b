// File output that never leaves a half-written file, or a half-replaced set of files, behind:
// write beside, then rename. A replaced file keeps its permissions (and, where this process may
// set it, its owner): a plan or report someone made private stays private.
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';
import { fsProblem } from './fs-words.js';
import { batches } from './pieces.js';

export interface OutputFile {
  name: string;
  content: string;
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns for a path under
 * procfs or sysfs (`/proc/x`: the kernel answers ENOENT for a parent that exists, and libuv
 * retries forever); a plain mkdir there fails at once.
 */
export async function makeDirectories(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (found) break;
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const at of missing)
    await mkdir(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error; // made meanwhile
    });
}

/** A name beside `path` that nothing else uses: the pid, and randomness for calls in one process. */
const besidePath = (path: string, suffix: string) =>
  join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`,
  );

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Gives `file` the permission bits (and owner) of `like`. writeFile's `mode` only applies to a
 * new file and passes through the umask, so a replaced 0600 file would come back 0644.
 */
async function keepModeOf(file: string, like: Stats): Promise<void> {
  await chmod(file, like.mode & 0o7777);
  // Only root may give a file away; anyone may keep their own (EPERM otherwise: left as made).
  if (like.uid !== process.getuid?.() || like.gid !== process.getgid?.())
    await chown(file, like.uid, like.gid).catch(() => undefined);
}

/** Writes `content` to a new file `temporary`, with the mode `existing` has when it exists. */
async function writeNew(
  temporary: string,
  content: string | Iterable<string>,
  existing: Stats | null,
) {
  if (typeof content === 'string') await writeFile(temporary, content, { mode: 0o644, flag: 'wx' });
  else {
    // pieces (a large plan's JSON) a megabyte at a time: never the whole as one buffer
    const file = await open(temporary, 'wx', 0o644);
    try {
      for await (const batch of batches(content, 1 << 20)) {
        const bytes = Buffer.from(batch, 'utf8');
        for (let at = 0; at < bytes.length;) at += (await file.write(bytes, at)).bytesWritten;
      }
    } finally {
      await file.close();
    }
  }
  if (existing?.isFile()) await keepModeOf(temporary, existing);
}

/** `content`: the text, or its pieces in order (made as they are written). */
export async function writeFileAtomic(
  path: string,
  content: string | Iterable<string>,
): Promise<void> {
  const temporary = besidePath(path, 'tmp');
  const existing = await statOrNull(path).catch(() => null);
  if (existing?.isDirectory())
    throw new UserError(`Cannot write ${path}: it is a directory.`, {
      hint: `Give a file name, such as ${join(path, 'plan.json')}.`,
    });
  try {
    await makeDirectories(dirname(path));
    await writeNew(temporary, content, existing);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    writeProblem(path, error);
  }
}

/** A file written that can still be taken back, when what was meant to follow it fails. */
export interface WrittenFile {
  /** puts back the file that was there before (or removes the new one) */
  undo(): Promise<void>;
  /** the write stands: forgets the old file */
  keep(): Promise<void>;
}

/**
 * writeFileAtomic, keeping the old file aside (a hard link: no copy) until keep() or undo(): the
 * plan file and its reports are written all or none.
 */
export async function writeFileUndoable(
  path: string,
  content: string | Iterable<string>,
): Promise<WrittenFile> {
  const present = await lstat(path).catch(() => null);
  const backup = present?.isFile() ? besidePath(path, 'old') : null;
  if (backup) await link(path, backup).catch((error: unknown) => writeProblem(path, error));
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    if (backup) await rm(backup, { force: true }).catch(() => undefined);
    throw error;
  }
  return {
    undo: async () => {
      await (backup ? rename(backup, path) : rm(path, { force: true })).catch(() => undefined);
    },
    keep: async () => {
      if (backup) await rm(backup, { force: true }).catch(() => undefined);
    },
  };
}

function writeProblem(path: string, error: unknown): never {
  throw new UserError(`Cannot write ${path}: ${fsProblem(error, path)}.`, {
    hint: 'Check the directory exists and is writable.',
    cause: error,
  });
}

/**
 * Writes `files` into the folder `dir` as one set: afterwards the folder holds all of the new
 * files, or — when anything failed (a full disk half-way through, a name that is a directory) —
 * the old set exactly as it was. Readers (a CI artifact upload, a browser) never see a new
 * plan.json beside an old plan.md.
 *
 * A folder that holds nothing but files of this set (or does not exist yet) is replaced as a
 * whole: the new set is written into a folder beside it, which then takes its place by rename.
 * A folder that holds anything else (`--report-dir .`) cannot be swapped away: each new file is
 * written beside its old one first, and only once all are written are they renamed into place,
 * the old ones linked aside so that a rename failing half-way puts them back.
 */
export async function writeFileSetAtomic(dir: string, files: readonly OutputFile[]): Promise<void> {
  try {
    await makeDirectories(dirname(dir));
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    });
    const names = new Set(files.map((f) => f.name));
    const onlyThisSet = entries == null || entries.every((e) => e.isFile() && names.has(e.name));
    if (onlyThisSet) await replaceFolder(dir, files, entries != null);
    else await replaceFilesIn(dir, files);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `Cannot write the reports to ${dir}: ${fsProblem(error, join(dir, 'x'))}; nothing there was changed.`,
      { hint: 'Check the folder is writable and has room, then run again.', cause: error },
    );
  }
}

async function replaceFolder(dir: string, files: readonly OutputFile[], exists: boolean) {
  const staged = besidePath(dir, 'tmp');
  const old = besidePath(dir, 'old');
  try {
    await mkdir(staged);
    for (const file of files)
      await writeNew(join(staged, file.name), file.content, await statOrNull(join(dir, file.name)));
    // after the files: a folder made read-only would refuse them
    if (exists) await keepModeOf(staged, await stat(dir));
    if (!exists) {
      await rename(staged, dir);
      return;
    }
    // NOTE: two renames, not one: Node has no renameat2(RENAME_EXCHANGE). Between them there is
    // no folder `dir` for an instant; a process killed right there leaves both sets beside it.
    await rename(dir, old);
    try {
      await rename(staged, dir);
    } catch (error) {
      await rename(old, dir);
      throw error;
    }
  } catch (error) {
    await rm(staged, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await rm(old, { recursive: true, force: true }).catch(() => undefined);
}

async function replaceFilesIn(dir: string, files: readonly OutputFile[]) {
  const staged: { file: OutputFile; temporary: string; target: string }[] = [];
  const saved: { target: string; backup: string }[] = [];
  const placed: string[] = [];
  try {
    for (const file of files) {
      const target = join(dir, file.name);
      const temporary = besidePath(target, 'tmp');
      staged.push({ file, temporary, target });
      await writeNew(temporary, file.content, await statOrNull(target));
    }
    for (const { target } of staged) {
      const present = await lstat(target).catch(() => null);
      if (!present?.isFile()) continue;
      const backup = besidePath(target, 'old');
      await link(target, backup);
      saved.push({ target, backup });
    }
    for (const { temporary, target } of staged) {
      await rename(temporary, target);
      placed.push(target);
    }
  } catch (error) {
    // put back what was replaced, and remove what was new
    for (const target of placed) {
      const backup = saved.find((s) => s.target === target)?.backup;
      await (backup ? rename(backup, target) : rm(target, { force: true })).catch(() => undefined);
    }
    for (const { temporary } of staged) await rm(temporary, { force: true }).catch(() => undefined);
    for (const { backup } of saved) await rm(backup, { force: true }).catch(() => undefined);
    throw error;
  }
  for (const { backup } of saved) await rm(backup, { force: true }).catch(() => undefined);
}
