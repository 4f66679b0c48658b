// The journal beside a plan (`plan.json.state.json`): what this tool created and turned off, so a
// re-run can resume and `rollback` can undo exactly that. Ids and names only; never a token.
// It is written ahead: before a request that creates something whose id is not known yet (a
// project, an agent, a token), an intent names what is about to be made; the outcome settles it.
// An intent left open (a kill, a lost answer) is adopted by the next apply or rollback when its
// object exists (adopt-intents.ts). Changes that are safe to undo when they never happened (a
// variable, an environment link, an install, a cluster turned off) are recorded before the write.
import { randomBytes } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { JOURNAL_LISTS } from './journal-lists.js';
import { journalShapeProblem } from './journal-schema.js';
import type { ClusterLevel } from '../discovery/types.js';

export const JOURNAL_KIND = 'migrate-clusters/journal';

export interface JournalVariable {
  level: ClusterLevel;
  owner: string | null;
  key: string;
  environmentScope: string;
  value: string;
}

/** What is about to be made, named the way it can be found again. */
export type JournalIntent =
  | { id: string; kind: 'create-project'; project: string }
  | { id: string; kind: 'register-agent'; ref: string; project: string; name: string }
  | {
      id: string;
      kind: 'create-token';
      ref: string;
      project: string;
      agentId: number;
      name: string;
    };

export interface Journal {
  kind: typeof JOURNAL_KIND;
  version: 1;
  gitlabUrl: string;
  planGeneratedAt: string;
  updatedAt: string;
  createdProjects: string[];
  agents: { ref: string; id: number }[];
  /** agent tokens this tool created, by id (the value is never kept) */
  tokens: { ref: string; id: number; name?: string }[];
  revokedTokens: { ref: string; id: number }[];
  installs: { ref: string; context: string; namespace: string }[];
  variables: JournalVariable[];
  environments: { project: string; id: number; name: string; previousAgentId: number | null }[];
  disabledClusters: {
    id: number;
    level: ClusterLevel;
    owner: string | null;
    namespacePerEnvironment: boolean | null;
  }[];
  completedSteps: string[];
  /** written before the request they name (absent from journals of older versions) */
  intents: JournalIntent[];
  /** ids of intents whose outcome is recorded, or whose object turned out not to exist */
  settledIntents: string[];
}

export const journalPathFor = (planPath: string) => `${planPath}.state.json`;

export function emptyJournal(gitlabUrl: string, planGeneratedAt: string): Journal {
  return {
    kind: JOURNAL_KIND,
    version: 1,
    gitlabUrl,
    planGeneratedAt,
    updatedAt: new Date(0).toISOString(),
    createdProjects: [],
    agents: [],
    tokens: [],
    revokedTokens: [],
    installs: [],
    variables: [],
    environments: [],
    disabledClusters: [],
    completedSteps: [],
    intents: [],
    settledIntents: [],
  };
}

/** Intents whose outcome is not recorded yet. */
export function openIntents(journal: Journal): JournalIntent[] {
  const settled = new Set(journal.settledIntents);
  return journal.intents.filter((i) => !settled.has(i.id));
}

/** The lists a record can append to; anything else changed makes a snapshot line. */
type JournalList = {
  [K in keyof Journal]: Journal[K] extends unknown[] ? K : never;
}[keyof Journal];

const LISTS: readonly JournalList[] = JOURNAL_LISTS;

/**
 * The file is JSON lines: a header, then one line per change (`{"at", "add": list, "value"}`),
 * or a whole `snapshot` where something was taken away (rollback). Appending keeps a run of
 * thousands of agents linear; a line cut short by a crash is the last one, and is dropped.
 * Version 1 files (one JSON document) are still read.
 */
interface HeaderLine {
  kind: typeof JOURNAL_KIND;
  version: 2;
  gitlabUrl: string;
  planGeneratedAt: string;
}
type ChangeLine =
  { at: string; add: JournalList; value: unknown } | { at: string; snapshot: Journal };

/** Lists that older journals do not have start empty. */
function withDefaults(journal: Journal): Journal {
  journal.intents ??= [];
  journal.settledIntents ??= [];
  return journal;
}

function fold(path: string, text: string): Journal {
  // version 1: one (pretty-printed) JSON document
  try {
    const whole = JSON.parse(text) as Journal;
    if (whole.kind === JOURNAL_KIND && whole.version === 1) return withDefaults(whole);
  } catch {
    // JSON lines: read below
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const parsed: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line));
    } catch (error) {
      // only the last line can be half-written (a crash while appending)
      if (i === lines.length - 1 && i > 0) break;
      throw error;
    }
  }
  const header = parsed[0] as HeaderLine | Journal | undefined;
  if (header?.kind !== JOURNAL_KIND) throw new Error(`${path}: not a journal`);
  if ((header as { version: unknown }).version !== 2)
    throw new Error(`${path}: journal version ${String((header as { version: unknown }).version)}`);
  const journal = emptyJournal(header.gitlabUrl, header.planGeneratedAt);
  for (const line of parsed.slice(1) as ChangeLine[]) {
    if (line == null || typeof line !== 'object') throw new Error(`${path}: not a journal line`);
    if ('snapshot' in line) Object.assign(journal, withDefaults(structuredClone(line.snapshot)));
    else if (LISTS.includes(line.add)) (journal[line.add] as unknown[]).push(line.value);
    journal.updatedAt = line.at;
  }
  return journal;
}

export async function loadJournal(path: string): Promise<Journal | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code}.`, {
      cause: error,
    });
  }
  let journal: Journal;
  try {
    journal = fold(path, text);
  } catch (error) {
    throw new UserError(`${path} is not a migrate-clusters journal.`, {
      hint: 'It records what apply did; move it away only if you know that nothing was applied.',
      cause: error,
    });
  }
  const problem = journalShapeProblem(journal);
  if (problem)
    throw new UserError(`${path} is not a journal this version can read: ${problem}.`, {
      hint: 'It records what apply did: restore it from a backup, or move it away only if you know that nothing was applied.',
    });
  return journal;
}

/**
 * A journal belongs to the plan beside which apply wrote it, on one GitLab instance. One from
 * another instance (copied, or a plan file replaced by another's) would be merged into and
 * rolled back on the wrong instance.
 */
export function checkJournalBelongs(
  journal: Journal,
  plan: { gitlabUrl: string; planPath: string },
  journalPath: string,
): void {
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  if (norm(journal.gitlabUrl) === norm(plan.gitlabUrl)) return;
  throw new UserError(
    `${journalPath} records changes made on ${journal.gitlabUrl}, but ${plan.planPath} is a plan for ${plan.gitlabUrl}.`,
    {
      hint: `A journal is named after its plan (PLAN.state.json): put it back beside the plan made for ${journal.gitlabUrl}, or, if this plan was never applied, move it away.`,
    },
  );
}

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
