// The key order of a plan file: that of src/plan/types.ts whatever order the objects were built
// in, so two plans of the same state are byte-identical and diff cleanly in review.
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

const variableKeys = ['level', 'owner', 'key', 'value', 'environmentScope'] as const;

function orderAgent(agent: PlannedAgent): PlannedAgent {
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
      steps: plan.steps.map(orderStep),
      warnings: plan.warnings.map(orderWarning),
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

/** The common keys, then the kind's own data (the variable to set, the project to link). */
function orderStep(step: PlanStep): PlanStep {
  const common = ['id', 'kind', 'agent', 'clusterId', 'description'] as const;
  if (step.kind === 'set-variable')
    return ordered({ ...step, variable: ordered(step.variable, variableKeys) }, [
      ...common,
      'variable',
    ]);
  if (step.kind === 'link-environment' || step.kind === 'fix-ci')
    return ordered(step, [...common, 'project']);
  return ordered(step, [...common]);
}
const orderWarning = (w: PlanWarning) => ordered(w, ['code', 'clusterId', 'message']);

/** The lists that grow with the instance, and how each element is ordered. */
export const LISTS = {
  clusters: orderCluster,
  agents: orderAgent,
  steps: orderStep,
  warnings: orderWarning,
} as const;
