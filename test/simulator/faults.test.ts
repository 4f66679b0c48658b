import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeEach(async () => {
  sim = await startSmall();
});
afterEach(async () => {
  await sim.close();
});

const admin = { token: TOKENS.adminApi };

describe('fault injection', () => {
  it('answers every Nth /api/v4 request with errorStatus, counting from setFaults', async () => {
    await call(sim, '/version', admin); // before the plan: not counted
    sim.setFaults({ errorEvery: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call(sim, '/version', admin)).status);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);
    const res = await (async () => {
      sim.setFaults({ errorEvery: 1, errorStatus: 503 });
      return call(sim, '/version', admin);
    })();
    expect(res.json).toEqual({ message: '503 Service Unavailable' });
    expect(sim.requests.filter((r) => r.injected === 'error').map((r) => r.status)).toEqual([
      500, 500, 503,
    ]);
  });

  it('serves 502 as an HTML page from the proxy', async () => {
    sim.setFaults({ errorEvery: 1, errorStatus: 502 });
    const res = await call(sim, '/version', admin);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.text).toContain('502 Bad Gateway');
  });

  it('answers a 429 storm with Retry later, text/plain and Retry-After', async () => {
    sim.setFaults({ rateLimitStorm: { from: 2, count: 2, retryAfterSeconds: 7 } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(sim, '/projects', admin));
    expect(results.map((r) => r.status)).toEqual([200, 429, 429, 200]);
    expect(results[1]?.text).toBe('Retry later\n');
    expect(results[1]?.headers.get('content-type')).toBe('text/plain');
    expect(results[1]?.headers.get('retry-after')).toBe('7');
    expect(sim.requests.map((r) => r.injected)).toEqual([null, 'rate-limit', 'rate-limit', null]);
  });

  it('stalls every Nth request; a client that times out leaves a status-0 record and the next request works', async () => {
    sim.setFaults({ stallEvery: 2, stallMs: 60_000 });
    expect((await call(sim, '/version', admin)).status).toBe(200);
    const started = Date.now();
    await expect(
      call(sim, '/version', { ...admin, signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await call(sim, '/version', admin)).status).toBe(200);
    expect(sim.requests.map((r) => [r.injected, r.status])).toEqual([
      [null, 200],
      ['stall', 0],
      [null, 200],
    ]);
  });

  it('answers a stalled request late when the client waits', async () => {
    sim.setFaults({ stallEvery: 1, stallMs: 150 });
    const started = Date.now();
    const res = await call(sim, '/version', admin);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.requests[0]).toMatchObject({ injected: 'stall', status: 200 });
  });

  it('closes promptly while a request is stalled', async () => {
    sim.setFaults({ stallEvery: 1, stallMs: 60_000 });
    const pending = call(sim, '/version', admin).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await sim.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(Error);
  });

  it('adds latency to every /api/v4 response', async () => {
    sim.setFaults({ latencyMs: 120 });
    const started = Date.now();
    await call(sim, '/nope');
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });
});

describe('rate limiting', () => {
  it('sends RateLimit-* headers on every response and throttles past the limit', async () => {
    sim.setRateLimit({ limit: 3, windowSeconds: 3600 });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(sim, '/version', admin));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(results.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(results.map((r) => r.headers.get('ratelimit-observed'))).toEqual(['1', '2', '3', '4']);
    const first = results[0]?.headers;
    expect(first?.get('ratelimit-name')).toBe('throttle_authenticated_api');
    expect(first?.get('ratelimit-limit')).toBe('3');
    const reset = Number(first?.get('ratelimit-reset'));
    expect(reset % 3600).toBe(0);
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(first?.get('retry-after')).toBeNull();
    const throttled = results[3];
    expect(throttled?.text).toBe('Retry later\n');
    expect(throttled?.headers.get('content-type')).toBe('text/plain');
    const retryAfter = Number(throttled?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(Date.parse(throttled?.headers.get('ratelimit-resettime') ?? '')).toBe(reset * 1000);
    expect(sim.requests[3]).toMatchObject({ status: 429, injected: null });
  });

  it('counts per token, and anonymous callers separately', async () => {
    sim.setRateLimit({ limit: 1, windowSeconds: 3600 });
    expect((await call(sim, '/version', admin)).status).toBe(200);
    expect((await call(sim, '/version', admin)).status).toBe(429);
    expect((await call(sim, '/version', { token: TOKENS.maintainerApi })).status).toBe(200);
    const anonymous = await call(sim, '/projects');
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('ratelimit-name')).toBe('throttle_unauthenticated_api');
    sim.setRateLimit(null);
    expect((await call(sim, '/version', admin)).headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('request log', () => {
  it('records method, raw path, query, status, auth scheme and JSON body', async () => {
    await call(sim, '/projects/acme%2Fweb/clusters?per_page=5', {
      token: TOKENS.maintainerApi,
      scheme: 'bearer',
    });
    await call(sim, '/projects/10/clusters/user', {
      ...admin,
      method: 'POST',
      body: { name: 'c1', enabled: false },
    });
    expect(sim.requests).toEqual([
      {
        seq: 1,
        method: 'GET',
        path: '/api/v4/projects/acme%2Fweb/clusters',
        query: { per_page: '5' },
        status: 403,
        authScheme: 'bearer',
        injected: null,
      },
      {
        seq: 2,
        method: 'POST',
        path: '/api/v4/projects/10/clusters/user',
        query: {},
        status: 501,
        authScheme: 'private-token',
        injected: null,
        bodyJson: { name: 'c1', enabled: false },
      },
    ]);
    sim.clearRequests();
    expect(sim.requests).toEqual([]);
    await call(sim, '/version', admin);
    expect(sim.requests[0]?.seq).toBe(3);
  });

  it('never stores a token value, however it was sent', async () => {
    sim.setFaults({ errorEvery: 4 });
    for (const token of Object.values(TOKENS)) {
      for (const scheme of ['private-token', 'bearer', 'query'] as const)
        await call(sim, '/user', { token, scheme });
    }
    await call(sim, '/user?private_token=glpat-not-a-fixture-token');
    await call(sim, '/projects/10/clusters/user', {
      ...admin,
      method: 'POST',
      body: {
        name: 'x',
        note: `copied ${TOKENS.maintainerApi} here`,
        nested: [TOKENS.adminReadApi],
      },
    });
    const log = JSON.stringify(sim.requests);
    for (const token of [...Object.values(TOKENS), 'glpat-not-a-fixture-token'])
      expect(log).not.toContain(token);
    expect(sim.requests.length).toBe(Object.keys(TOKENS).length * 3 + 2);
    expect(sim.requests.at(-1)?.bodyJson).toEqual({
      name: 'x',
      note: 'copied [REDACTED] here',
      nested: ['[REDACTED]'],
    });
  });
});
