// Certificate-based cluster endpoints, which gitbeaker does not cover, as a small resource class
// in gitbeaker's style: verb-named methods, snake_case schemas, ids as numbers or full paths.
import { credentialsIn, withoutCredentials } from '../discovery/api-url.js';
import { InternalError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { endpoint } from './endpoint.js';
import { fetchAllOffset, type GetFn, type Page } from './paginate.js';
import type { ClusterSchema, DiscoveredClustersSchema } from './schemas.js';

export type PutFn = <T>(path: string, body: Record<string, unknown>) => Promise<Page<T>>;
export type CertificateClusterLevel = 'project' | 'group' | 'instance';

/** What `edit` may change; the rest of GitLab's PUT parameters are never needed by a migration. */
export interface ClusterChanges {
  enabled?: boolean;
  namespacePerEnvironment?: boolean;
}

export function clusterPath(
  level: CertificateClusterLevel,
  owner: string | number | null,
  clusterId: number,
): string {
  if (level === 'instance') return endpoint`admin/clusters/${clusterId}`;
  if (owner == null)
    throw new InternalError(`a ${level} cluster needs its owner (cluster ${clusterId})`);
  return level === 'project'
    ? endpoint`projects/${owner}/clusters/${clusterId}`
    : endpoint`groups/${owner}/clusters/${clusterId}`;
}

/**
 * GitLab stores an api_url with user information as typed (its validator has `enforce_user: false`,
 * see discovery/api-url.ts) and returns it. It is cut out here, as the answer arrives, so no caller
 * (discovery, status, rollback) can print or write it; the value is registered as a secret too.
 */
function sanitise(cluster: ClusterSchema): ClusterSchema {
  const platform = cluster.platform_kubernetes;
  const url = platform?.api_url;
  if (platform == null || typeof url !== 'string') return cluster;
  const stripped = withoutCredentials(url.trim());
  if (stripped === url.trim()) return cluster;
  for (const secret of credentialsIn(url)) registerSecret(secret);
  return {
    ...cluster,
    platform_kubernetes: { ...platform, api_url: stripped, api_url_credentials_removed: true },
  };
}

export class CertificateClusters {
  constructor(
    private readonly get: GetFn,
    private readonly put?: PutFn,
  ) {}

  /** GET /projects/:id/clusters/:cluster_id, /groups/:id/clusters/:cluster_id or /admin/clusters/:cluster_id */
  async show(
    level: CertificateClusterLevel,
    owner: string | number | null,
    clusterId: number,
  ): Promise<ClusterSchema> {
    return sanitise((await this.get<ClusterSchema>(clusterPath(level, owner, clusterId))).body);
  }

  /**
   * PUT on the same paths (Maintainer; administrators for instance clusters). GitLab's PUT declares
   * `namespace_per_environment` with `default: true`, so leaving it out would turn it on: this always sends
   * it, the given value or, when none is given, the cluster's current one (read first).
   */
  async edit(
    level: CertificateClusterLevel,
    owner: string | number | null,
    clusterId: number,
    changes: ClusterChanges,
  ): Promise<ClusterSchema> {
    if (!this.put) throw new InternalError('this CertificateClusters was built without a PUT');
    const namespacePerEnvironment =
      changes.namespacePerEnvironment ??
      (await this.show(level, owner, clusterId)).namespace_per_environment ??
      true;
    const body: Record<string, unknown> = { namespace_per_environment: namespacePerEnvironment };
    if (changes.enabled !== undefined) body['enabled'] = changes.enabled;
    return sanitise(
      (await this.put<ClusterSchema>(clusterPath(level, owner, clusterId), body)).body,
    );
  }

  /** GET /projects/:id/clusters (Maintainer; 404 "404 Not Found" when the feature flag is off) */
  async allForProject(projectId: string | number): Promise<ClusterSchema[]> {
    const all = await fetchAllOffset<ClusterSchema>(
      this.get,
      endpoint`projects/${projectId}/clusters`,
    );
    return all.map(sanitise);
  }

  /** GET /groups/:id/clusters */
  async allForGroup(groupId: string | number): Promise<ClusterSchema[]> {
    const all = await fetchAllOffset<ClusterSchema>(this.get, endpoint`groups/${groupId}/clusters`);
    return all.map(sanitise);
  }

  /** GET /admin/clusters (administrators only) */
  async allForInstance(): Promise<ClusterSchema[]> {
    return (await fetchAllOffset<ClusterSchema>(this.get, 'admin/clusters')).map(sanitise);
  }

  /** GET /discover-cert-based-clusters?group_id= (GitLab 17.9+; ids and names only, not paginated) */
  async discover(groupId: number): Promise<DiscoveredClustersSchema> {
    const response = await this.get<DiscoveredClustersSchema>('discover-cert-based-clusters', {
      group_id: groupId,
    });
    return response.body;
  }
}
