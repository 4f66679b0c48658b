// Contract tests for simulated CI/CD variables (three levels), environments and their agent link, and the
// certificate cluster PUT, over real HTTP.
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call } from './helpers.js';
import { smallFixture, TOKENS } from './small-fixture.js';

const admin = { token: TOKENS.adminApi };
const maria = { token: TOKENS.maintainerApi };
const dev = { token: TOKENS.developerApi };

function fixture(): GitLabFixture {
  return {
    ...smallFixture(),
    environments: [
      { project: 'acme/payments/api', name: 'production' },
      { project: 'acme/payments/api', name: 'review/Feature_X' },
      { project: 'acme/payments/api', name: 'staging', tier: 'staging' },
      { project: 'acme/web', name: 'production' },
    ],
    variables: [{ level: 'group', owner: 'acme', key: 'SEEDED', value: 'from-fixture' }],
  };
}

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startGitLabSimulator({ fixture: fixture() });
});
afterAll(async () => {
  await sim.close();
});

const PV = '/projects/acme%2Fpayments%2Fapi/variables';

async function post(path: string, who: { token: string }, body: Record<string, unknown>) {
  return call(sim, path, { ...who, method: 'POST', body });
}

describe('project variables', () => {
  it('creates variables with the Ci::Variable entity and defaults', async () => {
    const res = await post(PV, maria, { key: 'KUBE_CONTEXT', value: 'acme/agents:prod' });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      variable_type: 'env_var',
      key: 'KUBE_CONTEXT',
      value: 'acme/agents:prod',
      hidden: false,
      protected: false,
      masked: false,
      raw: false,
      environment_scope: '*',
      description: null,
    });
  });

  it("allows the same key in another scope and refuses a duplicate with GitLab's body", async () => {
    expect((await post(PV, maria, { key: 'SCOPED', value: 'a' })).status).toBe(201);
    const other = await post(PV, maria, {
      key: 'SCOPED',
      value: 'b',
      environment_scope: 'production',
      description: 'prod only',
    });
    expect(other.status).toBe(201);
    const dupe = await post(PV, maria, {
      key: 'SCOPED',
      value: 'c',
      environment_scope: 'production',
    });
    expect(dupe.status).toBe(400);
    expect(dupe.json).toEqual({ message: { key: ['(SCOPED) has already been taken'] } });
  });

  it('needs filter[environment_scope] when a key exists in several scopes', async () => {
    await post(PV, maria, { key: 'AMBIG', value: 'star' });
    await post(PV, maria, { key: 'AMBIG', value: 'prod', environment_scope: 'production' });
    const ambiguous = await call(sim, `${PV}/AMBIG`, maria);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json).toEqual({
      message:
        "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
    });
    const prod = await call(sim, `${PV}/AMBIG?filter%5Benvironment_scope%5D=production`, maria);
    expect((prod.json as { value: string }).value).toBe('prod');

    // gitbeaker sends the filter as a nested JSON body on PUT and DELETE
    const api = new Gitlab({ host: sim.url, token: TOKENS.maintainerApi });
    const edited = await api.ProjectVariables.edit('acme/payments/api', 'AMBIG', 'prod-2', {
      filter: { environment_scope: 'production' },
    });
    expect(edited.value).toBe('prod-2');
    const star = await api.ProjectVariables.show('acme/payments/api', 'AMBIG', {
      filter: { environment_scope: '*' },
    });
    expect(star.value).toBe('star');
    await api.ProjectVariables.remove('acme/payments/api', 'AMBIG', {
      filter: { environment_scope: '*' },
    });
    expect(((await call(sim, `${PV}/AMBIG`, maria)).json as { value: string }).value).toBe(
      'prod-2',
    );
    const gone = await call(sim, `${PV}/NOPE`, maria);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ message: '404 Variable Not Found' });
  });

  it('validates keys and masked values like the model', async () => {
    expect((await post(PV, maria, { key: 'bad-key', value: 'x' })).json).toEqual({
      message: { key: ["can contain only letters, digits and '_'."] },
    });
    expect((await post(PV, maria, { key: 'SHORT', value: 'abc', masked: true })).json).toEqual({
      message: { value: ['is invalid'] },
    });
    expect((await post(PV, maria, { value: 'x' })).json).toEqual({ error: 'key is missing' });
    expect((await post(PV, maria, { key: 'T', value: 'x', variable_type: 'yaml' })).json).toEqual({
      error: 'variable_type does not have a valid value',
    });
  });

  it('lists every variable with offset pagination', async () => {
    const project = '/projects/acme%2Fpayments%2Fcore%2Fledger/variables';
    for (let i = 0; i < 25; i++) await post(project, maria, { key: `V${i}`, value: String(i) });
    const first = await call(sim, project, maria);
    expect((first.json as unknown[]).length).toBe(20);
    expect(first.headers.get('x-total')).toBe('25');
    const api = new Gitlab({ host: sim.url, token: TOKENS.maintainerApi });
    const all = await api.ProjectVariables.all('acme/payments/core/ledger');
    expect(all.map((v) => v.key)).toEqual(Array.from({ length: 25 }, (_, i) => `V${i}`));
  });

  it('needs Maintainer', async () => {
    const res = await post(PV, dev, { key: 'BY_DEV', value: 'x' });
    expect(res.status).toBe(403);
    expect((await call(sim, PV, dev)).status).toBe(403);
    expect((await call(sim, '/projects/13/variables', maria)).json).toEqual({
      message: '404 Project Not Found',
    });
  });
});

describe('group variables', () => {
  const GV = '/groups/acme%2Fpayments/variables';

  it('needs Owner: a Maintainer of the group is refused', async () => {
    expect((await post(GV, maria, { key: 'G', value: 'x' })).status).toBe(403);
    expect((await call(sim, GV, maria)).status).toBe(403);
  });

  it('creates, filters, updates and deletes by scope', async () => {
    expect((await post(GV, admin, { key: 'KUBE_CONTEXT', value: 'a' })).status).toBe(201);
    expect(
      (await post(GV, admin, { key: 'KUBE_CONTEXT', value: 'b', environment_scope: 'prod/*' }))
        .status,
    ).toBe(201);
    expect((await post(GV, admin, { key: 'KUBE_CONTEXT', value: 'c' })).json).toEqual({
      message: { key: ['(KUBE_CONTEXT) has already been taken'] },
    });
    const filtered = `${GV}/KUBE_CONTEXT?filter[environment_scope]=prod/*`;
    const put = await call(sim, filtered, { ...admin, method: 'PUT', body: { value: 'b2' } });
    expect((put.json as { value: string; environment_scope: string }).environment_scope).toBe(
      'prod/*',
    );
    expect((await call(sim, filtered, admin)).json).toMatchObject({ value: 'b2' });
    expect((await call(sim, filtered, { ...admin, method: 'DELETE' })).status).toBe(204);
    expect((await call(sim, filtered, admin)).json).toEqual({
      message: '404 GroupVariable Not Found',
    });
    expect((await call(sim, `${GV}/KUBE_CONTEXT`, admin)).json).toMatchObject({ value: 'a' });
  });

  it('serves variables from the fixture', async () => {
    expect((await call(sim, '/groups/acme/variables/SEEDED', admin)).json).toMatchObject({
      value: 'from-fixture',
      environment_scope: '*',
    });
  });
});

describe('instance variables', () => {
  const IV = '/admin/ci/variables';

  it('are for administrators only', async () => {
    expect((await post(IV, maria, { key: 'I', value: 'x' })).json).toEqual({
      message: '403 Forbidden',
    });
    expect((await call(sim, IV, maria)).status).toBe(403);
  });

  it('have no environment scope: the key is unique and the entity leaves the scope out', async () => {
    const res = await post(IV, admin, {
      key: 'KUBE_CONTEXT',
      value: 'x',
      environment_scope: 'production',
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      variable_type: 'env_var',
      key: 'KUBE_CONTEXT',
      value: 'x',
      protected: false,
      masked: false,
      raw: false,
      description: null,
    });
    const other = await post(IV, admin, {
      key: 'KUBE_CONTEXT',
      value: 'y',
      environment_scope: 'x',
    });
    expect(other.json).toEqual({ message: { key: ['(KUBE_CONTEXT) has already been taken'] } });
    const put = await call(sim, `${IV}/KUBE_CONTEXT`, {
      ...admin,
      method: 'PUT',
      body: { value: 'z' },
    });
    expect((put.json as { value: string }).value).toBe('z');
    expect((await call(sim, `${IV}/KUBE_CONTEXT`, { ...admin, method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await call(sim, `${IV}/KUBE_CONTEXT`, admin)).json).toEqual({
      message: '404 InstanceVariable Not Found',
    });
  });
});

describe('environments', () => {
  const ENV = '/projects/acme%2Fpayments%2Fapi/environments';

  async function agentIn(projectPath: string, name: string): Promise<number> {
    const res = await post(`/projects/${encodeURIComponent(projectPath)}/cluster_agents`, admin, {
      name,
    });
    expect(res.status).toBe(201);
    return (res.json as { id: number }).id;
  }

  async function envId(name: string, path = ENV): Promise<number> {
    const list = (await call(sim, path, dev)).json as { id: number; name: string }[];
    const env = list.find((e) => e.name === name);
    if (!env) throw new Error(`no environment ${name}`);
    return env.id;
  }

  it('lists fixture environments with slugs, guessed tiers and no agent', async () => {
    const res = await call(sim, ENV, dev);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total')).toBe('3');
    const list = res.json as Record<string, unknown>[];
    expect(list.map((e) => [e['name'], e['slug'], e['tier']])).toEqual([
      ['production', 'production', 'production'],
      // not a valid slug as is: shortened and suffixed with a digest of the name
      ['review/Feature_X', expect.stringMatching(/^review-feature-x-[a-z0-9]{6}$/), 'development'],
      ['staging', 'staging', 'staging'],
    ]);
    expect(list[0]).toMatchObject({
      cluster_agent: null,
      kubernetes_namespace: null,
      project: expect.objectContaining({ id: 11 }) as unknown,
    });
  });

  it('links an environment to an agent of the same project', async () => {
    const agentId = await agentIn('acme/payments/api', 'env-agent');
    const id = await envId('production');
    const res = await call(sim, `${ENV}/${id}`, {
      ...dev,
      method: 'PUT',
      body: { cluster_agent_id: agentId, kubernetes_namespace: 'payments' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      cluster_agent: { id: agentId, name: 'env-agent' },
      kubernetes_namespace: 'payments',
    });
    const single = await call(sim, `${ENV}/${id}`, dev);
    expect(single.json).toMatchObject({ cluster_agent: { id: agentId } });
    expect(single.json).not.toHaveProperty('project');

    // unlinking while a namespace is set fails; unlinking both works
    const half = await call(sim, `${ENV}/${id}`, {
      ...dev,
      method: 'PUT',
      body: { cluster_agent_id: null },
    });
    expect(half.json).toEqual({
      message: { kubernetes_namespace: ['cannot be set without a cluster agent'] },
    });
    const both = await call(sim, `${ENV}/${id}`, {
      ...dev,
      method: 'PUT',
      body: { cluster_agent_id: null, kubernetes_namespace: null },
    });
    expect(both.json).toMatchObject({ cluster_agent: null, kubernetes_namespace: null });
  });

  it("refuses an agent of another project (or none) with GitLab's 400", async () => {
    const foreign = await agentIn('acme/web', 'web-agent');
    const id = await envId('staging');
    for (const agentId of [foreign, 999_999]) {
      const res = await call(sim, `${ENV}/${id}`, {
        ...maria,
        method: 'PUT',
        body: { cluster_agent_id: agentId },
      });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        message:
          "400 Bad request - cluster agent doesn't exist or cannot be associated with this environment",
      });
    }
    const ns = await call(sim, `${ENV}/${id}`, {
      ...maria,
      method: 'PUT',
      body: { kubernetes_namespace: 'x' },
    });
    expect(ns.json).toEqual({
      message: { kubernetes_namespace: ['cannot be set without a cluster agent'] },
    });
  });

  it('unlinks environments when their agent is deleted', async () => {
    const agentId = await agentIn('acme/web', 'doomed');
    const id = await envId('production', '/projects/acme%2Fweb/environments');
    const path = `/projects/acme%2Fweb/environments/${id}`;
    await call(sim, path, { ...admin, method: 'PUT', body: { cluster_agent_id: agentId } });
    await call(sim, `/projects/acme%2Fweb/cluster_agents/${agentId}`, {
      ...admin,
      method: 'DELETE',
    });
    expect((await call(sim, path, admin)).json).toMatchObject({ cluster_agent: null });
  });

  it('needs Reporter to read and Developer to update', async () => {
    // maria can see the internal project acme/web but is no member there
    expect((await call(sim, '/projects/acme%2Fweb/environments', maria)).status).toBe(403);
    expect((await call(sim, `${ENV}/999999`, dev)).json).toEqual({ message: '404 Not found' });
  });
});

describe('certificate cluster PUT', () => {
  const C1 = '/projects/acme%2Fpayments%2Fapi/clusters/1';

  it('turns a project cluster off, visible in later GETs', async () => {
    const res = await call(sim, C1, {
      ...maria,
      method: 'PUT',
      body: { enabled: false, namespace_per_environment: false },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 1,
      enabled: false,
      namespace_per_environment: false,
      project: expect.objectContaining({ id: 11 }) as unknown,
    });
    const list = await call(sim, '/projects/11/clusters', maria);
    expect(list.json).toEqual([expect.objectContaining({ id: 1, enabled: false }) as unknown]);
  });

  it("resets namespace_per_environment to true when a PUT leaves it out (Grape's default)", async () => {
    await call(sim, C1, { ...maria, method: 'PUT', body: { namespace_per_environment: false } });
    const res = await call(sim, C1, { ...maria, method: 'PUT', body: { enabled: true } });
    expect(res.json).toMatchObject({ enabled: true, namespace_per_environment: true });
  });

  it('needs Maintainer, or an administrator for instance clusters', async () => {
    const res = await call(sim, C1, { ...dev, method: 'PUT', body: { enabled: false } });
    expect(res.status).toBe(403);
    const readOnly = await call(sim, C1, {
      token: TOKENS.adminReadApi,
      method: 'PUT',
      body: { enabled: false },
    });
    expect(readOnly.json).toMatchObject({ error: 'insufficient_scope' });
    expect(
      (await call(sim, '/admin/clusters/5', { ...maria, method: 'PUT', body: { enabled: false } }))
        .status,
    ).toBe(403);
    const instance = await call(sim, '/admin/clusters/5', {
      ...admin,
      method: 'PUT',
      body: { enabled: false },
    });
    expect(instance.json).toMatchObject({ id: 5, enabled: false });
    expect(instance.json).not.toHaveProperty('project');
    expect((await call(sim, '/admin/clusters/5', admin)).json).toMatchObject({ enabled: false });
  });

  it('edits group clusters and validates scope and management project', async () => {
    const group = '/groups/acme%2Fpayments/clusters/7';
    const res = await call(sim, group, {
      ...maria,
      method: 'PUT',
      body: { enabled: true, environment_scope: 'staging', name: 'renamed' },
    });
    expect(res.json).toMatchObject({
      name: 'renamed',
      enabled: true,
      environment_scope: 'staging',
      group: expect.objectContaining({ id: 2 }) as unknown,
    });
    // a management project must come from the cluster's own group tree (globex/infra/terraform is not)
    const outside = await call(sim, '/groups/acme/clusters/3', {
      ...admin,
      method: 'PUT',
      body: { management_project_id: 13 },
    });
    expect(outside.json).toEqual({
      message: {
        management_project_id: [
          "Project does not exist or you don't have permission to perform this action",
        ],
      },
    });
    const wrongType = await call(sim, group, {
      ...maria,
      method: 'PUT',
      body: { enabled: 'maybe' },
    });
    expect(wrongType.json).toEqual({ error: 'enabled is invalid' });
    expect(
      (await call(sim, '/groups/acme%2Fpayments/clusters/1', { ...maria, method: 'PUT', body: {} }))
        .json,
    ).toEqual({ message: '404 Not found' });
  });

  it('refuses a second cluster with the same environment scope in one project', async () => {
    const seeded = await startGitLabSimulator({
      fixture: (() => {
        const f = smallFixture();
        const base = f.clusters[0]!;
        f.clusters.push({ ...base, id: 8, name: 'second', environment_scope: 'production' });
        return f;
      })(),
    });
    try {
      const res = await call(seeded, '/projects/11/clusters/8', {
        ...maria,
        method: 'PUT',
        body: { environment_scope: '*' },
      });
      expect(res.json).toEqual({
        message: { environment_scope: ['cannot add duplicated environment scope'] },
      });
    } finally {
      await seeded.close();
    }
  });
});
