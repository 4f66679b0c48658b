// Groups as discovery and project creation need them: one group by full path, the groups a token
// sees, and a group's descendants. The lists give GitLab's failures as they came: discovery decides
// per call what a failure means (a whole run failing, or one group scanned another way).
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError, type FailureHints } from './errors.js';
import { fetchAllOffset, type Query } from './paginate.js';
import type { GroupSummarySchema } from './schemas.js';

/**
 * GET /groups/:id by full path (leading and trailing slashes ignored). `hints` say what a 404 means
 * to the caller (no such group, or the token cannot see it).
 */
export async function showGroup(
  client: GitLabClient,
  path: string,
  query?: Query,
  hints: FailureHints = {},
): Promise<GroupSummarySchema> {
  try {
    const id = path.replace(/^\/+|\/+$/g, '');
    return (await client.get<GroupSummarySchema>(endpoint`groups/${id}`, query)).body;
  } catch (error) {
    throw explainGitLabError(error, client.url, `reading group ${path}`, hints);
  }
}

/** GET /groups with every page. */
export async function listGroups(
  client: GitLabClient,
  query: Query,
): Promise<GroupSummarySchema[]> {
  return fetchAllOffset<GroupSummarySchema>(client.get, 'groups', query);
}

/** GET /groups/:id/descendant_groups with every page. */
export async function listDescendantGroups(
  client: GitLabClient,
  groupId: number,
  query: Query,
): Promise<GroupSummarySchema[]> {
  return fetchAllOffset<GroupSummarySchema>(
    client.get,
    endpoint`groups/${groupId}/descendant_groups`,
    query,
  );
}

/**
 * Whether `name` is a user's name (a personal namespace), by GET /users?username= (visible to any
 * signed-in caller: gitlabhq/gitlabhq: lib/api/users.rb). Null when that cannot be read.
 */
export async function isUsername(client: GitLabClient, name: string): Promise<boolean | null> {
  try {
    const found = (await client.get<{ username: string }[]>('users', { username: name })).body;
    return found.some((u) => u.username.toLowerCase() === name.toLowerCase());
  } catch {
    return null;
  }
}
