// The journal beside a plan (`plan.json.state.json`): what this tool created and turned off, so a
// re-run can resume and `rollback` can undo exactly that. Ids and names only; never a token.
import { appendFile, readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { ClusterLevel } from '../discovery/types.js';

export const JOURNAL_KIND = 'migrate-clusters/journal';

export interface JournalVariable {
  level: ClusterLevel;
  owner: string | null;
  key: string;
  environmentScope: string;
  value: string;
}

export interface Journal {
  kind: typeof JOURNAL_KIND;
  version: 1;
  gitlabUrl: string;
  planGeneratedAt: string;
  updatedAt: string;
  createdProjects: string[];
  agents: { ref: string; id: number }[];
  /** agent tokens this tool created, by id (the value is never kept) */
  tokens: { ref: string; id: number }[];
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
  };
}

/** The lists a record can append to; anything else changed makes a snapshot line. */
type JournalList = {
  [K in keyof Journal]: Journal[K] extends unknown[] ? K : never;
}[keyof Journal];

const LISTS: JournalList[] = [
  'createdProjects',
  'agents',
  'tokens',
  'revokedTokens',
  'installs',
  'variables',
  'environments',
  'disabledClusters',
  'completedSteps',
];

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

function fold(path: string, text: string): Journal {
  // version 1: one (pretty-printed) JSON document
  try {
    const whole = JSON.parse(text) as Journal;
    if (whole.kind === JOURNAL_KIND && whole.version === 1) return whole;
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
    if ('snapshot' in line) Object.assign(journal, structuredClone(line.snapshot));
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
  try {
    return fold(path, text);
  } catch (error) {
    throw new UserError(`${path} is not a migrate-clusters journal.`, {
      hint: 'It records what apply did; move it away only if you know that nothing was applied.',
      cause: error,
    });
  }
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

  constructor(
    readonly journal: Journal,
    private readonly path: string | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(change: (journal: Journal) => void): Promise<void> {
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
    const next = this.writing.then(() =>
      mode === 'replace' ? writeFileAtomic(path, text) : appendLine(path, text),
    );
    // a failed write fails its own record; later records still try
    this.writing = next.catch(() => undefined);
    return next;
  }
}

async function appendLine(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text);
  } catch (error) {
    throw new UserError(
      `Cannot write the journal ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      {
        hint: 'Free space or fix its permissions, then run apply again: it resumes.',
        cause: error,
      },
    );
  }
}
