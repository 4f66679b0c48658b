// Mapping rule 8: agent names are RFC 1123 labels (GitLab's cluster_agent_name_regex), at most
// 63 characters, derived from a certificate cluster's name, unique within their project.
const MAX = 63;

export function toAgentName(clusterName: string): string {
  const slug = clusterName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return slug.slice(0, MAX).replace(/-+$/, '') || 'agent';
}

/** `name`, else `name-2`, `name-3`… (shortened so the suffix still fits in 63 characters). */
export function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n += 1) {
    const suffix = `-${n}`;
    const candidate = `${name.slice(0, MAX - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** GitLab's install command: `gitlab-agent-` and the first 50 characters of the agent name. */
export function agentNamespace(agentName: string): string {
  return `gitlab-agent-${agentName.slice(0, 50)}`.replace(/-+$/, '');
}

/**
 * Agent names are unique per project only, but agents of two top-level groups often share a
 * physical cluster (and a name, from one cluster name). Their agentk must not share a namespace:
 * the second install would take over the first's Secret and Deployment. Where the usual namespace
 * would repeat on one cluster, every agent concerned gets its root namespace in it too.
 */
export function assignNamespaces(
  agents: { apiUrl: string; name: string; rootNamespace: string; namespace: string }[],
): void {
  const count = new Map<string, number>();
  const key = (a: { apiUrl: string; name: string }) => `${a.apiUrl}|${agentNamespace(a.name)}`;
  for (const a of agents) count.set(key(a), (count.get(key(a)) ?? 0) + 1);
  for (const a of agents) {
    a.namespace =
      count.get(key(a))! > 1
        ? `gitlab-agent-${toAgentName(`${a.rootNamespace}-${a.name}`)}`
            .slice(0, MAX)
            .replace(/-+$/, '')
        : agentNamespace(a.name);
  }
}
