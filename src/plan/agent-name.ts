// Mapping rule 8 (docs/mapping-rules.md): agent names are RFC 1123 labels (GitLab's cluster_agent_name_regex), at most
// 63 characters, derived from a certificate cluster's name, unique within their project.
import { normaliseApiUrl } from '../discovery/api-url.js';
import { fitName } from '../kube/fit-name.js';
import { agentNamespace } from '../kube/agentk-names.js';

const MAX = 63;

/** Lowercase letters, digits and single "-" between them; no length limit. */
const slug = (value: string) =>
  value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');

export function toAgentName(clusterName: string): string {
  return slug(clusterName).slice(0, MAX).replace(/-+$/, '') || 'agent';
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

/**
 * `gitlab-agent-<agent name>` (GitLab's install command), with a hash where the name is too long
 * to fit whole; the one rule, shared with the agentk manifests.
 */
export { agentNamespace };

/**
 * `gitlab-agent-<root namespace>-<agent name>`. Top-level group paths are often long and share
 * their start (`platform-engineering-europe-…-team-north`, `…-team-south`): cut to 63 characters
 * they would be one namespace again, so a name that does not fit keeps a hash of all of it.
 */
export function rootedNamespace(rootNamespace: string, agentName: string): string {
  return fitName(`gitlab-agent-${slug(`${rootNamespace}-${agentName}`)}`, MAX);
}

/**
 * Agent names are unique per project only, but agents of two top-level groups often share a
 * physical cluster (and a name, from one cluster name). Their agentk must not share a namespace:
 * the second install would take over the first's Secret and Deployment. Where the usual namespace
 * would repeat on one cluster, every agent concerned gets its root namespace in it too; and where
 * that in turn is another agent's usual namespace, that agent moves as well. Agents are only ever
 * moved to their rooted namespace, so this ends. Gives each agent's namespace, in order. What still repeats (two agents of one name whose
 * root namespaces differ only in case or punctuation) is reported by checkAgentkNames.
 */
export function namespacesFor(
  agents: readonly { apiUrl: string; name: string; rootNamespace: string }[],
): string[] {
  const rooted = new Set<(typeof agents)[number]>();
  const namespaceOf = (a: (typeof agents)[number]) =>
    rooted.has(a) ? rootedNamespace(a.rootNamespace, a.name) : agentNamespace(a.name);
  for (let moved = true; moved;) {
    const count = new Map<string, number>();
    const key = (a: (typeof agents)[number]) => `${normaliseApiUrl(a.apiUrl)}|${namespaceOf(a)}`;
    for (const a of agents) count.set(key(a), (count.get(key(a)) ?? 0) + 1);
    moved = false;
    for (const a of agents) {
      if (rooted.has(a) || count.get(key(a))! < 2) continue;
      rooted.add(a);
      moved = true;
    }
  }
  return agents.map(namespaceOf);
}
