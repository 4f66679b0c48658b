// Creating the shared agent configuration project (`<root group>/gitlab-agents` by default) when the
// plan says it is missing: POST /projects in its group. The project starts with a README on `main`, so
// merge-request delivery has a default branch to target from the first run. Idempotent: an existing
// project is left alone, and one created by someone else between our check and our request is
// recognised from GitLab's "has already been taken" answer.
import { UserError } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import { showGroup } from '../gitlab/groups.js';
import { createProject, projectInfo, type ProjectInfo } from '../gitlab/projects.js';

export interface EnsureProjectOptions {
  /** decide and report only: `created: true` then means "would be created" */
  dryRun?: boolean;
  description?: string;
  /** called just before the create request (apply writes its intent to the journal there) */
  beforeCreate?: () => Promise<void>;
}

export interface EnsureProjectResult {
  created: boolean;
  /** null in a dry run that would create the project */
  projectId: number | null;
  /** what GitLab says of the project now; null in a dry run that would create it */
  info: ProjectInfo | null;
}

const DEFAULT_DESCRIPTION =
  'Configuration of GitLab agents for Kubernetes (created by migrate-clusters).';

function cannotCreate(fullPath: string, group: string, cause: unknown): UserError {
  return new UserError(
    `This token's user may not create projects in ${group}, so ${fullPath} cannot be created.`,
    {
      hint:
        `Creating projects in a group needs the Developer role there by default (the group's "Allowed to ` +
        `create projects" setting may ask for more); or create ${fullPath} yourself and run again.`,
      cause,
    },
  );
}

export async function ensureAgentProject(
  client: GitLabClient,
  fullPath: string,
  options: EnsureProjectOptions = {},
): Promise<EnsureProjectResult> {
  const existing = await projectInfo(client, fullPath);
  if (existing) return { created: false, projectId: existing.id, info: existing };

  const slash = fullPath.lastIndexOf('/');
  if (slash <= 0 || slash === fullPath.length - 1) {
    throw new UserError(
      `Cannot create the agent project "${fullPath}": it must be inside a group.`,
      {
        hint: 'Give a full path such as my-group/gitlab-agents (--agent-project ROOT=PATH when planning).',
      },
    );
  }
  const groupPath = fullPath.slice(0, slash);
  const path = fullPath.slice(slash + 1);
  const group = await showGroup(
    client,
    groupPath,
    { with_projects: false },
    {
      explain: (failure, error) =>
        failure.status === 404
          ? new UserError(
              `Cannot create ${fullPath}: the group ${groupPath} does not exist, or this token cannot see it.`,
              {
                hint: 'Check the agent project path in the plan, or create the group first.',
                cause: error,
              },
            )
          : undefined,
    },
  );
  if (options.dryRun) return { created: true, projectId: null, info: null };
  await options.beforeCreate?.();

  const outcome = await createProject(
    client,
    {
      fullPath,
      path,
      namespaceId: group.id,
      description: options.description ?? DEFAULT_DESCRIPTION,
    },
    {
      explain: (failure, error) =>
        (failure.status === 400 && failure.description.includes('namespace')) ||
        (failure.status === 403 && failure.description !== 'insufficient_scope')
          ? cannotCreate(fullPath, groupPath, error)
          : undefined,
    },
  );
  if (outcome.kind === 'taken') {
    // created meanwhile (another run, a person, or a request of ours whose answer was lost)
    const now = await projectInfo(client, fullPath);
    if (now) return { created: false, projectId: now.id, info: now };
    throw outcome.error;
  }
  // a README on main, and nothing else
  const info = {
    id: outcome.id,
    pathWithNamespace: fullPath,
    defaultBranch: 'main',
    emptyRepo: false,
  };
  return { created: true, projectId: outcome.id, info };
}
