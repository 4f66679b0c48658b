// How a step reads to people once apply knows how it delivers the configuration.
import type { PlanStep } from '../plan/types.js';

/**
 * A step's line: the plan's description, but a commit-config said as the delivery chosen does it
 * (the plan is made before that choice, and its step says "Commit").
 */
export function stepTitle(
  step: PlanStep,
  layout: { configVia: 'commit' | 'merge-request' | 'files' },
): string {
  if (step.kind !== 'commit-config' || layout.configVia === 'commit') return step.description;
  const what = step.description.replace(/^Commit /, '');
  return layout.configVia === 'files'
    ? `Write ${what.replace(/ to /, ' for ')} as a file to push`
    : `Propose ${what.replace(/ to /, ' for ')} in a merge request`;
}
