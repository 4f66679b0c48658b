// A real, small file system that fills up: a tmpfs of a few KiB, so tests can meet ENOSPC the way
// a full disk gives it (a write that fails half-way). Mounting needs root (CAP_SYS_ADMIN) on
// Linux; elsewhere smallDisk() returns null and the tests that need it skip, saying why.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  /** fills the disk until only about `bytes` are free */
  fillLeaving(bytes: number): Promise<void>;
  /** removes everything on it */
  empty(): Promise<void>;
  close(): void;
}

export const SMALL_DISK_SKIP = 'needs a tmpfs mount (root on Linux) to fill a disk';

export function smallDisk(sizeKiB: number): SmallDisk | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mc-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  let fillers = 0;
  return {
    dir,
    fillLeaving: async (bytes) => {
      const fs = await statfs(dir);
      const free = fs.bavail * fs.bsize;
      if (free > bytes)
        await writeFile(join(dir, `.filler-${fillers++}`), Buffer.alloc(free - bytes));
    },
    empty: async () => {
      for (const entry of await readdir(dir))
        await rm(join(dir, entry), { recursive: true, force: true });
    },
    close: () => {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
