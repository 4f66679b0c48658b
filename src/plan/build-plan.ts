// The planner: a pure, deterministic function from the inventory, live state and options to a
// plan. No I/O; the clock is injected. Same input, byte-identical plan. Three parts: what to do
// with each certificate cluster (cluster-decisions.ts), the agents that reproduce them
// (assemble-agents.ts), and here the envelope: steps, summary and every warning, computed once.
import { PLAN_KIND, PLAN_VERSION } from './plan-file.js';
import type { Inventory } from '../discovery/types.js';
import { environmentsLinked, variablesInPlace } from './agent-live.js';
import { draftAgents } from './agents.js';
import { assembleAgents, type AssembledAgents } from './assemble-agents.js';
import { checkAgentkNames } from './cluster-names.js';
import { decideClusters } from './cluster-decisions.js';
import type { LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import { stepsFor } from './steps.js';
import { type ClusterAction, type Plan, type PlanWarning } from './types.js';
import { checkVariableLeaks } from './variable-leaks.js';
import { checkClusters, checkVersionSupport } from './warnings.js';

/**
 * The agents alone, without the warnings: what a first look needs to know which projects and
 * files to read from GitLab (agent names and projects do not depend on live state).
 */
export function planAgents(
  inventory: Inventory,
  live: LiveState,
  options: PlanOptions,
): AssembledAgents {
  const clusters = [...inventory.clusters].sort((a, b) => a.id - b.id);
  const drafts = draftAgents(
    inventory,
    clusters.filter((c) => c.apiUrl),
    live,
    options,
    [],
  );
  return assembleAgents(
    inventory,
    drafts,
    decideClusters(clusters, drafts, live, options),
    live,
    options,
  );
}

export function buildPlan(inventory: Inventory, live: LiveState, options: PlanOptions): Plan {
  const clusters = [...inventory.clusters].sort((a, b) => a.id - b.id);
  const drafting: PlanWarning[] = [];
  const drafts = draftAgents(
    inventory,
    clusters.filter((c) => c.apiUrl),
    live,
    options,
    drafting,
  );
  const decided = decideClusters(clusters, drafts, live, options);
  const { decisions } = decided;
  const assembled = assembleAgents(inventory, drafts, decided, live, options);
  const { agents, progress, scopes, refsByCluster } = assembled;
  const warnings: PlanWarning[] = [
    ...inventory.warnings.map((w) => ({ ...w })),
    ...drafting,
    ...checkClusters(clusters, decided.initial, options),
    ...checkVersionSupport(inventory, options),
    ...decided.warnings,
    ...assembled.warnings,
    ...checkVariableLeaks(
      clusters.filter((c) => decisions.get(c.id)!.action === 'migrate'),
      assembled.variables,
    ),
    // Over every agent with its names (done ones too: their agentk is installed): a clash must
    // show in the plan, before apply lets one agent overwrite another.
    ...checkAgentkNames(agents),
  ];

  const plannedClusters = clusters.map((c) => ({
    id: c.id,
    name: c.name,
    level: c.level,
    owner: c.owner,
    environmentScope: c.environmentScope,
    enabled: c.enabled,
    managed: c.managed,
    namespacePerEnvironment: c.namespacePerEnvironment,
    apiUrl: c.apiUrl,
    namespace: c.namespace,
    domain: c.domain,
    managementProject: c.managementProject,
    ...decisions.get(c.id)!,
    agents: [...(refsByCluster.get(c.id) ?? [])].sort(),
  }));
  const count = (action: ClusterAction) =>
    plannedClusters.filter((c) => c.action === action).length;
  return {
    kind: PLAN_KIND,
    version: PLAN_VERSION,
    generatedAt: options.now().toISOString(),
    gitlab: {
      url: inventory.gitlab.url,
      version: inventory.gitlab.version,
      kasAddress: inventory.gitlab.kasAddress,
      discovery: inventory.gitlab.discovery,
      instanceAuthorization: options.instanceAuthorization,
    },
    summary: {
      clusters: plannedClusters.length,
      toMigrate: count('migrate'),
      skipped: count('skip'),
      done: count('done'),
      agents: agents.length,
      warnings: warnings.length,
    },
    options: {
      tier: options.tier,
      userAccess: options.userAccess,
      agentProjectName: options.agentProjectName,
      agentProjects: { ...options.agentProjects },
      contextFor: Object.fromEntries(
        Object.entries(options.contextFor).map(([id, context]) => [String(id), context]),
      ),
    },
    clusters: plannedClusters,
    agents,
    steps: agents.flatMap((a) => {
      const agentProgress = progress.get(a.ref)!;
      return stepsFor(a, {
        ...agentProgress,
        presentVariables: variablesInPlace(a, live),
        linkedProjects: environmentsLinked(
          a,
          agentProgress.linkableProjects,
          scopes.get(a.ref)!,
          live,
        ),
      });
    }),
    warnings,
  };
}
