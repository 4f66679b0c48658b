// Which value of a CI/CD variable a job gets, as GitLab resolves it (lib/gitlab/ci/variables/
// builder.rb): instance variables, then group variables from the top-level group down to the
// closest one (Group#ci_variables_for groups them by group, root first), then project
// variables; a later one of the same key wins. Within one owner the most relevant environment
// scope wins (has_environment_scope.rb orders matches `*` < glob < exact). Pure.
import { ancestorGroups } from './authorizations.js';
import { scopeRelevance } from './old-cluster.js';

export interface ScopedValue {
  key: string;
  environmentScope: string;
  /** null when GitLab hides it (masked and hidden) */
  value: string | null;
}

/** Variables by owner: `project:<path>`, `group:<path>`, `instance:` (lower-case paths). */
export type VariablesByOwner = ReadonlyMap<string, readonly ScopedValue[]>;

export const ownerKey = (level: 'project' | 'group' | 'instance', path: string | null) =>
  `${level}:${(path ?? '').toLowerCase()}`;

export interface WinningValue {
  value: string | null;
  /** where it comes from, e.g. "group payments (scope production)" */
  from: string;
}

function best(list: readonly ScopedValue[] | undefined, key: string, environment: string) {
  return (list ?? [])
    .filter((v) => v.key === key)
    .map((v) => ({ v, relevance: scopeRelevance(v.environmentScope, environment) }))
    .filter((s) => s.relevance >= 0)
    .sort((a, b) => b.relevance - a.relevance)[0]?.v;
}

/**
 * The value of `key` a job of `project` in `environment` gets, and where it comes from; null
 * when no owner in reach sets it. Owners not in `variables` count as having none.
 */
export function winningVariable(
  variables: VariablesByOwner,
  project: string,
  environment: string,
  key: string,
): WinningValue | null {
  const owners: [string, string][] = [
    [ownerKey('project', project), `project ${project}`],
    ...ancestorGroups(project).map((g): [string, string] => [ownerKey('group', g), `group ${g}`]),
    [ownerKey('instance', null), 'the instance'],
  ];
  for (const [owner, label] of owners) {
    const found = best(variables.get(owner), key, environment);
    if (found)
      return {
        value: found.value,
        from: owner.startsWith('instance') ? label : `${label} (scope ${found.environmentScope})`,
      };
  }
  return null;
}
