// What one discovery run collects, and the reads every strategy shares: one owner's clusters (a
// group, a project or the instance), checked against what the discovery API said was there, with
// each answer that is not a failure of the run (flag off, no access, gone) turned into a warning.
import type { GitLabClient } from '../gitlab/client.js';
import type { ClusterSchema, ProjectSummarySchema } from '../gitlab/schemas.js';
import { listClusters } from './cluster-lists.js';
import { toInventoryCluster, type ClusterOwner } from './to-inventory-cluster.js';
import type { DiscoveryProgress, InventoryCluster, InventoryWarning } from './types.js';

export const MAINTAINER = 40;

export interface Root {
  id: number;
  fullPath: string;
}

export class DiscoveryState {
  readonly clusters = new Map<number, InventoryCluster>();
  readonly warnings: InventoryWarning[] = [];
  readonly flagOffOwners: string[] = [];
  readonly topLevelGroups = new Set<string>();
  ownersChecked = 0;
  isAdmin = false;
  usedDiscovery = false;
  usedScan = false;
  private readonly progress = { phase: 'connecting', done: 0, total: 0 };

  constructor(
    readonly client: GitLabClient,
    private readonly onProgress?: (progress: DiscoveryProgress) => void,
  ) {}

  /** Reads one owner's clusters; `expected` are the discovery API's ids, checked against the details. */
  async readOwner(
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

  readGroup(group: { id: number; full_path: string }): Promise<void> {
    return this.readOwner({ level: 'group', path: group.full_path, rootKind: 'group' }, () =>
      this.client.clusters.allForGroup(group.id),
    );
  }

  readProject(project: ProjectSummarySchema): Promise<void> {
    const rootKind = project.namespace.kind === 'user' ? 'user' : 'group';
    return this.readOwner({ level: 'project', path: project.path_with_namespace, rootKind }, () =>
      this.client.clusters.allForProject(project.id),
    );
  }

  async readInstanceClusters(): Promise<void> {
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

  warnNoDiscoveryApi(): void {
    this.warn(
      'discovery-api-unavailable',
      null,
      'The cluster discovery API (GitLab 17.9+) is not available: every group and project was scanned instead.',
    );
  }

  warn(code: string, clusterId: number | null, message: string): void {
    this.warnings.push({ code, clusterId, message });
  }

  setPhase(phase: string): void {
    this.progress.phase = phase;
    this.report();
  }

  track(count: number): void {
    this.progress.total += count;
  }

  step(): void {
    this.progress.done += 1;
    this.report();
  }

  private report(): void {
    this.onProgress?.({
      ...this.progress,
      clustersFound: this.clusters.size,
      apiCalls: this.client.stats.calls,
    });
  }
}
