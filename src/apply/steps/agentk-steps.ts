// The token and agentk: reuse the token agentk already has when GitLab still knows it, otherwise
// create one (staying within GitLab's two active tokens by revoking one agentk does not use),
// install with server-side apply, then wait for the rollout and for the agent to connect.
import { writeFileAtomic } from '../../files.js';
import { randomBytes } from 'node:crypto';
import { createToken, listActiveTokens, revokeToken } from '../../gitlab/agents.js';
import { isLostAnswer, MAX_LOST_ANSWERS } from '../../gitlab/lost-answer.js';
import { readTokenConnection } from '../readiness.js';
import { applyObjects } from '../../kube/apply.js';
import { readInstalledTokenId } from '../../kube/find-agentk.js';
import {
  agentkObjectNames,
  manifestsToYaml,
  parseRbacFlag,
  renderAgentkManifests,
} from '../../kube/manifests.js';
import { MAX_POLL_MS, waitForRollout } from '../../kube/rollout.js';
import { join } from 'node:path';
import type { PlannedAgent } from '../../plan/types.js';
import type { AgentRun, ApplyContext, ApplySettings, StepResult, StepRunner } from '../types.js';
import { ensureAgentId } from './gitlab-steps.js';
import { underIntent } from './under-intent.js';
import { provenTarget, target } from './kube-target.js';

async function installedTokenId(run: AgentRun, ctx: ApplyContext): Promise<number | null> {
  const t = await provenTarget(run, ctx);
  if (!t.ok) return null;
  return readInstalledTokenId(t.kc, run.agent);
}

export const createTokenStep: StepRunner = async (_step, run, ctx): Promise<StepResult> => {
  if (ctx.settings.install !== 'apply') {
    // the person's agentk already connects with a token of theirs: nothing left to do here
    const now = await readConnection(run, ctx);
    if (now.connected) return { status: 'unchanged', detail: `connected (${now.detail})` };
    return {
      status: 'needs-person',
      detail: `create a token for ${run.agent.ref} (glab cluster agent token create, or the UI) and store it in Secret ${agentkObjectNames(run.agent.name).secret}: this tool only hands tokens to agentk itself`,
    };
  }
  const t = await provenTarget(run, ctx);
  if (!t.ok) {
    run.held = t.problem;
    return { status: 'needs-person', detail: t.problem };
  }
  const agentId = await ensureAgentId(run, ctx);
  if (agentId == null) {
    // only in a dry run can the agent still be missing here
    return { status: 'done', detail: 'would create a token for the new agent' };
  }
  const installed = await installedTokenId(run, ctx);
  const active = await listActiveTokens(ctx.client, run.agent.project, agentId);
  if (installed != null && active.some((token) => token.id === installed)) {
    run.installedTokenId = installed;
    return { status: 'unchanged', detail: `agentk already has active token ${installed}` };
  }
  // GitLab allows two active tokens: make room by revoking one agentk does not have.
  const spare = [...active].sort((a, b) =>
    (a.lastUsedAt ?? a.createdAt).localeCompare(b.lastUsedAt ?? b.createdAt),
  );
  const revoke = spare.slice(0, Math.max(0, active.length - 1));
  if (ctx.settings.dryRun) {
    const extra = revoke.length
      ? `, revoking unused token ${revoke.map((r) => r.id).join(', ')}`
      : '';
    return { status: 'done', detail: `would create a token${extra}` };
  }
  for (const token of revoke) {
    await revokeToken(ctx.client, run.agent.project, agentId, token.id);
    await ctx.journal.record((j) => j.revokedTokens.push({ ref: run.agent.ref, id: token.id }));
  }
  const created = await createTokenOnce(run, ctx, agentId);
  run.newToken = { id: created.record.id, value: created.token };
  run.freshTokenId = created.record.id;
  return { status: 'done', detail: `created token ${created.record.id}` };
};

/**
 * A token's value comes only in the answer to its creation. When that answer is lost, the token
 * (found by the name this attempt gave it) can never be handed to agentk: it is revoked, and
 * another is made.
 */
async function createTokenOnce(run: AgentRun, ctx: ApplyContext, agentId: number) {
  for (let attempt = 0; ; attempt++) {
    const name = `migrate-clusters-${ctx.now().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
    const { ref, project } = run.agent;
    try {
      return await underIntent(
        ctx.journal,
        { kind: 'create-token', ref, project, agentId, name },
        () =>
          createToken(ctx.client, project, agentId, name, 'Created by migrate-clusters for agentk'),
        (j, made) => j.tokens.push({ ref, id: made.record.id, name }),
      );
    } catch (error) {
      if (!isLostAnswer(error) || attempt >= MAX_LOST_ANSWERS) throw error;
      const lost = (await listActiveTokens(ctx.client, project, agentId)).filter(
        (t) => t.name === name,
      );
      for (const token of lost) {
        await ctx.journal.record((j) => j.tokens.push({ ref, id: token.id, name }));
        await revokeToken(ctx.client, project, agentId, token.id);
        await ctx.journal.record((j) => j.revokedTokens.push({ ref, id: token.id }));
      }
    }
  }
}

/**
 * Tokens this tool created that agentk never got (a run killed between creating and installing
 * them) stay active and count against GitLab's two; once agentk has a new one, they go.
 */
async function revokeOrphans(run: AgentRun, ctx: ApplyContext): Promise<void> {
  const mine = new Set(
    ctx.journal.journal.tokens.filter((t) => t.ref === run.agent.ref).map((t) => t.id),
  );
  mine.delete(run.installedTokenId ?? -1);
  const revoked = new Set(
    ctx.journal.journal.revokedTokens.filter((t) => t.ref === run.agent.ref).map((t) => t.id),
  );
  // nothing of ours that agentk does not have and that is not revoked already: nothing to ask
  if (run.agentId == null || [...mine].every((id) => revoked.has(id))) return;
  const active = await listActiveTokens(ctx.client, run.agent.project, run.agentId);
  for (const token of active) {
    if (token.id === run.installedTokenId || !mine.has(token.id)) continue;
    await revokeToken(ctx.client, run.agent.project, run.agentId, token.id);
    await ctx.journal.record((j) => j.revokedTokens.push({ ref: run.agent.ref, id: token.id }));
  }
}

/** Where --install manifests writes an agent's objects. */
export function manifestPath(settings: ApplySettings, agent: PlannedAgent): string {
  return join(settings.outDir ?? 'manifests', `${agent.project}/${agent.name}.yaml`);
}

export const installAgentk: StepRunner = async (_step, run, ctx): Promise<StepResult> => {
  const { agent } = run;
  if (ctx.settings.install === 'none')
    return { status: 'skipped', detail: 'installation left to you (--install none)' };
  if (ctx.kas.address == null || ctx.kas.version == null) {
    run.held = 'GitLab reports no agent server (KAS)';
    return { status: 'failed', detail: run.held };
  }
  const input = {
    agentName: agent.name,
    namespace: agent.namespace,
    kasAddress: ctx.kas.address,
    kasVersion: ctx.kas.version,
    rbac: parseRbacFlag(ctx.settings.rbac),
  };
  if (ctx.settings.install === 'manifests') {
    const file = manifestPath(ctx.settings, agent);
    if (!ctx.settings.dryRun)
      await writeFileAtomic(file, manifestsToYaml(renderAgentkManifests(input)));
    return { status: 'done', detail: `${ctx.settings.dryRun ? 'would write' : 'wrote'} ${file}` };
  }
  const t = await provenTarget(run, ctx);
  if (!t.ok) {
    run.held = t.problem;
    return { status: 'needs-person', detail: t.problem };
  }
  if (run.newToken == null && run.installedTokenId == null) {
    if (ctx.settings.dryRun) {
      const objects = renderAgentkManifests(input);
      const applied = await applyObjects(t.kc, objects, { dryRun: true, forceConflicts: false });
      return {
        status: 'done',
        detail: `would apply ${applied.length} objects (token Secret apart) with context ${t.context}`,
      };
    }
    run.held = 'no agent token to install';
    return { status: 'failed', detail: run.held };
  }
  const objects = renderAgentkManifests({
    ...input,
    ...(run.newToken
      ? { token: run.newToken }
      : run.installedTokenId != null
        ? { installedTokenId: run.installedTokenId }
        : {}),
  });
  // A reused token stays where it is: applying the Secret without its value would erase it.
  const toApply = run.newToken ? objects : objects.filter((o) => o.kind !== 'Secret');
  // A dry run first: when nothing would change, the cluster gets no write at all.
  const preview = await applyObjects(t.kc, toApply, {
    dryRun: true,
    forceConflicts: ctx.settings.forceConflicts,
  });
  const writes = !ctx.settings.dryRun && preview.some((a) => a.outcome !== 'unchanged');
  // Recorded before the first object is written: a kill halfway still leaves rollback
  // --uninstall the namespace to clean (it deletes what it finds, and finds nothing is fine).
  if (writes)
    await ctx.journal.record((j) => {
      if (!j.installs.some((i) => i.ref === agent.ref))
        j.installs.push({ ref: agent.ref, context: t.context, namespace: agent.namespace });
    });
  const applied = writes
    ? await applyObjects(t.kc, toApply, {
        dryRun: false,
        forceConflicts: ctx.settings.forceConflicts,
      })
    : preview;
  if (run.newToken && !ctx.settings.dryRun) {
    run.installedTokenId = run.newToken.id;
    run.newToken = null; // agentk has it now; nothing else may
    await revokeOrphans(run, ctx);
  }
  const changed = applied.filter((a) => a.outcome !== 'unchanged');
  const deployment = applied.find((a) => a.kind === 'Deployment')?.live;
  run.liveDeployment = changed.length === 0 && deployment ? deployment : null;
  if (changed.length === 0)
    return { status: 'unchanged', detail: `agentk is installed (context ${t.context})` };
  const counts = new Map<string, number>();
  for (const a of changed) counts.set(a.outcome, (counts.get(a.outcome) ?? 0) + 1);
  const tally = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
  const verb = ctx.settings.dryRun ? 'would apply' : 'applied';
  return {
    status: 'done',
    detail: `${verb} ${applied.length} objects in ${agent.namespace} (${tally}) with context ${t.context}`,
  };
};

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
