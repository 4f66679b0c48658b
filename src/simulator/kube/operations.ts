// The verbs of the simulated API server on one resource type: get, list, create (POST), replace
// (PUT), patch (apply, merge, strategic merge) and delete, with the preconditions the real server
// checks (names match the URL, the namespace exists, resourceVersion preconditions) and dry run.

import { randomBytes } from 'node:crypto';
import { apiVersionOf } from './catalog.js';
import { FieldPathError, omit } from './field-paths.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import { mergePatch, strategicMergePatch } from './patches.js';
import {
  checkIdentity,
  matchesFieldSelector,
  matchesLabelSelector,
  metadataOf,
  parseBody,
  type Target,
} from './request-checks.js';
import type { RolloutController } from './rollout.js';
import {
  alreadyExists,
  badRequest,
  invalid,
  notFound,
  staleResourceVersion,
  successStatus,
  unsupportedMediaType,
} from './status.js';
import {
  nowRfc3339,
  withoutServerMetadata,
  type CommitResult,
  type ObjectStore,
  type StoredObject,
} from './store.js';

export interface WriteOptions {
  dryRun: boolean;
  /** the fieldManager query parameter, or the User-Agent's product for non-apply writes */
  fieldManager: string | undefined;
  defaultManager: string;
  force: boolean | undefined;
}

export interface Answer {
  status: number;
  body: unknown;
  /** extra response headers (Retry-After); a content-type here replaces the one derived from the body */
  headers?: Record<string, string>;
}

const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';

const withoutStatus = (obj: Record<string, unknown>) => omit(obj, ['status']);

export class Operations {
  constructor(
    private readonly store: ObjectStore,
    private readonly rollout: RolloutController,
  ) {}

  private requireNamespace(t: Target): void {
    if (t.type.namespaced && !this.store.namespaceExists(t.namespace ?? ''))
      throw notFound('namespaces', '', t.namespace ?? '');
  }

  private existing(t: Target, name: string): StoredObject {
    const found = this.store.find(t.type, t.namespace, name);
    if (!found) throw notFound(t.type.plural, t.type.group, name);
    return found;
  }

  private settle(result: CommitResult, dryRun: boolean): StoredObject {
    if (
      !dryRun &&
      result.changed &&
      result.stored.type.kind === 'Deployment' &&
      result.generationChanged
    )
      this.rollout.started(result.stored);
    return result.stored;
  }

  get(t: Target, name: string): Answer {
    return { status: 200, body: this.store.render(this.existing(t, name)) };
  }

  list(t: Target, query: URLSearchParams): Answer {
    const labelSelector = query.get('labelSelector');
    const fieldSelector = query.get('fieldSelector');
    const items = this.store
      .list(t.type, t.namespace)
      .map((s) => this.store.render(s))
      .filter(
        (o) =>
          !labelSelector ||
          matchesLabelSelector(
            (o.metadata['labels'] as Record<string, unknown> | undefined) ?? {},
            labelSelector,
          ),
      )
      .filter((o) => !fieldSelector || matchesFieldSelector(o, fieldSelector))
      // Items of a list carry neither apiVersion nor kind, as with the real server.
      .map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
    return {
      status: 200,
      body: {
        kind: `${t.type.kind}List`,
        apiVersion: apiVersionOf(t.type),
        metadata: { resourceVersion: this.store.currentResourceVersion() },
        items,
      },
    };
  }

  create(t: Target, text: string, options: WriteOptions): Answer {
    const obj = parseBody(text, false);
    checkIdentity(t, obj, null);
    const metadata = metadataOf(obj);
    let name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
    if (name === '') {
      if (typeof metadata['generateName'] !== 'string')
        throw invalid(t.type.kind, t.type.group, '', [
          {
            reason: 'FieldValueRequired',
            field: 'metadata.name',
            message: 'Required value: name or generateName is required',
          },
        ]);
      name = `${metadata['generateName']}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    this.requireNamespace(t);
    if (this.store.find(t.type, t.namespace, name))
      throw alreadyExists(t.type.plural, t.type.group, name);
    const object = withoutStatus(withoutServerMetadata(obj));
    const managers = this.updateManagers([], null, object, t, options);
    const result = this.store.commit(
      t.type,
      t.namespace,
      name,
      undefined,
      { object, managers },
      { dryRun: options.dryRun, keepStatus: true },
    );
    return { status: 201, body: this.store.render(this.settle(result, options.dryRun)) };
  }

  replace(t: Target, name: string, text: string, options: WriteOptions): Answer {
    const obj = parseBody(text, false);
    checkIdentity(t, obj, name);
    const before = this.existing(t, name);
    const rv = metadataOf(obj)['resourceVersion'];
    if (rv !== undefined && rv !== before.object.metadata['resourceVersion'])
      throw staleResourceVersion(t.type.plural, t.type.group, name);
    return this.update(t, name, before, obj, options);
  }

  patch(t: Target, name: string, text: string, contentType: string, options: WriteOptions): Answer {
    if (contentType === APPLY) return this.apply(t, name, text, options);
    if (options.force !== undefined)
      throw invalid(t.type.kind, t.type.group, name, [
        {
          reason: 'FieldValueForbidden',
          field: 'force',
          message: 'Forbidden: may not be specified for non-apply patch',
        },
      ]);
    if (contentType !== MERGE && contentType !== STRATEGIC) throw unsupportedMediaType(contentType);
    const patch = parseBody(text, false);
    checkIdentity(t, patch, name);
    const before = this.existing(t, name);
    const patched = (
      contentType === MERGE
        ? mergePatch(before.object, patch)
        : strategicMergePatch(before.object, patch)
    ) as Record<string, unknown>;
    return this.update(t, name, before, patched, options);
  }

  /** PUT and non-apply PATCH alike: record an Update by the manager, keep the status. */
  private update(
    t: Target,
    name: string,
    before: ReturnType<Operations['existing']>,
    changed: Record<string, unknown>,
    options: WriteOptions,
  ): Answer {
    const object = withoutServerMetadata(changed);
    const managers = this.updateManagers(before.managers, before.object, object, t, options);
    const result = this.store.commit(
      t.type,
      t.namespace,
      name,
      before,
      { object, managers },
      { dryRun: options.dryRun, keepStatus: true },
    );
    return { status: 200, body: this.store.render(this.settle(result, options.dryRun)) };
  }

  private apply(t: Target, name: string, text: string, options: WriteOptions): Answer {
    if (!options.fieldManager)
      throw badRequest(
        'PATCH request requires fieldManager: fieldManager is required for apply requests',
      );
    const obj = parseBody(text, true);
    checkIdentity(t, obj, name);
    const before = this.store.find(t.type, t.namespace, name);
    const rv = metadataOf(obj)['resourceVersion'];
    if (rv !== undefined && rv !== before?.object.metadata['resourceVersion'])
      throw staleResourceVersion(t.type.plural, t.type.group, name);
    if (!before) this.requireNamespace(t);
    const applied = withoutStatus(withoutServerMetadata(obj));
    const next = this.guardPaths(t, name, () =>
      serverSideApply({
        live: before ? { object: before.object, managers: before.managers } : null,
        applied,
        manager: options.fieldManager!,
        force: options.force === true,
        apiVersion: apiVersionOf(t.type),
        now: nowRfc3339(),
      }),
    );
    const result = this.store.commit(t.type, t.namespace, name, before, next, {
      dryRun: options.dryRun,
      keepStatus: true,
    });
    return {
      status: result.created ? 201 : 200,
      body: this.store.render(this.settle(result, options.dryRun)),
    };
  }

  delete(t: Target, name: string, options: { dryRun: boolean }): Answer {
    const before = this.existing(t, name);
    const uid = before.object.metadata['uid'] as string;
    if (t.type.kind === 'Namespace') {
      // A real namespace stays Terminating until its contents are gone; here that is immediate.
      const body = this.store.render(before);
      body.metadata['deletionTimestamp'] = nowRfc3339();
      body['status'] = { phase: 'Terminating' };
      if (!options.dryRun) {
        for (const inside of this.store.list(null, name)) this.removeObject(inside);
        this.removeObject(before);
      }
      return { status: 200, body };
    }
    if (!options.dryRun) this.removeObject(before);
    return {
      status: 200,
      body: successStatus({ name, group: t.type.group, kind: t.type.plural, uid }),
    };
  }

  private removeObject(stored: StoredObject): void {
    if (stored.type.kind === 'Deployment') this.rollout.deleted(stored);
    this.store.remove(stored);
  }

  private updateManagers(
    managers: StoredObject['managers'],
    before: Record<string, unknown> | null,
    after: Record<string, unknown>,
    t: Target,
    options: WriteOptions,
  ) {
    const given = metadataOf(after)['name'];
    const name = typeof given === 'string' ? given : '';
    return this.guardPaths(t, name, () =>
      recordUpdate({
        managers,
        before,
        after,
        manager: options.fieldManager ?? options.defaultManager,
        apiVersion: apiVersionOf(t.type),
        now: nowRfc3339(),
      }),
    );
  }

  /** Duplicate keys in a keyed list (two containers with one name) are a 422, as on the real server. */
  private guardPaths<T>(t: Target, name: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof FieldPathError)
        throw invalid(t.type.kind, t.type.group, name, [
          { reason: 'FieldValueDuplicate', field: error.field, message: error.message },
        ]);
      throw error;
    }
  }
}
