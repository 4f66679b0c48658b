// The journal beside a plan (`plan.json.state.json`): what this tool created and turned off, so a
// re-run can resume and `rollback` can undo exactly that. Ids and names only; never a token.
// It is written ahead: before a request that creates something whose id is not known yet (a
// project, an agent, a token), an intent names what is about to be made; the outcome settles it.
// An intent left open (a kill, a lost answer) is adopted by the next apply or rollback when its
// object exists (adopt-intents.ts). Changes that are safe to undo when they never happened (a
// variable, an environment link, an install, a cluster turned off) are recorded before the write.
// This file holds what a journal is and how its file is read (journal-format.ts); journal-store.ts
// writes it.
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { JOURNAL_KIND, LISTS, type ChangeLine, type HeaderLine } from './journal-format.js';
import { journalShapeProblem } from './journal-schema.js';
import type { ClusterLevel } from '../discovery/types.js';

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
