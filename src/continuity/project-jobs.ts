// The CI audit's findings (src/ci-audit) in the shape the continuity model reads.
import { VERDICT_CLASS, type ProjectAudit } from '../ci-audit/types.js';
import type { ProjectJobs } from './rows.js';

export function jobsOf(audit: ProjectAudit): ProjectJobs {
  return {
    project: audit.project,
    problem: audit.problem,
    jobs: audit.jobs.map((j) => ({
      name: j.name,
      environment: j.environment,
      verdict: j.verdict,
      class: VERDICT_CLASS[j.verdict],
      // a job that never talks to Kubernetes keeps working whatever context it gets
      usesKubernetes: j.cause !== 'no-kubernetes',
      evidence: j.evidence,
    })),
  };
}
