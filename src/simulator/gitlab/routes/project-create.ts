// POST /projects (lib/api/projects.rb, Projects::CreateService). A project goes into the caller's
// personal namespace, or into the group `namespace_id` names when the caller may create projects there:
// GitLab's default project_creation_level is "developer" (Developers and Maintainers), as the group
// entity reports. A refused namespace is a model error, not a 403: 400 {"message":{"namespace":["is not
// valid"]}}. The new project is a regular ProjectRecord, so every other route sees it at once; its
// repository is empty unless `initialize_with_readme` asks for a first commit.

import { groupMembershipLevel } from '../access.js';
import { project as projectEntity } from '../entities.js';
import { ApiError, ok, type ApiResponse, type RequestContext } from '../http-kit.js';
import { RequestParams } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import type { GroupRecord, ProjectRecord, UserRecord } from '../state.js';
import type { Visibility } from '../fixture-types.js';
import { DEVELOPER } from './repository.js';

const VISIBILITIES: readonly Visibility[] = ['private', 'internal', 'public'];
const rank = (v: Visibility): number => VISIBILITIES.indexOf(v);

/** Project::path format (Gitlab::PathRegex.project_path_format_regex) */
const PATH_FORMAT = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$/;
const PATH_MESSAGE =
  "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or end in '.atom'";

function invalid(errors: Record<string, string[]>): ApiError {
  return new ApiError(400, { message: errors });
}

/** `name` without `path`: GitLab derives the path (lower-cased, other characters become dashes). */
function pathFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

type Namespace = { kind: 'group'; group: GroupRecord } | { kind: 'user'; user: UserRecord };

function resolveNamespace(
  ctx: RequestContext,
  user: UserRecord,
  id: number | undefined,
): Namespace {
  if (id === undefined || id === user.namespaceId) return { kind: 'user', user };
  const group = ctx.state.groupsById.get(id);
  if (group) {
    const allowed = user.admin || groupMembershipLevel(ctx.state, user, group) >= DEVELOPER;
    if (allowed) return { kind: 'group', group };
  } else if (user.admin) {
    for (const other of ctx.state.usersById.values())
      if (other.namespaceId === id) return { kind: 'user', user: other };
  }
  throw invalid({ namespace: ['is not valid'] });
}

function createProject(ctx: RequestContext): ApiResponse {
  const user = ctx.user as UserRecord;
  const params = RequestParams.of(ctx.query, ctx.body);
  const givenName = params.string('name');
  const givenPath = params.string('path');
  if (!givenName && !givenPath) {
    throw new ApiError(400, {
      error: 'name, path are missing, at least one parameter must be provided',
    });
  }
  const visibility = params.oneOf('visibility', VISIBILITIES) ?? 'private';
  // JSON null reads as absent: the caller's own namespace
  const namespace = resolveNamespace(ctx, user, params.int('namespace_id') ?? undefined);

  const path = givenPath ?? pathFromName(givenName ?? '');
  const name = givenName ?? path;
  const errors: Record<string, string[]> = {};
  const siblings: ProjectRecord[] =
    namespace.kind === 'group'
      ? namespace.group.projects
      : ctx.state.projectsSorted.filter(
          (p) => p.namespace.kind === 'user' && p.namespace.user.id === namespace.user.id,
        );
  if (siblings.some((p) => p.name.toLowerCase() === name.toLowerCase()))
    errors['name'] = ['has already been taken'];
  const nsPath = namespace.kind === 'group' ? namespace.group.fullPath : namespace.user.username;
  const fullPath = `${nsPath}/${path}`.toLowerCase();
  if (!PATH_FORMAT.test(path) || /\.(git|atom)$/.test(path)) errors['path'] = [PATH_MESSAGE];
  else if (ctx.state.projectsByPath.has(fullPath) || ctx.state.groupsByPath.has(fullPath))
    errors['path'] = ['has already been taken'];
  if (namespace.kind === 'group' && rank(visibility) > rank(namespace.group.visibility)) {
    errors['visibility_level'] = [
      `${visibility} is not allowed in a ${namespace.group.visibility} group.`,
    ];
  }
  if (Object.keys(errors).length > 0) throw invalid(errors);

  const withReadme = params.bool('initialize_with_readme') ?? false;
  const defaultBranch = (withReadme ? params.string('default_branch') : undefined) ?? 'main';
  const last = ctx.state.projectsSorted[ctx.state.projectsSorted.length - 1];
  const record = ctx.state.addProject({
    id: (last?.id ?? 0) + 1,
    path,
    name,
    namespace: nsPath,
    visibility,
    default_branch: defaultBranch,
    description: params.string('description') ?? undefined,
  });
  ctx.state.repositories.createFor(
    record,
    withReadme ? { branch: defaultBranch, author: user } : null,
  );
  return ok(projectEntity(ctx.baseUrl, record, ctx), 201);
}

export const projectCreateRoutes: RouteDefinition[] = [
  { method: 'POST', path: '/projects', handler: createProject },
];
