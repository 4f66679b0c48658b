// Server-side apply in the Kubernetes simulator, through real client-node: field ownership per
// manager, no-op re-apply, conflicts and force, removal of fields a manager stops applying,
// dry run, and 422 Invalid answers from kubernetes-models validation.
import {
  PatchStrategy,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWrite } from '../../../src/simulator/kube/server.js';
import { apply, deployment, namespace, startCluster, statusOf, type Cluster } from './helpers.js';

let c: Cluster;
beforeAll(async () => {
  // Rollouts do not move here (an hour's delay), so no status write races the resourceVersion checks.
  c = await startCluster({ rollout: 'never', rolloutDelayMs: 3_600_000 });
  await apply(c.api, namespace('ssa'), 'migrate-clusters');
});
afterAll(async () => {
  await c.sim.close();
});

const live = (name: string) =>
  c.sim.objects.get('apps/v1', 'Deployment', 'ssa', name) as V1Deployment;
const owners = (d: V1Deployment): Record<string, Record<string, unknown>> => {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of d.metadata?.managedFields ?? [])
    out[m.manager ?? ''] = m.fieldsV1 as Record<string, unknown>;
  return out;
};

describe('server-side apply', () => {
  it('creates with 201 and records the manager as owner of exactly the applied fields', async () => {
    c.sim.clearRequests();
    const created = (await apply(
      c.api,
      deployment('ssa', 'first'),
      'migrate-clusters',
    )) as V1Deployment;
    expect(c.sim.requests.at(-1)?.status).toBe(201);
    expect(created.metadata?.generation).toBe(1);
    const entry = created.metadata?.managedFields?.find((m) => m.manager === 'migrate-clusters');
    expect(entry).toMatchObject({
      operation: 'Apply',
      apiVersion: 'apps/v1',
      fieldsType: 'FieldsV1',
    });
    expect(entry?.fieldsV1).toMatchObject({
      'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"agent"}': { '.': {}, 'f:image': {}, 'f:args': {}, 'f:name': {} },
            },
          },
        },
      },
    });
    expect(entry?.fieldsV1).not.toHaveProperty('f:status');
  });

  it('changes nothing when the same manager applies the same object again', async () => {
    await apply(c.api, deployment('ssa', 'same'), 'migrate-clusters');
    const before = live('same');
    c.sim.clearRequests();
    const again = (await apply(
      c.api,
      deployment('ssa', 'same'),
      'migrate-clusters',
    )) as V1Deployment;
    expect(c.sim.requests.at(-1)?.status).toBe(200);
    expect(again.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(live('same')).toEqual(before);
  });

  it('bumps resourceVersion and generation when the applied spec changes', async () => {
    await apply(c.api, deployment('ssa', 'changed'), 'migrate-clusters');
    const before = live('changed');
    await apply(
      c.api,
      deployment('ssa', 'changed', { image: 'registry.example/agentk:v2' }),
      'migrate-clusters',
    );
    const after = live('changed');
    expect(after.metadata?.resourceVersion).not.toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.generation).toBe((before.metadata?.generation ?? 0) + 1);
    expect(after.spec?.template.spec?.containers[0]?.image).toBe('registry.example/agentk:v2');
  });

  it('answers 409 Conflict naming the other manager and the field, and force takes the field over', async () => {
    await apply(c.api, deployment('ssa', 'contested', { replicas: 2 }), 'migrate-clusters');
    const conflict = await statusOf(
      apply(c.api, deployment('ssa', 'contested', { replicas: 3 }), 'other-manager'),
    );
    expect(conflict).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "migrate-clusters": .spec.replicas',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "migrate-clusters"',
            field: '.spec.replicas',
          },
        ],
      },
    });
    expect(live('contested').spec?.replicas).toBe(2);

    await apply(c.api, deployment('ssa', 'contested', { replicas: 3 }), 'other-manager', {
      force: true,
    });
    const taken = live('contested');
    expect(taken.spec?.replicas).toBe(3);
    const fields = owners(taken);
    expect(fields['other-manager']).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    expect(fields['migrate-clusters']).not.toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    // Fields both applied with equal values are shared, not taken.
    expect(fields['migrate-clusters']).toMatchObject({ 'f:spec': { 'f:selector': {} } });

    const back = await statusOf(
      apply(c.api, deployment('ssa', 'contested', { replicas: 2 }), 'migrate-clusters'),
    );
    expect(back.details?.causes).toEqual([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "other-manager"',
        field: '.spec.replicas',
      },
    ]);
  });

  it('lists every conflict by manager, with keyed paths for containers, and Update managers with version', async () => {
    await apply(c.api, deployment('ssa', 'many'), 'migrate-clusters');
    // kubectl edit / set image are Update operations: they take fields without conflicts.
    c.sim.objects.seed(
      {
        ...deployment('ssa', 'many', { replicas: 5, image: 'edited:1' }),
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'many', namespace: 'ssa', labels: { 'app.kubernetes.io/name': 'many' } },
      },
      { manager: 'kubectl-edit' },
    );
    const conflict = await statusOf(apply(c.api, deployment('ssa', 'many'), 'migrate-clusters'));
    expect(conflict.details?.causes?.map((x) => x.field)).toEqual([
      '.spec.replicas',
      '.spec.template.spec.containers[name="agent"].image',
    ]);
    expect(conflict.details?.causes?.[0]?.message).toMatch(
      /^conflict with "kubectl-edit" using apps\/v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(conflict.message).toMatch(
      /^Apply failed with 2 conflicts: conflicts with "kubectl-edit" using apps\/v1 at .*:\n- \.spec\.replicas\n- \.spec\.template/,
    );
  });

  it('removes fields the manager no longer applies, unless another manager owns them', async () => {
    const withLabels = (labels: Record<string, string>): V1ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'labels', namespace: 'ssa', labels },
      data: { k: 'v' },
    });
    await apply(c.api, withLabels({ a: '1', b: '2', c: '3' }), 'migrate-clusters');
    await apply(c.api, withLabels({ c: '3' }), 'helm');
    await apply(c.api, withLabels({ a: '1' }), 'migrate-clusters');
    const labels = c.sim.objects.get('v1', 'ConfigMap', 'ssa', 'labels')?.metadata['labels'];
    expect(labels).toEqual({ a: '1', c: '3' });
  });

  it('keeps containers other managers added to a keyed list', async () => {
    await apply(c.api, deployment('ssa', 'sidecar'), 'migrate-clusters');
    await apply(
      c.api,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'sidecar', namespace: 'ssa' },
        spec: { template: { spec: { containers: [{ name: 'proxy', image: 'proxy:1' }] } } },
      } as KubernetesObject,
      'mesh-injector',
    );
    await apply(
      c.api,
      deployment('ssa', 'sidecar', { image: 'registry.example/agentk:v3' }),
      'migrate-clusters',
    );
    const containers = live('sidecar').spec?.template.spec?.containers.map(
      (x) => `${x.name}=${x.image}`,
    );
    expect(containers).toEqual(['agent=registry.example/agentk:v3', 'proxy=proxy:1']);
  });

  it('stores nothing on dryRun=All, yet answers as if it had', async () => {
    c.sim.clearRequests();
    const count = c.sim.objects.count();
    const created = (await apply(c.api, deployment('ssa', 'dry'), 'migrate-clusters', {
      dryRun: true,
    })) as V1Deployment;
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.metadata?.resourceVersion).toBeUndefined();
    expect(c.sim.objects.get('apps/v1', 'Deployment', 'ssa', 'dry')).toBeUndefined();

    await apply(c.api, deployment('ssa', 'dry-existing'), 'migrate-clusters');
    const before = live('dry-existing');
    const changed = (await apply(
      c.api,
      deployment('ssa', 'dry-existing', { replicas: 7 }),
      'migrate-clusters',
      {
        dryRun: true,
      },
    )) as V1Deployment;
    expect(changed.spec?.replicas).toBe(7);
    expect(changed.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(live('dry-existing')).toEqual(before);
    await c.api.delete(deployment('ssa', 'dry-existing'), undefined, 'All');
    expect(live('dry-existing')).toEqual(before);
    expect(c.sim.objects.count()).toBe(count + 1);
    expect(c.sim.requests.filter(isWrite).map((r) => r.path)).toEqual([
      '/apis/apps/v1/namespaces/ssa/deployments/dry-existing',
    ]);
  });

  it('answers 404 to a dry run into a namespace that does not exist', async () => {
    const status = await statusOf(
      apply(c.api, deployment('not-yet', 'web'), 'migrate-clusters', { dryRun: true }),
    );
    expect(status).toMatchObject({ code: 404, message: 'namespaces "not-yet" not found' });
  });

  it('requires a field manager for apply', async () => {
    const status = await statusOf(
      c.api.patch(
        deployment('ssa', 'nameless'),
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.ServerSideApply,
      ),
    );
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status.message).toContain('fieldManager is required');
  });
});

describe('validation (422 Invalid)', () => {
  it('rejects a schema violation found by kubernetes-models, with causes, and stores nothing', async () => {
    const bad = deployment('ssa', 'bad');
    bad.spec['replicas'] = 'two';
    const status = await statusOf(apply(c.api, bad, 'migrate-clusters'));
    expect(status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: { name: 'bad', kind: 'Deployment' },
    });
    expect(status.details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "two": must be integer',
      },
    ]);
    expect(status.message).toBe(
      'Deployment.apps "bad" is invalid: spec.replicas: Invalid value: "two": must be integer',
    );
    expect(live('bad')).toBeUndefined();
  });

  it('rejects a selector that does not match the pod labels, and bad names', async () => {
    const mismatched = deployment('ssa', 'mismatch');
    (mismatched.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels = {
      other: 'x',
    };
    const status = await statusOf(apply(c.api, mismatched, 'migrate-clusters'));
    expect(status.details?.causes?.[0]?.field).toBe('spec.template.metadata.labels');

    const badName = await statusOf(apply(c.api, namespace('bad_name'), 'migrate-clusters'));
    expect(badName).toMatchObject({ code: 422, details: { causes: [{ field: 'metadata.name' }] } });
  });

  it('rejects two containers with one name, and a changed selector or roleRef', async () => {
    const twice = deployment('ssa', 'twice');
    const pod = (twice.spec['template'] as { spec: { containers: object[] } }).spec;
    pod.containers.push({ name: 'agent', image: 'x:1' });
    const duplicate = await statusOf(apply(c.api, twice, 'migrate-clusters'));
    expect(duplicate.details?.causes?.[0]).toMatchObject({ reason: 'FieldValueDuplicate' });

    const binding = (role: string): KubernetesObject =>
      ({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'ssa:agent-binding' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'ServiceAccount', name: 'agent', namespace: 'ssa' }],
      }) as KubernetesObject;
    await apply(c.api, binding('cluster-admin'), 'migrate-clusters');
    const roleRef = await statusOf(apply(c.api, binding('view'), 'migrate-clusters'));
    expect(roleRef).toMatchObject({ code: 422, details: { causes: [{ field: 'roleRef' }] } });
    expect(roleRef.message).toContain('cannot change roleRef');
  });

  it('never echoes Secret values in a 422 message', async () => {
    const value = 'not base64 but a secret: glagent-xyz-987654321';
    const again = await statusOf(
      apply(
        c.api,
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'ssa' },
          data: { token: [value] },
        } as never,
        'migrate-clusters',
      ),
    );
    expect(again.code).toBe(422);
    expect(JSON.stringify(again)).not.toContain(value);
  });
});
