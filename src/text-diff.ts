// Unified diffs (jsdiff) for what a dry run shows: a file's change, an object's change.
import { createTwoFilesPatch } from 'diff';

/** A unified diff of `before` (null: no file) to `after`, named by `path`. */
export function fileDiff(path: string, before: string | null, after: string): string {
  return createTwoFilesPatch(
    before == null ? '/dev/null' : `a/${path}`,
    `b/${path}`,
    before ?? '',
    after,
    undefined,
    undefined,
    { context: 3 },
  )
    .split('\n')
    .filter((line) => !/^={10,}$/.test(line)) // the "Index"-style separator jsdiff adds
    .join('\n')
    .trimEnd();
}
