// The instance the apply benchmark migrates: `agents` group clusters, 25 to a top-level group (one
// subgroup each, each on its own physical cluster), so the plan has exactly one agent per cluster
// and every top-level group's agents share one config project. Physical clusters are shared across
// top-level groups (agents of different groups on one cluster get their own namespaces), which
// keeps the number of simulated API servers at 25 or fewer. API URLs are placeholders,
// `https://cluster-N.bench.test`, that the world process points at its simulators.
import type {
  FixtureCluster,
  FixtureGroup,
  GitLabFixture,
} from '../simulator/gitlab/fixture-types.js';

export const AGENTS_PER_ROOT = 25;

export function benchFixture(agents: number): { fixture: GitLabFixture; physicalClusters: number } {
  const groups: FixtureGroup[] = [];
  const clusters: FixtureCluster[] = [];
  const roots = Math.ceil(agents / AGENTS_PER_ROOT);
  for (let r = 0; r < roots; r += 1) {
    const root = `team-${r}`;
    groups.push({ id: groups.length + 1, path: root, name: `Team ${r}`, parent: null });
    for (let s = 0; s < AGENTS_PER_ROOT && clusters.length < agents; s += 1) {
      groups.push({ id: groups.length + 1, path: `app-${s}`, name: `App ${s}`, parent: root });
      clusters.push({
        id: clusters.length + 1,
        name: `cluster-${s}`,
        level: 'group',
        owner: `${root}/app-${s}`,
        environment_scope: '*',
        enabled: true,
        managed: true,
        namespace_per_environment: true,
        domain: null,
        provider_type: 'user',
        created_at: '2021-01-01T00:00:00.000Z',
        created_by: 'root',
        platform_kubernetes: {
          api_url: `https://cluster-${s}.bench.test`,
          namespace: null,
          authorization_type: 'rbac',
          ca_cert: null,
        },
        management_project: null,
      });
    }
  }
  const fixture: GitLabFixture = {
    description: `apply benchmark: ${agents} agents`,
    instance: {
      version: '17.11.2-ee',
      revision: 'bench',
      enterprise: true,
      kas: {
        enabled: true,
        externalUrl: 'wss://gitlab.bench.test/-/kubernetes-agent/',
        externalK8sProxyUrl: 'https://gitlab.bench.test/-/kubernetes-agent/k8s-proxy/',
        version: '17.11.2',
      },
      featureFlags: { certificate_based_clusters: true },
    },
    users: [{ id: 1, username: 'root', name: 'Administrator', admin: true }],
    tokens: [{ token: 'glpat-bench-admin-0000000000000000', user: 'root', scopes: ['api'] }],
    groups,
    projects: [],
    members: [],
    clusters,
  };
  return { fixture, physicalClusters: Math.min(agents, AGENTS_PER_ROOT) };
}
