// Finds every certificate-based cluster an instance (or a --group scope) has.
//
// Strategy (DESIGN.md "Discovery"): on 17.9+ one discovery call per top-level group says which
// groups and projects hold clusters, and only those get a detail call: O(top-level groups +
// owners with clusters) instead of O(groups + projects). Personal namespaces are outside the
// discovery API, so their projects are scanned from the keyset-paginated /projects stream.
// Without the API (older GitLab, or --strategy full-scan), every group and project is checked.
import { UserError } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import { endpoint } from '../gitlab/endpoint.js';
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import { fetchAllOffset, streamKeyset } from '../gitlab/paginate.js';
import type { ClusterSchema, GroupSummarySchema, ProjectSummarySchema } from '../gitlab/schemas.js';
import { isMissingEndpoint, listClusters, versionHasDiscoveryApi } from './cluster-lists.js';
import { toInventoryCluster, type ClusterOwner } from './to-inventory-cluster.js';
import type {
  DiscoveryMode,
  DiscoveryProgress,
  Inventory,
  InventoryCluster,
  InventoryWarning,
} from './types.js';

export interface DiscoverOptions {
  /** limit the inventory to these groups (full paths) and everything below them */
  groups?: string[];
  /** 'auto' uses the discovery API where the instance has it */
  strategy?: 'auto' | 'full-scan';
  onProgress?: (progress: DiscoveryProgress) => void;
}

const MAINTAINER = 40;

interface Root {
  id: number;
  fullPath: string;
}

export async function discoverInventory(
  client: GitLabClient,
  options: DiscoverOptions = {},
): Promise<Inventory> {
  return new DiscoveryRun(client, options).run();
}

class DiscoveryRun {
  private readonly clusters = new Map<number, InventoryCluster>();
  private readonly warnings: InventoryWarning[] = [];
  private readonly flagOffOwners: string[] = [];
  private readonly topLevelGroups = new Set<string>();
  private ownersChecked = 0;
  private isAdmin = false;
  private usedDiscovery = false;
  private usedScan = false;
  private readonly progress = { phase: 'connecting', done: 0, total: 0 };

  constructor(
    private readonly client: GitLabClient,
    private readonly options: DiscoverOptions,
  ) {}

  async run(): Promise<Inventory> {
    const metadata = await this.call('reading /metadata', () => this.client.metadata());
    if (typeof metadata !== 'object' || metadata == null || typeof metadata.version !== 'string') {
      throw new UserError(
        `${this.client.url} does not look like a GitLab instance (/api/v4/metadata gave no version).`,
        {
          hint: 'Point --gitlab-url at the GitLab root URL, e.g. https://gitlab.example.com',
        },
      );
    }
    const user = await this.call('reading the current user', () => this.client.currentUser());
    this.isAdmin = user.isAdmin;

    const scoped = (this.options.groups?.length ?? 0) > 0;
    const roots = scoped ? await this.resolveGroups(this.options.groups!) : await this.listRoots();
    const versionHasApi = versionHasDiscoveryApi(metadata.version);
    if (this.options.strategy !== 'full-scan' && versionHasApi === false) this.warnNoDiscoveryApi();
    const discoveryPossible = this.options.strategy !== 'full-scan' && versionHasApi !== false;
    // The discovery API filters by membership (GitLab's finders have no admin bypass): an admin
    // who is not a Maintainer of a group would get only its top-level clusters. Such groups are
    // scanned fully instead.
    const [viaApi, viaScan] = discoveryPossible ? await this.splitByMembership(roots) : [roots, []];
    const discoveryWorks =
      discoveryPossible && viaApi.length > 0 && (await this.discoverFirst(viaApi[0]!));

    const work: Promise<void>[] = [];
    if (discoveryWorks) {
      work.push(...viaApi.slice(1).map((root) => this.discoverRoot(root)));
      work.push(...viaScan.map((root) => this.scanRoot(root)));
      if (!scoped) work.push(this.scanProjects((project) => project.namespace.kind === 'user'));
    } else if (scoped) {
      work.push(...roots.map((root) => this.scanRoot(root)));
    } else {
      work.push(
        this.scanAllGroups(),
        this.scanProjects(() => true),
      );
    }
    if (!scoped) work.push(this.readInstanceClusters());
    await this.settle(work);

    // Nothing was read (no clusters found, no admin): probe one cluster endpoint, or a flag
    // that is off would pass for "no clusters".
    if (this.ownersChecked === 0 && roots[0])
      await this.settle([this.readGroup({ id: roots[0].id, full_path: roots[0].fullPath })]);
    this.checkFeatureFlag();
    return {
      kind: 'migrate-clusters/inventory',
      version: 1,
      gitlab: {
        url: this.client.url,
        version: metadata.version,
        discovery: this.mode(),
        apiCalls: this.client.stats.calls,
        kasAddress: metadata.kas?.externalUrl ?? null,
        kasVersion: metadata.kas?.version ?? null,
        isAdmin: this.isAdmin,
      },
      scope: this.options.groups ?? [],
      topLevelGroups: [...this.topLevelGroups].sort(),
      clusters: [...this.clusters.values()].sort((a, b) => a.id - b.id),
      warnings: this.warnings,
    };
  }

  private mode(): DiscoveryMode {
    if (this.usedDiscovery && this.usedScan) return 'mixed';
    return this.usedDiscovery ? 'discovery-api' : 'full-scan';
  }

  /** Waits for every task; the first failure cancels queued requests and is reported. */
  private async settle(work: Promise<void>[]): Promise<void> {
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw explainGitLabError(failed.reason, this.client.url, 'discovering clusters');
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw explainGitLabError(error, this.client.url, what);
    }
  }

  private async resolveGroups(paths: string[]): Promise<Root[]> {
    return Promise.all(
      paths.map(async (path) => {
        try {
          const { body } = await this.client.get<GroupSummarySchema>(
            endpoint`groups/${path.replace(/^\/+|\/+$/g, '')}`,
          );
          return { id: body.id, fullPath: body.full_path };
        } catch (error) {
          if (httpFailure(error)?.status === 404) {
            throw new UserError(`Group "${path}" was not found, or this token cannot see it.`, {
              hint: 'Pass the full path as shown in the group URL, e.g. --group platform/infra',
            });
          }
          throw explainGitLabError(error, this.client.url, `reading group ${path}`);
        }
      }),
    );
  }

  /** Top-level groups for admins; for others, the topmost groups they maintain. */
  private async listRoots(): Promise<Root[]> {
    this.setPhase('listing groups');
    const query = this.isAdmin
      ? { top_level_only: true, all_available: true }
      : { min_access_level: MAINTAINER };
    const groups = await this.call('listing groups', () =>
      fetchAllOffset<GroupSummarySchema>(this.client.get, 'groups', query),
    );
    const ids = new Set(groups.map((g) => g.id));
    for (const g of groups) if (g.parent_id == null) this.topLevelGroups.add(g.full_path);
    return groups
      .filter((g) => g.parent_id == null || !ids.has(g.parent_id))
      .map((g) => ({ id: g.id, fullPath: g.full_path }))
      .sort((a, b) => a.id - b.id);
  }

  /** [roots the discovery API fully covers for this token, roots to scan]. */
  private async splitByMembership(roots: Root[]): Promise<[Root[], Root[]]> {
    if (!this.isAdmin) return [roots, []];
    const maintained = await this.call('listing the groups this token maintains', () =>
      fetchAllOffset<GroupSummarySchema>(this.client.get, 'groups', {
        min_access_level: MAINTAINER,
      }),
    );
    const ids = new Set(maintained.map((g) => g.id));
    return [roots.filter((r) => ids.has(r.id)), roots.filter((r) => !ids.has(r.id))];
  }

  /** Discovers the first root alone: its answer tells whether the endpoint exists at all. */
  private async discoverFirst(root: Root): Promise<boolean> {
    try {
      const found = await this.client.clusters.discover(root.id);
      this.usedDiscovery = true;
      await this.readDiscovered(found);
      return true;
    } catch (error) {
      if (isMissingEndpoint(error)) {
        this.warnNoDiscoveryApi();
        return false;
      }
      if (httpFailure(error)?.status === 403) {
        this.usedDiscovery = true;
        await this.scanRoot(root);
        return true;
      }
      throw explainGitLabError(error, this.client.url, `discovering clusters in ${root.fullPath}`);
    }
  }

  private async discoverRoot(root: Root): Promise<void> {
    this.track(1);
    try {
      await this.readDiscovered(await this.client.clusters.discover(root.id));
    } catch (error) {
      // A group the discovery API refuses is scanned the slow way rather than skipped.
      if (httpFailure(error)?.status !== 403) throw error;
      await this.scanRoot(root);
    } finally {
      this.step();
    }
  }

  private async readDiscovered(found: {
    groups: Record<string, { id: number; name: string }[]>;
    projects: Record<string, { id: number; name: string }[]>;
  }): Promise<void> {
    this.setPhase('reading clusters');
    const reads = [
      ...Object.entries(found.groups ?? {}).map(([path, expected]) =>
        this.readOwner(
          { level: 'group', path, rootKind: 'group' },
          () => this.client.clusters.allForGroup(path),
          expected,
        ),
      ),
      ...Object.entries(found.projects ?? {}).map(([path, expected]) =>
        this.readOwner(
          { level: 'project', path, rootKind: 'group' },
          () => this.client.clusters.allForProject(path),
          expected,
        ),
      ),
    ];
    await Promise.all(reads);
  }

  /** Reads one owner's clusters; `expected` are the discovery API's ids, checked against the details. */
  private async readOwner(
    owner: ClusterOwner,
    fetch: () => Promise<ClusterSchema[]>,
    expected: { id: number; name: string }[] = [],
  ): Promise<void> {
    this.track(1);
    const outcome = await listClusters(fetch);
    this.step();
    this.ownersChecked += 1;
    switch (outcome.kind) {
      case 'ok':
        for (const found of outcome.clusters) {
          const { cluster, warnings } = toInventoryCluster(found, owner);
          // A cluster read twice (a scan overlapping the discovery API) is warned about once.
          if (!this.clusters.has(cluster.id)) this.warnings.push(...warnings);
          this.clusters.set(cluster.id, cluster);
        }
        for (const missing of expected.filter(
          (e) => !outcome.clusters.some((c) => c.id === e.id),
        )) {
          this.warn(
            'cluster-details-missing',
            missing.id,
            `Cluster ${missing.id} "${missing.name}" was reported in ${owner.path} by the discovery API but its details could not be read.`,
          );
        }
        return;
      case 'flag-off':
        this.flagOffOwners.push(owner.path ?? '(instance)');
        for (const e of expected)
          this.warn(
            'feature-flag-off',
            e.id,
            `Cluster ${e.id} "${e.name}" in ${owner.path} is hidden: the certificate_based_clusters feature flag is off for this namespace.`,
          );
        return;
      case 'forbidden':
        if (expected.length > 0 || owner.level !== 'project') {
          this.warn(
            'no-access',
            expected[0]?.id ?? null,
            `No Maintainer access to ${owner.level} ${owner.path}: its clusters could not be read.`,
          );
        }
        return;
      case 'gone':
        if (expected.length > 0)
          this.warn(
            'owner-gone',
            expected[0]!.id,
            `${owner.level} ${owner.path} disappeared while it was being read.`,
          );
        return;
    }
  }

  /** Full scan of one group: the group, its descendants, and every project below it. */
  private async scanRoot(root: Root): Promise<void> {
    this.usedScan = true;
    this.setPhase('scanning groups and projects');
    const access = this.isAdmin ? {} : { min_access_level: MAINTAINER };
    const [descendants, projects] = await Promise.all([
      fetchAllOffset<GroupSummarySchema>(
        this.client.get,
        endpoint`groups/${root.id}/descendant_groups`,
        access,
      ),
      fetchAllOffset<ProjectSummarySchema>(this.client.get, endpoint`groups/${root.id}/projects`, {
        ...access,
        include_subgroups: true,
        simple: true,
      }),
    ]);
    await Promise.all([
      ...[{ id: root.id, full_path: root.fullPath }, ...descendants].map((g) => this.readGroup(g)),
      ...projects.map((p) => this.readProject(p)),
    ]);
  }

  private async scanAllGroups(): Promise<void> {
    this.usedScan = true;
    this.setPhase('scanning groups and projects');
    const query = this.isAdmin ? { all_available: true } : { min_access_level: MAINTAINER };
    const groups = await fetchAllOffset<GroupSummarySchema>(this.client.get, 'groups', query);
    for (const g of groups) if (g.parent_id == null) this.topLevelGroups.add(g.full_path);
    await Promise.all(groups.map((g) => this.readGroup(g)));
  }

  /**
   * Streams /projects with keyset pagination and reads the clusters of the projects `select`
   * keeps, starting on each page as it arrives rather than after the whole list.
   */
  private async scanProjects(select: (project: ProjectSummarySchema) => boolean): Promise<void> {
    const query = {
      order_by: 'id',
      sort: 'asc',
      simple: true,
      ...(this.isAdmin ? {} : { min_access_level: MAINTAINER }),
    };
    const reads: Promise<void>[] = [];
    for await (const page of streamKeyset<ProjectSummarySchema>(
      this.client.get,
      'projects',
      query,
    )) {
      for (const project of page) if (select(project)) reads.push(this.readProject(project));
    }
    await Promise.all(reads);
  }

  private readGroup(group: { id: number; full_path: string }): Promise<void> {
    return this.readOwner({ level: 'group', path: group.full_path, rootKind: 'group' }, () =>
      this.client.clusters.allForGroup(group.id),
    );
  }

  private readProject(project: ProjectSummarySchema): Promise<void> {
    const rootKind = project.namespace.kind === 'user' ? 'user' : 'group';
    return this.readOwner({ level: 'project', path: project.path_with_namespace, rootKind }, () =>
      this.client.clusters.allForProject(project.id),
    );
  }

  private async readInstanceClusters(): Promise<void> {
    if (!this.isAdmin) {
      this.warn(
        'instance-clusters-not-visible',
        null,
        'Instance-level clusters can only be listed by an administrator: they are not in this inventory. Run with an admin token to include them.',
      );
      return;
    }
    await this.readOwner({ level: 'instance', path: null, rootKind: null }, () =>
      this.client.clusters.allForInstance(),
    );
  }

  /** Every namespace answered with the flag's 404: say so instead of reporting "no clusters". */
  private checkFeatureFlag(): void {
    if (this.flagOffOwners.length === 0 || this.flagOffOwners.length < this.ownersChecked) return;
    throw new UserError(
      'The certificate_based_clusters feature flag is off: GitLab hides every certificate-based cluster (its cluster endpoints answer 404).',
      {
        hint:
          "An administrator can turn it on for the migration with `gitlab-rails runner 'Feature.enable(:certificate_based_clusters)'` " +
          'or `POST /api/v4/features/certificate_based_clusters value=true`, then run this again.',
      },
    );
  }

  private warnNoDiscoveryApi(): void {
    this.warn(
      'discovery-api-unavailable',
      null,
      'The cluster discovery API (GitLab 17.9+) is not available: every group and project was scanned instead.',
    );
  }

  private warn(code: string, clusterId: number | null, message: string): void {
    this.warnings.push({ code, clusterId, message });
  }

  private setPhase(phase: string): void {
    this.progress.phase = phase;
    this.report();
  }

  private track(count: number): void {
    this.progress.total += count;
  }

  private step(): void {
    this.progress.done += 1;
    this.report();
  }

  private report(): void {
    this.options.onProgress?.({
      ...this.progress,
      clustersFound: this.clusters.size,
      apiCalls: this.client.stats.calls,
    });
  }
}
