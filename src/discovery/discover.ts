// Finds every certificate-based cluster an instance (or a --group scope) has.
//
// Strategy (README "How clusters are found"): on 17.9+ one discovery call per top-level group says which
// groups and projects hold clusters, and only those get a detail call: O(top-level groups +
// owners with clusters) instead of O(groups + projects) (discovery-api.ts). Personal namespaces are
// outside the discovery API, so their projects are scanned from the keyset-paginated /projects
// stream. Without the API (older GitLab, or --strategy full-scan), every group and project is
// checked (full-scan.ts). This file chooses, and puts the inventory together.
import { UserError } from '../errors.js';
import { groupPathOf } from './group-path.js';
import type { GitLabClient } from '../gitlab/client.js';
import { explainGitLabError } from '../gitlab/errors.js';
import { isUsername, listGroups, showGroup } from '../gitlab/groups.js';
import { versionHasDiscoveryApi } from './cluster-lists.js';
import { discoverFirst, discoverRoot, splitByMembership } from './discovery-api.js';
import { scanAllGroups, scanProjects, scanRoot } from './full-scan.js';
import { DiscoveryState, MAINTAINER, type Root } from './run-state.js';
import type { DiscoveryMode, DiscoveryProgress, Inventory } from './types.js';

export interface DiscoverOptions {
  /** limit the inventory to these groups (full paths) and everything below them */
  groups?: string[];
  /** 'auto' uses the discovery API where the instance has it */
  strategy?: 'auto' | 'full-scan';
  onProgress?: (progress: DiscoveryProgress) => void;
}

export async function discoverInventory(
  client: GitLabClient,
  options: DiscoverOptions = {},
): Promise<Inventory> {
  const run = new DiscoveryState(client, options.onProgress);
  const metadata = await call(client, 'reading /metadata', () => client.metadata());
  if (typeof metadata !== 'object' || metadata == null || typeof metadata.version !== 'string') {
    throw new UserError(
      `${client.url} does not look like a GitLab instance (/api/v4/metadata gave no version).`,
      {
        hint: 'Point --gitlab-url at the GitLab root URL, e.g. https://gitlab.example.com',
      },
    );
  }
  const user = await call(client, 'reading the current user', () => client.currentUser());
  run.isAdmin = user.isAdmin;

  const scoped = (options.groups?.length ?? 0) > 0;
  const roots = scoped ? await resolveGroups(client, options.groups!) : await listRoots(run);
  const versionHasApi = versionHasDiscoveryApi(metadata.version);
  if (options.strategy !== 'full-scan' && versionHasApi === false) run.warnNoDiscoveryApi();
  const discoveryPossible = options.strategy !== 'full-scan' && versionHasApi !== false;
  // The discovery API filters by membership (GitLab's finders have no admin bypass): an admin
  // who is not a Maintainer of a group would get only its top-level clusters. Such groups are
  // scanned fully instead.
  const [viaApi, viaScan] = discoveryPossible ? await splitByMembership(run, roots) : [roots, []];
  const discoveryWorks =
    discoveryPossible && viaApi.length > 0 && (await discoverFirst(run, viaApi[0]!));

  const work: Promise<void>[] = [];
  if (discoveryWorks) {
    work.push(...viaApi.slice(1).map((root) => discoverRoot(run, root)));
    work.push(...viaScan.map((root) => scanRoot(run, root)));
    if (!scoped) work.push(scanProjects(run, (project) => project.namespace.kind === 'user'));
  } else if (scoped) {
    work.push(...roots.map((root) => scanRoot(run, root)));
  } else {
    work.push(
      scanAllGroups(run),
      scanProjects(run, () => true),
    );
  }
  if (!scoped) work.push(run.readInstanceClusters());
  await settle(client, work);

  // Nothing was read (no clusters found, no admin): probe one cluster endpoint, or a flag
  // that is off would pass for "no clusters".
  if (run.ownersChecked === 0 && roots[0])
    await settle(client, [run.readGroup({ id: roots[0].id, full_path: roots[0].fullPath })]);
  checkFeatureFlag(run);
  return {
    kind: 'migrate-clusters/inventory',
    version: 1,
    gitlab: {
      url: client.url,
      version: metadata.version,
      discovery: mode(run),
      apiCalls: client.stats.calls,
      kasAddress: metadata.kas?.externalUrl ?? null,
      kasVersion: metadata.kas?.version ?? null,
      isAdmin: run.isAdmin,
    },
    // the groups as GitLab names them, whatever form --group gave
    scope: scoped ? roots.map((r) => r.fullPath) : [],
    topLevelGroups: [...run.topLevelGroups].sort(),
    clusters: [...run.clusters.values()].sort((a, b) => a.id - b.id),
    warnings: run.warnings,
  };
}

function mode(run: DiscoveryState): DiscoveryMode {
  if (run.usedDiscovery && run.usedScan) return 'mixed';
  return run.usedDiscovery ? 'discovery-api' : 'full-scan';
}

/** Waits for every task; the first failure cancels queued requests and is reported. */
async function settle(client: GitLabClient, work: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw explainGitLabError(failed.reason, client.url, 'discovering clusters');
}

async function call<T>(client: GitLabClient, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw explainGitLabError(error, client.url, what);
  }
}

async function resolveGroups(client: GitLabClient, given: string[]): Promise<Root[]> {
  return Promise.all(
    given.map(async (value) => {
      const path = groupPathOf(value, client.url);
      let missing = false;
      const group = await showGroup(client, path, undefined, {
        explain: (failure) => {
          missing = failure.status === 404;
          return missing ? new UserError(`Group "${path}" was not found.`) : undefined;
        },
      }).catch(async (error: unknown) => {
        throw missing ? await groupNotFound(client, path) : error;
      });
      return { id: group.id, fullPath: group.full_path };
    }),
  );
}

/** Why --group found nothing: a personal namespace, or a path this token cannot see. */
async function groupNotFound(client: GitLabClient, path: string): Promise<UserError> {
  if (!path.includes('/') && (await isUsername(client, path)))
    return new UserError(
      `"${path}" is a user's personal namespace, not a group: --group takes groups only.`,
      {
        hint: 'Leave out --group: a whole run includes the personal projects this token can see. Or name a group.',
      },
    );
  return new UserError(`Group "${path}" was not found, or this token cannot see it.`, {
    hint: 'Pass the full path as shown in the group URL, e.g. --group platform/infra',
  });
}

/** Top-level groups for admins; for others, the topmost groups they maintain. */
async function listRoots(run: DiscoveryState): Promise<Root[]> {
  run.setPhase('listing groups');
  const query = run.isAdmin
    ? { top_level_only: true, all_available: true }
    : { min_access_level: MAINTAINER };
  const groups = await call(run.client, 'listing groups', () => listGroups(run.client, query));
  const ids = new Set(groups.map((g) => g.id));
  for (const g of groups) if (g.parent_id == null) run.topLevelGroups.add(g.full_path);
  return groups
    .filter((g) => g.parent_id == null || !ids.has(g.parent_id))
    .map((g) => ({ id: g.id, fullPath: g.full_path }))
    .sort((a, b) => a.id - b.id);
}

/** Every namespace answered with the flag's 404: say so instead of reporting "no clusters". */
function checkFeatureFlag(run: DiscoveryState): void {
  if (run.flagOffOwners.length === 0 || run.flagOffOwners.length < run.ownersChecked) return;
  throw new UserError(
    'The certificate_based_clusters feature flag is off: GitLab hides every certificate-based cluster (its cluster endpoints answer 404).',
    {
      hint:
        "An administrator can turn it on for the migration with `gitlab-rails runner 'Feature.enable(:certificate_based_clusters)'` " +
        'or `POST /api/v4/features/certificate_based_clusters value=true`, then run this again.',
    },
  );
}
