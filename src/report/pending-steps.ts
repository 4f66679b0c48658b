// What `apply` is about to do, listed above its confirmation on a terminal: every step per agent,
// so a yes is given to something seen. Long lists are cut; --dry-run shows everything.
import type { ChalkInstance } from 'chalk';
import type { PlannedAgent, PlanStep } from '../plan/types.js';
import { printable } from './plan-table.js';
import { stepTitle } from './step-title.js';

/** Lines shown before the rest is counted: a screen, not a scroll-back. */
export const PENDING_LINES_SHOWN = 40;

export function renderPendingSteps(
  agents: PlannedAgent[],
  steps: PlanStep[],
  options: {
    disableOldClusters: boolean;
    configVia: 'commit' | 'merge-request' | 'files';
    color: ChalkInstance;
  },
): string {
  const { color } = options;
  const lines: string[] = [color.bold('About to change:')];
  let kept = 0;
  for (const agent of agents) {
    const own = steps.filter((s) => s.agent === agent.ref);
    if (own.length === 0) continue;
    lines.push(`  ${color.bold(agent.ref)}`);
    for (const step of own) {
      const off = step.kind === 'disable-cluster' && !options.disableOldClusters;
      lines.push(
        off
          ? color.dim(`    - ${printable(stepTitle(step, options))}: not this time`)
          : `    - ${printable(stepTitle(step, options))}`,
      );
      kept += 1;
    }
  }
  if (lines.length <= PENDING_LINES_SHOWN + 1) return lines.join('\n');
  const shown = lines.slice(0, PENDING_LINES_SHOWN + 1);
  const listedSteps = shown.filter((l) => l.includes('    - ')).length;
  shown.push(
    color.dim(`  … and ${kept - listedSteps} more step(s): \`apply --dry-run\` lists them all.`),
  );
  return shown.join('\n');
}
