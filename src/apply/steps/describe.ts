// Words shared by commit messages, merge requests and summaries.
import type { PlannedCluster } from '../../plan/types.js';

export function describeClusters(clusters: PlannedCluster[]): string {
  return clusters
    .map(
      (c) =>
        `- ${c.level} cluster ${c.id} "${c.name}"${c.owner ? ` of ${c.owner}` : ''}, environment scope ${c.environmentScope}`,
    )
    .join('\n');
}
