// `status`: how far a plan has got, read live from GitLab and (where a kube context reaches them)
// the clusters. This file adds each agent's checks (./status/checks.ts) up to its state and the
// plan's summary. Read-only by design: every call is a GET, so it is safe to run at any time, also
// while an apply is under way.
import { projectInfo } from '../gitlab/projects.js';
import type { ClusterGate } from '../continuity/rows.js';
import { UserError } from '../errors.js';
import { findAgent, listActiveTokens } from '../gitlab/agents.js';
import { readLiveContinuity } from '../verify/live-continuity.js';
import type { Plan, PlannedAgent } from '../plan/types.js';
import {
  agentkCheck,
  clusterChecks,
  configCheck,
  environmentsCheck,
  tokensCheck,
  variableChecks,
} from './status/checks.js';
import type {
  AgentState,
  AgentStatusReport,
  PlanStatus,
  StatusCheck,
  StatusDeps,
} from './status/types.js';

export { clustersOfAgents, readLiveClusters } from './status/live-clusters.js';
export type {
  AgentState,
  AgentStatusReport,
  CheckKind,
  CheckState,
  LiveCluster,
  PlanStatus,
  StatusCheck,
  StatusDeps,
} from './status/types.js';

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
  deps: StatusDeps & { gates: Map<number, ClusterGate> | string },
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
  const tokens = tokensCheck(active, agentk.installedTokenId, deps.now());
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

/**
 * Every agent of the plan, checked live, and for each old cluster still on whether the cut-over
 * gate would let it go (verify/live-continuity.ts). Reads only: GETs, and POST /ci/lint, which
 * validates a configuration and stores nothing (lib/api/lint.rb).
 */
export async function readPlanStatus(plan: Plan, deps: StatusDeps): Promise<PlanStatus> {
  const on = plan.clusters
    .filter((c) => c.action === 'migrate' && deps.clusters.get(c.id)?.enabled)
    .map((c) => c.id);
  let gates: Map<number, ClusterGate> | string = new Map();
  try {
    if (on.length)
      gates = (await readLiveContinuity(deps, plan, { clusterIds: on })).continuity.gates;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    gates = error.message;
  }
  const withGates = { ...deps, gates };
  const agents = await Promise.all(plan.agents.map((a) => agentStatus(plan, a, withGates)));
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
