// The simulator's objects and the one path every write takes (commit): defaults, admission,
// server-set metadata (uid, resourceVersion, generation, creationTimestamp), no-op detection, and
// dry run (everything but storing). Objects are kept without managedFields, which are rendered from
// the ownership model on the way out.

import { randomUUID } from 'node:crypto';
import { apiVersionOf, type ResourceType } from './catalog.js';
import { clone, deepEqual, isPlainObject, omit } from './field-paths.js';
import {
  renderManagedFields,
  sameOwnership,
  type ManagerEntry,
  type Owned,
} from './managed-fields.js';
import { validateObject, validateUpdate } from './validation.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface StoredObject {
  type: ResourceType;
  /** without metadata.managedFields */
  object: KubeObject;
  managers: ManagerEntry[];
}

export interface CommitResult {
  stored: StoredObject;
  created: boolean;
  /** false for a no-op write: nothing changed, resourceVersion kept */
  changed: boolean;
  generationChanged: boolean;
}

/** Metadata only the server sets; ignored when a client sends it. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'selfLink',
];

// Kinds whose spec changes are counted in metadata.generation.
const GENERATION_KINDS = new Set(['Deployment', 'PodDisruptionBudget']);

export const nowRfc3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export function withoutServerMetadata(obj: Record<string, unknown>): Record<string, unknown> {
  const out = { ...obj };
  if (isPlainObject(obj['metadata'])) {
    const metadata = { ...obj['metadata'] };
    for (const k of SERVER_METADATA) delete metadata[k];
    out['metadata'] = metadata;
  }
  return out;
}

function applyDefaults(type: ResourceType, obj: Record<string, unknown>): void {
  if (type.kind === 'Secret') {
    obj['type'] ??= 'Opaque';
    // stringData is write-only: the server folds it into data.
    if (isPlainObject(obj['stringData'])) {
      const data = isPlainObject(obj['data']) ? { ...obj['data'] } : {};
      for (const [k, v] of Object.entries(obj['stringData']))
        data[k] = Buffer.from(String(v)).toString('base64');
      obj['data'] = data;
      delete obj['stringData'];
    }
  }
  if (type.kind === 'Namespace') {
    obj['spec'] = {
      finalizers: ['kubernetes'],
      ...(isPlainObject(obj['spec']) ? obj['spec'] : {}),
    };
    obj['status'] ??= { phase: 'Active' };
  }
  if (type.kind === 'Deployment' && isPlainObject(obj['spec'])) obj['spec']['replicas'] ??= 1;
}

/** apiVersion, kind, metadata, then the rest in the given order, status last. */
function ordered(type: ResourceType, obj: Record<string, unknown>): KubeObject {
  const { metadata, status } = obj;
  const rest = omit(obj, ['apiVersion', 'kind', 'metadata', 'status']);
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    metadata: metadata as KubeObject['metadata'],
    ...rest,
    ...(status !== undefined ? { status } : {}),
  };
}

export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private resourceVersion = 0;

  private static key(type: ResourceType, namespace: string | null, name: string): string {
    return JSON.stringify([type.group, type.plural, type.namespaced ? namespace : null, name]);
  }

  currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  find(type: ResourceType, namespace: string | null, name: string): StoredObject | undefined {
    return this.objects.get(ObjectStore.key(type, namespace, name));
  }

  namespaceExists(name: string): boolean {
    return [...this.objects.values()].some(
      (s) => s.type.kind === 'Namespace' && s.object.metadata.name === name,
    );
  }

  /** namespace null: every namespace (or cluster-scoped objects) */
  list(type: ResourceType | null, namespace: string | null): StoredObject[] {
    return [...this.objects.values()]
      .filter(
        (s) =>
          (type == null || s.type === type) &&
          (namespace == null || s.object.metadata.namespace === namespace),
      )
      .sort(
        (a, b) =>
          (a.object.metadata.namespace ?? '').localeCompare(b.object.metadata.namespace ?? '') ||
          a.object.metadata.name.localeCompare(b.object.metadata.name),
      );
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  remove(stored: StoredObject): void {
    this.objects.delete(
      ObjectStore.key(
        stored.type,
        stored.object.metadata.namespace ?? null,
        stored.object.metadata.name,
      ),
    );
  }

  /** The object as clients see it: with metadata.managedFields. */
  render(stored: StoredObject): KubeObject {
    const object = clone(stored.object);
    if (stored.managers.length > 0)
      object.metadata.managedFields = renderManagedFields(stored.managers);
    return object;
  }

  /**
   * Stores `next` as the new state of the object (unless dryRun). Throws 422 KubeApiError when
   * admission rejects it. `keepStatus`: writes to the main resource cannot change status.
   */
  commit(
    type: ResourceType,
    namespace: string | null,
    name: string,
    before: StoredObject | undefined,
    next: Owned,
    options: { dryRun: boolean; keepStatus: boolean },
  ): CommitResult {
    const object = withoutServerMetadata(clone(next.object));
    const metadata: Record<string, unknown> = {
      ...(object['metadata'] as Record<string, unknown>),
      name,
    };
    if (type.namespaced) metadata['namespace'] = namespace;
    else delete metadata['namespace'];
    object['metadata'] = metadata;
    if (options.keepStatus) {
      if (before?.object['status'] !== undefined) object['status'] = clone(before.object['status']);
      else delete object['status'];
    }
    applyDefaults(type, object);
    validateObject(type, object, name);
    if (before) validateUpdate(type, before.object, object, name);

    const previous = before ? withoutServerMetadata(before.object) : undefined;
    if (before && deepEqual(previous, object) && sameOwnership(before.managers, next.managers))
      return { stored: before, created: false, changed: false, generationChanged: false };

    const generationChanged =
      GENERATION_KINDS.has(type.kind) &&
      (!before || !deepEqual(before.object['spec'], object['spec']));
    const server: Record<string, unknown> = {
      uid: before?.object.metadata['uid'] ?? randomUUID(),
      creationTimestamp: before?.object.metadata['creationTimestamp'] ?? nowRfc3339(),
    };
    // A dry run never gets a resourceVersion of its own: the real server only assigns one when storing.
    const rv = options.dryRun
      ? before?.object.metadata['resourceVersion']
      : String(++this.resourceVersion);
    if (rv !== undefined) server['resourceVersion'] = rv;
    if (GENERATION_KINDS.has(type.kind)) {
      const generation = (before?.object.metadata['generation'] as number | undefined) ?? 0;
      server['generation'] = generationChanged ? generation + 1 : generation;
    }
    const userMetadata = omit(metadata, ['name', 'namespace']);
    object['metadata'] = {
      name,
      ...(type.namespaced ? { namespace } : {}),
      ...server,
      ...userMetadata,
    };

    const stored: StoredObject = { type, object: ordered(type, object), managers: next.managers };
    if (!options.dryRun) this.objects.set(ObjectStore.key(type, namespace, name), stored);
    return { stored, created: !before, changed: true, generationChanged };
  }
}
