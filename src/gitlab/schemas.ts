// Raw GitLab shapes, snake_case as the API sends them (gitbeaker's convention: `*Schema`).
// Fields follow gitlabhq/gitlabhq: lib/api/entities/cluster.rb, lib/api/entities/platform/kubernetes.rb.

export interface UserBasicSchema extends Record<string, unknown> {
  id: number;
  username: string;
  name: string;
  state?: string;
  web_url?: string;
}

export interface ProjectIdentitySchema extends Record<string, unknown> {
  id: number;
  name: string;
  path: string;
  path_with_namespace: string;
  name_with_namespace?: string;
  description?: string | null;
  created_at?: string;
}

export interface PlatformKubernetesSchema extends Record<string, unknown> {
  api_url: string | null;
  /**
   * Not GitLab's: set by CertificateClusters when it cut a `user:password@` out of `api_url`, so
   * discovery can warn about the cluster without ever holding the credentials.
   */
  api_url_credentials_removed?: true;
  namespace: string | null;
  authorization_type: string | null;
  ca_cert: string | null;
}

export interface ClusterSchema extends Record<string, unknown> {
  id: number;
  name: string;
  created_at: string;
  domain: string | null;
  enabled: boolean | null;
  managed: boolean | null;
  provider_type: string | null;
  platform_type: string | null;
  environment_scope: string;
  cluster_type: 'project_type' | 'group_type' | 'instance_type';
  namespace_per_environment: boolean | null;
  user: UserBasicSchema | null;
  platform_kubernetes: PlatformKubernetesSchema | null;
  provider_gcp: Record<string, unknown> | null;
  management_project: ProjectIdentitySchema | null;
}

export interface DiscoveredClusterSchema extends Record<string, unknown> {
  id: number;
  name: string;
}

/** GET /discover-cert-based-clusters (17.9+): owners by full path, not paginated. */
export interface DiscoveredClustersSchema extends Record<string, unknown> {
  groups: Record<string, DiscoveredClusterSchema[]>;
  projects: Record<string, DiscoveredClusterSchema[]>;
}

export interface NamespaceSchema extends Record<string, unknown> {
  id: number;
  name: string;
  path: string;
  kind: 'group' | 'user';
  full_path: string;
  parent_id: number | null;
}

/** The subset of the project entity discovery reads (also present with `simple=true`). */
export interface ProjectSummarySchema extends Record<string, unknown> {
  id: number;
  path_with_namespace: string;
  namespace: NamespaceSchema;
}

export interface GroupSummarySchema extends Record<string, unknown> {
  id: number;
  full_path: string;
  parent_id: number | null;
}
