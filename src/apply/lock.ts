// One apply (or rollback) at a time per plan: a lock file beside the journal, made with an
// exclusive create, holding who took it. A lock whose process is gone on this host is stale and
// taken over; one from another host cannot be checked, so the message says how to clear it.
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export const lockPathFor = (journalPath: string) => `${journalPath}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return null; // half-written by a run killed at that instant, or gone meanwhile
  }
}

export interface Lock {
  release(): Promise<void>;
}

/** Takes the lock of `journalPath` for `command`, or throws one clear line. */
export async function acquireLock(
  journalPath: string,
  command: string,
  now = new Date(),
): Promise<Lock> {
  const path = lockPathFor(journalPath);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: now.toISOString(),
    command,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${JSON.stringify(me)}\n`);
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST')
        throw new UserError(
          `Cannot create the lock ${path}: ${code ?? (error as Error).message}.`,
          {
            hint: 'Check that the plan’s directory is writable.',
            cause: error,
          },
        );
    }
    const owner = await readOwner(path);
    const stale = owner == null || (owner.host === me.host && !alive(owner.pid));
    if (stale && attempt === 0) {
      await rm(path, { force: true });
      continue;
    }
    const who = owner
      ? `${owner.command} (pid ${owner.pid} on ${owner.host}, since ${owner.startedAt})`
      : 'another run';
    throw new UserError(`${who} is working on this plan: ${path} is held.`, {
      hint:
        owner && owner.host !== me.host
          ? `Wait for it to finish; if it is not running any more, delete ${path}.`
          : 'Wait for it to finish, then run again.',
    });
  }
  throw new UserError(`Cannot take the lock ${path}.`);
}
