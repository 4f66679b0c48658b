// What the continuity gate would say once apply has done its part: the plan's variables set where
// nobody set another value, its config files committed, its agents connected. What still fails
// then is not apply's to fix — a job that breaks or stops, a KUBE_CONTEXT someone else set, an
// environment the agent is not authorised for — and becomes a warning, so people see at plan
// time which old clusters would have to stay on. Pure.
import type { ProjectAudit } from '../ci-audit/types.js';
import { readAuthorizations } from '../continuity/authorizations.js';
import { ownerKey, type ScopedValue, type VariablesByOwner } from '../continuity/kube-context.js';
import { certClustersOf } from '../continuity/old-cluster.js';
import { buildContinuity, type Continuity } from '../continuity/rows.js';
import { renderConfigText } from '../agent-config/render.js';
import { jobsOf } from '../continuity/project-jobs.js';
import type { Plan, PlanWarning } from './types.js';

export function plannedVariables(plan: Plan, live: VariablesByOwner): VariablesByOwner {
  const out = new Map<string, ScopedValue[]>([...live].map(([k, v]) => [k, [...v]]));
  for (const v of plan.agents.flatMap((a) => a.ciVariables)) {
    const key = ownerKey(v.level, v.owner);
    const list = out.get(key) ?? [];
    // apply never overwrites a value someone else set: theirs stays, and the row shows it
    if (!list.some((x) => x.key === v.key && x.environmentScope === v.environmentScope))
      list.push({ key: v.key, environmentScope: v.environmentScope, value: v.value });
    out.set(key, list);
  }
  return out;
}

export function predictContinuity(
  plan: Plan,
  audits: ProjectAudit[],
  liveVariables: VariablesByOwner,
): Continuity {
  const continuity = buildContinuity({
    clusters: certClustersOf(plan),
    agents: plan.agents.map((a) => ({
      ref: a.ref,
      project: a.project,
      apiUrl: a.apiUrl,
      authorizations: readAuthorizations(renderConfigText(a.config, null), {
        agentProject: a.project,
        instanceAuthorization: plan.gitlab.instanceAuthorization,
      }),
      notReady: null,
    })),
    variables: plannedVariables(plan, liveVariables),
    projects: audits.map(jobsOf),
    instanceAuthorization: plan.gitlab.instanceAuthorization,
  });
  const migrating = new Set(plan.clusters.filter((c) => c.action === 'migrate').map((c) => c.id));
  for (const id of continuity.gates.keys()) if (!migrating.has(id)) continuity.gates.delete(id);
  return continuity;
}

/** One warning per cluster to migrate that would stay on after apply. */
export function continuityWarnings(continuity: Continuity): PlanWarning[] {
  return [...continuity.gates.values()]
    .filter((g) => !g.holds)
    .sort((a, b) => a.clusterId - b.clusterId)
    .map((g) => ({
      code: 'continuity',
      clusterId: g.clusterId,
      message: `Cluster ${g.clusterId} would stay on after apply: ${g.problems.slice(0, 3).join(' · ')}${g.problems.length > 3 ? ` (and ${g.problems.length - 3} more)` : ''}. Fix the jobs (apply --fix-ci merge-request does what it can), then \`migrate-clusters verify\` shows when it may go.`,
    }));
}
