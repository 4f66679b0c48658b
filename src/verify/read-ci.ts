// Reads a project's CI configuration the way GitLab merges it and hands it to the pure audit
// (src/ci-audit). Where the configuration comes from follows Gitlab::Ci::ProjectConfig
// (lib/gitlab/ci/project_config.rb, ci-audit/config-path.ts): the project's ci_config_path (or
// .gitlab-ci.yml) in its repository; a file in another project or a URL; else Auto DevOps when
// it is on. GET /ci/lint expands the project's own file; the other two are expanded by POST
// /ci/lint with the `include:` GitLab itself would build (project_config/project_setting.rb,
// auto_devops.rb).
import { readFilesAt } from '../gitlab/repository-files.js';
import { auditProject } from '../ci-audit/audit-project.js';
import { ciConfigLocation } from '../ci-audit/config-path.js';
import type { ProjectAudit } from '../ci-audit/types.js';
import { UserError } from '../errors.js';
import { lintContent, lintProjectConfig, NO_CI_FILE, type LintResult } from '../gitlab/ci-lint.js';
import type { GitLabClient } from '../gitlab/client.js';
import type { ProjectCi } from '../gitlab/projects.js';

const AUTO_DEVOPS = 'include:\n  - template: Auto-DevOps.gitlab-ci.yml\n';

/** The `include:` project_setting.rb builds for a ci_config_path outside the repository. */
export function externalInclude(path: string): string {
  if (/https?:\/\//i.test(path)) return `include:\n  - remote: ${JSON.stringify(path)}\n`;
  const at = path.indexOf('@');
  const file = path.slice(0, at);
  const [project, ref] = path.slice(at + 1).split(/:(.*)/s);
  const refLine = ref ? `\n    ref: ${JSON.stringify(ref)}` : '';
  return `include:\n  - project: ${JSON.stringify(project)}\n    file: ${JSON.stringify(file)}${refLine}\n`;
}

type Source = 'file' | 'auto-devops' | 'external';

async function fromLint(
  client: GitLabClient,
  project: ProjectCi,
  source: Source,
  configPath: string,
  lint: LintResult,
): Promise<ProjectAudit> {
  if (!lint.valid || lint.mergedYaml == null)
    return auditProject(project.path, {
      kind: 'unreadable',
      source,
      configPath,
      problem: `GitLab finds it invalid: ${lint.errors[0] ?? 'no reason given'}`,
    });
  // The project's own files (main file, local includes) are the ones --fix-ci may edit.
  const local = [
    ...(source === 'file' ? [configPath] : []),
    ...lint.includes.filter((i) => i.type === 'local').map((i) => i.location.replace(/^\//, '')),
  ];
  const projectFiles: Record<string, string> = {};
  if (local.length && project.defaultBranch) {
    const snapshot = await readFilesAt(
      client,
      project.path,
      [...new Set(local)],
      project.defaultBranch,
    );
    for (const [path, file] of Object.entries(snapshot.files))
      if (file) projectFiles[path] = file.content;
  }
  return auditProject(project.path, {
    kind: 'merged',
    source,
    configPath,
    sources: {
      mergedYaml: lint.mergedYaml,
      includes: lint.includes,
      projectFiles,
      mainFile: source === 'file' ? configPath : '',
    },
  });
}

async function readAudit(client: GitLabClient, project: ProjectCi): Promise<ProjectAudit> {
  const location = ciConfigLocation(project.ciConfigPath);
  const configPath = location.path;
  if (location.kind === 'external')
    return fromLint(
      client,
      project,
      'external',
      configPath,
      await lintContent(client, project.path, externalInclude(configPath)),
    );
  if (!project.emptyRepo) {
    const lint = await lintProjectConfig(client, project.path);
    if (!(lint.errors.length === 1 && lint.errors[0] === NO_CI_FILE))
      return fromLint(client, project, 'file', configPath, lint);
  }
  // No CI file: Auto DevOps runs where it is on (project_config/auto_devops.rb).
  if (project.autoDevopsEnabled === false)
    return auditProject(project.path, { kind: 'none', configPath });
  if (project.autoDevopsEnabled == null)
    return auditProject(project.path, {
      kind: 'unreadable',
      source: 'auto-devops',
      configPath,
      problem: 'it has no CI file, and only a Maintainer can see whether Auto DevOps runs instead',
    });
  return fromLint(
    client,
    project,
    'auto-devops',
    configPath,
    await lintContent(client, project.path, AUTO_DEVOPS),
  );
}

/** The audit of one project's CI configuration; what cannot be read is part of the answer. */
export async function auditProjectCi(
  client: GitLabClient,
  project: ProjectCi,
): Promise<ProjectAudit> {
  try {
    return await readAudit(client, project);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return auditProject(project.path, {
      kind: 'unreadable',
      source: ciConfigLocation(project.ciConfigPath).kind === 'external' ? 'external' : 'file',
      configPath: ciConfigLocation(project.ciConfigPath).path,
      problem: error.message,
    });
  }
}
