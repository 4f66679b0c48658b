// Mapping rules 1-3 and 8 (docs/mapping-rules.md): which agents the inventory needs, where each lives, what it is called.
// Agents are keyed by (physical cluster, root namespace), because GitLab only honours
// ci_access entries inside the configuration project's top-level group (rule 2).
import { normaliseApiUrl } from '../discovery/api-url.js';
import type { Inventory, InventoryCluster } from '../discovery/types.js';
import { toAgentName, uniqueName } from './agent-name.js';
import { liveProject, type LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import type { PlanWarning } from './types.js';

/** One certificate cluster registration, seen from one agent (an instance cluster may feed several). */
export interface Registration {
  cluster: InventoryCluster;
  /** the root namespace this registration is authorised in for this agent */
  root: string;
}

export interface AgentDraft {
  key: string;
  physical: string;
  rootNamespace: string;
  registrations: Registration[];
  project: string;
  createProject: boolean;
  name: string;
}

const LEVEL_RANK = { group: 0, project: 1, instance: 2 } as const;
const byRank = (a: Registration, b: Registration) =>
  LEVEL_RANK[a.cluster.level] - LEVEL_RANK[b.cluster.level] || a.cluster.id - b.cluster.id;
const rootOf = (path: string) => path.split('/')[0]!;
const sameRoot = (path: string, root: string) => rootOf(path).toLowerCase() === root.toLowerCase();

/** The root namespaces a registration is authorised in: its own, or every top-level group for an instance cluster. */
function rootsFor(cluster: InventoryCluster, inventory: Inventory, options: PlanOptions): string[] {
  if (options.instanceAuthorization) return ['*'];
  if (cluster.level === 'instance') return inventory.topLevelGroups;
  return [cluster.rootNamespace!];
}

export function draftAgents(
  inventory: Inventory,
  clusters: InventoryCluster[],
  live: LiveState,
  options: PlanOptions,
  warnings: PlanWarning[],
): AgentDraft[] {
  const groups = new Map<string, Registration[]>();
  for (const cluster of clusters) {
    const physical = normaliseApiUrl(cluster.apiUrl);
    for (const root of rootsFor(cluster, inventory, options)) {
      const key = `${physical}|${root}`;
      groups.set(key, [...(groups.get(key) ?? []), { cluster, root }]);
    }
  }

  const taken = new Map<string, Set<string>>();
  const drafts: AgentDraft[] = [];
  for (const key of [...groups.keys()].sort()) {
    const registrations = groups.get(key)!.sort(byRank);
    const physical = key.slice(0, key.lastIndexOf('|'));
    const root = resolveRoot(registrations, inventory, warnings);
    const project = chooseProject(registrations, root, options, warnings);
    const names = taken.get(project.toLowerCase()) ?? new Set<string>();
    const name = uniqueName(toAgentName(registrations[0]!.cluster.name), names);
    names.add(name);
    taken.set(project.toLowerCase(), names);
    drafts.push({
      key,
      physical,
      rootNamespace: root,
      registrations,
      project,
      createProject:
        !(liveProject(live, project)?.exists ?? false) && project === sharedProject(root, options),
      name,
    });
  }
  return drafts;
}

/** With instance authorization the key carries no root: take the first registration's, else the first top-level group. */
function resolveRoot(
  registrations: Registration[],
  inventory: Inventory,
  warnings: PlanWarning[],
): string {
  const root = registrations[0]!.root;
  if (root !== '*') return root;
  const owned = registrations.find((r) => r.cluster.rootNamespace != null);
  if (owned) return owned.cluster.rootNamespace!;
  const first = inventory.topLevelGroups[0] ?? 'gitlab-agents';
  warnings.push({
    code: 'agent-project-guess',
    clusterId: registrations[0]!.cluster.id,
    message: `Instance cluster ${registrations[0]!.cluster.id} has no owning group: its agent goes into "${first}". Choose another with --agent-project ${first}=<project path>.`,
  });
  return first;
}

function sharedProject(root: string, options: PlanOptions): string {
  return options.agentProjects[root] ?? `${root}/${options.agentProjectName}`;
}

/** Rule 3, first match wins: explicit choice, management project, the single project, a shared project. */
function chooseProject(
  registrations: Registration[],
  root: string,
  options: PlanOptions,
  warnings: PlanWarning[],
): string {
  const explicit = options.agentProjects[root];
  if (explicit) return explicit;
  for (const { cluster } of [...registrations].sort((a, b) => a.cluster.id - b.cluster.id)) {
    const mp = cluster.managementProject;
    if (mp == null) continue;
    if (options.instanceAuthorization || sameRoot(mp, root)) return mp;
    warnings.push({
      code: 'management-project-other-root',
      clusterId: cluster.id,
      message: `Cluster ${cluster.id}'s management project ${mp} is outside ${root}: GitLab would ignore its ci_access entries, so the agent for ${root} lives elsewhere.`,
    });
  }
  const owners = new Set(
    registrations.map((r) => (r.cluster.level === 'project' ? r.cluster.owner : null)),
  );
  const [only] = owners;
  if (owners.size === 1 && only != null) return only;
  return sharedProject(root, options);
}
