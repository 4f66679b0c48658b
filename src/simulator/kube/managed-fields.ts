// Field ownership and server-side apply, simplified but honest: each manager owns a set of leaf
// paths. Apply merges the manager's object into the live one, reports a 409 Conflict for fields
// another manager owns with a different value (unless forced, which takes them over), and removes
// fields the manager applied before but no longer applies when nobody else owns them. Other writes
// (create, update, merge patch) give their manager the fields they changed, taking them from others.

import {
  clone,
  deepEqual,
  deleteAt,
  flatten,
  getAt,
  isPlainObject,
  listKeyFields,
  ownedContent,
  pathToString,
  toFieldsV1,
  type LeafMap,
  type PathSegment,
} from './field-paths.js';
import { KubeApiError, type StatusCause } from './status.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  /** RFC 3339, seconds */
  time: string;
  subresource?: string;
  /** path id -> segments */
  fields: Map<string, PathSegment[]>;
}

export interface Owned {
  object: Record<string, unknown>;
  managers: ManagerEntry[];
}

function sameEntry(a: ManagerEntry, manager: string, operation: string, subresource?: string) {
  return a.manager === manager && a.operation === operation && a.subresource === subresource;
}

export function cloneManagers(managers: readonly ManagerEntry[]): ManagerEntry[] {
  return managers.map((m) => ({ ...m, fields: new Map(m.fields) }));
}

/** Ownership equality, ignoring times: a no-op apply must not count as a change. */
export function sameOwnership(a: readonly ManagerEntry[], b: readonly ManagerEntry[]): boolean {
  const key = (m: ManagerEntry) =>
    JSON.stringify([
      m.manager,
      m.operation,
      m.apiVersion,
      m.subresource ?? '',
      [...m.fields.keys()].sort(),
    ]);
  const ka = a.map(key).sort();
  const kb = b.map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** How the API server names a manager in conflict messages (Update managers with version and time). */
function describeManager(m: ManagerEntry): string {
  const name = JSON.stringify(m.manager);
  return m.operation === 'Update' ? `${name} using ${m.apiVersion} at ${m.time}` : name;
}

function conflictError(
  conflicts: { manager: ManagerEntry; segments: PathSegment[] }[],
): KubeApiError {
  // `reason`, not `type`: kube-apiserver 1.28 answers {"reason":"FieldManagerConflict",
  // "message":"conflict with \"kubectl-scale\"","field":".spec.replicas"} (metav1.StatusCause
  // serialises its Type as "reason"); clients that look for `type` never see a conflict.
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: pathToString(c.segments),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const who = describeManager(c.manager);
      byManager.set(who, [...(byManager.get(who) ?? []), pathToString(c.segments)]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((who) => [`conflicts with ${who}:`, ...byManager.get(who)!.map((p) => `- ${p}`)]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new KubeApiError(409, 'Conflict', message, { causes });
}

function itemKey(item: unknown, keys: readonly string[]): string {
  return JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
}

/** The applied value laid over the live one: maps and keyed lists merge, anything else is replaced. */
export function mergeApplied(live: unknown, applied: unknown, fieldName?: string): unknown {
  if (isPlainObject(live) && isPlainObject(applied)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(live[k], v, k);
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const liveItems = live as unknown[];
    const appliedItems = applied as unknown[];
    const keys = listKeyFields(fieldName, appliedItems);
    const liveKeys = listKeyFields(fieldName, liveItems);
    if (keys && liveKeys && deepEqual(keys, liveKeys)) {
      const byKey = new Map(liveItems.map((item) => [itemKey(item, keys), item]));
      const out = appliedItems.map((item) => {
        const before = byKey.get(itemKey(item, keys));
        return before === undefined ? clone(item) : mergeApplied(before, item);
      });
      const appliedKeys = new Set(appliedItems.map((item) => itemKey(item, keys)));
      for (const item of liveItems)
        if (!appliedKeys.has(itemKey(item, keys))) out.push(clone(item));
      return out;
    }
  }
  return clone(applied);
}

export interface ApplyRequest {
  live: Owned | null;
  /** the applied object, without server-set metadata or status */
  applied: Record<string, unknown>;
  manager: string;
  force: boolean;
  apiVersion: string;
  now: string;
}

/** Server-side apply. Throws a 409 KubeApiError on conflicts (without force). */
export function serverSideApply(req: ApplyRequest): Owned {
  const appliedLeaves = flatten(ownedContent(req.applied));
  const liveObject = req.live?.object ?? {};
  const managers = cloneManagers(req.live?.managers ?? []);
  const self = managers.find((m) => sameEntry(m, req.manager, 'Apply'));

  const conflicts: { manager: ManagerEntry; segments: PathSegment[] }[] = [];
  for (const [id, leaf] of appliedLeaves) {
    if (deepEqual(getAt(liveObject, leaf.segments), leaf.value)) continue; // shared, not changed
    for (const m of managers) {
      if (m === self || m.subresource !== undefined || !m.fields.has(id)) continue;
      conflicts.push({ manager: m, segments: leaf.segments });
      if (req.force) m.fields.delete(id);
    }
  }
  if (conflicts.length > 0 && !req.force) throw conflictError(conflicts);

  const merged = mergeApplied(liveObject, req.applied) as Record<string, unknown>;
  if (self) {
    const ownedByOthers = new Set(
      managers.filter((m) => m !== self).flatMap((m) => [...m.fields.keys()]),
    );
    for (const [id, segments] of self.fields)
      if (!appliedLeaves.has(id) && !ownedByOthers.has(id)) deleteAt(merged, segments);
  }

  const fields = new Map([...appliedLeaves].map(([id, leaf]) => [id, leaf.segments]));
  const entry: ManagerEntry = {
    manager: req.manager,
    operation: 'Apply',
    apiVersion: req.apiVersion,
    time: req.now,
    fields,
  };
  // The entry keeps its place in the list; managers left without fields disappear.
  const next = self ? managers.map((m) => (m === self ? entry : m)) : [...managers, entry];
  return { object: merged, managers: next.filter((m) => m.fields.size > 0) };
}

export interface UpdateRequest {
  managers: readonly ManagerEntry[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  manager: string;
  apiVersion: string;
  now: string;
  /** 'status' for the controller's status writes */
  subresource?: string;
}

/** Ownership after a non-apply write: the writer takes every field it changed. */
export function recordUpdate(req: UpdateRequest): ManagerEntry[] {
  const content = (o: Record<string, unknown>) =>
    req.subresource === 'status' ? { status: o['status'] } : ownedContent(o);
  const before = req.before ? flatten(content(req.before)) : (new Map() as LeafMap);
  const after = flatten(content(req.after));
  const changed = [...after].filter(([id, leaf]) => !deepEqual(before.get(id)?.value, leaf.value));
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const managers = cloneManagers(req.managers);
  for (const m of managers) {
    for (const [id] of changed) m.fields.delete(id);
    for (const id of removed) m.fields.delete(id);
  }
  let entry = managers.find((m) => sameEntry(m, req.manager, 'Update', req.subresource));
  if (changed.length > 0) {
    if (!entry) {
      entry = {
        manager: req.manager,
        operation: 'Update',
        apiVersion: req.apiVersion,
        time: req.now,
        fields: new Map(),
      };
      if (req.subresource) entry.subresource = req.subresource;
      managers.push(entry);
    }
    entry.time = req.now;
    entry.apiVersion = req.apiVersion;
    for (const [id, leaf] of changed) entry.fields.set(id, leaf.segments);
  }
  return managers.filter((m) => m.fields.size > 0);
}

/** metadata.managedFields as the API server renders it. */
export function renderManagedFields(managers: readonly ManagerEntry[]): object[] {
  return managers.map((m) => ({
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    time: m.time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(m.fields.values()),
    ...(m.subresource ? { subresource: m.subresource } : {}),
  }));
}
