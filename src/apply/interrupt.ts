// Ctrl-C and SIGTERM during apply: the first stops the run cleanly — nothing new starts, the
// requests in flight finish (each is bounded by its timeout), waits end at once, the journal is
// flushed — then apply says how to resume and exits 130. A second one stops at once.
export interface Interrupts {
  signal: AbortSignal;
  dispose(): void;
}

export function watchInterrupts(say: (text: string) => void): Interrupts {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) {
      // Asked twice: the person wants out now. The journal was written as each change was made.
      say('Stopped.');
      process.exit(130);
    }
    controller.abort();
    say('Interrupted: finishing the requests in flight (Ctrl-C again to stop at once)…');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
