// Which projects could deploy through a set of certificate clusters: a project cluster's own
// project, every project under a group cluster's group, every project of the instance for an
// instance cluster. Each list is read once, however many clusters share it.
import type { GitLabClient } from '../gitlab/client.js';
import {
  listAllProjects,
  listProjectsUnder,
  readProjectCi,
  type ProjectCi,
} from '../gitlab/projects.js';
import type { CertCluster } from '../continuity/old-cluster.js';

export async function projectsInReach(
  client: GitLabClient,
  clusters: CertCluster[],
): Promise<ProjectCi[]> {
  const byPath = new Map<string, ProjectCi>();
  const add = (list: (ProjectCi | null)[]) => {
    for (const p of list) if (p && !p.archived) byPath.set(p.path.toLowerCase(), p);
  };
  if (clusters.some((c) => c.level === 'instance')) {
    add(await listAllProjects(client));
  } else {
    const groups = [...new Set(clusters.filter((c) => c.level === 'group').map((c) => c.owner!))];
    const lists = await Promise.all(groups.map((g) => listProjectsUnder(client, g)));
    lists.forEach(add);
    const own = clusters
      .filter((c) => c.level === 'project' && !byPath.has(c.owner!.toLowerCase()))
      .map((c) => c.owner!);
    add(await Promise.all([...new Set(own)].map((p) => readProjectCi(client, p))));
  }
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}
