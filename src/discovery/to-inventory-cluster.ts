// ClusterSchema (GitLab's entity) → InventoryCluster (our camelCase record).
import type { ClusterSchema } from '../gitlab/schemas.js';
import type { ClusterLevel, InventoryCluster } from './types.js';

export interface ClusterOwner {
  level: ClusterLevel;
  path: string | null;
  rootKind: 'group' | 'user' | null;
}

export function toInventoryCluster(cluster: ClusterSchema, owner: ClusterOwner): InventoryCluster {
  const platform = cluster.platform_kubernetes;
  return {
    id: cluster.id,
    name: cluster.name,
    level: owner.level,
    owner: owner.path,
    rootNamespace: owner.path == null ? null : owner.path.split('/')[0]!,
    rootNamespaceKind: owner.rootKind,
    environmentScope: cluster.environment_scope ?? '*',
    // GitLab documents null booleans as false.
    enabled: cluster.enabled === true,
    managed: cluster.managed === true,
    namespacePerEnvironment: cluster.namespace_per_environment ?? null,
    apiUrl: platform?.api_url ?? null,
    namespace: platform?.namespace || null,
    domain: cluster.domain || null,
    managementProject: cluster.management_project?.path_with_namespace ?? null,
    providerType: cluster.provider_type ?? null,
    authorizationType: platform?.authorization_type ?? null,
    caCert: platform?.ca_cert ?? null,
    createdAt: cluster.created_at ?? null,
  };
}
