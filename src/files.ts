// File output that never leaves a half-written file behind: write beside, then rename.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from './errors.js';

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, content, { mode: 0o644 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new UserError(
      `Cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      {
        hint: 'Check the directory exists and is writable.',
        cause: error,
      },
    );
  }
}
