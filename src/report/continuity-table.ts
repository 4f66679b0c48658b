// The terminal rendering of `verify`: one line per (project, environment) a job deploys to — the
// old cluster it used, the context it gets after the cut-over, whether that is the same cluster,
// how many of its jobs are ready — and under each row that does not hold, why. It ends with the
// clusters that may be turned off, so the answer is on the last lines.
import type { ChalkInstance } from 'chalk';
import type { Continuity, ContinuityRow } from '../continuity/rows.js';
import { printable } from './plan-table.js';
import { renderTable } from './text-table.js';

const yesNo = (value: boolean | null, color: ChalkInstance) =>
  value == null ? color.dim('?') : value ? color.green('yes') : color.red('no');

function jobsCell(row: ContinuityRow, color: ChalkInstance): string {
  if (row.jobs.length === 0) return color.dim('—');
  const ready = row.jobs.filter((j) => j.class === 'ok').length;
  const text = `${ready}/${row.jobs.length}`;
  return ready === row.jobs.length ? color.green(text) : color.red(text);
}

export function renderContinuityTable(
  continuity: Continuity,
  clusterNames: Map<number, string>,
  color: ChalkInstance,
): string {
  const { rows, gates } = continuity;
  const lines: string[] = [];
  if (rows.length === 0)
    lines.push(color.dim('No job with an environment deploys through these clusters.'));
  else {
    const table = rows.map((row) => [
      row.holds ? color.green('✔') : color.red('✖'),
      printable(row.project),
      printable(row.environment ?? '(any job)'),
      row.oldCluster ? `${row.oldCluster.id} ${printable(row.oldCluster.name)}` : color.dim('—'),
      row.context ? printable(row.context) : color.dim('none'),
      yesNo(row.sameCluster, color),
      jobsCell(row, color),
    ]);
    const rendered = renderTable(
      ['', 'PROJECT', 'ENVIRONMENT', 'OLD CLUSTER', 'NEW CONTEXT', 'SAME CLUSTER', 'JOBS READY'],
      table,
    ).split('\n');
    lines.push(color.bold(rendered[0]!));
    rows.forEach((row, i) => {
      lines.push(rendered[i + 1]!);
      for (const problem of row.problems)
        lines.push(`     ${color.yellow(`↳ ${printable(problem)}`)}`);
    });
  }
  const ids = [...gates.keys()].sort((a, b) => a - b);
  const ready = ids.filter((id) => gates.get(id)!.holds);
  const held = ids.filter((id) => !gates.get(id)!.holds);
  const name = (id: number) => `${id} (${printable(clusterNames.get(id) ?? '?')})`;
  lines.push('');
  if (ready.length) lines.push(color.green(`Can be turned off: ${ready.map(name).join(', ')}`));
  if (held.length) {
    lines.push(color.yellow(`Must stay on (${held.length}):`));
    for (const id of held) {
      const problems = gates.get(id)!.problems;
      const more = problems.length > 2 ? ` (and ${problems.length - 2} more)` : '';
      lines.push(`  ${name(id)}: ${printable(problems.slice(0, 2).join(' · '))}${more}`);
    }
  }
  const holding = rows.filter((r) => r.holds).length;
  lines.push(
    color.bold(`${rows.length} row(s): ${holding} hold · ${rows.length - holding} do not`),
  );
  return lines.join('\n');
}
