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
  /**
   * The instance-wide Auto DevOps setting, which projects without their own `auto_devops_enabled` inherit
   * (GitLab's `has_auto_devops_implicitly_enabled?`). Default false here, to keep fixtures explicit, although
   * self-managed GitLab ships with it on (since 11.3).
   */
  auto_devops_enabled?: boolean;
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
  /**
   * Settings > CI/CD > "CI/CD configuration file": a repository path, `path.yml@group/project[:ref]`
   * or a URL. Absent means unset (the entity shows null; pipelines read `.gitlab-ci.yml`).
   */
  ci_config_path?: string;
  /** The project's own Auto DevOps switch; absent means "inherit the instance setting". */
  auto_devops_enabled?: boolean;
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

/** Repository content on top of the README.md commit every fixture project starts with. */
export interface FixtureRepository {
  /** full path of the project */
  project: string;
  /** default: the project's default branch; another name makes a branch off it holding these files */
  branch?: string;
  /** file path -> text content */
  files: Record<string, string>;
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
  /** repository files beyond the README.md every project starts with */
  repositories?: FixtureRepository[];
  /** agents already registered (a partly migrated instance); ids are assigned in file order */
  agents?: FixtureAgent[];
  /** CI/CD variables that already exist */
  variables?: FixtureVariable[];
  /** project environments; ids are assigned in file order */
  environments?: FixtureEnvironment[];
}

export interface FixtureAgentToken {
  name: string;
  description?: string;
  status?: 'active' | 'revoked';
  /** the secret (`glagent-…`), e.g. the one a test cluster already holds; generated when absent */
  token?: string;
  last_used_at?: string | null;
}

export interface FixtureAgent {
  /** full path of the agent's configuration project */
  project: string;
  name: string;
  /** username; the entity's created_by_user_id is null without it */
  created_by?: string;
  tokens?: FixtureAgentToken[];
}

export interface FixtureVariable {
  level: 'project' | 'group' | 'instance';
  /** full path of the project or group; null for instance variables */
  owner: string | null;
  key: string;
  value: string;
  /** default '*'; instance variables have none */
  environment_scope?: string;
  protected?: boolean;
  masked?: boolean;
  raw?: boolean;
  variable_type?: 'env_var' | 'file';
  description?: string;
}

export interface FixtureEnvironment {
  project: string;
  name: string;
  tier?: 'production' | 'staging' | 'testing' | 'development' | 'other';
  /** name of an agent registered in the same project */
  cluster_agent?: string;
  kubernetes_namespace?: string;
}
