// Projects: one project's identity and default branch (agent configuration delivery, status),
// creating one, the project lists discovery scans, and where a project's CI configuration comes from
// (the CI audit). `ci_config_path` is shown to whoever can read the code; `auto_devops_enabled` only
// to Maintainers (lib/api/entities/project.rb), so it may be unknown (null). Archived projects run no
// pipelines.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError, httpFailure, type FailureHints } from './errors.js';
import { writeOnce } from './lost-answer.js';
import { fetchAllOffset, streamKeyset, type Query } from './paginate.js';
import type { ProjectSummarySchema } from './schemas.js';

export interface ProjectInfo {
  id: number;
  pathWithNamespace: string;
  defaultBranch: string;
  /** no commits yet: no branch exists, not even the default one */
  emptyRepo: boolean;
}

/** The project, or null when it does not exist (GitLab also answers 404 when the token cannot see it). */
export async function projectInfo(
  client: GitLabClient,
  project: string,
): Promise<ProjectInfo | null> {
  try {
    const p = await client.pooled(() => client.projects.show(project));
    return {
      id: p.id,
      pathWithNamespace: p.path_with_namespace,
      // GitLab reports the instance default for an empty repository; older versions reported null
      defaultBranch: p.default_branch || 'main',
      emptyRepo: (p as { empty_repo?: boolean }).empty_repo === true,
    };
  } catch (error) {
    if (httpFailure(error)?.status === 404) return null;
    throw explainGitLabError(error, client.url, `reading project ${project}`);
  }
}

/** An agent configuration project that is not there (or not visible to the token). */
export function missingProject(project: string, cause?: unknown): UserError {
  return new UserError(
    `The agent configuration project ${project} does not exist, or this token cannot see it.`,
    {
      hint: 'Let apply create it (the plan step "create project"), or create it in GitLab and run again.',
      cause,
    },
  );
}

export interface NewProject {
  /** the full path it will have, to find it again when the answer is lost */
  fullPath: string;
  path: string;
  namespaceId: number;
  description: string;
}

/**
 * POST /projects: a private project with a README on `main`. `taken` when GitLab answers that the
 * path "has already been taken" (created meanwhile): `error` is that failure, explained, for a
 * caller that then cannot find the project either.
 */
export async function createProject(
  client: GitLabClient,
  project: NewProject,
  hints: FailureHints = {},
): Promise<{ kind: 'created'; id: number } | { kind: 'taken'; error: UserError }> {
  const what = `creating project ${project.fullPath}`;
  try {
    // Lost answer: the project that is there now (it was not, a moment ago) is ours.
    const created = await writeOnce<{ id: number }>(
      () =>
        client.pooled(() =>
          client.projects.create({
            name: project.path,
            path: project.path,
            namespaceId: project.namespaceId,
            visibility: 'private',
            initializeWithReadme: true,
            defaultBranch: 'main',
            description: project.description,
          }),
        ),
      async () => projectInfo(client, project.fullPath),
    );
    return { kind: 'created', id: created.id };
  } catch (error) {
    const failure = httpFailure(error);
    const explained = explainGitLabError(error, client.url, what, hints);
    if (failure?.status === 400 && failure.description.includes('has already been taken'))
      return { kind: 'taken', error: explained };
    throw explained;
  }
}

/** GET /groups/:id/projects (raw failures: discovery classifies them itself). */
export async function listGroupProjectSummaries(
  client: GitLabClient,
  groupId: number,
  query: Query,
): Promise<ProjectSummarySchema[]> {
  return fetchAllOffset<ProjectSummarySchema>(
    client.get,
    endpoint`groups/${groupId}/projects`,
    query,
  );
}

/** GET /projects, keyset-paginated page by page (raw failures, as above). */
export function streamProjectSummaries(
  client: GitLabClient,
  query: Query,
): AsyncGenerator<ProjectSummarySchema[]> {
  return streamKeyset<ProjectSummarySchema>(client.get, 'projects', query);
}

export interface ProjectCi {
  id: number;
  path: string;
  defaultBranch: string | null;
  emptyRepo: boolean;
  archived: boolean;
  /** null: the default, .gitlab-ci.yml */
  ciConfigPath: string | null;
  /** null: GitLab did not say (the token is not a Maintainer of the project) */
  autoDevopsEnabled: boolean | null;
  /** a personal namespace has no groups above the project */
  inUserNamespace: boolean;
}

interface ProjectSchema {
  id: number;
  path_with_namespace: string;
  default_branch?: string | null;
  empty_repo?: boolean;
  archived?: boolean;
  ci_config_path?: string | null;
  auto_devops_enabled?: boolean;
  namespace?: { kind?: string };
}

const toProject = (p: ProjectSchema): ProjectCi => ({
  id: p.id,
  path: p.path_with_namespace,
  defaultBranch: p.default_branch ?? null,
  emptyRepo: p.empty_repo === true,
  archived: p.archived === true,
  ciConfigPath: p.ci_config_path ? p.ci_config_path : null,
  autoDevopsEnabled: typeof p.auto_devops_enabled === 'boolean' ? p.auto_devops_enabled : null,
  inUserNamespace: p.namespace?.kind === 'user',
});

/** Every project of a group and its subgroups (not archived). */
export async function listProjectsUnder(client: GitLabClient, group: string): Promise<ProjectCi[]> {
  try {
    const projects = await fetchAllOffset<ProjectSchema>(
      client.get,
      endpoint`groups/${group}/projects`,
      { include_subgroups: true, with_shared: false, archived: false },
    );
    return projects.map(toProject);
  } catch (error) {
    throw explainGitLabError(error, client.url, `listing the projects of group ${group}`);
  }
}

/** Every project the token sees (an administrator: the whole instance), not archived. */
export async function listAllProjects(client: GitLabClient): Promise<ProjectCi[]> {
  const out: ProjectCi[] = [];
  try {
    for await (const page of streamKeyset<ProjectSchema>(client.get, 'projects', {
      order_by: 'id',
      sort: 'asc',
      archived: false,
    }))
      out.push(...page.map(toProject));
  } catch (error) {
    throw explainGitLabError(error, client.url, 'listing the projects of the instance');
  }
  return out;
}

export async function readProjectCi(
  client: GitLabClient,
  project: string,
): Promise<ProjectCi | null> {
  try {
    // client.get runs in the pool already (callOrNull would wait for a second slot)
    return toProject((await client.get<ProjectSchema>(endpoint`projects/${project}`)).body);
  } catch (error) {
    if (httpFailure(error)?.status === 404) return null;
    throw explainGitLabError(error, client.url, `reading project ${project}`);
  }
}
