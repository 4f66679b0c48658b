// Whether an agent has taken over: connected, configured, nothing held back. Read live at the
// end of its chain, and kept with the reasons why not for the cut-over and the summary.
import { readConfigFiles } from '../../gitlab/repository-files.js';
import { missingGrants, readAuthorizations } from '../../continuity/authorizations.js';
import { UserError } from '../../errors.js';
import { readReadiness } from '../readiness.js';
import { ensureAgentId } from '../steps/gitlab-steps.js';
import { provenTarget } from '../steps/kube-target.js';
import type { AgentRun, ApplyContext } from '../types.js';

/**
 * Connected, configured, nothing held or needing a person. What this run's steps did not settle
 * (a plan made after a partial apply leaves out steps already done) is read live: turning an old
 * cluster off must never rest on an old reading. Why not is kept for the summary.
 */
export async function isVerified(run: AgentRun, ctx: ApplyContext): Promise<boolean> {
  const reasons = await unverifiedReasons(run, ctx).catch((error: unknown) => [
    error instanceof UserError ? error.message : (error as Error).message,
  ]);
  ctx.unverified.set(run.agent.ref, reasons);
  return reasons.length === 0;
}

async function unverifiedReasons(run: AgentRun, ctx: ApplyContext): Promise<string[]> {
  if (run.held) return [run.held];
  if (run.incomplete) return ['a variable or environment needs a person'];
  const reasons: string[] = [];
  if (!run.configLive) {
    const { agent } = run;
    const files = await readConfigFiles(ctx.client, agent.project, [agent.configPath]);
    const context = {
      agentProject: agent.project,
      instanceAuthorization: ctx.plan.gitlab.instanceAuthorization,
    };
    const missing = missingGrants(
      agent.config,
      readAuthorizations(files[agent.configPath] ?? null, context),
      context,
    );
    run.configLive = missing.length === 0;
    if (!run.configLive)
      reasons.push(`${agent.configPath} on the default branch: ${missing.slice(0, 3).join('; ')}`);
  }
  // Connected through the token agentk has, and agentk seen running where jobs used to deploy.
  const readiness = await readReadiness(ctx, run.agent, {
    agentId: await ensureAgentId(run, ctx),
    target: await provenTarget(run, ctx),
    installedTokenId: run.installedTokenId,
    requireInstalledToken: ctx.settings.install === 'apply',
    // connected by the rule seconds ago, through the token agentk has (wait-connection)
    ...(run.connected ? { connection: 'connected during this run' } : {}),
    ...(run.liveDeployment ? { deployment: run.liveDeployment } : {}),
  });
  run.connected = readiness.connected;
  if (!readiness.connected) reasons.push(`not connected: ${readiness.connection}`);
  if (readiness.notRunning) reasons.push(readiness.notRunning);
  return reasons;
}
