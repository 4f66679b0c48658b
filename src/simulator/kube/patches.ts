// The non-apply PATCH bodies the simulator understands: JSON merge patch (RFC 7386) and a strategic
// merge patch reduced to its core (keyed lists such as containers merge by key, null deletes; the
// `$patch`/`$setElementOrder` directives are not supported). JSON patch answers 415.

import { clone, isPlainObject, listKeyFields } from './field-paths.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v == null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function strategicMergePatch(target: unknown, patch: unknown, fieldName?: string): unknown {
  if (isPlainObject(patch)) {
    const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
    for (const [k, v] of Object.entries(patch)) {
      if (v == null) delete out[k];
      else out[k] = strategicMergePatch(out[k], v, k);
    }
    return out;
  }
  if (Array.isArray(patch) && Array.isArray(target)) {
    const keys = listKeyFields(fieldName, patch);
    if (keys && listKeyFields(fieldName, target)) {
      const id = (item: unknown) =>
        JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]));
      const out = target.map((item) => clone(item) as unknown);
      for (const item of patch) {
        const at = out.findIndex((x) => id(x) === id(item));
        if (at >= 0) out[at] = strategicMergePatch(out[at], item);
        else out.push(clone(item));
      }
      return out;
    }
  }
  return clone(patch);
}
