// callKube's retries, through real client-node against the Kubernetes simulator's injected faults
// (an overloaded API server or the proxy in front of it): idempotent requests (reads, lists,
// server-side apply, access reviews) survive transient 5xx, 429 and reset connections and converge;
// deletes are sent once; Retry-After is honoured; Ctrl-C ends the retrying. The same calls without
// faults run against the real kube-apiserver in apply.test.ts.
import { AuthorizationV1Api, CoreV1Api, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { applyObjects, deleteObjects } from '../../src/kube/apply.js';
import { poolConnections } from '../../src/kube/clients.js';
import { callKube } from '../../src/kube/call-kube.js';
import {
  isWrite,
  startKubeSimulator,
  type KubeSimulator,
} from '../../src/simulator/kube/server.js';
import { deployment, kubeConfigFor, namespace, startCluster } from '../simulator/kube/helpers.js';

const NS = 'gitlab-agent-retries';
const LABELS = { 'app.kubernetes.io/name': 'agentk' };

const objects = (): KubernetesObject[] => [
  { ...namespace(NS), metadata: { name: NS, labels: LABELS } },
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'agentk', namespace: NS, labels: LABELS },
  },
  deployment(NS, 'agentk', {}),
];

const install = (kc: Parameters<typeof applyObjects>[0]) =>
  applyObjects(kc, objects(), { dryRun: false, forceConflicts: false });

const running: KubeSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function cluster(options: Parameters<typeof startCluster>[0] = {}) {
  const c = await startCluster(options);
  running.push(c.sim);
  return c;
}

describe('transient failures of idempotent requests are retried', () => {
  it.each([
    ['every 2nd request answers 500', { errorEvery: 2 }],
    ['every 3rd request answers 503', { errorEvery: 3, errorStatus: 503 as const }],
    ['every 4th request has its connection reset', { resetEvery: 4 }],
  ])('%s: the install converges, each failure asked again', async (_title, faults) => {
    const c = await cluster({ tls: true, faults });
    const results = await install(c.kc);
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    const hit = c.sim.requests.filter((r) => r.injected != null);
    expect(hit.length).toBeGreaterThan(0);
    // every failed request was sent again and then answered by the API server itself
    for (const failed of hit)
      expect(
        c.sim.requests.some(
          (r) =>
            r.seq > failed.seq &&
            r.method === failed.method &&
            r.path === failed.path &&
            r.injected == null &&
            r.status > 0,
        ),
        `${failed.method} ${failed.path}`,
      ).toBe(true);
    c.sim.setFaults(null);
    expect((await install(c.kc)).map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it(
    'waits as long as a 429 Retry-After asks before asking again',
    { tags: ['slow'] },
    async () => {
      const c = await cluster({ faults: { rateLimitEvery: 3, rateLimitBody: 'text' } });
      const started = Date.now();
      await install(c.kc);
      const limited = c.sim.requests.filter((r) => r.injected === 'rate-limit');
      expect(limited.length).toBeGreaterThan(0);
      // Retry-After: 1 for each of them, one after another
      expect(Date.now() - started).toBeGreaterThanOrEqual(limited.length * 1_000 - 50);
    },
  );

  it('applies again when an apply was done but its answer was lost (server-side apply is idempotent)', async () => {
    const c = await cluster({
      faults: { loseAnswer: { every: 2, mode: 'reset', methods: ['PATCH'] } },
    });
    const results = await install(c.kc);
    expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
    expect(c.sim.requests.filter((r) => r.injected === 'lost-answer').length).toBeGreaterThan(0);
    expect((await install(c.kc)).map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('converges under 5% seeded random faults, and a converged re-run under them changes nothing', async () => {
    const c = await cluster({
      tls: true,
      faults: {
        random: {
          seed: 7,
          errorRate: 0.03,
          rateLimitRate: 0.01,
          loseAnswerRate: 0.03,
          loseAnswerModes: ['bad-gateway', 'reset'],
        },
      },
    });
    for (let run = 0; run < 5; run++) await install(c.kc);
    expect(c.sim.requests.filter((r) => r.injected != null).length).toBeGreaterThan(0);
    c.sim.clearRequests();
    for (let run = 0; run < 5; run++)
      expect((await install(c.kc)).every((r) => r.outcome === 'unchanged')).toBe(true);
    // the rollout controller writes the Deployment's status; this tool writes nothing
    expect(c.sim.requests.filter(isWrite)).toEqual([]);
  });

  it('retries a SelfSubjectAccessReview (a POST that stores nothing)', async () => {
    const c = await cluster({ faults: { errorEvery: 1, methods: ['POST'] } });
    const api = poolConnections(c.kc).makeApiClient(AuthorizationV1Api);
    const review = () =>
      api.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb: 'create', resource: 'namespaces' } } },
      });
    await expect(
      callKube(c.kc, 'check', 'what it may do', review, { retry: { baseDelayMs: 5 } }),
    ).rejects.toThrow(UserError);
    expect(c.sim.requests.filter((r) => r.method === 'POST')).toHaveLength(5);
    c.sim.setFaults({ errorEvery: 2, methods: ['POST'] });
    const answer = await callKube(c.kc, 'check', 'what it may do', review);
    expect(answer.status?.allowed).toBe(true);
  });
});

describe('what is not retried, and when retrying stops', () => {
  it('sends a delete once, even when it fails with a 500', async () => {
    const c = await cluster();
    await install(c.kc);
    c.sim.clearRequests();
    c.sim.setFaults({ errorEvery: 1, methods: ['DELETE'] });
    await expect(deleteObjects(c.kc, objects(), { dryRun: false })).rejects.toThrow(
      /Cannot delete Deployment gitlab-agent-retries\/agentk .*injected fault \(HTTP 500\)/,
    );
    expect(c.sim.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('does not retry a refusal (403)', async () => {
    const c = await cluster({ readOnlyToken: 'read-only-token-123456' });
    const viewer = kubeConfigFor(c.sim, { token: 'read-only-token-123456' });
    await expect(install(viewer)).rejects.toThrow(/may not apply Namespace/);
    expect(c.sim.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('gives up after 5 attempts on a server that keeps failing, reporting the last answer', async () => {
    const c = await cluster({ faults: { errorEvery: 1, errorStatus: 503 } });
    const api = poolConnections(c.kc).makeApiClient(CoreV1Api);
    const error = await callKube(
      c.kc,
      'read',
      'Namespace kube-system',
      () => api.readNamespace({ name: 'kube-system' }),
      { retry: { baseDelayMs: 5 } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      `Cannot read Namespace kube-system with context "sim" (${c.sim.url}): the server is currently unable to handle the request (HTTP 503).`,
    );
    expect(c.sim.requests).toHaveLength(5);
  });

  it('stops retrying at once when the run is interrupted (Ctrl-C)', async () => {
    const c = await cluster({ faults: { errorEvery: 1 } });
    const api = poolConnections(c.kc).makeApiClient(CoreV1Api);
    const stop = new AbortController();
    const started = Date.now();
    setTimeout(() => stop.abort(), 100);
    await expect(
      callKube(c.kc, 'read', 'Namespace default', () => api.readNamespace({ name: 'default' }), {
        signal: stop.signal,
        retry: { baseDelayMs: 2_000 },
      }),
    ).rejects.toThrow(UserError);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(c.sim.requests).toHaveLength(1);
  });

  it('retries a refused connection only to a server that has answered before (a restart)', async () => {
    const first = await startKubeSimulator();
    const port = Number(new URL(first.url).port);
    const kc = kubeConfigFor(first);
    const api = poolConnections(kc).makeApiClient(CoreV1Api);
    const read = () =>
      callKube(kc, 'read', 'Namespace default', () => api.readNamespace({ name: 'default' }));
    await read();
    await first.close();
    // the API server comes back on the same address a moment later
    const restarted = new Promise<KubeSimulator>((resolve, reject) => {
      setTimeout(() => {
        startKubeSimulator({ port, token: first.token }).then((sim) => {
          running.push(sim);
          resolve(sim);
        }, reject);
      }, 300);
    });
    expect((await read()).metadata?.name).toBe('default');
    expect((await restarted).requests).toHaveLength(1);
  });
});
