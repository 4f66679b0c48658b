// The plan as JSON, with keys in the order of src/plan/types.ts whatever order the objects were
// built in, so two plans of the same state are byte-identical and diff cleanly in review.
import type {
  AccessEntry,
  AgentConfig,
  CiVariable,
  Plan,
  PlanStep,
  PlanWarning,
  PlannedAgent,
  PlannedCluster,
} from '../plan/types.js';

/**
 * The listed keys first, in order, then any others the schema allows as they came. Undefined
 * values are left out, as JSON.stringify would.
 */
function ordered<T extends object>(value: T, keys: readonly (keyof T & string)[]): T {
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  for (const [key, item] of Object.entries(source)) {
    if (!(key in out) && item !== undefined) out[key] = item;
  }
  return out as T;
}

const ACCESS_ENTRY_KEYS = [
  'id',
  'default_namespace',
  'access_as',
  'environments',
  'protected_branches_only',
  'resource_management',
] as const satisfies readonly (keyof AccessEntry)[];

function orderConfig(config: AgentConfig): AgentConfig {
  const ci = config.ci_access;
  const user = config.user_access;
  return ordered(
    {
      ...config,
      ci_access: ci
        ? ordered(
            {
              ...ci,
              projects: ci.projects?.map((e) => ordered(e, ACCESS_ENTRY_KEYS)),
              groups: ci.groups?.map((e) => ordered(e, ACCESS_ENTRY_KEYS)),
            },
            ['projects', 'groups', 'instance'],
          )
        : undefined,
      user_access: user ? ordered(user, ['access_as', 'projects', 'groups']) : undefined,
    },
    ['ci_access', 'user_access'],
  );
}

function orderCluster(cluster: PlannedCluster): PlannedCluster {
  return ordered(cluster, [
    'id',
    'name',
    'level',
    'owner',
    'environmentScope',
    'enabled',
    'managed',
    'namespacePerEnvironment',
    'apiUrl',
    'namespace',
    'domain',
    'managementProject',
    'action',
    'reason',
    'agents',
  ]);
}

function orderAgent(agent: PlannedAgent): PlannedAgent {
  const variableKeys = ['level', 'owner', 'key', 'value', 'environmentScope'] as const;
  return ordered(
    {
      ...agent,
      config: orderConfig(agent.config),
      ciVariables: agent.ciVariables.map((v: CiVariable) => ordered(v, variableKeys)),
    },
    [
      'ref',
      'name',
      'project',
      'createProject',
      'rootNamespace',
      'apiUrl',
      'clusterIds',
      'kubeContext',
      'namespace',
      'configPath',
      'config',
      'environmentTemplate',
      'ciVariables',
      'status',
    ],
  );
}

export function orderPlan(plan: Plan): Plan {
  return ordered(
    {
      ...plan,
      gitlab: ordered(plan.gitlab, [
        'url',
        'version',
        'kasAddress',
        'discovery',
        'instanceAuthorization',
      ]),
      summary: ordered(plan.summary, [
        'clusters',
        'toMigrate',
        'skipped',
        'done',
        'agents',
        'warnings',
      ]),
      options: ordered(plan.options, [
        'tier',
        'userAccess',
        'agentProjectName',
        'agentProjects',
        'contextFor',
      ]),
      clusters: plan.clusters.map(orderCluster),
      agents: plan.agents.map(orderAgent),
      steps: plan.steps.map((s: PlanStep) =>
        ordered(s, ['id', 'kind', 'agent', 'clusterId', 'description']),
      ),
      warnings: plan.warnings.map((w: PlanWarning) => ordered(w, ['code', 'clusterId', 'message'])),
    },
    [
      'kind',
      'version',
      'generatedAt',
      'gitlab',
      'summary',
      'options',
      'clusters',
      'agents',
      'steps',
      'warnings',
    ],
  );
}

export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(orderPlan(plan), null, 2)}\n`;
}
