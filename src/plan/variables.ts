// Mapping rule 5 (docs/mapping-rules.md): jobs used to get the certificate cluster's `gitlab-deploy` context on their own;
// agent contexts must be chosen. KUBE_CONTEXT variables at the old cluster's level and
// environment scope reproduce the old precedence (project over closest group over instance,
// then environment scope), because CI/CD variables resolve in that same order.
import type { Registration } from './agents.js';
import type { CiVariable } from './types.js';

export function variablesFor(
  registration: Registration,
  agentRef: string,
  instanceAuthorization: boolean,
  topLevelGroups: string[],
): CiVariable[] {
  const { cluster, root } = registration;
  // Without instance authorization an instance cluster becomes one agent per top-level group,
  // so its context can only be chosen per group: a variable on that group, not on the instance.
  // With it, an instance variable fits only an instance cluster for `*`: instance variables have
  // no environment scope in GitLab (the key is unique), so a scoped one goes on every top-level group.
  const owners: [CiVariable['level'], string | null][] =
    cluster.level !== 'instance'
      ? [[cluster.level, cluster.owner]]
      : !instanceAuthorization
        ? [['group', root]]
        : cluster.environmentScope === '*'
          ? [['instance', null]]
          : topLevelGroups.map((g) => ['group', g]);
  return owners.flatMap(([level, owner]) => {
    const at = { level, owner, environmentScope: cluster.environmentScope };
    const variables: CiVariable[] = [{ ...at, key: 'KUBE_CONTEXT', value: agentRef }];
    if (cluster.domain)
      variables.push({ ...at, key: 'KUBE_INGRESS_BASE_DOMAIN', value: cluster.domain });
    // A managed cluster's namespace is only a prefix (GitLab appends the environment); a fixed one is the namespace.
    if (cluster.namespace && !cluster.managed)
      variables.push({ ...at, key: 'KUBE_NAMESPACE', value: cluster.namespace });
    return variables;
  });
}

export const variableId = (v: CiVariable) =>
  `${v.level}:${v.owner ?? ''}:${v.key}:${v.environmentScope}`;

export function compareVariables(a: CiVariable, b: CiVariable): number {
  return variableId(a).localeCompare(variableId(b));
}
