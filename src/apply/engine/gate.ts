// Before the old clusters go: --fix-ci's merge requests (from the live CI audit) and the
// continuity gate, read live once the agents are verified (verify/live-continuity.ts):
// disable-cluster turns off only the clusters whose rows all hold.
import { certClustersOf } from '../../continuity/old-cluster.js';
import { UserError } from '../../errors.js';
import type { PlannedAgent, PlanStep } from '../../plan/types.js';
import { disabledByUs, readLiveContinuity } from '../../verify/live-continuity.js';
import { projectsInReach } from '../../verify/projects-in-reach.js';
import { auditProjectCi } from '../../verify/read-ci.js';
import { fixCiStep, needsFixing } from '../fix-ci.js';
import type { ApplyContext } from '../types.js';

/**
 * --fix-ci: the CI audit of every project in reach of the selected agents' clusters, read live
 * (kept for the gate: a merge request changes no default branch), and a step per project with
 * a job that would break or stop.
 */
export async function fixCiSteps(ctx: ApplyContext, agents: PlannedAgent[]): Promise<PlanStep[]> {
  if (!ctx.settings.fixCi) return [];
  const ids = new Set(agents.flatMap((a) => a.clusterIds));
  const clusters = certClustersOf(ctx.plan, disabledByUs(ctx.journal.journal)).filter((c) =>
    ids.has(c.id),
  );
  const projects = await projectsInReach(ctx.client, clusters);
  const audits = await Promise.all(projects.map((p) => auditProjectCi(ctx.client, p)));
  ctx.audits = new Map(audits.map((a) => [a.project.toLowerCase(), a]));
  return audits.filter(needsFixing).map((a) => fixCiStep(a.project));
}

/**
 * The continuity of the clusters about to be turned off, read live once their agents are
 * verified (verify/live-continuity.ts): disable-cluster turns off only those whose rows all hold.
 */
export async function readGate(ctx: ApplyContext, cutOverSteps: PlanStep[]): Promise<void> {
  if (!ctx.settings.disableOldClusters || cutOverSteps.length === 0) return;
  const readiness = new Map<string, string | null | undefined>(
    ctx.plan.agents.map((a) => [
      a.ref,
      ctx.verified.has(a.ref) ? null : ctx.unverified.get(a.ref)?.join('; '),
    ]),
  );
  try {
    const live = await readLiveContinuity(
      { client: ctx.client, kube: ctx.kube, now: ctx.now, journal: ctx.journal.journal },
      ctx.plan,
      {
        clusterIds: [...new Set(cutOverSteps.map((s) => s.clusterId!))],
        ...(ctx.audits ? { audits: [...ctx.audits.values()] } : {}),
        readiness: new Map(
          [...readiness].filter((e): e is [string, string | null] => e[1] !== undefined),
        ),
      },
    );
    ctx.gate = { gates: live.continuity.gates };
  } catch (error) {
    ctx.gate = { error: error instanceof UserError ? error.message : (error as Error).message };
  }
}
