// A one-line progress indicator on stderr for long discoveries, redrawn at most 10 times a
// second, and only on a terminal: CI logs get no control characters.
import type { DiscoveryProgress } from '../discovery/types.js';

export interface ProgressLine {
  update(progress: DiscoveryProgress): void;
  done(): void;
}

export function createProgressLine(stream: NodeJS.WritableStream, enabled: boolean): ProgressLine {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      drawn = true;
      const count = p.total > 0 ? ` ${p.done}/${p.total}` : '';
      stream.write(
        `\r\u001b[K${p.phase}${count} · ${p.clustersFound} clusters · ${p.apiCalls} API calls`,
      );
    },
    done() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}
