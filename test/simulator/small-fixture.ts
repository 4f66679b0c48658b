// A small, hand-checkable GitLab instance for the simulator contract tests. Returns a fresh copy each call
// so tests can mutate it.
//
//   acme (internal, id 1)                       dev: Developer
//   ├─ acme/web (internal project 10)           cluster 2 (disabled)
//   └─ acme/payments (private group 2)          maria: Maintainer; cluster 7 (disabled)
//      ├─ acme/payments/api (project 11)        cluster 1, management project acme/payments/core/ledger
//      └─ acme/payments/core (group 3)          cluster 4
//         └─ acme/payments/core/ledger (12)
//   globex (private, id 4)                       nobody but admins
//   └─ globex/infra (group 5)
//      └─ globex/infra/terraform (project 13)    cluster 6
//   opensource (public, id 6)
//   └─ opensource/lib (public project 16)
//   root/sandbox (personal, private, 14)
//   maria/playground (personal, private, 15)
//   instance cluster 5 "shared-instance"
//   acme cluster 3 (group level)

import type { FixtureCluster, GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';

export const TOKENS = {
  adminApi: 'glpat-test-admin-api-000000000000',
  adminReadApi: 'glpat-test-admin-readapi-0000000',
  maintainerApi: 'glpat-test-maria-api-00000000000',
  developerApi: 'glpat-test-dev-api-0000000000000',
  readUserOnly: 'glpat-test-maria-readuser-000000',
  blockedApi: 'glpat-test-blocked-api-0000000000',
} as const;

function cluster(
  id: number,
  name: string,
  level: FixtureCluster['level'],
  owner: string | null,
  extra: Partial<FixtureCluster> = {},
): FixtureCluster {
  return {
    id,
    name,
    level,
    owner,
    environment_scope: '*',
    enabled: true,
    managed: true,
    namespace_per_environment: true,
    domain: null,
    provider_type: 'user',
    created_at: `2021-03-0${(id % 9) + 1}T10:00:00.000Z`,
    created_by: 'root',
    platform_kubernetes: {
      api_url: `https://k8s-${id}.example.com:6443`,
      namespace: level === 'project' ? `${name}-ns` : null,
      authorization_type: 'rbac',
      ca_cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    },
    management_project: null,
    ...extra,
  };
}

export function smallFixture(): GitLabFixture {
  return {
    description: 'simulator contract tests',
    instance: {
      version: '17.11.2-ee',
      revision: 'abc1234def',
      enterprise: true,
      kas: {
        enabled: true,
        externalUrl: 'wss://gitlab.example.com/-/kubernetes-agent/',
        externalK8sProxyUrl: 'https://gitlab.example.com/-/kubernetes-agent/k8s-proxy/',
        version: '17.11.2',
      },
      featureFlags: { certificate_based_clusters: true },
    },
    users: [
      { id: 1, username: 'root', name: 'Administrator', admin: true },
      { id: 2, username: 'maria', name: 'Maria Maintainer', admin: false },
      { id: 3, username: 'dev', name: 'Dev Eloper', admin: false },
      { id: 4, username: 'gone', name: 'Blocked Person', admin: false, state: 'blocked' },
    ],
    tokens: [
      { token: TOKENS.adminApi, user: 'root', scopes: ['api'], name: 'admin-api' },
      { token: TOKENS.adminReadApi, user: 'root', scopes: ['read_api'], name: 'admin-read-api' },
      { token: TOKENS.maintainerApi, user: 'maria', scopes: ['api'] },
      { token: TOKENS.developerApi, user: 'dev', scopes: ['api'] },
      { token: TOKENS.readUserOnly, user: 'maria', scopes: ['read_user'] },
      { token: TOKENS.blockedApi, user: 'gone', scopes: ['api'] },
    ],
    groups: [
      // deliberately listed child-first: the loader must not depend on order
      { id: 3, path: 'core', name: 'Core', parent: 'acme/payments', visibility: 'private' },
      {
        id: 1,
        path: 'acme',
        name: 'ACME',
        parent: null,
        visibility: 'internal',
        description: 'ACME Corp',
      },
      { id: 2, path: 'payments', name: 'Payments', parent: 'acme', visibility: 'private' },
      { id: 4, path: 'globex', name: 'Globex', parent: null, visibility: 'private' },
      { id: 5, path: 'infra', name: 'Infra', parent: 'globex', visibility: 'private' },
      { id: 6, path: 'opensource', name: 'OpenSource', parent: null, visibility: 'public' },
    ],
    projects: [
      { id: 10, path: 'web', name: 'Web', namespace: 'acme', visibility: 'internal' },
      {
        id: 11,
        path: 'api',
        name: 'API',
        namespace: 'acme/payments',
        visibility: 'private',
        default_branch: 'master',
      },
      { id: 12, path: 'ledger', name: 'Ledger', namespace: 'acme/payments/core' },
      { id: 13, path: 'terraform', name: 'Terraform', namespace: 'globex/infra' },
      { id: 14, path: 'sandbox', name: 'Sandbox', namespace: 'root' },
      {
        id: 15,
        path: 'playground',
        name: 'Playground',
        namespace: 'maria',
        description: 'my experiments',
      },
      { id: 16, path: 'lib', name: 'Lib', namespace: 'opensource', visibility: 'public' },
    ],
    members: [
      { user: 'maria', source: 'acme/payments', access_level: 40 },
      { user: 'dev', source: 'acme', access_level: 30 },
    ],
    clusters: [
      cluster(1, 'payments-api', 'project', 'acme/payments/api', {
        management_project: 'acme/payments/core/ledger',
      }),
      cluster(2, 'web-old', 'project', 'acme/web', { enabled: false }),
      cluster(3, 'acme-shared', 'group', 'acme', { domain: 'apps.acme.example' }),
      cluster(4, 'core-cluster', 'group', 'acme/payments/core'),
      cluster(5, 'shared-instance', 'instance', null),
      cluster(6, 'terraform', 'project', 'globex/infra/terraform'),
      cluster(7, 'payments-legacy', 'group', 'acme/payments', {
        enabled: false,
        environment_scope: 'production',
      }),
    ],
  };
}
