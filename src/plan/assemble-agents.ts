// The agents of a plan, from the drafts and the cluster decisions: each draft split where GitLab
// would truncate its access list, its config, environment template and KUBE_* variables, with
// instance variables a group cluster shadows taken out, and agentk namespaces that do not repeat on
// one cluster. Returns what the steps need about each agent's progress, and warns as it goes.
import type { Inventory } from '../discovery/types.js';
import { buildConfig, chunkGrants } from './access.js';
import { configGrants, configPathOf, grantFor, liveOf } from './agent-live.js';
import { agentNamespace, namespacesFor, uniqueName } from './agent-name.js';
import type { AgentDraft } from './agents.js';
import type { ClusterDecisions } from './cluster-decisions.js';
import { renderEnvironmentTemplate } from './environment-template.js';
import type { LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import type { AgentProgress } from './steps.js';
import type { SourcedVariable } from './variable-leaks.js';
import { weighInstanceVariables } from './variable-precedence.js';
import { compareVariables, variableId, variablesFor } from './variables.js';
import type { CiVariable, PlannedAgent, PlanWarning } from './types.js';

export interface AssembledAgents {
  /** sorted by ref */
  agents: PlannedAgent[];
  /** what live state says of each agent's steps, by ref (presentVariables and linkedProjects aside) */
  progress: Map<string, AgentProgress>;
  /** by ref: the agent's project-level clusters' environment scopes, by project */
  scopes: Map<string, Map<string, string[]>>;
  /** certificate cluster id -> refs of the agents that reproduce it */
  refsByCluster: Map<number, Set<string>>;
  /** every variable the plan sets, with the cluster it reproduces */
  variables: SourcedVariable[];
  /** access-list-split, then instance-variable-precedence */
  warnings: PlanWarning[];
}

interface Sourced {
  variable: CiVariable;
  clusterId: number;
  fromInstance: boolean;
}

export function assembleAgents(
  inventory: Inventory,
  drafts: AgentDraft[],
  { decisions, shadowed }: Pick<ClusterDecisions, 'decisions' | 'shadowed'>,
  live: LiveState,
  options: PlanOptions,
): AssembledAgents {
  const warnings: PlanWarning[] = [];
  const taken = new Map<string, Set<string>>();
  for (const d of drafts)
    taken.set(
      d.project.toLowerCase(),
      (taken.get(d.project.toLowerCase()) ?? new Set()).add(d.name),
    );

  const built: { agent: PlannedAgent; sourced: Sourced[]; raw: Sourced[] }[] = [];
  const progress = new Map<string, AgentProgress>();
  const scopes = new Map<string, Map<string, string[]>>();
  const refsByCluster = new Map<number, Set<string>>();
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
      const sourced = regs.flatMap((r) =>
        variablesFor(r, ref, options.instanceAuthorization, inventory.topLevelGroups).map(
          (variable) => ({
            variable,
            clusterId: r.cluster.id,
            fromInstance: r.cluster.level === 'instance',
          }),
        ),
      );
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
        ciVariables: dedupe(sourced).map((s) => s.variable),
        status: allDone ? 'done' : state.registered || state.configPresent ? 'partial' : 'new',
      };
      built.push({ agent, sourced: dedupe(sourced), raw: sourced });
      for (const id of ids) refsByCluster.set(id, (refsByCluster.get(id) ?? new Set()).add(ref));
      const projectRegs = regs.filter((r) => r.cluster.level === 'project');
      scopes.set(
        ref,
        new Map(
          [...new Set(projectRegs.map((r) => r.cluster.owner!))].map((owner) => [
            owner,
            projectRegs
              .filter((r) => r.cluster.owner === owner)
              .map((r) => r.cluster.environmentScope),
          ]),
        ),
      );
      progress.set(ref, {
        ...state,
        configCommitted: configGrants(
          { project: draft.project, name },
          agent.config,
          live,
          options,
          agent.environmentTemplate != null,
        ),
        pendingClusterIds: ids.filter((id) => decisions.get(id)!.action === 'migrate'),
        linkableProjects: projectRegs.some((r) => r.cluster.owner === draft.project)
          ? [draft.project]
          : [],
      });
    });
  }

  const { keep, warnings: precedence } = resolveVariableConflicts(
    built.flatMap((b) => b.sourced),
    built.flatMap((b) => b.raw),
  );
  const kept = built.map(({ agent, sourced }) => {
    const mine = sourced.filter((s) => keep.has(s));
    return { agent: { ...agent, ciVariables: mine.map((s) => s.variable) }, sourced: mine };
  });
  const names = namespacesFor(kept.map((k) => k.agent));
  const agents = kept.map((k, i) => ({ ...k.agent, namespace: names[i]! }));
  return {
    agents: [...agents].sort((a, b) => a.ref.localeCompare(b.ref)),
    progress,
    scopes,
    refsByCluster,
    variables: kept.flatMap((k) =>
      k.sourced.map(({ variable, clusterId }) => ({ variable, clusterId })),
    ),
    warnings: [...warnings, ...precedence],
  };
}

/** One of each variable id, sorted; the last of a repeated id wins, as a Map built in order keeps it. */
function dedupe(sourced: Sourced[]): Sourced[] {
  const byId = new Map(sourced.map((s) => [variableId(s.variable), s]));
  return [...byId.values()].sort((a, b) => compareVariables(a.variable, b.variable));
}

/**
 * An instance cluster's variables land on each top-level group (see variables.ts). Where that
 * group had its own cluster, the group cluster always won in the old integration: instance
 * variables it shadows go (every key of that scope), and scope pairs GitLab may order either way
 * are reported. Duplicates of one variable keep the non-instance one.
 */
/** `raw`: every variable made, before duplicates went, in the order they were made. */
function resolveVariableConflicts(
  all: Sourced[],
  raw: Sourced[],
): { keep: Set<Sourced>; warnings: PlanWarning[] } {
  const fromInstance = new Map(
    raw.filter((s) => s.fromInstance).map((s) => [s.variable, s.clusterId]),
  );
  const conflicts = weighInstanceVariables(
    all.map((s) => s.variable),
    fromInstance,
  );
  const shadowKey = (s: Sourced) =>
    `${s.fromInstance ? s.clusterId : undefined}:${s.variable.owner}:${s.variable.environmentScope}`;
  const shadowed = new Set(
    conflicts
      .filter((c) => c.outcome === 'shadowed')
      .map(
        (c) => `${fromInstance.get(c.variable)}:${c.variable.owner}:${c.variable.environmentScope}`,
      ),
  );
  const winners = new Map<string, Sourced>();
  for (const s of all) {
    const id = variableId(s.variable);
    const current = winners.get(id);
    if (current == null || (current.fromInstance && !s.fromInstance)) winners.set(id, s);
  }
  const keep = new Set(
    all.filter((s) => winners.get(variableId(s.variable)) === s && !shadowed.has(shadowKey(s))),
  );
  return {
    keep,
    warnings: conflicts
      .filter((c) => c.outcome === 'ambiguous')
      .map((c) => ({
        code: 'instance-variable-precedence',
        clusterId: c.clusterId,
        message: `Group ${c.variable.owner} gets KUBE_CONTEXT for "${c.variable.environmentScope}" from instance cluster ${c.clusterId} and for "${c.groupScope}" from its own cluster. Where an environment matches both, the old integration used the group cluster but GitLab may pick either variable: check the scopes.`,
      })),
  };
}
