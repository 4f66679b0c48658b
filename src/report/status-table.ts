// The terminal rendering of `status`: one block per agent with its overall state, then one line per
// check (done, pending, or unknown and why), ending with the counts so the answer is on the last line.
import type { ChalkInstance } from 'chalk';
import type { AgentState, CheckState, PlanStatus } from '../apply/status.js';
import { printable } from './plan-table.js';
import { visibleLength } from './text-table.js';

const STATE_WORDS: Record<AgentState, string> = {
  'not-started': 'not started',
  'in-progress': 'in progress',
  'cut-over': 'cut over',
};

function paintState(state: AgentState, color: ChalkInstance): string {
  const word = STATE_WORDS[state];
  if (state === 'cut-over') return color.green(word);
  if (state === 'in-progress') return color.yellow(word);
  return color.dim(word);
}

function mark(state: CheckState, color: ChalkInstance): string {
  if (state === 'ok') return color.green('✔');
  if (state === 'pending') return color.yellow('○');
  return color.dim('?');
}

const pad = (text: string, width: number) => text + ' '.repeat(width - visibleLength(text));

export function renderStatusTable(status: PlanStatus, color: ChalkInstance): string {
  const lines: string[] = [
    color.dim(
      `GitLab ${status.gitlabUrl} · plan of ${status.planGeneratedAt} · ${
        status.journalUpdatedAt
          ? `apply last changed something ${status.journalUpdatedAt}`
          : 'apply has not run'
      }`,
    ),
  ];
  for (const agent of status.agents) {
    lines.push('', `${color.bold(printable(agent.ref))}  ${paintState(agent.state, color)}`);
    const width = Math.max(...agent.checks.map((c) => visibleLength(printable(c.subject))));
    for (const check of agent.checks) {
      const detail = printable(check.detail);
      lines.push(
        `  ${mark(check.state, color)} ${pad(printable(check.subject), width)}  ${
          check.state === 'ok'
            ? detail
            : check.state === 'pending'
              ? color.yellow(detail)
              : color.dim(detail)
        }`,
      );
    }
  }
  const { summary } = status;
  lines.push(
    '',
    color.bold(
      `${status.agents.length} agent(s): ${summary['cut-over']} cut over · ${summary['in-progress']} in progress · ${summary['not-started']} not started`,
    ),
  );
  return lines.join('\n');
}
