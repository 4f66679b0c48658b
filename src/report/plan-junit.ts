// The plan as JUnit XML, so GitLab's merge-request test widget shows one line per certificate
// cluster: failed while its migration is pending, skipped with the reason, passed once done.
// The "failure" is deliberate: it is the only JUnit state a widget puts in front of people.
import type { Plan, PlannedCluster } from '../plan/types.js';
import { auditProjectsWithJobs, isFine, jobLabel, VERDICT_WORDS } from './ci-audit-report.js';
import { countPlan, stepsForCluster } from './plan-summary.js';

// XML 1.0 cannot carry most C0 controls, lone surrogates, U+FFFE or U+FFFF at all — not even as
// character references — so they are written as a visible \uXXXX instead of making the file unloadable.
// NOTE: https://www.w3.org/TR/xml/#charsets
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text content: the five predefined entities, and \r kept as a reference (parsers fold it). */
export function escapeXmlText(text: string): string {
  return text
    .replace(NOT_XML_CHAR, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)
    .replace(/[&<>"']/g, (c) => ENTITIES[c]!)
    .replace(/\r/g, '&#13;');
}

/**
 * Attribute values are whitespace-normalised by every parser, so tabs and line breaks are kept as
 * character references.
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attributes(attrs: Record<string, string | number>): string {
  return Object.entries(attrs)
    .map(([key, value]) => ` ${key}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

function testcaseName(cluster: PlannedCluster): string {
  return `cluster ${cluster.id} ${cluster.name} (${cluster.environmentScope})`;
}

export interface JunitOptions {
  /** where the plan file is (or will be), for the "run apply" line; none: it was not written */
  planPath?: string;
}

function applyLine(planPath: string | undefined): string {
  return planPath == null
    ? 'Write the plan with `migrate-clusters plan --out plan.json`, then run `migrate-clusters apply plan.json` (or the `migrate` wizard) to carry it out.'
    : `Run \`migrate-clusters apply ${planPath}\` (or the \`migrate\` wizard) to carry it out.`;
}

function pendingBody(plan: Plan, cluster: PlannedCluster, options: JunitOptions): string {
  const owner =
    cluster.level === 'instance' ? 'the instance' : `${cluster.level} ${cluster.owner ?? '?'}`;
  const where = `${owner}, scope ${cluster.environmentScope}`;
  const agents = cluster.agents.length > 0 ? cluster.agents.join(', ') : '(no agent planned)';
  const lines = [`Cluster ${cluster.id} "${cluster.name}" (${where}) moves to ${agents}.`];
  if (cluster.reason) lines.push(`Reason: ${cluster.reason}`);
  const steps = stepsForCluster(plan, cluster);
  if (steps.length > 0) {
    lines.push('', 'Steps:', ...steps.map((s, i) => `${i + 1}. [${s.kind}] ${s.description}`));
  }
  lines.push('', applyLine(options.planPath));
  return lines.join('\n');
}

function renderTestcase(plan: Plan, cluster: PlannedCluster, options: JunitOptions): string {
  const open = `    <testcase${attributes({
    classname: cluster.owner ?? 'instance',
    name: testcaseName(cluster),
    time: 0,
  })}`;
  switch (cluster.action) {
    case 'done':
      return `${open}/>`;
    case 'skip':
      return `${open}>\n      <skipped${attributes({ message: cluster.reason ?? 'skipped' })}/>\n    </testcase>`;
    case 'migrate': {
      const agents = cluster.agents.join(', ') || 'no agent';
      const message = `pending: migrate to ${agents}`;
      const failure =
        `      <failure${attributes({ message, type: 'pending' })}>` +
        `${escapeXmlText(pendingBody(plan, cluster, options))}</failure>`;
      return `${open}>\n${failure}\n    </testcase>`;
    }
  }
}

export function renderPlanJunit(plan: Plan, options: JunitOptions = {}): string {
  const counts = countPlan(plan);
  const totals = {
    tests: counts.clusters,
    failures: counts.toMigrate,
    errors: 0,
    skipped: counts.skipped,
    time: 0,
  };
  const audit = renderAuditSuite(plan);
  const all = {
    ...totals,
    tests: totals.tests + audit.totals.tests,
    failures: totals.failures + audit.totals.failures,
  };
  const properties = Object.entries({
    'gitlab.url': plan.gitlab.url,
    'gitlab.version': plan.gitlab.version ?? 'unknown',
    discovery: plan.gitlab.discovery,
    instanceAuthorization: String(plan.gitlab.instanceAuthorization),
  }).map(([name, value]) => `      <property${attributes({ name, value })}/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'migrate-clusters', ...all })}>`,
    `  <testsuite${attributes({ name: 'migrate-clusters', ...totals, timestamp: plan.generatedAt })}>`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...plan.clusters.map((cluster) => renderTestcase(plan, cluster, options)),
    '  </testsuite>',
    ...audit.lines,
    '</testsuites>',
    '',
  ].join('\n');
}

/** One testcase per deploy job: failed when it would break, stop or need a person. */
function renderAuditSuite(plan: Plan): {
  lines: string[];
  totals: { tests: number; failures: number };
} {
  const projects = auditProjectsWithJobs(plan);
  if (!plan.ciAudit) return { lines: [], totals: { tests: 0, failures: 0 } };
  const cases = projects.flatMap((project) => [
    ...(project.problem
      ? [
          `    <testcase${attributes({ classname: project.project, name: 'CI configuration', time: 0 })}>\n      <failure${attributes({ message: 'unreadable', type: 'ci-audit' })}>${escapeXmlText(project.problem)}</failure>\n    </testcase>`,
        ]
      : []),
    ...project.jobs.map((job) => {
      const open = `    <testcase${attributes({ classname: project.project, name: jobLabel(job), time: 0 })}`;
      if (isFine(job)) return `${open}/>`;
      const body = [
        job.evidence,
        job.fix ? `Fix: ${job.fix}` : '',
        job.fixAction
          ? '`migrate-clusters apply … --fix-ci merge-request` can make this change.'
          : '',
      ]
        .filter(Boolean)
        .join('\n');
      return `${open}>\n      <failure${attributes({ message: VERDICT_WORDS[job.verdict], type: job.verdict })}>${escapeXmlText(body)}</failure>\n    </testcase>`;
    }),
  ]);
  const failures = projects.reduce(
    (n, p) => n + (p.problem ? 1 : 0) + p.jobs.filter((j) => !isFine(j)).length,
    0,
  );
  const totals = { tests: cases.length, failures, errors: 0, skipped: 0, time: 0 };
  return {
    lines: [
      `  <testsuite${attributes({ name: 'ci-audit', ...totals, timestamp: plan.generatedAt })}>`,
      ...cases,
      '  </testsuite>',
    ],
    totals,
  };
}
