// Counts and the one-line verdict shared by every rendering of a plan, so the terminal table,
// the Markdown comment and the `--detailed-exitcode` decision can never disagree.
import type { Plan, PlanStep, PlannedCluster } from '../plan/types.js';

export interface PlanCounts {
  clusters: number;
  toMigrate: number;
  skipped: number;
  done: number;
  /** agents with status `new`: registered from scratch */
  agentsToCreate: number;
  /** agents with status `partial`: some of their steps already happened on an earlier run */
  agentsToFinish: number;
  agentsDone: number;
  warnings: number;
}

// NOTE: counted from the lists rather than copied from plan.summary, so a report always agrees
// with the rows it shows, even for a hand-edited plan file.
export function countPlan(plan: Plan): PlanCounts {
  const byAction = (action: PlannedCluster['action']) =>
    plan.clusters.filter((c) => c.action === action).length;
  const byStatus = (status: Plan['agents'][number]['status']) =>
    plan.agents.filter((a) => a.status === status).length;
  return {
    clusters: plan.clusters.length,
    toMigrate: byAction('migrate'),
    skipped: byAction('skip'),
    done: byAction('done'),
    agentsToCreate: byStatus('new'),
    agentsToFinish: byStatus('partial'),
    agentsDone: byStatus('done'),
    warnings: plan.warnings.length,
  };
}

/** Terraform's meaning of "pending": something would change if the plan were applied. */
export function hasPendingChanges(plan: Plan): boolean {
  const counts = countPlan(plan);
  return counts.toMigrate > 0 || counts.agentsToCreate > 0 || counts.agentsToFinish > 0;
}

export function pluralise(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export const NO_CHANGES_LINE = 'No changes: every certificate cluster is migrated or skipped.';

/** "Plan: 3 agents to create, 9 clusters to migrate, 2 skipped, 1 done, 4 warnings." */
export function renderSummaryLine(plan: Plan): string {
  if (!hasPendingChanges(plan)) return NO_CHANGES_LINE;
  const counts = countPlan(plan);
  const parts = [`${pluralise(counts.agentsToCreate, 'agent')} to create`];
  // Only mentioned when a previous apply stopped half-way: otherwise it is noise.
  if (counts.agentsToFinish > 0)
    parts.push(`${pluralise(counts.agentsToFinish, 'agent')} to finish`);
  parts.push(
    `${pluralise(counts.toMigrate, 'cluster')} to migrate`,
    `${counts.skipped} skipped`,
    `${counts.done} done`,
    pluralise(counts.warnings, 'warning'),
  );
  return `Plan: ${parts.join(', ')}.`;
}

/** The steps that concern one cluster: its own, and those of every agent that replaces it. */
export function stepsForCluster(plan: Plan, cluster: PlannedCluster): PlanStep[] {
  const agents = new Set(cluster.agents);
  return plan.steps.filter(
    (s) => s.clusterId === cluster.id || (s.agent != null && agents.has(s.agent)),
  );
}

/** How a cluster is named in every report: the owner path, or "(instance)". */
export function ownerLabel(owner: string | null): string {
  return owner ?? '(instance)';
}
