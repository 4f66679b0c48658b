import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const shared = fileURLToPath(new URL('../../shared/contracts/', import.meta.url));
const local = fileURLToPath(new URL('../contracts/', import.meta.url));

describe('contracts/', () => {
  it.runIf(existsSync(shared))('is an exact copy of shared/contracts', () => {
    const files = readdirSync(shared)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(readdirSync(local).sort()).toEqual(files);
    for (const file of files) {
      expect(readFileSync(`${local}${file}`, 'utf8'), file).toBe(
        readFileSync(`${shared}${file}`, 'utf8'),
      );
    }
  });
});
