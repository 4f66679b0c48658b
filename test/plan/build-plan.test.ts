// The mapping rules (docs/mapping-rules.md), one table or case each, and the hard combinations.
import { describe, expect, it } from 'vitest';
import { agentkObjectNames, renderAgentkManifests } from '../../src/kube/manifests.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState, type LiveState } from '../../src/plan/live-state.js';
import type { Plan } from '../../src/plan/types.js';
import { contractErrors, validatePlan } from '../helpers/contracts.js';
import { InventoryBuilder, planOptions } from './inventory-builder.js';

const PROD = 'https://k8s-prod.example.test:6443';
const STAGING = 'https://k8s-staging.example.test:6443';

function plan(
  builder: InventoryBuilder,
  options = planOptions(),
  live: LiveState = emptyLiveState(),
): Plan {
  const result = buildPlan(builder.build(), live, options);
  expect(contractErrors(validatePlan, result)).toEqual([]);
  return result;
}

const agent = (p: Plan, ref: string) => {
  const found = p.agents.find((a) => a.ref === ref);
  if (!found) throw new Error(`no agent ${ref}; have ${p.agents.map((a) => a.ref).join(', ')}`);
  return found;
};
const codes = (p: Plan) => p.warnings.map((w) => w.code);

describe('rule 1: one physical cluster per normalised API URL', () => {
  it.each([
    ['https://K8S-PROD.example.test:6443/', PROD],
    ['https://k8s-prod.example.test:443', 'https://k8s-prod.example.test'],
    ['https://k8s-prod.example.test/', 'https://k8s-prod.example.test'],
  ])('%s and %s are one cluster', (a, b) => {
    const p = plan(
      new InventoryBuilder().group('acme', 'prod', a).project('acme/web', 'prod-web', b),
    );
    expect(p.agents).toHaveLength(1);
    expect(p.agents[0]!.clusterIds).toEqual([1, 2]);
  });

  it('warns when registrations of one URL carry different CA certificates', () => {
    const p = plan(
      new InventoryBuilder()
        .group('acme', 'prod', PROD)
        .project('acme/web', 'prod', PROD, { caCert: 'CA-2' }),
    );
    expect(codes(p)).toContain('ca-cert-mismatch');
  });
});

describe('rule 2: hierarchy limit', () => {
  it('agents of two top-level groups on one cluster never share an agentk namespace', () => {
    const p = plan(
      new InventoryBuilder()
        .group('payments', 'staging', STAGING)
        .group('logistics', 'staging', STAGING)
        .group('data', 'staging', PROD),
    );
    const namespaces = p.agents.map((a) => `${a.ref} ${a.namespace}`).sort();
    expect(namespaces).toEqual([
      'data/gitlab-agents:staging gitlab-agent-staging',
      'logistics/gitlab-agents:staging gitlab-agent-logistics-staging',
      'payments/gitlab-agents:staging gitlab-agent-payments-staging',
    ]);
  });

  it('keeps agentk namespaces within 63 characters', () => {
    const long = 'x'.repeat(63);
    const p = plan(new InventoryBuilder().group('payments', long, PROD).group('data', long, PROD));
    for (const a of p.agents) expect(a.namespace.length).toBeLessThanOrEqual(63);
    expect(new Set(p.agents.map((a) => a.namespace)).size).toBe(2);
  });

  it('one API URL in two top-level groups gives one agent per top-level group, each authorising only its own', () => {
    const p = plan(
      new InventoryBuilder()
        .group('payments', 'prod', PROD)
        .group('logistics', 'prod', PROD, { environmentScope: 'production' }),
    );
    expect(p.agents.map((a) => a.ref)).toEqual([
      'logistics/gitlab-agents:prod',
      'payments/gitlab-agents:prod',
    ]);
    expect(agent(p, 'payments/gitlab-agents:prod').config.ci_access).toEqual({
      groups: [{ id: 'payments', access_as: { agent: {} } }],
    });
    expect(agent(p, 'logistics/gitlab-agents:prod').config.ci_access).toEqual({
      groups: [{ id: 'logistics', access_as: { agent: {} }, environments: ['production'] }],
    });
    for (const a of p.agents) {
      const ids = [
        ...(a.config.ci_access?.groups ?? []),
        ...(a.config.ci_access?.projects ?? []),
      ].map((e) => e.id.split('/')[0]);
      expect(new Set(ids)).toEqual(new Set([a.rootNamespace]));
      expect(a.project.split('/')[0]).toBe(a.rootNamespace);
    }
  });

  it('with --instance-authorization one agent per physical cluster suffices', () => {
    const p = plan(
      new InventoryBuilder().group('payments', 'prod', PROD).group('logistics', 'prod', PROD),
      planOptions({ instanceAuthorization: true }),
    );
    expect(p.agents).toHaveLength(1);
    expect(p.agents[0]!.config.ci_access?.groups?.map((g) => g.id)).toEqual([
      'logistics',
      'payments',
    ]);
  });
});

describe('agents on one physical cluster never share an agentk object', () => {
  /** Every object apply would install for each agent, as the cluster tells them apart. */
  const installed = (p: Plan) =>
    p.agents.flatMap((a) =>
      renderAgentkManifests({
        agentName: a.name,
        namespace: a.namespace,
        kasAddress: 'wss://kas.example.test',
        kasVersion: '17.11.2',
        rbac: { kind: 'cluster-admin' },
        token: { value: 'not-a-token', id: 1 },
      }).map((o) => ({
        agent: a.ref,
        object: `${a.apiUrl} ${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`,
      })),
    );
  /** Objects two agents would both write, with the agents. */
  const shared = (p: Plan) => {
    const owners = new Map<string, string[]>();
    for (const { agent, object } of installed(p))
      owners.set(object, [...(owners.get(object) ?? []), agent]);
    return [...owners].filter(([, agents]) => agents.length > 1);
  };

  it('two top-level groups whose paths share their first 50 characters get a namespace each', () => {
    // Cut at 63, `gitlab-agent-<root>-prod` was one namespace for both: each agent overwrote the
    // other's token Secret on every run, and both looked connected.
    const north = 'platform-engineering-europe-west-division-alpha-team-north';
    const south = 'platform-engineering-europe-west-division-alpha-team-south';
    const p = plan(new InventoryBuilder().group(north, 'prod', PROD).group(south, 'prod', PROD));
    expect(p.agents.map((a) => a.namespace)).toEqual([
      'gitlab-agent-platform-engineering-europe-west-division-9d574278',
      'gitlab-agent-platform-engineering-europe-west-division-7f06af0a',
    ]);
    expect(shared(p)).toEqual([]);
    expect(codes(p)).not.toContain('agentk-name-collision');
  });

  it('an agent split past 500 projects with a long cluster name gives its agents their own namespace and Deployment', () => {
    // `<long>` and `<long>-2` share their first 60 characters: one namespace, and the chart's
    // `fullname | trunc 60`-v2 one Deployment, which the second agent could never take over.
    const long = 'Production Kubernetes Cluster europe-west1 primary workloads shared';
    const builder = new InventoryBuilder();
    for (let i = 0; i < 501; i += 1)
      builder.project(`acme/p${String(i).padStart(4, '0')}`, long, PROD);
    const p = plan(builder);
    expect(p.agents.map((a) => a.name)).toEqual([
      'production-kubernetes-cluster-europe-west1-primary-workloads-2',
      'production-kubernetes-cluster-europe-west1-primary-workloads-sh',
    ]);
    expect(new Set(p.agents.map((a) => a.namespace)).size).toBe(2);
    const deployments = p.agents.map((a) => agentkObjectNames(a.name).deployment);
    expect(new Set(deployments).size).toBe(2);
    expect(shared(p)).toEqual([]);
    expect(codes(p)).toContain('access-list-split');
    expect(codes(p)).not.toContain('agentk-name-collision');
  });

  it("moves an agent whose usual namespace is another agent's namespace with its root in it", () => {
    // payments' and logistics' "prod" move to gitlab-agent-<root>-prod; data's cluster is named
    // "payments-prod", whose usual namespace is then taken too.
    const p = plan(
      new InventoryBuilder()
        .group('payments', 'prod', PROD)
        .group('logistics', 'prod', PROD)
        .group('data', 'payments-prod', PROD),
    );
    expect(p.agents.map((a) => `${a.ref} ${a.namespace}`)).toEqual([
      'data/gitlab-agents:payments-prod gitlab-agent-data-payments-prod',
      'logistics/gitlab-agents:prod gitlab-agent-logistics-prod',
      'payments/gitlab-agents:prod gitlab-agent-payments-prod',
    ]);
    expect(shared(p)).toEqual([]);
  });

  it('an agent on another cluster keeps its usual namespace', () => {
    const p = plan(
      new InventoryBuilder()
        .group('payments', 'prod', PROD)
        .group('logistics', 'prod', PROD)
        .group('data', 'payments-prod', STAGING),
    );
    expect(agent(p, 'data/gitlab-agents:payments-prod').namespace).toBe(
      'gitlab-agent-payments-prod',
    );
  });

  it('says which agents still share objects, and what to do, instead of overwriting one silently', () => {
    // Top-level groups my_group and my-group are both "my-group" in a namespace name, and both
    // agents are called "prod": every name would be the same.
    const p = plan(
      new InventoryBuilder().group('my_group', 'prod', PROD).group('my-group', 'prod', PROD),
    );
    const collisions = p.warnings.filter((w) => w.code === 'agentk-name-collision');
    expect(collisions).toHaveLength(1);
    expect(collisions[0]!.clusterId).toBe(1);
    const message = collisions[0]!.message;
    expect(message).toContain('my_group/gitlab-agents:prod and my-group/gitlab-agents:prod');
    expect(message).toContain('Namespace gitlab-agent-my-group-prod');
    expect(message).toContain('Secret gitlab-agent-my-group-prod/prod-gitlab-agent-token');
    expect(message).toContain('apply --only my_group/gitlab-agents:prod');
    expect(p.summary.warnings).toBe(p.warnings.length);
    // The warning tells the truth: these agents do share objects.
    expect(shared(p).length).toBeGreaterThan(0);
  });

  it('counts an agent already cut over among those on its cluster', () => {
    const live: LiveState = {
      projects: {
        'my_group/gitlab-agents': {
          exists: true,
          agents: ['prod'],
          files: {
            '.gitlab/agents/prod/config.yaml': 'ci_access:\n  groups:\n    - id: my_group\n',
          },
          connectedAgents: ['prod'],
        },
      },
    };
    const p = plan(
      new InventoryBuilder()
        .group('my_group', 'prod', PROD, { enabled: false })
        .group('my-group', 'prod', PROD),
      planOptions(),
      live,
    );
    expect(agent(p, 'my_group/gitlab-agents:prod').status).toBe('done');
    expect(codes(p)).toContain('agentk-name-collision');
  });
});

describe('rule 3: where the agent lives', () => {
  it.each([
    [
      'a single project keeps its agent',
      new InventoryBuilder().project('acme/web', 'prod', PROD),
      'acme/web',
      false,
    ],
    [
      'the management project in the same root wins',
      new InventoryBuilder()
        .group('acme', 'prod', PROD, { managementProject: 'acme/ops/cluster-management' })
        .project('acme/web', 'p', PROD),
      'acme/ops/cluster-management',
      false,
    ],
    [
      'several projects share acme/gitlab-agents, created by apply',
      new InventoryBuilder().project('acme/web', 'prod', PROD).project('acme/api', 'prod', PROD),
      'acme/gitlab-agents',
      true,
    ],
    [
      'a personal-namespace project keeps its agent',
      new InventoryBuilder().project('ines/homelab', 'k3s', PROD, { rootNamespaceKind: 'user' }),
      'ines/homelab',
      false,
    ],
  ])('%s', (_name, builder, project, create) => {
    const p = plan(builder);
    expect(p.agents.map((a) => [a.project, a.createProject])).toEqual([[project, create]]);
  });

  it('ignores a management project in another top-level group, with a warning', () => {
    const p = plan(
      new InventoryBuilder().group('acme', 'prod', PROD, { managementProject: 'other/cm' }),
    );
    expect(p.agents[0]!.project).toBe('acme/gitlab-agents');
    expect(codes(p)).toContain('management-project-other-root');
  });

  it('does not plan to create a shared project that exists, and honours an explicit choice', () => {
    const builder = new InventoryBuilder()
      .project('acme/web', 'prod', PROD)
      .project('acme/api', 'prod', PROD);
    const live: LiveState = {
      projects: { 'acme/gitlab-agents': { exists: true, agents: [], files: {} } },
    };
    expect(plan(builder, planOptions(), live).agents[0]!.createProject).toBe(false);
    expect(
      plan(builder, planOptions({ agentProjects: { acme: 'acme/platform/agents' } })).agents[0]!
        .project,
    ).toBe('acme/platform/agents');
  });
});

describe('rule 4: ci_access', () => {
  it('authorises projects and groups by full path, merging environment scopes; * lifts the restriction', () => {
    const p = plan(
      new InventoryBuilder()
        .project('acme/web', 'prod', PROD, { environmentScope: 'production' })
        .project('acme/web', 'prod-review', PROD, { environmentScope: 'review/*' })
        .group('acme/team', 'prod-team', PROD, { environmentScope: 'staging' })
        .group('acme/team', 'prod-team-all', PROD, { environmentScope: '*' }),
    );
    expect(p.agents[0]!.config.ci_access).toEqual({
      projects: [
        { id: 'acme/web', access_as: { agent: {} }, environments: ['production', 'review/*'] },
      ],
      groups: [{ id: 'acme/team', access_as: { agent: {} } }],
    });
  });

  it('splits an agent past 500 authorised projects instead of emitting entries GitLab drops', () => {
    const builder = new InventoryBuilder();
    for (let i = 0; i < 1001; i += 1)
      builder.project(`acme/p${String(i).padStart(4, '0')}`, 'prod', PROD);
    const p = plan(builder);
    expect(p.agents.map((a) => a.config.ci_access?.projects?.length)).toEqual([500, 500, 1]);
    expect(p.agents.map((a) => a.name)).toEqual(['prod', 'prod-2', 'prod-3']);
    expect(codes(p)).toContain('access-list-split');
    // Each project's context points at the agent that authorises it.
    for (const a of p.agents) {
      const authorised = new Set(a.config.ci_access!.projects!.map((e) => e.id));
      for (const v of a.ciVariables) expect(authorised.has(v.owner!)).toBe(true);
    }
  });
});

describe('rule 5: which context a job uses', () => {
  it('a project cluster for production and a parent-group cluster for * keep their levels and scopes', () => {
    const p = plan(
      new InventoryBuilder()
        .project('acme/shop/checkout', 'checkout-prod', PROD, {
          environmentScope: 'production',
          namespace: 'checkout',
          domain: 'apps.example.test',
        })
        .group('acme/shop', 'shop-staging', STAGING),
    );
    const vars = p.agents.flatMap((a) => a.ciVariables);
    expect(vars).toEqual(
      expect.arrayContaining([
        {
          level: 'project',
          owner: 'acme/shop/checkout',
          key: 'KUBE_CONTEXT',
          value: 'acme/shop/checkout:checkout-prod',
          environmentScope: 'production',
        },
        {
          level: 'project',
          owner: 'acme/shop/checkout',
          key: 'KUBE_NAMESPACE',
          value: 'checkout',
          environmentScope: 'production',
        },
        {
          level: 'project',
          owner: 'acme/shop/checkout',
          key: 'KUBE_INGRESS_BASE_DOMAIN',
          value: 'apps.example.test',
          environmentScope: 'production',
        },
        {
          level: 'group',
          owner: 'acme/shop',
          key: 'KUBE_CONTEXT',
          value: 'acme/gitlab-agents:shop-staging',
          environmentScope: '*',
        },
      ]),
    );
    expect(vars).toHaveLength(4);
  });

  it('an instance cluster without --instance-authorization: one agent and one group variable per top-level group', () => {
    const p = plan(
      new InventoryBuilder()
        .instance('shared', PROD, { environmentScope: 'review/*' })
        .topLevelGroups('acme', 'beta'),
    );
    expect(p.agents.map((a) => a.ref)).toEqual([
      'acme/gitlab-agents:shared',
      'beta/gitlab-agents:shared',
    ]);
    expect(agent(p, 'beta/gitlab-agents:shared').config.ci_access).toEqual({
      groups: [{ id: 'beta', access_as: { agent: {} }, environments: ['review/*'] }],
    });
    expect(p.agents.flatMap((a) => a.ciVariables).map((v) => [v.level, v.owner, v.value])).toEqual([
      ['group', 'acme', 'acme/gitlab-agents:shared'],
      ['group', 'beta', 'beta/gitlab-agents:shared'],
    ]);
    expect(codes(p)).toContain('instance-cluster-personal-namespaces');
  });

  it('an instance cluster with --instance-authorization: one agent, instance access and an instance variable', () => {
    const p = plan(
      new InventoryBuilder().instance('shared', PROD).topLevelGroups('acme', 'beta'),
      planOptions({ instanceAuthorization: true }),
    );
    expect(p.agents).toHaveLength(1);
    expect(p.agents[0]!.config.ci_access).toEqual({ instance: {} });
    expect(p.agents[0]!.ciVariables.map((v) => [v.level, v.owner, v.key])).toEqual([
      ['instance', null, 'KUBE_CONTEXT'],
    ]);
    expect(codes(p)).toContain('agent-project-guess');
  });

  it("drops an instance cluster's group variable where the group's own cluster had the same scope", () => {
    const p = plan(
      new InventoryBuilder()
        .group('acme', 'acme-prod', STAGING)
        .instance('shared', PROD)
        .topLevelGroups('acme'),
    );
    const contexts = p.agents.flatMap((a) =>
      a.ciVariables.filter((v) => v.key === 'KUBE_CONTEXT' && v.owner === 'acme'),
    );
    expect(contexts.map((v) => v.value)).toEqual(['acme/gitlab-agents:acme-prod']);
  });
});

describe('rule 6: managed clusters', () => {
  const managed = () =>
    new InventoryBuilder().project('acme/web', 'prod', PROD, {
      managed: true,
      namespacePerEnvironment: true,
    });

  it('on free: agent access and a warning saying what is lost', () => {
    const p = plan(managed());
    expect(p.agents[0]!.config.ci_access?.projects?.[0]?.access_as).toEqual({ agent: {} });
    expect(p.agents[0]!.environmentTemplate).toBeNull();
    expect(codes(p)).toContain('managed-resources-need-premium');
  });

  it('on premium: ci_job access, managed resources and a template keeping the old namespace names', () => {
    const p = plan(managed(), planOptions({ tier: 'premium' }));
    expect(p.agents[0]!.config.ci_access?.projects?.[0]).toMatchObject({
      access_as: { ci_job: {} },
      resource_management: { enabled: true },
    });
    expect(p.agents[0]!.environmentTemplate).toContain(
      'name: "{{ .project.slug }}-{{ .project.id }}-{{ .environment.slug }}"',
    );
    expect(p.agents[0]!.environmentTemplate).toContain('delete_resources: never');
    expect(codes(p)).not.toContain('managed-resources-need-premium');
  });
});

describe('rule 7: user_access only when asked', () => {
  it.each([false, true])('--user-access=%s', (userAccess) => {
    const p = plan(new InventoryBuilder().group('acme', 'prod', PROD), planOptions({ userAccess }));
    expect(p.agents[0]!.config.user_access != null).toBe(userAccess);
    expect(codes(p).includes('user-access-granted')).toBe(userAccess);
  });
});

describe('rule 8: agent names', () => {
  it.each([
    ['Production EU (main)', 'production-eu-main'],
    ['--weird__NAME--', 'weird-name'],
    ['x'.repeat(80), 'x'.repeat(63)],
    ['!!!', 'agent'],
  ])('%s → %s', (name, expected) => {
    expect(plan(new InventoryBuilder().project('acme/web', name, PROD)).agents[0]!.name).toBe(
      expected,
    );
  });

  it('takes the group registration before a lower-id project one, and makes names unique in a project', () => {
    const p = plan(
      new InventoryBuilder()
        .project('acme/web', 'web-prod', PROD)
        .group('acme', 'production', PROD)
        .group('acme/a', 'production', STAGING),
    );
    expect(p.agents.map((a) => a.ref).sort()).toEqual([
      'acme/gitlab-agents:production',
      'acme/gitlab-agents:production-2',
    ]);
  });
});

describe('rule 9: skipped and done', () => {
  it('skips a disabled cluster with a reason and plans no agent for it', () => {
    const p = plan(new InventoryBuilder().project('acme/web', 'old', PROD, { enabled: false }));
    expect(p.clusters[0]).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/turned off/) as unknown,
      agents: [],
    });
    expect(p.agents).toEqual([]);
    expect(p.steps).toEqual([]);
  });

  it('shows an already migrated cluster as done, with nothing pending', () => {
    const builder = new InventoryBuilder().project('acme/web', 'prod', PROD, { enabled: false });
    const live: LiveState = {
      projects: {
        'acme/web': {
          exists: true,
          agents: ['prod'],
          files: { '.gitlab/agents/prod/config.yaml': 'ci_access: {}\n' },
        },
      },
    };
    const p = plan(builder, planOptions(), live);
    expect(p.clusters[0]).toMatchObject({ action: 'done', agents: ['acme/web:prod'] });
    expect(p.agents[0]!.status).toBe('done');
    expect(p.steps).toEqual([]);
    expect(p.summary).toMatchObject({ toMigrate: 0, done: 1 });
  });
});

describe('rule 10: steps in cut-over order', () => {
  it('after a partial apply lists only what is left: connected agent, variables and environments in place', () => {
    const builder = new InventoryBuilder().project('acme/web', 'prod', PROD, {
      environmentScope: 'production',
      domain: 'web.test',
    });
    const base: LiveState = {
      projects: {
        'acme/web': {
          exists: true,
          agents: ['prod'],
          files: { '.gitlab/agents/prod/config.yaml': 'ci_access: {}\n' },
          connectedAgents: ['prod'],
          environments: [
            { name: 'production', agent: 'prod' },
            { name: 'staging', agent: null }, // not in the cluster's scope: not this agent's
          ],
        },
      },
      variables: {
        'project:acme/web': [
          { key: 'KUBE_CONTEXT', environmentScope: 'production', value: 'acme/web:prod' },
          { key: 'KUBE_INGRESS_BASE_DOMAIN', environmentScope: 'production', value: 'other.test' },
        ],
      },
    };
    const p = plan(builder, planOptions(), base);
    expect(p.steps.map((s) => s.id)).toEqual([
      'acme/web:prod/set-variable:project:acme/web:KUBE_INGRESS_BASE_DOMAIN:production',
      'acme/web:prod/disable-cluster:1',
    ]);
    const unlinked = structuredClone(base);
    unlinked.projects['acme/web']!.environments = [{ name: 'production', agent: null }];
    unlinked.projects['acme/web']!.connectedAgents = [];
    const kinds = plan(builder, planOptions(), unlinked).steps.map((s) => s.kind);
    expect(kinds).toEqual([
      'create-token',
      'install-agentk',
      'wait-connection',
      'set-variable',
      'link-environment',
      'disable-cluster',
    ]);
  });

  it('orders a new agent’s steps and leaves out what already exists', () => {
    const builder = new InventoryBuilder()
      .project('acme/web', 'prod', PROD)
      .project('acme/api', 'prod', PROD);
    const kinds = (p: Plan) => [...new Set(p.steps.map((s) => s.kind))];
    expect(kinds(plan(builder))).toEqual([
      'create-project',
      'commit-config',
      'register-agent',
      'create-token',
      'install-agentk',
      'wait-connection',
      'set-variable',
      'disable-cluster',
    ]);
    const live: LiveState = {
      projects: { 'acme/gitlab-agents': { exists: true, agents: ['prod'], files: {} } },
    };
    const partial = plan(builder, planOptions(), live);
    expect(kinds(partial)).toEqual([
      'commit-config',
      'create-token',
      'install-agentk',
      'wait-connection',
      'set-variable',
      'disable-cluster',
    ]);
    expect(partial.agents[0]!.status).toBe('partial');
  });

  it('links environments only where the agent is registered in the project itself', () => {
    const p = plan(new InventoryBuilder().project('acme/web', 'prod', PROD));
    expect(p.steps.filter((s) => s.kind === 'link-environment').map((s) => s.id)).toEqual([
      'acme/web:prod/link-environment:acme/web',
    ]);
  });
});

it('is deterministic: the same input gives a byte-identical plan', () => {
  const build = () =>
    new InventoryBuilder()
      .instance('shared', PROD)
      .group('b', 'x', STAGING)
      .project('a/p', 'y', PROD, { environmentScope: 'production' })
      .topLevelGroups('a', 'b');
  expect(JSON.stringify(plan(build()))).toBe(JSON.stringify(plan(build())));
});
