// The agentk objects in simulated clusters (the chart's `app.kubernetes.io/name: gitlab-agent`
// label), as "Kind namespace/name": what rollback --uninstall must leave none of.
import type { KubeSimulator } from '../../src/simulator/kube/server.js';

export function agentkObjectsIn(clusters: Iterable<KubeSimulator>): string[] {
  return [...clusters].flatMap((s) =>
    s.objects
      .list()
      .filter(
        (o) =>
          (o.metadata.labels as Record<string, string> | undefined)?.['app.kubernetes.io/name'] ===
          'gitlab-agent',
      )
      .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`),
  );
}
