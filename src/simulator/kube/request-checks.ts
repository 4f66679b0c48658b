// What the simulated API server checks in a request before acting: the body parses (JSON, or YAML
// for apply), it names the object the URL names, and list selectors (equality-based only).

import { parse as parseYaml } from 'yaml';
import { apiVersionOf, type ResourceType } from './catalog.js';
import { isPlainObject } from './field-paths.js';
import { badRequest } from './status.js';
import type { StoredObject } from './store.js';

export interface Target {
  type: ResourceType;
  namespace: string | null;
  name: string | null;
}

export function parseBody(text: string, yaml: boolean): Record<string, unknown> {
  let value: unknown;
  try {
    value = yaml ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (error) {
    throw badRequest(
      `error decoding ${yaml ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isPlainObject(value)) throw badRequest('the body of the request must be a single object');
  return value;
}

export function metadataOf(obj: Record<string, unknown>): Record<string, unknown> {
  return isPlainObject(obj['metadata']) ? obj['metadata'] : {};
}

/** The body must describe the object the URL names. */
export function checkIdentity(
  t: Target,
  obj: Record<string, unknown>,
  urlName: string | null,
): void {
  const apiVersion = apiVersionOf(t.type);
  if (obj['apiVersion'] !== undefined && obj['apiVersion'] !== apiVersion)
    throw badRequest(
      `the API version in the data (${JSON.stringify(obj['apiVersion'])}) does not match the expected API version (${apiVersion})`,
    );
  if (obj['kind'] !== undefined && obj['kind'] !== t.type.kind)
    throw badRequest(
      `the kind in the data (${JSON.stringify(obj['kind'])}) does not match the expected kind (${t.type.kind})`,
    );
  const metadata = metadataOf(obj);
  if (urlName != null && metadata['name'] !== undefined && metadata['name'] !== urlName)
    throw badRequest(
      `the name of the object (${JSON.stringify(metadata['name'])}) does not match the name on the URL (${urlName})`,
    );
  if (
    t.type.namespaced &&
    metadata['namespace'] !== undefined &&
    metadata['namespace'] !== t.namespace
  )
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
}

/** `a=b,c!=d,e,!f` (equality-based selectors only) */
export function matchesLabelSelector(labels: Record<string, unknown>, selector: string): boolean {
  return selector
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .every((term) => {
      const neq = term.split('!=');
      if (neq.length === 2) return labels[neq[0]!.trim()] !== neq[1]!.trim();
      const eq = term.split(/==?/);
      if (eq.length === 2) return labels[eq[0]!.trim()] === eq[1]!.trim();
      return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
    });
}

export function matchesFieldSelector(obj: StoredObject['object'], selector: string): boolean {
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const [field, value] = term.split(/==?/) as [string, string | undefined];
      if (field === 'metadata.name') return obj.metadata.name === value;
      if (field === 'metadata.namespace') return obj.metadata.namespace === value;
      throw badRequest(
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    });
}
