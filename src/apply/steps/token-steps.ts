// The agent's token: reuse the token agentk already has when GitLab still knows it, otherwise
// create one (staying within GitLab's two active tokens by revoking one agentk does not use), and
// revoke the tokens of earlier runs that agentk never got once it has a new one.
import { randomBytes } from 'node:crypto';
import { endpoint } from '../../gitlab/endpoint.js';
import { wouldCall } from '../preview.js';
import { createToken, listActiveTokens, revokeToken } from '../../gitlab/agents.js';
import { isLostAnswer, MAX_LOST_ANSWERS } from '../../gitlab/lost-answer.js';
import { agentkObjectNames } from '../../kube/manifests.js';
import type { AgentRun, ApplyContext, StepResult, StepRunner } from '../types.js';
import { installedTokenId, readConnection } from './connection-steps.js';
import { ensureAgentId } from './gitlab-steps.js';
import { underIntent } from './under-intent.js';
import { provenTarget } from './kube-target.js';

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
    wouldCall(
      ctx.preview,
      [run.agent.ref],
      'POST',
      endpoint`projects/${run.agent.project}/cluster_agents` + '/:agent_id/tokens',
      'create a token for the new agent (its id is known once it is registered)',
    );
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
    const tokens = endpoint`projects/${run.agent.project}/cluster_agents/${agentId}/tokens`;
    for (const token of revoke)
      wouldCall(
        ctx.preview,
        [run.agent.ref],
        'DELETE',
        `${tokens}/${token.id}`,
        `revoke unused token ${token.id}`,
      );
    wouldCall(ctx.preview, [run.agent.ref], 'POST', tokens, 'create a token for agentk');
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
export async function revokeOrphans(run: AgentRun, ctx: ApplyContext): Promise<void> {
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
