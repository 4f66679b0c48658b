// Shared listing logic for GET /projects and GET /groups/:id/projects: GitLab's order_by/sort params
// (default created_at desc, id as tie-breaker in the same direction), offset pagination with the 50,000
// offset cap, and keyset pagination (`pagination=keyset`, which GitLab only supports with order_by=id).

import type { Json } from '../entities.js';
import {
  ApiError,
  enumParam,
  ok,
  pageParams,
  paginate,
  paginateKeyset,
  type ApiResponse,
  type RequestContext,
} from '../http-kit.js';
import type { ProjectRecord } from '../state.js';

const ORDER_BY = [
  'id',
  'name',
  'path',
  'created_at',
  'updated_at',
  'last_activity_at',
  'similarity',
  'star_count',
] as const;
type OrderBy = (typeof ORDER_BY)[number];

export interface ProjectListOptions {
  /** candidate projects, ascending id */
  ascending: readonly ProjectRecord[];
  /** null: every candidate is included (lets the common admin case skip a 10,000-entry filter) */
  include: ((p: ProjectRecord) => boolean) | null;
  entity: (p: ProjectRecord) => Json;
}

export interface ProjectListParams {
  orderBy: OrderBy;
  sort: 'asc' | 'desc';
}

/** Grape validates every declared param before the endpoint body runs (so before `find_group!`). */
export function projectListParams(ctx: RequestContext): ProjectListParams {
  const orderBy: OrderBy = enumParam(ctx.query, 'order_by', ORDER_BY, 'created_at');
  const sort = enumParam(ctx.query, 'sort', ['asc', 'desc'] as const, 'desc');
  pageParams(ctx.query);
  return { orderBy, sort };
}

export function listProjects(
  ctx: RequestContext,
  params: ProjectListParams,
  options: ProjectListOptions,
): ApiResponse {
  const { orderBy, sort } = params;
  const { ascending, include, entity } = options;

  if (ctx.query.get('pagination') === 'keyset') {
    // Keyset needs an explicit order_by=id; anything else (including the created_at default) is refused.
    if (ctx.query.get('order_by') !== 'id') {
      throw new ApiError(405, {
        error: 'Keyset pagination is not yet available for this type of request',
      });
    }
    return ok(paginateKeyset(ctx, ascending, sort, include ?? (() => true)).map(entity));
  }

  let rows: ProjectRecord[] = include ? ascending.filter(include) : ascending.slice();
  // Timestamps are derived from ids (see state.ts), so every time-based order is an id order.
  if (orderBy === 'name' || orderBy === 'path') {
    const key = orderBy;
    const dir = sort === 'asc' ? 1 : -1;
    rows.sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : (a.id - b.id) * dir));
  } else if (sort === 'desc') {
    rows = rows.reverse();
  }
  return ok(paginate(ctx, rows, { keysetCapableType: 'Project' }).map(entity));
}

/** `search`: GitLab matches name, path and description, case-insensitively. */
export function matchesSearch(p: ProjectRecord, search: string | null): boolean {
  if (!search) return true;
  const needle = search.toLowerCase();
  return (
    p.name.toLowerCase().includes(needle) ||
    p.path.toLowerCase().includes(needle) ||
    (p.description ?? '').toLowerCase().includes(needle)
  );
}
