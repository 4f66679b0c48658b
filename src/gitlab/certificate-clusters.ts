// Certificate-based cluster endpoints, which gitbeaker does not cover, as a small resource class
// in gitbeaker's style: verb-named methods, snake_case schemas, ids as numbers or full paths.
import { endpoint } from './endpoint.js';
import { fetchAllOffset, type GetFn } from './paginate.js';
import type { ClusterSchema, DiscoveredClustersSchema } from './schemas.js';

export class CertificateClusters {
  constructor(private readonly get: GetFn) {}

  /** GET /projects/:id/clusters (Maintainer; 404 "404 Not Found" when the feature flag is off) */
  allForProject(projectId: string | number): Promise<ClusterSchema[]> {
    return fetchAllOffset<ClusterSchema>(this.get, endpoint`projects/${projectId}/clusters`);
  }

  /** GET /groups/:id/clusters */
  allForGroup(groupId: string | number): Promise<ClusterSchema[]> {
    return fetchAllOffset<ClusterSchema>(this.get, endpoint`groups/${groupId}/clusters`);
  }

  /** GET /admin/clusters (administrators only) */
  allForInstance(): Promise<ClusterSchema[]> {
    return fetchAllOffset<ClusterSchema>(this.get, 'admin/clusters');
  }

  /** GET /discover-cert-based-clusters?group_id= (GitLab 17.9+; ids and names only, not paginated) */
  async discover(groupId: number): Promise<DiscoveredClustersSchema> {
    const response = await this.get<DiscoveredClustersSchema>('discover-cert-based-clusters', {
      group_id: groupId,
    });
    return response.body;
  }
}
