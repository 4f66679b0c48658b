// applyWouldChangeNothing on objects shaped as kube-apiserver 1.28 returns them (managedFields in
// FieldsV1, defaults filled in): it may say "unchanged" only where an apply would change nothing.
// The end-to-end view (one read per object, on the simulator and the real server) is in apply.test.ts.
import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { applyWouldChangeNothing } from '../../src/kube/converged.js';

const MANAGER = 'migrate-clusters';

const desired = (): KubernetesObject & Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'agentk', namespace: 'ns', labels: { app: 'agentk' }, finalizers: ['x/y'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'agentk' } },
    template: {
      spec: {
        containers: [
          {
            name: 'agentk',
            image: 'agentk:v1',
            // protocol left to the API server, which keys the list item by it all the same
            ports: [{ containerPort: 8080 }],
            env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
  },
});

/** The fields `desired()` sets, as the API server records them for an Apply. */
const appliedFields = () => ({
  'f:metadata': {
    'f:labels': { '.': {}, 'f:app': {} },
    'f:finalizers': { '.': {}, 'v:"x/y"': {} },
  },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:template': {
      'f:spec': {
        'f:containers': {
          'k:{"name":"agentk"}': {
            '.': {},
            'f:name': {},
            'f:image': {},
            'f:ports': {
              'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
            },
            'f:env': {
              'k:{"name":"POD_NAME"}': {
                '.': {},
                'f:name': {},
                'f:valueFrom': { 'f:fieldRef': {} },
              },
            },
          },
        },
        'f:volumes': { 'k:{"name":"tmp"}': { '.': {}, 'f:name': {}, 'f:emptyDir': {} } },
      },
    },
  },
});

/** The live object after that apply: defaults filled in, a controller's status and fields. */
function live(fields: Record<string, unknown> = appliedFields()) {
  const o = desired();
  const spec = o['spec'] as { template: { spec: Record<string, unknown> } };
  const container = (spec.template.spec['containers'] as Record<string, unknown>[])[0]!;
  container['ports'] = [{ containerPort: 8080, protocol: 'TCP' }];
  container['env'] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
  ];
  container['terminationMessagePath'] = '/dev/termination-log';
  spec.template.spec['dnsPolicy'] = 'ClusterFirst';
  return {
    ...o,
    metadata: {
      ...o.metadata,
      uid: 'u-1',
      resourceVersion: '42',
      generation: 1,
      creationTimestamp: '2025-01-01T00:00:00Z',
      managedFields: [
        {
          manager: MANAGER,
          operation: 'Apply',
          apiVersion: 'apps/v1',
          fieldsType: 'FieldsV1',
          fieldsV1: fields,
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          subresource: 'status',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:replicas': {} } },
        },
      ],
    },
    status: { replicas: 2 },
  } as unknown as KubernetesObject & Record<string, unknown>;
}

/** The parts of the test object the cases edit. */
interface Shape {
  metadata: {
    labels: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    managedFields: { apiVersion: string }[];
  };
  spec: {
    replicas: number;
    selector: Record<string, unknown>;
    template: {
      spec: {
        containers: {
          name: string;
          image?: string;
          env?: { valueFrom: { fieldRef: Record<string, string> } }[];
        }[];
      };
    };
  };
}
const shaped = (o: KubernetesObject) => o as unknown as Shape;
const containerOf = (o: Shape) => o.spec.template.spec.containers[0]!;

const change = (edit: (o: Shape) => void) => {
  const o = desired();
  edit(shaped(o));
  return o;
};

describe('applyWouldChangeNothing', () => {
  it('is true for the same object, whatever the API server defaulted and others wrote', () => {
    expect(applyWouldChangeNothing(desired(), live(), MANAGER)).toBe(true);
  });

  it('is false when a value differs, a field is new, or a field is no longer set', () => {
    expect(
      applyWouldChangeNothing(
        change((o) => (o.spec.replicas = 3)),
        live(),
        MANAGER,
      ),
    ).toBe(false);
    expect(
      applyWouldChangeNothing(
        change((o) => (o.metadata.labels.tier = 'x')),
        live(),
        MANAGER,
      ),
    ).toBe(false);
    // the apply would remove the finalizer this manager set before
    expect(
      applyWouldChangeNothing(
        change((o) => delete o.metadata.finalizers),
        live(),
        MANAGER,
      ),
    ).toBe(false);
    expect(
      applyWouldChangeNothing(
        change((o) => (containerOf(o).image = 'agentk:v2')),
        live(),
        MANAGER,
      ),
    ).toBe(false);
  });

  it('is false for a field with the same value that another manager owns (the apply would take it)', () => {
    const fields = appliedFields();
    delete (fields['f:spec'] as Record<string, unknown>)['f:replicas'];
    expect(applyWouldChangeNothing(desired(), live(fields), MANAGER)).toBe(false);
  });

  it('tolerates only known defaults inside a structure owned as a whole', () => {
    const o = live();
    containerOf(shaped(o)).env![0]!.valueFrom.fieldRef['apiVersion'] = 'v2';
    expect(applyWouldChangeNothing(desired(), o, MANAGER)).toBe(false);
    const s = live();
    shaped(s).spec.selector['matchExpressions'] = [];
    expect(applyWouldChangeNothing(desired(), s, MANAGER)).toBe(false);
  });

  it('is false when it cannot tell: no Apply of this manager, another apiVersion, being deleted', () => {
    expect(applyWouldChangeNothing(desired(), live(), 'someone-else')).toBe(false);
    const older = live();
    shaped(older).metadata.managedFields[0]!.apiVersion = 'apps/v1beta2';
    expect(applyWouldChangeNothing(desired(), older, MANAGER)).toBe(false);
    const going = live();
    shaped(going).metadata.deletionTimestamp = '2025-01-02T00:00:00Z';
    expect(applyWouldChangeNothing(desired(), going, MANAGER)).toBe(false);
    const listed = change((o) => o.spec.template.spec.containers.push({ name: 'sidecar' }));
    expect(applyWouldChangeNothing(listed, live(), MANAGER)).toBe(false);
  });
});
