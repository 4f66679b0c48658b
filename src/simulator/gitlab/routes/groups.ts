// GET /groups, /groups/:id, /groups/:id/descendant_groups, /groups/:id/projects (lib/api/groups.rb and
// GroupsFinder / GroupProjectsFinder). All allow anonymous callers, who see public groups only.

import {
  canReadGroup,
  canReadProject,
  groupMembershipLevel,
  projectMembershipLevel,
  relatedGroupIds,
} from '../access.js';
import { basicProject, group as groupEntity, project as projectEntity } from '../entities.js';
import {
  accessLevelParam,
  boolParam,
  enumParam,
  notFound,
  ok,
  pageParams,
  paginate,
  type RequestContext,
} from '../http-kit.js';
import type { RouteDefinition } from '../router.js';
import { projectsUnder, selfAndDescendants } from '../hierarchy.js';
import type { GroupRecord, ProjectRecord } from '../state.js';
import { listProjects, matchesSearch, projectListParams } from './project-list.js';

/** `find_group!`: resolve `:id` (number or full path) and hide what the caller may not read. */
export function findVisibleGroup(ctx: RequestContext, idOrPath: string): GroupRecord {
  const group = ctx.state.findGroup(idOrPath);
  if (!group || !canReadGroup(ctx.state, ctx.user, group)) throw notFound('Group');
  return group;
}

/**
 * GroupsFinder as the groups API drives it. `all_available` defaults to true only for admins (and is
 * implied for anonymous callers); without it a user gets the groups related to their memberships.
 * `owned` and `min_access_level` read memberships only, even for admins.
 */
function groupFinder(ctx: RequestContext): (candidates: readonly GroupRecord[]) => GroupRecord[] {
  const { state, user, query } = ctx;
  const allAvailable = boolParam(query, 'all_available') ?? (user ? user.admin : true);
  const owned = boolParam(query, 'owned') ?? false;
  const topLevelOnly = boolParam(query, 'top_level_only') ?? false;
  const minAccess = accessLevelParam(query);
  const orderBy = enumParam(
    query,
    'order_by',
    ['name', 'path', 'id', 'similarity'] as const,
    'name',
  );
  const sort = enumParam(query, 'sort', ['asc', 'desc'] as const, 'asc');
  const search = query.get('search')?.toLowerCase() ?? '';
  const skip = new Set(
    query.getAll('skip_groups[]').concat(query.getAll('skip_groups')).map(Number),
  );
  pageParams(query);

  let include: (g: GroupRecord) => boolean;
  if (user && owned) include = (g) => state.groupMembers.get(user.id)?.get(g.id) === 50;
  else if (user && minAccess !== undefined)
    include = (g) => groupMembershipLevel(state, user, g) >= Math.max(minAccess, 1);
  else if (user?.admin && allAvailable) include = () => true;
  else {
    const related = user ? relatedGroupIds(state, user) : new Set<number>();
    include = (g) =>
      related.has(g.id) ||
      (allAvailable && (g.visibility === 'public' || (!!user && g.visibility === 'internal')));
  }

  const dir = sort === 'asc' ? 1 : -1;
  const key = orderBy === 'path' ? 'path' : orderBy === 'id' ? null : 'name';
  return (candidates) =>
    candidates
      .filter(
        (g) =>
          include(g) &&
          (!topLevelOnly || g.parent == null) &&
          !skip.has(g.id) &&
          (!search ||
            g.name.toLowerCase().includes(search) ||
            g.path.toLowerCase().includes(search)),
      )
      .sort((a, b) => {
        if (key && a[key] !== b[key]) return a[key] < b[key] ? -dir : dir;
        return (a.id - b.id) * dir;
      });
}

function groupProjects(ctx: RequestContext) {
  const { state, user, query } = ctx;
  const simple = boolParam(query, 'simple') ?? false;
  const owned = boolParam(query, 'owned') ?? false;
  const includeSubgroups = boolParam(query, 'include_subgroups') ?? false;
  const archived = boolParam(query, 'archived');
  const minAccess = accessLevelParam(query);
  const visibility = query.has('visibility')
    ? enumParam(query, 'visibility', ['private', 'internal', 'public'] as const, 'private')
    : null;
  const search = query.get('search');
  const listParams = projectListParams(ctx);
  const group = findVisibleGroup(ctx, ctx.params['id'] ?? '');

  // GroupProjectsFinder#filter_by_visibility: owned / min_access_level use project authorizations.
  const level = user && owned ? 50 : user && minAccess !== undefined ? Math.max(minAccess, 1) : 0;
  const include = (p: ProjectRecord): boolean =>
    (level > 0
      ? projectMembershipLevel(state, user, p) >= level
      : canReadProject(state, user, p)) &&
    (!visibility || p.visibility === visibility) &&
    matchesSearch(p, search) &&
    archived !== true;

  return listProjects(ctx, listParams, {
    ascending: projectsUnder(group, includeSubgroups),
    include,
    entity: simple
      ? (p) => basicProject(ctx.baseUrl, p)
      : (p) => projectEntity(ctx.baseUrl, p, ctx),
  });
}

export const groupRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/groups',
    auth: 'optional',
    handler: (ctx) => {
      const rows = groupFinder(ctx)(ctx.state.groupsSorted);
      return ok(paginate(ctx, rows).map((g) => groupEntity(ctx.baseUrl, g)));
    },
  },
  {
    method: 'GET',
    path: '/groups/:id',
    auth: 'optional',
    handler: (ctx) => {
      const withProjects = boolParam(ctx.query, 'with_projects') ?? true;
      const group = findVisibleGroup(ctx, ctx.params['id'] ?? '');
      const body: Record<string, unknown> = {
        ...groupEntity(ctx.baseUrl, group),
        shared_with_groups: [],
      };
      if (withProjects) {
        // GroupDetail lists the group's own projects (newest first, at most 100) the caller can read.
        const own = group.projects
          .filter((p) => canReadProject(ctx.state, ctx.user, p))
          .reverse()
          .slice(0, 100);
        body['projects'] = own.map((p) => projectEntity(ctx.baseUrl, p, ctx));
        body['shared_projects'] = [];
      }
      return ok(body);
    },
  },
  {
    method: 'GET',
    path: '/groups/:id/descendant_groups',
    auth: 'optional',
    handler: (ctx) => {
      const select = groupFinder(ctx);
      const parent = findVisibleGroup(ctx, ctx.params['id'] ?? '');
      const rows = select(selfAndDescendants(parent).slice(1));
      return ok(paginate(ctx, rows).map((g) => groupEntity(ctx.baseUrl, g)));
    },
  },
  { method: 'GET', path: '/groups/:id/projects', auth: 'optional', handler: groupProjects },
];
