// What the wizard shows: the plan's summary before the questions, one line per agent to pick,
// and the changes listed for the final confirmation. Strings only; the wizard prints them.
import type { ChalkInstance } from 'chalk';
import type { Plan, PlannedAgent, PlannedCluster, PlanStep } from '../plan/types.js';
import { countPlan, pluralise, renderSummaryLine } from '../report/plan-summary.js';
import { printable } from '../report/plan-table.js';

/** Warnings shown in full before the questions; the rest are counted (the plan has them all). */
export const WARNINGS_SHOWN = 20;

/** The summary before the first question: where, how much, and what to know before choosing. */
export function renderWizardSummary(plan: Plan, color: ChalkInstance): string {
  const counts = countPlan(plan);
  const lines = [
    color.bold(`GitLab ${plan.gitlab.url} (${plan.gitlab.version ?? 'version unknown'})`),
    `${pluralise(counts.clusters, 'certificate cluster')} found: ${counts.toMigrate} to migrate, ${counts.skipped} skipped, ${counts.done} already done.`,
    renderSummaryLine(plan),
  ];
  if (plan.warnings.length > 0) {
    lines.push('', color.yellow(`${pluralise(plan.warnings.length, 'warning')}:`));
    for (const w of plan.warnings.slice(0, WARNINGS_SHOWN)) {
      const where = w.clusterId == null ? '' : ` (cluster ${w.clusterId})`;
      lines.push(`  ${color.yellow('!')} ${w.code}${where}: ${printable(w.message)}`);
    }
    const more = plan.warnings.length - WARNINGS_SHOWN;
    if (more > 0)
      lines.push(color.dim(`  … and ${more} more: \`migrate-clusters plan\` lists them all.`));
  }
  return lines.join('\n');
}

/** A step as the confirmation lists it: the configuration commit in the words of its delivery. */
function describeStep(step: PlanStep, listing: ChangeListing): string {
  if (step.kind !== 'commit-config' || listing.configVia === 'commit') return step.description;
  const agent = listing.plan.agents.find((a) => a.ref === step.agent);
  if (!agent) return step.description;
  return listing.configVia === 'files'
    ? `Write ${agent.configPath} of ${agent.project} to ${listing.outDir ?? '.'}, for you to push`
    : `Propose ${agent.configPath} in a merge request to ${agent.project}`;
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
      lines.push(`    - ${printable(describeStep(step, listing))}`);
  }
  if (!disableOldClusters) lines.push('  The old certificate clusters stay on.');
  if (listing.skipped.length > 0)
    lines.push(color.dim(`  Left as they are for now: ${listing.skipped.join(', ')}.`));
  return lines.join('\n');
}
