// Resource paths of the API server: /api/v1/<plural>[/<name>] and
// /api/v1/namespaces/<ns>/<plural>[/<name>], and the same below /apis/<group>/<version>.
// Subresources (status, scale, …) are not served.

import { findByPlural } from './catalog.js';
import type { Target } from './request-checks.js';

export interface ResourceRoute {
  target: Target;
  /** false for the all-namespaces list of a namespaced type, which only answers GET */
  collectionWritable: boolean;
}

export function resolveResourcePath(path: string): ResourceRoute | null {
  let group: string;
  let version: string;
  let rest: string[];
  let parts: string[];
  try {
    parts = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null; // malformed escapes name nothing
  }
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return null;

  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const [, namespace, plural, name, ...extra] = rest as [string, string, string, ...string[]];
    const type = findByPlural(group, version, plural);
    if (!type || !type.namespaced || extra.length > 0 || namespace === '') return null;
    return { target: { type, namespace, name: name ?? null }, collectionWritable: true };
  }
  const [plural, name, ...extra] = rest as [string, ...string[]];
  const type = findByPlural(group, version, plural);
  if (!type || extra.length > 0) return null;
  if (type.namespaced) {
    return name === undefined
      ? { target: { type, namespace: null, name: null }, collectionWritable: false }
      : null;
  }
  return { target: { type, namespace: null, name: name ?? null }, collectionWritable: true };
}
