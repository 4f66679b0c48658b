// Which certificate cluster the old integration gave a job (deployment_platform.rb), and which
// clusters keep `only: kubernetes: active` true.
import { describe, expect, it } from 'vitest';
import {
  kubernetesActiveClusters,
  oldClusterFor,
  scopeRelevance,
  type CertCluster,
} from '../../src/continuity/old-cluster.js';

const cluster = (c: Partial<CertCluster> & Pick<CertCluster, 'id' | 'level'>): CertCluster => ({
  name: `c${c.id}`,
  owner: null,
  environmentScope: '*',
  enabled: true,
  apiUrl: `https://k8s-${c.id}.test`,
  managementProject: null,
  ...c,
});

const clusters: CertCluster[] = [
  cluster({ id: 1, level: 'instance', environmentScope: 'review/*' }),
  cluster({ id: 2, level: 'group', owner: 'acme', environmentScope: '*' }),
  cluster({ id: 3, level: 'group', owner: 'acme/shop', environmentScope: 'production' }),
  cluster({ id: 4, level: 'project', owner: 'acme/shop/api', environmentScope: 'staging' }),
  cluster({ id: 5, level: 'project', owner: 'acme/shop/api', environmentScope: 'prod*' }),
  cluster({
    id: 6,
    level: 'group',
    owner: 'acme/shop',
    environmentScope: 'review/*',
    enabled: false,
  }),
  cluster({
    id: 7,
    level: 'project',
    owner: 'acme/shop/web',
    environmentScope: '*',
    managementProject: 'acme/shop/ops',
  }),
  cluster({ id: 8, level: 'instance', environmentScope: '*' }),
];

describe('oldClusterFor', () => {
  it.each([
    ['acme/shop/api', 'staging', 4, 'the project cluster for its scope'],
    ['acme/shop/api', 'production', 5, 'a project glob outranks a closer group'],
    ['acme/shop/web', 'production', 7, 'the project cluster for *'],
    ['acme/shop/cart', 'production', 3, 'the closest group'],
    ['acme/shop/cart', 'staging', 2, 'the next group up when the closest has no match'],
    [
      'acme/shop/cart',
      'review/fix-1',
      2,
      'a disabled cluster never counts; the group * wins over the instance',
    ],
    ['other/app', 'review/fix-1', 1, 'instance clusters only without any in the hierarchy'],
    ['other/app', 'production', 8, 'the instance * cluster'],
    [
      'acme/shop/ops',
      'production',
      7,
      'the cluster this project manages, in its namespace, comes first',
    ],
  ])('%s in %s → cluster %i (%s)', (project, environment, id) => {
    expect(oldClusterFor(project, environment, clusters)?.cluster.id).toBe(id);
  });

  it('none when nothing matches', () => {
    expect(
      oldClusterFor(
        'other/app',
        'staging',
        clusters.filter((c) => c.id !== 8),
      ),
    ).toBeNull();
  });

  it('a tie between two physical clusters at one depth is ambiguous, within one it is not', () => {
    const tie = [
      cluster({ id: 10, level: 'group', owner: 'g', environmentScope: 'review/*' }),
      cluster({ id: 11, level: 'group', owner: 'g', environmentScope: 'rev*' }),
    ];
    expect(oldClusterFor('g/p', 'review/x', tie)).toMatchObject({
      cluster: { id: 10 },
      ambiguous: true,
    });
    const same = tie.map((c) => ({ ...c, apiUrl: 'https://one.test' }));
    expect(oldClusterFor('g/p', 'review/x', same)?.ambiguous).toBe(false);
  });
});

describe('scopeRelevance (has_environment_scope.rb)', () => {
  it.each([
    ['*', 'production', 0],
    ['prod*', 'production', 1],
    ['production', 'production', 2],
    ['staging', 'production', -1],
    ['review/*', 'review/$CI_COMMIT_REF_NAME', 1],
  ])('%s for %s → %i', (scope, environment, relevance) => {
    expect(scopeRelevance(scope, environment)).toBe(relevance);
  });
});

describe('kubernetesActiveClusters (has_kubernetes_active? takes * clusters only)', () => {
  it.each([
    ['acme/shop/api', [2]],
    ['acme/shop/web', [7, 2]],
    ['other/app', [8]],
  ])('%s → %j', (project, ids) => {
    expect(kubernetesActiveClusters(project, clusters).map((c) => c.id)).toEqual(ids);
  });
});
