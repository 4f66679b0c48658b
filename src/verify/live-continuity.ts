// The continuity table read live: every project that could deploy through the plan's clusters,
// its CI jobs (the audit), the CI/CD variables it sees, each planned agent's config.yaml on the
// default branch and whether the agent is ready; then the pure model (continuity/rows.ts).
// Shared by `verify`, `status` and apply's cut-over gate. GETs only.
import { readConfigFiles } from '../gitlab/repository-files.js';
import type { Journal } from '../apply/journal.js';
import { notReadyReason, readReadiness, type ReadinessDeps } from '../apply/readiness.js';
import type { ProjectAudit } from '../ci-audit/types.js';
import { missingGrants, readAuthorizations } from '../continuity/authorizations.js';
import { certClustersOf } from '../continuity/old-cluster.js';
import { jobsOf } from '../continuity/project-jobs.js';
import { buildContinuity, type AgentView, type Continuity } from '../continuity/rows.js';
import { findAgent } from '../gitlab/agents.js';
import type { Plan, PlannedAgent } from '../plan/types.js';
import { projectsInReach } from './projects-in-reach.js';
import { auditProjectCi } from './read-ci.js';
import { readVariables } from './read-variables.js';

export interface LiveContinuityDeps extends ReadinessDeps {
  journal: Journal | null;
}

/** The clusters this tool's journal says it turned off. */
export const disabledByUs = (journal: Journal | null) =>
  journal?.disabledClusters.map((d) => d.id) ?? [];

export interface LiveContinuity {
  continuity: Continuity;
  audits: ProjectAudit[];
  agents: AgentView[];
}

async function agentView(
  deps: LiveContinuityDeps,
  plan: Plan,
  agent: PlannedAgent,
  known: string | null | undefined,
): Promise<AgentView> {
  const files = await readConfigFiles(deps.client, agent.project, [agent.configPath]);
  const context = {
    agentProject: agent.project,
    instanceAuthorization: plan.gitlab.instanceAuthorization,
  };
  const authorizations = readAuthorizations(files[agent.configPath] ?? null, context);
  let notReady = known;
  if (notReady === undefined) {
    const registered = await findAgent(deps.client, agent.project, agent.name).catch(() => null);
    const missing = missingGrants(agent.config, authorizations, context);
    const reasons = [
      missing.length
        ? `config.yaml on the default branch: ${missing.slice(0, 3).join('; ')}`
        : null,
      registered == null
        ? 'not registered'
        : notReadyReason(
            await readReadiness(deps, agent, {
              agentId: registered.id,
              requireInstalledToken: false,
            }),
          ),
    ].filter((r): r is string => r != null);
    notReady = reasons.length ? reasons.join('; ') : null;
  }
  return { ref: agent.ref, project: agent.project, apiUrl: agent.apiUrl, authorizations, notReady };
}

export interface LiveContinuityOptions {
  /** the clusters to check (default: every cluster the plan migrates) */
  clusterIds?: number[];
  /** readiness already known (apply's verification): ref → null when ready, else why not */
  readiness?: Map<string, string | null>;
  /** audits already read in this run (apply --fix-ci); projects without one are read */
  audits?: ProjectAudit[];
}

export async function readLiveContinuity(
  deps: LiveContinuityDeps,
  plan: Plan,
  options: LiveContinuityOptions = {},
): Promise<LiveContinuity> {
  const clusters = certClustersOf(plan, disabledByUs(deps.journal));
  const wanted = new Set(
    options.clusterIds ?? plan.clusters.filter((c) => c.action !== 'skip').map((c) => c.id),
  );
  const projects = await projectsInReach(
    deps.client,
    clusters.filter((c) => wanted.has(c.id)),
  );
  const instance =
    plan.gitlab.instanceAuthorization ||
    plan.agents.some((a) => a.ciVariables.some((v) => v.level === 'instance'));
  const [audits, variables, agents] = await Promise.all([
    Promise.all(
      projects.map(
        async (p) =>
          options.audits?.find((a) => a.project.toLowerCase() === p.path.toLowerCase()) ??
          (await auditProjectCi(deps.client, p)),
      ),
    ),
    readVariables(deps.client, projects, { instance }),
    Promise.all(plan.agents.map((a) => agentView(deps, plan, a, options.readiness?.get(a.ref)))),
  ]);
  const continuity = buildContinuity({
    clusters,
    agents,
    variables,
    projects: audits.map(jobsOf),
    instanceAuthorization: plan.gitlab.instanceAuthorization,
    clusterAgents: new Map(plan.clusters.map((c) => [c.id, c.agents])),
  });
  // Only the clusters asked about decide; rows through others are context.
  for (const id of continuity.gates.keys()) if (!wanted.has(id)) continuity.gates.delete(id);
  return { continuity, audits, agents };
}
