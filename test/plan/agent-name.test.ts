// Which namespace each agent's agentk gets: the usual one, or with its root namespace in it where
// the usual one would repeat on a cluster; never cut so that two become one.
import { describe, expect, it } from 'vitest';
import { nameHash } from '../../src/kube/fit-name.js';
import { namespacesFor, rootedNamespace } from '../../src/plan/agent-name.js';

const PROD = 'https://k8s-prod.example.test:6443';

describe('rootedNamespace', () => {
  it.each([
    ['payments', 'staging', 'gitlab-agent-payments-staging'],
    ['Payments_EU', 'prod', 'gitlab-agent-payments-eu-prod'],
    // 63 characters exactly: as before, no hash
    ['r'.repeat(45), 'prod', `gitlab-agent-${'r'.repeat(45)}-prod`],
    // one more: the hash of the whole namespace, which plain truncation would have lost
    [
      'r'.repeat(46),
      'prod',
      `gitlab-agent-${'r'.repeat(41)}-${nameHash(`gitlab-agent-${'r'.repeat(46)}-prod`)}`,
    ],
  ])('root %s, agent %s: %s', (root, name, namespace) => {
    expect(rootedNamespace(root, name)).toBe(namespace);
    expect(namespace.length).toBeLessThanOrEqual(63);
  });
});

describe('namespacesFor', () => {
  const agent = (rootNamespace: string, name: string, apiUrl = PROD) => ({
    apiUrl,
    name,
    rootNamespace,
    namespace: '',
  });
  const assigned = (agents: ReturnType<typeof agent>[]) => namespacesFor(agents);

  it.each([
    ['one agent', [agent('a', 'prod')], ['gitlab-agent-prod']],
    [
      'two names on one cluster',
      [agent('a', 'prod'), agent('b', 'staging')],
      ['gitlab-agent-prod', 'gitlab-agent-staging'],
    ],
    [
      'one name on two clusters',
      [agent('a', 'prod'), agent('b', 'prod', 'https://other.example.test')],
      ['gitlab-agent-prod', 'gitlab-agent-prod'],
    ],
    [
      'one name twice on one cluster (the URL written two ways)',
      [agent('a', 'prod'), agent('b', 'prod', 'https://K8S-PROD.example.test:6443/')],
      ['gitlab-agent-a-prod', 'gitlab-agent-b-prod'],
    ],
    [
      "a usual namespace that is another's rooted one",
      [agent('a', 'prod'), agent('b', 'prod'), agent('c', 'a-prod')],
      ['gitlab-agent-a-prod', 'gitlab-agent-b-prod', 'gitlab-agent-c-a-prod'],
    ],
    [
      'a chain of two',
      [agent('a', 'prod'), agent('b', 'prod'), agent('c', 'a-prod'), agent('d', 'c-a-prod')],
      [
        'gitlab-agent-a-prod',
        'gitlab-agent-b-prod',
        'gitlab-agent-c-a-prod',
        'gitlab-agent-d-c-a-prod',
      ],
    ],
    [
      'what no root tells apart stays as it is, for the check to report',
      [agent('my_group', 'prod'), agent('my-group', 'prod')],
      ['gitlab-agent-my-group-prod', 'gitlab-agent-my-group-prod'],
    ],
  ])('%s', (_, agents, namespaces) => {
    expect(assigned(agents)).toEqual(namespaces);
  });
});
