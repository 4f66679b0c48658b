// GET /projects and GET /projects/:id (lib/api/projects.rb). Both allow anonymous callers (public projects
// only). Signed-in callers get Entities::ProjectWithAccess unless `simple=true`.

import { canReadProject, projectMembershipLevel } from '../access.js';
import { basicProject, projectWithAccess } from '../entities.js';
import {
  accessLevelParam,
  boolParam,
  enumParam,
  notFound,
  ok,
  type RequestContext,
} from '../http-kit.js';
import type { RouteDefinition } from '../router.js';
import type { ProjectRecord } from '../state.js';
import { listProjects, matchesSearch, projectListParams } from './project-list.js';

/** `user_project`: resolve `:id` (number or full path) and hide what the caller may not read. */
export function findVisibleProject(ctx: RequestContext, idOrPath: string): ProjectRecord {
  const project = ctx.state.findProject(idOrPath);
  if (!project || !canReadProject(ctx.state, ctx.user, project)) throw notFound('Project');
  return project;
}

export function projectEntity(
  ctx: RequestContext,
  simple: boolean,
): (p: ProjectRecord) => Record<string, unknown> {
  if (simple || !ctx.user) return (p) => basicProject(ctx.baseUrl, p);
  return (p) => projectWithAccess(ctx.baseUrl, p, ctx.state, ctx.user);
}

function listAllProjects(ctx: RequestContext) {
  const { state, user, query } = ctx;
  const simple = boolParam(query, 'simple') ?? false;
  const owned = boolParam(query, 'owned') ?? false;
  const membership = boolParam(query, 'membership') ?? false;
  const archived = boolParam(query, 'archived');
  const minAccess = accessLevelParam(query);
  const visibility = query.has('visibility')
    ? enumParam(query, 'visibility', ['private', 'internal', 'public'] as const, 'private')
    : null;
  const search = query.get('search');
  const listParams = projectListParams(ctx);

  // ProjectsFinder: owned / min_access_level / membership read the caller's memberships (no admin bypass);
  // otherwise admins see everything and others what they can read. Anonymous callers: public only.
  let level = 0;
  if (user && owned) level = 50;
  else if (user && minAccess !== undefined) level = Math.max(minAccess, 1);
  else if (user && membership) level = 1;

  const filters: ((p: ProjectRecord) => boolean)[] = [];
  if (level > 0) filters.push((p) => projectMembershipLevel(state, user, p) >= level);
  else if (!user?.admin) filters.push((p) => canReadProject(state, user, p));
  if (visibility) filters.push((p) => p.visibility === visibility);
  if (search) filters.push((p) => matchesSearch(p, search));
  if (archived === true) filters.push(() => false); // the fixture has no archived projects

  return listProjects(ctx, listParams, {
    ascending: state.projectsSorted,
    include: filters.length === 0 ? null : (p) => filters.every((f) => f(p)),
    entity: projectEntity(ctx, simple),
  });
}

export const projectRoutes: RouteDefinition[] = [
  { method: 'GET', path: '/projects', auth: 'optional', handler: listAllProjects },
  {
    method: 'GET',
    path: '/projects/:id',
    auth: 'optional',
    handler: (ctx) => {
      const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
      return ok(projectEntity(ctx, false)(project));
    },
  },
];
