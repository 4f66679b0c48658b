// Is an agent ready to take over from its certificate clusters? Two things, both read live:
//   - connected by GitLab's rule (continuity/connected.ts), through the token agentk has: the
//     token id its Secret carries when agentk is visible (apply annotates it), otherwise — agentk
//     installed by the user — any of the agent's tokens, as GitLab's own `connected?` reads it;
//   - agentk running, seen through a kube context proven to reach the agent's cluster (server and
//     CA, or kube-system's identity): a connected token alone says it runs *somewhere*.
// Shared by apply (before a cluster is turned off), status and verify. Reads only.
import type { V1Deployment } from '@kubernetes/client-node';
import { sinceLastUse, tokenConnected } from '../continuity/connected.js';
import { getToken, listActiveTokens } from '../gitlab/agents.js';
import type { GitLabClient } from '../gitlab/client.js';
import { readAgentkDeployment, readInstalledTokenId } from '../kube/find-agentk.js';
import { rolloutState } from '../kube/rollout.js';
import type { PlannedAgent } from '../plan/types.js';
import { proveTarget } from './steps/kube-target.js';
import type { KubeAccess, KubeTarget } from './types.js';

export interface ReadinessDeps {
  client: GitLabClient;
  kube: KubeAccess;
  now: () => Date;
}

export interface Readiness {
  connected: boolean;
  /** e.g. "token 4 last used 12 s ago" */
  connection: string;
  /** null when agentk is seen running through a proven context; otherwise why not */
  notRunning: string | null;
  target: KubeTarget;
  installedTokenId: number | null;
}

export interface KnownSoFar {
  agentId: number | null;
  target?: KubeTarget | null;
  installedTokenId?: number | null;
  /** the token must be the one agentk's Secret names (apply installs it, so it must be there) */
  requireInstalledToken: boolean;
  /** this run saw the agent connect through that token a moment ago: not asked again */
  connection?: string;
  /** agentk's Deployment as this run read it a moment ago (install found nothing to change) */
  deployment?: V1Deployment | null;
}

export async function readReadiness(
  deps: ReadinessDeps,
  agent: PlannedAgent,
  known: KnownSoFar,
): Promise<Readiness> {
  const target = await proveTarget(deps.kube, agent, known.target ?? undefined);
  let installedTokenId = known.installedTokenId ?? null;
  let notRunning: string | null;
  if (!target.ok) notRunning = `cannot show agentk runs in ${agent.apiUrl}: ${target.problem}`;
  else {
    installedTokenId ??= await readInstalledTokenId(target.kc, agent);
    const deployment = known.deployment ?? (await readAgentkDeployment(target.kc, agent));
    const rollout = deployment ? rolloutState(deployment) : null;
    notRunning = !rollout
      ? `agentk is not installed in ${agent.namespace} (context ${target.context})`
      : rollout.done
        ? null
        : `agentk is not available: ${rollout.summary} (context ${target.context})`;
  }
  const connection = known.connection
    ? { connected: true, connection: known.connection }
    : await readTokenConnection(deps, agent, {
        agentId: known.agentId,
        installedTokenId,
        requireInstalledToken: known.requireInstalledToken,
        seesCluster: target.ok,
      });
  return { ...connection, target, installedTokenId, notRunning };
}

/** Connected by GitLab's one-hour rule, through the token agentk has where that is known. */
export async function readTokenConnection(
  deps: Pick<ReadinessDeps, 'client' | 'now'>,
  agent: PlannedAgent,
  known: {
    agentId: number | null;
    installedTokenId: number | null;
    requireInstalledToken: boolean;
    seesCluster: boolean;
  },
): Promise<{ connected: boolean; connection: string }> {
  if (known.agentId == null) return { connected: false, connection: 'the agent is not registered' };
  const now = deps.now();
  if (known.installedTokenId != null) {
    const token = await getToken(deps.client, agent.project, known.agentId, known.installedTokenId);
    if (token == null)
      return {
        connected: false,
        connection: `agentk has token ${known.installedTokenId}, which GitLab no longer knows`,
      };
    return {
      connected: tokenConnected(token, now),
      connection: `token ${token.id} ${sinceLastUse(token, now)}`,
    };
  }
  if (known.requireInstalledToken)
    return {
      connected: false,
      connection: known.seesCluster
        ? 'agentk in the cluster has no token this tool installed'
        : 'cannot see agentk in the cluster, so which token it uses is unknown',
    };
  // listActiveTokens reads each token, so lastUsedAt is filled in
  const active = await listActiveTokens(deps.client, agent.project, known.agentId);
  const used = active.find((t) => tokenConnected(t, now));
  return used
    ? { connected: true, connection: `token ${used.id} ${sinceLastUse(used, now)}` }
    : {
        connected: false,
        connection: `no token used within the hour (${active.map((t) => `token ${t.id} ${sinceLastUse(t, now)}`).join(', ') || 'no active token'})`,
      };
}

/** One line for people: null when ready. */
export function notReadyReason(r: Readiness): string | null {
  const parts = [
    ...(r.connected ? [] : [`not connected: ${r.connection}`]),
    ...(r.notRunning ? [r.notRunning] : []),
  ];
  return parts.length ? parts.join('; ') : null;
}
