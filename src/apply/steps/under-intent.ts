// A create whose id is not known until GitLab answers, written ahead in the journal: the intent
// first (what is about to be made, and the name it can be found by), then the request, then the
// outcome. A refusal settles the intent with nothing made; a kill, a lost answer or a 5xx leave
// it open, and the next apply or rollback adopts the object if it is there (adopt-intents.ts).
import { wasRefused } from '../../gitlab/lost-answer.js';
import type { Journal, JournalIntent } from '../journal.js';
import type { JournalStore } from '../journal-store.js';

type IntentInput = JournalIntent extends infer T
  ? T extends unknown
    ? Omit<T, 'id'>
    : never
  : never;

export async function underIntent<T>(
  journal: JournalStore,
  intent: IntentInput,
  write: () => Promise<T>,
  outcome: (journal: Journal, made: T) => void,
): Promise<T> {
  const intended = await journal.intend(intent);
  let made: T;
  try {
    made = await write();
  } catch (error) {
    if (wasRefused(error)) await intended.settle().catch(() => undefined);
    throw error;
  }
  await intended.settle((j) => outcome(j, made));
  return made;
}
