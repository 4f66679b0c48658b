import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSmall();
});
afterAll(async () => {
  await sim.close();
});

const INSUFFICIENT = 'The request requires higher privileges than provided by the access token.';

describe('metadata and current user', () => {
  it('serves /metadata and /version with the same body, including kas', async () => {
    const meta = await call(sim, '/metadata', { token: TOKENS.adminApi });
    const version = await call(sim, '/version', { token: TOKENS.adminApi });
    expect(meta.status).toBe(200);
    expect(meta.json).toEqual({
      version: '17.11.2-ee',
      revision: 'abc1234def',
      kas: {
        enabled: true,
        externalUrl: 'wss://gitlab.example.com/-/kubernetes-agent/',
        externalK8sProxyUrl: 'https://gitlab.example.com/-/kubernetes-agent/k8s-proxy/',
        version: '17.11.2',
      },
      enterprise: true,
    });
    expect(version.json).toEqual(meta.json);
    expect(meta.headers.get('content-type')).toBe('application/json');
  });

  it('omits kas.externalK8sProxyUrl before 17.6, when GitLab did not have it', async () => {
    const before = sim.state.instance.version;
    sim.state.instance.version = '17.5.0';
    try {
      const meta = await call(sim, '/metadata', { token: TOKENS.adminApi });
      expect((meta.json as { kas: object }).kas).not.toHaveProperty('externalK8sProxyUrl');
    } finally {
      sim.state.instance.version = before;
    }
  });

  it('accepts a read_user token on /metadata, /version and /user but not on /projects', async () => {
    expect((await call(sim, '/metadata', { token: TOKENS.readUserOnly })).status).toBe(200);
    expect((await call(sim, '/version', { token: TOKENS.readUserOnly })).status).toBe(200);
    expect((await call(sim, '/user', { token: TOKENS.readUserOnly })).status).toBe(200);
    const projects = await call(sim, '/projects', { token: TOKENS.readUserOnly });
    expect(projects.status).toBe(403);
    expect(projects.json).toEqual({
      error: 'insufficient_scope',
      error_description: INSUFFICIENT,
      scope: 'api read_api',
    });
  });

  it('finds a user by username on /users (any case); a blocked one only for admins', async () => {
    const names = async (token: string, username: string) => {
      const r = await call(sim, `/users?username=${username}`, { token });
      expect(r.status).toBe(200);
      return (r.json as { username: string }[]).map((u) => u.username);
    };
    expect(await names(TOKENS.readUserOnly, 'MARIA')).toEqual(['maria']);
    expect(await names(TOKENS.developerApi, 'nobody')).toEqual([]);
    expect(await names(TOKENS.developerApi, 'gone')).toEqual([]);
    expect(await names(TOKENS.adminApi, 'gone')).toEqual(['gone']);
  });

  it('shows is_admin only to admins on /user', async () => {
    const admin = await call(sim, '/user', { token: TOKENS.adminApi });
    expect(admin.json).toMatchObject({
      id: 1,
      username: 'root',
      name: 'Administrator',
      state: 'active',
      is_admin: true,
    });
    const maria = await call(sim, '/user', { token: TOKENS.maintainerApi });
    expect(maria.json).toMatchObject({ id: 2, username: 'maria', web_url: `${sim.url}/maria` });
    expect(maria.json).not.toHaveProperty('is_admin');
  });
});

describe('authentication', () => {
  it('answers 401 {"message":"401 Unauthorized"} without a token and with an unknown one', async () => {
    for (const token of [undefined, 'glpat-nope']) {
      const res = await call(sim, '/user', token === undefined ? {} : { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ message: '401 Unauthorized' });
    }
  });

  it('rejects an unknown token even on routes that allow anonymous access', async () => {
    expect((await call(sim, '/projects')).status).toBe(200);
    expect((await call(sim, '/projects', { token: 'glpat-nope' })).status).toBe(401);
  });

  it('accepts PRIVATE-TOKEN, Authorization: Bearer and ?private_token, and records which one was used', async () => {
    sim.clearRequests();
    for (const scheme of ['private-token', 'bearer', 'query'] as const) {
      const res = await call(sim, '/user', { token: TOKENS.maintainerApi, scheme });
      expect(res.status).toBe(200);
      expect((res.json as { username: string }).username).toBe('maria');
    }
    await call(sim, '/user');
    expect(sim.requests.map((r) => r.authScheme)).toEqual([
      'private-token',
      'bearer',
      'private-token',
      'none',
    ]);
    expect(sim.requests[2]?.query).toEqual({ private_token: '[REDACTED]' });
  });

  it('lets read_api tokens GET but answers 403 insufficient_scope to writes', async () => {
    const get = await call(sim, '/projects/acme%2Fweb/clusters', { token: TOKENS.adminReadApi });
    expect(get.status).toBe(200);
    const post = await call(sim, '/projects/acme%2Fweb/clusters/user', {
      token: TOKENS.adminReadApi,
      method: 'POST',
      body: {
        name: 'x',
        platform_kubernetes_attributes: { api_url: 'https://k', token: 'k8s-secret' },
      },
    });
    expect(post.status).toBe(403);
    expect(post.json).toEqual({
      error: 'insufficient_scope',
      error_description: INSUFFICIENT,
      scope: 'api read_api',
    });
  });

  it('answers write endpoints it does not model with 501 once auth passes (never a fake success)', async () => {
    const res = await call(sim, '/admin/clusters/5', { token: TOKENS.adminApi, method: 'DELETE' });
    expect(res.status).toBe(501);
    expect((res.json as { message: string }).message).toContain(
      'DELETE /admin/clusters/:cluster_id',
    );
  });

  it('refuses blocked users with 403', async () => {
    const res = await call(sim, '/user', { token: TOKENS.blockedApi });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ message: '403 Forbidden - Your account has been blocked.' });
  });

  it('answers unknown routes with the catch-all body before checking auth', async () => {
    for (const path of ['/nope', '/projects/10/nope', '/groups/1/clusters/1/extra']) {
      const res = await call(sim, path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: '404 Not Found' });
    }
    // a method that no route serves on an existing path is also the catch-all
    expect(
      (await call(sim, '/version', { method: 'DELETE', token: TOKENS.adminApi })).json,
    ).toEqual({ error: '404 Not Found' });
  });

  it('serves HEAD like GET without a body', async () => {
    const res = await fetch(`${sim.url}/api/v4/projects/10`, {
      method: 'HEAD',
      headers: { 'PRIVATE-TOKEN': TOKENS.adminReadApi },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});
