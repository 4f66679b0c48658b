// Lost answers over real HTTP: GitLab does the work (agent, token, variable), then the answer never
// reaches the client — a 502 page, a reset connection, or an answer after the client gave up. Plus
// the seeded random faults, which must give the same faults on the same requests for a seed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  FaultPlan,
  GitLabSimulator,
  RandomFaultPlan,
} from '../../src/simulator/gitlab/server.js';
import { call, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeEach(async () => {
  sim = await startSmall();
});
afterEach(async () => {
  await sim.close();
});

const maria = { token: TOKENS.maintainerApi };
const AGENTS = '/projects/acme%2Fpayments%2Fapi/cluster_agents';
const VARIABLES = '/projects/acme%2Fpayments%2Fapi/variables';

const agentNames = async () =>
  ((await call(sim, AGENTS, maria)).json as { name: string }[]).map((a) => a.name);
const variableStatus = async (key: string) =>
  (await call(sim, `${VARIABLES}/${key}`, maria)).status;
const post = (path: string, body: unknown, signal?: AbortSignal) =>
  call(sim, path, { ...maria, method: 'POST', body, signal });

/** The undici error behind fetch's "fetch failed", for socket-level failures. */
async function socketFailure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TypeError);
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? 'no code';
}

describe('loseAnswer', () => {
  it('bad-gateway: the client gets the proxy 502 page, yet the agent exists', async () => {
    sim.setFaults({
      loseAnswer: { every: 2, mode: 'bad-gateway', pathPattern: '/cluster_agents$' },
    });
    expect((await post(AGENTS, { name: 'first' })).status).toBe(201);
    // reads and other paths are not counted, so the second agent creation is still #2
    expect((await call(sim, AGENTS, maria)).status).toBe(200);
    expect((await post(VARIABLES, { key: 'NOT_COUNTED', value: 'x' })).status).toBe(201);
    const lost = await post(AGENTS, { name: 'second' });
    expect(lost.status).toBe(502);
    expect(lost.headers.get('content-type')).toBe('text/html');
    expect(lost.text).toContain('502 Bad Gateway');
    expect(await agentNames()).toEqual(['first', 'second']);
    // the naive retry is what an engine must not trust: the agent is already taken
    expect((await post(AGENTS, { name: 'second' })).status).toBe(400);
    const record = sim.requests.find((r) => r.injected === 'lost-answer');
    expect(record).toMatchObject({
      method: 'POST',
      status: 502,
      injectedBy: 'loseAnswer',
      lostAnswer: { mode: 'bad-gateway', status: 201 },
      bodyJson: { name: 'second' },
    });
    expect(sim.requests.filter((r) => r.injected != null)).toHaveLength(1);
  });

  it('reset: fetch fails with a socket error and no response, yet the token exists', async () => {
    const agent = (await post(AGENTS, { name: 'reset-agent' })).json as { id: number };
    sim.setFaults({ loseAnswer: { every: 1, mode: 'reset', pathPattern: '/tokens$' } });
    const code = await socketFailure(
      post(`${AGENTS}/${agent.id}/tokens`, { name: 'deploy', description: 'lost' }),
    );
    // a TCP reset, as from a proxy or load balancer that dropped the connection
    expect(code).toBe('ECONNRESET');
    const tokens = (await call(sim, `${AGENTS}/${agent.id}/tokens`, maria)).json as {
      name: string;
    }[];
    expect(tokens.map((t) => t.name)).toEqual(['deploy']);
    expect(sim.requests.at(-2)).toMatchObject({
      status: 0,
      injected: 'lost-answer',
      lostAnswer: { mode: 'reset', status: 201 },
    });
    // the simulator keeps serving after a reset
    expect((await call(sim, '/version', maria)).status).toBe(200);
  });

  it('late: a client with a 500 ms timeout aborts, yet the variable exists', async () => {
    sim.setFaults({ loseAnswer: { every: 1, mode: 'late', lateMs: 3_000 } });
    const started = Date.now();
    await expect(
      post(VARIABLES, { key: 'LATE', value: 'v' }, AbortSignal.timeout(500)),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(await variableStatus('LATE')).toBe(200);
    expect(sim.requests[0]).toMatchObject({
      status: 0,
      injected: 'lost-answer',
      lostAnswer: { mode: 'late', status: 201 },
    });
  });

  it('late: a client that waits gets the real answer after lateMs', async () => {
    sim.setFaults({ loseAnswer: { every: 1, mode: 'late', lateMs: 300 } });
    const started = Date.now();
    const res = await post(VARIABLES, { key: 'PATIENT', value: 'v' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ key: 'PATIENT', value: 'v' });
    expect(sim.requests[0]).toMatchObject({ status: 201, injected: 'lost-answer' });
  });

  it('differs from a stall: a stalled request the client abandons is not done', async () => {
    sim.setFaults({ stallEvery: 1, stallMs: 3_000 });
    await expect(
      post(VARIABLES, { key: 'STALLED', value: 'v' }, AbortSignal.timeout(300)),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    sim.setFaults(null);
    expect(await variableStatus('STALLED')).toBe(404);
  });

  it('counts only requests no other fault hit; a refused request is not done', async () => {
    sim.setFaults({ errorEvery: 2, loseAnswer: { every: 1, mode: 'bad-gateway' } });
    const statuses = [];
    for (const key of ['A1', 'A2', 'A3'])
      statuses.push((await post(VARIABLES, { key, value: 'v' })).status);
    expect(statuses).toEqual([502, 500, 502]);
    sim.setFaults(null);
    expect([
      await variableStatus('A1'),
      await variableStatus('A2'),
      await variableStatus('A3'),
    ]).toEqual([200, 404, 200]);
    expect(sim.requests.slice(0, 3).map((r) => [r.injected, r.injectedBy])).toEqual([
      ['lost-answer', 'loseAnswer'],
      ['error', 'errorEvery'],
      ['lost-answer', 'loseAnswer'],
    ]);
  });

  it('restarts its count on setFaults, matches methods, and rejects a bad plan', async () => {
    const plan: FaultPlan = { loseAnswer: { every: 2, mode: 'bad-gateway', methods: ['PUT'] } };
    sim.setFaults(plan);
    expect((await post(VARIABLES, { key: 'P1', value: 'v' })).status).toBe(201);
    const put = (value: string) =>
      call(sim, `${VARIABLES}/P1`, { ...maria, method: 'PUT', body: { value } });
    expect((await put('one')).status).toBe(200);
    sim.setFaults(plan);
    expect((await put('two')).status).toBe(200);
    expect((await put('three')).status).toBe(502);
    expect((await call(sim, `${VARIABLES}/P1`, maria)).json).toMatchObject({ value: 'three' });
    expect(() => sim.setFaults({ loseAnswer: { every: 0, mode: 'reset' } })).toThrow(RangeError);
    expect(() =>
      sim.setFaults({ loseAnswer: { every: 1, mode: 'reset', pathPattern: '(' } }),
    ).toThrow(SyntaxError);
  });
});

describe('random faults', () => {
  // seed 4 happens to give every kind of fault (and all three lost-answer modes) within 40 requests
  const plan: RandomFaultPlan = {
    seed: 4,
    errorRate: 0.15,
    rateLimitRate: 0.1,
    loseAnswerRate: 0.3,
    lateMs: 50,
  };

  interface Seen {
    method: string;
    /** what the client got: a status (with Retry-After when sent), or a socket error */
    got: string;
    injected: string | null;
    mode: string | null;
  }

  /** 40 requests, alternating reads and writes; what the client saw and what the log says hit them. */
  async function run(run: string, randomPlan: RandomFaultPlan): Promise<Seen[]> {
    sim.setFaults({ random: randomPlan });
    sim.clearRequests();
    const got: string[] = [];
    for (let i = 0; i < 40; i++) {
      const request =
        i % 2 === 0
          ? call(sim, '/version', maria)
          : post(VARIABLES, { key: `${run}_${i}`, value: 'v' });
      const retryAfter = (r: { headers: Headers }) => r.headers.get('retry-after');
      got.push(
        await request.then(
          (r) => `${r.status}${retryAfter(r) ? ` retry-after=${retryAfter(r)}` : ''}`,
          () => 'socket error',
        ),
      );
    }
    expect(sim.requests).toHaveLength(40);
    return sim.requests.map((r, i) => ({
      method: r.method,
      got: got[i] ?? '',
      injected: r.injected,
      mode: r.lostAnswer?.mode ?? null,
    }));
  }

  it('gives the same fault sequence for the same seed, and another for another seed', async () => {
    const first = await run('R1', plan);
    const second = await run('R2', plan);
    expect(second).toEqual(first);
    expect(await run('R3', { ...plan, seed: plan.seed + 1 })).not.toEqual(first);

    const kinds = new Set(first.map((s) => s.mode ?? s.injected));
    expect(kinds).toEqual(new Set([null, 'error', 'rate-limit', 'bad-gateway', 'reset', 'late']));
    for (const s of first) {
      // lost answers only on writes; random errors use errorStatus (default 500); 429s say Retry-After: 1
      if (s.injected === 'lost-answer') expect(s.method).toBe('POST');
      if (s.injected === 'error') expect(s.got).toBe('500');
      if (s.injected === 'rate-limit') expect(s.got).toBe('429 retry-after=1');
      if (s.mode === 'bad-gateway') expect(s.got).toBe('502');
      if (s.mode === 'reset') expect(s.got).toBe('socket error');
      if (s.mode === 'late') expect(s.got).toBe('201');
      if (s.injected == null) expect(s.got).toBe(s.method === 'GET' ? '200' : '201');
    }
  });

  it('does the work of every request that lost its answer, and none of the refused ones', async () => {
    await run('W', plan);
    sim.setFaults(null);
    for (const r of sim.requests.filter((x) => x.method === 'POST').slice()) {
      const key = (r.bodyJson as { key: string }).key;
      const refused = r.injected === 'error' || r.injected === 'rate-limit';
      expect([key, await variableStatus(key)]).toEqual([key, refused ? 404 : 200]);
    }
  });

  it('rejects rates that do not fit in one draw', () => {
    expect(() =>
      sim.setFaults({ random: { seed: 1, errorRate: 0.6, loseAnswerRate: 0.5 } }),
    ).toThrow(RangeError);
  });
});
