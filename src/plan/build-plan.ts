// The planner: a pure, deterministic function from the inventory, live state and options to a
// plan. No I/O; the clock is injected. Same input, byte-identical plan.
import type { Inventory, InventoryCluster } from '../discovery/types.js';
import { agentNamespace, assignNamespaces, uniqueName } from './agent-name.js';
import { draftAgents, type AgentDraft, type Registration } from './agents.js';
import { buildConfig, chunkGrants, type Grant } from './access.js';
import { renderEnvironmentTemplate } from './environment-template.js';
import { environmentTemplatePath } from '../agent-config/render.js';
import { missingGrants, readAuthorizations } from '../continuity/authorizations.js';
import { liveProject, variableOwnerKey, type LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import { stepsFor } from './steps.js';
import {
  PLAN_KIND,
  PLAN_VERSION,
  type CiVariable,
  type ClusterAction,
  type Plan,
  type PlannedAgent,
  type PlanWarning,
} from './types.js';
import { compareVariables, variableId, variablesFor } from './variables.js';
import { scopeMatches, weighInstanceVariables } from './variable-precedence.js';
import { checkClusters, checkVersionSupport } from './warnings.js';
import { checkVariableLeaks } from './variable-leaks.js';
import { checkAgentkNames } from './cluster-names.js';

interface Decision {
  action: ClusterAction;
  reason: string | null;
}

const configPathOf = (name: string) => `.gitlab/agents/${name}/config.yaml`;

function grantFor({ cluster, root }: Registration, instanceAuthorization: boolean): Grant {
  if (cluster.level === 'project') return { list: 'projects', id: cluster.owner!, cluster };
  if (cluster.level === 'group') return { list: 'groups', id: cluster.owner!, cluster };
  return instanceAuthorization
    ? { list: 'instance', id: '', cluster }
    : { list: 'groups', id: root, cluster };
}

function liveOf(draft: { project: string; name: string }, live: LiveState) {
  const project = liveProject(live, draft.project);
  return {
    projectExists: project?.exists ?? false,
    registered: project?.agents.includes(draft.name) ?? false,
    configPresent: project?.files[configPathOf(draft.name)] != null,
    connected: project?.connectedAgents?.includes(draft.name) ?? false,
  };
}

/**
 * The live config.yaml grants `config` as GitLab reads it (a file that exists but lacks the
 * entries authorises nobody), and the environment template is there when one is planned.
 */
function configGrants(
  draft: { project: string; name: string },
  config: PlannedAgent['config'],
  live: LiveState,
  options: PlanOptions,
  templatePlanned = false,
): boolean {
  const files = liveProject(live, draft.project)?.files ?? {};
  const path = configPathOf(draft.name);
  const context = {
    agentProject: draft.project,
    instanceAuthorization: options.instanceAuthorization,
  };
  const granted = missingGrants(config, readAuthorizations(files[path] ?? null, context), context);
  return granted.length === 0 && (!templatePlanned || files[environmentTemplatePath(path)] != null);
}

/** The planned variables GitLab already has, with the planned value. */
function variablesInPlace(agent: PlannedAgent, live: LiveState): Set<string> {
  return new Set(
    agent.ciVariables
      .filter((v) =>
        live.variables?.[variableOwnerKey(v.level, v.owner)]?.some(
          (x) =>
            x.key === v.key && x.environmentScope === v.environmentScope && x.value === v.value,
        ),
      )
      .map(variableId),
  );
}

/** Linkable projects whose environments in the agent's clusters' scopes all use the agent. */
function environmentsLinked(
  agent: PlannedAgent,
  projects: string[],
  scopes: Map<string, string[]>,
  live: LiveState,
): Set<string> {
  return new Set(
    projects.filter((project) => {
      const environments = liveProject(live, project)?.environments;
      if (!environments) return false;
      const served = scopes.get(project) ?? [];
      return environments
        .filter((e) => served.some((scope) => scopeMatches(scope, e.name)))
        .every((e) => e.agent === agent.name);
    }),
  );
}

/** Rule 9: skipped with a reason, or already cut over (agent registered, config granting it, cluster off). */
function decide(
  cluster: InventoryCluster,
  drafts: AgentDraft[],
  live: LiveState,
  options: PlanOptions,
): Decision {
  if (!cluster.apiUrl)
    return {
      action: 'skip',
      // discovery kept an unusable api_url out (and warned): say why rather than "none"
      reason: cluster.apiUrlProblem ?? 'no Kubernetes API URL is registered for it',
    };
  const mine = drafts.filter((d) => d.registrations.some((r) => r.cluster.id === cluster.id));
  const grants = (d: AgentDraft) =>
    configGrants(
      d,
      buildConfig(
        d.registrations
          .filter((r) => r.cluster.id === cluster.id)
          .map((r) => grantFor(r, options.instanceAuthorization)),
        { premium: options.tier === 'premium', userAccess: false },
      ),
      live,
      options,
    );
  const cutOver = mine.length > 0 && mine.every((d) => liveOf(d, live).registered && grants(d));
  if (!cluster.enabled && cutOver) {
    return {
      action: 'done',
      reason: `cut over to ${mine.map((d) => `${d.project}:${d.name}`).join(', ')}; certificate cluster turned off`,
    };
  }
  if (!cluster.enabled)
    return { action: 'skip', reason: 'turned off in GitLab: no job deploys through it' };
  return { action: 'migrate', reason: null };
}

export function buildPlan(inventory: Inventory, live: LiveState, options: PlanOptions): Plan {
  const warnings: PlanWarning[] = inventory.warnings.map((w) => ({ ...w }));
  const clusters = [...inventory.clusters].sort((a, b) => a.id - b.id);
  const withUrl = clusters.filter((c) => c.apiUrl);
  const drafts = draftAgents(inventory, withUrl, live, options, warnings);
  const decisions = new Map(clusters.map((c) => [c.id, decide(c, drafts, live, options)]));
  warnings.push(
    ...checkClusters(clusters, decisions, options),
    ...checkVersionSupport(inventory, options),
  );

  const taken = new Map<string, Set<string>>();
  for (const d of drafts)
    taken.set(
      d.project.toLowerCase(),
      (taken.get(d.project.toLowerCase()) ?? new Set()).add(d.name),
    );

  // A top-level group's own cluster for `*` always won over an instance cluster in the old
  // integration: no job below it ever used the instance cluster, so no agent reproduces that.
  const catchAllRoots = new Set(
    clusters
      .filter(
        (c) =>
          c.level === 'group' &&
          c.owner === c.rootNamespace &&
          c.environmentScope === '*' &&
          decisions.get(c.id)!.action !== 'skip',
      )
      .map((c) => c.owner!.toLowerCase()),
  );
  const shadowed = (r: Registration) =>
    r.cluster.level === 'instance' &&
    !options.instanceAuthorization &&
    catchAllRoots.has(r.root.toLowerCase());
  for (const c of clusters.filter((c) => c.level === 'instance' && c.apiUrl)) {
    const registrations = drafts
      .flatMap((d) => d.registrations)
      .filter((r) => r.cluster.id === c.id);
    const roots = registrations.filter(shadowed).map((r) => r.root);
    if (roots.length === 0 || decisions.get(c.id)!.action !== 'migrate') continue;
    if (roots.length === registrations.length) {
      decisions.set(c.id, {
        action: 'skip',
        reason:
          'every top-level group has its own cluster for every environment, which took precedence: no job used it',
      });
    } else {
      warnings.push({
        code: 'instance-cluster-shadowed',
        clusterId: c.id,
        message: `Instance cluster ${c.id} (${c.name}) was never used under ${roots.join(', ')}: each has its own cluster for every environment, which took precedence. No agent is planned there.`,
      });
    }
  }

  const agents: PlannedAgent[] = [];
  const progressByRef = new Map<string, Parameters<typeof stepsFor>[1]>();
  const scopesByRef = new Map<string, Map<string, string[]>>();
  const refsByCluster = new Map<number, Set<string>>();
  const fromInstance = new Map<CiVariable, number>();
  const sourceOf = new Map<CiVariable, number>();
  for (const draft of drafts) {
    const active = draft.registrations.filter(
      (r) => decisions.get(r.cluster.id)!.action !== 'skip' && !shadowed(r),
    );
    if (active.length === 0) continue;
    const chunks = chunkGrants(active.map((r) => grantFor(r, options.instanceAuthorization)));
    if (chunks.length > 1) {
      warnings.push({
        code: 'access-list-split',
        clusterId: active[0]!.cluster.id,
        message: `Agent ${draft.project}:${draft.name} would authorise more than 500 projects or groups, which GitLab silently truncates: it is split into ${chunks.length} agents.`,
      });
    }
    chunks.forEach((grants, index) => {
      const names = taken.get(draft.project.toLowerCase())!;
      const name = index === 0 ? draft.name : uniqueName(draft.name, names);
      names.add(name);
      const ref = `${draft.project}:${name}`;
      const regs = active.filter((r) => grants.some((g) => g.cluster.id === r.cluster.id));
      const ids = [...new Set(regs.map((r) => r.cluster.id))].sort((a, b) => a - b);
      const state = liveOf({ project: draft.project, name }, live);
      const allDone = ids.every((id) => decisions.get(id)!.action === 'done');
      const managed = regs.find((r) => r.cluster.managed);
      const agent: PlannedAgent = {
        ref,
        name,
        project: draft.project,
        createProject: draft.createProject,
        rootNamespace: draft.rootNamespace,
        apiUrl: draft.physical,
        clusterIds: ids,
        kubeContext: ids.map((id) => options.contextFor[id]).find((c) => c != null) ?? null,
        namespace: agentNamespace(name),
        configPath: configPathOf(name),
        config: buildConfig(grants, {
          premium: options.tier === 'premium',
          userAccess: options.userAccess,
        }),
        environmentTemplate:
          managed && options.tier === 'premium'
            ? renderEnvironmentTemplate(
                managed.cluster.namespacePerEnvironment ?? true,
                managed.cluster.level === 'project' ? managed.cluster.namespace : null,
              )
            : null,
        ciVariables: dedupeVariables(
          regs.flatMap((r) => {
            const variables = variablesFor(
              r,
              ref,
              options.instanceAuthorization,
              inventory.topLevelGroups,
            );
            if (r.cluster.level === 'instance')
              variables.forEach((v) => fromInstance.set(v, r.cluster.id));
            variables.forEach((v) => sourceOf.set(v, r.cluster.id));
            return variables;
          }),
        ),
        status: allDone ? 'done' : state.registered || state.configPresent ? 'partial' : 'new',
      };
      agents.push(agent);
      for (const id of ids) refsByCluster.set(id, (refsByCluster.get(id) ?? new Set()).add(ref));
      scopesByRef.set(
        ref,
        new Map(
          [
            ...new Set(
              regs.filter((r) => r.cluster.level === 'project').map((r) => r.cluster.owner!),
            ),
          ].map((owner) => [
            owner,
            regs
              .filter((r) => r.cluster.level === 'project' && r.cluster.owner === owner)
              .map((r) => r.cluster.environmentScope),
          ]),
        ),
      );
      progressByRef.set(ref, {
        ...state,
        configCommitted: configGrants(
          { project: draft.project, name },
          agent.config,
          live,
          options,
          agent.environmentTemplate != null,
        ),
        pendingClusterIds: ids.filter((id) => decisions.get(id)!.action === 'migrate'),
        linkableProjects: [
          ...new Set(
            regs
              .filter((r) => r.cluster.level === 'project' && r.cluster.owner === draft.project)
              .map(() => draft.project),
          ),
        ],
      });
    });
  }
  warnings.push(...resolveVariableConflicts(agents, fromInstance));
  warnings.push(
    ...checkVariableLeaks(
      clusters.filter((c) => decisions.get(c.id)!.action === 'migrate'),
      agents.flatMap((a) =>
        a.ciVariables.map((variable) => ({ variable, clusterId: sourceOf.get(variable)! })),
      ),
    ),
  );
  assignNamespaces(agents);
  agents.sort((a, b) => a.ref.localeCompare(b.ref));
  // Once every agent has its names, over all of them (done ones too: their agentk is installed):
  // a clash must show in the plan, before apply lets one agent overwrite another.
  warnings.push(...checkAgentkNames(agents));

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
      const progress = progressByRef.get(a.ref)!;
      return stepsFor(a, {
        ...progress,
        presentVariables: variablesInPlace(a, live),
        linkedProjects: environmentsLinked(
          a,
          progress.linkableProjects,
          scopesByRef.get(a.ref)!,
          live,
        ),
      });
    }),
    warnings,
  };
}

function dedupeVariables(variables: PlannedAgent['ciVariables']): PlannedAgent['ciVariables'] {
  const byId = new Map(variables.map((v) => [variableId(v), v]));
  return [...byId.values()].sort(compareVariables);
}

/**
 * An instance cluster's variables land on each top-level group (see variables.ts). Where that
 * group had its own cluster, the group cluster always won in the old integration: instance
 * variables it shadows go (every key of that scope), and scope pairs GitLab may order either way
 * are reported. Duplicates of one variable keep the non-instance one.
 */
function resolveVariableConflicts(
  agents: PlannedAgent[],
  fromInstance: Map<CiVariable, number>,
): PlanWarning[] {
  const all = agents.flatMap((a) => a.ciVariables);
  const conflicts = weighInstanceVariables(all, fromInstance);
  const shadowed = new Set(
    conflicts
      .filter((c) => c.outcome === 'shadowed')
      .map(
        (c) => `${fromInstance.get(c.variable)}:${c.variable.owner}:${c.variable.environmentScope}`,
      ),
  );
  const winners = new Map<string, CiVariable>();
  for (const v of all) {
    const id = variableId(v);
    const current = winners.get(id);
    if (current == null || (fromInstance.has(current) && !fromInstance.has(v))) winners.set(id, v);
  }
  for (const agent of agents) {
    agent.ciVariables = agent.ciVariables.filter(
      (v) =>
        winners.get(variableId(v)) === v &&
        !shadowed.has(`${fromInstance.get(v)}:${v.owner}:${v.environmentScope}`),
    );
  }
  return conflicts
    .filter((c) => c.outcome === 'ambiguous')
    .map((c) => ({
      code: 'instance-variable-precedence',
      clusterId: c.clusterId,
      message: `Group ${c.variable.owner} gets KUBE_CONTEXT for "${c.variable.environmentScope}" from instance cluster ${c.clusterId} and for "${c.groupScope}" from its own cluster. Where an environment matches both, the old integration used the group cluster but GitLab may pick either variable: check the scopes.`,
    }));
}
