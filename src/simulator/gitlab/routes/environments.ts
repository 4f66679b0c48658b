// Project environments (lib/api/environments.rb): list, show, and the update that links an environment to
// an agent. GitLab looks the agent up with Clusters::AgentsFinder on the environment's own project, so only
// agents registered in that project can be linked over REST; anything else is one 400 that does not say
// whether the agent exists. Reading needs `read_environment` (Reporter+), updating `update_environment`
// (Developer+).

import { hasProjectAccess } from '../access.js';
import {
  ENVIRONMENT_TIERS,
  type EnvironmentChanges,
  type EnvironmentRecord,
} from '../agents-state.js';
import { environment as environmentEntity } from '../entities.js';
import {
  ApiError,
  forbidden,
  ok,
  pageParams,
  paginate,
  paramInvalid,
  recordNotFound,
  type RequestContext,
} from '../http-kit.js';
import { badRequest, RequestParams, validationError } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import type { ProjectRecord } from '../state.js';
import { findVisibleProject } from './projects.js';

const REPORTER = 20;
const DEVELOPER = 30;
const MIN_SEARCH_LENGTH = 3;

function environmentIdParam(ctx: RequestContext): number {
  const raw = ctx.params['environment_id'] ?? '';
  if (!/^[+-]?\d+$/.test(raw)) throw paramInvalid('environment_id');
  return Number(raw);
}

function authorize(ctx: RequestContext, project: ProjectRecord, level: number): void {
  if (!hasProjectAccess(ctx.state, ctx.user, project, level)) throw forbidden();
}

function findEnvironment(
  ctx: RequestContext,
  project: ProjectRecord,
  id: number,
): EnvironmentRecord {
  const env = ctx.state.environments.find(project, id);
  if (!env) throw recordNotFound();
  return env;
}

function listEnvironments(ctx: RequestContext) {
  const params = RequestParams.of(ctx.query, undefined);
  pageParams(ctx.query);
  const name = params.string('name');
  const search = params.string('search');
  const states = params.oneOf('states', ['available', 'stopping', 'stopped'] as const);
  if (name != null && search != null)
    throw new ApiError(400, { error: 'name, search cannot be used together' });
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  authorize(ctx, project, REPORTER);
  if (search != null && search.length > 0 && search.length < MIN_SEARCH_LENGTH)
    throw badRequest(`Search query is less than ${MIN_SEARCH_LENGTH} characters`);
  const all = ctx.state.environments.forProject(project).filter(
    (e) =>
      (name == null || e.name === name) &&
      (!search || e.name.toLowerCase().includes(search.toLowerCase())) &&
      // every simulated environment is available
      (states == null || states === 'available'),
  );
  return ok(paginate(ctx, all).map((e) => environmentEntity(ctx.baseUrl, e, false)));
}

function showEnvironment(ctx: RequestContext) {
  const id = environmentIdParam(ctx);
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  authorize(ctx, project, REPORTER);
  return ok(environmentEntity(ctx.baseUrl, findEnvironment(ctx, project, id), true));
}

function updateEnvironment(ctx: RequestContext) {
  const id = environmentIdParam(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  if (params.has('slug'))
    throw new ApiError(400, { error: 'slug is automatically generated and cannot be changed' });
  const tier = params.oneOf('tier', ENVIRONMENT_TIERS);
  const agentId = params.int('cluster_agent_id');
  const kubernetesNamespace = params.string('kubernetes_namespace');
  const fluxResourcePath = params.string('flux_resource_path');
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  authorize(ctx, project, DEVELOPER);
  const env = findEnvironment(ctx, project, id);

  const changes: EnvironmentChanges = {};
  if (tier) changes.tier = tier;
  if (agentId != null) {
    // AgentsFinder(user_project, current_user): this project's agents, and none below Developer
    const agent = ctx.state.agents.find(project, agentId);
    if (!agent)
      throw badRequest("cluster agent doesn't exist or cannot be associated with this environment");
    changes.clusterAgent = agent;
  } else if (agentId !== undefined) changes.clusterAgent = null; // `cluster_agent_id: null` unlinks
  if (kubernetesNamespace !== undefined) changes.kubernetesNamespace = kubernetesNamespace;
  if (fluxResourcePath !== undefined) changes.fluxResourcePath = fluxResourcePath;
  const errors = ctx.state.environments.update(env, changes);
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return ok(environmentEntity(ctx.baseUrl, env, false));
}

export const environmentRoutes: RouteDefinition[] = [
  { method: 'GET', path: '/projects/:id/environments', handler: listEnvironments },
  { method: 'GET', path: '/projects/:id/environments/:environment_id', handler: showEnvironment },
  { method: 'PUT', path: '/projects/:id/environments/:environment_id', handler: updateEnvironment },
];
