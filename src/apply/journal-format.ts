// The journal file's format: its kind, the lists a journal holds (what its lines append to, and
// what its schema requires), and the lines themselves. Its own module so that the journal, its
// store and its schema can all import it without a cycle.
import type { Journal } from './journal.js';

export const JOURNAL_KIND = 'migrate-clusters/journal';

export const JOURNAL_LISTS = [
  'createdProjects',
  'agents',
  'tokens',
  'revokedTokens',
  'installs',
  'variables',
  'environments',
  'disabledClusters',
  'completedSteps',
  'intents',
  'settledIntents',
] as const;

/** The lists a record can append to; anything else changed makes a snapshot line. */
export type JournalList = {
  [K in keyof Journal]: Journal[K] extends unknown[] ? K : never;
}[keyof Journal];

export const LISTS: readonly JournalList[] = JOURNAL_LISTS;

/**
 * The file is JSON lines: a header, then one line per change (`{"at", "add": list, "value"}`),
 * or a whole `snapshot` where something was taken away (rollback). Appending keeps a run of
 * thousands of agents linear; a line cut short by a crash is the last one, and is dropped.
 * Version 1 files (one JSON document) are still read.
 */
export interface HeaderLine {
  kind: typeof JOURNAL_KIND;
  version: 2;
  gitlabUrl: string;
  planGeneratedAt: string;
}
export type ChangeLine =
  { at: string; add: JournalList; value: unknown } | { at: string; snapshot: Journal };
