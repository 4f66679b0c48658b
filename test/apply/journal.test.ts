// The journal file: JSON lines appended one write at a time, read back the same, a line cut short
// by a crash dropped, version 1 files still read.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyJournal, loadJournal } from '../../src/apply/journal.js';
import { JournalStore } from '../../src/apply/journal-store.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-journal-'));
  path = join(dir, 'plan.json.state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const store = () =>
  new JournalStore(emptyJournal('https://gitlab.example', '2026-01-01T00:00:00.000Z'), path);
const lines = async () => (await readFile(path, 'utf8')).trimEnd().split('\n');

describe('JournalStore', () => {
  it('starts with a header and a snapshot, then appends one line per added entry', async () => {
    const s = store();
    await s.record((j) => j.agents.push({ ref: 'g/p:a', id: 1 }));
    await s.record((j) => j.tokens.push({ ref: 'g/p:a', id: 7 }));
    await s.stepDone('g/p:a/register-agent');
    await s.stepDone('g/p:a/register-agent'); // already there: nothing written
    const written = await lines();
    expect(written).toHaveLength(4);
    expect(JSON.parse(written[0]!)).toMatchObject({ kind: 'migrate-clusters/journal', version: 2 });
    expect(JSON.parse(written[1]!)).toHaveProperty('snapshot.agents', [{ ref: 'g/p:a', id: 1 }]);
    expect(JSON.parse(written[2]!)).toMatchObject({
      add: 'tokens',
      value: { ref: 'g/p:a', id: 7 },
    });
    expect(JSON.parse(written[3]!)).toMatchObject({
      add: 'completedSteps',
      value: 'g/p:a/register-agent',
    });
    expect(await loadJournal(path)).toEqual(s.journal);
  });

  it('writes a snapshot when something is taken away, and reads back the same', async () => {
    const s = store();
    await s.record((j) =>
      j.variables.push({
        level: 'group',
        owner: 'g',
        key: 'KUBE_CONTEXT',
        environmentScope: '*',
        value: 'g/p:a',
      }),
    );
    await s.record((j) => j.agents.push({ ref: 'g/p:a', id: 1 }));
    await s.record((j) => (j.variables = []));
    expect(JSON.parse((await lines()).at(-1)!)).toHaveProperty('snapshot.variables', []);
    expect((await loadJournal(path))!.variables).toEqual([]);
    expect((await loadJournal(path))!.agents).toEqual([{ ref: 'g/p:a', id: 1 }]);
  });

  it('keeps every one of many records made at once, in one file that reads back whole', async () => {
    const s = store();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        s.record((j) => j.agents.push({ ref: `g/p:a${i}`, id: i })),
      ),
    );
    const back = (await loadJournal(path))!;
    expect(back.agents.map((a) => a.id).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    );
    expect(await lines()).toHaveLength(201);
  });

  it('drops a last line cut short by a crash, but not a broken line before it', async () => {
    const s = store();
    await s.record((j) => j.agents.push({ ref: 'g/p:a', id: 1 }));
    await s.record((j) => j.tokens.push({ ref: 'g/p:a', id: 7 }));
    const text = await readFile(path, 'utf8');
    await writeFile(path, `${text}{"at":"2026-01-01T00:00:00Z","add":"tok`);
    expect((await loadJournal(path))!.tokens).toEqual([{ ref: 'g/p:a', id: 7 }]);
    const [first, ...rest] = text.trimEnd().split('\n');
    await writeFile(path, [first, '{"broken', ...rest].join('\n'));
    await expect(loadJournal(path)).rejects.toThrow(/is not a migrate-clusters journal/);
  });

  it('reads a version 1 journal, and rewrites it in the new form on the first record', async () => {
    const v1 = {
      ...emptyJournal('https://gitlab.example', 'x'),
      agents: [{ ref: 'g/p:a', id: 3 }],
    };
    await writeFile(path, JSON.stringify(v1, null, 2));
    const loaded = (await loadJournal(path))!;
    expect(loaded.agents).toEqual([{ ref: 'g/p:a', id: 3 }]);
    const s = new JournalStore(loaded, path);
    await s.record((j) => j.tokens.push({ ref: 'g/p:a', id: 9 }));
    expect(await lines()).toHaveLength(2);
    expect((await loadJournal(path))!).toMatchObject({
      agents: [{ ref: 'g/p:a', id: 3 }],
      tokens: [{ ref: 'g/p:a', id: 9 }],
    });
  });
});
