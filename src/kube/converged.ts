// Whether a server-side apply would change nothing, told from the object as it is now: one read
// instead of a read and a dry-run PATCH per object. Apply is a no-op when the field manager already
// owns, through an earlier Apply, exactly the fields the object sets now (no more: fields it no
// longer sets would be removed; no fewer: fields it would newly own change managedFields) and the
// live object holds the same value in every one of them. Anything this cannot tell (a list it
// cannot match, a value the API server normalised, another apiVersion) answers "not sure", and the
// caller asks the API server with a dry run as before: a wrong "unchanged" would skip a needed
// write, a wrong "not sure" only costs a request.
//
// The owned fields come from metadata.managedFields in FieldsV1 form, the API server's own record
// (structured-merge-diff): `f:<name>` a field, `k:{"name":"agentk"}` an item of a keyed list,
// `v:"x"` an item of a set, `.` the item itself; a node with nothing below it is a leaf, owned as a
// whole (a scalar, an atomic list or map, an empty map such as `emptyDir: {}`).
import type { KubernetesObject } from '@kubernetes/client-node';

type FieldsV1 = Record<string, unknown>;

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
}

/** metadata the API server sets, or that names the object: never in managedFields. */
const UNOWNED_METADATA = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

const SEP = '\u0001';

/**
 * Fields the API server fills in inside structures owned as a whole (atomic), by the name of the
 * structure: such a field in the live object, absent from the applied one, with exactly this value,
 * would be filled in again after the apply. Any other extra field would be dropped by the apply.
 * Sources: k8s.io/kubernetes pkg/apis/core/v1/defaults.go (SetDefaults_ObjectFieldSelector,
 * SetDefaults_ServiceAccountTokenProjection).
 */
const ATOMIC_DEFAULTS: Record<string, Record<string, unknown>> = {
  fieldRef: { apiVersion: 'v1' },
  serviceAccountToken: { expirationSeconds: 3600 },
};

const isMap = (v: unknown): v is Record<string, unknown> =>
  v != null && typeof v === 'object' && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** `live` is `desired` as the API server keeps it: equal, or with an ATOMIC_DEFAULTS field more. */
function sameOrDefaulted(desired: unknown, live: unknown, field: string): boolean {
  if (Array.isArray(desired))
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => sameOrDefaulted(d, live[i], field))
    );
  if (isMap(desired)) {
    if (!isMap(live)) return false;
    const defaults = ATOMIC_DEFAULTS[field] ?? {};
    for (const k of Object.keys(live)) {
      if (live[k] === undefined) continue;
      if (desired[k] === undefined) {
        if (!(k in defaults) || !deepEqual(live[k], defaults[k])) return false;
      } else if (!sameOrDefaulted(desired[k], live[k], k)) return false;
    }
    return Object.keys(desired).every((k) => desired[k] === undefined || live[k] !== undefined);
  }
  return desired === live;
}

/** What field ownership covers: no apiVersion, kind or status, no server-set metadata. */
function ownedContent(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata' && isMap(v)) {
      const meta = Object.fromEntries(
        Object.entries(v).filter(([m, x]) => !UNOWNED_METADATA.has(m) && x !== undefined),
      );
      if (Object.keys(meta).length > 0) out[k] = meta;
      continue;
    }
    out[k] = v;
  }
  return out;
}

const children = (node: FieldsV1) => Object.keys(node).filter((k) => k !== '.');

const child = (node: FieldsV1, key: string): FieldsV1 | null => {
  const c = node[key];
  return isMap(c) ? c : null;
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Every leaf of an owned-fields tree, by path. */
function ownedLeaves(node: FieldsV1, path: string, out: Set<string>): void {
  const below = children(node);
  if (below.length === 0) {
    if (path !== '') out.add(path);
    return;
  }
  for (const key of below) ownedLeaves(child(node, key) ?? {}, `${path}${SEP}${key}`, out);
}

/**
 * Walks what the apply sets along the owned-fields tree, collecting the leaves it sets; false as
 * soon as a value differs from the live one or a part of it has no place in the tree.
 */
function sameAsLive(
  desired: unknown,
  node: FieldsV1,
  live: unknown,
  path: string,
  leaves: Set<string>,
  field = '',
): boolean {
  const below = children(node);
  if (below.length === 0) {
    // owned as a whole: the value must be the live one as it stands (defaults apart)
    leaves.add(path);
    return sameOrDefaulted(desired, live, field);
  }
  if (isMap(desired)) {
    if (!isMap(live)) return false;
    for (const [k, v] of Object.entries(desired)) {
      if (v === undefined) continue;
      const next = child(node, `f:${k}`);
      if (!next || !sameAsLive(v, next, live[k], `${path}${SEP}f:${k}`, leaves, k)) return false;
    }
    return true;
  }
  if (!Array.isArray(desired) || !Array.isArray(live)) return false;
  for (const item of desired) {
    if (isMap(item)) {
      // a keyed list: the one `k:` entry whose key fields the item has (a key field the API
      // server defaulted, like a port's protocol, may be absent from the item)
      const matches = below.filter((key) => {
        if (!key.startsWith('k:')) return false;
        const fields = parseJson(key.slice(2));
        if (!isMap(fields)) return false;
        const named = Object.entries(fields).filter(([f]) => item[f] !== undefined);
        return named.length > 0 && named.every(([f, v]) => deepEqual(item[f], v));
      });
      if (matches.length !== 1) return false;
      const key = matches[0]!;
      const fields = parseJson(key.slice(2)) as Record<string, unknown>;
      const liveItem: unknown = (live as unknown[]).find(
        (l) => isMap(l) && Object.entries(fields).every(([f, v]) => deepEqual(l[f], v)),
      );
      const itemPath = `${path}${SEP}${key}`;
      if (!sameAsLive(item, child(node, key) ?? {}, liveItem, itemPath, leaves, field))
        return false;
    } else {
      // a set: the `v:` entry of this value, and the value among the live ones
      const key = below.find((k) => k.startsWith('v:') && deepEqual(parseJson(k.slice(2)), item));
      if (key === undefined || !(live as unknown[]).some((l) => deepEqual(l, item))) return false;
      leaves.add(`${path}${SEP}${key}`);
    }
  }
  return true;
}

/**
 * True when server-side applying `desired` with `manager` would leave `live` exactly as it is,
 * told without asking the API server; false when that is not certain.
 */
export function applyWouldChangeNothing(
  desired: KubernetesObject,
  live: KubernetesObject,
  manager: string,
): boolean {
  // The object as JSON: client-node reads into typed models (Dates, undefined fields).
  const current = JSON.parse(JSON.stringify(live)) as Record<string, unknown> & {
    metadata?: { deletionTimestamp?: unknown; managedFields?: ManagedFieldsEntry[] };
  };
  if (current.metadata?.deletionTimestamp != null) return false;
  const ours = (current.metadata?.managedFields ?? []).filter(
    (m) => m.manager === manager && m.operation === 'Apply' && !m.subresource,
  );
  if (ours.length !== 1) return false;
  const entry = ours[0]!;
  if (entry.apiVersion !== desired.apiVersion) return false;
  if (entry.fieldsType != null && entry.fieldsType !== 'FieldsV1') return false;
  if (!isMap(entry.fieldsV1)) return false;
  const wanted = ownedContent(JSON.parse(JSON.stringify(desired)) as Record<string, unknown>);
  if (Object.keys(wanted).length === 0) return false;
  const set = new Set<string>();
  if (!sameAsLive(wanted, entry.fieldsV1, ownedContent(current), '', set)) return false;
  const owned = new Set<string>();
  ownedLeaves(entry.fieldsV1, '', owned);
  return owned.size === set.size && [...owned].every((leaf) => set.has(leaf));
}
