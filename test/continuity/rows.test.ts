// The continuity model, case by case: a row holds only when the job reaches the cluster it used.
import { describe, expect, it } from 'vitest';
import { readAuthorizations } from '../../src/continuity/authorizations.js';
import { ownerKey, type ScopedValue } from '../../src/continuity/kube-context.js';
import type { CertCluster } from '../../src/continuity/old-cluster.js';
import {
  buildContinuity,
  type AgentView,
  type ContinuityInput,
  type JobFinding,
} from '../../src/continuity/rows.js';

const clusters: CertCluster[] = [
  {
    id: 1,
    name: 'prod',
    level: 'group',
    owner: 'acme',
    environmentScope: 'production',
    enabled: true,
    apiUrl: 'https://prod.test:6443',
    managementProject: null,
  },
  {
    id: 2,
    name: 'staging',
    level: 'group',
    owner: 'acme',
    environmentScope: '*',
    enabled: true,
    apiUrl: 'https://staging.test:6443',
    managementProject: null,
  },
];

const agent = (over: Partial<AgentView> = {}): AgentView => ({
  ref: 'acme/gitlab-agents:prod',
  project: 'acme/gitlab-agents',
  apiUrl: 'https://PROD.test:6443/',
  authorizations: readAuthorizations(
    'ci_access:\n  groups:\n    - id: acme\n      environments: [production]\n',
    { agentProject: 'acme/gitlab-agents', instanceAuthorization: false },
  ),
  notReady: null,
  ...over,
});

const job = (over: Partial<JobFinding> = {}): JobFinding => ({
  name: 'deploy',
  environment: 'production',
  verdict: 'selects-context',
  class: 'ok',
  usesKubernetes: true,
  evidence: 'runs kubectl config use-context "$KUBE_CONTEXT"',
  ...over,
});

const kubeContext = (value: string | null, scope = 'production'): Map<string, ScopedValue[]> =>
  new Map([[ownerKey('group', 'acme'), [{ key: 'KUBE_CONTEXT', environmentScope: scope, value }]]]);

const input = (over: Partial<ContinuityInput> = {}): ContinuityInput => ({
  clusters,
  agents: [agent()],
  variables: kubeContext('acme/gitlab-agents:prod'),
  projects: [{ project: 'acme/shop', problem: null, jobs: [job()] }],
  instanceAuthorization: false,
  ...over,
});

describe('a row', () => {
  it('holds when the job selects KUBE_CONTEXT, which names an authorised, ready agent in the same cluster', () => {
    const { rows, gates } = buildContinuity(input());
    expect(rows).toEqual([
      {
        project: 'acme/shop',
        environment: 'production',
        oldCluster: { id: 1, name: 'prod' },
        context: 'acme/gitlab-agents:prod',
        contextFrom: 'group acme (scope production)',
        sameCluster: true,
        jobs: [{ name: 'deploy', verdict: 'selects-context', class: 'ok' }],
        problems: [],
        holds: true,
      },
    ]);
    expect(gates.get(1)).toEqual({ clusterId: 1, holds: true, problems: [], rows: 1 });
    expect(gates.get(2)).toEqual({ clusterId: 2, holds: true, problems: [], rows: 0 });
  });

  it.each<[string, Partial<ContinuityInput>, RegExp]>([
    ['no KUBE_CONTEXT', { variables: new Map() }, /no KUBE_CONTEXT reaches production/],
    [
      'KUBE_CONTEXT for another scope',
      { variables: kubeContext('acme/gitlab-agents:prod', 'staging') },
      /no KUBE_CONTEXT reaches production/,
    ],
    ['a hidden KUBE_CONTEXT', { variables: kubeContext(null) }, /is hidden/],
    [
      'KUBE_CONTEXT naming an agent the plan does not know',
      { variables: kubeContext('x/y:z') },
      /"x\/y:z", no agent of this plan/,
    ],
    [
      'an agent in another cluster',
      { agents: [agent({ apiUrl: 'https://staging.test:6443' })] },
      /runs in https:\/\/staging\.test:6443, but the job used cluster 1/,
    ],
    [
      'a config that does not authorise the project',
      {
        agents: [
          agent({
            authorizations: readAuthorizations('ci_access:\n  projects:\n    - id: acme/other\n', {
              agentProject: 'acme/gitlab-agents',
              instanceAuthorization: false,
            }),
          }),
        ],
      },
      /is not authorised for acme\/shop \(no ci_access entry reaches it\)/,
    ],
    [
      'a config that authorises other environments only',
      {
        agents: [
          agent({
            authorizations: readAuthorizations(
              'ci_access:\n  groups:\n    - id: acme\n      environments: [staging]\n',
              { agentProject: 'acme/gitlab-agents', instanceAuthorization: false },
            ),
          }),
        ],
      },
      /authorised for acme\/shop in staging only/,
    ],
    [
      'a missing config',
      {
        agents: [
          agent({
            authorizations: readAuthorizations(null, {
              agentProject: 'acme/gitlab-agents',
              instanceAuthorization: false,
            }),
          }),
        ],
      },
      /not authorised for acme\/shop \(there is no config\.yaml/,
    ],
    [
      'an agent that is not connected',
      { agents: [agent({ notReady: 'not connected: token 3 last used 50 h ago' })] },
      /prod: not connected: token 3 last used 50 h ago/,
    ],
    [
      'a job on the implicit context',
      {
        projects: [
          {
            project: 'acme/shop',
            problem: null,
            jobs: [
              job({
                verdict: 'implicit-context',
                class: 'breaks',
                evidence: 'runs kubectl apply without choosing a context',
              }),
            ],
          },
        ],
      },
      /job deploy would break: runs kubectl apply without choosing a context/,
    ],
    [
      'a job gated on kubernetes: active',
      {
        projects: [
          {
            project: 'acme/shop',
            problem: null,
            jobs: [
              job({
                verdict: 'kubernetes-gate',
                class: 'stops',
                evidence: 'only: kubernetes: active',
              }),
            ],
          },
        ],
      },
      /job deploy would stop running: only: kubernetes: active/,
    ],
    [
      'a job in an include nobody here can edit',
      {
        projects: [
          {
            project: 'acme/shop',
            problem: null,
            jobs: [
              job({
                verdict: 'not-editable',
                class: 'needs-person',
                evidence: 'uses KUBE_URL, defined in template x',
              }),
            ],
          },
        ],
      },
      /job deploy needs a person/,
    ],
  ])('does not hold with %s', (_name, over, problem) => {
    const { rows, gates } = buildContinuity(input(over));
    expect(rows[0]!.holds).toBe(false);
    expect(rows[0]!.problems.join('\n')).toMatch(problem);
    expect(gates.get(1)!.holds).toBe(false);
    expect(gates.get(1)!.problems[0]).toMatch(/^acme\/shop \(production\): /);
    expect(gates.get(2)!.holds).toBe(true);
  });

  it('jobs that never talk to Kubernetes need no context', () => {
    const { rows } = buildContinuity(
      input({
        variables: new Map(),
        projects: [
          {
            project: 'acme/shop',
            problem: null,
            jobs: [job({ verdict: 'no-kubernetes', usesKubernetes: false })],
          },
        ],
      }),
    );
    expect(rows[0]).toMatchObject({ holds: true, context: null, sameCluster: null });
  });

  it('a project cluster wins: its row gates it, not the group cluster', () => {
    const own: CertCluster = {
      id: 3,
      name: 'own',
      level: 'project',
      owner: 'acme/shop',
      environmentScope: 'production',
      enabled: true,
      apiUrl: 'https://own.test',
      managementProject: null,
    };
    const { rows, gates } = buildContinuity(input({ clusters: [...clusters, own] }));
    expect(rows[0]!.oldCluster).toEqual({ id: 3, name: 'own' });
    expect(gates.get(3)!.holds).toBe(false);
    expect(gates.get(1)).toMatchObject({ holds: true, rows: 0 });
  });

  it('an unreadable CI configuration holds back every cluster that could serve the project', () => {
    const { gates } = buildContinuity(
      input({ projects: [{ project: 'acme/shop', problem: 'invalid YAML', jobs: [] }] }),
    );
    expect(gates.get(1)!.problems).toEqual([
      'acme/shop: its CI configuration could not be read: invalid YAML',
    ]);
    expect(gates.get(2)!.holds).toBe(false);
  });

  it('a job without an environment gated on kubernetes: active holds back the * clusters only', () => {
    const { gates } = buildContinuity(
      input({
        projects: [
          {
            project: 'acme/shop',
            problem: null,
            jobs: [
              job({
                name: 'smoke',
                environment: null,
                verdict: 'kubernetes-gate',
                class: 'stops',
                usesKubernetes: false,
                evidence: 'only: kubernetes: active',
              }),
            ],
          },
        ],
      }),
    );
    expect(gates.get(2)!.problems).toEqual([
      'acme/shop: job smoke would stop running: only: kubernetes: active',
    ]);
    expect(gates.get(1)!.holds).toBe(true);
  });
});
