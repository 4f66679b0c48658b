// Child process for the apply benchmark: a GitLab simulator with per-request latency and one
// Kubernetes simulator per physical cluster, whose simulated agentk connects with the token from
// its Secret once its rollout ends. Kept out of the measured process, so the apply's memory and
// CPU are its own. Sends one message when ready, and answers 'stats' and 'clear' messages.
import { join } from 'node:path';
import type { GitLabFixture } from '../simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../simulator/gitlab/server.js';
import { writeKubeconfig } from '../simulator/kube/kubeconfig-file.js';
import { startKubeSimulator, type KubeSimulator } from '../simulator/kube/server.js';
import { benchFixture } from './apply-fixture.js';
import { commitsPerProject } from '../simulator/gitlab/commits-per-project.js';

export interface WorldReady {
  url: string;
  token: string;
  kubeconfig: string;
  agents: number;
}

export interface WorldStats {
  gitlabCalls: number;
  kubeRequests: number;
  /** config project path -> commits made to it */
  commitsPerProject: Record<string, number>;
  /** GitLab calls by method and route (ids and paths replaced), for BENCH_VERBOSE */
  gitlabRoutes: Record<string, number>;
}

/** `/api/v4/projects/team-0%2Fgitlab-agents/cluster_agents/12/tokens` → `…/projects/:id/cluster_agents/:id/tokens` */
function route(method: string, path: string): string {
  return `${method} ${path
    .replace(/^\/api\/v4/, '')
    .replace(
      /\/(projects|groups|cluster_agents|tokens|clusters|variables|files|environments|merge_requests|users)\/[^/]+/g,
      '/$1/:id',
    )}`;
}

const [agents, latencyMs, rolloutMs, dir] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  Number(process.argv[4]),
  process.argv[5]!,
];

const { fixture, physicalClusters } = benchFixture(agents);
let gitlab: GitLabSimulator | null = null;
const clusters: KubeSimulator[] = [];
for (let i = 0; i < physicalClusters; i += 1) {
  clusters.push(
    await startKubeSimulator({
      rolloutDelayMs: rolloutMs,
      availableHeartbeatMs: 1000,
      onDeploymentAvailable: ({ secrets }) => {
        for (const s of secrets) if (s.data['token']) gitlab?.state.agents.connect(s.data['token']);
      },
    }),
  );
}
const seeded = JSON.parse(JSON.stringify(fixture)) as GitLabFixture;
for (const c of seeded.clusters) {
  const index = Number(/cluster-(\d+)\./.exec(c.platform_kubernetes.api_url)![1]);
  c.platform_kubernetes.api_url = clusters[index]!.url;
}
gitlab = await startGitLabSimulator({ fixture: seeded, faults: { latencyMs } });
const kubeconfig = join(dir, 'kubeconfig');
await writeKubeconfig(
  kubeconfig,
  clusters.map((k, i) => ({ contextName: `cluster-${i}`, server: k.url, token: k.token })),
);

function stats(): WorldStats {
  const gitlabRoutes: Record<string, number> = {};
  for (const r of gitlab!.requests) {
    const key = route(r.method, r.path);
    gitlabRoutes[key] = (gitlabRoutes[key] ?? 0) + 1;
  }
  return {
    gitlabCalls: gitlab!.requests.length,
    kubeRequests: clusters.reduce((sum, k) => sum + k.requests.length, 0),
    commitsPerProject: commitsPerProject(gitlab!.requests),
    gitlabRoutes,
  };
}

process.on('message', (m) => {
  if (m === 'stats') process.send?.(stats());
  if (m === 'clear') {
    gitlab.clearRequests();
    for (const k of clusters) k.clearRequests();
    process.send?.('cleared');
  }
});
process.send?.({
  url: gitlab.url,
  token: fixture.tokens[0]!.token,
  kubeconfig,
  agents,
} satisfies WorldReady);
process.on('disconnect', () => {
  void Promise.all([gitlab.close(), ...clusters.map((k) => k.close())]).then(() => process.exit(0));
});
