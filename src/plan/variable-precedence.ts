// Where an instance cluster's KUBE_* variables land on a top-level group that also had its own
// group cluster, two group variables of one key meet on one group. The old integration always
// preferred the group cluster to the instance cluster, whatever the scopes; CI/CD variables of one
// level instead prefer the most specific matching scope (an exact name over a glob over `*`:
// GitLab's `HasEnvironmentScope` ordering). This decides, per scope pair, whether the instance
// variable must go (it would win where the group cluster used to) or needs a person.
import type { CiVariable } from './types.js';

/** How GitLab matches an environment scope: `*` is a SQL LIKE wildcard, the rest literal. */
export function scopeMatches(scope: string, environment: string): boolean {
  const pattern = scope
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(environment);
}

export type Precedence = 'shadowed' | 'keep' | 'ambiguous';

/**
 * `group`: the scope of the group cluster's variable; `instance`: the scope of the instance
 * cluster's variable on the same group.
 */
export function instanceScopeVersusGroup(instance: string, group: string): Precedence {
  // `*` on the group: the group cluster served every environment, the instance one none of them.
  if (instance === group || group === '*') return 'shadowed';
  if (instance === '*') return 'keep'; // the group scope is more specific, and wins where it matches
  const instanceGlob = instance.includes('*');
  const groupGlob = group.includes('*');
  if (!instanceGlob) return groupGlob && scopeMatches(group, instance) ? 'shadowed' : 'keep';
  if (!groupGlob) return 'keep'; // an exact group scope outranks any glob
  // Two globs rank alike: GitLab's choice between them is not defined where both match.
  return globsMayOverlap(instance, group) ? 'ambiguous' : 'keep';
}

function globsMayOverlap(a: string, b: string): boolean {
  const prefix = (s: string) => s.slice(0, s.indexOf('*'));
  const [pa, pb] = [prefix(a), prefix(b)];
  return pa.startsWith(pb) || pb.startsWith(pa);
}

export interface InstanceVariableConflict {
  variable: CiVariable;
  /** the instance cluster the variable came from */
  clusterId: number;
  groupScope: string;
  outcome: Exclude<Precedence, 'keep'>;
}

/**
 * Instance-derived variables weighed against the group clusters' KUBE_CONTEXT variables on the same
 * group. Every key of a shadowed scope goes with it: KUBE_NAMESPACE of a cluster that was never
 * chosen must not leak into jobs either.
 */
export function weighInstanceVariables(
  variables: CiVariable[],
  fromInstance: Map<CiVariable, number>,
): InstanceVariableConflict[] {
  const groupContexts = variables.filter(
    (v) => v.level === 'group' && v.key === 'KUBE_CONTEXT' && !fromInstance.has(v),
  );
  const conflicts: InstanceVariableConflict[] = [];
  for (const [variable, clusterId] of fromInstance) {
    if (variable.level !== 'group') continue;
    const rivals = groupContexts.filter((g) => g.owner === variable.owner);
    let found: InstanceVariableConflict | null = null;
    for (const rival of rivals) {
      const outcome = instanceScopeVersusGroup(variable.environmentScope, rival.environmentScope);
      if (outcome === 'keep') continue;
      found = { variable, clusterId, groupScope: rival.environmentScope, outcome };
      if (outcome === 'shadowed') break;
    }
    if (found) conflicts.push(found);
  }
  return conflicts;
}
