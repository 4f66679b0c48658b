// The one world tests run against: the GitLab simulator seeded from a fixture, one Kubernetes
// simulator per physical cluster of it, started with the demo's own wiring
// (src/simulator/demo-clusters.ts: simulated agentk connects to GitLab with the token from its
// Secret once it rolls out), a kubeconfig reaching them, and the apply engine in-process.
//
// Two ways to address the clusters:
// - `apiUrls: 'simulators'` (the default): the fixture's API URLs are rewritten to the simulators',
//   so the built CLI, which is given no routing, matches contexts `cluster-1`.. by server;
// - `apiUrls: 'fixture'`: the fixture keeps its API URLs (plans name them, as the demo's do) and
//   the engine reaches the simulators the way `--demo` does, through server overrides; the CLI
//   is then told which context is which cluster (--context-for, --same-cluster).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JournalStore } from '../../src/apply/journal-store.js';
import { createKubeAccess } from '../../src/apply/kube-access.js';
import { runApply, type ApplyResult } from '../../src/apply/run-apply.js';
import { applySettings } from '../../src/apply/settings.js';
import type { ApplySettings, KubeAccess } from '../../src/apply/types.js';
import { normaliseApiUrl } from '../../src/discovery/api-url.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { kasFromMetadata } from '../../src/kube/kas.js';
import type { Plan } from '../../src/plan/types.js';
import {
  startClusterSimulators,
  startDemoClusters,
  type DemoClusters,
} from '../../src/simulator/demo-clusters.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { writeKubeconfig } from '../../src/simulator/kube/kubeconfig-file.js';
import { isWrite, type KubeSimulator } from '../../src/simulator/kube/server.js';
import { adminApiToken } from './gitlab.js';

export interface ClusterRef {
  id: number;
  apiUrl: string | null;
  caCert?: string | null;
}

export interface WorldOptions {
  /** how long a simulated rollout takes (default 20 ms) */
  rolloutDelayMs?: number;
  /** a second bearer token every cluster accepts with read-only rights */
  readOnlyToken?: string;
  /** see the top of this file (default 'simulators') */
  apiUrls?: 'simulators' | 'fixture';
}

export interface World {
  gitlab: GitLabSimulator;
  /** one per physical cluster, in the order of their sorted normalised API URLs */
  clusters: KubeSimulator[];
  /** contexts `cluster-1`.. with the simulators' own addresses and tokens */
  kubeconfig: string;
  dir: string;
  /** the fixture's admin token with api scope */
  token: string;
  /** env for runCli: GitLab URL, token, kubeconfig */
  env: Record<string, string>;
  /** the kubeconfig context that reaches a fixture API URL (as written in the fixture) */
  contextFor(apiUrl: string): string;
  /** the Kubernetes simulator behind a fixture API URL */
  clusterFor(apiUrl: string): KubeSimulator;
  /** the engine's access to the clusters, as apply builds it for these certificate clusters */
  kubeAccess(clusters: ClusterRef[]): KubeAccess;
  /** POST/PUT/DELETE sent to GitLab, and non-dry-run writes to any cluster, since `from` */
  mutations(from?: { gitlab: number; kube: number[] }): string[];
  mark(): { gitlab: number; kube: number[] };
  close(): Promise<void>;
}

const apiUrlsOf = (fixture: GitLabFixture) =>
  fixture.clusters.map((c) => c.platform_kubernetes.api_url ?? null);

export async function startWorld(
  fixture: GitLabFixture,
  options: WorldOptions = {},
): Promise<World> {
  const simulatorOptions = {
    rolloutDelayMs: options.rolloutDelayMs ?? 20,
    ...(options.readOnlyToken ? { readOnlyToken: options.readOnlyToken } : {}),
  };
  let gitlab: GitLabSimulator | null = null;
  let demo: DemoClusters | null = null;
  let simulators: Map<string, KubeSimulator>;
  if (options.apiUrls === 'fixture') {
    gitlab = await startGitLabSimulator({ fixture });
    demo = await startDemoClusters(gitlab, apiUrlsOf(fixture), simulatorOptions);
    simulators = demo.simulators;
  } else {
    // The clusters first, so the fixture can name their addresses; agentk connects only later.
    simulators = await startClusterSimulators(
      apiUrlsOf(fixture),
      (token) => gitlab?.state.agents.connect(token),
      simulatorOptions,
    );
    const seeded = JSON.parse(JSON.stringify(fixture)) as GitLabFixture;
    for (const c of seeded.clusters) {
      const url = c.platform_kubernetes.api_url;
      if (url) c.platform_kubernetes.api_url = simulators.get(normaliseApiUrl(url))!.url;
    }
    gitlab = await startGitLabSimulator({ fixture: seeded });
  }
  const started = gitlab;
  const urls = [...simulators.keys()];
  const clusters = [...simulators.values()];
  const dir = await mkdtemp(join(tmpdir(), 'mc-world-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(
    kubeconfig,
    clusters.map((k, i) => ({ contextName: `cluster-${i + 1}`, server: k.url, token: k.token })),
  );
  const token = adminApiToken(fixture);
  const mark = () => ({
    gitlab: started.requests.length,
    kube: clusters.map((k) => k.requests.length),
  });
  return {
    gitlab: started,
    clusters,
    kubeconfig,
    dir,
    token,
    env: { GITLAB_URL: started.url, GITLAB_TOKEN: token, KUBECONFIG: kubeconfig },
    contextFor: (apiUrl) => `cluster-${urls.indexOf(normaliseApiUrl(apiUrl)) + 1}`,
    clusterFor: (apiUrl) => simulators.get(normaliseApiUrl(apiUrl))!,
    kubeAccess: (refs) =>
      createKubeAccess({
        kubeconfig: demo?.kubeconfigPath ?? kubeconfig,
        overrides: {},
        clusters: refs.map((c) => ({ id: c.id, apiUrl: c.apiUrl, caCert: c.caCert ?? null })),
        ...(demo ? { serverOverrides: demo.serverOverrides } : {}),
      }),
    mark,
    mutations: (from = { gitlab: 0, kube: clusters.map(() => 0) }) => [
      ...started.requests
        .slice(from.gitlab)
        // GraphQL queries read; a POST to CI Lint is still listed (callers say why it is harmless)
        .filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && r.path !== '/api/graphql')
        .map((r) => `gitlab ${r.method} ${r.path}`),
      ...clusters.flatMap((k, i) =>
        k.requests
          .slice(from.kube[i] ?? 0)
          .filter(isWrite)
          .map((r) => `kube ${r.method} ${r.path}`),
      ),
    ],
    close: async () => {
      await started.close();
      if (demo) await demo.close();
      else await Promise.all(clusters.map((k) => k.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
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
