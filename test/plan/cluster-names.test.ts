// The plan's check that agents on one physical cluster share no agentk object, and that every
// name is one Kubernetes accepts.
import { describe, expect, it } from 'vitest';
import { renderAgentkManifests } from '../../src/kube/manifests.js';
import { agentNamespace } from '../../src/plan/agent-name.js';
import {
  agentkObjectIds,
  checkAgentkNames,
  nameProblem,
  type AgentkObjectId,
} from '../../src/plan/cluster-names.js';
import type { PlannedAgent } from '../../src/plan/types.js';

const PROD = 'https://k8s-prod.example.test:6443';

function planned(ref: string, overrides: Partial<PlannedAgent> = {}): PlannedAgent {
  const [project, name] = ref.split(':') as [string, string];
  return {
    ref,
    name,
    project,
    createProject: false,
    rootNamespace: project.split('/')[0]!,
    apiUrl: PROD,
    clusterIds: [1],
    kubeContext: null,
    namespace: agentNamespace(name),
    configPath: `.gitlab/agents/${name}/config.yaml`,
    config: {},
    environmentTemplate: null,
    ciVariables: [],
    status: 'new',
    ...overrides,
  };
}

describe('agentkObjectIds', () => {
  it.each([
    ['prod', 'gitlab-agent-prod'],
    ['gitlab-agent', 'gitlab-agent-gitlab-agent'],
    ['z'.repeat(63), agentNamespace('z'.repeat(63))],
  ])('lists exactly the objects apply installs for agent %s', (name, namespace) => {
    // Kept honest by the templates: a new object in templates/agentk/ must be listed here too.
    const rendered = renderAgentkManifests({
      agentName: name,
      namespace,
      kasAddress: 'wss://kas.example.test',
      kasVersion: '17.11.2',
      rbac: { kind: 'cluster-admin' },
      token: { value: 'not-a-token', id: 1 },
    }).map((o) => `${o.kind} ${o.metadata?.namespace ?? null} ${o.metadata?.name}`);
    const listed = agentkObjectIds({ name, namespace })
      .filter((id) => id.kind !== 'Helm release')
      .map((id) => `${id.kind} ${id.namespace} ${id.name}`);
    expect(listed.sort()).toEqual(rendered.sort());
  });

  it('every name of every agent name length is one Kubernetes accepts', () => {
    // every length, plain, ending in "gitlab-agent" and starting with it (the chart's two forms)
    const names = Array.from({ length: 63 }, (_, i) => i + 1).flatMap((n) => [
      'a'.repeat(n),
      ...(n >= 12 ? [`${'b'.repeat(n - 12)}gitlab-agent`] : []),
      ...(n >= 14 ? [`gitlab-agent-${'c'.repeat(n - 13)}`] : []),
    ]);
    for (const name of names) {
      for (const id of agentkObjectIds({ name, namespace: agentNamespace(name) }))
        expect([name, id.kind, nameProblem(id)]).toEqual([name, id.kind, null]);
    }
  });
});

describe('nameProblem', () => {
  const id = (rule: AgentkObjectId['rule'], name: string): AgentkObjectId => ({
    kind: 'Test',
    namespace: null,
    name,
    rule,
  });
  it.each([
    ['dns-label', 'a'.repeat(63), null],
    ['dns-label', 'a'.repeat(64), 'not an RFC 1123 label of at most 63 characters'],
    ['dns-label', 'Prod', 'not an RFC 1123 label of at most 63 characters'],
    ['dns-label', 'prod-', 'not an RFC 1123 label of at most 63 characters'],
    ['dns-label', 'a.b', 'not an RFC 1123 label of at most 63 characters'],
    ['dns-subdomain', `${'a'.repeat(63)}-token`, null],
    ['dns-subdomain', 'a.b', null],
    ['dns-subdomain', 'a'.repeat(254), 'not an RFC 1123 subdomain of at most 253 characters'],
    ['path-segment', 'gitlab-agent-prod:prod-gitlab-agent-system:deployer', null],
    ['path-segment', 'a/b', 'not a valid path segment'],
    ['path-segment', '..', 'not a valid path segment'],
    ['label-value', 'My_release.1', null],
    ['label-value', 'a'.repeat(64), 'not a label value of at most 63 characters'],
  ] as const)('%s %s: %s', (rule, name, problem) => {
    expect(nameProblem(id(rule, name))).toBe(problem);
  });
});

describe('checkAgentkNames', () => {
  it('says nothing when every agent has names of its own', () => {
    expect(
      checkAgentkNames([
        planned('a/gitlab-agents:prod', { namespace: 'gitlab-agent-a-prod' }),
        planned('b/gitlab-agents:prod', { namespace: 'gitlab-agent-b-prod' }),
        planned('c/gitlab-agents:staging'),
      ]),
    ).toEqual([]);
  });

  it('lets agents on different clusters have the same names', () => {
    expect(
      checkAgentkNames([
        planned('a/gitlab-agents:prod'),
        planned('b/gitlab-agents:prod', { apiUrl: 'https://k8s-staging.example.test:6443' }),
      ]),
    ).toEqual([]);
  });

  it('tells one cluster by its normalised API URL', () => {
    const warnings = checkAgentkNames([
      planned('a/gitlab-agents:prod', { clusterIds: [7, 3] }),
      planned('b/gitlab-agents:prod', {
        apiUrl: 'https://K8S-PROD.example.test:6443/',
        clusterIds: [5],
      }),
    ]);
    expect(warnings.map((w) => [w.code, w.clusterId])).toEqual([['agentk-name-collision', 3]]);
    expect(warnings[0]!.message).toContain(`on ${PROD} (Namespace gitlab-agent-prod,`);
  });

  it('names all agents sharing objects, and only the objects they share', () => {
    // Different agent names in one namespace: only the Namespace is shared, but a rollback of one
    // would delete it with the other's agentk inside.
    const warnings = checkAgentkNames([
      planned('a/gitlab-agents:prod', { namespace: 'gitlab-agent-shared' }),
      planned('b/gitlab-agents:staging', { namespace: 'gitlab-agent-shared' }),
      planned('c/gitlab-agents:dev', { namespace: 'gitlab-agent-shared' }),
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(
      /^Agents a\/gitlab-agents:prod, b\/gitlab-agents:staging and c\/gitlab-agents:dev would install agentk into the same objects on \S+ \(Namespace gitlab-agent-shared\): /,
    );
  });

  it('reports a name Kubernetes would refuse', () => {
    const warnings = checkAgentkNames([
      planned('a/gitlab-agents:prod', { namespace: `gitlab-agent-${'x'.repeat(60)}` }),
    ]);
    expect(warnings.map((w) => w.code)).toEqual(['agentk-name-invalid']);
    expect(warnings[0]!.message).toContain('not an RFC 1123 label of at most 63 characters');
  });
});
