// After the agent is connected: KUBE_* variables so jobs pick the same cluster as before,
// environments linked to the agent, and only then (when asked) the old cluster turned off.
import { linkEnvironmentToAgent, listEnvironments } from '../../gitlab/environments.js';
import { endpoint } from '../../gitlab/endpoint.js';
import { clusterPath } from '../../gitlab/certificate-clusters.js';
import { wouldCall } from '../preview.js';
import { createVariable, findVariable, variablesPath } from '../../gitlab/variables.js';
import { scopeMatches } from '../../plan/variable-precedence.js';
import type { PlannedAgent, PlannedCluster } from '../../plan/types.js';
import { variableId } from '../../plan/variables.js';
import { staysOnDetail } from '../hints.js';
import type { StepResult, StepRunner } from '../types.js';
import { describeOwner } from './describe.js';
import { ensureAgentId } from './gitlab-steps.js';

export const setVariable: StepRunner = async (step, run, ctx): Promise<StepResult> => {
  if (step.kind !== 'set-variable') throw new Error(`setVariable ran ${step.kind}`);
  // the plan's own copy of the agent: a variable taken out of it since is not set
  const v = run.agent.ciVariables.find((c) => variableId(c) === variableId(step.variable));
  if (!v) return { status: 'skipped', detail: 'no longer in the plan' };
  const where = describeOwner(v.level, v.owner);
  const existing = await findVariable(ctx.client, v.level, v.owner, v.key, v.environmentScope);
  if (existing?.value === v.value)
    return { status: 'unchanged', detail: `${v.key} is already set on ${where}` };
  if (existing) {
    run.incomplete = true;
    return {
      status: 'needs-person',
      detail: `${v.key} on ${where} (scope ${v.environmentScope}) is already "${existing.value}"; left alone: set it to "${v.value}" yourself if this agent should replace it`,
    };
  }
  if (ctx.settings.dryRun) {
    wouldCall(
      ctx.preview,
      [run.agent.ref],
      'POST',
      variablesPath(v.level, v.owner),
      `set ${v.key}=${v.value} on ${where} (scope ${v.environmentScope})`,
    );
    return { status: 'done', detail: `would set ${v.key}=${v.value} on ${where}` };
  }
  // Recorded first: rollback removes it only while it holds this value, so a variable that was
  // never set (a kill in between) is simply not found.
  await ctx.journal.record((j) => {
    if (
      !j.variables.some(
        (x) =>
          x.level === v.level &&
          x.owner === v.owner &&
          x.key === v.key &&
          x.environmentScope === v.environmentScope,
      )
    )
      j.variables.push({
        level: v.level,
        owner: v.owner,
        key: v.key,
        environmentScope: v.environmentScope,
        value: v.value,
      });
  });
  await createVariable(ctx.client, v.level, v.owner, {
    key: v.key,
    value: v.value,
    environmentScope: v.environmentScope,
    description: `Set by migrate-clusters for agent ${run.agent.ref}`,
  });
  return {
    status: 'done',
    detail: `set ${v.key}=${v.value} on ${where} (scope ${v.environmentScope})`,
  };
};

/** The environments of `project` that the agent's clusters of that project served. */
export function servedScopes(
  clusters: PlannedCluster[],
  agent: PlannedAgent,
  project: string,
): string[] {
  return clusters
    .filter(
      (c) =>
        agent.clusterIds.includes(c.id) &&
        c.level === 'project' &&
        c.owner?.toLowerCase() === project.toLowerCase(),
    )
    .map((c) => c.environmentScope);
}

export const linkEnvironments: StepRunner = async (step, run, ctx): Promise<StepResult> => {
  if (step.kind !== 'link-environment') throw new Error(`linkEnvironments ran ${step.kind}`);
  const project = step.project;
  const agentId = await ensureAgentId(run, ctx);
  if (agentId == null) {
    wouldCall(
      ctx.preview,
      [run.agent.ref],
      'PUT',
      endpoint`projects/${project}/environments` + '/:id',
      `link the environments of ${project} the agent's clusters served (once it is registered)`,
    );
    return { status: 'done', detail: `would link the environments of ${project}` };
  }
  const scopes = servedScopes(ctx.plan.clusters, run.agent, project);
  const environments = (await listEnvironments(ctx.client, project)).filter((e) =>
    scopes.some((s) => scopeMatches(s, e.name)),
  );
  const linked: string[] = [];
  const foreign: string[] = [];
  for (const env of environments) {
    if (env.clusterAgentId === agentId) continue;
    if (env.clusterAgentId != null) {
      foreign.push(env.name);
      continue;
    }
    linked.push(env.name);
    if (ctx.settings.dryRun) {
      wouldCall(
        ctx.preview,
        [run.agent.ref],
        'PUT',
        endpoint`projects/${project}/environments/${env.id}`,
        `link environment ${env.name} to agent ${agentId}`,
      );
      continue;
    }
    // recorded first: rollback unlinks only an environment that uses this tool's agent
    await ctx.journal.record((j) => {
      if (!j.environments.some((e) => e.project === project && e.id === env.id))
        j.environments.push({ project, id: env.id, name: env.name, previousAgentId: null });
    });
    await linkEnvironmentToAgent(ctx.client, project, env.id, agentId);
  }
  if (foreign.length > 0) {
    run.incomplete = true;
    return {
      status: 'needs-person',
      detail: `${foreign.join(', ')} already use another agent; left alone${linked.length ? `; linked ${linked.join(', ')}` : ''}`,
    };
  }
  if (linked.length === 0)
    return { status: 'unchanged', detail: `no environment of ${project} left to link` };
  return {
    status: 'done',
    detail: `${ctx.settings.dryRun ? 'would link' : 'linked'} ${linked.join(', ')}`,
  };
};

export const disableCluster: StepRunner = async (step, run, ctx): Promise<StepResult> => {
  const cluster = ctx.plan.clusters.find((c) => c.id === step.clusterId);
  if (!cluster) return { status: 'skipped', detail: 'no longer in the plan' };
  if (!ctx.settings.disableOldClusters)
    return { status: 'skipped', detail: staysOnDetail(ctx.settings) };
  const unverified = cluster.agents.filter((ref) => !ctx.verified.has(ref));
  if (unverified.length > 0) {
    const why = unverified
      .map((ref) => {
        const reasons = ctx.unverified.get(ref) ?? [];
        return reasons.length ? `${ref}: ${reasons.join('; ')}` : ref;
      })
      .join(' · ');
    return {
      status: 'needs-person',
      detail: `stays on: ${why}`,
    };
  }
  const gate =
    ctx.gate == null ? null : 'error' in ctx.gate ? ctx.gate : ctx.gate.gates.get(cluster.id);
  if (gate == null || 'error' in gate)
    return {
      status: 'needs-person',
      detail: `stays on: whether its jobs keep deploying could not be read${gate ? ` (${gate.error})` : ''}`,
    };
  if (!gate.holds) {
    const shown = gate.problems.slice(0, 5).join(' · ');
    const more =
      gate.problems.length > 5 ? ` (and ${gate.problems.length - 5} more: see verify)` : '';
    return { status: 'needs-person', detail: `stays on: ${shown}${more}` };
  }
  const current = await ctx.client.clusters.show(cluster.level, cluster.owner, cluster.id);
  if (!current.enabled) return { status: 'unchanged', detail: `cluster ${cluster.id} is off` };
  if (ctx.settings.dryRun) {
    wouldCall(
      ctx.preview,
      cluster.agents,
      'PUT',
      clusterPath(cluster.level, cluster.owner, cluster.id),
      `turn off certificate cluster ${cluster.id} (${cluster.name}): enabled=false`,
    );
    return { status: 'done', detail: `would turn off certificate cluster ${cluster.id}` };
  }
  const namespacePerEnvironment = current.namespace_per_environment ?? null;
  await ctx.journal.record((j) => {
    if (!j.disabledClusters.some((d) => d.id === cluster.id))
      j.disabledClusters.push({
        id: cluster.id,
        level: cluster.level,
        owner: cluster.owner,
        namespacePerEnvironment,
      });
  });
  await ctx.client.clusters.edit(cluster.level, cluster.owner, cluster.id, {
    enabled: false,
    ...(namespacePerEnvironment != null ? { namespacePerEnvironment } : {}),
  });
  return {
    status: 'done',
    detail: `turned off certificate cluster ${cluster.id} (${cluster.name})`,
  };
};
