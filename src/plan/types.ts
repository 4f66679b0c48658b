// The plan: a versioned, JSON-serialisable description of the migration
// (contracts/plan.schema.json). Built by the pure mapper,
// rendered by src/report, carried out by src/apply.
import type { ProjectAudit } from '../ci-audit/types.js';
import type { ClusterLevel, DiscoveryMode, InventoryCluster } from '../discovery/types.js';

export type ClusterAction = 'migrate' | 'skip' | 'done';
export type AgentStatus = 'new' | 'partial' | 'done';
export type StepKind =
  | 'create-project'
  | 'commit-config'
  | 'register-agent'
  | 'create-token'
  | 'install-agentk'
  | 'wait-connection'
  | 'set-variable'
  | 'link-environment'
  | 'disable-cluster'
  /** apply --fix-ci only: never part of a plan file (the schema does not list it) */
  | 'fix-ci';

export interface AccessEntry {
  /** full path of a project or group */
  id: string;
  default_namespace?: string;
  access_as?: Record<string, unknown>;
  environments?: string[];
  protected_branches_only?: boolean;
  resource_management?: { enabled: boolean };
}

/** Exactly the content of .gitlab/agents/<name>/config.yaml. */
export interface AgentConfig {
  ci_access?: {
    projects?: AccessEntry[];
    groups?: AccessEntry[];
    instance?: Record<string, unknown>;
  };
  user_access?: {
    access_as?: Record<string, unknown>;
    projects?: { id: string }[];
    groups?: { id: string }[];
  };
}

export interface CiVariable {
  level: ClusterLevel;
  /** project or group full path; null for instance variables */
  owner: string | null;
  key: 'KUBE_CONTEXT' | 'KUBE_INGRESS_BASE_DOMAIN' | 'KUBE_NAMESPACE';
  value: string;
  environmentScope: string;
}

export interface PlannedAgent {
  /** <project path>:<agent name>, also the CI/CD kubecontext name */
  ref: string;
  name: string;
  project: string;
  createProject: boolean;
  rootNamespace: string;
  apiUrl: string;
  clusterIds: number[];
  kubeContext: string | null;
  /** namespace agentk is installed in */
  namespace: string;
  configPath: string;
  config: AgentConfig;
  /** environment_templates/default.yaml content for managed clusters on premium, else null */
  environmentTemplate: string | null;
  ciVariables: CiVariable[];
  status: AgentStatus;
}

export interface PlannedCluster extends Pick<
  InventoryCluster,
  | 'id'
  | 'name'
  | 'level'
  | 'owner'
  | 'environmentScope'
  | 'enabled'
  | 'managed'
  | 'namespacePerEnvironment'
  | 'apiUrl'
  | 'namespace'
  | 'domain'
  | 'managementProject'
> {
  action: ClusterAction;
  /** why skipped or done; null when action is migrate */
  reason: string | null;
  agents: string[];
}

interface StepCommon {
  /** stable id, reused by reports and task titles */
  id: string;
  kind: StepKind;
  agent: string | null;
  clusterId: number | null;
  description: string;
}

/**
 * A step and the data its kind needs: the variable to set, the project whose environments to link
 * or whose CI to fix (disable-cluster has its `clusterId`). Plan files written before these fields
 * existed are completed from the step ids when read (plan/plan-file.ts).
 */
export type PlanStep = StepCommon &
  (
    | { kind: 'set-variable'; variable: CiVariable }
    | { kind: 'link-environment' | 'fix-ci'; project: string }
    | { kind: Exclude<StepKind, 'set-variable' | 'link-environment' | 'fix-ci'> }
  );

export interface PlanWarning {
  code: string;
  clusterId: number | null;
  message: string;
}

export interface Plan {
  /** plan-file.ts: PLAN_KIND, PLAN_VERSION */
  kind: 'migrate-clusters/plan';
  version: 1;
  generatedAt: string;
  gitlab: {
    url: string;
    version: string | null;
    kasAddress: string | null;
    discovery: DiscoveryMode;
    instanceAuthorization: boolean;
  };
  summary: {
    clusters: number;
    toMigrate: number;
    skipped: number;
    done: number;
    agents: number;
    warnings: number;
  };
  /** the options the plan was made with, so `apply --refresh` can make it again (an extra key) */
  options: PlanSettings;
  clusters: PlannedCluster[];
  agents: PlannedAgent[];
  steps: PlanStep[];
  warnings: PlanWarning[];
  /**
   * The CI audit (an extra key): every project that could deploy through a cluster to migrate
   * and has a job with an environment (or a Kubernetes-active gate), or whose CI configuration
   * could not be read. Absent when the plan was made with --no-ci-audit.
   */
  ciAudit?: PlanCiAudit;
}

export interface PlanCiAudit {
  /** how many projects could deploy through the clusters to migrate, all read */
  projectsRead: number;
  projects: ProjectAudit[];
}

/** PlanOptions minus the clock: what `plan` was told. */
export interface PlanSettings {
  tier: 'free' | 'premium';
  userAccess: boolean;
  agentProjectName: string;
  agentProjects: Record<string, string>;
  contextFor: Record<string, string>;
}
