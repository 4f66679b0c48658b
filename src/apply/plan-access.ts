// What the commands that read a plan live share: the plan's instance check, and the kube access
// that reaches the plan's clusters (the demo's own for --demo).
import { clustersOfAgents, type LiveCluster } from './status.js';
import type { KubeAccess } from './types.js';
import { createKubeAccess } from './kube-access.js';
import type { Connection } from '../connection.js';
import { UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';

/** A plan (or journal) belongs to one GitLab instance; the demo starts on a new port each time. */
export function checkSameInstance(connection: Connection, url: string, file: string): void {
  if (connection.demo || url === connection.url) return;
  throw new UserError(`${file} was made for ${url}, not ${connection.url}.`, {
    hint: 'Point --gitlab-url at that instance, or pass the plan made for this one.',
  });
}

/**
 * The kube contexts that reach the plan's clusters, matched as apply matches them (API URL and
 * CA as GitLab has them now, --context-for first). For --demo, the demo's simulated clusters.
 */
export async function openKubeAccess(
  connection: Connection,
  plan: Plan,
  live: Map<number, LiveCluster | null>,
  options: {
    kubeconfig: string | undefined;
    /** --context-for, parsed */
    contextFor: Record<number, string>;
    /** --same-cluster, parsed */
    sameCluster: number[];
  },
): Promise<{ kube: KubeAccess; close: () => Promise<void> }> {
  const clusters = clustersOfAgents(plan).map((c) => ({
    id: c.id,
    apiUrl: live.get(c.id)?.apiUrl ?? c.apiUrl,
    caCert: live.get(c.id)?.caCert ?? null,
  }));
  const demo = connection.demo
    ? await connection.startDemoClusters?.(clusters.map((c) => c.apiUrl))
    : undefined;
  const kubeconfig = demo?.kubeconfigPath ?? options.kubeconfig;
  const kube = createKubeAccess({
    ...(kubeconfig ? { kubeconfig } : {}),
    overrides: options.contextFor,
    sameCluster: options.sameCluster,
    clusters,
    // a context given for a cluster the plan skips is no mistake, only unused
    knownClusterIds: plan.clusters.map((c) => c.id),
    ...(demo ? { serverOverrides: demo.serverOverrides } : {}),
  });
  return { kube, close: async () => demo?.close() };
}
