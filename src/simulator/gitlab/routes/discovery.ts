// GET /discover-cert-based-clusters (lib/api/cluster_discovery.rb, GitLab 17.9+). Unlike the cluster
// endpoints it does not check the certificate_based_clusters flag. What it returns, per GitLab's code:
//   - group clusters of the requested group itself (whatever the caller's role there), plus those of its
//     descendant groups where the caller has Maintainer+ through membership (GroupsFinder min_access_level:
//     an admin who is not a member gets no descendant groups);
//   - project clusters of projects in the group or its subgroups where the caller is Maintainer+
//     (GroupProjectsFinder min_access_level, again membership-based);
//   - disabled clusters too; clusters of ancestor groups never; keyed by full path, not paginated.

import { groupMembershipLevel, MAINTAINER, projectMembershipLevel } from '../access.js';
import { intParam, ok, type RequestContext } from '../http-kit.js';
import type { RouteDefinition } from '../router.js';
import { projectsUnder, selfAndDescendants, versionAtLeast } from '../hierarchy.js';
import type { ClusterRecord } from '../state.js';
import { findVisibleGroup } from './groups.js';

function discover(ctx: RequestContext) {
  const { state, user } = ctx;
  const groupId = intParam(ctx.query, 'group_id', true) as number;
  const root = findVisibleGroup(ctx, String(groupId));

  const groupClusters: ClusterRecord[] = [...root.clusters];
  for (const g of selfAndDescendants(root).slice(1)) {
    if (groupMembershipLevel(state, user, g) >= MAINTAINER) groupClusters.push(...g.clusters);
  }
  const projectClusters: ClusterRecord[] = [];
  for (const p of projectsUnder(root, true)) {
    if (p.clusters.length > 0 && projectMembershipLevel(state, user, p) >= MAINTAINER)
      projectClusters.push(...p.clusters);
  }

  // No ORDER BY in GitLab's query: rows come back in id order in practice, then group_by keeps first-seen keys.
  const byKey = (clusters: ClusterRecord[], key: (c: ClusterRecord) => string) => {
    const out: Record<string, { id: number; name: string }[]> = {};
    for (const c of clusters.sort((a, b) => a.id - b.id))
      (out[key(c)] ??= []).push({ id: c.id, name: c.data.name });
    return out;
  };
  return ok({
    groups: byKey(groupClusters, (c) => (c.owner.level === 'group' ? c.owner.group.fullPath : '')),
    projects: byKey(projectClusters, (c) =>
      c.owner.level === 'project' ? c.owner.project.pathWithNamespace : '',
    ),
  });
}

export const discoveryRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/discover-cert-based-clusters',
    available: (state) => versionAtLeast(state.instance.version, 17, 9),
    handler: discover,
  },
];
