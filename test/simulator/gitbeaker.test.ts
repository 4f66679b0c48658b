// The simulator's reason to exist: the real @gitbeaker/rest client must work against it unchanged.
import { Gitlab } from '@gitbeaker/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSmall();
});
afterAll(async () => {
  await sim.close();
});

describe('@gitbeaker/rest against the simulator', () => {
  it('follows offset Link headers across pages', async () => {
    const api = new Gitlab({ host: sim.url, token: TOKENS.adminApi });
    sim.clearRequests();
    const projects = await api.Projects.all({ perPage: 3, orderBy: 'id', sort: 'asc' });
    expect(projects.map((p) => p.id)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(sim.requests.map((r) => r.query['page'] ?? '1')).toEqual(['1', '2', '3']);
    const { paginationInfo } = await api.Projects.all({
      pagination: 'offset',
      perPage: 3,
      page: 2,
      showExpanded: true,
      orderBy: 'id',
      sort: 'asc',
    });
    expect(paginationInfo).toEqual({
      total: 7,
      next: 3,
      current: 2,
      previous: 1,
      perPage: 3,
      totalPages: 3,
    });
  });

  it('follows keyset Link headers', async () => {
    const api = new Gitlab({ host: sim.url, oauthToken: TOKENS.maintainerApi });
    const projects = await api.Projects.all({
      pagination: 'keyset',
      orderBy: 'id',
      sort: 'asc',
      perPage: 2,
    });
    expect(projects.map((p) => p.id)).toEqual([10, 11, 12, 15, 16]);
    expect(sim.requests.at(-1)?.authScheme).toBe('bearer');
  });

  it('reads single resources by encoded path and surfaces GitLab errors', async () => {
    const api = new Gitlab({ host: sim.url, token: TOKENS.maintainerApi });
    expect((await api.Groups.show('acme/payments')).full_path).toBe('acme/payments');
    expect((await api.Users.showCurrentUser()).username).toBe('maria');
    await expect(api.Projects.show('globex/infra/terraform')).rejects.toThrow(
      '404 Project Not Found',
    );
  });

  it('retries injected 502s and 429s by itself', async () => {
    const api = new Gitlab({ host: sim.url, token: TOKENS.adminApi });
    sim.setFaults({
      rateLimitStorm: { from: 1, count: 1, retryAfterSeconds: 1 },
      errorEvery: 2,
      errorStatus: 502,
    });
    sim.clearRequests();
    const project = await api.Projects.show(10);
    expect(project.id).toBe(10);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 502, 200]);
    sim.setFaults(null);
  });
});
