// Field paths for server-side apply: an object is seen as a set of leaf paths, the unit of field
// ownership in metadata.managedFields. A simplified model of structured-merge-diff: lists of
// containers, env, volumes, ports… are keyed (by name, mountPath, port) like the real schemas mark
// them; every other list, every scalar and every empty map is an atomic leaf.

export type PathSegment = { field: string } | { key: Record<string, string | number> };

export interface FieldLeaf {
  segments: PathSegment[];
  value: unknown;
}

/** id -> leaf; ids are unambiguous (label keys may contain dots), display strings are not. */
export type LeafMap = Map<string, FieldLeaf>;

export class FieldPathError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'FieldPathError';
  }
}

const SEP = '\u0001';

export function segmentId(segment: PathSegment): string {
  return 'field' in segment ? `f:${segment.field}` : `k:${JSON.stringify(segment.key)}`;
}

export function pathId(segments: readonly PathSegment[]): string {
  return segments.map(segmentId).join(SEP);
}

/** True when one path contains the other (an atomic leaf and something inside it, or equal). */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || b.startsWith(a + SEP) || a.startsWith(b + SEP);
}

/** The notation of the API server's conflict messages: .spec.containers[name="agentk"].image */
export function pathToString(segments: readonly PathSegment[]): string {
  return segments
    .map((s) =>
      'field' in s
        ? `.${s.field}`
        : `[${Object.entries(s.key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`,
    )
    .join('');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === 'object' && !Array.isArray(value);
}

/** The fields that name a list item, or null for an atomic list (replaced as a whole). */
export function listKeyFields(
  fieldName: string | undefined,
  items: readonly unknown[],
): string[] | null {
  if (fieldName === undefined || items.length === 0 || !items.every(isPlainObject)) return null;
  const first = items[0] as Record<string, unknown>;
  let keys: string[] | null;
  switch (fieldName) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
      keys = ['name'];
      break;
    case 'volumeMounts':
      keys = ['mountPath'];
      break;
    case 'ports':
      keys = 'containerPort' in first ? ['containerPort'] : ['port'];
      break;
    case 'conditions':
      keys = ['type'];
      break;
    default:
      keys = null;
  }
  if (keys == null) return null;
  const k = keys;
  return items.every((item) => k.every((f) => ['string', 'number'].includes(typeof item[f])))
    ? k
    : null;
}

function keyOf(
  item: Record<string, unknown>,
  keys: readonly string[],
): Record<string, string | number> {
  const key: Record<string, string | number> = {};
  for (const k of keys) key[k] = item[k] as string | number;
  return key;
}

/** The leaves of `value` below `base`. Throws FieldPathError on duplicate keys in a keyed list. */
export function flatten(
  value: unknown,
  base: PathSegment[] = [],
  out: LeafMap = new Map(),
): LeafMap {
  const last = base[base.length - 1];
  const fieldName = last && 'field' in last ? last.field : undefined;
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, [...base, { field: k }], out);
    return out;
  }
  if (Array.isArray(value)) {
    const keys = listKeyFields(fieldName, value);
    if (keys) {
      const seen = new Set<string>();
      for (const item of value as Record<string, unknown>[]) {
        const segment: PathSegment = { key: keyOf(item, keys) };
        const id = segmentId(segment);
        if (seen.has(id))
          throw new FieldPathError(
            `duplicate entries for key ${pathToString([segment])}`,
            pathToString([...base, segment]),
          );
        seen.add(id);
        flatten(item, [...base, segment], out);
      }
      return out;
    }
  }
  // An empty object as a whole owns nothing (a Namespace with only a name).
  if (base.length > 0) out.set(pathId(base), { segments: base, value });
  return out;
}

/** What field ownership covers: everything but apiVersion, kind, status and server-set metadata. */
/** A shallow copy without the given keys. */
export function omit(
  obj: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}

export function ownedContent(obj: Record<string, unknown>): Record<string, unknown> {
  const metadata = obj['metadata'];
  const rest = omit(obj, ['apiVersion', 'kind', 'status', 'metadata']);
  const meta: Record<string, unknown> = {};
  if (isPlainObject(metadata)) {
    for (const k of ['labels', 'annotations', 'finalizers', 'ownerReferences'])
      if (metadata[k] !== undefined) meta[k] = metadata[k];
  }
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

function findItem(list: unknown[], key: Record<string, string | number>): number {
  return list.findIndex(
    (item) => isPlainObject(item) && Object.entries(key).every(([k, v]) => item[k] === v),
  );
}

export function getAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let node: unknown = root;
  for (const s of segments) {
    if ('field' in s) {
      if (!isPlainObject(node)) return undefined;
      node = node[s.field];
    } else {
      if (!Array.isArray(node)) return undefined;
      node = node[findItem(node, s.key)];
    }
  }
  return node;
}

/** Removes the value at the path, then any map or list that this left empty (metadata stays). */
export function deleteAt(root: Record<string, unknown>, segments: readonly PathSegment[]): void {
  const chain: unknown[] = [root];
  for (const s of segments.slice(0, -1)) {
    const next = getAt(chain[chain.length - 1], [s]);
    if (next == null || typeof next !== 'object') return;
    chain.push(next);
  }
  for (let i = segments.length - 1; i >= 0; i--) {
    const parent = chain[i];
    const s = segments[i]!;
    if ('field' in s && isPlainObject(parent)) delete parent[s.field];
    else if ('key' in s && Array.isArray(parent)) {
      const at = findItem(parent, s.key);
      if (at >= 0) parent.splice(at, 1);
    }
    const emptied = Array.isArray(parent)
      ? parent.length === 0
      : Object.keys(parent as object).length === 0;
    // Stop at the first container that still holds something, and never drop metadata itself.
    if (!emptied || i <= 1) break;
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The FieldsV1 rendering of a set of leaves, as the API server shows it in managedFields. */
export function toFieldsV1(leaves: Iterable<readonly PathSegment[]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const segments of leaves) {
    let node = root;
    for (const s of segments) {
      const id = segmentId(s);
      const child = (node[id] ??= {}) as Record<string, unknown>;
      if ('key' in s) child['.'] = {};
      node = child;
    }
  }
  return root;
}
