// How a run shows its progress. The engine runs the steps once and reports each outcome here;
// a renderer only displays: listr2's redrawing tree on a terminal, one plain line per step
// elsewhere (CI, pipes), or nothing (--json). Both see the same outcomes in the same order, so a
// terminal run and a CI run cannot diverge.
import { Listr, Spinner, type ListrTask } from 'listr2';
import type { PlannedAgent, PlanStep } from '../../plan/types.js';
import { allStayOn } from '../hints.js';
import { stepTitle } from '../../report/step-title.js';
import type { ApplySettings, StepResult } from '../types.js';

export interface RunLayout {
  agents: PlannedAgent[];
  /** each agent's chain, in order */
  chains: Map<string, PlanStep[]>;
  cutOver: PlanStep[];
  fixCi: boolean;
  disableOldClusters: boolean;
  askedBy: ApplySettings['askedBy'];
  configVia: ApplySettings['configVia'];
}

export interface Renderer {
  step(step: PlanStep, result: StepResult): void;
  verified(ref: string, ok: boolean): void;
  /** steps only known once the run is under way (--fix-ci's projects) */
  fixCi(steps: PlanStep[]): void;
  /** the gate was read: the cut-over steps follow */
  gateRead(): void;
  finish(): Promise<void>;
}

export const MARK: Record<StepResult['status'], string> = {
  done: '✔',
  unchanged: '=',
  skipped: '↓',
  'needs-person': '!',
  failed: '✖',
};

export function plainRenderer(write: (line: string) => void): Renderer {
  return {
    step: (step, result) => write(`${MARK[result.status]} ${step.id} — ${result.detail}`),
    verified: () => undefined,
    fixCi: () => undefined,
    gateRead: () => undefined,
    finish: () => Promise.resolve(),
  };
}

export const silentRenderer = (): Renderer => plainRenderer(() => undefined);

/** listr2's spinner, drawn every 400 ms instead of 100 ms. */
class CalmSpinner extends Spinner {
  override start(cb?: () => void): void {
    super.start(cb, 400);
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * listr2's tree, fed by the engine: every task waits for its step's outcome. Agents show side by
 * side as they run in parallel; a task whose outcome never comes (the chain stopped) is skipped
 * when the run finishes.
 */
export function listrRenderer(layout: RunLayout): Renderer {
  const outcomes = new Map<string, Deferred<StepResult>>();
  const outcome = (id: string) => {
    let d = outcomes.get(id);
    if (!d) outcomes.set(id, (d = deferred()));
    return d;
  };
  const verified = new Map<string, Deferred<boolean>>();
  const verifiedOf = (ref: string) => {
    let d = verified.get(ref);
    if (!d) verified.set(ref, (d = deferred()));
    return d;
  };
  const fixSteps = deferred<PlanStep[]>();
  const gate = deferred<void>();

  const stepTask = (step: PlanStep): ListrTask => ({
    title: stepTitle(step, layout),
    task: async (_c, task) => {
      const result = await outcome(step.id).promise;
      task.title = `${stepTitle(step, layout)}: ${result.detail}`;
      if (result.status === 'skipped' || result.status === 'needs-person') task.skip(task.title);
      if (result.status === 'failed') throw new Error(task.title);
    },
  });
  // One line per agent, naming the step it is at: hundreds of agents stay readable, and each
  // frame stays cheap to draw.
  const agentTask = (agent: PlannedAgent): ListrTask => ({
    title: agent.ref,
    task: async (_c, task) => {
      let failed: string | null = null;
      let needsPerson: string | null = null;
      let last = '';
      for (const step of layout.chains.get(agent.ref) ?? []) {
        task.title = `${agent.ref} — ${stepTitle(step, layout)}`;
        const result = await outcome(step.id).promise;
        last = `${stepTitle(step, layout)}: ${result.detail}`;
        if (result.status === 'failed') failed ??= last;
        if (result.status === 'needs-person') needsPerson ??= result.detail;
      }
      const ok = await verifiedOf(agent.ref).promise;
      if (failed) throw new Error(`${agent.ref} — ${failed}`);
      // a commit or merge request waiting for someone is not a finished agent, whatever else held
      if (needsPerson) task.skip(`${agent.ref} — needs a person: ${needsPerson}`);
      else if (ok)
        task.title = `${agent.ref} — taken over: connected, configured, variables in place`;
      else
        task.skip(
          `${agent.ref} — not verified yet, its old clusters stay on${last ? ` (${last})` : ''}`,
        );
    },
  });
  const tasks: ListrTask[] = [
    {
      title: 'Agents',
      task: (_c, task) =>
        task.newListr(layout.agents.map(agentTask), { concurrent: true, exitOnError: false }),
    },
  ];
  if (layout.fixCi)
    tasks.push({
      title: 'Deploy jobs that would break: merge requests that fix them (--fix-ci)',
      task: async (_c, task) =>
        task.newListr((await fixSteps.promise).map(stepTask), {
          concurrent: false,
          exitOnError: false,
        }),
    });
  if (layout.cutOver.length > 0)
    tasks.push(
      layout.disableOldClusters
        ? {
            title: 'Turn off old certificate clusters',
            task: (_c, task) =>
              task.newListr(
                [
                  {
                    title: 'Continuity: every job reaches the cluster it used (CI audit, live)',
                    task: () => gate.promise,
                  },
                  ...layout.cutOver.map(stepTask),
                ],
                { concurrent: false, exitOnError: false },
              ),
          }
        : {
            title: 'Old certificate clusters',
            task: async (_c, task) => {
              await Promise.all(layout.cutOver.map((s) => outcome(s.id).promise));
              task.skip(allStayOn(layout));
            },
          },
    );
  const drawing = new Listr(tasks, {
    concurrent: false,
    exitOnError: false,
    renderer: 'default',
    // Long lines cut at the terminal's width: wrapping hundreds of titles on every frame costs
    // more CPU than the run itself (string-width per character); the summary has every word.
    // Each frame redraws the whole tree: with hundreds of agents, ten frames a second would cost
    // more than the run itself, so the spinner turns a little slower.
    rendererOptions: { formatOutput: 'truncate', spinner: new CalmSpinner() },
    // listr2 would exit 127 on SIGINT by itself; apply's own handler stops cleanly instead
    registerSignalListeners: false,
  })
    .run()
    .catch(() => undefined);

  return {
    step: (step, result) => outcome(step.id).resolve(result),
    verified: (ref, ok) => verifiedOf(ref).resolve(ok),
    fixCi: (steps) => fixSteps.resolve(steps),
    gateRead: () => gate.resolve(),
    finish: async () => {
      // whatever never ran: the chain stopped before it, or the run was cut short
      const notRun: StepResult = { status: 'skipped', detail: 'not run' };
      for (const d of outcomes.values()) d.resolve(notRun);
      for (const steps of layout.chains.values())
        for (const s of steps) outcome(s.id).resolve(notRun);
      for (const s of layout.cutOver) outcome(s.id).resolve(notRun);
      for (const a of layout.agents) verifiedOf(a.ref).resolve(false);
      fixSteps.resolve([]);
      gate.resolve();
      await drawing;
    },
  };
}
