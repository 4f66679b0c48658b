// `rollback`: undo the cut-over, exactly as far as the journal says this tool did it, in the
// reverse of mapping rule 10's order (docs/mapping-rules.md): old clusters back on first (so jobs
// always have a cluster), then the KUBE_* variables and environment links; with `uninstall`, agentk
// and the agents this tool registered. This file orders the phases; the undos are in
// ./rollback/cutover-undo.ts and ./rollback/install-undo.ts. Every undo re-reads live state first
// and leaves alone what someone changed since, and is struck from the journal as soon as it is
// done, so a killed rollback can run again and a second one changes nothing. Certificate clusters
// and projects are never deleted.
import type { Journal } from './journal.js';
import { deleteVariables, enableClusters, unlinkEnvironments } from './rollback/cutover-undo.js';
import { deleteAgents, revokeTokens, uninstallAgentk } from './rollback/install-undo.js';
import { RollbackRun } from './rollback/run.js';
import type { RollbackContext, RollbackOutcome } from './rollback/types.js';

export type {
  RollbackContext,
  RollbackKind,
  RollbackOutcome,
  RollbackSettings,
  RollbackStatus,
} from './rollback/types.js';

/** How many things the journal says rollback would undo, for the confirmation question. */
export function rollbackWork(journal: Journal, uninstall: boolean) {
  return {
    clusters: journal.disabledClusters.length,
    variables: journal.variables.length,
    environments: journal.environments.length,
    installs: uninstall ? journal.installs.length : 0,
    agents: uninstall ? journal.agents.length : 0,
    tokens: uninstall ? journal.tokens.length : 0,
  };
}

/**
 * Undoes what the journal records, phase by phase; never throws for one failing undo (it is
 * reported, and holds back the phases after it).
 */
export async function runRollback(
  ctx: RollbackContext,
  onOutcome?: (outcome: RollbackOutcome) => void,
): Promise<RollbackOutcome[]> {
  const run = new RollbackRun(ctx, onOutcome);
  await enableClusters(run);
  run.endPhase('a certificate cluster could not be turned on again, so jobs still need the agent');
  await deleteVariables(run);
  await unlinkEnvironments(run);
  if (ctx.settings.uninstall) {
    run.endPhase('an earlier undo failed, and jobs may still use the agent');
    const uninstalled = await uninstallAgentk(run);
    await deleteAgents(run);
    await revokeTokens(run, uninstalled);
  }
  return run.outcomes;
}
