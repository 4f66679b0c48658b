// Installing agentk: with server-side apply through the agent's kube context (a dry run first,
// so a converged cluster gets no write), or as a manifest file for the person to apply
// (--install manifests). The token comes from token-steps.ts; the wait from connection-steps.ts.
import { writeFileAtomic } from '../../files.js';
import { applyObjects, type AppliedObject } from '../../kube/apply.js';
import { manifestsToYaml, parseRbacFlag, renderAgentkManifests } from '../../kube/manifests.js';
import { join } from 'node:path';
import type { PlannedAgent } from '../../plan/types.js';
import type { ApplyContext, ApplySettings, StepResult, StepRunner } from '../types.js';
import { revokeOrphans } from './token-steps.js';
import { provenTarget } from './kube-target.js';

/** Where --install manifests writes an agent's objects. */
export function manifestPath(settings: ApplySettings, agent: PlannedAgent): string {
  return join(settings.outDir ?? 'manifests', `${agent.project}/${agent.name}.yaml`);
}

/** The dry run's record of one agent's objects: the server-side dry run's outcome and diff. */
function previewObjects(
  ctx: ApplyContext,
  agent: string,
  context: string,
  applied: AppliedObject[],
): void {
  for (const a of applied)
    ctx.preview?.objects.push({
      agent,
      context,
      kind: a.kind,
      namespace: a.namespace,
      name: a.name,
      outcome: a.outcome,
      diff: a.diff ?? null,
    });
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
      previewObjects(ctx, run.agent.ref, t.context, applied);
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
  if (ctx.settings.dryRun) previewObjects(ctx, agent.ref, t.context, applied);
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
