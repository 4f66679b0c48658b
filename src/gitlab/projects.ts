// Projects as the CI audit needs them: where their CI configuration comes from. `ci_config_path`
// is shown to whoever can read the code; `auto_devops_enabled` only to Maintainers
// (lib/api/entities/project.rb), so it may be unknown (null). Archived projects run no pipelines.
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { fetchAllOffset, streamKeyset } from './paginate.js';
import { httpFailure } from './errors.js';
import { wrapperFailure } from './wrapper-errors.js';

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
    throw wrapperFailure(error, client, `listing the projects of group ${group}`);
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
    throw wrapperFailure(error, client, 'listing the projects of the instance');
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
    throw wrapperFailure(error, client, `reading project ${project}`);
  }
}
