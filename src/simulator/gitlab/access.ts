// Who can see and do what. Mirrors GitLab's policies closely enough for a migration tool:
//   - access level = the highest direct membership on the resource or any ancestor group (GitLab's
//     project_authorizations / members_with_parents); a personal project's owner has Owner (50);
//   - visibility: admins see everything; anyone signed in sees public and internal; private groups are
//     visible to members of the group, an ancestor, or anything below it (GitLab lets members of a
//     subgroup or project read the private parent); private projects only to users with access;
//   - `min_access_level` filters are membership-only, also for admins: GitLab's GroupsFinder and
//     GroupProjectsFinder use `current_user.groups` / `authorized_projects` without an admin bypass.

import type { GroupRecord, ProjectRecord, SimulatorState, UserRecord } from './state.js';

export const REPORTER = 20;
export const DEVELOPER = 30;
export const MAINTAINER = 40;
export const OWNER = 50;

/** Highest direct group membership on `group` or one of its ancestors (0 = none). */
export function groupMembershipLevel(
  state: SimulatorState,
  user: UserRecord | null,
  group: GroupRecord,
): number {
  if (!user) return 0;
  const levels = state.groupMembers.get(user.id);
  if (!levels) return 0;
  let best = 0;
  for (let g: GroupRecord | null = group; g; g = g.parent) {
    const level = levels.get(g.id);
    if (level !== undefined && level > best) best = level;
  }
  return best;
}

/** What GitLab's project_authorizations would hold for this user and project (0 = none). */
export function projectMembershipLevel(
  state: SimulatorState,
  user: UserRecord | null,
  project: ProjectRecord,
): number {
  if (!user) return 0;
  const ns = project.namespace;
  if (ns.kind === 'user' && ns.user.id === user.id) return OWNER;
  const direct = state.projectMembers.get(user.id)?.get(project.id) ?? 0;
  const inherited = ns.kind === 'group' ? groupMembershipLevel(state, user, ns.group) : 0;
  return Math.max(direct, inherited);
}

/** Permission checks (`authorize!`): admins pass everything. */
export function hasGroupAccess(
  state: SimulatorState,
  user: UserRecord | null,
  group: GroupRecord,
  level: number,
): boolean {
  return !!user && (user.admin || groupMembershipLevel(state, user, group) >= level);
}

export function hasProjectAccess(
  state: SimulatorState,
  user: UserRecord | null,
  project: ProjectRecord,
  level: number,
): boolean {
  return !!user && (user.admin || projectMembershipLevel(state, user, project) >= level);
}

/**
 * Groups a user is "related to" without being able to see them through visibility alone: every group with
 * a membership of the user, its ancestors (membership below makes a private parent readable) and, for group
 * memberships, its descendants. This is also GitLab's default `/groups` list for non-admins
 * (`all_available` false). Cached per user until the state changes.
 */
const relatedCache = new WeakMap<
  SimulatorState,
  { revision: number; byUser: Map<number, ReadonlySet<number>> }
>();

export function relatedGroupIds(state: SimulatorState, user: UserRecord): ReadonlySet<number> {
  let cache = relatedCache.get(state);
  if (!cache || cache.revision !== state.revision) {
    cache = { revision: state.revision, byUser: new Map() };
    relatedCache.set(state, cache);
  }
  const hit = cache.byUser.get(user.id);
  if (hit) return hit;
  const ids = new Set<number>();
  const addAncestors = (g: GroupRecord | null): void => {
    for (; g && !ids.has(g.id); g = g.parent) ids.add(g.id);
  };
  for (const groupId of state.groupMembers.get(user.id)?.keys() ?? []) {
    const group = state.groupsById.get(groupId);
    if (!group) continue;
    const stack = [group];
    while (stack.length > 0) {
      const g = stack.pop() as GroupRecord;
      ids.add(g.id);
      stack.push(...g.children);
    }
    addAncestors(group.parent);
  }
  for (const projectId of state.projectMembers.get(user.id)?.keys() ?? []) {
    const ns = state.projectsById.get(projectId)?.namespace;
    if (ns?.kind === 'group') addAncestors(ns.group);
  }
  cache.byUser.set(user.id, ids);
  return ids;
}

export function canReadGroup(
  state: SimulatorState,
  user: UserRecord | null,
  group: GroupRecord,
): boolean {
  if (group.visibility === 'public') return true;
  if (!user) return false;
  if (user.admin || group.visibility === 'internal') return true;
  return relatedGroupIds(state, user).has(group.id);
}

export function canReadProject(
  state: SimulatorState,
  user: UserRecord | null,
  project: ProjectRecord,
): boolean {
  if (project.visibility === 'public') return true;
  if (!user) return false;
  if (user.admin || project.visibility === 'internal') return true;
  return projectMembershipLevel(state, user, project) > 0;
}

/**
 * `:read_code` (project_policy.rb: `rule { can?(:download_code) }.policy { enable :read_code }`): anyone who
 * can read a public or internal project, Reporter+ on a private one, admins always.
 */
export function canReadCode(
  state: SimulatorState,
  user: UserRecord | null,
  project: ProjectRecord,
): boolean {
  if (!canReadProject(state, user, project)) return false;
  if (project.visibility !== 'private' || user?.admin) return true;
  return projectMembershipLevel(state, user, project) >= REPORTER;
}

/** `:admin_project`: Maintainer+ (or admin). */
export function canAdminProject(
  state: SimulatorState,
  user: UserRecord | null,
  project: ProjectRecord,
): boolean {
  return hasProjectAccess(state, user, project, MAINTAINER);
}
