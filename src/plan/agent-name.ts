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
