// Pauses that end early when a run is interrupted (Ctrl-C), so waits never hold a stop back; and
// the clock that code which waits reads, so tests can give it one whose time moves only when
// something sleeps (the waits of a test then cost no real time).

/** A pause that ends early when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface Clock {
  /** milliseconds since the epoch, as Date.now() */
  now(): number;
  /** resolves after `ms`, or as soon as `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: abortableSleep,
};
