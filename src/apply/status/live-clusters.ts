// The certificate clusters a plan's agents replace, as GitLab has them now. `status` reports on
// them, and `status` and `rollback` match kube contexts by their live API URL and CA.
import type { GitLabClient } from '../../gitlab/client.js';
import { explainGitLabError, httpFailure } from '../../gitlab/errors.js';
import type { Plan, PlannedAgent, PlannedCluster } from '../../plan/types.js';
import type { LiveCluster } from './types.js';

/** The certificate clusters the plan's agents replace, as GitLab has them now (one GET each). */
export async function readLiveClusters(
  client: GitLabClient,
  clusters: PlannedCluster[],
): Promise<Map<number, LiveCluster | null>> {
  const entries = await Promise.all(
    clusters.map(async (c): Promise<[number, LiveCluster | null]> => {
      try {
        const live = await client.clusters.show(c.level, c.owner, c.id);
        return [
          c.id,
          {
            id: live.id,
            name: live.name,
            enabled: live.enabled !== false,
            apiUrl: live.platform_kubernetes?.api_url ?? null,
            caCert: live.platform_kubernetes?.ca_cert ?? null,
            namespacePerEnvironment: live.namespace_per_environment ?? null,
          },
        ];
      } catch (error) {
        if (httpFailure(error)?.status === 404) return [c.id, null];
        throw explainGitLabError(error, client.url, `reading certificate cluster ${c.id}`);
      }
    }),
  );
  return new Map(entries);
}

/** The planned clusters that some agent of the plan replaces. */
export function clustersOfAgents(plan: Plan, agents: PlannedAgent[] = plan.agents) {
  const ids = new Set(agents.flatMap((a) => a.clusterIds));
  return plan.clusters.filter((c) => ids.has(c.id));
}
