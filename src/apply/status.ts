// `status`: how far a plan has got, read live from GitLab and (where a kube context reaches them)
// the clusters. Read-only by design: every call here is a GET, so it is safe to run at any time,
// also while an apply is under way. Each check answers the question the matching apply step asks.
import { KubernetesObjectApi, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { desiredConfigFiles } from '../agent-config/desired-files.js';
import { projectInfo, readFilesAt, type ProjectInfo } from '../agent-config/read-files.js';
import { environmentTemplatePath } from '../agent-config/render.js';
import { UserError } from '../errors.js';
import { findAgent, listActiveTokens, type AgentTokenRecord } from '../gitlab/agents.js';
import type { GitLabClient } from '../gitlab/client.js';
import { listEnvironments } from '../gitlab/environments.js';
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import { findVariable } from '../gitlab/variables.js';
import { readSecretAnnotation } from '../kube/apply.js';
import { callKube, isNotFound } from '../kube/errors.js';
import { agentkObjectNames, TOKEN_ID_ANNOTATION } from '../kube/manifests.js';
import { rolloutState } from '../kube/rollout.js';
import { scopeMatches } from '../plan/variable-precedence.js';
import type { Plan, PlannedAgent, PlannedCluster } from '../plan/types.js';
import type { Journal } from './journal.js';
import type { KubeAccess } from './types.js';

export type AgentState = 'not-started' | 'in-progress' | 'cut-over';
/** ok: done; pending: apply (or a person) still has to do it; unknown: cannot be checked from here */
export type CheckState = 'ok' | 'pending' | 'unknown';
export type CheckKind =
  'config' | 'agent' | 'tokens' | 'agentk' | 'variable' | 'environments' | 'cluster';

export interface StatusCheck {
  kind: CheckKind;
  /** what is checked, e.g. "KUBE_CONTEXT on group platform (scope *)" */
  subject: string;
  state: CheckState;
  detail: string;
}

export interface LiveCluster {
  id: number;
  name: string;
  enabled: boolean;
  apiUrl: string | null;
  caCert: string | null;
  namespacePerEnvironment: boolean | null;
}

export interface AgentStatusReport {
  ref: string;
  state: AgentState;
  agentId: number | null;
  activeTokens: number;
  connected: boolean;
  checks: StatusCheck[];
}

export interface PlanStatus {
  gitlabUrl: string;
  planGeneratedAt: string;
  /** when apply last recorded a change for this plan; null: no journal */
  journalUpdatedAt: string | null;
  agents: AgentStatusReport[];
  summary: Record<AgentState, number>;
  /** some agent is not cut over yet */
  pending: boolean;
}

export interface StatusDeps {
  client: GitLabClient;
  kube: KubeAccess;
  journal: Journal | null;
  /** from readLiveClusters; null: the cluster no longer exists */
  clusters: Map<number, LiveCluster | null>;
}

/** The certificate clusters the plan's agents replace, as GitLab has them now (one GET each). */
export async function readLiveClusters(
  client: GitLabClient,
  clusters: PlannedCluster[],
): Promise<Map<number, LiveCluster | null>> {
  const entries = await Promise.all(
    clusters.map(async (c): Promise<[number, LiveCluster | null]> => {
      try {
        const live = await client.clusters.show(c.level, c.owner, c.id);
        return [
          c.id,
          {
            id: live.id,
            name: live.name,
            enabled: live.enabled !== false,
            apiUrl: live.platform_kubernetes?.api_url ?? null,
            caCert: live.platform_kubernetes?.ca_cert ?? null,
            namespacePerEnvironment: live.namespace_per_environment ?? null,
          },
        ];
      } catch (error) {
        if (httpFailure(error)?.status === 404) return [c.id, null];
        throw explainGitLabError(error, client.url, `reading certificate cluster ${c.id}`);
      }
    }),
  );
  return new Map(entries);
}

/** The planned clusters that some agent of the plan replaces. */
export function clustersOfAgents(plan: Plan, agents: PlannedAgent[] = plan.agents) {
  const ids = new Set(agents.flatMap((a) => a.clusterIds));
  return plan.clusters.filter((c) => ids.has(c.id));
}

const where = (level: string, owner: string | null) =>
  level === 'instance' ? 'the instance' : `${level} ${owner}`;

type Check = Omit<StatusCheck, 'kind'>;

async function configCheck(
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

interface AgentkLook {
  check: Check;
  installedTokenId: number | null;
}

async function readDeployment(kc: KubeConfig, namespace: string, name: string) {
  const client = KubernetesObjectApi.makeApiClient(kc);
  return callKube(kc, 'read', `Deployment ${namespace}/${name}`, async () => {
    try {
      return await client.read<V1Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace },
      });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  });
}

async function agentkCheck(kube: KubeAccess, agent: PlannedAgent): Promise<AgentkLook> {
  const subject = `agentk in ${agent.namespace}`;
  const target = kube.targetFor(agent);
  if (!target.ok)
    return {
      check: { subject, state: 'unknown', detail: `unknown: ${target.problem}` },
      installedTokenId: null,
    };
  const names = agentkObjectNames(agent.name);
  try {
    const deployment = await readDeployment(target.kc, agent.namespace, names.deployment);
    const id = await readSecretAnnotation(
      target.kc,
      agent.namespace,
      names.secret,
      TOKEN_ID_ANNOTATION,
    );
    const installedTokenId = id != null && /^\d+$/.test(id) ? Number(id) : null;
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

function tokensCheck(active: AgentTokenRecord[], installedTokenId: number | null) {
  const installed =
    installedTokenId == null ? undefined : active.find((t) => t.id === installedTokenId);
  const used = installed ?? active.find((t) => t.lastUsedAt != null);
  const connected = used?.lastUsedAt != null;
  const parts = [`${active.length} active`];
  if (installedTokenId != null && !installed)
    parts.push(`agentk has token ${installedTokenId}, which is no longer active`);
  parts.push(connected ? `connected (last used ${used.lastUsedAt})` : 'not connected');
  return { connected, check: { subject: 'tokens', detail: parts.join(', ') } };
}

async function environmentsCheck(
  client: GitLabClient,
  plan: Plan,
  agent: PlannedAgent,
  agentId: number | null,
): Promise<Check | null> {
  // Over REST GitLab links only agents registered in the environment's own project (see apply).
  const scopes = plan.clusters
    .filter(
      (c) =>
        agent.clusterIds.includes(c.id) &&
        c.level === 'project' &&
        c.owner?.toLowerCase() === agent.project.toLowerCase(),
    )
    .map((c) => c.environmentScope);
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

async function variableChecks(client: GitLabClient, agent: PlannedAgent) {
  return Promise.all(
    agent.ciVariables.map(async (v): Promise<StatusCheck> => {
      const subject = `${v.key} on ${where(v.level, v.owner)} (scope ${v.environmentScope})`;
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

function clusterChecks(agent: PlannedAgent, deps: StatusDeps): StatusCheck[] {
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
    return { kind: 'cluster', subject, state: 'pending', detail: 'on' };
  });
}

/**
 * not-started: nothing of the agent exists in GitLab yet; cut-over: every check is ok (agentk
 * may be unknown when no kube context reaches it: a connected token shows it runs somewhere).
 */
function overallState(checks: StatusCheck[], connected: boolean): AgentState {
  const relevant = checks.filter((c) => !(c.kind === 'agentk' && c.state === 'unknown'));
  if (connected && relevant.every((c) => c.state === 'ok')) return 'cut-over';
  const started = checks.some(
    (c) =>
      c.state === 'ok' &&
      c.kind !== 'cluster' &&
      !(c.kind === 'environments' && c.detail === 'none to link'),
  );
  const anyOff = checks.some((c) => c.kind === 'cluster' && c.state === 'ok');
  return started || anyOff ? 'in-progress' : 'not-started';
}

async function agentStatus(
  plan: Plan,
  agent: PlannedAgent,
  deps: StatusDeps,
): Promise<AgentStatusReport> {
  const { client } = deps;
  const info = await projectInfo(client, agent.project);
  const [config, registered, agentk, variables] = await Promise.all([
    configCheck(client, plan, agent, info),
    info ? findAgent(client, agent.project, agent.name) : null,
    agentkCheck(deps.kube, agent),
    variableChecks(client, agent),
  ]);
  const agentId = registered?.id ?? null;
  const active = agentId == null ? [] : await listActiveTokens(client, agent.project, agentId);
  const tokens = tokensCheck(active, agentk.installedTokenId);
  const environments = await environmentsCheck(client, plan, agent, agentId);
  const checks: StatusCheck[] = [
    { kind: 'config', ...config },
    {
      kind: 'agent',
      subject: `agent ${agent.name}`,
      state: agentId == null ? 'pending' : 'ok',
      detail: agentId == null ? 'not registered' : `registered (id ${agentId})`,
    },
    {
      kind: 'tokens',
      ...tokens.check,
      state: agentId == null ? 'pending' : tokens.connected ? 'ok' : 'pending',
    },
    { kind: 'agentk', ...agentk.check },
    ...variables,
    ...(environments ? [{ kind: 'environments' as const, ...environments }] : []),
    ...clusterChecks(agent, deps),
  ];
  return {
    ref: agent.ref,
    state: overallState(checks, tokens.connected),
    agentId,
    activeTokens: active.length,
    connected: tokens.connected,
    checks,
  };
}

/** Every agent of the plan, checked live. Makes GET requests only (GitLab and Kubernetes). */
export async function readPlanStatus(plan: Plan, deps: StatusDeps): Promise<PlanStatus> {
  const agents = await Promise.all(plan.agents.map((a) => agentStatus(plan, a, deps)));
  const summary: Record<AgentState, number> = { 'not-started': 0, 'in-progress': 0, 'cut-over': 0 };
  for (const a of agents) summary[a.state] += 1;
  return {
    gitlabUrl: plan.gitlab.url,
    planGeneratedAt: plan.generatedAt,
    journalUpdatedAt: deps.journal?.updatedAt ?? null,
    agents,
    summary,
    pending: agents.some((a) => a.state !== 'cut-over'),
  };
}
