// The simulator's records: users, tokens, groups, projects and clusters as the live model links
// them (state.ts builds and indexes them; the stores beside it keep agents, environments,
// variables and repositories that point at them). Only types live here, so a store can name a
// record, or the lookups its fixture seeding needs, without importing the state that holds it.
import type { FixtureCluster, TokenScope, Visibility } from './fixture-types.js';

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  admin: boolean;
  state: 'active' | 'blocked';
  namespaceId: number;
  createdAt: string;
}

export interface TokenRecord {
  /** position in the fixture; rate limiting keys on it so the secret is not copied around */
  index: number;
  name: string;
  user: UserRecord;
  scopes: ReadonlySet<TokenScope>;
}

export interface GroupRecord {
  id: number;
  path: string;
  name: string;
  description: string;
  visibility: Visibility;
  parent: GroupRecord | null;
  fullPath: string;
  fullName: string;
  createdAt: string;
  children: GroupRecord[];
  /** projects directly in this group, ascending id */
  projects: ProjectRecord[];
  /** group-level clusters of this group, ascending id */
  clusters: ClusterRecord[];
}

export type NamespaceRecord =
  { kind: 'group'; group: GroupRecord } | { kind: 'user'; user: UserRecord };

export interface ProjectRecord {
  id: number;
  path: string;
  name: string;
  description: string | null;
  defaultBranch: string;
  visibility: Visibility;
  namespace: NamespaceRecord;
  pathWithNamespace: string;
  nameWithNamespace: string;
  createdAt: string;
  clusters: ClusterRecord[];
  /** Settings > CI/CD > "CI/CD configuration file"; null when unset */
  ciConfigPath: string | null;
  /** the project's own Auto DevOps setting; null inherits the instance's (`auto_devops&.enabled.nil?`) */
  autoDevopsEnabled: boolean | null;
}

export type ClusterOwner =
  | { level: 'project'; project: ProjectRecord }
  | { level: 'group'; group: GroupRecord }
  | { level: 'instance' };

export interface ClusterRecord {
  id: number;
  /** the fixture entry (a private copy); owner/created_by/management_project are resolved below */
  data: FixtureCluster;
  owner: ClusterOwner;
  creator: UserRecord;
  managementProject: ProjectRecord | null;
}

/** The indexes the stores' fixture seeding resolves names through (SimulatorState has them). */
export interface RecordLookup {
  /** lower-case keys */
  readonly usersByUsername: ReadonlyMap<string, UserRecord>;
  /** lower-case full path */
  readonly groupsByPath: ReadonlyMap<string, GroupRecord>;
  /** lower-case path_with_namespace */
  readonly projectsByPath: ReadonlyMap<string, ProjectRecord>;
}
