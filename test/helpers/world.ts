// A whole world for end-to-end tests: the GitLab simulator seeded from a fixture whose clusters'
// API URLs point at Kubernetes simulators (one per physical cluster), a kubeconfig reaching them,
// and simulated agentk that connects to GitLab with the token from its Secret once it rolls out.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseApiUrl } from '../../src/discovery/api-url.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { writeKubeconfig } from '../../src/simulator/kube/kubeconfig-file.js';
import {
  isWrite,
  startKubeSimulator,
  type KubeSimulator,
} from '../../src/simulator/kube/server.js';
import { adminApiToken } from './gitlab.js';

export interface World {
  gitlab: GitLabSimulator;
  clusters: KubeSimulator[];
  kubeconfig: string;
  dir: string;
  token: string;
  /** env for runCli: GitLab URL, token, kubeconfig */
  env: Record<string, string>;
  /** the kubeconfig context that reaches a fixture API URL (as written in the fixture) */
  contextFor(apiUrl: string): string;
  /** the Kubernetes simulator behind a fixture API URL */
  clusterFor(apiUrl: string): KubeSimulator;
  /** POST/PUT/DELETE sent to GitLab, and non-dry-run writes to any cluster, since `from` */
  mutations(from?: { gitlab: number; kube: number[] }): string[];
  mark(): { gitlab: number; kube: number[] };
  close(): Promise<void>;
}

export async function startWorld(
  fixture: GitLabFixture,
  options: { rolloutDelayMs?: number; readOnlyToken?: string } = {},
): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), 'mc-world-'));
  const urls = [
    ...new Set(
      fixture.clusters
        .map((c) => c.platform_kubernetes.api_url)
        .filter((u): u is string => !!u)
        .map(normaliseApiUrl),
    ),
  ].sort();
  let gitlab: GitLabSimulator | null = null;
  const clusters: KubeSimulator[] = [];
  for (let i = 0; i < urls.length; i++) {
    clusters.push(
      await startKubeSimulator({
        rolloutDelayMs: options.rolloutDelayMs ?? 20,
        ...(options.readOnlyToken ? { readOnlyToken: options.readOnlyToken } : {}),
        availableHeartbeatMs: 1000,
        onDeploymentAvailable: ({ secrets }) => {
          for (const s of secrets)
            if (s.data['token']) gitlab?.state.agents.connect(s.data['token']);
        },
      }),
    );
  }
  const simulatorFor = new Map(urls.map((u, i) => [u, clusters[i]!]));
  const seeded: GitLabFixture = JSON.parse(JSON.stringify(fixture)) as GitLabFixture;
  for (const c of seeded.clusters) {
    const url = c.platform_kubernetes.api_url;
    if (url) c.platform_kubernetes.api_url = simulatorFor.get(normaliseApiUrl(url))!.url;
  }
  const started = await startGitLabSimulator({ fixture: seeded });
  gitlab = started;
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
    clusterFor: (apiUrl) => simulatorFor.get(normaliseApiUrl(apiUrl))!,
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
      await gitlab?.close();
      await Promise.all(clusters.map((k) => k.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
