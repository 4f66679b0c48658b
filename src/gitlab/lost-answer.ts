// A write whose answer never came: GitLab may or may not have carried it out (a 502 from a proxy
// after the upstream finished, a dropped connection, a timeout). Retrying it blindly would make
// a second agent, token or commit, or fail on the first one ("Name has already been taken"). So
// the transport does not retry such a write; it throws this, and the wrapper that made it reads
// back what it meant to create and adopts it when it is there.
import { UserError } from '../errors.js';
import { httpFailure } from './errors.js';

export class LostAnswerError extends UserError {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`GitLab may have carried out ${method} ${path}, but its answer was lost (${reason}).`, {
      hint: 'Run apply again: it reads what exists before it writes, so nothing is made twice.',
    });
    this.name = 'LostAnswerError';
  }
}

/** How many lost answers in a row one write survives before it gives up (and says so). */
export const MAX_LOST_ANSWERS = 4;

export const isLostAnswer = (error: unknown): error is LostAnswerError =>
  error instanceof LostAnswerError;

/**
 * Runs a write; when its answer is lost, `readBack` looks for what it meant to make and that is
 * adopted. When nothing is there the write did not happen, and it is made once more.
 */
export async function writeOnce<T>(
  write: () => Promise<T>,
  readBack: () => Promise<T | null>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isLostAnswer(error) || attempt >= MAX_LOST_ANSWERS) throw error;
      const found = await readBack();
      if (found != null) return found;
    }
  }
}

/**
 * GitLab answered the write with a refusal (a 4xx other than 408/429): nothing was made. A lost
 * answer, a timeout or a 5xx leave it open whether it was.
 */
export function wasRefused(error: unknown): boolean {
  for (let e: unknown = error; e != null; e = (e as { cause?: unknown }).cause) {
    if (isLostAnswer(e)) return false;
    const status = httpFailure(e)?.status;
    if (status != null) return status >= 400 && status < 500 && status !== 408 && status !== 429;
    if (!(e instanceof Error)) break;
  }
  return false;
}
