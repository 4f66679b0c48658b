// What a person reads of a change to a live object: the live object and the server-side dry run's
// result as YAML, without what the API server keeps for itself (managedFields, resourceVersion,
// uid, timestamps, status), and with a Secret's values hidden (a changed one says so).
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { fileDiff } from '../text-diff.js';

const SERVER_FIELDS = [
  'managedFields',
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'generation',
];

type Values = Record<string, unknown> | undefined;

/** `o` as shown; a Secret's values hidden, marked where they differ from `other`'s. */
function shown(o: KubernetesObject, other: KubernetesObject | null): unknown {
  const plain = JSON.parse(JSON.stringify(o)) as Record<string, unknown> & {
    metadata?: Record<string, unknown>;
  };
  delete plain['status'];
  if (plain.metadata) for (const field of SERVER_FIELDS) delete plain.metadata[field];
  for (const key of ['data', 'stringData']) {
    const values = plain[key] as Values;
    if (o.kind !== 'Secret' || values == null || typeof values !== 'object') continue;
    const theirs = (other as Record<string, unknown> | null)?.[key] as Values;
    plain[key] = Object.fromEntries(
      Object.keys(values).map((k) => [
        k,
        other && theirs?.[k] !== values[k] ? '(hidden, changed)' : '(hidden)',
      ]),
    );
  }
  return plain;
}

/** Unified diff of `before` (live) to `after` (what the apply would leave). */
export function objectDiff(before: KubernetesObject, after: KubernetesObject): string {
  const name = `${after.kind ?? 'object'}/${after.metadata?.name ?? ''}`;
  return fileDiff(name, stringify(shown(before, null)), stringify(shown(after, before)))
    .split('\n')
    .slice(2) // the two file-name lines: the object is named beside the diff
    .join('\n');
}
