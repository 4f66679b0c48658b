// Whether the agent is connected, by GitLab's rule and through the token agentk has, and the
// wait for it: first for agentk's rollout, then for the connection, backing off as agents wait
// side by side.
import { readTokenConnection } from '../readiness.js';
import { readInstalledTokenId } from '../../kube/find-agentk.js';
import { agentkObjectNames } from '../../kube/manifests.js';
import { MAX_POLL_MS, waitForRollout } from '../../kube/rollout.js';
import type { AgentRun, ApplyContext, StepResult, StepRunner } from '../types.js';
import { ensureAgentId } from './gitlab-steps.js';
import { provenTarget, target } from './kube-target.js';

/** The id of the token agentk's Secret carries, where this run can see its cluster. */
export async function installedTokenId(run: AgentRun, ctx: ApplyContext): Promise<number | null> {
  const t = await provenTarget(run, ctx);
  if (!t.ok) return null;
  return readInstalledTokenId(t.kc, run.agent);
}

/**
 * Connected by GitLab's rule, through the token agentk has: where this tool installs agentk,
 * that is the token its Secret carries, and no other token proves anything about this agentk.
 * Where the user installs it (--install manifests|none), any of the agent's tokens.
 */
export async function readConnection(
  run: AgentRun,
  ctx: ApplyContext,
): Promise<{ connected: boolean; detail: string }> {
  const agentId = await ensureAgentId(run, ctx);
  const requireInstalledToken = ctx.settings.install === 'apply';
  if (agentId != null && requireInstalledToken)
    run.installedTokenId ??= await installedTokenId(run, ctx);
  const { connected, connection } = await readTokenConnection(ctx, run.agent, {
    agentId,
    installedTokenId: requireInstalledToken ? run.installedTokenId : null,
    requireInstalledToken,
    seesCluster: target(run, ctx).ok,
  });
  return { connected, detail: connection };
}

export async function isConnected(run: AgentRun, ctx: ApplyContext): Promise<boolean> {
  return (await readConnection(run, ctx)).connected;
}

export const waitConnection: StepRunner = async (_step, run, ctx): Promise<StepResult> => {
  const agentId = await ensureAgentId(run, ctx);
  if (agentId == null) return { status: 'skipped', detail: 'the agent is not registered yet' };
  const connected = () => isConnected(run, ctx);
  // A token made by this run has not been used yet: agentk got it a moment ago.
  const fresh = run.freshTokenId != null && run.freshTokenId === run.installedTokenId;
  const first = fresh
    ? { connected: false, detail: `token ${run.freshTokenId} was just created` }
    : await readConnection(run, ctx);
  if (first.connected) {
    run.connected = true;
    return { status: 'unchanged', detail: `agent ${run.agent.ref} is connected (${first.detail})` };
  }
  if (run.held) return { status: 'skipped', detail: `not waiting: ${run.held}` };
  if (ctx.settings.dryRun)
    return { status: 'done', detail: 'would wait for the rollout and the connection' };
  // Nobody here is installing agentk: waiting would only run out the clock.
  if (ctx.settings.install !== 'apply') {
    run.held = `not connected: ${first.detail}; agentk is yours to install (--install ${ctx.settings.install})`;
    return { status: 'skipped', detail: `${run.held}: run apply again once it is connected` };
  }
  if (!ctx.settings.wait) {
    run.held = 'not waiting for the agent to connect (--no-wait)';
    return { status: 'skipped', detail: `${run.held}: run apply again once it is connected` };
  }
  const t = run.target;
  if (ctx.settings.install === 'apply' && t?.ok) {
    const names = agentkObjectNames(run.agent.name);
    await waitForRollout(t.kc, run.agent.namespace, names.deployment, {
      deadlineMs: ctx.settings.rolloutDeadlineMs,
      pollMs: ctx.settings.pollMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  }
  const deadline = ctx.now().getTime() + ctx.settings.connectionDeadlineMs;
  // start short, then back off (agents wait side by side)
  let wait = ctx.settings.pollMs;
  while (!(await connected())) {
    if (ctx.signal?.aborted)
      return {
        status: 'skipped',
        detail: 'interrupted while waiting for the connection: run apply again to resume',
      };
    if (ctx.now().getTime() >= deadline) {
      run.held = 'the agent did not connect in time';
      return {
        status: 'failed',
        detail: `agentk is running but agent ${run.agent.ref} has not connected to GitLab within ${Math.round(ctx.settings.connectionDeadlineMs / 1000)} s: check the agentk logs (kubectl -n ${run.agent.namespace} logs deploy/${agentkObjectNames(run.agent.name).deployment}) and that the KAS address ${ctx.kas.address ?? ''} is reachable from the cluster`,
      };
    }
    await ctx.sleep(wait);
    wait = Math.min(wait * 1.5, Math.max(ctx.settings.pollMs, MAX_POLL_MS));
  }
  run.connected = true;
  return { status: 'done', detail: `agent ${run.agent.ref} connected` };
};
