// Writes objects to a cluster the way `kubectl apply --server-side` does: one server-side apply per
// object with field manager `migrate-clusters`, namespaces and cluster-wide objects first, conflicts
// reported unless forced. The outcome of each object comes from a read before the apply: absent ->
// created; the same resourceVersion, or the same object apart from status and write times ->
// unchanged. (A dry run never changes resourceVersions, and a controller may write a Deployment's
// status between the read and the apply: resourceVersion alone would mislead both ways.)
// When the read already shows that the apply would change nothing (src/kube/converged.ts), the
// object is unchanged without an apply or a dry run: a converged re-run reads each object once.
import {
  type KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { registerSecret } from '../redact.js';
import { callKube } from './call-kube.js';
import { assertUsableKubeConfig, isNotFound } from './errors.js';
import { objectClient } from './clients.js';
import { applyWouldChangeNothing } from './converged.js';
import { objectDiff } from './object-diff.js';

export const FIELD_MANAGER = 'migrate-clusters';

export interface ApplyOptions {
  dryRun: boolean;
  forceConflicts: boolean;
  /** default 'migrate-clusters' */
  fieldManager?: string;
  /** per API request; default 30 s */
  requestTimeoutMs?: number;
}

export interface AppliedObject {
  kind: string;
  namespace: string | null;
  name: string;
  outcome: 'created' | 'configured' | 'unchanged';
  dryRun: boolean;
  /** why the outcome was decided without asking the API server, if it was */
  note?: string;
  /** a dry run's `configured` object: the live object's diff to the dry run's (object-diff.ts) */
  diff?: string;
  /**
   * the live object, where the read alone decided it was unchanged (never for a Secret: its
   * values stay where they were read)
   */
  live?: KubernetesObject;
}

// Helm's install order, reduced to what agentk needs: what others refer to comes first. The
// PodDisruptionBudget comes after the Deployment it protects (Helm puts it early; either works).
const KIND_ORDER = [
  'Namespace',
  'PriorityClass',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Deployment',
  'PodDisruptionBudget',
];

function rank(kind: string): number {
  const at = KIND_ORDER.indexOf(kind);
  return at < 0 ? KIND_ORDER.length : at;
}

/** Stable: Namespaces, then cluster-scoped objects, then the rest by kind (Helm's order). */
export function sortForApply<T extends KubernetesObject>(objects: readonly T[]): T[] {
  const clusterScoped = (o: T) => o.metadata?.namespace == null;
  return objects
    .map((o, i) => ({ o, i }))
    .sort(
      (a, b) =>
        Number(b.o.kind === 'Namespace') - Number(a.o.kind === 'Namespace') ||
        Number(clusterScoped(b.o)) - Number(clusterScoped(a.o)) ||
        rank(a.o.kind ?? '') - rank(b.o.kind ?? '') ||
        a.i - b.i,
    )
    .map(({ o }) => o);
}

export function describeObject(o: KubernetesObject): string {
  const name = o.metadata?.name ?? '(unnamed)';
  return `${o.kind ?? 'object'} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${name}`;
}

/**
 * The object without what an apply cannot change but other writers do (status and its field
 * owners), and without write times and resourceVersion.
 */
function comparable(o: KubernetesObject): string {
  const plain = JSON.parse(JSON.stringify(o)) as Record<string, unknown> & {
    metadata?: Record<string, unknown>;
  };
  delete plain['status'];
  if (plain.metadata) {
    delete plain.metadata['resourceVersion'];
    const fields = plain.metadata['managedFields'];
    if (Array.isArray(fields)) {
      const entries = (fields as Record<string, unknown>[]).filter(
        (f) => f['subresource'] !== 'status',
      );
      for (const f of entries) delete f['time'];
      plain.metadata['managedFields'] = entries;
    }
  }
  return canonical(plain);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value != null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The note of an object found unchanged from its read alone. */
export const UNCHANGED_AS_READ = 'every field it sets is already applied, with the same value';

/** The live object `spec` names, or null when the API server has no such object. */
export async function readOrNull<T extends KubernetesObject = KubernetesObject>(
  client: KubernetesObjectApi,
  spec: KubernetesObject,
): Promise<T | null> {
  try {
    return await client.read<T>(spec as T & { metadata: { name: string } });
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/**
 * Server-side applies `objects` in dependency order. A dry run sends dryRun=All, except for objects
 * in a namespace the same dry run would create: the API server would answer 404 for them, so they
 * are reported as created without being sent.
 */
export async function applyObjects(
  kc: KubeConfig,
  objects: KubernetesObject[],
  options: ApplyOptions,
): Promise<AppliedObject[]> {
  assertUsableKubeConfig(kc);
  const client = objectClient(kc);
  const manager = options.fieldManager ?? FIELD_MANAGER;
  const timeout = options.requestTimeoutMs;
  const namespacesToCreate = new Set<string>();
  const results: AppliedObject[] = [];
  for (const object of sortForApply(objects)) {
    // client-node fills in missing fields (the default namespace) on the object it is given.
    const spec = structuredClone(object);
    const what = describeObject(object);
    const namespace = object.metadata?.namespace ?? null;
    const base = {
      kind: spec.kind ?? '',
      namespace,
      name: spec.metadata?.name ?? '',
      dryRun: options.dryRun,
    };
    if (options.dryRun && namespace != null && namespacesToCreate.has(namespace)) {
      results.push({
        ...base,
        outcome: 'created',
        note: `namespace ${namespace} would be created first`,
      });
      continue;
    }
    const before = await callKube(kc, 'read', what, () => readOrNull(client, spec), timeout);
    if (before != null && applyWouldChangeNothing(object, before, manager)) {
      results.push({
        ...base,
        outcome: 'unchanged',
        note: UNCHANGED_AS_READ,
        ...(spec.kind === 'Secret' ? {} : { live: before }),
      });
      continue;
    }
    const after = await callKube(
      kc,
      'apply',
      what,
      () =>
        client.patch(
          spec,
          undefined,
          options.dryRun ? 'All' : undefined,
          manager,
          options.forceConflicts,
          PatchStrategy.ServerSideApply,
        ),
      timeout,
    );
    let outcome: AppliedObject['outcome'];
    if (before == null) outcome = 'created';
    else if (
      before.metadata?.resourceVersion === after.metadata?.resourceVersion &&
      !options.dryRun
    )
      outcome = 'unchanged';
    else outcome = comparable(before) === comparable(after) ? 'unchanged' : 'configured';
    if (options.dryRun && spec.kind === 'Namespace' && before == null && spec.metadata?.name)
      namespacesToCreate.add(spec.metadata.name);
    results.push({
      ...base,
      outcome,
      ...(options.dryRun && outcome === 'configured' && before
        ? { diff: objectDiff(before, after) }
        : {}),
    });
  }
  return results;
}

/**
 * One annotation of a Secret, or null when the Secret or the annotation is absent. The Secret's
 * values come along with it: they are registered as secrets so that nothing can print them.
 */
export async function readSecretAnnotation(
  kc: KubeConfig,
  namespace: string,
  name: string,
  annotation: string,
  options: { requestTimeoutMs?: number } = {},
): Promise<string | null> {
  assertUsableKubeConfig(kc);
  const client = objectClient(kc);
  const spec = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace } };
  const secret = await callKube(
    kc,
    'read',
    `Secret ${namespace}/${name}`,
    () => readOrNull(client, spec),
    options.requestTimeoutMs,
  );
  if (secret == null) return null;
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  for (const value of Object.values(data)) {
    registerSecret(value);
    registerSecret(Buffer.from(value, 'base64').toString('utf8'));
  }
  return secret.metadata?.annotations?.[annotation] ?? null;
}

/** Deletes `objects` in reverse apply order; objects already gone are fine. */
export async function deleteObjects(
  kc: KubeConfig,
  objects: KubernetesObject[],
  options: { dryRun: boolean; requestTimeoutMs?: number },
): Promise<void> {
  assertUsableKubeConfig(kc);
  const client = objectClient(kc);
  for (const object of sortForApply(objects).reverse()) {
    const spec = structuredClone(object);
    await callKube(
      kc,
      'delete',
      describeObject(object),
      async () => {
        try {
          await client.delete(spec, undefined, options.dryRun ? 'All' : undefined);
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      },
      options.requestTimeoutMs,
    );
  }
}
