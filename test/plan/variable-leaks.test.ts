// Mapping rule 5's limit (docs/mapping-rules.md): KUBE_NAMESPACE / KUBE_INGRESS_BASE_DOMAIN of a
// cluster a job did not use.
import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import { InventoryBuilder, planOptions } from './inventory-builder.js';

const PROD = 'https://k8s-prod.example.test:6443';
const STAGING = 'https://k8s-staging.example.test:6443';

const leaks = (builder: InventoryBuilder) =>
  buildPlan(builder.build(), emptyLiveState(), planOptions()).warnings.filter(
    (w) => w.code === 'variable-leak',
  );

describe('variable-leak warnings', () => {
  it('a project cluster without a namespace under a group cluster with one', () => {
    const found = leaks(
      new InventoryBuilder()
        .group('acme', 'shared', STAGING, { namespace: 'shared-ns', domain: 'apps.acme.test' })
        .project('acme/web', 'web-prod', PROD, { environmentScope: 'production' }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.clusterId).toBe(2);
    expect(found[0]!.message).toContain(
      'KUBE_NAMESPACE=shared-ns from cluster 1 and KUBE_INGRESS_BASE_DOMAIN=apps.acme.test from cluster 1',
    );
    expect(found[0]!.message).toContain('project acme/web for scope production');
  });

  it.each([
    [
      'the project cluster sets its own namespace and domain',
      { namespace: 'web', domain: 'web.test' },
      'acme',
    ],
    ['the group cluster is not above the project', {}, 'other'],
  ])('none when %s', (_why, projectExtra, groupOwner) => {
    expect(
      leaks(
        new InventoryBuilder()
          .group(groupOwner, 'shared', STAGING, {
            namespace: 'shared-ns',
            domain: 'apps.acme.test',
          })
          .project('acme/web', 'web-prod', PROD, {
            environmentScope: 'production',
            ...projectExtra,
          }),
      ),
    ).toEqual([]);
  });

  it.each([
    ['production', '*', 1],
    ['production', 'staging', 0],
    ['review/*', 'review/app', 0], // the exact scope outranks the glob: its namespace is the one used
  ])('same project, scopes %s (no namespace) and %s (namespace): %i warning(s)', (a, b, count) => {
    const found = leaks(
      new InventoryBuilder()
        .project('acme/web', 'plain', PROD, { environmentScope: a })
        .project('acme/web', 'fixed', STAGING, { environmentScope: b, namespace: 'fixed-ns' }),
    );
    expect(found).toHaveLength(count);
  });

  it('names only the value that wins: the best of the clusters it outranked', () => {
    const found = leaks(
      new InventoryBuilder()
        .group('acme', 'acme-all', STAGING, { domain: 'all.acme.test' })
        .group('acme', 'acme-prod', STAGING, {
          environmentScope: 'production',
          domain: 'prod.acme.test',
        })
        .project('acme/web', 'web-prod', PROD, { environmentScope: 'production' }),
    );
    const forProject = found.filter((w) => w.clusterId === 3);
    expect(forProject).toHaveLength(1);
    expect(forProject[0]!.message).toContain(
      'KUBE_INGRESS_BASE_DOMAIN=prod.acme.test from cluster 2',
    );
    expect(forProject[0]!.message).not.toContain('all.acme.test');
  });

  it('counts only variables the plan sets: none from an instance cluster a group cluster shadowed', () => {
    const builder = () =>
      new InventoryBuilder()
        .group('acme', 'acme-all', STAGING)
        .instance('shared', PROD, { domain: 'shared.test' });
    expect(leaks(builder().topLevelGroups('acme'))).toEqual([]);
    // where the instance cluster is not shadowed its domain does reach the group below
    const found = leaks(
      builder()
        .group('beta', 'beta-all', STAGING, { environmentScope: 'production' })
        .topLevelGroups('acme', 'beta'),
    );
    expect(found.map((w) => w.clusterId)).toEqual([3]);
    expect(found[0]!.message).toContain('KUBE_INGRESS_BASE_DOMAIN=shared.test from cluster 2');
  });
});
