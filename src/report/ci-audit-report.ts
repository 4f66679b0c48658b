// The CI audit in every rendering of a plan: per project, its deploy jobs, what happens to each
// once the certificate clusters are off, and the fix. Jobs that keep working are counted, not
// listed one by one, in the terminal table; Markdown and JUnit list every job.
import type { ChalkInstance } from 'chalk';
import type { AuditedJob, JobVerdict, ProjectAudit } from '../ci-audit/types.js';
import { VERDICT_CLASS } from '../ci-audit/types.js';
import type { Plan } from '../plan/types.js';

export const VERDICT_WORDS: Record<JobVerdict, string> = {
  'auto-devops': 'keeps working (Auto DevOps reads KUBE_CONTEXT)',
  'selects-context': 'keeps working (selects its context)',
  'no-kubernetes': 'keeps working (does not use Kubernetes)',
  'implicit-context': 'breaks (no context chosen)',
  'certificate-variables': 'breaks (certificate cluster variables)',
  'kubernetes-gate': 'stops running (Kubernetes-active gate)',
  'not-editable': 'needs a person (in an include this project cannot edit)',
  unknown: 'needs a person (runs a script this audit cannot read)',
};

export const jobLabel = (job: AuditedJob) => `${job.name} (${job.environment ?? 'no environment'})`;

export const isFine = (job: AuditedJob) => VERDICT_CLASS[job.verdict] === 'ok';

export interface AuditCounts {
  projects: number;
  jobs: number;
  fine: number;
  fixable: number;
  /** projects whose configuration could not be read */
  unreadable: number;
}

export function countAudit(plan: Plan): AuditCounts | null {
  const audit = plan.ciAudit;
  if (!audit) return null;
  const jobs = audit.projects.flatMap((p) => p.jobs);
  return {
    projects: audit.projectsRead,
    jobs: jobs.length,
    fine: jobs.filter(isFine).length,
    fixable: jobs.filter((j) => j.fixAction != null).length,
    unreadable: audit.projects.filter((p) => p.problem != null).length,
  };
}

/** The one-line account: "CI audit: 39 projects read, 14 deploy jobs: 8 keep working, 6 do not (4 fixable by --fix-ci)." */
export function auditSummaryLine(plan: Plan): string | null {
  const c = countAudit(plan);
  if (!c) return null;
  const unreadable = c.unreadable ? `; ${c.unreadable} configuration(s) unreadable` : '';
  return `CI audit: ${c.projects} project(s) read, ${c.jobs} deploy job(s): ${c.fine} keep working, ${c.jobs - c.fine} do not (${c.fixable} fixable by apply --fix-ci)${unreadable}.`;
}

export function renderAuditTable(
  plan: Plan,
  color: ChalkInstance,
  printable: (s: string) => string,
): string | null {
  const line = auditSummaryLine(plan);
  if (!line || !plan.ciAudit) return null;
  const out = [color.bold('CI audit'), `  ${line}`];
  for (const project of plan.ciAudit.projects) {
    const trouble = project.jobs.filter((j) => !isFine(j));
    if (!project.problem && trouble.length === 0) continue;
    out.push(`  ${printable(project.project)}`);
    if (project.problem) out.push(`    ${color.red('✖')} ${printable(project.problem)}`);
    for (const job of trouble) {
      const mark = job.fixAction ? color.yellow('✖') : color.red('✖');
      out.push(`    ${mark} ${printable(jobLabel(job))}: ${VERDICT_WORDS[job.verdict]}`);
      out.push(`        ${color.dim(printable(job.evidence))}`);
      if (job.fix)
        out.push(
          `        ${color.dim(`fix: ${printable(job.fix)}${job.fixAction ? ' (apply --fix-ci can)' : ''}`)}`,
        );
    }
    const fine = project.jobs.length - trouble.length;
    if (fine) out.push(`    ${color.green('✔')} ${fine} more job(s) keep working`);
  }
  return out.join('\n');
}

export function auditProjectsWithJobs(plan: Plan): ProjectAudit[] {
  return plan.ciAudit?.projects ?? [];
}
