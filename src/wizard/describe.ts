// What the wizard shows: the plan's summary before the questions, one line per agent to pick,
// and the changes listed for the final confirmation. Strings only; the wizard prints them.
import type { ChalkInstance } from 'chalk';
import type { Plan, PlannedAgent, PlannedCluster, PlanStep } from '../plan/types.js';
import { countPlan, pluralise, renderSummaryLine } from '../report/plan-summary.js';
import { printable } from '../report/plan-table.js';

/** The summary before the first question: where, how much, and how to see the full plan. */
export function renderWizardSummary(plan: Plan, color: ChalkInstance): string {
  const counts = countPlan(plan);
  const lines = [
    color.bold(`GitLab ${plan.gitlab.url} (${plan.gitlab.version ?? 'version unknown'})`),
    `${pluralise(counts.clusters, 'certificate cluster')} found: ${counts.toMigrate} to migrate, ${counts.skipped} skipped, ${counts.done} already done.`,
    renderSummaryLine(plan),
  ];
  if (counts.warnings > 0)
    lines.push(
      color.yellow(
        `${pluralise(counts.warnings, 'warning')}: read them in \`migrate-clusters plan\` before you go on.`,
      ),
    );
  return lines.join('\n');
}

/** `cluster 4 "prod-eu" (group logistics, scope *)`: how the wizard names an old cluster. */
export function describeCluster(cluster: PlannedCluster): string {
  const where = cluster.owner == null ? 'instance' : `${cluster.level} ${cluster.owner}`;
  return `cluster ${cluster.id} "${printable(cluster.name)}" (${printable(where)}, scope ${printable(cluster.environmentScope)})`;
}

/** The checkbox line of an agent: its ref and the certificate clusters it replaces. */
export function agentChoiceName(agent: PlannedAgent, plan: Plan): string {
  const replaced = plan.clusters.filter((c) => agent.clusterIds.includes(c.id));
  const started = agent.status === 'partial' ? ' (started earlier)' : '';
  return `${agent.ref}${started}: replaces ${replaced.map(describeCluster).join(', ') || 'no cluster'}`;
}

/** The steps that will act for `agent`: the cut-over ones only when old clusters go off. */
export function stepsToRun(plan: Plan, ref: string, disableOldClusters: boolean): PlanStep[] {
  return plan.steps.filter(
    (s) => s.agent === ref && (disableOldClusters || s.kind !== 'disable-cluster'),
  );
}

export interface ChangeListing {
  plan: Plan;
  /** agent ref → the kube context chosen for it */
  contexts: Map<string, string>;
  skipped: string[];
  configVia: string;
  outDir: string | null;
  disableOldClusters: boolean;
}

/** The final confirmation's body: every step per agent, then what stays as it is. */
export function renderChanges(listing: ChangeListing, color: ChalkInstance): string {
  const { plan, contexts, disableOldClusters } = listing;
  const delivery =
    listing.configVia === 'files'
      ? `written to ${listing.outDir ?? '.'} for you to push`
      : listing.configVia === 'merge-request'
        ? 'proposed in a merge request (the cut-over waits until it is merged)'
        : 'committed to the default branch';
  const lines = [color.bold('About to change:'), `  Agent configuration: ${delivery}.`];
  for (const [ref, context] of contexts) {
    lines.push(`  ${color.bold(ref)} ${color.dim(`(kube context ${context})`)}`);
    for (const step of stepsToRun(plan, ref, disableOldClusters))
      lines.push(`    - ${printable(step.description)}`);
  }
  if (!disableOldClusters) lines.push('  The old certificate clusters stay on.');
  if (listing.skipped.length > 0)
    lines.push(color.dim(`  Left as they are for now: ${listing.skipped.join(', ')}.`));
  return lines.join('\n');
}
