// Injected faults in the Kubernetes simulator, through real client-node and plain fetch: 5xx and 429
// answers as the API server's Status objects (or the filters' plain text), connections reset before
// any work, lost answers after the write is done (server-side apply included), and seeded random
// faults that repeat for a seed.
import {
  ApiException,
  CoreV1Api,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeSimulator, type RandomFaultPlan } from '../../../src/simulator/kube/server.js';
import { apply, deployment, namespace, startCluster, statusOf, type Cluster } from './helpers.js';

let c: Cluster;
let core: CoreV1Api;
beforeEach(async () => {
  c = await startCluster({ rollout: 'never' });
  core = c.kc.makeApiClient(CoreV1Api);
  await c.api.create(namespace('apps'));
  c.sim.clearRequests();
});
afterEach(async () => {
  await c.sim.close();
});

const configMap = (name: string): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'apps' },
  data: { k: 'v' },
});
const stored = (name: string) => c.sim.objects.get('v1', 'ConfigMap', 'apps', name);
const CONFIGMAPS = '/api/v1/namespaces/apps/configmaps';

function kubeFetch(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${c.sim.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${c.sim.token}`,
      'content-type': 'application/json',
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}
const postConfigMap = (name: string, signal?: AbortSignal) =>
  kubeFetch(CONFIGMAPS, { method: 'POST', body: JSON.stringify(configMap(name)), signal });

/** The code of the socket error behind fetch's "fetch failed". */
async function socketErrorCode(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TypeError);
  return (error as { cause?: { code?: string } }).cause?.code;
}

describe('errors and rate limits', () => {
  it('answers 503 and 500 as Status objects, before doing the work', async () => {
    c.sim.setFaults({ errorEvery: 1, errorStatus: 503, pathPattern: '/configmaps' });
    const unavailable = await statusOf(
      core.createNamespacedConfigMap({ namespace: 'apps', body: configMap('a') }),
    );
    expect(unavailable).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server is currently unable to handle the request',
      reason: 'ServiceUnavailable',
      code: 503,
    });
    expect(stored('a')).toBeUndefined();
    // requests outside the plan's pathPattern are neither hit nor counted
    expect((await core.readNamespace({ name: 'apps' })).metadata?.name).toBe('apps');

    c.sim.setFaults({ errorEvery: 2, pathPattern: '/configmaps' });
    await core.createNamespacedConfigMap({ namespace: 'apps', body: configMap('b') });
    const internal = await statusOf(
      core.createNamespacedConfigMap({ namespace: 'apps', body: configMap('c') }),
    );
    expect(internal).toMatchObject({
      kind: 'Status',
      code: 500,
      reason: 'InternalError',
      message: 'Internal error occurred: injected fault',
      details: { causes: [{ message: 'injected fault' }] },
    });
    expect([stored('b')?.metadata.name, stored('c')]).toEqual(['b', undefined]);
    expect(c.sim.requests.map((r) => [r.method, r.status, r.injected, r.reason])).toEqual([
      ['POST', 503, 'error', 'ServiceUnavailable'],
      ['GET', 200, null, null],
      ['POST', 201, null, null],
      ['POST', 500, 'error', 'InternalError'],
    ]);
    expect(c.sim.requests[0]?.injectedBy).toBe('errorEvery');
  });

  it('answers every Nth matching request 429 TooManyRequests with Retry-After: 1, counting from setFaults', async () => {
    c.sim.setFaults({ rateLimitEvery: 2, methods: ['GET'] });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await kubeFetch(CONFIGMAPS)).status);
    expect(statuses).toEqual([200, 429, 200, 429]);
    // a write is not a GET: not counted, not throttled
    expect((await postConfigMap('written')).status).toBe(201);
    c.sim.setFaults({ rateLimitEvery: 2, methods: ['GET'] });
    expect((await kubeFetch(CONFIGMAPS)).status).toBe(200);
    const throttled = await kubeFetch(CONFIGMAPS);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(throttled.headers.get('content-type')).toBe('application/json');
    expect(await throttled.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Too many requests, please try again later.',
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 1 },
      code: 429,
    });
    // client-node surfaces it as an ApiException whose body is the Status
    await core.listNamespacedConfigMap({ namespace: 'apps' }); // #3
    const viaClient = await statusOf(core.listNamespacedConfigMap({ namespace: 'apps' })); // #4
    expect(viaClient).toMatchObject({ code: 429, reason: 'TooManyRequests' });
  });

  it("can answer 429 the way kube-apiserver's max-in-flight filter does: plain text", async () => {
    c.sim.setFaults({ rateLimitEvery: 1, rateLimitBody: 'text', pathPattern: '/configmaps$' });
    const res = await kubeFetch(CONFIGMAPS);
    expect(res.status).toBe(429);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.text()).toBe('Too many requests, please try again later.\n');
    expect(c.sim.requests.at(-1)).toMatchObject({ injected: 'rate-limit', reason: null });
  });
});

describe('resets', () => {
  it('resets the connection before doing anything', async () => {
    c.sim.setFaults({ resetEvery: 1, methods: ['POST'] });
    expect(await socketErrorCode(postConfigMap('never'))).toBe('ECONNRESET');
    expect(stored('never')).toBeUndefined();
    // client-node fails with a transport error, not an ApiException
    const viaClient = await c.api.create(configMap('never')).catch((e: unknown) => e);
    expect(viaClient).toBeInstanceOf(Error);
    expect(viaClient).not.toBeInstanceOf(ApiException);
    expect(stored('never')).toBeUndefined();
    const posts = c.sim.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.status, r.injected, r.injectedBy])).toEqual([
      [0, 'reset', 'resetEvery'],
      [0, 'reset', 'resetEvery'],
    ]);
    c.sim.setFaults(null);
    expect((await postConfigMap('never')).status).toBe(201);
  });
});

describe('lost answers', () => {
  it('bad-gateway on a server-side apply PATCH: client-node sees 502, the Deployment exists', async () => {
    c.sim.setFaults({
      loseAnswer: { every: 1, mode: 'bad-gateway', pathPattern: '/deployments/' },
    });
    const failed = await apply(c.api, deployment('apps', 'agentk'), 'migrate-clusters').catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ApiException);
    expect((failed as ApiException<string>).code).toBe(502);
    expect((failed as ApiException<string>).body).toContain('502 Bad Gateway');
    const live = c.sim.objects.get('apps/v1', 'Deployment', 'apps', 'agentk') as V1Deployment;
    const applied = live.metadata?.managedFields?.find((m) => m.manager === 'migrate-clusters');
    expect(applied?.operation).toBe('Apply');
    const patch = c.sim.requests.find((r) => r.method === 'PATCH');
    expect(patch).toMatchObject({
      contentType: 'application/apply-patch+yaml',
      fieldManager: 'migrate-clusters',
      status: 502,
      injected: 'lost-answer',
      injectedBy: 'loseAnswer',
      lostAnswer: { mode: 'bad-gateway', status: 201 },
    });
    // discovery GETs did not count; re-applying is what recovers, and now updates nothing
    expect(c.sim.requests.filter((r) => r.injected != null)).toHaveLength(1);
    c.sim.setFaults(null);
    await apply(c.api, deployment('apps', 'agentk'), 'migrate-clusters');
    expect(c.sim.requests.at(-1)?.status).toBe(200);
    expect(c.sim.objects.get('apps/v1', 'Deployment', 'apps', 'agentk')?.metadata.generation).toBe(
      1,
    );
  });

  it('reset after the write: the client gets no answer, the object exists', async () => {
    c.sim.setFaults({ loseAnswer: { every: 1, mode: 'reset' } });
    expect(await socketErrorCode(postConfigMap('done'))).toBe('ECONNRESET');
    expect(stored('done')?.data).toEqual({ k: 'v' });
    expect(c.sim.requests.at(-1)).toMatchObject({
      status: 0,
      lostAnswer: { mode: 'reset', status: 201 },
    });
    // the retry of a create runs into the object the lost answer made
    c.sim.setFaults(null);
    expect(
      await statusOf(
        core.createNamespacedConfigMap({ namespace: 'apps', body: configMap('done') }),
      ),
    ).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
    });
  });

  it('late: a client with a 500 ms timeout gives up on an apply that was done', async () => {
    c.sim.setFaults({ loseAnswer: { every: 1, mode: 'late', lateMs: 3_000 } });
    const started = Date.now();
    const patch = kubeFetch(
      '/apis/apps/v1/namespaces/apps/deployments/late?fieldManager=migrate-clusters',
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify(deployment('apps', 'late')),
        signal: AbortSignal.timeout(500),
      },
    );
    await expect(patch).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(c.sim.objects.get('apps/v1', 'Deployment', 'apps', 'late')).toBeDefined();
    expect(c.sim.requests.at(-1)).toMatchObject({
      status: 0,
      injected: 'lost-answer',
      lostAnswer: { mode: 'late', status: 201 },
    });
  });

  it('late: a client that waits gets the real answer', async () => {
    c.sim.setFaults({ loseAnswer: { every: 1, mode: 'late', lateMs: 300 } });
    const started = Date.now();
    const created = await core.createNamespacedConfigMap({
      namespace: 'apps',
      body: configMap('slow'),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(created.metadata?.name).toBe('slow');
    expect(c.sim.requests.at(-1)).toMatchObject({ status: 201, injected: 'lost-answer' });
  });
});

describe('plans', () => {
  it('can start with a plan, and refuses a bad one', async () => {
    const sim = await startKubeSimulator({ faults: { errorEvery: 1, pathPattern: '^/version$' } });
    try {
      expect((await fetch(`${sim.url}/version`)).status).toBe(500);
      expect((await fetch(`${sim.url}/healthz`)).status).toBe(200);
      expect(() => sim.setFaults({ resetEvery: 0 })).toThrow(RangeError);
      expect(() => sim.setFaults({ random: { seed: 1, errorRate: 1.5 } })).toThrow(RangeError);
    } finally {
      await sim.close();
    }
  });
});

describe('random faults', () => {
  // seed 4 happens to give every kind of fault (and all three lost-answer modes) within 40 requests
  const plan: RandomFaultPlan = {
    seed: 4,
    errorRate: 0.15,
    rateLimitRate: 0.1,
    loseAnswerRate: 0.3,
    lateMs: 30,
  };

  async function run(prefix: string, random: RandomFaultPlan) {
    c.sim.setFaults({ pathPattern: '/configmaps', random });
    c.sim.clearRequests();
    const got: string[] = [];
    for (let i = 0; i < 40; i++) {
      const request = i % 2 === 0 ? kubeFetch(CONFIGMAPS) : postConfigMap(`${prefix}-${i}`);
      got.push(
        await request.then(
          (r) => String(r.status),
          () => 'socket error',
        ),
      );
    }
    expect(c.sim.requests).toHaveLength(40);
    return c.sim.requests.map((r, i) => ({
      method: r.method,
      got: got[i],
      injected: r.injected,
      mode: r.lostAnswer?.mode ?? null,
    }));
  }

  it('repeats the same faults for a seed; the work is done exactly when no refusal hit', async () => {
    const first = await run('r1', plan);
    expect(await run('r2', plan)).toEqual(first);
    expect(new Set(first.map((s) => s.mode ?? s.injected))).toEqual(
      new Set([null, 'error', 'rate-limit', 'bad-gateway', 'reset', 'late']),
    );
    for (const [i, s] of first.entries()) {
      if (s.method !== 'POST') continue;
      const refused = s.injected === 'error' || s.injected === 'rate-limit';
      expect([i, s.injected, stored(`r1-${i}`) !== undefined]).toEqual([i, s.injected, !refused]);
    }
    expect(await run('r3', { ...plan, seed: 5 })).not.toEqual(first);
  });
});

describe('echoing request headers in errors (as some API servers and proxies do)', () => {
  it("ends every failure's message with the request's headers, Authorization included; successes are untouched", async () => {
    c.sim.setEchoRequestHeaders(true);
    const missing = await kubeFetch(`${CONFIGMAPS}/nope`);
    expect(missing.status).toBe(404);
    const status = (await missing.json()) as { kind: string; message: string };
    expect(status.kind).toBe('Status');
    expect(status.message).toContain(`"Authorization":["Bearer ${c.sim.token}"]`);
    c.sim.setFaults({ rateLimitEvery: 1, rateLimitBody: 'text' });
    const limited = await kubeFetch(CONFIGMAPS);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toMatch(/^Too many requests.*\nrequest headers: \{.*Bearer /s);
    c.sim.setFaults(null);
    const fine = await kubeFetch(`/api/v1/namespaces/apps`);
    expect(JSON.stringify(await fine.json())).not.toContain(c.sim.token);
    c.sim.setEchoRequestHeaders(false);
    const quiet = (await (await kubeFetch(`${CONFIGMAPS}/nope`)).json()) as { message: string };
    expect(quiet.message).not.toContain('request headers');
  });
});
