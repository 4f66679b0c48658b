// Reading one owner's clusters, classifying the answers that are not failures of the run:
// GitLab hides every cluster behind the feature flag with a bare 404, and a token may lack the
// Maintainer role on some namespaces. Each outcome is recorded, and the run decides what it means.
import { httpFailure } from '../gitlab/errors.js';
import type { ClusterSchema } from '../gitlab/schemas.js';

export type ListOutcome =
  | { kind: 'ok'; clusters: ClusterSchema[] }
  /** 404 {"message":"404 Not Found"}: the certificate_based_clusters flag is off for this namespace */
  | { kind: 'flag-off' }
  /** 403: the token's user is not a Maintainer here */
  | { kind: 'forbidden' }
  /** 404 Project/Group Not Found: deleted or hidden since it was listed */
  | { kind: 'gone' };

export async function listClusters(fetch: () => Promise<ClusterSchema[]>): Promise<ListOutcome> {
  try {
    return { kind: 'ok', clusters: await fetch() };
  } catch (error) {
    const failure = httpFailure(error);
    if (failure?.status === 404) {
      return failure.description === '404 Not Found' ? { kind: 'flag-off' } : { kind: 'gone' };
    }
    if (failure?.status === 403) return { kind: 'forbidden' };
    throw error;
  }
}

/** True for GitLab's unknown-route answer, 404 {"error":"404 Not Found"}: an endpoint this version lacks. */
export function isMissingEndpoint(error: unknown): boolean {
  const failure = httpFailure(error);
  return failure?.status === 404 && failure.description === '404 Not Found';
}

/** The discovery API arrived in 17.9. null when the version cannot be read (then we just try it). */
export function versionHasDiscoveryApi(version: string | null): boolean | null {
  const match = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return null;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > 17 || (major === 17 && minor >= 9);
}
