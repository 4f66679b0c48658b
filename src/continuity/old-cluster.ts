// Which certificate cluster the old integration gave a job, found the way GitLab finds it
// (app/models/concerns/deployment_platform.rb): clusters of the project's hierarchy
// (app/models/clusters/clusters_hierarchy.rb: the clusters this project manages first, then the
// project's own, then each ancestor group, closest first), enabled ones only, matching the job's
// environment, the most relevant scope first within one depth (app/models/concerns/
// has_environment_scope.rb: exact name over a glob over `*`); instance clusters only when the
// hierarchy has none. Pure.
import { normaliseApiUrl } from '../discovery/api-url.js';
import { scopeMatches } from '../plan/variable-precedence.js';
import { ancestorGroups } from './authorizations.js';

export interface CertCluster {
  id: number;
  name: string;
  level: 'project' | 'group' | 'instance';
  /** full path of the project or group; null for instance clusters */
  owner: string | null;
  environmentScope: string;
  /** on before the cut-over (a cluster this tool turned off counts as on) */
  enabled: boolean;
  apiUrl: string | null;
  /** full path of the cluster's management project, if any */
  managementProject: string | null;
}

/** has_environment_scope.rb's relevance: 2 exact, 1 glob, 0 `*`; -1 no match. */
export function scopeRelevance(scope: string, environment: string): number {
  if (scope === '*') return 0;
  if (scope === environment) return 2;
  return scopeMatches(scope, environment) ? 1 : -1;
}

export interface OldClusterChoice {
  cluster: CertCluster;
  /** a cluster elsewhere matched as well at the same depth: which one GitLab used is undefined */
  ambiguous: boolean;
}

const lower = (s: string | null) => (s ?? '').toLowerCase();

/** Mapping rule 1 (docs/mapping-rules.md): one physical cluster per normalised API URL. */
export const physical = (apiUrl: string | null) => normaliseApiUrl(apiUrl);

/** The clusters of the hierarchy in GitLab's depth order (management, project, closest group…). */
function hierarchy(project: string, clusters: CertCluster[]): CertCluster[][] {
  const path = project.toLowerCase();
  const namespace = path.split('/').slice(0, -1).join('/');
  const levels: CertCluster[][] = [
    // clusters_hierarchy.rb: project clusters in the same namespace that this project manages
    clusters.filter(
      (c) =>
        c.level === 'project' &&
        lower(c.managementProject) === path &&
        lower(c.owner).split('/').slice(0, -1).join('/') === namespace,
    ),
    clusters.filter((c) => c.level === 'project' && lower(c.owner) === path),
  ];
  for (const group of ancestorGroups(path))
    levels.push(clusters.filter((c) => c.level === 'group' && lower(c.owner) === group));
  return levels;
}

function pick(candidates: CertCluster[], environment: string): OldClusterChoice | null {
  const scored = candidates
    .filter((c) => c.enabled)
    .map((c) => ({ c, relevance: scopeRelevance(c.environmentScope, environment) }))
    .filter((s) => s.relevance >= 0)
    .sort((a, b) => b.relevance - a.relevance || a.c.id - b.c.id);
  const best = scored[0];
  if (!best) return null;
  // A tie between registrations of one physical cluster is harmless: either way, same cluster.
  const ambiguous = scored.some(
    (s) => s.relevance === best.relevance && physical(s.c.apiUrl) !== physical(best.c.apiUrl),
  );
  return { cluster: best.c, ambiguous };
}

/** The certificate cluster a job of `project` deploying to `environment` used. */
export function oldClusterFor(
  project: string,
  environment: string,
  clusters: CertCluster[],
): OldClusterChoice | null {
  for (const level of hierarchy(project, clusters)) {
    const found = pick(level, environment);
    if (found) return found;
  }
  return pick(
    clusters.filter((c) => c.level === 'instance'),
    environment,
  );
}

/**
 * The clusters that make `only: kubernetes: active` and `$CI_KUBERNETES_ACTIVE` true for a
 * pipeline of `project`: `deployment_platform` without an environment takes enabled clusters
 * with scope `*` only (Ci::Pipeline#has_kubernetes_active?). Turning any of them off may stop
 * such jobs, so each of them waits for those jobs.
 */
export function kubernetesActiveClusters(project: string, clusters: CertCluster[]): CertCluster[] {
  const star = (list: CertCluster[]) => list.filter((c) => c.enabled && c.environmentScope === '*');
  const inHierarchy = hierarchy(project, clusters).flatMap(star);
  return inHierarchy.length ? inHierarchy : star(clusters.filter((c) => c.level === 'instance'));
}

/** Every cluster of the hierarchy (any scope) that could serve some job of `project`. */
export function clustersReaching(project: string, clusters: CertCluster[]): CertCluster[] {
  return [
    ...hierarchy(project, clusters).flat(),
    ...clusters.filter((c) => c.level === 'instance'),
  ].filter((c) => c.enabled);
}

/**
 * The plan's clusters as they were before this tool turned any of them off (`disabled`: the ids
 * its journal says it turned off).
 */
export function certClustersOf(
  plan: {
    clusters: readonly (Omit<CertCluster, 'managementProject'> & {
      managementProject?: string | null;
    })[];
  },
  disabled: Iterable<number> = [],
): CertCluster[] {
  const ours = new Set(disabled);
  return plan.clusters.map((c) => ({
    id: c.id,
    name: c.name,
    level: c.level,
    owner: c.owner,
    environmentScope: c.environmentScope,
    enabled: c.enabled || ours.has(c.id),
    apiUrl: c.apiUrl,
    managementProject: c.managementProject ?? null,
  }));
}
