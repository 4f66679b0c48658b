// The journal beside a plan (`plan.json.state.json`): what this tool created and turned off, so a
// re-run can resume and `rollback` can undo exactly that. Ids and names only; never a token.
import { readFile } from 'node:fs/promises';
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
    const journal = JSON.parse(text) as Journal;
    if (journal.kind !== JOURNAL_KIND || journal.version !== 1) throw new Error('not a journal');
    return journal;
  } catch (error) {
    throw new UserError(`${path} is not a migrate-clusters journal.`, {
      hint: 'It records what apply did; move it away only if you know that nothing was applied.',
      cause: error,
    });
  }
}

/** Records changes and writes them through at once, so a killed run loses nothing it did. */
export class JournalStore {
  constructor(
    readonly journal: Journal,
    private readonly path: string | null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(change: (journal: Journal) => void): Promise<void> {
    change(this.journal);
    this.journal.updatedAt = this.now().toISOString();
    if (this.path) await writeFileAtomic(this.path, `${JSON.stringify(this.journal, null, 2)}\n`);
  }

  async stepDone(id: string): Promise<void> {
    if (this.journal.completedSteps.includes(id)) return;
    await this.record((j) => j.completedSteps.push(id));
  }
}
