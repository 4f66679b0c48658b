// Contract tests for the simulated agents and agent tokens (lib/api/clusters/agents.rb, agent_tokens.rb),
// over real HTTP: plain fetch for exact statuses and bodies, gitbeaker where a real client matters.
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { loadFixture } from '../../src/simulator/gitlab/load-fixture.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startSmall } from './helpers.js';
import { smallFixture, TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSmall();
});
afterAll(async () => {
  await sim.close();
});

const admin = { token: TOKENS.adminApi };
const maria = { token: TOKENS.maintainerApi };
const dev = { token: TOKENS.developerApi };
const API = '/projects/acme%2Fpayments%2Fapi/cluster_agents';
const TOKEN_SHAPE = /^glagent-[A-Za-z0-9_-]{50}$/;

async function register(name: string, path = API, who: { token: string } = maria): Promise<number> {
  const res = await call(sim, path, { ...who, method: 'POST', body: { name } });
  expect(res.status).toBe(201);
  return (res.json as { id: number }).id;
}

async function createToken(
  agentId: number,
  name = 'deploy',
): Promise<{ id: number; token: string }> {
  const res = await call(sim, `${API}/${agentId}/tokens`, {
    ...maria,
    method: 'POST',
    body: { name, description: `for ${name}` },
  });
  expect(res.status).toBe(201);
  return res.json as { id: number; token: string };
}

describe('agents', () => {
  it('registers an agent and returns the Agent entity', async () => {
    const res = await call(sim, API, { ...maria, method: 'POST', body: { name: 'entity-check' } });
    expect(res.status).toBe(201);
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'id',
      'name',
      'config_project',
      'created_at',
      'created_by_user_id',
    ]);
    expect(body).toMatchObject({
      name: 'entity-check',
      created_by_user_id: 2,
      config_project: { id: 11, path_with_namespace: 'acme/payments/api', name: 'API' },
    });
    const again = await call(sim, `${API}/${String(body['id'])}`, dev);
    expect(again.json).toEqual(body);
  });

  it('lists agents ordered by name, paginated, and gitbeaker reads every page', async () => {
    const path = '/projects/acme%2Fpayments%2Fcore%2Fledger/cluster_agents';
    for (const name of ['zulu', 'alpha', 'mike']) await register(name, path);
    const page = await call(sim, `${path}?per_page=2`, dev);
    expect(page.status).toBe(200);
    expect((page.json as { name: string }[]).map((a) => a.name)).toEqual(['alpha', 'mike']);
    expect(page.headers.get('x-total')).toBe('3');
    expect(page.headers.get('x-next-page')).toBe('2');
    const api = new Gitlab({ host: sim.url, token: TOKENS.developerApi });
    const all = await api.Agents.all('acme/payments/core/ledger', { perPage: 1 } as never);
    expect(all.map((a) => a.name)).toEqual(['alpha', 'mike', 'zulu']);
  });

  it("refuses a duplicate name with GitLab's 400", async () => {
    await register('dupe');
    const res = await call(sim, API, { ...maria, method: 'POST', body: { name: 'dupe' } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ message: '400 Bad request - ["Name has already been taken"]' });
    // the same name in another project is fine
    await register('dupe', '/projects/10/cluster_agents', admin);
  });

  it('validates names as RFC 1123 labels of at most 63 characters', async () => {
    const post = (name: string) => call(sim, API, { ...maria, method: 'POST', body: { name } });
    const format =
      "Name can contain only lowercase letters, digits, and '-', but cannot start or end with '-'";
    expect((await post('Bad_Name')).json).toEqual({
      message: `400 Bad request - ["${format}"]`,
    });
    expect((await post('-edge')).status).toBe(400);
    expect((await post('a'.repeat(64))).json).toEqual({
      message: '400 Bad request - ["Name is too long (maximum is 63 characters)"]',
    });
    expect((await post('')).json).toEqual({
      message: `400 Bad request - ["Name can't be blank", "${format}"]`,
    });
    expect((await call(sim, API, { ...maria, method: 'POST', body: {} })).json).toEqual({
      error: 'name is missing',
    });
    expect((await post('a'.repeat(63))).status).toBe(201);
  });

  it('needs Maintainer to register or delete and Developer to read', async () => {
    const res = await call(sim, API, { ...dev, method: 'POST', body: { name: 'by-dev' } });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ message: '403 Forbidden' });
    const id = await register('keep-me');
    expect((await call(sim, `${API}/${id}`, { ...dev, method: 'DELETE' })).status).toBe(403);
    expect((await call(sim, API, dev)).status).toBe(200);
    // maria can read the public project but has no role there: GitLab hides its agents
    const hidden = await call(sim, '/projects/opensource%2Flib/cluster_agents', maria);
    expect(hidden.status).toBe(404);
    expect(hidden.json).toEqual({ message: '404 ClusterAgents Not Found' });
    const onPublic = await register('public-agent', '/projects/16/cluster_agents', admin);
    expect((await call(sim, `/projects/16/cluster_agents/${onPublic}`, maria)).json).toEqual({
      message: '404 Not found',
    });
    expect((await call(sim, '/projects/13/cluster_agents', maria)).json).toEqual({
      message: '404 Project Not Found',
    });
  });

  it("does not show another project's agent under this project", async () => {
    const foreign = await register('foreign', '/projects/10/cluster_agents', admin);
    const res = await call(sim, `${API}/${foreign}`, admin);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: '404 Not found' });
    expect((await call(sim, `${API}/abc`, admin)).json).toEqual({ error: 'agent_id is invalid' });
  });

  it('deletes an agent with its tokens', async () => {
    const id = await register('short-lived');
    const { token } = await createToken(id);
    expect((await call(sim, `${API}/${id}`, { ...maria, method: 'DELETE' })).status).toBe(204);
    expect((await call(sim, `${API}/${id}`, maria)).status).toBe(404);
    expect((await call(sim, `${API}/${id}/tokens`, maria)).status).toBe(404);
    expect(sim.state.agents.connect(token)).toBeNull();
  });
});

describe('agent tokens', () => {
  it('shows the token value once, in the POST response only', async () => {
    const agentId = await register('token-once');
    const res = await call(sim, `${API}/${agentId}/tokens`, {
      ...maria,
      method: 'POST',
      body: { name: 'ci', description: 'for agentk' },
    });
    expect(res.status).toBe(201);
    const body = res.json as Record<string, unknown>;
    expect(body['token']).toMatch(TOKEN_SHAPE);
    expect(body).toMatchObject({
      name: 'ci',
      description: 'for agentk',
      agent_id: agentId,
      status: 'active',
      created_by_user_id: 2,
      last_used_at: null,
    });
    const token = body['token'] as string;
    const list = await call(sim, `${API}/${agentId}/tokens`, dev);
    expect(list.text).not.toContain(token);
    const [listed] = list.json as Record<string, unknown>[];
    expect(Object.keys(listed ?? {})).toEqual([
      'id',
      'name',
      'description',
      'agent_id',
      'status',
      'created_at',
      'created_by_user_id',
    ]);
    const single = await call(sim, `${API}/${agentId}/tokens/${String(body['id'])}`, dev);
    expect(single.text).not.toContain(token);
    expect(single.json).toEqual({ ...listed, last_used_at: null });
    // a second token gets a different value
    expect((await createToken(agentId, 'second')).token).not.toBe(token);
  });

  it("allows two active tokens and refuses a third with GitLab's message", async () => {
    const agentId = await register('two-tokens');
    const first = await createToken(agentId, 'one');
    await createToken(agentId, 'two');
    const third = await call(sim, `${API}/${agentId}/tokens`, {
      ...maria,
      method: 'POST',
      body: { name: 'three' },
    });
    expect(third.status).toBe(400);
    expect(third.json).toEqual({
      message: '400 Bad request - An agent can have only two active tokens at a time',
    });
    // revoking one makes room again; the revoked one stays revoked
    const revoke = `${API}/${agentId}/tokens/${first.id}`;
    expect((await call(sim, revoke, { ...maria, method: 'DELETE' })).status).toBe(204);
    expect((await call(sim, revoke, { ...maria, method: 'DELETE' })).status).toBe(204);
    await createToken(agentId, 'three');
    const list = await call(sim, `${API}/${agentId}/tokens`, maria);
    expect((list.json as { name: string }[]).map((t) => t.name).sort()).toEqual(['three', 'two']);
  });

  it('answers 404 for a revoked token and refuses to connect with it', async () => {
    const agentId = await register('revoked-get');
    const t = await createToken(agentId);
    await call(sim, `${API}/${agentId}/tokens/${t.id}`, { ...maria, method: 'DELETE' });
    const res = await call(sim, `${API}/${agentId}/tokens/${t.id}`, maria);
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ message: '404 Not found' });
    expect(sim.state.agents.connect(t.token)).toBeNull();
  });

  it('needs Maintainer to create or revoke tokens', async () => {
    const agentId = await register('token-roles');
    const t = await createToken(agentId);
    const post = await call(sim, `${API}/${agentId}/tokens`, {
      ...dev,
      method: 'POST',
      body: { name: 'x' },
    });
    expect(post.status).toBe(403);
    const del = await call(sim, `${API}/${agentId}/tokens/${t.id}`, { ...dev, method: 'DELETE' });
    expect(del.status).toBe(403);
    expect((await call(sim, `${API}/${agentId}/tokens/${t.id}`, dev)).status).toBe(200);
  });

  it('records the connection of agentk as last_used_at on the single-token GET', async () => {
    const agentId = await register('connects');
    const t = await createToken(agentId);
    const at = new Date('2031-05-06T07:08:09.000Z');
    expect(sim.state.agents.connect(t.token, at)).toEqual({ agentId, tokenId: t.id });
    const single = await call(sim, `${API}/${agentId}/tokens/${t.id}`, maria);
    expect((single.json as { last_used_at: string }).last_used_at).toBe(at.toISOString());
    // the list never carries last_used_at, connected or not
    const list = await call(sim, `${API}/${agentId}/tokens`, maria);
    expect(list.json as object[]).toEqual([
      expect.not.objectContaining({ last_used_at: expect.anything() as unknown }),
    ]);
    expect(
      sim.state.agents.connect('glagent-unknown-0000000000000000000000000000000000000000'),
    ).toBeNull();
  });

  it('never lets an agent token authenticate an API call', async () => {
    const agentId = await register('not-an-api-token');
    const t = await createToken(agentId);
    for (const scheme of ['private-token', 'bearer', 'query'] as const) {
      const res = await call(sim, '/user', { token: t.token, scheme });
      expect(res.status).toBe(401);
    }
  });

  it('keeps agent token values out of the request log, even when a client sends one back', async () => {
    sim.clearRequests();
    const agentId = await register('log-check');
    const t = await createToken(agentId);
    await call(sim, `${API}/${agentId}/tokens/${t.id}`, maria);
    // a careless client echoing the value in a body (here as a variable value) and in a query
    await call(sim, '/projects/acme%2Fpayments%2Fapi/variables', {
      ...maria,
      method: 'POST',
      body: { key: 'LEAKED', value: `prefix ${t.token} suffix` },
    });
    await call(sim, `/user?private_token=${t.token}`);
    const log = JSON.stringify(sim.requests);
    expect(log).not.toContain(t.token);
    expect(log).toContain('prefix [REDACTED] suffix');
  });
});

describe('fixture agents', () => {
  const installed = `glagent-${'k'.repeat(50)}`;

  function fixtureWithAgents(): GitLabFixture {
    return {
      ...smallFixture(),
      agents: [
        {
          project: 'acme/payments/api',
          name: 'prod',
          created_by: 'maria',
          tokens: [
            { name: 'installed', token: installed, last_used_at: '2025-01-01T00:00:00.000Z' },
            { name: 'old', status: 'revoked' },
          ],
        },
      ],
    };
  }

  it('starts with registered agents and tokens, the revoked one hidden', async () => {
    const seeded = await startGitLabSimulator({ fixture: fixtureWithAgents() });
    try {
      const agents = await call(seeded, API, maria);
      expect(agents.json).toEqual([
        expect.objectContaining({ name: 'prod', created_by_user_id: 2 }) as unknown,
      ]);
      const agentId = (agents.json as { id: number }[])[0]?.id as number;
      const tokens = (await call(seeded, `${API}/${agentId}/tokens`, maria)).json as {
        id: number;
        name: string;
      }[];
      expect(tokens.map((t) => t.name)).toEqual(['installed']);
      const single = await call(seeded, `${API}/${agentId}/tokens/${tokens[0]?.id}`, maria);
      expect(single.json).toMatchObject({ last_used_at: '2025-01-01T00:00:00.000Z' });
      expect(seeded.state.agents.connect(installed)?.agentId).toBe(agentId);
    } finally {
      await seeded.close();
    }
  });

  it('rejects broken agent entries with one line naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-agents-'));
    try {
      const bad = fixtureWithAgents();
      (bad.agents ?? [])[0]!.project = 'acme/nope';
      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify(bad));
      const error = await loadFixture(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).message).toBe(
        `Fixture ${file}: agent #1 ("prod") names project "acme/nope", which is not a project`,
      );
      const badToken = fixtureWithAgents();
      badToken.agents![0]!.tokens![0]!.token = 'not-prefixed';
      await writeFile(file, JSON.stringify(badToken));
      expect(String(await loadFixture(file).catch((e: unknown) => e))).toContain(
        'must start with "glagent-"',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
