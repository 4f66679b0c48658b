// The apply engine: each selected agent's steps in plan order (mapping rule 10), then the old
// clusters' cut-over once every agent serving them is verified. Progress goes through listr2: its
// default renderer on a terminal, one plain line per step elsewhere.
import { Listr, type ListrTask } from 'listr2';
import { UserError } from '../errors.js';
import type { PlannedAgent, PlanStep, StepKind } from '../plan/types.js';
import { readConfigFiles } from '../agent-config/deliver.js';
import { readReadiness } from './readiness.js';
import { certClustersOf } from '../continuity/old-cluster.js';
import { disabledByUs, readLiveContinuity } from '../verify/live-continuity.js';
import { projectsInReach } from '../verify/projects-in-reach.js';
import { auditProjectCi } from '../verify/read-ci.js';
import { fixCiStep, fixProjectCi, needsFixing } from './fix-ci.js';
import { provenTarget } from './steps/kube-target.js';
import { missingGrants, readAuthorizations } from '../continuity/authorizations.js';
import { createTokenStep, installAgentk, waitConnection } from './steps/agentk-steps.js';
import {
  commitConfig,
  createProject,
  ensureAgentId,
  registerAgentStep,
} from './steps/gitlab-steps.js';
import { disableCluster, linkEnvironments, setVariable } from './steps/cutover-steps.js';
import type { AgentRun, ApplyContext, StepResult, StepRunner } from './types.js';

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
    const project = step.id.slice('ci/'.length, -'/fix-ci'.length);
    const audit = ctx.audits?.get(project.toLowerCase());
    if (!audit) return { status: 'skipped', detail: 'no CI audit of this project' };
    return fixProjectCi(audit, ctx);
  },
};

/** Steps that would point jobs at the agent: never before it is connected and configured. */
const HELD_KINDS = new Set<StepKind>(['set-variable', 'link-environment', 'disable-cluster']);

export interface StepOutcome {
  step: PlanStep;
  result: StepResult;
}

export interface ApplyResult {
  outcomes: StepOutcome[];
  verified: string[];
}

/** `--only` takes refs (`group/project:agent`) or bare agent names when unambiguous. */
export function selectAgents(agents: PlannedAgent[], only: string[]): PlannedAgent[] {
  if (only.length === 0) return agents;
  return only.map((wanted) => {
    const matches = agents.filter(
      (a) => a.ref.toLowerCase() === wanted.toLowerCase() || a.name === wanted,
    );
    if (matches.length === 1) return matches[0]!;
    const known = agents.map((a) => a.ref).join(', ');
    throw new UserError(
      matches.length === 0
        ? `--only ${wanted}: the plan has no such agent.`
        : `--only ${wanted} is ambiguous: ${matches.map((a) => a.ref).join(', ')}.`,
      { hint: `Use one of: ${known || '(the plan has no agents)'}.` },
    );
  });
}

export function newRun(agent: PlannedAgent): AgentRun {
  return {
    agent,
    projectId: null,
    projectMissing: false,
    agentId: null,
    newToken: null,
    installedTokenId: null,
    target: null,
    configLive: false,
    connected: false,
    held: null,
    incomplete: false,
  };
}

export async function executeStep(
  step: PlanStep,
  run: AgentRun | null,
  ctx: ApplyContext,
): Promise<StepResult> {
  if (run?.held && HELD_KINDS.has(step.kind))
    return { status: 'skipped', detail: `held back: ${run.held}` };
  try {
    const result = await runners[step.kind](step, run!, ctx);
    if (result.status === 'failed' && run) run.held ??= result.detail;
    if (!ctx.settings.dryRun && (result.status === 'done' || result.status === 'unchanged'))
      await ctx.journal.stepDone(step.id);
    return result;
  } catch (error) {
    const message =
      error instanceof UserError
        ? `${error.message}${error.hint ? ` ${error.hint}` : ''}`
        : (error as Error).message;
    if (run) run.held = message;
    return { status: 'failed', detail: message };
  }
}

/**
 * Connected, configured, nothing held or needing a person. What this run's steps did not settle
 * (a plan made after a partial apply leaves out steps already done) is read live: turning an old
 * cluster off must never rest on an old reading. Why not is kept for the summary.
 */
async function isVerified(run: AgentRun, ctx: ApplyContext): Promise<boolean> {
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
  });
  run.connected = readiness.connected;
  if (!readiness.connected) reasons.push(`not connected: ${readiness.connection}`);
  if (readiness.notRunning) reasons.push(readiness.notRunning);
  return reasons;
}

/**
 * --fix-ci: the CI audit of every project in reach of the selected agents' clusters, read live
 * (kept for the gate: a merge request changes no default branch), and a step per project with
 * a job that would break or stop.
 */
async function fixCiSteps(ctx: ApplyContext, agents: PlannedAgent[]): Promise<PlanStep[]> {
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
async function readGate(ctx: ApplyContext, cutOverSteps: PlanStep[]): Promise<void> {
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

export interface RunApplyOptions {
  /** listr2's redrawing renderer (a terminal), one line per finished step, or nothing */
  renderer: 'default' | 'plain' | 'silent';
  /** where plain lines go (default stderr) */
  write?: (line: string) => void;
  onOutcome?: (outcome: StepOutcome) => void;
}

const MARK: Record<StepResult['status'], string> = {
  done: '✔',
  unchanged: '=',
  skipped: '↓',
  'needs-person': '!',
  failed: '✖',
};

/** The steps of one agent, split into its own chain and the old clusters' cut-over. */
function stepsOf(ctx: ApplyContext, agent: PlannedAgent, cutOver: boolean): PlanStep[] {
  return ctx.plan.steps.filter(
    (s) => s.agent === agent.ref && (s.kind === 'disable-cluster') === cutOver,
  );
}

/** Runs the plan's steps for the selected agents. Never throws for a failing step: it reports it. */
export async function runApply(
  ctx: ApplyContext,
  agents: PlannedAgent[],
  options: RunApplyOptions,
): Promise<ApplyResult> {
  const outcomes: StepOutcome[] = [];
  const runs = new Map(agents.map((a) => [a.ref, newRun(a)]));
  // an agent the plan already counts as done is verified without this run touching it
  for (const a of ctx.plan.agents) if (a.status === 'done') ctx.verified.add(a.ref);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));

  const execute = async (step: PlanStep): Promise<StepResult> => {
    const result =
      ctx.settings.disableOldClusters || step.kind !== 'disable-cluster'
        ? await executeStep(step, runs.get(step.agent ?? '') ?? null, ctx)
        : {
            status: 'skipped' as const,
            detail: 'stays on (pass --disable-old-clusters to turn it off)',
          };
    outcomes.push({ step, result });
    options.onOutcome?.({ step, result });
    if (options.renderer === 'plain') write(`${MARK[result.status]} ${step.id} — ${result.detail}`);
    return result;
  };
  const verify = async (agent: PlannedAgent): Promise<boolean> => {
    const run = runs.get(agent.ref)!;
    if (await isVerified(run, ctx)) ctx.verified.add(agent.ref);
    return ctx.verified.has(agent.ref);
  };
  const cutOverSteps = agents.flatMap((agent) => stepsOf(ctx, agent, true));

  if (options.renderer !== 'default') {
    for (const agent of agents) {
      for (const step of stepsOf(ctx, agent, false)) await execute(step);
      await verify(agent);
    }
    for (const step of await fixCiSteps(ctx, agents)) await execute(step);
    await readGate(ctx, cutOverSteps);
    for (const step of cutOverSteps) await execute(step);
    return { outcomes, verified: [...ctx.verified] };
  }

  const stepTask = (step: PlanStep): ListrTask => ({
    title: step.description,
    task: async (_c, task) => {
      const result = await execute(step);
      task.title = `${step.description}: ${result.detail}`;
      if (result.status === 'skipped' || result.status === 'needs-person') task.skip(task.title);
      if (result.status === 'failed') throw new Error(task.title);
    },
  });
  const tasks: ListrTask[] = agents.map((agent) => ({
    title: agent.ref,
    task: (_c, task) =>
      task.newListr(
        [
          ...stepsOf(ctx, agent, false).map(stepTask),
          {
            title: 'Verified: connected, configured, variables in place',
            task: async (_c2, t) => {
              if (!(await verify(agent))) t.skip('Not verified yet: old clusters stay on');
            },
          },
        ],
        { concurrent: false, exitOnError: true },
      ),
  }));
  if (ctx.settings.fixCi)
    tasks.push({
      title: 'Deploy jobs that would break: merge requests that fix them (--fix-ci)',
      task: async (_c, task) =>
        task.newListr((await fixCiSteps(ctx, agents)).map(stepTask), {
          concurrent: false,
          exitOnError: false,
        }),
    });
  if (cutOverSteps.length > 0) {
    tasks.push(
      ctx.settings.disableOldClusters
        ? {
            title: 'Turn off old certificate clusters',
            task: (_c, task) =>
              task.newListr(
                [
                  {
                    title: 'Continuity: every job reaches the cluster it used (CI audit, live)',
                    task: () => readGate(ctx, cutOverSteps),
                  },
                  ...cutOverSteps.map(stepTask),
                ],
                { concurrent: false, exitOnError: false },
              ),
          }
        : {
            title: 'Old certificate clusters',
            task: async (_c, task) => {
              for (const step of cutOverSteps) await execute(step);
              task.skip(
                'Old certificate clusters stay on (pass --disable-old-clusters to turn them off)',
              );
            },
          },
    );
  }
  await new Listr(tasks, { concurrent: false, exitOnError: false, renderer: 'default' })
    .run()
    .catch(() => undefined);
  return { outcomes, verified: [...ctx.verified] };
}
