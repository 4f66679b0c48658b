// One project's audit from what the caller could read of its CI configuration. Without a CI file
// and with Auto DevOps on, GitLab runs the Auto-DevOps template
// (Gitlab::Ci::ProjectConfig::AutoDevops, lib/gitlab/ci/project_config/auto_devops.rb): the caller
// passes the lint of `include: template: Auto-DevOps.gitlab-ci.yml`, so it is classified like any
// configuration, its jobs coming from templates.
import { UserError } from '../errors.js';
import { classifyJobs } from './classify.js';
import type { CiSources, ProjectAudit } from './types.js';

export type ProjectCiInput =
  /** a configuration GitLab's lint API merged (external: a ci_config_path elsewhere, expanded) */
  | {
      kind: 'merged';
      source: 'file' | 'auto-devops' | 'external';
      configPath: string;
      sources: CiSources;
    }
  /** no CI file and Auto DevOps off: no pipeline runs */
  | { kind: 'none'; configPath: string }
  /** the configuration exists but could not be read, e.g. the lint API says it is invalid */
  | {
      kind: 'unreadable';
      source: 'file' | 'auto-devops' | 'external';
      configPath: string;
      problem: string;
    };

export function auditProject(project: string, input: ProjectCiInput): ProjectAudit {
  const base = { project, configPath: input.configPath, jobs: [], problem: null };
  switch (input.kind) {
    case 'none':
      return { ...base, source: 'none' };
    case 'unreadable':
      return { ...base, source: input.source, problem: input.problem };
    case 'merged':
      try {
        return { ...base, source: input.source, jobs: classifyJobs(input.sources) };
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        return { ...base, source: input.source, problem: error.message };
      }
  }
}
