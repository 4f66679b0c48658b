// A clock whose time moves only when something sleeps on it: a sleep ends at once, with the time
// set to when it would have ended. Given to the GitLab transport and the GitLab simulator's rate
// limiter alike, backoffs, Retry-After waits and rate-limit windows pass over real HTTP in no
// real time, and the test can read every wait that was asked for.
import type { Clock } from '../../src/abortable-sleep.js';

export interface FakeClock extends Clock {
  /** every sleep asked for, in ms, in order */
  readonly sleeps: number[];
  /** how far the time has moved since the clock was made */
  elapsed(): number;
}

/** Starts on a whole second (2026-01-01T00:00:00Z), as rate-limit windows are aligned to seconds. */
export function fakeClock(startMs = Date.UTC(2026, 0, 1)): FakeClock {
  let nowMs = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => nowMs,
    elapsed: () => nowMs - startMs,
    sleep: (ms) => {
      sleeps.push(ms);
      // Each sleep moves the time on by its length; sleeps at once add up, so the time runs ahead
      // of a real run's, never behind it (a wait for a reset or a Retry-After is always over).
      nowMs += Math.max(0, ms);
      return Promise.resolve();
    },
  };
}
