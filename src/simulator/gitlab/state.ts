// The simulator's live model: fixture records linked into objects and indexed the ways GitLab looks them
// up (id, case-insensitive full path, owner). Routes never scan the fixture arrays; benchmarks replay
// 10,000+ requests against 10,000-project instances, so every lookup here is a Map hit or a sorted array.

import { UserError } from '../../errors.js';
import type {
  AccessLevel,
  FixtureCluster,
  FixtureInstance,
  GitLabFixture,
  Visibility,
} from './fixture-types.js';
import type {
  ClusterOwner,
  ClusterRecord,
  GroupRecord,
  NamespaceRecord,
  ProjectRecord,
  TokenRecord,
  UserRecord,
} from './records.js';
import { RepositoryStore } from './repository-state.js';
import { addFixtureAgents, AgentStore, EnvironmentStore } from './agents-state.js';
import { addFixtureVariables, VariableStore } from './variables-state.js';

export type {
  ClusterOwner,
  ClusterRecord,
  GroupRecord,
  NamespaceRecord,
  ProjectRecord,
  TokenRecord,
  UserRecord,
} from './records.js';

/**
 * GitLab keeps groups and user namespaces in one `namespaces` table, so their ids never collide. The fixture
 * only gives group ids; a user's personal namespace gets `USER_NAMESPACE_ID_OFFSET + user.id`, which is stable
 * and cannot collide as long as group ids stay below the offset (checked when the state is built).
 */
export const USER_NAMESPACE_ID_OFFSET = 1_000_000;

/** GitLab returns timestamps; the fixture has none for groups/projects, so they are derived from the id. */
const EPOCH_MS = Date.UTC(2020, 0, 1);
export function derivedTimestamp(id: number): string {
  return new Date(EPOCH_MS + id * 60_000).toISOString();
}

/** Binary-search insert keeping `list` sorted by ascending id (ids usually arrive in order: O(1) append). */
function insertById<T extends { id: number }>(list: T[], item: T): void {
  const last = list[list.length - 1];
  if (last === undefined || last.id < item.id) {
    list.push(item);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as T).id < item.id) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

export class SimulatorState {
  /** Mutable: tests flip feature flags or the version on a running simulator. */
  readonly instance: FixtureInstance;
  readonly usersById = new Map<number, UserRecord>();
  readonly usersByUsername = new Map<string, UserRecord>(); // lower-case keys
  readonly tokensBySecret = new Map<string, TokenRecord>();
  readonly groupsById = new Map<number, GroupRecord>();
  readonly groupsByPath = new Map<string, GroupRecord>(); // lower-case full path
  readonly projectsById = new Map<number, ProjectRecord>();
  readonly projectsByPath = new Map<string, ProjectRecord>(); // lower-case path_with_namespace
  /** every project, ascending id: keyset pagination and the default orders walk this */
  readonly projectsSorted: ProjectRecord[] = [];
  readonly groupsSorted: GroupRecord[] = [];
  readonly clustersById = new Map<number, ClusterRecord>();
  readonly instanceClusters: ClusterRecord[] = [];
  /** direct memberships: user id -> group id / project id -> access level */
  readonly groupMembers = new Map<number, Map<number, AccessLevel>>();
  readonly projectMembers = new Map<number, Map<number, AccessLevel>>();
  /** bumped on every structural change so per-user caches (see access.ts) know to recompute */
  revision = 0;
  /** git repositories and merge requests, built lazily per project (see repository-state.ts) */
  readonly repositories: RepositoryStore;
  /** agents for Kubernetes and their tokens, project environments, CI/CD variables */
  readonly agents = new AgentStore();
  readonly environments = new EnvironmentStore();
  readonly variables = new VariableStore();

  constructor(fixture: GitLabFixture) {
    this.instance = structuredClone(fixture.instance);
    for (const u of fixture.users) this.addUser(u);
    fixture.tokens.forEach((t, index) => {
      const user = this.usersByUsername.get(t.user.toLowerCase());
      if (!user) throw new UserError(`token #${index + 1} belongs to unknown user "${t.user}"`);
      if (this.tokensBySecret.has(t.token))
        throw new UserError(`token #${index + 1} duplicates another token's value`);
      this.tokensBySecret.set(t.token, {
        index,
        name: t.name ?? `token-${index + 1}`,
        user,
        scopes: new Set(t.scopes),
      });
    });
    // Parents are named by full path, so add groups shallowest first; the order in the file does not matter.
    const groups = [...fixture.groups].sort((a, b) => depthOf(a.parent) - depthOf(b.parent));
    for (const g of groups) this.addGroup(g);
    for (const p of fixture.projects) this.addProject(p);
    for (const m of fixture.members) this.addMember(m.user, m.source, m.access_level);
    for (const c of fixture.clusters) this.addCluster(c);
    addFixtureAgents(this, fixture);
    addFixtureVariables(this, fixture);
    this.repositories = new RepositoryStore((p) => this.findProject(p), fixture.repositories ?? []);
  }

  addUser(u: GitLabFixture['users'][number]): UserRecord {
    if (this.usersById.has(u.id)) throw new UserError(`duplicate user id ${u.id}`);
    if (this.usersByUsername.has(u.username.toLowerCase()))
      throw new UserError(`duplicate username "${u.username}"`);
    const rec: UserRecord = {
      id: u.id,
      username: u.username,
      name: u.name,
      admin: u.admin,
      state: u.state ?? 'active',
      namespaceId: USER_NAMESPACE_ID_OFFSET + u.id,
      createdAt: derivedTimestamp(u.id),
    };
    this.usersById.set(rec.id, rec);
    this.usersByUsername.set(rec.username.toLowerCase(), rec);
    this.revision++;
    return rec;
  }

  addGroup(g: GitLabFixture['groups'][number]): GroupRecord {
    const label = `group "${g.path}" (id ${g.id})`;
    if (this.groupsById.has(g.id)) throw new UserError(`duplicate group id ${g.id}`);
    if (g.id >= USER_NAMESPACE_ID_OFFSET) {
      throw new UserError(
        `${label}: group ids must be below ${USER_NAMESPACE_ID_OFFSET} (user namespaces use that range)`,
      );
    }
    let parent: GroupRecord | null = null;
    if (g.parent != null) {
      parent = this.groupsByPath.get(g.parent.toLowerCase()) ?? null;
      if (!parent) throw new UserError(`${label} has parent "${g.parent}", which is not a group`);
    } else if (this.usersByUsername.has(g.path.toLowerCase())) {
      throw new UserError(`${label}: top-level group path collides with the username "${g.path}"`);
    }
    const fullPath = parent ? `${parent.fullPath}/${g.path}` : g.path;
    if (this.groupsByPath.has(fullPath.toLowerCase()))
      throw new UserError(`duplicate group path "${fullPath}"`);
    const visibility = g.visibility ?? 'private';
    if (parent && rank(visibility) > rank(parent.visibility)) {
      throw new UserError(
        `${label} is ${visibility} but its parent "${parent.fullPath}" is ${parent.visibility}`,
      );
    }
    const rec: GroupRecord = {
      id: g.id,
      path: g.path,
      name: g.name,
      description: g.description ?? '',
      visibility,
      parent,
      fullPath,
      fullName: parent ? `${parent.fullName} / ${g.name}` : g.name,
      createdAt: derivedTimestamp(g.id),
      children: [],
      projects: [],
      clusters: [],
    };
    if (parent) insertById(parent.children, rec);
    this.groupsById.set(rec.id, rec);
    this.groupsByPath.set(fullPath.toLowerCase(), rec);
    insertById(this.groupsSorted, rec);
    this.revision++;
    return rec;
  }

  addProject(p: GitLabFixture['projects'][number]): ProjectRecord {
    const label = `project "${p.path}" (id ${p.id})`;
    if (this.projectsById.has(p.id)) throw new UserError(`duplicate project id ${p.id}`);
    const group = this.groupsByPath.get(p.namespace.toLowerCase());
    const user = group ? undefined : this.usersByUsername.get(p.namespace.toLowerCase());
    let namespace: NamespaceRecord;
    if (group) namespace = { kind: 'group', group };
    else if (user) namespace = { kind: 'user', user };
    else
      throw new UserError(
        `${label} has namespace "${p.namespace}", which is neither a group nor a username`,
      );
    const nsPath = namespace.kind === 'group' ? namespace.group.fullPath : namespace.user.username;
    const nsHuman = namespace.kind === 'group' ? namespace.group.fullName : namespace.user.name;
    const pathWithNamespace = `${nsPath}/${p.path}`;
    if (
      this.projectsByPath.has(pathWithNamespace.toLowerCase()) ||
      this.groupsByPath.has(pathWithNamespace.toLowerCase())
    ) {
      throw new UserError(`duplicate path "${pathWithNamespace}" (${label})`);
    }
    const visibility = p.visibility ?? 'private';
    if (namespace.kind === 'group' && rank(visibility) > rank(namespace.group.visibility)) {
      throw new UserError(
        `${label} is ${visibility} but its group "${nsPath}" is ${namespace.group.visibility}`,
      );
    }
    const rec: ProjectRecord = {
      id: p.id,
      path: p.path,
      name: p.name,
      description: p.description ?? null,
      defaultBranch: p.default_branch ?? 'main',
      visibility,
      namespace,
      pathWithNamespace,
      nameWithNamespace: `${nsHuman} / ${p.name}`,
      createdAt: derivedTimestamp(p.id),
      clusters: [],
      ciConfigPath: p.ci_config_path ?? null,
      autoDevopsEnabled: p.auto_devops_enabled ?? null,
    };
    if (namespace.kind === 'group') insertById(namespace.group.projects, rec);
    this.projectsById.set(rec.id, rec);
    this.projectsByPath.set(pathWithNamespace.toLowerCase(), rec);
    insertById(this.projectsSorted, rec);
    this.revision++;
    return rec;
  }

  addMember(username: string, source: string, level: AccessLevel): void {
    const user = this.usersByUsername.get(username.toLowerCase());
    if (!user) throw new UserError(`membership of unknown user "${username}" in "${source}"`);
    const group = this.groupsByPath.get(source.toLowerCase());
    const project = group ? undefined : this.projectsByPath.get(source.toLowerCase());
    if (!group && !project)
      throw new UserError(
        `membership of "${username}" in "${source}", which is neither a group nor a project`,
      );
    const table = group ? this.groupMembers : this.projectMembers;
    let levels = table.get(user.id);
    if (!levels) table.set(user.id, (levels = new Map<number, AccessLevel>()));
    levels.set(group ? group.id : (project as ProjectRecord).id, level);
    this.revision++;
  }

  addCluster(c: FixtureCluster): ClusterRecord {
    const label = `cluster "${c.name}" (id ${c.id})`;
    if (this.clustersById.has(c.id)) throw new UserError(`duplicate cluster id ${c.id}`);
    const creator = this.usersByUsername.get(c.created_by.toLowerCase());
    if (!creator) throw new UserError(`${label} was created_by unknown user "${c.created_by}"`);
    let managementProject: ProjectRecord | null = null;
    if (c.management_project != null) {
      managementProject = this.projectsByPath.get(c.management_project.toLowerCase()) ?? null;
      if (!managementProject)
        throw new UserError(
          `${label} has management_project "${c.management_project}", which is not a project`,
        );
    }
    let owner: ClusterOwner;
    if (c.level === 'instance') {
      if (c.owner != null)
        throw new UserError(
          `${label} is an instance cluster but has owner "${c.owner}" (use null)`,
        );
      owner = { level: 'instance' };
    } else {
      const key = (c.owner ?? '').toLowerCase();
      const found = c.level === 'group' ? this.groupsByPath.get(key) : this.projectsByPath.get(key);
      if (!found)
        throw new UserError(`${label} has owner "${String(c.owner)}", which is not a ${c.level}`);
      owner =
        c.level === 'group'
          ? { level: 'group', group: found as GroupRecord }
          : { level: 'project', project: found as ProjectRecord };
    }
    const rec: ClusterRecord = {
      id: c.id,
      data: structuredClone(c),
      owner,
      creator,
      managementProject,
    };
    if (owner.level === 'instance') insertById(this.instanceClusters, rec);
    else if (owner.level === 'group') insertById(owner.group.clusters, rec);
    else insertById(owner.project.clusters, rec);
    this.clustersById.set(rec.id, rec);
    this.revision++;
    return rec;
  }

  /** `:id` in a route: digits are an id, anything else a (decoded) full path, matched case-insensitively. */
  findProject(idOrPath: string): ProjectRecord | undefined {
    return /^\d+$/.test(idOrPath)
      ? this.projectsById.get(Number(idOrPath))
      : this.projectsByPath.get(idOrPath.toLowerCase());
  }

  findGroup(idOrPath: string): GroupRecord | undefined {
    return /^\d+$/.test(idOrPath)
      ? this.groupsById.get(Number(idOrPath))
      : this.groupsByPath.get(idOrPath.toLowerCase());
  }
}

function depthOf(parentPath: string | null): number {
  return parentPath == null ? 0 : parentPath.split('/').length;
}

function rank(v: Visibility): number {
  return v === 'private' ? 0 : v === 'internal' ? 1 : 2;
}
