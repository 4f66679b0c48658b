// The audit of one project's CI configuration: for every job with an environment (only those got
// the certificate cluster's variables), whether it keeps working once certificate clusters are
// off, and what to change where. Jobs without an environment matter only when they are gated on
// a certificate cluster being active (`only: kubernetes: active`, `$CI_KUBERNETES_ACTIVE`: a
// pipeline-level test, lib/gitlab/ci/build/policy/kubernetes.rb): they stop running too.
import { configJobs, parseMergedConfig } from './ci-jobs.js';
import { describeDefinition, jobLocator } from './job-location.js';
import { judgeJob } from './judge-job.js';
import { VERDICT_CLASS, type AuditedJob, type CiSources, type Finding } from './types.js';

/** Throws UserError when merged_yaml is not valid YAML. */
export function classifyJobs(sources: CiSources): AuditedJob[] {
  const locate = jobLocator(sources);
  return configJobs(parseMergedConfig(sources.mergedYaml)).flatMap((job): AuditedJob[] => {
    const { findings, runsBeforeScript, beforeScriptTalksToCluster } = judgeJob(job);
    const [primary, ...alsoFound] = findings as [Finding, ...Finding[]];
    if (job.environment == null && primary.verdict !== 'kubernetes-gate') return [];
    const definedIn = locate(job.name);
    const audited: AuditedJob = {
      name: job.name,
      environment: job.environment,
      ...primary,
      definedIn,
      cause: primary.verdict,
      alsoFound,
      runsBeforeScript,
      beforeScriptTalksToCluster,
    };
    if (VERDICT_CLASS[primary.verdict] === 'ok' || definedIn.kind === 'project-file')
      return [audited];
    const where = describeDefinition(definedIn);
    return [
      {
        ...audited,
        verdict: 'not-editable',
        fix: `The job comes from ${where}, which this project cannot edit: override it in ${sources.mainFile || 'a .gitlab-ci.yml'} or ask the include's owners.${primary.fix ? ` ${primary.fix}` : ''}`,
        fixAction: null,
      },
    ];
  });
}
