// Agents on one physical cluster must never share an agentk object: the second install would
// overwrite the first's token Secret (both then look connected, one of them with the wrong token)
// or fail on the Deployment's immutable selector. Naming (agent-name.ts, kube/manifests.ts) aims to
// make every name distinct; this check proves it for the plan as a whole — every agent it knows of
// on a cluster, whatever its status — and says so where a clash remains, instead of letting apply
// overwrite one agent with another.
import { normaliseApiUrl } from '../discovery/api-url.js';
import { agentkObjectNames } from '../kube/agentk-names.js';
import type { PlannedAgent, PlanWarning } from './types.js';

type NameRule =
  /** RFC 1123 label: namespaces, and the Deployment (below) */
  | 'dns-label'
  /** RFC 1123 subdomain, 253 characters: most namespaced objects */
  | 'dns-subdomain'
  /** RBAC objects: any path segment (no "/" or "%", not "." or ".."), no length limit */
  | 'path-segment'
  /** a label value: 63 characters of alphanumerics, "-", "_" and ".", alphanumeric at both ends */
  | 'label-value';

/** One object (or label) of an agentk installation, as the cluster tells it apart from others. */
export interface AgentkObjectId {
  kind: string;
  /** null for cluster-scoped objects */
  namespace: string | null;
  name: string;
  rule: NameRule;
}

/**
 * Every name the agentk install gives one agent (templates/agentk/*.yaml). The ClusterRoleBinding
 * is named after the role bound, which `apply --rbac` picks; its name starts with the namespace
 * and ":", which no namespace contains, so distinct namespaces keep it distinct whatever the role.
 */
export function agentkObjectIds(agent: { name: string; namespace: string }): AgentkObjectId[] {
  const names = agentkObjectNames(agent.name);
  const ns = agent.namespace;
  return [
    { kind: 'Namespace', namespace: null, name: ns, rule: 'dns-label' },
    { kind: 'ServiceAccount', namespace: ns, name: names.fullname, rule: 'dns-subdomain' },
    { kind: 'Secret', namespace: ns, name: names.secret, rule: 'dns-subdomain' },
    {
      kind: 'ClusterRoleBinding',
      namespace: null,
      name: `${ns}:${names.fullname}-cluster-admin`,
      rule: 'path-segment',
    },
    // A subdomain to the API server, but its ReplicaSets and pods are named after it and a pod's
    // hostname is cut at 63: the chart keeps it a label's length (`trunc 60` and `-v2`).
    { kind: 'Deployment', namespace: ns, name: names.deployment, rule: 'dns-label' },
    { kind: 'PodDisruptionBudget', namespace: ns, name: names.fullname, rule: 'dns-subdomain' },
    // The selector's `app.kubernetes.io/instance` and Helm's release (its history lives in the
    // namespace as sh.helm.release.v1.<release>.vN Secrets).
    { kind: 'Helm release', namespace: ns, name: names.release, rule: 'label-value' },
  ];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Why Kubernetes would refuse this name, or null. */
export function nameProblem(id: AgentkObjectId): string | null {
  const { name } = id;
  switch (id.rule) {
    case 'dns-label':
      return name.length <= 63 && DNS_LABEL.test(name)
        ? null
        : 'not an RFC 1123 label of at most 63 characters';
    case 'dns-subdomain':
      return name.length <= 253 && DNS_SUBDOMAIN.test(name)
        ? null
        : 'not an RFC 1123 subdomain of at most 253 characters';
    case 'path-segment':
      return name !== '' && name !== '.' && name !== '..' && !/[/%]/.test(name)
        ? null
        : 'not a valid path segment';
    case 'label-value':
      return name.length <= 63 && LABEL_VALUE.test(name)
        ? null
        : 'not a label value of at most 63 characters';
  }
}

const objectText = (id: AgentkObjectId) =>
  `${id.kind} ${id.namespace == null ? '' : `${id.namespace}/`}${id.name}`;

/** The lowest certificate cluster id among the agents', for the warning's clusterId. */
function firstCluster(agents: PlannedAgent[]): number | null {
  const ids = agents.flatMap((a) => a.clusterIds);
  return ids.length === 0 ? null : Math.min(...ids);
}

/** Sets of agents on one cluster that would share agentk objects, with those objects. */
export function agentkCollisions(
  agents: PlannedAgent[],
): { agents: PlannedAgent[]; objects: string[] }[] {
  return checkAgentk(agents).clashes.map((c) => ({
    agents: c.agents,
    objects: c.ids.map(objectText),
  }));
}

/**
 * `agentk-name-collision` for agents that would share an object on one physical cluster (same
 * normalised API URL), and `agentk-name-invalid` for a name Kubernetes would refuse. Plans where
 * every name is distinct and valid get no warning at all.
 */
export function checkAgentkNames(agents: PlannedAgent[]): PlanWarning[] {
  const { warnings, clashes } = checkAgentk(agents);
  for (const { agents: sharing, ids } of clashes) {
    const refs = sharing.map((a) => a.ref);
    const list = `${refs.slice(0, -1).join(', ')} and ${refs[refs.length - 1]!}`;
    warnings.push({
      code: 'agentk-name-collision',
      clusterId: firstCluster(sharing),
      message: `Agents ${list} would install agentk into the same objects on ${normaliseApiUrl(sharing[0]!.apiUrl)} (${ids.map(objectText).join(', ')}): installing one would take over what another installed there (its token Secret, its Deployment), and rolling one back would delete another's. Give all but one of them another name (rename it in the migrate wizard, or rename its certificate cluster in GitLab) and plan again; until then apply only one of them (apply --only ${refs[0]!}).`,
    });
  }
  return warnings;
}

function checkAgentk(agents: PlannedAgent[]): {
  warnings: PlanWarning[];
  clashes: { agents: PlannedAgent[]; ids: AgentkObjectId[] }[];
} {
  const warnings: PlanWarning[] = [];
  const owners = new Map<string, { id: AgentkObjectId; agents: PlannedAgent[] }>();
  for (const agent of agents) {
    const cluster = normaliseApiUrl(agent.apiUrl);
    for (const id of agentkObjectIds(agent)) {
      const problem = nameProblem(id);
      if (problem) {
        warnings.push({
          code: 'agentk-name-invalid',
          clusterId: firstCluster([agent]),
          message: `Agent ${agent.ref} would install ${objectText(id)} on ${cluster}, which Kubernetes refuses: ${problem}. Rename the agent (the migrate wizard can) and plan again.`,
        });
      }
      const key = JSON.stringify([cluster, id.kind, id.namespace, id.name]);
      const owner = owners.get(key) ?? { id, agents: [] };
      owner.agents.push(agent);
      owners.set(key, owner);
    }
  }
  // One warning per set of agents, naming every object they would share.
  const clashes = new Map<string, { agents: PlannedAgent[]; ids: AgentkObjectId[] }>();
  for (const owner of owners.values()) {
    if (owner.agents.length < 2) continue;
    const key = JSON.stringify([
      normaliseApiUrl(owner.agents[0]!.apiUrl),
      ...owner.agents.map((a) => a.ref),
    ]);
    const clash = clashes.get(key) ?? { agents: owner.agents, ids: [] };
    clash.ids.push(owner.id);
    clashes.set(key, clash);
  }
  return { warnings, clashes: [...clashes.values()] };
}
