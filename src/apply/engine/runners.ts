// Which function carries out each kind of step, and how one step runs: held-back kinds wait for
// an agent that is not ready, a finished step is journaled, and an error becomes a failed result
// (the engine stops that agent's chain there). Commit steps of one project run as one batch.
import { UserError } from '../../errors.js';
import type { PlannedAgent, PlanStep, StepKind } from '../../plan/types.js';
import { fixProjectCi } from '../fix-ci.js';
import { installAgentk } from '../steps/agentk-steps.js';
import { waitConnection } from '../steps/connection-steps.js';
import { createTokenStep } from '../steps/token-steps.js';
import { commitConfig, createProject, registerAgentStep } from '../steps/gitlab-steps.js';
import { disableCluster, linkEnvironments, setVariable } from '../steps/cutover-steps.js';
import type { AgentRun, ApplyContext, StepResult, StepRunner } from '../types.js';

const runners: Record<StepKind, StepRunner> = {
  'create-project': createProject,
  'commit-config': commitConfig,
  'register-agent': registerAgentStep,
  'create-token': createTokenStep,
  'install-agentk': installAgentk,
  'wait-connection': waitConnection,
  'set-variable': setVariable,
  'link-environment': linkEnvironments,
  'disable-cluster': disableCluster,
  'fix-ci': async (step, _run, ctx) => {
    if (step.kind !== 'fix-ci') throw new Error(`fix-ci ran ${step.kind}`);
    const project = step.project;
    const audit = ctx.audits?.get(project.toLowerCase());
    if (!audit) return { status: 'skipped', detail: 'no CI audit of this project' };
    return fixProjectCi(audit, ctx);
  },
};

/** Steps that would point jobs at the agent: never before it is connected and configured. */
const HELD_KINDS = new Set<StepKind>(['set-variable', 'link-environment', 'disable-cluster']);

/** A failure as the one line a summary shows. */
export function failureText(error: unknown): string {
  return error instanceof UserError
    ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
    : (error as Error).message;
}

/** Marks a finished step done in the journal (resumable), unless it is a dry run. */
export async function settle(
  step: PlanStep,
  result: StepResult,
  run: AgentRun | null,
  ctx: ApplyContext,
) {
  if (result.status === 'failed' && run) run.held ??= result.detail;
  if (!ctx.settings.dryRun && (result.status === 'done' || result.status === 'unchanged'))
    try {
      await ctx.journal.stepDone(step.id);
    } catch (error) {
      // the journal broke: the engine starts nothing more, and the next run checks this step live
      if (!ctx.journal.broken) throw error;
    }
  return result;
}

export async function executeStep(
  step: PlanStep,
  run: AgentRun | null,
  ctx: ApplyContext,
): Promise<StepResult> {
  if (run?.held && HELD_KINDS.has(step.kind))
    return { status: 'skipped', detail: `held back: ${run.held}` };
  try {
    return await settle(step, await runners[step.kind](step, run!, ctx), run, ctx);
  } catch (error) {
    // a wait cut short by Ctrl-C is not a failure: the next run picks it up
    if (ctx.signal?.aborted)
      return { status: 'skipped', detail: 'interrupted: run apply again to resume' };
    const message = failureText(error);
    if (run) run.held = message;
    return { status: 'failed', detail: message };
  }
}

export function newRun(agent: PlannedAgent): AgentRun {
  return {
    agent,
    projectId: null,
    projectMissing: false,
    agentId: null,
    newToken: null,
    freshTokenId: null,
    liveDeployment: null,
    installedTokenId: null,
    target: null,
    configLive: false,
    connected: false,
    held: null,
    incomplete: false,
  };
}
