// Agents for Kubernetes and their tokens (lib/api/clusters/agents.rb, agent_tokens.rb). GitLab's order of
// checks, which decides the error a caller sees: authenticate (401) -> `user_project` (404 Project Not Found)
// -> `authorize!` for writes (403) -> AgentsFinder, which hides every agent from callers below Developer
// (list: 404 "ClusterAgents Not Found"; single: RecordNotFound, 404 "Not found") -> token lookup.
// Agent tokens authenticate agentk against KAS, never the REST API: auth.ts only knows personal tokens.

import { hasProjectAccess, MAINTAINER } from '../access.js';
import type { AgentRecord, AgentTokenRecord } from '../agents-state.js';
import { agent as agentEntity, agentToken as tokenEntity } from '../entities.js';
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
import { badRequest, RequestParams } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import type { ProjectRecord } from '../state.js';
import { findVisibleProject } from './projects.js';

const DEVELOPER = 30;

/**
 * `requires :agent_id, type: Integer` and friends: path parameters validated like query ones. Grape validates
 * parameters before the endpoint body runs, so handlers read them before resolving the project.
 */
function idParam(ctx: RequestContext, name: string): number {
  const raw = ctx.params[name] ?? '';
  if (!/^[+-]?\d+$/.test(raw)) throw new ApiError(400, { error: `${name} is invalid` });
  return Number(raw);
}

/** Clusters::AgentsFinder#execute returns nothing to callers without `read_cluster` (Developer+). */
function canReadAgents(ctx: RequestContext, project: ProjectRecord): boolean {
  return hasProjectAccess(ctx.state, ctx.user, project, DEVELOPER);
}

/** `AgentsFinder.new(user_project, current_user).find(params[:agent_id])` */
function findAgent(ctx: RequestContext, project: ProjectRecord, id: number): AgentRecord {
  const agent = canReadAgents(ctx, project) ? ctx.state.agents.find(project, id) : undefined;
  if (!agent) throw recordNotFound();
  return agent;
}

function ensureMaintainer(ctx: RequestContext, project: ProjectRecord): void {
  if (!hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)) throw forbidden();
}

function listAgents(ctx: RequestContext) {
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  pageParams(ctx.query);
  if (!canReadAgents(ctx, project)) throw notFound('ClusterAgents');
  return ok(paginate(ctx, ctx.state.agents.forProject(project)).map(agentEntity));
}

function showAgent(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  return ok(agentEntity(findAgent(ctx, project, agentId)));
}

function registerAgent(ctx: RequestContext) {
  const name = RequestParams.of(ctx.query, ctx.body).string('name', true) as string;
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureMaintainer(ctx, project);
  const result = ctx.state.agents.register(project, name, ctx.user);
  if (!result.ok) throw badRequest(result.errors);
  return ok(agentEntity(result.value), 201);
}

function deleteAgent(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureMaintainer(ctx, project);
  const agent = findAgent(ctx, project, agentId);
  ctx.state.agents.delete(agent, ctx.state.environments);
  return { status: 204 };
}

function listTokens(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  pageParams(ctx.query);
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  const agent = findAgent(ctx, project, agentId);
  const active = ctx.state.agents.activeTokens(agent);
  return ok(paginate(ctx, active).map((t) => tokenEntity(t, false)));
}

/** `AgentTokensFinder.new(agent, current_user, status: :active).find(...)`: revoked ones are 404. */
function findToken(
  agent: AgentRecord,
  id: number,
  activeOnly: boolean,
  ctx: RequestContext,
): AgentTokenRecord {
  const token = ctx.state.agents.findToken(agent, id);
  if (!token || (activeOnly && token.status !== 'active')) throw recordNotFound();
  return token;
}

function showToken(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  const tokenId = idParam(ctx, 'token_id');
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  const agent = findAgent(ctx, project, agentId);
  return ok(tokenEntity(findToken(agent, tokenId, true, ctx), true));
}

function createToken(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  const params = RequestParams.of(ctx.query, ctx.body);
  const name = params.string('name', true) as string;
  const description = params.string('description') ?? null;
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureMaintainer(ctx, project);
  const agent = findAgent(ctx, project, agentId);
  const result = ctx.state.agents.createToken(agent, { name, description, creator: ctx.user });
  if (!result.ok) throw badRequest(result.errors);
  // The only response that ever carries the secret (AgentTokenWithToken).
  return ok({ ...tokenEntity(result.value.record, true), token: result.value.secret }, 201);
}

function revokeToken(ctx: RequestContext) {
  const agentId = idParam(ctx, 'agent_id');
  const tokenId = idParam(ctx, 'token_id');
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  ensureMaintainer(ctx, project);
  const agent = findAgent(ctx, project, agentId);
  ctx.state.agents.revoke(findToken(agent, tokenId, false, ctx));
  return { status: 204 };
}

const AGENTS = '/projects/:id/cluster_agents';
const TOKENS = `${AGENTS}/:agent_id/tokens`;

export const agentRoutes: RouteDefinition[] = [
  { method: 'GET', path: AGENTS, handler: listAgents },
  { method: 'POST', path: AGENTS, handler: registerAgent },
  { method: 'GET', path: `${AGENTS}/:agent_id`, handler: showAgent },
  { method: 'DELETE', path: `${AGENTS}/:agent_id`, handler: deleteAgent },
  { method: 'GET', path: TOKENS, handler: listTokens },
  { method: 'POST', path: TOKENS, handler: createToken },
  { method: 'GET', path: `${TOKENS}/:token_id`, handler: showToken },
  { method: 'DELETE', path: `${TOKENS}/:token_id`, handler: revokeToken },
];
