// Certificate-based cluster endpoints (lib/api/project_clusters.rb, group_clusters.rb,
// admin/instance_clusters.rb). The order of checks is GitLab's, because it decides which error a caller
// sees: authenticate (401) -> resolve project/group (404 Project/Group Not Found) or admin check (403)
// -> feature flag `certificate_based_clusters` (404 Not Found) -> param validation (400) -> cluster lookup
// (404 Not found, lower-case f) -> `authorize! :read_cluster` (403; Maintainer, admins always pass).
// Edits (PUT) go through Clusters::UpdateService: parameters are validated before the cluster lookup, then
// `authorize! :update_cluster` (Maintainer), the management-project check, and the model validations.

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
import { RequestParams, validationError } from '../request-params.js';
import { projectsUnder } from '../hierarchy.js';
import type { ClusterRecord, ProjectRecord } from '../state.js';
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

/** The declared PUT parameters, read before anything is looked up (Grape validates first). */
interface ClusterEdit {
  name?: string;
  domain?: string | null;
  environmentScope?: string;
  namespacePerEnvironment: boolean;
  managementProjectId?: number | null;
  enabled?: boolean;
  managed?: boolean;
  platform?: { apiUrl?: string; caCert?: string | null; namespace?: string | null };
}

function readClusterEdit(ctx: RequestContext): ClusterEdit {
  const params = RequestParams.of(ctx.query, ctx.body);
  // `optional :namespace_per_environment, default: true`: Grape fills the default in before
  // `declared_params(include_missing: false)` reads the params, so a PUT that leaves it out turns it on.
  const edit: ClusterEdit = {
    namespacePerEnvironment: params.bool('namespace_per_environment') ?? true,
  };
  const name = params.string('name');
  if (name != null) edit.name = name;
  const domain = params.string('domain');
  if (domain !== undefined) edit.domain = domain;
  const scope = params.string('environment_scope');
  if (scope != null) edit.environmentScope = scope;
  const management = params.int('management_project_id');
  if (management !== undefined) edit.managementProjectId = management;
  const enabled = params.bool('enabled');
  if (enabled !== undefined) edit.enabled = enabled;
  const managed = params.bool('managed');
  if (managed !== undefined) edit.managed = managed;
  const platform = params.hash('platform_kubernetes_attributes');
  if (platform) {
    edit.platform = {};
    const apiUrl = platform.string('api_url');
    if (apiUrl != null) edit.platform.apiUrl = apiUrl;
    const caCert = platform.string('ca_cert');
    if (caCert !== undefined) edit.platform.caCert = caCert;
    const namespace = platform.string('namespace');
    if (namespace !== undefined) edit.platform.namespace = namespace;
    // `token` is accepted and dropped: the API never shows it, so the simulator never keeps it.
    platform.string('token');
  }
  return edit;
}

/**
 * Clusters::UpdateService on `cluster`. `managementScope` is where a management project may come from
 * (ValidateManagementProjectPermissionsService), `siblings` the clusters whose scopes must stay distinct.
 */
function applyClusterEdit(
  ctx: RequestContext,
  cluster: ClusterRecord,
  edit: ClusterEdit,
  siblings: readonly ClusterRecord[],
  managementScope: (p: ProjectRecord) => boolean,
): void {
  let managementProject = cluster.managementProject;
  if (edit.managementProjectId != null) {
    const project = ctx.state.projectsById.get(edit.managementProjectId);
    if (
      !project ||
      !managementScope(project) ||
      !hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)
    ) {
      throw validationError({
        management_project_id: [
          "Project does not exist or you don't have permission to perform this action",
        ],
      });
    }
    managementProject = project;
  } else if (edit.managementProjectId !== undefined) managementProject = null; // sent as null

  const d = cluster.data;
  const errors: Record<string, string[]> = {};
  const name = edit.name ?? d.name;
  const scope = edit.environmentScope ?? d.environment_scope;
  if (name.trim() === '') errors['name'] = ["can't be blank"];
  if (scope.trim() === '') errors['environment_scope'] = ["can't be blank"];
  else if (siblings.some((c) => c !== cluster && c.data.environment_scope === scope))
    errors['environment_scope'] = ['cannot add duplicated environment scope'];
  if (Object.keys(errors).length > 0) throw validationError(errors);

  d.name = name;
  d.environment_scope = scope;
  d.namespace_per_environment = edit.namespacePerEnvironment;
  if (edit.domain !== undefined) d.domain = edit.domain;
  if (edit.enabled !== undefined) d.enabled = edit.enabled;
  if (edit.managed !== undefined) d.managed = edit.managed;
  if (edit.platform?.apiUrl !== undefined) d.platform_kubernetes.api_url = edit.platform.apiUrl;
  if (edit.platform?.caCert !== undefined) d.platform_kubernetes.ca_cert = edit.platform.caCert;
  if (edit.platform?.namespace !== undefined)
    d.platform_kubernetes.namespace = edit.platform.namespace;
  cluster.managementProject = managementProject;
  d.management_project = managementProject ? managementProject.pathWithNamespace : null;
}

function updateProjectCluster(ctx: RequestContext) {
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureFeatureEnabled(ctx);
  clusterIdParam(ctx);
  const edit = readClusterEdit(ctx);
  const cluster = findCluster(ctx, project.clusters);
  if (!hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)) throw forbidden();
  // `project.namespace.all_projects`: the namespace and its subgroups
  const ns = project.namespace;
  const inNamespace = ns.kind === 'group' ? new Set(projectsUnder(ns.group, true)) : null;
  applyClusterEdit(ctx, cluster, edit, project.clusters, (p) =>
    inNamespace
      ? inNamespace.has(p)
      : p.namespace.kind === 'user' && ns.kind === 'user' && p.namespace.user === ns.user,
  );
  return ok(clusterEntity(ctx.baseUrl, cluster, true));
}

function updateGroupCluster(ctx: RequestContext) {
  const group = findVisibleGroup(ctx, ctx.params['id'] ?? '');
  ensureFeatureEnabled(ctx);
  clusterIdParam(ctx);
  const edit = readClusterEdit(ctx);
  const cluster = findCluster(ctx, group.clusters);
  if (!hasGroupAccess(ctx.state, ctx.user, group, MAINTAINER)) throw forbidden();
  const inGroup = new Set(projectsUnder(group, true));
  applyClusterEdit(ctx, cluster, edit, group.clusters, (p) => inGroup.has(p));
  return ok(clusterEntity(ctx.baseUrl, cluster, true));
}

function updateInstanceCluster(ctx: RequestContext) {
  ensureAdmin(ctx);
  ensureFeatureEnabled(ctx);
  clusterIdParam(ctx);
  const edit = readClusterEdit(ctx);
  const cluster = findCluster(ctx, ctx.state.instanceClusters);
  applyClusterEdit(ctx, cluster, edit, ctx.state.instanceClusters, () => true);
  return ok(clusterEntity(ctx.baseUrl, cluster, false));
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
  { method: 'PUT', path: '/projects/:id/clusters/:cluster_id', handler: updateProjectCluster },
  notSimulated('DELETE', '/projects/:id/clusters/:cluster_id'),
  notSimulated('POST', '/groups/:id/clusters/user'),
  { method: 'PUT', path: '/groups/:id/clusters/:cluster_id', handler: updateGroupCluster },
  notSimulated('DELETE', '/groups/:id/clusters/:cluster_id'),
  notSimulated('POST', '/admin/clusters/add'),
  { method: 'PUT', path: '/admin/clusters/:cluster_id', handler: updateInstanceCluster },
  notSimulated('DELETE', '/admin/clusters/:cluster_id'),
];
