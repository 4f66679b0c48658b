// The full scan: every group and project is checked for clusters. Used without the discovery API
// (older GitLab, --strategy full-scan), for groups the API would not fully cover for this token, and
// for personal namespaces, which the API does not see.
import { listDescendantGroups, listGroups } from '../gitlab/groups.js';
import { listGroupProjectSummaries, streamProjectSummaries } from '../gitlab/projects.js';
import type { ProjectSummarySchema } from '../gitlab/schemas.js';
import { MAINTAINER, type DiscoveryState, type Root } from './run-state.js';

/** Full scan of one group: the group, its descendants, and every project below it. */
export async function scanRoot(run: DiscoveryState, root: Root): Promise<void> {
  run.usedScan = true;
  run.setPhase('scanning groups and projects');
  const access = run.isAdmin ? {} : { min_access_level: MAINTAINER };
  const [descendants, projects] = await Promise.all([
    listDescendantGroups(run.client, root.id, access),
    listGroupProjectSummaries(run.client, root.id, {
      ...access,
      include_subgroups: true,
      simple: true,
    }),
  ]);
  await Promise.all([
    ...[{ id: root.id, full_path: root.fullPath }, ...descendants].map((g) => run.readGroup(g)),
    ...projects.map((p) => run.readProject(p)),
  ]);
}

export async function scanAllGroups(run: DiscoveryState): Promise<void> {
  run.usedScan = true;
  run.setPhase('scanning groups and projects');
  const query = run.isAdmin ? { all_available: true } : { min_access_level: MAINTAINER };
  const groups = await listGroups(run.client, query);
  for (const g of groups) if (g.parent_id == null) run.topLevelGroups.add(g.full_path);
  await Promise.all(groups.map((g) => run.readGroup(g)));
}

/**
 * Streams /projects with keyset pagination and reads the clusters of the projects `select`
 * keeps, starting on each page as it arrives rather than after the whole list.
 */
export async function scanProjects(
  run: DiscoveryState,
  select: (project: ProjectSummarySchema) => boolean,
): Promise<void> {
  const query = {
    order_by: 'id',
    sort: 'asc',
    simple: true,
    ...(run.isAdmin ? {} : { min_access_level: MAINTAINER }),
  };
  const reads: Promise<void>[] = [];
  for await (const page of streamProjectSummaries(run.client, query)) {
    for (const project of page) if (select(project)) reads.push(run.readProject(project));
  }
  await Promise.all(reads);
}
