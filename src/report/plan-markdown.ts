// The plan as GitLab/GitHub-flavoured Markdown, for a merge-request comment or a CI artifact.
// Every value from GitLab (cluster names, paths, scopes) is untrusted text: it is escaped so a
// name like `prod | eu` cannot break a table and `<img …>` cannot become HTML.
import { stringify } from 'yaml';
import type { Plan, PlanStep, PlannedAgent, PlannedCluster } from '../plan/types.js';
import { auditProjectsWithJobs, auditSummaryLine, VERDICT_WORDS } from './ci-audit-report.js';
import { countPlan, ownerLabel, renderSummaryLine } from './plan-summary.js';

// Backslash escapes cover what can start inline syntax mid-line (emphasis, code, links, strike,
// table cells); with [ and ] escaped, ( ) and ! cannot form a link or image. Characters that only
// matter at the start of a line (#, +, -) are safe: escaped text never starts one. <, > and &
// become entities, which GitLab and GitHub both decode but never treat as a tag.
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~]/g;

/** Plain text safe inside a paragraph, list item or table cell. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`)
    .replace(/\r?\n|\r/g, ' ');
}

/**
 * An inline code span that survives any backticks in the text. Inside a table, `|` must still be
 * escaped: GFM splits cells before it parses code spans.
 */
export function codeSpan(text: string, inTable = false): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const padded = flat.startsWith('`') || flat.endsWith('`') ? ` ${flat} ` : flat;
  const body = inTable ? padded.replace(/\|/g, '\\|') : padded;
  return `${fence}${body}${fence}`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function fencedBlock(language: string, content: string): string {
  const longestRun = Math.max(0, ...(content.match(/`{3,}/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${fence}${language}\n${content.endsWith('\n') ? content : `${content}\n`}${fence}`;
}

function clusterCells(cluster: PlannedCluster): string[] {
  return [
    String(cluster.id),
    cluster.level,
    escapeMarkdown(ownerLabel(cluster.owner)),
    escapeMarkdown(cluster.name),
    codeSpan(cluster.environmentScope, true),
  ];
}

function renderSummary(plan: Plan): string {
  const counts = countPlan(plan);
  const { gitlab } = plan;
  const facts = [
    `GitLab ${escapeMarkdown(gitlab.url)} (${escapeMarkdown(gitlab.version ?? 'version unknown')})`,
    `discovery: ${gitlab.discovery}`,
    `instance authorization: ${gitlab.instanceAuthorization ? 'on' : 'off'}`,
    `generated ${escapeMarkdown(plan.generatedAt)}`,
  ];
  return [
    `**${escapeMarkdown(renderSummaryLine(plan))}**`,
    facts.join(' · '),
    table(
      [
        'Clusters',
        'To migrate',
        'Skipped',
        'Done',
        'Agents to create',
        'Agents to finish',
        'Warnings',
      ],
      [
        [
          counts.clusters,
          counts.toMigrate,
          counts.skipped,
          counts.done,
          counts.agentsToCreate,
          counts.agentsToFinish,
          counts.warnings,
        ].map(String),
      ],
    ),
  ].join('\n\n');
}

function renderAgent(agent: PlannedAgent, clusters: Map<number, PlannedCluster>): string {
  const project = `${codeSpan(agent.project)}${agent.createProject ? ' (will be created)' : ''}`;
  const out = [
    `### ${codeSpan(agent.ref)} — ${agent.status}`,
    [
      `- Configuration project: ${project}`,
      `- Configuration file: ${codeSpan(agent.configPath)}`,
      `- Kubernetes API: ${codeSpan(agent.apiUrl)}`,
      `- agentk namespace: ${codeSpan(agent.namespace)}`,
    ].join('\n'),
  ];
  const replaced = agent.clusterIds.flatMap((id) => {
    const cluster = clusters.get(id);
    return cluster ? [[...clusterCells(cluster), cluster.action]] : [];
  });
  if (replaced.length > 0) {
    out.push(
      'Replaces these certificate clusters:',
      table(['ID', 'Level', 'Owner', 'Name', 'Environment scope', 'Action'], replaced),
    );
  }
  out.push(`${codeSpan(agent.configPath)}:`, fencedBlock('yaml', stringify(agent.config)));
  if (agent.environmentTemplate != null) {
    const path = `.gitlab/agents/${agent.name}/environment_templates/default.yaml`;
    out.push(`${codeSpan(path)}:`, fencedBlock('yaml', agent.environmentTemplate));
  }
  if (agent.ciVariables.length > 0) {
    const rows = agent.ciVariables.map((v) => [
      v.level,
      escapeMarkdown(ownerLabel(v.owner)),
      codeSpan(v.key, true),
      codeSpan(v.value, true),
      codeSpan(v.environmentScope, true),
    ]);
    out.push(
      'CI/CD variables:',
      table(['Level', 'Owner', 'Key', 'Value', 'Environment scope'], rows),
    );
  }
  return out.join('\n\n');
}

function renderUnchanged(plan: Plan): string | null {
  const rows = plan.clusters
    .filter((c) => c.action !== 'migrate')
    .map((c) => [...clusterCells(c), c.action, escapeMarkdown(c.reason ?? '')]);
  if (rows.length === 0) return null;
  return [
    '## Skipped and done',
    table(['ID', 'Level', 'Owner', 'Name', 'Environment scope', 'Action', 'Reason'], rows),
  ].join('\n\n');
}

function renderWarnings(plan: Plan): string | null {
  if (plan.warnings.length === 0) return null;
  const items = plan.warnings.map((w) => {
    const where = w.clusterId == null ? '' : ` (cluster ${w.clusterId})`;
    return `- ${codeSpan(w.code)}${where}: ${escapeMarkdown(w.message)}`;
  });
  return ['## Warnings', items.join('\n')].join('\n\n');
}

function renderAudit(plan: Plan): string | null {
  const line = auditSummaryLine(plan);
  if (!line) return null;
  const sections = ['## CI audit', escapeMarkdown(line)];
  for (const project of auditProjectsWithJobs(plan)) {
    sections.push(`### ${codeSpan(project.project)}`);
    if (project.problem)
      sections.push(`Could not read its CI configuration: ${escapeMarkdown(project.problem)}`);
    if (project.jobs.length === 0) continue;
    const rows = project.jobs.map((j) => [
      codeSpan(j.name, true),
      codeSpan(j.environment ?? '(none)', true),
      escapeMarkdown(VERDICT_WORDS[j.verdict]),
      escapeMarkdown(j.evidence),
      escapeMarkdown(`${j.fix ?? '—'}${j.fixAction ? ' (apply --fix-ci can)' : ''}`),
    ]);
    sections.push(table(['Job', 'Environment', 'After the cut-over', 'Seen', 'Fix'], rows));
  }
  return sections.join('\n\n');
}

/**
 * Each agent's steps stand alone (so `apply --only` can take one agent), which repeats
 * create-project for every agent of a new configuration project. apply creates it once; so does
 * this list.
 */
function onePerProject(plan: Plan): PlanStep[] {
  const projectOf = new Map(plan.agents.map((a) => [a.ref, a.project.toLowerCase()]));
  const created = new Set<string>();
  return plan.steps.filter((s) => {
    const project = s.agent == null ? undefined : projectOf.get(s.agent);
    if (s.kind !== 'create-project' || project == null) return true;
    if (created.has(project)) return false;
    created.add(project);
    return true;
  });
}

function renderSteps(plan: Plan): string | null {
  const steps = onePerProject(plan);
  if (steps.length === 0) return null;
  const items = steps.map(
    (s, i) => `${i + 1}. ${codeSpan(s.kind)} ${escapeMarkdown(s.description)}`,
  );
  const shared = plan.steps.length - steps.length;
  // <details> needs blank lines around its Markdown body, or GitLab and GitHub render it raw.
  return [
    '<details>',
    `<summary>Steps, in order (${steps.length})</summary>`,
    '',
    items.join('\n'),
    ...(shared > 0
      ? [
          '',
          `A configuration project that several agents share is created once (the plan file repeats its step for each agent, ${shared} more, so that \`apply --only\` can take one agent).`,
        ]
      : []),
    '',
    '</details>',
  ].join('\n');
}

export function renderPlanMarkdown(plan: Plan): string {
  const clusters = new Map(plan.clusters.map((c) => [c.id, c]));
  const sections: (string | null)[] = ['# migrate-clusters plan', renderSummary(plan)];
  if (plan.agents.length > 0) {
    sections.push('## Agents', ...plan.agents.map((agent) => renderAgent(agent, clusters)));
  }
  sections.push(renderUnchanged(plan), renderAudit(plan), renderWarnings(plan), renderSteps(plan));
  return `${sections.filter((s): s is string => s != null).join('\n\n')}\n`;
}
