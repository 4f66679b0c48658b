// The terminal rendering of a plan, read by a platform engineer before anything changes. It is
// grouped by agent because an agent is the unit `apply` works in (and `--only AGENT_REF` picks),
// and it ends with a terraform-style verdict so the answer is on the last line.
import type { ChalkInstance } from 'chalk';
import type {
  AccessEntry,
  AgentStatus,
  Plan,
  PlannedAgent,
  PlannedCluster,
} from '../plan/types.js';
import { hasPendingChanges, ownerLabel, renderSummaryLine } from './plan-summary.js';
import { renderAuditTable } from './ci-audit-report.js';
import { renderTable } from './text-table.js';

const INDENT = '    ';

/**
 * Names, scopes and reasons come from GitLab, where anyone with Maintainer can set them: control
 * characters (an escape sequence could rewrite the terminal) are shown as \uXXXX instead.
 */
export function printable(text: string): string {
  return Array.from(text, (c) => {
    const code = c.codePointAt(0)!;
    const control = code < 0x20 || (code >= 0x7f && code < 0xa0);
    return control ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }).join('');
}

function indent(block: string, prefix = INDENT): string {
  return block
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}

function statusMark(status: AgentStatus, color: ChalkInstance): string {
  switch (status) {
    case 'new':
      return color.green('+');
    case 'partial':
      return color.yellow('~');
    case 'done':
      return color.dim('=');
  }
}

function renderHeader(plan: Plan): string {
  const { gitlab } = plan;
  return [
    `GitLab ${gitlab.url} (${gitlab.version ?? 'version unknown'})`,
    `discovery: ${gitlab.discovery}`,
    `instance authorization: ${gitlab.instanceAuthorization ? 'on' : 'off'}`,
  ].join(' · ');
}

function clusterRow(cluster: PlannedCluster): string[] {
  return [
    String(cluster.id),
    cluster.level,
    ownerLabel(cluster.owner),
    printable(cluster.name),
    printable(cluster.environmentScope),
  ];
}

function describeEntry(entry: AccessEntry): string {
  const parts = [
    entry.environments?.length
      ? `environments: ${printable(entry.environments.join(', '))}`
      : 'all environments',
  ];
  // `agent` is GitLab's default: only impersonation is worth a reader's attention.
  const accessAs = Object.keys(entry.access_as ?? {}).filter((key) => key !== 'agent');
  if (accessAs.length > 0) parts.push(`access as ${accessAs.join(', ')}`);
  if (entry.default_namespace) parts.push(`namespace ${entry.default_namespace}`);
  if (entry.resource_management?.enabled) parts.push('managed resources');
  if (entry.protected_branches_only) parts.push('protected branches only');
  return parts.join('; ');
}

function renderCiAccess(agent: PlannedAgent): string[][] {
  const access = agent.config.ci_access ?? {};
  const rows: string[][] = [];
  for (const entry of access.groups ?? []) rows.push(['group', entry.id, describeEntry(entry)]);
  for (const entry of access.projects ?? []) rows.push(['project', entry.id, describeEntry(entry)]);
  if (access.instance) rows.push(['instance', '(every project)', 'all environments']);
  return rows;
}

function renderUserAccess(agent: PlannedAgent): string | null {
  const access = agent.config.user_access;
  if (!access) return null;
  const ids = [
    ...(access.groups ?? []).map((g) => `group ${g.id}`),
    ...(access.projects ?? []).map((p) => `project ${p.id}`),
  ];
  return ids.length > 0 ? ids.join(', ') : null;
}

function renderAgent(
  agent: PlannedAgent,
  clusters: Map<number, PlannedCluster>,
  color: ChalkInstance,
): string {
  const out = [`${statusMark(agent.status, color)} ${color.bold(agent.ref)}  ${agent.status}`];
  const created = agent.createProject ? ` ${color.green('(will be created)')}` : '';
  out.push(`  config project  ${agent.project}${created}`);
  out.push(`  api url         ${agent.apiUrl}`);
  const replaced = agent.clusterIds.map((id) => clusters.get(id));
  const rows = replaced.flatMap((c) => (c ? [clusterRow(c)] : []));
  // A done agent only needs to say what it replaced; its access and variables already exist.
  if (rows.length > 0) {
    out.push('  replaces');
    out.push(
      indent(
        renderTable(
          ['ID', 'LEVEL', 'OWNER', 'NAME', 'SCOPE'].map((h) => color.dim(h)),
          rows,
        ),
      ),
    );
  }
  if (agent.status === 'done') return out.join('\n');
  const access = renderCiAccess(agent);
  out.push(access.length > 0 ? '  ci_access' : `  ci_access       ${color.yellow('none')}`);
  if (access.length > 0) out.push(indent(renderTable(access[0]!, access.slice(1))));
  const userAccess = renderUserAccess(agent);
  if (userAccess) out.push(`  user_access     ${userAccess}`);
  if (agent.environmentTemplate != null) {
    out.push(`  env template    .gitlab/agents/${agent.name}/environment_templates/default.yaml`);
  }
  if (agent.ciVariables.length > 0) {
    const vars = agent.ciVariables.map((v) => [
      v.level,
      ownerLabel(v.owner),
      `${v.key}=${printable(v.value)}`,
      printable(v.environmentScope),
    ]);
    out.push('  variables');
    out.push(
      indent(
        renderTable(
          ['LEVEL', 'OWNER', 'VARIABLE', 'SCOPE'].map((h) => color.dim(h)),
          vars,
        ),
      ),
    );
  }
  return out.join('\n');
}

function renderClusterList(
  title: string,
  clusters: PlannedCluster[],
  color: ChalkInstance,
): string | null {
  if (clusters.length === 0) return null;
  const rows = clusters.map((c) => [...clusterRow(c), printable(c.reason ?? '')]);
  const header = ['ID', 'LEVEL', 'OWNER', 'NAME', 'SCOPE', 'REASON'].map((h) => color.dim(h));
  return `${color.bold(`${title} (${clusters.length})`)}\n${indent(renderTable(header, rows), '  ')}`;
}

function renderWarnings(plan: Plan, color: ChalkInstance): string | null {
  if (plan.warnings.length === 0) return null;
  const lines = plan.warnings.map((w) => {
    const where = w.clusterId == null ? '' : `cluster ${w.clusterId}: `;
    return `  ${color.yellow('warning')} [${w.code}] ${where}${printable(w.message)}`;
  });
  return [color.bold(`Warnings (${plan.warnings.length})`), ...lines].join('\n');
}

export function renderPlanTable(plan: Plan, color: ChalkInstance): string {
  const clusters = new Map(plan.clusters.map((c) => [c.id, c]));
  const sections: (string | null)[] = [renderHeader(plan)];
  if (plan.clusters.length === 0) sections.push('No certificate-based clusters found.');
  for (const agent of plan.agents) sections.push(renderAgent(agent, clusters, color));
  // Clusters to migrate that no agent lists would otherwise vanish from the report.
  const covered = new Set(plan.agents.flatMap((a) => a.clusterIds));
  const byAction = (action: PlannedCluster['action']) =>
    plan.clusters.filter((c) => c.action === action);
  sections.push(
    renderClusterList(
      'Without an agent',
      byAction('migrate').filter((c) => !covered.has(c.id)),
      color,
    ),
    renderClusterList('Skipped', byAction('skip'), color),
    renderClusterList('Done', byAction('done'), color),
    renderAuditTable(plan, color, printable),
    renderWarnings(plan, color),
  );
  const summary = renderSummaryLine(plan);
  sections.push(hasPendingChanges(plan) ? color.bold(summary) : color.green(summary));
  return sections.filter((s): s is string => s != null).join('\n\n');
}
