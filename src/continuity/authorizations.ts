// Which projects an agent's config.yaml really authorises, read the way GitLab reads it. GitLab
// builds CI authorizations from the `ci_access` entries of the file on the default branch alone,
// and deletes every authorization when there are none
// (app/services/clusters/agents/authorizations/ci_access/refresh_service.rb):
//   - `projects` and `groups` lists are cut to their first 500 entries, keyed by the downcased `id`
//     (a later duplicate replaces an earlier one: `index_by`);
//   - without instance-level authorization, only paths under the config project's top-level
//     namespace count, and `groups` count only when that namespace is a group;
//   - `instance` counts only with instance-level authorization on.
// At job time the closest, most specific authorization of an agent wins: a project entry, then
// the agent's own project (implicit), then the closest ancestor group
// (app/finders/clusters/agents/authorizations/ci_access/finder.rb). Pure: text in, answers out.
import { parse } from 'yaml';
import type { AgentConfig } from '../plan/types.js';
import { scopeMatches } from '../plan/variable-precedence.js';

export const AUTHORIZED_ENTITY_LIMIT = 500;

export interface AuthorizationEntry {
  /** downcased full path ('' for instance and implicit) */
  id: string;
  /** null: every environment */
  environments: string[] | null;
}

export interface AgentAuthorizations {
  projects: Map<string, AuthorizationEntry>;
  groups: Map<string, AuthorizationEntry>;
  instance: AuthorizationEntry | null;
  /** why the file authorises nobody (missing, not YAML, no ci_access); null when it was read */
  problem: string | null;
}

export interface AuthorizationContext {
  /** the agent's configuration project (full path) */
  agentProject: string;
  instanceAuthorization: boolean;
  /** false when the config project lives in a personal namespace: `groups` then count for nothing */
  rootIsGroup?: boolean;
}

const rootOf = (path: string) => path.split('/')[0]!.toLowerCase();
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v != null && !Array.isArray(v);

function environmentsOf(entry: Record<string, unknown>): string[] | null {
  const list = entry['environments'];
  if (!Array.isArray(list) || list.length === 0) return null;
  return list.filter((e): e is string => typeof e === 'string');
}

function entries(list: unknown, allowed: (id: string) => boolean): Map<string, AuthorizationEntry> {
  const out = new Map<string, AuthorizationEntry>();
  if (!Array.isArray(list)) return out;
  for (const entry of list.slice(0, AUTHORIZED_ENTITY_LIMIT)) {
    if (!isObject(entry) || typeof entry['id'] !== 'string') continue;
    const id = entry['id'].toLowerCase();
    if (allowed(id)) out.set(id, { id, environments: environmentsOf(entry) });
  }
  return out;
}

const none = (problem: string): AgentAuthorizations => ({
  projects: new Map(),
  groups: new Map(),
  instance: null,
  problem,
});

/** The authorizations GitLab keeps for an agent whose config.yaml on the default branch is `text`. */
export function readAuthorizations(
  text: string | null,
  context: AuthorizationContext,
): AgentAuthorizations {
  if (text == null) return none('there is no config.yaml on the default branch');
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    return none('config.yaml is not valid YAML, so GitLab cannot read it');
  }
  const ci = isObject(config) ? config['ci_access'] : undefined;
  if (!isObject(ci)) return none('config.yaml has no ci_access section');
  const root = rootOf(context.agentProject);
  const inHierarchy = (id: string) => context.instanceAuthorization || rootOf(id) === root;
  const groupsAllowed = context.instanceAuthorization || context.rootIsGroup !== false;
  const instance = ci['instance'];
  return {
    projects: entries(ci['projects'], inHierarchy),
    groups: groupsAllowed
      ? entries(ci['groups'], inHierarchy)
      : new Map<string, AuthorizationEntry>(),
    instance:
      context.instanceAuthorization && isObject(instance)
        ? { id: '', environments: environmentsOf(instance) }
        : null,
    problem: null,
  };
}

export type AuthorizationKind = 'project' | 'implicit' | 'group' | 'instance';

export interface ProjectAuthorization extends AuthorizationEntry {
  kind: AuthorizationKind;
}

/** Ancestor groups of a project path, closest first: a/b/c → [a/b, a]. */
export function ancestorGroups(projectPath: string): string[] {
  const parts = projectPath.toLowerCase().split('/');
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 1; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * The authorization of this agent that applies to `project`'s jobs (the finder's "closest, most
 * specific wins"), or null when the agent is not available to them at all.
 */
export function authorizationFor(
  project: string,
  authorizations: AgentAuthorizations,
  context: AuthorizationContext,
): ProjectAuthorization | null {
  const path = project.toLowerCase();
  const root = rootOf(context.agentProject);
  // finder.rb: explicit authorizations count only for agents of the job's own top-level namespace
  const sameHierarchy = context.instanceAuthorization || rootOf(path) === root;
  const explicit = sameHierarchy ? authorizations.projects.get(path) : undefined;
  if (explicit) return { ...explicit, kind: 'project' };
  if (path === context.agentProject.toLowerCase())
    return { id: path, environments: null, kind: 'implicit' };
  if (sameHierarchy)
    for (const group of ancestorGroups(path)) {
      const entry = authorizations.groups.get(group);
      if (entry) return { ...entry, kind: 'group' };
    }
  return authorizations.instance ? { ...authorizations.instance, kind: 'instance' } : null;
}

/** Whether an authorization lets a job of `environment` use the agent (`environments:` globs). */
export function allowsEnvironment(
  authorization: AuthorizationEntry,
  environment: string | null,
): boolean {
  if (authorization.environments == null) return true;
  if (environment == null) return false;
  return authorization.environments.some((pattern) => scopeMatches(pattern, environment));
}

/** An environment scope of the plan is covered when every environment it names is allowed. */
function coversScope(authorization: AuthorizationEntry, scope: string): boolean {
  if (authorization.environments == null) return true;
  return authorization.environments.some((p) => p === scope || p === '*' || scopeMatches(p, scope));
}

/**
 * What the planned `ci_access` grants that the live file does not: one sentence per missing
 * grant, empty when GitLab would authorise everyone the plan means to.
 */
export function missingGrants(
  planned: AgentConfig,
  live: AgentAuthorizations,
  context: AuthorizationContext,
): string[] {
  if (live.problem) return [live.problem];
  const missing: string[] = [];
  const check = (what: string, found: AuthorizationEntry | null, scopes: string[] | undefined) => {
    if (!found) missing.push(`${what} is not authorised`);
    else if (scopes == null && found.environments != null)
      missing.push(`${what} is authorised for ${found.environments.join(', ')} only`);
    else if (scopes != null) {
      const lost = scopes.filter((s) => !coversScope(found, s));
      if (lost.length) missing.push(`${what} is not authorised for ${lost.join(', ')}`);
    }
  };
  for (const entry of planned.ci_access?.projects ?? [])
    check(`project ${entry.id}`, authorizationFor(entry.id, live, context), entry.environments);
  for (const entry of planned.ci_access?.groups ?? []) {
    const path = entry.id.toLowerCase();
    const sameHierarchy =
      context.instanceAuthorization || rootOf(path) === rootOf(context.agentProject);
    const found =
      (sameHierarchy
        ? [path, ...ancestorGroups(path)].map((g) => live.groups.get(g)).find((g) => g != null)
        : undefined) ??
      live.instance ??
      null;
    check(`group ${entry.id}`, found, entry.environments);
  }
  if (planned.ci_access?.instance && !live.instance)
    missing.push('the instance (ci_access.instance) is not authorised');
  return missing;
}
