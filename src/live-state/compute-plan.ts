// plan = discover → read live state → map → audit CI. The agents are assembled first (no
// warnings) to learn which projects and config files matter, then the plan is made once with what
// GitLab already has. Agent names and projects
// do not depend on live state, so both passes agree on them. Then every project that could deploy
// through a cluster to migrate has its CI configuration read and audited (src/ci-audit), and the
// continuity the plan would leave is predicted, so the plan names the jobs that would break.
import { environmentTemplatePath } from '../agent-config/render.js';
import type { ProjectAudit } from '../ci-audit/types.js';
import type { VariablesByOwner } from '../continuity/kube-context.js';
import type { Inventory } from '../discovery/types.js';
import { UserError } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import { certClustersOf } from '../continuity/old-cluster.js';
import { projectsInReach } from '../verify/projects-in-reach.js';
import { auditProjectCi } from '../verify/read-ci.js';
import { readVariables } from '../verify/read-variables.js';
import { buildPlan, planAgents } from '../plan/build-plan.js';
import { emptyLiveState } from '../plan/live-state.js';
import type { PlanOptions } from '../plan/options.js';
import { continuityWarnings, predictContinuity } from '../plan/predict-continuity.js';
import { readLiveState, type LiveStateRequest } from './read-live-state.js';
import type { Plan, PlanWarning } from '../plan/types.js';

export async function computePlan(
  client: GitLabClient,
  inventory: Inventory,
  options: PlanOptions,
): Promise<Plan> {
  const live = await readLiveState(client, liveStateRequests(inventory, options), options.now());
  const plan = buildPlan(inventory, live, options);
  return options.ciAudit ? auditPlan(client, plan) : plan;
}

/** The plan with its CI audit and the warnings of the continuity it would leave. */
async function auditPlan(client: GitLabClient, plan: Plan): Promise<Plan> {
  const migrating = new Set(plan.clusters.filter((c) => c.action === 'migrate').map((c) => c.id));
  const projects = await projectsInReach(
    client,
    certClustersOf(plan).filter((c) => migrating.has(c.id)),
  );
  const audits = await Promise.all(projects.map((p) => auditProjectCi(client, p)));
  const extra: PlanWarning[] = [];
  let variables: VariablesByOwner = new Map();
  try {
    variables = await readVariables(client, projects, {
      instance: plan.gitlab.instanceAuthorization,
    });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    extra.push({
      code: 'continuity-unknown',
      clusterId: null,
      message: `The CI/CD variables of the projects in reach could not be read (${error.message}), so the plan assumes none but its own. Run \`migrate-clusters verify\` with a token that can read them.`,
    });
  }
  extra.push(...continuityWarnings(predictContinuity(plan, audits, variables)));
  return withAudit(plan, audits, projects.length, extra);
}

export function withAudit(
  plan: Plan,
  audits: ProjectAudit[],
  projectsRead: number,
  warnings: PlanWarning[],
): Plan {
  const all = [...plan.warnings, ...warnings];
  return {
    ...plan,
    summary: { ...plan.summary, warnings: all.length },
    warnings: all,
    ciAudit: {
      projectsRead,
      projects: audits
        .filter((a) => a.jobs.length > 0 || a.problem != null)
        .sort((a, b) => a.project.localeCompare(b.project)),
    },
  };
}

/**
 * What to ask GitLab, per project that would host agents. The agents assembled for it are dropped
 * on return: at 50,000 projects they are tens of megabytes the plan proper makes again.
 */
function liveStateRequests(inventory: Inventory, options: PlanOptions): LiveStateRequest[] {
  const draft = planAgents(inventory, emptyLiveState(), options);
  const requests = new Map<
    string,
    LiveStateRequest & { agents: NonNullable<LiveStateRequest['agents']> }
  >();
  for (const agent of draft.agents) {
    const request = requests.get(agent.project) ?? {
      project: agent.project,
      configPaths: [],
      agents: [],
      environments: false,
    };
    request.configPaths.push(agent.configPath);
    if (agent.environmentTemplate != null)
      request.configPaths.push(environmentTemplatePath(agent.configPath));
    request.agents.push({
      name: agent.name,
      variables: agent.ciVariables.map(({ level, owner }) => ({ level, owner })),
    });
    // it would link them: its cluster is one of this project's own
    request.environments ||= draft.progress.get(agent.ref)!.linkableProjects.length > 0;
    requests.set(agent.project, request);
  }
  return [...requests.values()].map((r) => ({
    ...r,
    configPaths: [...new Set(r.configPaths)].sort(),
  }));
}
