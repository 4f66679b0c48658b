// JSON entities as GitLab's lib/api/entities/*.rb expose them. Field names and nesting follow the Ruby
// entities; values GitLab would compute from data the fixture does not carry (counters, settings) get
// GitLab's defaults for a fresh instance.

import { createHash } from 'node:crypto';
import { canAdminProject, canReadCode, groupMembershipLevel } from './access.js';
import { isEmptyRepository } from './repository-state.js';
import type { AgentRecord, AgentTokenRecord, EnvironmentRecord } from './agents-state.js';
import type { VariableRecord } from './variables-state.js';
import type {
  ClusterRecord,
  GroupRecord,
  NamespaceRecord,
  ProjectRecord,
  SimulatorState,
  UserRecord,
} from './state.js';

export type Json = Record<string, unknown>;

export function userWebUrl(base: string, user: UserRecord): string {
  return `${base}/${user.username}`;
}

export function groupWebUrl(base: string, group: GroupRecord): string {
  return `${base}/groups/${group.fullPath}`;
}

export function projectWebUrl(base: string, project: ProjectRecord): string {
  return `${base}/${project.pathWithNamespace}`;
}

/** Users without an uploaded avatar get a Gravatar identicon; the hash only has to be stable. */
const avatars = new Map<string, string>();
function avatarUrl(user: UserRecord): string {
  let url = avatars.get(user.username);
  if (url === undefined) {
    const hash = createHash('md5').update(user.username).digest('hex');
    avatars.set(user.username, (url = `https://www.gravatar.com/avatar/${hash}?s=80&d=identicon`));
  }
  return url;
}

/** host[:port] of the simulator's base URL (for ssh_url_to_repo), parsed once per base */
const hosts = new Map<string, string>();
function hostOf(base: string): string {
  let host = hosts.get(base);
  if (host === undefined) hosts.set(base, (host = new URL(base).host));
  return host;
}

/** Entities::UserBasic (UserSafe + state, avatar_url, web_url) */
export function userBasic(base: string, user: UserRecord): Json {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: avatarUrl(user),
    web_url: userWebUrl(base, user),
  };
}

/** GET /user: Entities::UserPublic, or UserWithAdmin (adds is_admin) when the caller is an admin. */
export function currentUser(base: string, user: UserRecord): Json {
  const body: Json = {
    ...userBasic(base, user),
    created_at: user.createdAt,
    bio: '',
    location: '',
    public_email: null,
    linkedin: '',
    twitter: '',
    discord: '',
    website_url: '',
    organization: '',
    job_title: '',
    pronouns: null,
    bot: false,
    work_information: null,
    local_time: null,
    last_sign_in_at: user.createdAt,
    confirmed_at: user.createdAt,
    last_activity_on: null,
    email: `${user.username}@example.com`,
    theme_id: 1,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: user.createdAt,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: `${user.username}@example.com`,
  };
  if (user.admin) body['is_admin'] = true;
  return body;
}

/** Entities::BasicGroupDetails */
export function basicGroup(base: string, group: GroupRecord): Json {
  return { id: group.id, web_url: groupWebUrl(base, group), name: group.name };
}

// List endpoints build thousands of these per second; object spreads of wide objects are slow in V8,
// so the wider entities below are written out in full (field order as GitLab emits it).

/** Entities::Group (list entries and descendant_groups) */
export function group(base: string, g: GroupRecord): Json {
  return {
    id: g.id,
    web_url: groupWebUrl(base, g),
    name: g.name,
    path: g.path,
    description: g.description,
    visibility: g.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: 'developer',
    auto_devops_enabled: null,
    subgroup_creation_level: 'maintainer',
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    archived: false,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: g.fullName,
    full_path: g.fullPath,
    created_at: g.createdAt,
    parent_id: g.parent ? g.parent.id : null,
    organization_id: 1,
    shared_runners_setting: 'enabled',
    max_artifacts_size: null,
    marked_for_deletion_on: null,
  };
}

/** Entities::NamespaceBasic */
export function namespaceBasic(base: string, ns: NamespaceRecord): Json {
  if (ns.kind === 'group') {
    const g = ns.group;
    return {
      id: g.id,
      name: g.name,
      path: g.path,
      kind: 'group',
      full_path: g.fullPath,
      parent_id: g.parent ? g.parent.id : null,
      avatar_url: null,
      web_url: groupWebUrl(base, g),
    };
  }
  const u = ns.user;
  return {
    id: u.namespaceId,
    name: u.name,
    path: u.username,
    kind: 'user',
    full_path: u.username,
    parent_id: null,
    avatar_url: avatarUrl(u),
    web_url: userWebUrl(base, u),
  };
}

/** Entities::ProjectIdentity */
export function projectIdentity(p: ProjectRecord): Json {
  return {
    id: p.id,
    description: p.description,
    name: p.name,
    name_with_namespace: p.nameWithNamespace,
    path: p.path,
    path_with_namespace: p.pathWithNamespace,
    created_at: p.createdAt,
  };
}

/** Entities::BasicProjectDetails fields, appended to `o` (which holds nothing yet) */
function putBasicProject(o: Json, base: string, p: ProjectRecord): Json {
  o['id'] = p.id;
  o['description'] = p.description;
  o['name'] = p.name;
  o['name_with_namespace'] = p.nameWithNamespace;
  o['path'] = p.path;
  o['path_with_namespace'] = p.pathWithNamespace;
  o['created_at'] = p.createdAt;
  o['default_branch'] = p.defaultBranch;
  o['tag_list'] = [];
  o['topics'] = [];
  o['ssh_url_to_repo'] = `ssh://git@${hostOf(base)}/${p.pathWithNamespace}.git`;
  o['http_url_to_repo'] = `${base}/${p.pathWithNamespace}.git`;
  o['web_url'] = projectWebUrl(base, p);
  o['readme_url'] = null;
  o['forks_count'] = 0;
  o['avatar_url'] = null;
  o['star_count'] = 0;
  o['last_activity_at'] = p.createdAt;
  o['namespace'] = namespaceBasic(base, p.namespace);
  return o;
}

/** Entities::BasicProjectDetails (`simple=true` lists, ClusterProject#project) */
export function basicProject(base: string, p: ProjectRecord): Json {
  return putBasicProject({}, base, p);
}

/** Who is looking: Entities::Project hides some fields behind the caller's abilities. */
export interface Viewer {
  state: SimulatorState;
  user: UserRecord | null;
}

/** Entities::Project fields after BasicProjectDetails */
function putProject(o: Json, base: string, p: ProjectRecord, viewer: Viewer): Json {
  putBasicProject(o, base, p);
  const api = `${base}/api/v4/projects/${p.id}`;
  o['_links'] = {
    self: api,
    issues: `${api}/issues`,
    merge_requests: `${api}/merge_requests`,
    repo_branches: `${api}/repository/branches`,
    labels: `${api}/labels`,
    events: `${api}/events`,
    members: `${api}/members`,
    cluster_agents: `${api}/cluster_agents`,
  };
  o['packages_enabled'] = true;
  o['empty_repo'] = isEmptyRepository(p);
  o['archived'] = false;
  o['visibility'] = p.visibility;
  if (p.namespace.kind === 'user') o['owner'] = userBasic(base, p.namespace.user);
  o['resolve_outdated_diff_discussions'] = false;
  o['issues_enabled'] = true;
  o['merge_requests_enabled'] = true;
  o['wiki_enabled'] = true;
  o['jobs_enabled'] = true;
  o['snippets_enabled'] = true;
  o['container_registry_enabled'] = true;
  o['service_desk_enabled'] = false;
  o['can_create_merge_request_in'] = true;
  o['issues_access_level'] = 'enabled';
  o['repository_access_level'] = 'enabled';
  o['merge_requests_access_level'] = 'enabled';
  o['builds_access_level'] = 'enabled';
  o['shared_runners_enabled'] = true;
  o['lfs_enabled'] = true;
  o['creator_id'] = p.namespace.kind === 'user' ? p.namespace.user.id : null;
  o['import_status'] = 'none';
  o['open_issues_count'] = 0;
  o['ci_default_git_depth'] = 20;
  // lib/api/entities/project.rb: `expose :ci_config_path, if: ... :read_code` (nil when unset)
  if (canReadCode(viewer.state, viewer.user, p)) o['ci_config_path'] = p.ciConfigPath;
  o['public_jobs'] = true;
  o['shared_with_groups'] = [];
  o['only_allow_merge_if_pipeline_succeeds'] = false;
  o['request_access_enabled'] = true;
  o['merge_method'] = 'merge';
  // In GitLab these two sit in the `with_options if: ... :admin_project` block (CI/CD settings), which
  // Maintainers and admins see; they stay last here, where this entity always had auto_devops_enabled.
  if (canAdminProject(viewer.state, viewer.user, p)) {
    o['auto_devops_enabled'] = autoDevopsEnabled(viewer.state, p);
    // `project.auto_devops.nil? ? 'continuous' : project.auto_devops.deploy_strategy`; the fixture has no
    // deploy strategy, and a ProjectAutoDevops record defaults to continuous too
    o['auto_devops_deploy_strategy'] = 'continuous';
  }
  return o;
}

/**
 * Project#auto_devops_enabled?: the project's own setting, else the inherited one
 * (`has_auto_devops_implicitly_enabled?`; the simulator has no group-level setting, only the instance's).
 */
export function autoDevopsEnabled(state: SimulatorState, p: ProjectRecord): boolean {
  return p.autoDevopsEnabled ?? state.instance.auto_devops_enabled ?? false;
}

/** Entities::Project (full list entries and GET /groups/:id/projects) */
export function project(base: string, p: ProjectRecord, viewer: Viewer): Json {
  return putProject({}, base, p, viewer);
}

/**
 * Entities::ProjectWithAccess (GET /projects, GET /projects/:id for signed-in users): `permissions` shows
 * the caller's direct project membership and the inherited group membership, `null` when there is none.
 */
export function projectWithAccess(
  base: string,
  p: ProjectRecord,
  state: SimulatorState,
  user: UserRecord | null,
): Json {
  const own = p.namespace.kind === 'user' && user != null && p.namespace.user.id === user.id;
  const direct = own ? 50 : user ? (state.projectMembers.get(user.id)?.get(p.id) ?? 0) : 0;
  const inherited =
    p.namespace.kind === 'group' ? groupMembershipLevel(state, user, p.namespace.group) : 0;
  const access = (level: number): Json | null =>
    level > 0 ? { access_level: level, notification_level: 3 } : null;
  const o = putProject({}, base, p, { state, user });
  o['permissions'] = { project_access: access(direct), group_access: access(inherited) };
  return o;
}

/** Entities::Cluster; `withOwner` adds ClusterProject#project / ClusterGroup#group for single GETs. */
export function cluster(base: string, c: ClusterRecord, withOwner: boolean): Json {
  const d = c.data;
  const body: Json = {
    id: c.id,
    name: d.name,
    created_at: d.created_at,
    domain: d.domain,
    enabled: d.enabled,
    managed: d.managed,
    provider_type: d.provider_type,
    platform_type: 'kubernetes',
    environment_scope: d.environment_scope,
    cluster_type: `${c.owner.level}_type`,
    namespace_per_environment: d.namespace_per_environment,
    user: userBasic(base, c.creator),
    platform_kubernetes: {
      api_url: d.platform_kubernetes.api_url,
      namespace: d.platform_kubernetes.namespace,
      authorization_type: d.platform_kubernetes.authorization_type,
      ca_cert: d.platform_kubernetes.ca_cert,
    },
    provider_gcp: d.provider_gcp ?? null,
    management_project: c.managementProject ? projectIdentity(c.managementProject) : null,
  };
  if (withOwner && c.owner.level === 'project')
    body['project'] = basicProject(base, c.owner.project);
  if (withOwner && c.owner.level === 'group') body['group'] = basicGroup(base, c.owner.group);
  return body;
}

/** Entities::Clusters::Agent */
export function agent(a: AgentRecord): Json {
  return {
    id: a.id,
    name: a.name,
    config_project: projectIdentity(a.project),
    created_at: a.createdAt,
    created_by_user_id: a.createdByUserId,
  };
}

/** Entities::Clusters::AgentTokenBasic; `withLastUsed` makes it AgentToken (single GET and POST). */
export function agentToken(t: AgentTokenRecord, withLastUsed: boolean): Json {
  const body: Json = {
    id: t.id,
    name: t.name,
    description: t.description,
    agent_id: t.agent.id,
    status: t.status,
    created_at: t.createdAt,
    created_by_user_id: t.createdByUserId,
  };
  if (withLastUsed) body['last_used_at'] = t.lastUsedAt;
  return body;
}

/** Entities::Ci::Variable: instance variables respond to neither `hidden?` nor `environment_scope`. */
export function variable(v: VariableRecord, instance: boolean): Json {
  const body: Json = {
    variable_type: v.variableType,
    key: v.key,
    value: v.hidden ? null : v.value,
  };
  if (!instance) body['hidden'] = v.hidden;
  body['protected'] = v.protected;
  body['masked'] = v.masked;
  body['raw'] = v.raw;
  if (!instance) body['environment_scope'] = v.environmentScope;
  body['description'] = v.description;
  return body;
}

/** Entities::Environment; the single GET leaves out `project` and adds `last_deployment`. */
export function environment(base: string, e: EnvironmentRecord, single: boolean): Json {
  const body: Json = {
    id: e.id,
    name: e.name,
    slug: e.slug,
    external_url: null,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
    tier: e.tier,
  };
  if (!single) body['project'] = basicProject(base, e.project);
  else body['last_deployment'] = null;
  body['state'] = 'available';
  body['auto_stop_at'] = null;
  body['description'] = null;
  body['auto_stop_setting'] = 'always';
  body['cluster_agent'] = e.clusterAgent ? agent(e.clusterAgent) : null;
  body['kubernetes_namespace'] = e.kubernetesNamespace;
  body['flux_resource_path'] = e.fluxResourcePath;
  return body;
}
