// Child process for the benchmark: serves a generated instance so the simulator's CPU and
// memory stay out of the numbers measured in the parent. Prints one JSON line when ready.
import { generateInstance } from '../simulator/gitlab/generate-instance.js';
import { startGitLabSimulator } from '../simulator/gitlab/server.js';

const [projects, latencyMs, version] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  process.argv[4],
];
const fixture = generateInstance({ projects, ...(version ? { version } : {}) });
const usernames = new Set(fixture.users.map((u) => u.username));
const simulator = await startGitLabSimulator({ fixture, faults: { latencyMs } });
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
process.on('disconnect', () => void simulator.close().then(() => process.exit(0)));
