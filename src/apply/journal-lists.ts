// The lists a journal holds, by name: what its lines append to, and what its schema requires.
// Its own module so that the journal and its schema can both import it without a cycle.
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
