// Writes the journal (journal.ts) as apply and rollback record changes: through to the disk at
// once, in order, and never past a write that failed, so that no request goes out whose intent
// could not be recorded first.
import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { JOURNAL_KIND, LISTS, type ChangeLine, type HeaderLine } from './journal-format.js';
import type { Journal, JournalIntent } from './journal.js';

/**
 * Records changes and writes them through, one write at a time (agents run in parallel), so a
 * killed run loses nothing it recorded. A change that only appends to lists appends lines; any
 * other change writes a snapshot line. The first write of a file (or of a version 1 file)
 * rewrites it as a header and a snapshot.
 */
export class JournalStore {
  private writing: Promise<void> = Promise.resolve();
  private started = false;
  /**
   * the first failed write: from then on every record fails at once, before its change, so no
   * request whose intent could not be written goes out
   */
  broken: UserError | null = null;

  constructor(
    readonly journal: Journal,
    private readonly path: string | null,
    private readonly now: () => Date = () => new Date(),
    private readonly io: JournalIo = fileIo,
  ) {}

  async record(change: (journal: Journal) => void): Promise<void> {
    if (this.broken) throw this.broken;
    // Lists that are the same arrays, only longer, were appended to: O(1) to tell, per record.
    const before = new Map(
      LISTS.map((k) => [k, { array: this.journal[k], length: this.journal[k].length }]),
    );
    const scalars = () =>
      JSON.stringify([
        this.journal.kind,
        this.journal.version,
        this.journal.gitlabUrl,
        this.journal.planGeneratedAt,
      ]);
    const scalarsBefore = scalars();
    change(this.journal);
    const at = this.now().toISOString();
    this.journal.updatedAt = at;
    if (!this.path) return;
    const appendOnly =
      scalars() === scalarsBefore &&
      LISTS.every((k) => {
        const old = before.get(k)!;
        return this.journal[k] === old.array && this.journal[k].length >= old.length;
      });
    // Captured now: later records may change the journal before this write runs.
    if (!appendOnly || !this.started) {
      this.started = true;
      const header: HeaderLine = {
        kind: JOURNAL_KIND,
        version: 2,
        gitlabUrl: this.journal.gitlabUrl,
        planGeneratedAt: this.journal.planGeneratedAt,
      };
      const snapshot: ChangeLine = { at, snapshot: structuredClone(this.journal) };
      return this.enqueue(`${JSON.stringify(header)}\n${JSON.stringify(snapshot)}\n`, 'replace');
    }
    const lines = LISTS.flatMap((k) =>
      (this.journal[k] as unknown[])
        .slice(before.get(k)!.length)
        .map((value): ChangeLine => ({ at, add: k, value: structuredClone(value) })),
    );
    if (lines.length === 0) return this.writing;
    return this.enqueue(lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 'append');
  }

  /** Records an intent before the request it names; `settle` records the outcome with it. */
  async intend(intent: DistributiveOmit<JournalIntent, 'id'>): Promise<Intended> {
    const id = `${this.now().getTime().toString(36)}-${randomBytes(4).toString('hex')}`;
    await this.record((j) => j.intents.push({ ...intent, id }));
    return {
      settle: (outcome = () => {}) =>
        this.record((j) => {
          outcome(j);
          j.settledIntents.push(id);
        }),
    };
  }

  async stepDone(id: string): Promise<void> {
    if (this.journal.completedSteps.includes(id)) return;
    await this.record((j) => j.completedSteps.push(id));
  }

  /** Waits for every write so far (before exit). */
  flush(): Promise<void> {
    return this.writing;
  }

  private enqueue(text: string, mode: 'replace' | 'append'): Promise<void> {
    const path = this.path!;
    const next = this.writing.then(async () => {
      if (this.broken) throw this.broken;
      try {
        await (mode === 'replace' ? this.io.replace(path, text) : this.io.append(path, text));
      } catch (error) {
        this.broken = new UserError(
          `Cannot write the journal ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; stopped before the next change.`,
          {
            hint: 'Free space or fix its permissions, then run the same command again: it resumes from what the journal holds.',
            cause: error,
          },
        );
        throw this.broken;
      }
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/** How the journal reaches the disk: the file system, or (in tests) one that fails on cue. */
export interface JournalIo {
  replace(path: string, text: string): Promise<void>;
  append(path: string, text: string): Promise<void>;
}

export const fileIo: JournalIo = {
  replace: (path, text) => writeFileAtomic(path, text),
  append: (path, text) => appendFile(path, text),
};

export interface Intended {
  /** records the outcome (if any) and closes the intent */
  settle(outcome?: (journal: Journal) => void): Promise<void>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
