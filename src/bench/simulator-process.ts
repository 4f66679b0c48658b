// Child process for the benchmark: serves a generated instance so the simulator's CPU and
// memory stay out of the numbers measured in the parent. Prints one JSON line when ready.
import { generateInstance } from '../simulator/gitlab/generate-instance.js';
import { startGitLabSimulator } from '../simulator/gitlab/server.js';

const [projects, latencyMs, version, perMinute] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4],
  Number(process.argv[5] ?? 0),
];
const fixture = generateInstance({ projects, ...(version ? { version } : {}) });
const usernames = new Set(fixture.users.map((u) => u.username));
const simulator = await startGitLabSimulator({
  fixture,
  faults: { latencyMs },
  // GitLab.com's authenticated API throttle is per minute (Rack::Attack, faults.ts)
  rateLimit: perMinute > 0 ? { limit: perMinute, windowSeconds: 60 } : null,
});
process.send?.({
  url: simulator.url,
  token: fixture.tokens[0]!.token,
  clusterIds: fixture.clusters.map((c) => c.id).sort((a, b) => a - b),
  groups: fixture.groups.length,
  topLevelGroups: fixture.groups.filter((g) => g.parent == null).length,
  projects: fixture.projects.length,
  personalProjects: fixture.projects.filter((p) => usernames.has(p.namespace)).length,
  // owners with clusters inside groups: what the discovery API points at
  groupOwners: new Set(
    fixture.clusters
      .filter((c) => c.owner != null && !usernames.has(c.owner.split('/')[0]!))
      .map((c) => `${c.level}:${c.owner}`),
  ).size,
});
export interface SimulatorStats {
  calls: number;
  /** answers 429 (the throttle) */
  throttled: number;
  /** answers >= 400 other than 429 and 404 */
  failed: number;
  /** GitLab calls by method and route (ids replaced), for BENCH_VERBOSE */
  routes: Record<string, number>;
}

const route = (method: string, path: string) =>
  `${method} ${path.replace(/^\/api\/v4/, '').replace(/\/(projects|groups|cluster_agents|tokens|clusters|variables|files|environments|users|tree)\/[^/]+/g, '/$1/:id')}`;

process.on('message', (m) => {
  if (m === 'clear') {
    simulator.clearRequests();
    process.send?.('cleared');
  }
  if (m === 'stats') {
    const routes: Record<string, number> = {};
    for (const r of simulator.requests) {
      const key = route(r.method, r.path);
      routes[key] = (routes[key] ?? 0) + 1;
    }
    process.send?.({
      calls: simulator.requests.length,
      throttled: simulator.requests.filter((r) => r.status === 429).length,
      failed: simulator.requests.filter(
        (r) => r.status >= 400 && r.status !== 429 && r.status !== 404,
      ).length,
      routes,
    } satisfies SimulatorStats);
  }
});
process.on('disconnect', () => void simulator.close().then(() => process.exit(0)));
