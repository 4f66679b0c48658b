// Direct access to the simulator's objects for tests and the demo: inspect what a run left behind,
// or seed objects (as another field manager would have written them) without going through HTTP.

import { findByKind, RESOURCE_TYPES } from './catalog.js';
import type { Operations } from './operations.js';
import type { KubeObject, ObjectStore } from './store.js';

export class KubeObjects {
  constructor(
    private readonly store: ObjectStore,
    private readonly operations: Operations,
  ) {}

  private type(apiVersion: string, kind: string) {
    const type = findByKind(apiVersion, kind);
    if (!type) throw new Error(`the Kubernetes simulator does not serve ${apiVersion} ${kind}`);
    return type;
  }

  /** A copy of the object with its managedFields, or undefined. `namespace` is null for cluster-scoped kinds. */
  get(
    apiVersion: string,
    kind: string,
    namespace: string | null,
    name: string,
  ): KubeObject | undefined {
    const found = this.store.find(this.type(apiVersion, kind), namespace, name);
    return found ? this.store.render(found) : undefined;
  }

  list(filter: { apiVersion?: string; kind?: string; namespace?: string } = {}): KubeObject[] {
    const types = RESOURCE_TYPES.filter(
      (t) =>
        (filter.kind === undefined || t.kind === filter.kind) &&
        (filter.apiVersion === undefined || findByKind(filter.apiVersion, t.kind) === t),
    );
    return types.flatMap((t) =>
      this.store.list(t, filter.namespace ?? null).map((s) => this.store.render(s)),
    );
  }

  count(): number {
    return this.store.all().length;
  }

  /**
   * Creates or replaces an object as a non-apply write of `manager` (default "seed"), through the same
   * admission as HTTP writes. Throws the simulator's KubeApiError when it would be rejected.
   */
  seed(object: KubeObject, options: { manager?: string } = {}): KubeObject {
    const type = this.type(object.apiVersion, object.kind);
    const target = {
      type,
      namespace: type.namespaced ? (object.metadata.namespace ?? 'default') : null,
      name: null,
    };
    const write = {
      dryRun: false,
      fieldManager: options.manager ?? 'seed',
      defaultManager: 'seed',
      force: undefined,
    };
    const text = JSON.stringify(object);
    const exists = this.store.find(type, target.namespace, object.metadata.name);
    const answer = exists
      ? this.operations.replace(target, object.metadata.name, text, write)
      : this.operations.create(target, text, write);
    return answer.body as KubeObject;
  }
}
