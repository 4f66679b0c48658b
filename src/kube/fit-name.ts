// Shortening a Kubernetes name without losing what tells it apart. Plain truncation (Helm's
// `trunc`, GitLab's "first 50 characters") maps every long name with the same prefix to the same
// string, and on one cluster that means two agents sharing a namespace or a Deployment: the second
// install takes over the first's token Secret, or fails on the immutable selector. A name that has
// to be cut keeps a short hash of the whole name instead, so different names stay different.
import { createHash } from 'node:crypto';

/** Hex characters of sha256 kept: 32 bits, so a clash needs ~65 000 long names on one cluster. */
export const NAME_HASH_LENGTH = 8;

export function nameHash(full: string): string {
  return createHash('sha256').update(full, 'utf8').digest('hex').slice(0, NAME_HASH_LENGTH);
}

/**
 * `full` when it has at most `max` characters (byte-identical: names that fit never change),
 * else its first characters, `-` and the hash of all of it, `max` characters at most. The result
 * ends in a hex digit, so it is still a DNS label when `full` starts like one.
 */
export function fitName(full: string, max: number): string {
  if (full.length <= max) return full;
  const head = full.slice(0, max - NAME_HASH_LENGTH - 1).replace(/-+$/, '');
  return head === '' ? nameHash(full) : `${head}-${nameHash(full)}`;
}
