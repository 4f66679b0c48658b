// The checks of `status`, one reader per question the matching apply step asks: is the config
// committed, is agentk running (and with which token), is a token connected, are the variables
// set, the environments linked, the old clusters off. GETs only, in GitLab and Kubernetes.
import { desiredConfigFiles } from '../../agent-config/desired-files.js';
import { sinceLastUse, tokenConnected } from '../../continuity/connected.js';
import type { ProjectInfo } from '../../gitlab/projects.js';
import { readFilesAt } from '../../gitlab/repository-files.js';
import { environmentTemplatePath } from '../../agent-config/render.js';
import { UserError } from '../../errors.js';
import type { AgentTokenRecord } from '../../gitlab/agents.js';
import type { GitLabClient } from '../../gitlab/client.js';
import { listEnvironments } from '../../gitlab/environments.js';
import { findVariable } from '../../gitlab/variables.js';
import { readAgentkDeployment, readInstalledTokenId } from '../../kube/find-agentk.js';
import { rolloutState } from '../../kube/rollout.js';
import { scopeMatches } from '../../plan/variable-precedence.js';
import type { Plan, PlannedAgent } from '../../plan/types.js';
import { describeVariable } from '../steps/describe.js';
import { servedScopes } from '../steps/cutover-steps.js';
import { proveTarget } from '../steps/kube-target.js';
import type { KubeAccess } from '../types.js';
import type { ClusterGate } from '../../continuity/rows.js';
import type { StatusCheck, StatusDeps } from './types.js';

/** A check before the aggregation names its kind. */
export type Check = Omit<StatusCheck, 'kind'>;

export async function configCheck(
  client: GitLabClient,
  plan: Plan,
  agent: PlannedAgent,
  info: ProjectInfo | null,
): Promise<Check> {
  const subject = agent.configPath;
  if (!info)
    return { subject, state: 'pending', detail: `project ${agent.project} does not exist` };
  const paths = [agent.configPath];
  if (agent.environmentTemplate != null) paths.push(environmentTemplatePath(agent.configPath));
  const snapshot = info.emptyRepo
    ? { files: {} as Record<string, { content: string } | null> }
    : await readFilesAt(client, agent.project, paths, info.defaultBranch);
  const existing = Object.fromEntries(paths.map((p) => [p, snapshot.files[p]?.content ?? null]));
  const clusters = plan.clusters.filter((c) => agent.clusterIds.includes(c.id));
  const desired = desiredConfigFiles(agent, clusters, existing);
  const stale = desired.files.filter((f) => f.action !== 'unchanged').map((f) => f.path);
  if (stale.length === 0)
    return { subject, state: 'ok', detail: `up to date on ${info.defaultBranch}` };
  return {
    subject,
    state: 'pending',
    detail: `${stale.map((p) => `${p} ${existing[p] == null ? 'missing' : 'differs from the plan'}`).join(', ')} on ${info.defaultBranch}`,
  };
}

export interface AgentkLook {
  check: Check;
  installedTokenId: number | null;
}

export async function agentkCheck(kube: KubeAccess, agent: PlannedAgent): Promise<AgentkLook> {
  const subject = `agentk in ${agent.namespace}`;
  const target = await proveTarget(kube, agent);
  if (!target.ok)
    return {
      check: { subject, state: 'unknown', detail: `unknown: ${target.problem}` },
      installedTokenId: null,
    };
  try {
    const deployment = await readAgentkDeployment(target.kc, agent);
    const installedTokenId = await readInstalledTokenId(target.kc, agent);
    if (!deployment)
      return {
        check: { subject, state: 'pending', detail: `not installed (context ${target.context})` },
        installedTokenId,
      };
    const rollout = rolloutState(deployment);
    return {
      check: {
        subject,
        state: rollout.done ? 'ok' : 'pending',
        detail: `${rollout.done ? 'available' : 'not available'}: ${rollout.summary} (context ${target.context})`,
      },
      installedTokenId,
    };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return {
      check: { subject, state: 'unknown', detail: `unknown: ${error.message}` },
      installedTokenId: null,
    };
  }
}

/**
 * GitLab's rule: connected when an active token was used within the hour. When agentk's Secret
 * says which token it has, only that one counts; without a view of the cluster, any of them.
 */
export function tokensCheck(
  active: AgentTokenRecord[],
  installedTokenId: number | null,
  now: Date,
) {
  const installed =
    installedTokenId == null ? undefined : active.find((t) => t.id === installedTokenId);
  const used = installedTokenId == null ? active.find((t) => tokenConnected(t, now)) : installed;
  const connected = used != null && tokenConnected(used, now);
  const parts = [`${active.length} active`];
  if (installedTokenId != null && !installed)
    parts.push(`agentk has token ${installedTokenId}, which is no longer active`);
  const shown = used ?? active[0];
  parts.push(
    connected
      ? `connected (token ${used.id} ${sinceLastUse(used, now)})`
      : `not connected${shown ? ` (token ${shown.id} ${sinceLastUse(shown, now)})` : ''}`,
  );
  return { connected, check: { subject: 'tokens', detail: parts.join(', ') } };
}

export async function environmentsCheck(
  client: GitLabClient,
  plan: Plan,
  agent: PlannedAgent,
  agentId: number | null,
): Promise<Check | null> {
  // Over REST GitLab links only agents registered in the environment's own project (see apply).
  const scopes = servedScopes(plan.clusters, agent, agent.project);
  if (scopes.length === 0) return null;
  const subject = `environments of ${agent.project}`;
  if (agentId == null) return { subject, state: 'pending', detail: 'the agent is not registered' };
  const served = (await listEnvironments(client, agent.project)).filter((e) =>
    scopes.some((s) => scopeMatches(s, e.name)),
  );
  if (served.length === 0) return { subject, state: 'ok', detail: 'none to link' };
  const linked = served.filter((e) => e.clusterAgentId === agentId).map((e) => e.name);
  const other = served.filter((e) => e.clusterAgentId != null && e.clusterAgentId !== agentId);
  const unlinked = served.filter((e) => e.clusterAgentId == null).map((e) => e.name);
  const parts = [
    linked.length ? `linked: ${linked.join(', ')}` : '',
    unlinked.length ? `not linked: ${unlinked.join(', ')}` : '',
    other.length ? `another agent: ${other.map((e) => e.name).join(', ')}` : '',
  ];
  return {
    subject,
    state: linked.length === served.length ? 'ok' : 'pending',
    detail: parts.filter(Boolean).join('; '),
  };
}

export async function variableChecks(client: GitLabClient, agent: PlannedAgent) {
  return Promise.all(
    agent.ciVariables.map(async (v): Promise<StatusCheck> => {
      const subject = describeVariable(v);
      const found = await findVariable(client, v.level, v.owner, v.key, v.environmentScope);
      if (found?.value === v.value)
        return { kind: 'variable', subject, state: 'ok', detail: v.value };
      const detail =
        found == null
          ? `not set (planned ${v.value})`
          : `is ${found.value == null ? 'hidden' : `"${found.value}"`}, planned ${v.value}`;
      return { kind: 'variable', subject, state: 'pending', detail };
    }),
  );
}

/** The cut-over gate of a cluster still on: may it go, or why must it stay. */
function gateDetail(gates: Map<number, ClusterGate> | string, id: number): string {
  if (typeof gates === 'string') return `on; whether it may go could not be read (${gates})`;
  const gate = gates.get(id);
  if (!gate) return 'on';
  if (gate.holds)
    return 'on; every job that used it is proven to reach it through its agent: apply --disable-old-clusters may turn it off';
  const more =
    gate.problems.length > 1 ? ` (and ${gate.problems.length - 1} more: see verify)` : '';
  return `on; must stay on: ${gate.problems[0]}${more}`;
}

export function clusterChecks(
  agent: PlannedAgent,
  deps: StatusDeps & { gates: Map<number, ClusterGate> | string },
): StatusCheck[] {
  const ours = new Set(deps.journal?.disabledClusters.map((d) => d.id) ?? []);
  return agent.clusterIds.map((id): StatusCheck => {
    const live = deps.clusters.get(id);
    const subject = `certificate cluster ${id}${live ? ` (${live.name})` : ''}`;
    // GitLab answers 404 also for a cluster this token cannot see: not proof it is gone.
    if (live == null)
      return {
        kind: 'cluster',
        subject,
        state: 'unknown',
        detail: 'unknown: GitLab shows no such cluster (deleted, or this token cannot see it)',
      };
    if (!live.enabled)
      return {
        kind: 'cluster',
        subject,
        state: 'ok',
        detail: ours.has(id) ? 'off (turned off by migrate-clusters)' : 'off',
      };
    return { kind: 'cluster', subject, state: 'pending', detail: gateDetail(deps.gates, id) };
  });
}
