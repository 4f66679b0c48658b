// The typed wrappers the apply engine calls (agents, tokens, variables, environments, cluster edits),
// through our real client and transport against the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  createToken,
  deleteAgent,
  findAgent,
  getToken,
  listActiveTokens,
  listAgents,
  registerAgent,
  revokeToken,
} from '../../src/gitlab/agents.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { linkEnvironmentToAgent, listEnvironments } from '../../src/gitlab/environments.js';
import {
  createVariable,
  deleteVariable,
  findVariable,
  listVariables,
  updateVariable,
  type VariableLevel,
} from '../../src/gitlab/variables.js';
import { redact } from '../../src/redact.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import type { ProjectRecord } from '../../src/simulator/gitlab/state.js';
import { smallFixture, TOKENS } from '../simulator/small-fixture.js';
import { testClient } from '../helpers/gitlab.js';

let sim: GitLabSimulator;
let admin: GitLabClient;
let maria: GitLabClient;
let dev: GitLabClient;
beforeAll(async () => {
  sim = await startGitLabSimulator({ fixture: smallFixture() });
  admin = testClient(sim.url, TOKENS.adminApi);
  maria = testClient(sim.url, TOKENS.maintainerApi);
  dev = testClient(sim.url, TOKENS.developerApi);
});
afterAll(async () => {
  await sim.close();
});

const API = 'acme/payments/api';
const project = (path: string) => sim.state.findProject(path) as ProjectRecord;

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('agents', () => {
  it('registers, finds and deletes an agent by project path', async () => {
    const agent = await registerAgent(maria, API, 'wrapper-agent');
    expect(agent).toEqual({
      id: expect.any(Number) as unknown,
      name: 'wrapper-agent',
      projectPath: API,
      createdAt: expect.any(String) as unknown,
    });
    expect(await findAgent(dev, API, 'wrapper-agent')).toEqual(agent);
    expect(await findAgent(dev, API, 'absent')).toBeNull();
    await deleteAgent(maria, API, agent.id);
    expect(await findAgent(dev, API, 'wrapper-agent')).toBeNull();
  });

  it('reads every page of a long agent list', async () => {
    const ledger = project('acme/payments/core/ledger');
    for (let i = 0; i < 105; i++)
      sim.state.agents.register(ledger, `bulk-${String(i).padStart(3, '0')}`, null);
    sim.clearRequests();
    const agents = await listAgents(dev, 'acme/payments/core/ledger');
    expect(agents).toHaveLength(105);
    expect(agents[104]?.name).toBe('bulk-104');
    expect(sim.requests.map((r) => r.query['page'])).toEqual(['1', '2']);
  });

  it('explains refusals: a taken name, and a Developer trying to register', async () => {
    await registerAgent(maria, API, 'taken');
    const taken = await rejection(registerAgent(maria, API, 'taken'));
    expect(taken.message).toBe(
      'GitLab refused to register agent "taken" in project acme/payments/api: Name has already been taken.',
    );
    const denied = await rejection(registerAgent(dev, API, 'by-dev'));
    expect(denied.message).toContain('403 Forbidden');
    expect(denied.hint).toContain('Maintainer');
  });
});

describe('agent tokens', () => {
  it('creates a token, registers it as a secret and never sends it again', async () => {
    sim.clearRequests();
    const agent = await registerAgent(maria, API, 'token-wrapper');
    const { record, token } = await createToken(maria, API, agent.id, 'agentk', 'for agentk');
    expect(token).toMatch(/^glagent-[A-Za-z0-9_-]{50}$/);
    expect(redact(`value=${token}`)).toBe('value=[REDACTED]');
    expect(record).toEqual({
      id: expect.any(Number) as unknown,
      name: 'agentk',
      description: 'for agentk',
      status: 'active',
      createdAt: expect.any(String) as unknown,
      lastUsedAt: null,
    });
    expect(await listActiveTokens(dev, API, agent.id)).toEqual([record]);
    expect(JSON.stringify(sim.requests)).not.toContain(token);
  });

  it('reports last_used_at once the simulated agentk connects', async () => {
    const agent = await registerAgent(maria, API, 'connecting');
    const { record, token } = await createToken(maria, API, agent.id, 'agentk', '');
    expect((await getToken(dev, API, agent.id, record.id))?.lastUsedAt).toBeNull();
    const at = new Date('2032-02-03T04:05:06.000Z');
    sim.state.agents.connect(token, at);
    expect((await getToken(dev, API, agent.id, record.id))?.lastUsedAt).toBe(at.toISOString());
    // the list endpoint lacks last_used_at; the wrapper fills it in
    expect((await listActiveTokens(dev, API, agent.id))[0]?.lastUsedAt).toBe(at.toISOString());
  });

  it('stays within two active tokens, revokes idempotently, and reads revoked tokens as null', async () => {
    const agent = await registerAgent(maria, API, 'limited');
    const first = await createToken(maria, API, agent.id, 'one', '');
    await createToken(maria, API, agent.id, 'two', '');
    const third = await rejection(createToken(maria, API, agent.id, 'three', ''));
    expect(third.message).toBe(
      `Agent ${agent.id} in acme/payments/api already has two active tokens, GitLab's limit.`,
    );
    await revokeToken(maria, API, agent.id, first.record.id);
    await revokeToken(maria, API, agent.id, first.record.id);
    expect(await getToken(maria, API, agent.id, first.record.id)).toBeNull();
    expect((await listActiveTokens(maria, API, agent.id)).map((t) => t.name)).toEqual(['two']);
    await createToken(maria, API, agent.id, 'three', '');
    expect(await listActiveTokens(maria, API, agent.id)).toHaveLength(2);
  });
});

describe('variables', () => {
  const cases: { level: VariableLevel; owner: string | null; client: () => GitLabClient }[] = [
    { level: 'project', owner: API, client: () => maria },
    { level: 'group', owner: 'acme/payments', client: () => admin },
    { level: 'instance', owner: null, client: () => admin },
  ];

  for (const { level, owner, client } of cases) {
    it(`creates, finds, updates and deletes a ${level} variable`, async () => {
      const c = client();
      const key = `KUBE_CONTEXT_${level.toUpperCase()}`;
      expect(await findVariable(c, level, owner, key, '*')).toBeNull();
      const made = await createVariable(c, level, owner, {
        key,
        value: 'acme/agents:prod',
        environmentScope: '*',
        description: 'Set by migrate-clusters',
      });
      expect(made).toEqual({
        key,
        value: 'acme/agents:prod',
        environmentScope: '*',
        protected: false,
        masked: false,
        raw: false,
        description: 'Set by migrate-clusters',
      });
      expect(await findVariable(c, level, owner, key, '*')).toEqual(made);
      const dupe = await rejection(
        createVariable(c, level, owner, { key, value: 'again', environmentScope: '*' }),
      );
      expect(dupe.message).toContain(`${key} already exists on`);
      const updated = await updateVariable(c, level, owner, {
        key,
        value: 'acme/agents:other',
        environmentScope: '*',
      });
      expect(updated.value).toBe('acme/agents:other');
      expect((await listVariables(c, level, owner)).map((v) => v.key)).toContain(key);
      await deleteVariable(c, level, owner, key, '*');
      expect(await findVariable(c, level, owner, key, '*')).toBeNull();
    });
  }

  it('keeps same-key variables of other scopes apart', async () => {
    const key = 'KUBE_NAMESPACE';
    await createVariable(maria, 'project', API, { key, value: 'all', environmentScope: '*' });
    await createVariable(maria, 'project', API, {
      key,
      value: 'prod',
      environmentScope: 'production',
    });
    expect((await findVariable(maria, 'project', API, key, 'production'))?.value).toBe('prod');
    await updateVariable(maria, 'project', API, {
      key,
      value: 'prod-2',
      environmentScope: 'production',
    });
    await deleteVariable(maria, 'project', API, key, '*');
    expect(await findVariable(maria, 'project', API, key, '*')).toBeNull();
    expect((await findVariable(maria, 'project', API, key, 'production'))?.value).toBe('prod-2');
    expect(await findVariable(maria, 'project', API, key, 'staging')).toBeNull();
  });

  it('reads every page of a long variable list', async () => {
    const ledger = sim.state.findProject('acme/payments/core/ledger') as ProjectRecord;
    for (let i = 0; i < 130; i++)
      sim.state.variables.create(`project:${ledger.id}`, { key: `BULK_${i}`, value: String(i) });
    const all = await listVariables(maria, 'project', 'acme/payments/core/ledger');
    expect(all.filter((v) => v.key.startsWith('BULK_'))).toHaveLength(130);
  });

  it('says which role is missing, and refuses scoped instance variables before asking GitLab', async () => {
    const group = await rejection(
      createVariable(maria, 'group', 'acme/payments', {
        key: 'X',
        value: 'y',
        environmentScope: '*',
      }),
    );
    expect(group.hint).toBe(
      'Group CI/CD variables need the Owner role in the group (Maintainer is not enough).',
    );
    sim.clearRequests();
    const scoped = await rejection(
      createVariable(admin, 'instance', null, {
        key: 'KUBE_CONTEXT',
        value: 'a:b',
        environmentScope: 'production',
      }),
    );
    expect(scoped.message).toContain('Instance CI/CD variables have no environment scope');
    expect(sim.requests).toEqual([]);
  });
});

describe('environments', () => {
  it('lists every environment and links one to an agent of its project', async () => {
    const api = project(API);
    for (let i = 0; i < 120; i++) sim.state.environments.add(api, `review/mr-${i}`);
    const environments = await listEnvironments(dev, API);
    expect(environments).toHaveLength(120);
    const target = environments[7]!;
    expect(target).toMatchObject({
      name: 'review/mr-7',
      tier: 'development',
      clusterAgentId: null,
    });
    const agent = await registerAgent(maria, API, 'env-link');
    const linked = await linkEnvironmentToAgent(dev, API, target.id, agent.id, 'payments');
    expect(linked).toEqual({
      ...target,
      clusterAgentId: agent.id,
      kubernetesNamespace: 'payments',
    });
    expect((await listEnvironments(dev, API))[7]?.clusterAgentId).toBe(agent.id);
    // unlinking clears the namespace too, which GitLab requires
    const unlinked = await linkEnvironmentToAgent(dev, API, target.id, null);
    expect(unlinked).toMatchObject({ clusterAgentId: null, kubernetesNamespace: null });
  });

  it('explains that only agents of the same project can be linked', async () => {
    const foreign = await registerAgent(admin, 'acme/web', 'web-agent');
    const env = sim.state.environments.add(project(API), 'production');
    const error = await rejection(linkEnvironmentToAgent(maria, API, env.id, foreign.id));
    expect(error.message).toBe(
      `GitLab cannot link environment ${env.id} of acme/payments/api to agent ${foreign.id}: the agent must be registered in acme/payments/api itself.`,
    );
  });
});

describe('certificate cluster edits', () => {
  it('turns a cluster off and keeps its namespace_per_environment', async () => {
    sim.state.clustersById.get(1)!.data.namespace_per_environment = false;
    sim.clearRequests();
    const edited = await maria.clusters.edit('project', API, 1, { enabled: false });
    expect(edited).toMatchObject({ id: 1, enabled: false, namespace_per_environment: false });
    const put = sim.requests.find((r) => r.method === 'PUT');
    expect(put?.bodyJson).toEqual({ namespace_per_environment: false, enabled: false });
    expect(await maria.clusters.show('project', API, 1)).toMatchObject({
      enabled: false,
      namespace_per_environment: false,
    });
    await maria.clusters.edit('project', API, 1, { enabled: true, namespacePerEnvironment: false });
    expect(
      sim.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/clusters/1')),
    ).toHaveLength(2);
  });

  it('edits group and instance clusters', async () => {
    expect(await admin.clusters.edit('group', 'acme', 3, { enabled: false })).toMatchObject({
      id: 3,
      enabled: false,
    });
    expect(await admin.clusters.edit('instance', null, 5, { enabled: false })).toMatchObject({
      id: 5,
      enabled: false,
    });
    expect((await admin.clusters.show('instance', null, 5)).enabled).toBe(false);
    await expect(dev.clusters.edit('project', API, 1, { enabled: false })).rejects.toThrow(
      '403 Forbidden',
    );
  });
});
