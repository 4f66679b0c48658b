// The end of an apply: what changed, what was already so, what was skipped, what needs a person
// and what failed, for people (text) and machines (--json).
import type { ChalkInstance } from 'chalk';
import { agentsInPlace } from './hints.js';
import type { StepOutcome } from './run-apply.js';
import type { ApplySettings, StepStatus } from './types.js';

export interface SummaryItem {
  step: string;
  agent: string | null;
  description: string;
  detail: string;
}

export interface ApplySummary {
  done: SummaryItem[];
  unchanged: SummaryItem[];
  skipped: SummaryItem[];
  needsPerson: SummaryItem[];
  failed: SummaryItem[];
}

const bucket: Record<StepStatus, keyof ApplySummary> = {
  done: 'done',
  unchanged: 'unchanged',
  skipped: 'skipped',
  'needs-person': 'needsPerson',
  failed: 'failed',
};

export function summariseOutcomes(outcomes: StepOutcome[]): ApplySummary {
  const summary: ApplySummary = {
    done: [],
    unchanged: [],
    skipped: [],
    needsPerson: [],
    failed: [],
  };
  for (const { step, result } of outcomes) {
    summary[bucket[result.status]].push({
      step: step.id,
      agent: step.agent,
      description: step.description,
      detail: result.detail,
    });
  }
  return summary;
}

export function renderApplySummary(
  summary: ApplySummary,
  settings: ApplySettings,
  color: ChalkInstance,
): string {
  const lines: string[] = [''];
  const verb = settings.dryRun ? 'would change' : 'changed';
  lines.push(
    color.bold(
      `${summary.done.length} ${verb} · ${summary.unchanged.length} already done · ${summary.skipped.length} skipped · ${summary.needsPerson.length} need a person · ${summary.failed.length} failed`,
    ),
  );
  const section = (title: string, items: SummaryItem[], paint: (s: string) => string) => {
    if (items.length === 0) return;
    lines.push('', paint(title));
    for (const item of items) lines.push(`  - ${item.step}: ${item.detail}`);
  };
  section('Needs a person:', summary.needsPerson, color.yellow);
  section('Failed:', summary.failed, color.red);
  if (summary.failed.length === 0 && summary.needsPerson.length === 0 && !settings.dryRun) {
    const off = summary.skipped.some((s) => s.step.includes('/disable-cluster:'));
    lines.push('', off ? agentsInPlace(settings) : 'Done.');
  }
  return lines.join('\n');
}
