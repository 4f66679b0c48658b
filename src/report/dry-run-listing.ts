// `apply --dry-run` on stdout, as `terraform plan` shows a plan: every GitLab write it would send,
// each agent configuration file as a diff, and the agentk objects per cluster as the server-side
// dry run answered (created, configured with its diff, or unchanged). Pure: the preview in, text out.
import type { ChalkInstance } from 'chalk';
import type { DryRunPreview, WouldCall, WouldObject } from '../apply/preview.js';

const INDENT = '    ';

function colouredDiff(diff: string, color: ChalkInstance, indent: string): string[] {
  return diff.split('\n').map((line) => {
    const shown = `${indent}${line}`;
    if (line.startsWith('+') && !line.startsWith('+++')) return color.green(shown);
    if (line.startsWith('-') && !line.startsWith('---')) return color.red(shown);
    if (line.startsWith('@@')) return color.cyan(shown);
    return shown;
  });
}

const MARK: Record<WouldObject['outcome'], string> = {
  created: '+',
  configured: '~',
  unchanged: '=',
};

/** Items grouped by a key, in the order each key first appears (Map.groupBy needs Node 21). */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function callLines(calls: WouldCall[], color: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const [agents, list] of groupBy(calls, (c) => c.agents.join(', '))) {
    const width = Math.max(...list.map((c) => c.method.length + 1 + c.path.length));
    lines.push(`  ${color.bold(agents || 'CI fixes (--fix-ci)')}`);
    for (const c of list)
      lines.push(`    ${`${c.method} ${c.path}`.padEnd(width)}  ${color.dim(c.what)}`);
  }
  return lines;
}

/** Per cluster (the kube context that reaches it), each agent's objects. */
function objectLines(objects: WouldObject[], color: ChalkInstance): string[] {
  const lines: string[] = [];
  for (const [context, inCluster] of groupBy(objects, (o) => o.context)) {
    lines.push(`  ${color.bold(`context ${context}`)}`);
    for (const [agent, list] of groupBy(inCluster, (o) => o.agent)) {
      // as terraform does: the changes in full, what stays as it is counted
      const changing = list.filter((o) => o.outcome !== 'unchanged');
      const same = list.length - changing.length;
      if (changing.length === 0) {
        lines.push(
          color.dim(`    agent ${agent}: ${plural(list.length, 'object')}, all as they are`),
        );
        continue;
      }
      lines.push(
        `    agent ${agent}: ${changing.length} of ${plural(list.length, 'object')} would change${same ? ` (${same} as they are)` : ''}`,
      );
      for (const o of changing) {
        const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
        const paint =
          o.outcome === 'created'
            ? color.green
            : o.outcome === 'configured'
              ? color.yellow
              : color.dim;
        lines.push(paint(`      ${MARK[o.outcome]} ${name} (${o.outcome})`));
        if (o.diff) lines.push(...colouredDiff(o.diff, color, '        '));
      }
    }
  }
  return lines;
}

export function renderDryRunListing(preview: DryRunPreview, color: ChalkInstance): string {
  const out: string[] = [];
  out.push(color.bold(`GitLab: ${plural(preview.calls.length, 'call')} it would make`));
  out.push(...(preview.calls.length ? callLines(preview.calls, color) : ['  none']));
  out.push('');
  out.push(color.bold(`Configuration files: ${plural(preview.files.length, 'file')} would change`));
  if (preview.files.length === 0) out.push('  none');
  for (const f of preview.files) {
    const mark = f.change === 'create' ? color.green('+') : color.yellow('~');
    out.push(`  ${mark} ${f.project}: ${f.path}${f.agent ? '' : ' (CI fix)'}`);
    out.push(...colouredDiff(f.diff, color, INDENT));
  }
  out.push('');
  const changing = preview.objects.filter((o) => o.outcome !== 'unchanged').length;
  out.push(
    color.bold(
      `Kubernetes: ${changing} of ${plural(preview.objects.length, 'agentk object')} would change (server-side dry run; the token Secret is made at apply)`,
    ),
  );
  if (preview.objects.length === 0) out.push('  none');
  out.push(...objectLines(preview.objects, color));
  return out.join('\n');
}
