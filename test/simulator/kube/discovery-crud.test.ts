// The Kubernetes simulator through real client-node: discovery (KubernetesObjectApi resolves paths
// from it), create/get/list/replace/patch/delete, and the real server's preconditions and Status bodies.
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWrite } from '../../../src/simulator/kube/server.js';
import { apply, deployment, namespace, startCluster, statusOf, type Cluster } from './helpers.js';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster();
  await c.api.create(namespace('apps'));
});
afterAll(async () => {
  await c.sim.close();
});

const SERVED: [string, string, boolean][] = [
  ['v1', 'Namespace', false],
  ['v1', 'ServiceAccount', true],
  ['v1', 'Secret', true],
  ['v1', 'ConfigMap', true],
  ['v1', 'Service', true],
  ['apps/v1', 'Deployment', true],
  ['policy/v1', 'PodDisruptionBudget', true],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', false],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', false],
  ['rbac.authorization.k8s.io/v1', 'Role', true],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', true],
];

describe('discovery', () => {
  it('lets KubernetesObjectApi list every served kind, asking each group version once', async () => {
    c.sim.clearRequests();
    const fresh = KubernetesObjectApi.makeApiClient(c.kc); // an empty discovery cache
    for (const [apiVersion, kind] of SERVED) {
      const list = await fresh.list(apiVersion, kind);
      expect(list.kind).toBe(`${kind}List`);
      expect(list.apiVersion).toBe(apiVersion);
    }
    const discovery = c.sim.requests
      .map((r) => r.path)
      .filter((p) => /^\/apis?\/[^/]+(\/v1)?$/.test(p));
    expect(discovery).toEqual([
      '/api/v1',
      '/apis/apps/v1',
      '/apis/policy/v1',
      '/apis/rbac.authorization.k8s.io/v1',
    ]);
  });

  it('documents the groups, and each resource with its scope and verbs', async () => {
    const get = async (path: string) =>
      (await fetch(`${c.sim.url}${path}`, {
        headers: { authorization: `Bearer ${c.sim.token}` },
      }).then((r) => r.json())) as Record<string, unknown>;
    const groups = (await get('/apis')) as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name).sort()).toEqual(
      ['apps', 'coordination.k8s.io', 'policy', 'rbac.authorization.k8s.io'].sort(),
    );
    expect(await get('/api')).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    for (const [apiVersion, kind, namespaced] of SERVED) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const list = (await get(path)) as { resources: Record<string, unknown>[] };
      const entry = list.resources.find((r) => r['kind'] === kind);
      expect(entry?.['namespaced']).toBe(namespaced);
      expect(entry?.['verbs']).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update']);
    }
    expect((await get('/apis/batch/v1'))['code']).toBe(404);
  });

  it('reports a kind the cluster does not serve the way client-node does', async () => {
    await expect(c.api.list('batch/v1', 'Job')).rejects.toThrow(/batch\/v1\/Job/);
    await expect(c.api.list('v1', 'Pod')).rejects.toThrow('Unrecognized API version and kind');
  });
});

describe('create, get, list, replace, delete', () => {
  const configMap = (name: string, data: Record<string, string>): V1ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'apps', labels: { tier: name } },
    data,
  });

  it('creates, reads back through the typed API, lists with a label selector and deletes', async () => {
    const created = await c.api.create(configMap('one', { a: '1' }));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.resourceVersion).toBeTruthy();
    await c.api.create(configMap('two', { b: '2' }));
    const core = c.kc.makeApiClient(CoreV1Api);
    const read = await core.readNamespacedConfigMap({ name: 'one', namespace: 'apps' });
    expect(read.data).toEqual({ a: '1' });
    const selected = await core.listNamespacedConfigMap({
      namespace: 'apps',
      labelSelector: 'tier=two',
    });
    expect(selected.items.map((i) => i.metadata?.name)).toEqual(['two']);
    const status = (await c.api.delete({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'one', namespace: 'apps' },
    })) as unknown as { status: string; details: { name: string; kind: string } };
    expect(status).toMatchObject({
      status: 'Success',
      details: { name: 'one', kind: 'configmaps' },
    });
    expect(c.sim.objects.get('v1', 'ConfigMap', 'apps', 'one')).toBeUndefined();
    const gone = await statusOf(core.readNamespacedConfigMap({ name: 'one', namespace: 'apps' }));
    expect(gone).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'configmaps "one" not found',
    });
  });

  it('answers 409 AlreadyExists for a second create, and 409 Conflict for a stale replace', async () => {
    await c.api.create(configMap('dup', { a: '1' }));
    const again = await statusOf(c.api.create(configMap('dup', { a: '2' })));
    expect(again).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    const live = await c.api.read<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dup', namespace: 'apps' },
    });
    const replaced = (await c.api.replace({ ...live, data: { a: '3' } })) as V1ConfigMap;
    expect(replaced.data).toEqual({ a: '3' });
    expect(replaced.metadata?.resourceVersion).not.toBe(live.metadata?.resourceVersion);
    const stale = await statusOf(c.api.replace({ ...live, data: { a: '4' } }));
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.message).toContain('the object has been modified');
    expect(c.sim.objects.get('v1', 'ConfigMap', 'apps', 'dup')?.['data']).toEqual({ a: '3' });
  });

  it('refuses objects in a namespace that does not exist, as the real server does', async () => {
    const missing = await statusOf(
      c.api.create({ ...configMap('x', {}), metadata: { name: 'x', namespace: 'nowhere' } }),
    );
    expect(missing).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "nowhere" not found',
    });
    const viaApply = await statusOf(apply(c.api, deployment('nowhere', 'web'), 'migrate-clusters'));
    expect(viaApply.message).toBe('namespaces "nowhere" not found');
    expect(c.sim.objects.list({ namespace: 'nowhere' })).toEqual([]);
  });

  it('folds Secret stringData into base64 data and never records a body', async () => {
    const value = 'glagent-simulated-secret-value-123456';
    await c.api.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token', namespace: 'apps' },
      stringData: { token: value },
    } as KubernetesObject);
    const stored = c.sim.objects.get('v1', 'Secret', 'apps', 'token')!;
    expect(stored['data']).toEqual({ token: Buffer.from(value).toString('base64') });
    expect(stored['type']).toBe('Opaque');
    expect(stored).not.toHaveProperty('stringData');
    expect(JSON.stringify(c.sim.requests)).not.toContain(value);
  });

  it('merges a JSON merge patch and a strategic merge patch by container name', async () => {
    await apply(c.api, deployment('apps', 'patched'), 'migrate-clusters');
    await c.api.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'patched', namespace: 'apps', labels: { extra: 'yes' } },
      },
      undefined,
      undefined,
      'kubectl-label',
      undefined,
      PatchStrategy.MergePatch,
    );
    const apps = c.kc.makeApiClient(AppsV1Api);
    await c.api.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'patched', namespace: 'apps' },
        spec: { template: { spec: { containers: [{ name: 'agent', image: 'other:2' }] } } },
      } as KubernetesObject,
      undefined,
      undefined,
      'kubectl-set-image',
      undefined,
      PatchStrategy.StrategicMergePatch,
    );
    const live = await apps.readNamespacedDeployment({ name: 'patched', namespace: 'apps' });
    expect(live.metadata?.labels).toMatchObject({
      extra: 'yes',
      'app.kubernetes.io/name': 'patched',
    });
    const container = live.spec?.template.spec?.containers[0];
    expect(container).toMatchObject({ name: 'agent', image: 'other:2' });
    expect(container?.args).toEqual(['--token-file=/etc/agentk/secrets/token']);
    const managers = live.metadata?.managedFields?.map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toEqual(
      expect.arrayContaining([
        'migrate-clusters/Apply',
        'kubectl-label/Update',
        'kubectl-set-image/Update',
      ]),
    );
  });

  it('deletes a namespace with everything in it', async () => {
    await c.api.create(namespace('doomed'));
    await apply(c.api, deployment('doomed', 'web'), 'migrate-clusters');
    const answer = (await c.api.delete(namespace('doomed'))) as unknown as {
      kind: string;
      status: { phase: string };
    };
    expect(answer).toMatchObject({ kind: 'Namespace', status: { phase: 'Terminating' } });
    expect(c.sim.objects.list({ namespace: 'doomed' })).toEqual([]);
    expect(c.sim.objects.get('v1', 'Namespace', null, 'doomed')).toBeUndefined();
  });

  it('records method, path, query and status of each request', async () => {
    c.sim.clearRequests();
    await apply(c.api, deployment('apps', 'recorded'), 'migrate-clusters', { dryRun: true });
    await statusOf(
      c.api.read({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'none', namespace: 'apps' },
      }),
    );
    expect(c.sim.requests.map((r) => [r.method, r.path, r.status, r.reason])).toEqual([
      ['PATCH', '/apis/apps/v1/namespaces/apps/deployments/recorded', 201, null],
      ['GET', '/api/v1/namespaces/apps/secrets/none', 404, 'NotFound'],
    ]);
    expect(c.sim.requests[0]).toMatchObject({
      dryRun: true,
      fieldManager: 'migrate-clusters',
      force: false,
      contentType: 'application/apply-patch+yaml',
      query: { dryRun: 'All', fieldManager: 'migrate-clusters', force: 'false' },
    });
    expect(c.sim.requests.filter(isWrite)).toEqual([]);
  });
});
