// The Kubernetes simulator's bearer-token authentication, the simulated deployment controller
// (available after a delay, never, stalled; the onDeploymentAvailable hand-off), HTTPS with its
// self-signed CA, and kubeconfig files pointing at several simulated clusters.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../src/simulator/kube/kubeconfig-file.js';
import {
  startKubeSimulator,
  SYSTEM_NAMESPACES,
  type DeploymentAvailableEvent,
  type KubeSimulator,
} from '../../../src/simulator/kube/server.js';
import {
  apply,
  deployment,
  eventually,
  kubeConfigFor,
  namespace,
  startCluster,
  statusOf,
} from './helpers.js';

const started: KubeSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
async function cluster(options: Parameters<typeof startCluster>[0] = {}) {
  const c = await startCluster(options);
  started.push(c.sim);
  return c;
}

describe('authentication', () => {
  it('answers 401 Unauthorized to a wrong or a missing bearer token, discovery included', async () => {
    const { sim } = await cluster({ token: 'right-token-123456' });
    const wrong = kubeConfigFor(sim, { token: 'wrong-token-123456' });
    // The typed APIs drop a 401's body; KubernetesObjectApi keeps the Status.
    await expect(wrong.makeApiClient(CoreV1Api).listNamespace()).rejects.toMatchObject({
      code: 401,
    });
    expect(
      await statusOf(KubernetesObjectApi.makeApiClient(wrong).list('v1', 'Namespace')),
    ).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      code: 401,
      reason: 'Unauthorized',
      message: 'Unauthorized',
    });
    for (const path of ['/api', '/apis/apps/v1', '/api/v1/namespaces']) {
      const anonymous = await fetch(`${sim.url}${path}`);
      expect(anonymous.status).toBe(401);
    }
    expect((await fetch(`${sim.url}/healthz`)).status).toBe(200);
    const right = kubeConfigFor(sim, { token: 'right-token-123456' }).makeApiClient(CoreV1Api);
    expect((await right.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(
      SYSTEM_NAMESPACES,
    );
  });

  it('lets a read-only token read but answers 403 Forbidden to its writes', async () => {
    const { sim, api } = await cluster({ readOnlyToken: 'reader-token-123456' });
    await apply(api, namespace('team'), 'migrate-clusters');
    const reader = kubeConfigFor(sim, { token: 'reader-token-123456' });
    expect((await reader.makeApiClient(CoreV1Api).listNamespace()).items).toHaveLength(
      SYSTEM_NAMESPACES.length + 1,
    );
    const readerApi = KubernetesObjectApi.makeApiClient(reader);
    const denied = await statusOf(apply(readerApi, deployment('team', 'web'), 'migrate-clusters'));
    expect(denied).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(denied.message).toBe(
      'deployments.apps "web" is forbidden: User "read-only-user" cannot patch resource "deployments" in API group "apps" in the namespace "team"',
    );
    expect(sim.objects.get('apps/v1', 'Deployment', 'team', 'web')).toBeUndefined();
  });
});

describe('deployment rollouts', () => {
  const read = (kc: KubeConfig, name: string) =>
    kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: 'agents' });
  const available = (d: V1Deployment) =>
    d.status?.conditions?.find((x) => x.type === 'Available')?.status === 'True';

  it('starts unavailable and becomes Available with every replica counted', async () => {
    // Held (an hour's delay) until the first status has been read, then released.
    const { sim, kc, api } = await cluster({ rolloutDelayMs: 3_600_000 });
    await apply(api, namespace('agents'), 'migrate-clusters');
    await apply(api, deployment('agents', 'agentk', { replicas: 2 }), 'migrate-clusters');
    const first = await read(kc, 'agentk');
    expect(available(first)).toBe(false);
    expect(first.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 0 });
    expect(first.status?.availableReplicas).toBeUndefined();
    sim.setRollout('available', { delayMs: 10 });
    const done = await eventually(async () => {
      const d = await read(kc, 'agentk');
      return available(d) && d;
    });
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    const controller = done.metadata?.managedFields?.find(
      (m) => m.manager === 'kube-controller-manager',
    );
    expect(controller).toMatchObject({ operation: 'Update', subresource: 'status' });
  });

  it('hands the mounted token Secret to onDeploymentAvailable, never to the request log', async () => {
    const events: DeploymentAvailableEvent[] = [];
    const sim = await startKubeSimulator({
      rolloutDelayMs: 10,
      onDeploymentAvailable: (e) => {
        events.push(e);
      },
    });
    started.push(sim);
    const api = KubernetesObjectApi.makeApiClient(kubeConfigFor(sim));
    const token = 'glagent-simulated-agent-token-abcdef';
    await apply(api, namespace('agents'), 'migrate-clusters');
    await apply(
      api,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'agentk-token',
          namespace: 'agents',
          annotations: { 'example.com/token-id': '7' },
        },
        stringData: { token },
      } as never,
      'migrate-clusters',
    );
    await apply(
      api,
      deployment('agents', 'agentk', { secret: 'agentk-token' }),
      'migrate-clusters',
    );
    const event = await eventually(() => events[0]);
    expect(event).toMatchObject({ namespace: 'agents', name: 'agentk' });
    expect(event.secrets).toEqual([
      {
        namespace: 'agents',
        name: 'agentk-token',
        annotations: { 'example.com/token-id': '7' },
        data: { token },
      },
    ]);
    expect(JSON.stringify(sim.requests)).not.toContain(token);
  });

  it("stays unavailable with rollout 'never', and completes once set to 'available'", async () => {
    const { sim, kc, api } = await cluster({ rolloutDelayMs: 10, rollout: 'never' });
    await apply(api, namespace('agents'), 'migrate-clusters');
    await apply(api, deployment('agents', 'stuck', { replicas: 2 }), 'migrate-clusters');
    // The controller's last word in this mode: pods created, none of them ready.
    const stuck = await eventually(async () => {
      const d = await read(kc, 'stuck');
      return d.status?.updatedReplicas === 2 && d;
    });
    expect(available(stuck)).toBe(false);
    expect(stuck.status?.availableReplicas).toBeUndefined();
    expect(stuck.status?.unavailableReplicas).toBe(2);
    sim.setRollout('available');
    const done = await eventually(async () => {
      const d = await read(kc, 'stuck');
      return available(d) && d;
    });
    expect(done.status?.availableReplicas).toBe(2);
  });

  it("gives up with ProgressDeadlineExceeded in rollout 'stalled'", async () => {
    const { kc, api } = await cluster({ rolloutDelayMs: 10, rollout: 'stalled' });
    await apply(api, namespace('agents'), 'migrate-clusters');
    await apply(api, deployment('agents', 'stalled'), 'migrate-clusters');
    const progressing = await eventually(async () => {
      const d = await read(kc, 'stalled');
      const c = d.status?.conditions?.find((x) => x.type === 'Progressing');
      return c?.status === 'False' && c;
    });
    expect(progressing.reason).toBe('ProgressDeadlineExceeded');
  });

  it('rolls out again when the pod template changes, and not when nothing changed', async () => {
    const events: string[] = [];
    const sim = await startKubeSimulator({
      rolloutDelayMs: 10,
      onDeploymentAvailable: (e) => {
        events.push(String(e.deployment.metadata['generation']));
      },
    });
    started.push(sim);
    const kc = kubeConfigFor(sim);
    const api = KubernetesObjectApi.makeApiClient(kc);
    await apply(api, namespace('agents'), 'migrate-clusters');
    await apply(api, deployment('agents', 'agentk'), 'migrate-clusters');
    await eventually(() => events.length === 1);
    await apply(api, deployment('agents', 'agentk'), 'migrate-clusters');
    await apply(
      api,
      deployment('agents', 'agentk', { image: 'registry.example/agentk:v2' }),
      'migrate-clusters',
    );
    await eventually(() => events.length === 2);
    expect(events).toEqual(['1', '2']);
  });
});

describe('HTTPS and kubeconfig files', () => {
  it('serves HTTPS that client-node trusts through certificate-authority-data, and only then', async () => {
    const sim = await startKubeSimulator({ tls: true });
    started.push(sim);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(sim.caData ?? '', 'base64').toString()).toContain('BEGIN CERTIFICATE');
    const trusted = kubeConfigFor(sim).makeApiClient(CoreV1Api);
    expect((await trusted.listNamespace()).items.map((n) => n.metadata?.name)).toEqual(
      SYSTEM_NAMESPACES,
    );

    const other = await startKubeSimulator({ tls: true });
    started.push(other);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: sim.url, caData: other.caData ?? '', skipTLSVerify: false }],
      users: [{ name: 'u', token: sim.token }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const refused = await kc
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
    expect(refused?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('writes one kubeconfig with a context per simulated cluster', async () => {
    const a = await startKubeSimulator();
    const b = await startKubeSimulator({ tls: true });
    started.push(a, b);
    const dir = await mkdtemp(join(tmpdir(), 'kube-sim-'));
    try {
      const file = join(dir, 'config');
      await writeKubeconfig(file, [
        { contextName: 'prod', server: a.url, token: a.token },
        { contextName: 'staging', server: b.url, token: b.token, caData: b.caData },
      ]);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(await readFile(file, 'utf8')).toContain('insecure-skip-tls-verify: true');
      for (const [context, sim] of [
        ['prod', a],
        ['staging', b],
      ] as const) {
        const kc = new KubeConfig();
        kc.loadFromFile(file);
        kc.setCurrentContext(context);
        await kc
          .makeApiClient(CoreV1Api)
          .createNamespace({ body: { metadata: { name: `only-${context}` } } });
        expect(
          sim.objects
            .list({ kind: 'Namespace' })
            .map((n) => n.metadata.name)
            .filter((n) => !SYSTEM_NAMESPACES.includes(n)),
        ).toEqual([`only-${context}`]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
