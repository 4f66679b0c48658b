// The CI/CD variables a set of projects can see: each project's, each ancestor group's (read
// once per group) and the instance's (administrators only; others cannot list them, and the
// plan sets instance variables only with instance-level authorization, which needs an admin).
import { ancestorGroups } from '../continuity/authorizations.js';
import { ownerKey, type ScopedValue, type VariablesByOwner } from '../continuity/kube-context.js';
import type { GitLabClient } from '../gitlab/client.js';
import type { ProjectCi } from '../gitlab/projects.js';
import { listVariables, type VariableLevel } from '../gitlab/variables.js';

export async function readVariables(
  client: GitLabClient,
  projects: ProjectCi[],
  options: { instance: boolean },
): Promise<VariablesByOwner> {
  const owners = new Map<string, [VariableLevel, string | null]>();
  for (const project of projects) {
    owners.set(ownerKey('project', project.path), ['project', project.path]);
    // a personal namespace is no group: nothing above the project holds variables
    if (!project.inUserNamespace)
      for (const group of ancestorGroups(project.path))
        owners.set(ownerKey('group', group), ['group', group]);
  }
  if (options.instance) owners.set(ownerKey('instance', null), ['instance', null]);
  const out = new Map<string, ScopedValue[]>();
  await Promise.all(
    [...owners].map(async ([key, [level, owner]]) => {
      const list = await listVariables(client, level, owner);
      out.set(
        key,
        list.map((v) => ({ key: v.key, environmentScope: v.environmentScope, value: v.value })),
      );
    }),
  );
  return out;
}
