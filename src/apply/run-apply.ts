// The apply engine: one loop, whatever shows its progress (engine/renderers.ts). In order:
//   1. per configuration project: the project, then one commit of every agent's config files;
//   2. per agent, up to --parallel at once: register → token → agentk → connected → variables →
//      environments (mapping rule 10, docs/mapping-rules.md), then whether the agent has taken
//      over, read live;
//   3. --fix-ci's merge requests;
//   4. the old clusters' cut-over, each only where the continuity gate holds.
// One stop rule: an agent's chain stops at its first failed step; the rest of it is reported as
// not run. Never throws for a failing step: it reports it.
import pLimit from 'p-limit';
import { UserError } from '../errors.js';
import type { PlannedAgent, PlanStep } from '../plan/types.js';
import { fixCiSteps, readGate } from './engine/gate.js';
import {
  listrRenderer,
  plainRenderer,
  silentRenderer,
  type Renderer,
  type RunLayout,
} from './engine/renderers.js';
import { executeStep, failureText, newRun, settle } from './engine/runners.js';
import { isVerified } from './engine/verify-agent.js';
import { staysOnDetail } from './hints.js';
import { commitConfigs } from './steps/gitlab-steps.js';
import type { AgentRun, ApplyContext, StepResult } from './types.js';

export { newRun, executeStep } from './engine/runners.js';

export interface StepOutcome {
  step: PlanStep;
  result: StepResult;
}

export interface ApplyResult {
  outcomes: StepOutcome[];
  verified: string[];
}

export interface RunApplyOptions {
  /** listr2's redrawing renderer (a terminal), one line per finished step, or nothing */
  renderer: 'default' | 'plain' | 'silent';
  /** where plain lines go (default stderr) */
  write?: (line: string) => void;
  onOutcome?: (outcome: StepOutcome) => void;
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

const CONFIG_KINDS = new Set<PlanStep['kind']>(['create-project', 'commit-config']);

/** The steps of one agent, split into its own chain and the old clusters' cut-over. */
function stepsOf(ctx: ApplyContext, agent: PlannedAgent, cutOver: boolean): PlanStep[] {
  return ctx.plan.steps.filter(
    (s) => s.agent === agent.ref && (s.kind === 'disable-cluster') === cutOver,
  );
}

function rendererFor(options: RunApplyOptions, layout: RunLayout): Renderer {
  if (options.renderer === 'default') return listrRenderer(layout);
  if (options.renderer === 'silent') return silentRenderer();
  return plainRenderer(options.write ?? ((line) => process.stderr.write(`${line}\n`)));
}

function groupByProject(agents: PlannedAgent[]): PlannedAgent[][] {
  const groups = new Map<string, PlannedAgent[]>();
  for (const a of agents) {
    const key = a.project.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  return [...groups.values()];
}

export async function runApply(
  ctx: ApplyContext,
  agents: PlannedAgent[],
  options: RunApplyOptions,
): Promise<ApplyResult> {
  const outcomes: StepOutcome[] = [];
  const runs = new Map(agents.map((a) => [a.ref, newRun(a)]));
  // an agent the plan already counts as done is verified without this run touching it
  for (const a of ctx.plan.agents) if (a.status === 'done') ctx.verified.add(a.ref);
  const chains = new Map(agents.map((a) => [a.ref, stepsOf(ctx, a, false)]));
  const cutOver = agents.flatMap((a) => stepsOf(ctx, a, true));
  const renderer = rendererFor(options, {
    agents,
    chains,
    cutOver,
    fixCi: ctx.settings.fixCi != null,
    disableOldClusters: ctx.settings.disableOldClusters,
    askedBy: ctx.settings.askedBy,
    configVia: ctx.settings.configVia,
  });
  /** why an agent's chain stopped: its later steps are not run */
  const stopped = new Map<string, string>();
  const report = (step: PlanStep, result: StepResult) => {
    if (result.status === 'failed' && step.agent && !stopped.has(step.agent))
      stopped.set(step.agent, `${step.kind} failed`);
    outcomes.push({ step, result });
    options.onOutcome?.({ step, result });
    renderer.step(step, result);
  };
  const run = async (step: PlanStep) => {
    const why = ctx.signal?.aborted
      ? 'interrupted'
      : ctx.journal.broken
        ? 'the journal cannot be written'
        : step.agent
          ? stopped.get(step.agent)
          : undefined;
    report(
      step,
      why
        ? { status: 'skipped', detail: `not run: ${why}` }
        : await executeStep(step, runs.get(step.agent ?? '') ?? null, ctx),
    );
  };
  const pool = pLimit(Math.max(1, ctx.settings.parallel));

  try {
    // 1. Configuration projects: created once, then one commit for all their agents.
    await Promise.all(
      groupByProject(agents).map((group) =>
        pool(async () => {
          for (const agent of group)
            for (const step of chains.get(agent.ref)!.filter((s) => s.kind === 'create-project'))
              await run(step);
          const commits = group.flatMap((a) =>
            chains.get(a.ref)!.filter((s) => s.kind === 'commit-config' && !stopped.has(a.ref)),
          );
          await commitTogether(commits, runs, ctx, report);
        }),
      ),
    );
    // 2. Each agent's own chain, agents in parallel. --parallel bounds the agents at work; an
    // agent waiting for its rollout and connection gives its place up meanwhile (the waits
    // cost one poll now and then, and would otherwise hold everyone else back). --parallel 1
    // is one agent after another, waits included.
    const serial = ctx.settings.parallel <= 1;
    const finish = async (agent: PlannedAgent) => {
      const ok = !stopped.has(agent.ref) && (await isVerified(runs.get(agent.ref)!, ctx));
      if (ok) ctx.verified.add(agent.ref);
      else if (stopped.has(agent.ref)) ctx.unverified.set(agent.ref, [stopped.get(agent.ref)!]);
      renderer.verified(agent.ref, ctx.verified.has(agent.ref));
    };
    await Promise.all(
      agents.map(async (agent) => {
        const own = chains.get(agent.ref)!.filter((s) => !CONFIG_KINDS.has(s.kind));
        const at = own.findIndex((s) => s.kind === 'wait-connection');
        if (serial || at < 0)
          return pool(async () => {
            for (const step of own) await run(step);
            await finish(agent);
          });
        await pool(async () => {
          for (const step of own.slice(0, at)) await run(step);
        });
        await run(own[at]!);
        await pool(async () => {
          for (const step of own.slice(at + 1)) await run(step);
          await finish(agent);
        });
      }),
    );
    // 3. Merge requests that fix the deploy jobs that would break.
    const fixes = ctx.signal?.aborted ? [] : await fixCiSteps(ctx, agents);
    renderer.fixCi(fixes);
    for (const step of fixes) await run(step);
    // 4. The cut-over, one cluster at a time, each behind the gate.
    if (!ctx.signal?.aborted) await readGate(ctx, cutOver);
    renderer.gateRead();
    for (const step of cutOver) {
      if (ctx.settings.disableOldClusters) await run(step);
      else report(step, { status: 'skipped', detail: staysOnDetail(ctx.settings) });
    }
  } finally {
    await renderer.finish();
  }
  return { outcomes, verified: [...ctx.verified] };
}

/** The commit-config steps of one project as one commit; each agent gets its own outcome. */
async function commitTogether(
  steps: PlanStep[],
  runs: Map<string, AgentRun>,
  ctx: ApplyContext,
  report: (step: PlanStep, result: StepResult) => void,
): Promise<void> {
  if (steps.length === 0) return;
  const why = ctx.signal?.aborted
    ? 'interrupted'
    : ctx.journal.broken
      ? 'the journal cannot be written'
      : null;
  if (why) {
    for (const step of steps) report(step, { status: 'skipped', detail: `not run: ${why}` });
    return;
  }
  const agentRuns = steps.map((s) => runs.get(s.agent!)!);
  let results: StepResult[];
  try {
    results = await commitConfigs(agentRuns, ctx);
  } catch (error) {
    const detail = failureText(error);
    results = steps.map(() => ({ status: 'failed', detail }));
  }
  for (const [i, step] of steps.entries())
    report(step, await settle(step, results[i]!, agentRuns[i]!, ctx));
}
