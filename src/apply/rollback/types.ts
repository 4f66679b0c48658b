// What `rollback` works with and reports: one outcome per undo, in the order they ran.
import type { GitLabClient } from '../../gitlab/client.js';
import type { Plan } from '../../plan/types.js';
import type { JournalStore } from '../journal-store.js';
import type { KubeAccess } from '../types.js';

export type RollbackKind =
  | 'enable-cluster'
  | 'delete-variable'
  | 'unlink-environment'
  | 'uninstall-agentk'
  | 'delete-agent'
  | 'revoke-token';

/**
 * done: undone (or, in a dry run, would be); unchanged: already undone; left-alone: changed by
 * someone since, so not ours to undo; needs-person: cannot be undone from here; held: not tried
 * because an earlier undo failed; failed: an error.
 */
export type RollbackStatus =
  'done' | 'unchanged' | 'left-alone' | 'needs-person' | 'held' | 'failed';

export interface RollbackOutcome {
  kind: RollbackKind;
  subject: string;
  status: RollbackStatus;
  detail: string;
}

export interface RollbackSettings {
  dryRun: boolean;
  /** also remove agentk and the agents this tool registered */
  uninstall: boolean;
}

export interface RollbackContext {
  client: GitLabClient;
  kube: KubeAccess;
  journal: JournalStore;
  plan: Plan;
  settings: RollbackSettings;
}
