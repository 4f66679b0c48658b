// Words shared by commit messages, merge requests, summaries, status and rollback.
import type { CiVariable, PlannedCluster } from '../../plan/types.js';

export function describeClusters(clusters: PlannedCluster[]): string {
  return clusters
    .map(
      (c) =>
        `- ${c.level} cluster ${c.id} "${c.name}"${c.owner ? ` of ${c.owner}` : ''}, environment scope ${c.environmentScope}`,
    )
    .join('\n');
}

/** Where a CI/CD variable lives: "the instance", "group platform", "project platform/app". */
export const describeOwner = (level: CiVariable['level'], owner: string | null) =>
  level === 'instance' ? 'the instance' : `${level} ${owner}`;

/** e.g. "KUBE_CONTEXT on group platform (scope *)" */
export const describeVariable = (
  v: Pick<CiVariable, 'level' | 'owner' | 'environmentScope'> & { key: string },
) => `${v.key} on ${describeOwner(v.level, v.owner)} (scope ${v.environmentScope})`;
