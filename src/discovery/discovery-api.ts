// The discovery API (GitLab 17.9+): one call per top-level group says which groups and projects
// hold clusters, and only those get a detail call. It filters by membership, so groups it would not
// fully cover for this token, or that it refuses, are scanned the full way instead (full-scan.ts).
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import { listGroups } from '../gitlab/groups.js';
import type { DiscoveredClustersSchema } from '../gitlab/schemas.js';
import { isMissingEndpoint } from './cluster-lists.js';
import { scanRoot } from './full-scan.js';
import { MAINTAINER, type DiscoveryState, type Root } from './run-state.js';

/** [roots the discovery API fully covers for this token, roots to scan]. */
export async function splitByMembership(
  run: DiscoveryState,
  roots: Root[],
): Promise<[Root[], Root[]]> {
  if (!run.isAdmin) return [roots, []];
  let maintained;
  try {
    maintained = await listGroups(run.client, { min_access_level: MAINTAINER });
  } catch (error) {
    throw explainGitLabError(error, run.client.url, 'listing the groups this token maintains');
  }
  const ids = new Set(maintained.map((g) => g.id));
  return [roots.filter((r) => ids.has(r.id)), roots.filter((r) => !ids.has(r.id))];
}

/** Discovers the first root alone: its answer tells whether the endpoint exists at all. */
export async function discoverFirst(run: DiscoveryState, root: Root): Promise<boolean> {
  try {
    const found = await run.client.clusters.discover(root.id);
    run.usedDiscovery = true;
    await readDiscovered(run, found);
    return true;
  } catch (error) {
    if (isMissingEndpoint(error)) {
      run.warnNoDiscoveryApi();
      return false;
    }
    if (httpFailure(error)?.status === 403) {
      run.usedDiscovery = true;
      await scanRoot(run, root);
      return true;
    }
    throw explainGitLabError(error, run.client.url, `discovering clusters in ${root.fullPath}`);
  }
}

export async function discoverRoot(run: DiscoveryState, root: Root): Promise<void> {
  run.track(1);
  try {
    await readDiscovered(run, await run.client.clusters.discover(root.id));
  } catch (error) {
    // A group the discovery API refuses is scanned the slow way rather than skipped.
    if (httpFailure(error)?.status !== 403) throw error;
    await scanRoot(run, root);
  } finally {
    run.step();
  }
}

async function readDiscovered(run: DiscoveryState, found: DiscoveredClustersSchema): Promise<void> {
  run.setPhase('reading clusters');
  const reads = [
    ...Object.entries(found.groups ?? {}).map(([path, expected]) =>
      run.readOwner(
        { level: 'group', path, rootKind: 'group' },
        () => run.client.clusters.allForGroup(path),
        expected,
      ),
    ),
    ...Object.entries(found.projects ?? {}).map(([path, expected]) =>
      run.readOwner(
        { level: 'project', path, rootKind: 'group' },
        () => run.client.clusters.allForProject(path),
        expected,
      ),
    ),
  ];
  await Promise.all(reads);
}
