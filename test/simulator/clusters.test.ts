import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, ids, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSmall();
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.state.instance.featureFlags['certificate_based_clusters'] = true;
  sim.state.instance.version = '17.11.2-ee';
});

const admin = { token: TOKENS.adminApi };
const maria = { token: TOKENS.maintainerApi };
const dev = { token: TOKENS.developerApi };

const CLUSTER_KEYS = [
  'id',
  'name',
  'created_at',
  'domain',
  'enabled',
  'managed',
  'provider_type',
  'platform_type',
  'environment_scope',
  'cluster_type',
  'namespace_per_environment',
  'user',
  'platform_kubernetes',
  'provider_gcp',
  'management_project',
];

describe('project clusters', () => {
  it('lists with the full Cluster entity and no project key', async () => {
    const res = await call(sim, '/projects/11/clusters', maria);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-total')).toBe('1');
    const [c] = res.json as Record<string, unknown>[];
    expect(Object.keys(c ?? {})).toEqual(CLUSTER_KEYS);
    expect(c).toEqual({
      id: 1,
      name: 'payments-api',
      created_at: '2021-03-02T10:00:00.000Z',
      domain: null,
      enabled: true,
      managed: true,
      provider_type: 'user',
      platform_type: 'kubernetes',
      environment_scope: '*',
      cluster_type: 'project_type',
      namespace_per_environment: true,
      user: expect.objectContaining({
        id: 1,
        username: 'root',
        name: 'Administrator',
        state: 'active',
        web_url: `${sim.url}/root`,
      }) as unknown,
      platform_kubernetes: {
        api_url: 'https://k8s-1.example.com:6443',
        namespace: 'payments-api-ns',
        authorization_type: 'rbac',
        ca_cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      },
      provider_gcp: null,
      management_project: {
        id: 12,
        description: null,
        name: 'Ledger',
        name_with_namespace: 'ACME / Payments / Core / Ledger',
        path: 'ledger',
        path_with_namespace: 'acme/payments/core/ledger',
        created_at: expect.any(String) as unknown,
      },
    });
    expect((c?.['user'] as Record<string, unknown>)['avatar_url']).toMatch(/^https:\/\//);
  });

  it('adds the project (BasicProjectDetails) on a single GET, by id or encoded path', async () => {
    const res = await call(sim, '/projects/acme%2Fpayments%2Fapi/clusters/1', maria);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      id: 1,
      project: { id: 11, path_with_namespace: 'acme/payments/api', namespace: { kind: 'group' } },
    });
  });

  it('includes disabled clusters', async () => {
    expect((await call(sim, '/projects/10/clusters', admin)).json).toMatchObject([
      { id: 2, enabled: false },
    ]);
  });

  it('needs Maintainer: 403 Forbidden for a developer', async () => {
    for (const path of ['/projects/11/clusters', '/projects/11/clusters/1']) {
      const res = await call(sim, path, dev);
      expect(res.status).toBe(403);
      expect(res.json).toEqual({ message: '403 Forbidden' });
    }
  });

  it('answers 404 Not found (lower-case) for a cluster of another project, before checking the role', async () => {
    for (const opts of [admin, dev]) {
      const res = await call(sim, '/projects/11/clusters/2', opts);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ message: '404 Not found' });
    }
    expect((await call(sim, '/projects/11/clusters/abc', admin)).json).toEqual({
      error: 'cluster_id is invalid',
    });
  });

  it('hides projects the caller cannot read', async () => {
    const res = await call(sim, '/projects/13/clusters', maria);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: '404 Project Not Found' });
  });
});

describe('group clusters', () => {
  it('lists only the group own clusters, inheriting Maintainer from ancestors', async () => {
    expect(ids((await call(sim, '/groups/acme%2Fpayments/clusters', maria)).json)).toEqual([7]);
    expect(ids((await call(sim, '/groups/acme%2Fpayments%2Fcore/clusters', maria)).json)).toEqual([
      4,
    ]);
    expect(ids((await call(sim, '/groups/1/clusters', admin)).json)).toEqual([3]);
  });

  it('adds the group (BasicGroupDetails) on a single GET', async () => {
    const res = await call(sim, '/groups/2/clusters/7', maria);
    expect(res.json).toMatchObject({
      id: 7,
      cluster_type: 'group_type',
      enabled: false,
      environment_scope: 'production',
    });
    expect((res.json as Record<string, unknown>)['group']).toEqual({
      id: 2,
      web_url: `${sim.url}/groups/acme/payments`,
      name: 'Payments',
    });
  });

  it('refuses callers below Maintainer and hides invisible groups', async () => {
    expect((await call(sim, '/groups/1/clusters', maria)).json).toEqual({
      message: '403 Forbidden',
    });
    expect((await call(sim, '/groups/1/clusters', dev)).status).toBe(403);
    expect((await call(sim, '/groups/4/clusters', maria)).json).toEqual({
      message: '404 Group Not Found',
    });
    expect((await call(sim, '/groups/2/clusters/3', maria)).json).toEqual({
      message: '404 Not found',
    });
  });
});

describe('instance clusters', () => {
  it('lists only instance clusters for admins', async () => {
    const list = await call(sim, '/admin/clusters', admin);
    expect(ids(list.json)).toEqual([5]);
    const one = await call(sim, '/admin/clusters/5', admin);
    expect(one.json).toMatchObject({ id: 5, cluster_type: 'instance_type' });
    expect(Object.keys(one.json as object)).toEqual(CLUSTER_KEYS);
    expect((await call(sim, '/admin/clusters/1', admin)).json).toEqual({
      message: '404 Not found',
    });
  });

  it('answers 403 Forbidden to non-admins and 401 without a token', async () => {
    for (const path of ['/admin/clusters', '/admin/clusters/5']) {
      expect((await call(sim, path, maria)).json).toEqual({ message: '403 Forbidden' });
      expect((await call(sim, path)).status).toBe(401);
    }
  });
});

describe('certificate_based_clusters feature flag off', () => {
  it('answers 404 {"message":"404 Not Found"} on every cluster endpoint', async () => {
    sim.state.instance.featureFlags['certificate_based_clusters'] = false;
    for (const path of [
      '/projects/11/clusters',
      '/projects/11/clusters/1',
      '/groups/1/clusters',
      '/groups/2/clusters/7',
      '/admin/clusters',
      '/admin/clusters/5',
    ]) {
      const res = await call(sim, path, admin);
      expect(res.status, path).toBe(404);
      expect(res.json, path).toEqual({ message: '404 Not Found' });
    }
  });

  it('still checks auth, visibility and admin first', async () => {
    sim.state.instance.featureFlags['certificate_based_clusters'] = false;
    expect((await call(sim, '/projects/11/clusters')).status).toBe(401);
    expect((await call(sim, '/projects/13/clusters', maria)).json).toEqual({
      message: '404 Project Not Found',
    });
    expect((await call(sim, '/admin/clusters', maria)).json).toEqual({ message: '403 Forbidden' });
    // the role check comes after the flag: a developer sees the flag's 404, not 403
    expect((await call(sim, '/projects/11/clusters', dev)).json).toEqual({
      message: '404 Not Found',
    });
  });

  it('does not affect the discovery endpoint', async () => {
    sim.state.instance.featureFlags['certificate_based_clusters'] = false;
    const res = await call(sim, '/discover-cert-based-clusters?group_id=1', maria);
    expect(res.status).toBe(200);
  });
});

describe('GET /discover-cert-based-clusters', () => {
  it('returns the group itself plus what the caller maintains below it, disabled clusters included', async () => {
    const res = await call(sim, '/discover-cert-based-clusters?group_id=1', maria);
    expect(res.json).toEqual({
      groups: {
        acme: [{ id: 3, name: 'acme-shared' }],
        'acme/payments/core': [{ id: 4, name: 'core-cluster' }],
        'acme/payments': [{ id: 7, name: 'payments-legacy' }],
      },
      projects: { 'acme/payments/api': [{ id: 1, name: 'payments-api' }] },
    });
    expect(res.headers.get('x-total')).toBeNull();
  });

  it('shows only the requested group to callers without Maintainer below it (also admins who are not members)', async () => {
    const expected = { groups: { acme: [{ id: 3, name: 'acme-shared' }] }, projects: {} };
    expect((await call(sim, '/discover-cert-based-clusters?group_id=1', dev)).json).toEqual(
      expected,
    );
    expect((await call(sim, '/discover-cert-based-clusters?group_id=1', admin)).json).toEqual(
      expected,
    );
    expect((await call(sim, '/discover-cert-based-clusters?group_id=2', maria)).json).toEqual({
      groups: {
        'acme/payments': [{ id: 7, name: 'payments-legacy' }],
        'acme/payments/core': [{ id: 4, name: 'core-cluster' }],
      },
      projects: { 'acme/payments/api': [{ id: 1, name: 'payments-api' }] },
    });
  });

  it('validates group_id like Grape and hides invisible groups', async () => {
    expect((await call(sim, '/discover-cert-based-clusters', maria)).json).toEqual({
      error: 'group_id is missing',
    });
    expect((await call(sim, '/discover-cert-based-clusters?group_id=acme', maria)).json).toEqual({
      error: 'group_id is invalid',
    });
    for (const id of ['4', '999']) {
      const res = await call(sim, `/discover-cert-based-clusters?group_id=${id}`, maria);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ message: '404 Group Not Found' });
    }
    expect((await call(sim, '/discover-cert-based-clusters?group_id=1')).status).toBe(401);
  });

  it('exists from 17.9 on; before that it is an unknown route', async () => {
    sim.state.instance.version = '17.8.4-ee';
    const old = await call(sim, '/discover-cert-based-clusters?group_id=1', admin);
    expect(old.status).toBe(404);
    expect(old.json).toEqual({ error: '404 Not Found' });
    sim.state.instance.version = '17.9.0';
    expect((await call(sim, '/discover-cert-based-clusters?group_id=1', admin)).status).toBe(200);
  });

  it('follows memberships added at runtime (an admin made Maintainer of globex)', async () => {
    sim.state.addMember('root', 'globex', 40);
    expect((await call(sim, '/discover-cert-based-clusters?group_id=4', admin)).json).toEqual({
      groups: {},
      projects: { 'globex/infra/terraform': [{ id: 6, name: 'terraform' }] },
    });
  });
});
