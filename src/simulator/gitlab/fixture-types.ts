// The shape of a GitLab simulator fixture (fixtures/*.json and generated instances).
// Paths, not ids, link records together so a fixture stays readable by hand; the simulator
// derives everything GitLab would compute (full paths, namespaces, web URLs, entities).

export type AccessLevel = 10 | 20 | 30 | 40 | 50; // guest, reporter, developer, maintainer, owner
export type Visibility = 'private' | 'internal' | 'public';
export type TokenScope = 'api' | 'read_api' | 'read_user' | 'read_repository' | 'write_repository';

export interface FixtureInstance {
  /** GitLab version as `GET /version` reports it, e.g. "17.11.2-ee". Decides whether discovery exists (>= 17.9). */
  version: string;
  revision: string;
  enterprise: boolean;
  kas: {
    enabled: boolean;
    externalUrl: string | null;
    externalK8sProxyUrl: string | null;
    version: string | null;
  };
  /** Feature flags by name. `certificate_based_clusters` gates every cluster endpoint (404 when off). */
  featureFlags: Record<string, boolean>;
}

export interface FixtureUser {
  id: number;
  username: string;
  name: string;
  admin: boolean;
  state?: 'active' | 'blocked';
}

export interface FixtureToken {
  /** The secret. Fixtures use obviously fake values such as `glpat-demo-admin-0000000000`. */
  token: string;
  /** username of the owner */
  user: string;
  scopes: TokenScope[];
  name?: string;
}

export interface FixtureGroup {
  id: number;
  /** the group's own path segment, e.g. "payments" */
  path: string;
  name: string;
  /** full path of the parent group, or null for a top-level group */
  parent: string | null;
  visibility?: Visibility;
  description?: string;
}

export interface FixtureProject {
  id: number;
  path: string;
  name: string;
  /** full path of the owning group, or a username for a personal-namespace project */
  namespace: string;
  visibility?: Visibility;
  default_branch?: string;
  description?: string;
}

export interface FixtureMember {
  user: string;
  /** full path of a group or project */
  source: string;
  access_level: AccessLevel;
}

export interface FixtureCluster {
  id: number;
  name: string;
  level: 'project' | 'group' | 'instance';
  /** full path of the owning project or group; null for instance clusters */
  owner: string | null;
  environment_scope: string;
  enabled: boolean;
  managed: boolean;
  namespace_per_environment: boolean;
  domain: string | null;
  provider_type: 'user' | 'gcp';
  created_at: string;
  /** username of who added it */
  created_by: string;
  platform_kubernetes: {
    api_url: string;
    namespace: string | null;
    authorization_type: 'rbac' | 'abac' | 'unknown_authorization';
    ca_cert: string | null;
  };
  /** full path of the cluster management project, or null */
  management_project: string | null;
  provider_gcp?: {
    cluster_id: string;
    status_name: string;
    gcp_project_id: string;
    zone: string;
    machine_type: string;
    num_nodes: number;
    endpoint: string;
  } | null;
}

export interface GitLabFixture {
  /** free text shown by `simulate`; keeps the fixture self-describing */
  description?: string;
  instance: FixtureInstance;
  users: FixtureUser[];
  tokens: FixtureToken[];
  groups: FixtureGroup[];
  projects: FixtureProject[];
  members: FixtureMember[];
  clusters: FixtureCluster[];
}
