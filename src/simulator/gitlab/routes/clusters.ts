// Certificate-based cluster endpoints (lib/api/project_clusters.rb, group_clusters.rb,
// admin/instance_clusters.rb). The order of checks is GitLab's, because it decides which error a caller
// sees: authenticate (401) -> resolve project/group (404 Project/Group Not Found) or admin check (403)
// -> feature flag `certificate_based_clusters` (404 Not Found) -> param validation (400) -> cluster lookup
// (404 Not found, lower-case f) -> `authorize! :read_cluster` (403; Maintainer, admins always pass).

import { hasGroupAccess, hasProjectAccess, MAINTAINER } from '../access.js';
import { cluster as clusterEntity } from '../entities.js';
import {
  ApiError,
  forbidden,
  notFound,
  ok,
  pageParams,
  paginate,
  recordNotFound,
  type RequestContext,
} from '../http-kit.js';
import type { HttpMethod, RouteDefinition } from '../router.js';
import type { ClusterRecord } from '../state.js';
import { findVisibleGroup } from './groups.js';
import { findVisibleProject } from './projects.js';

/** The flag is global in the fixture (self-managed semantics; GitLab.com's per-namespace grants are not modelled). */
function ensureFeatureEnabled(ctx: RequestContext): void {
  if (ctx.state.instance.featureFlags['certificate_based_clusters'] !== true) throw notFound();
}

/** `authenticated_as_admin!` */
function ensureAdmin(ctx: RequestContext): void {
  if (!ctx.user?.admin) throw forbidden();
}

function findCluster(ctx: RequestContext, clusters: readonly ClusterRecord[]): ClusterRecord {
  const id = clusterIdParam(ctx);
  const found = clusters.find((c) => c.id === id);
  if (!found) throw recordNotFound();
  return found;
}

/** `requires :cluster_id, type: Integer` (a path parameter, validated like a query one) */
function clusterIdParam(ctx: RequestContext): number {
  const raw = ctx.params['cluster_id'] ?? '';
  if (!/^[+-]?\d+$/.test(raw)) throw new ApiError(400, { error: 'cluster_id is invalid' });
  return Number(raw);
}

function projectClusters(ctx: RequestContext, single: boolean) {
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureFeatureEnabled(ctx);
  if (!single) {
    pageParams(ctx.query);
    if (!hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)) throw forbidden();
    return ok(paginate(ctx, project.clusters).map((c) => clusterEntity(ctx.baseUrl, c, false)));
  }
  const cluster = findCluster(ctx, project.clusters);
  if (!hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)) throw forbidden();
  return ok(clusterEntity(ctx.baseUrl, cluster, true));
}

function groupClusters(ctx: RequestContext, single: boolean) {
  const group = findVisibleGroup(ctx, ctx.params['id'] ?? '');
  ensureFeatureEnabled(ctx);
  if (!single) {
    pageParams(ctx.query);
    if (!hasGroupAccess(ctx.state, ctx.user, group, MAINTAINER)) throw forbidden();
    return ok(paginate(ctx, group.clusters).map((c) => clusterEntity(ctx.baseUrl, c, false)));
  }
  const cluster = findCluster(ctx, group.clusters);
  if (!hasGroupAccess(ctx.state, ctx.user, group, MAINTAINER)) throw forbidden();
  return ok(clusterEntity(ctx.baseUrl, cluster, true));
}

function instanceClusters(ctx: RequestContext, single: boolean) {
  ensureAdmin(ctx);
  ensureFeatureEnabled(ctx);
  if (!single) {
    return ok(
      paginate(ctx, ctx.state.instanceClusters).map((c) => clusterEntity(ctx.baseUrl, c, false)),
    );
  }
  return ok(clusterEntity(ctx.baseUrl, findCluster(ctx, ctx.state.instanceClusters), false));
}

/**
 * Write endpoints GitLab has but the simulator does not model yet. They exist so that routing, auth and
 * scope checks behave like GitLab (a read_api token gets 403 insufficient_scope, not a 404); a caller that
 * gets past those receives 501 naming the endpoint, never a silent fake success.
 */
function notSimulated(method: HttpMethod, path: string): RouteDefinition {
  return {
    method,
    path,
    handler: () => {
      throw new ApiError(501, {
        message: `501 Not Implemented - the simulator does not model ${method} ${path} yet`,
      });
    },
  };
}

export const clusterRoutes: RouteDefinition[] = [
  { method: 'GET', path: '/projects/:id/clusters', handler: (ctx) => projectClusters(ctx, false) },
  {
    method: 'GET',
    path: '/projects/:id/clusters/:cluster_id',
    handler: (ctx) => projectClusters(ctx, true),
  },
  { method: 'GET', path: '/groups/:id/clusters', handler: (ctx) => groupClusters(ctx, false) },
  {
    method: 'GET',
    path: '/groups/:id/clusters/:cluster_id',
    handler: (ctx) => groupClusters(ctx, true),
  },
  { method: 'GET', path: '/admin/clusters', handler: (ctx) => instanceClusters(ctx, false) },
  {
    method: 'GET',
    path: '/admin/clusters/:cluster_id',
    handler: (ctx) => instanceClusters(ctx, true),
  },
  notSimulated('POST', '/projects/:id/clusters/user'),
  notSimulated('PUT', '/projects/:id/clusters/:cluster_id'),
  notSimulated('DELETE', '/projects/:id/clusters/:cluster_id'),
  notSimulated('POST', '/groups/:id/clusters/user'),
  notSimulated('PUT', '/groups/:id/clusters/:cluster_id'),
  notSimulated('DELETE', '/groups/:id/clusters/:cluster_id'),
  notSimulated('POST', '/admin/clusters/add'),
  notSimulated('PUT', '/admin/clusters/:cluster_id'),
  notSimulated('DELETE', '/admin/clusters/:cluster_id'),
];
