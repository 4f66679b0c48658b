// File-system failures in plain words: "permission denied" rather than EACCES, and for a path whose
// parent is a file, which part it is. Used by every writer in files.ts, and for stdout (output.ts).
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EISDIR: 'it is a directory',
  EBUSY: 'it is busy (a directory or a mount point?)',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'input/output error',
  EBADF: 'it is not open for writing',
  EFBIG: 'the file is too large',
  // procfs and sysfs: the folder is there, but takes no new entries
  ENOENT: 'no file can be created there',
};

/** The nearest existing ancestor of `path` that is not a directory, if any. */
function fileInTheWay(path: string): string | null {
  for (let at = dirname(path); at !== dirname(at); at = dirname(at)) {
    try {
      return statSync(at).isDirectory() ? null : at;
    } catch {
      // not there: look further up
    }
  }
  return null;
}

/** The words for an errno code, or null for one without. */
export function errnoWords(code: string | undefined): string | null {
  return (code && WORDS[code]) || null;
}

/** Why writing `path` failed, in words a person can act on. */
export function fsProblem(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const file = fileInTheWay(path);
    if (file) return `${file} is a file, not a directory`;
  }
  // the words, and the code to search for
  const words = errnoWords(code);
  return words ? `${words} (${code})` : (error as Error).message;
}
