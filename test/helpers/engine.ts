// The apply engine in-process, for tests that need a migrated world to look at (status, rollback):
// demo clusters wired to a GitLab simulator, their kube access, and one call that runs a plan.
import { createKubeAccess } from '../../src/apply/kube-access.js';
import type { JournalStore } from '../../src/apply/journal-store.js';
import { runApply, type ApplyResult } from '../../src/apply/run-apply.js';
import type { ApplySettings, KubeAccess } from '../../src/apply/types.js';
import { applySettings } from '../../src/apply/settings.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { kasFromMetadata } from '../../src/kube/kas.js';
import type { Plan } from '../../src/plan/types.js';
import { startDemoClusters, type DemoClusters } from '../../src/simulator/demo-clusters.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';

export interface ClusterRef {
  id: number;
  apiUrl: string | null;
  caCert?: string | null;
}

/** One simulated cluster per API URL, and kube access reaching them the way `--demo` does. */
export async function demoKube(
  sim: GitLabSimulator,
  clusters: ClusterRef[],
): Promise<{ demo: DemoClusters; kube: KubeAccess }> {
  const demo = await startDemoClusters(
    sim,
    clusters.map((c) => c.apiUrl),
    { rolloutDelayMs: 10 },
  );
  const kube = createKubeAccess({
    kubeconfig: demo.kubeconfigPath,
    overrides: {},
    clusters: clusters.map((c) => ({ id: c.id, apiUrl: c.apiUrl, caCert: c.caCert ?? null })),
    serverOverrides: demo.serverOverrides,
  });
  return { demo, kube };
}

/** Runs every agent of `plan` through the engine with fast polling and no progress output. */
export async function applyInProcess(input: {
  sim: GitLabSimulator;
  client: GitLabClient;
  kube: KubeAccess;
  journal: JournalStore;
  plan: Plan;
  settings?: Partial<ApplySettings>;
}): Promise<ApplyResult> {
  const { sim, client, kube, journal, plan } = input;
  return runApply(
    {
      client,
      kube,
      journal,
      now: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      plan,
      settings: { ...applySettings({}), pollMs: 10, ...input.settings },
      kas: kasFromMetadata((await client.metadata()).kas, sim.url),
      verified: new Set(),
      unverified: new Map(),
      projects: new Map(),
    },
    plan.agents,
    { renderer: 'silent' },
  );
}
