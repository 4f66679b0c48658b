// Mapping rule 9 per certificate cluster: migrate it, skip it with a reason, or count it done (agent
// registered, config granting it, cluster off). Then the instance clusters no job used: a top-level
// group's own cluster for `*` always won over an instance cluster, so no agent reproduces that.
import type { InventoryCluster } from '../discovery/types.js';
import { buildConfig } from './access.js';
import { configGrants, grantFor, liveOf } from './agent-live.js';
import type { AgentDraft, Registration } from './agents.js';
import type { LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import type { ClusterAction, PlanWarning } from './types.js';

export interface Decision {
  action: ClusterAction;
  reason: string | null;
}

export interface ClusterDecisions {
  /** what each cluster's own state decides, before instance clusters are weighed against groups */
  initial: ReadonlyMap<number, Decision>;
  decisions: ReadonlyMap<number, Decision>;
  /** an instance cluster's registration in a root whose own `*` cluster always won */
  shadowed: (registration: Registration) => boolean;
  warnings: PlanWarning[];
}

function decide(
  cluster: InventoryCluster,
  mine: AgentDraft[],
  live: LiveState,
  options: PlanOptions,
): Decision {
  if (!cluster.apiUrl)
    return {
      action: 'skip',
      // discovery kept an unusable api_url out (and warned): say why rather than "none"
      reason: cluster.apiUrlProblem ?? 'no Kubernetes API URL is registered for it',
    };
  const grants = (d: AgentDraft) =>
    configGrants(
      d,
      buildConfig(
        d.registrations
          .filter((r) => r.cluster.id === cluster.id)
          .map((r) => grantFor(r, options.instanceAuthorization)),
        { premium: options.tier === 'premium', userAccess: false },
      ),
      live,
      options,
    );
  const cutOver = mine.length > 0 && mine.every((d) => liveOf(d, live).registered && grants(d));
  if (!cluster.enabled && cutOver) {
    return {
      action: 'done',
      reason: `cut over to ${mine.map((d) => `${d.project}:${d.name}`).join(', ')}; certificate cluster turned off`,
    };
  }
  if (!cluster.enabled)
    return { action: 'skip', reason: 'turned off in GitLab: no job deploys through it' };
  return { action: 'migrate', reason: null };
}

/** `clusters` sorted by id; `drafts` as draftAgents made them. */
export function decideClusters(
  clusters: InventoryCluster[],
  drafts: AgentDraft[],
  live: LiveState,
  options: PlanOptions,
): ClusterDecisions {
  // the drafts that register each cluster, in draft order: one pass, not one per cluster
  const draftsOf = new Map<number, AgentDraft[]>();
  const registrationsOf = new Map<number, Registration[]>();
  for (const d of drafts) {
    for (const id of new Set(d.registrations.map((r) => r.cluster.id)))
      if (draftsOf.has(id)) draftsOf.get(id)!.push(d);
      else draftsOf.set(id, [d]);
    for (const r of d.registrations)
      if (registrationsOf.has(r.cluster.id)) registrationsOf.get(r.cluster.id)!.push(r);
      else registrationsOf.set(r.cluster.id, [r]);
  }
  const initial = new Map(
    clusters.map((c) => [c.id, decide(c, draftsOf.get(c.id) ?? [], live, options)]),
  );

  const catchAllRoots = new Set(
    clusters
      .filter(
        (c) =>
          c.level === 'group' &&
          c.owner === c.rootNamespace &&
          c.environmentScope === '*' &&
          initial.get(c.id)!.action !== 'skip',
      )
      .map((c) => c.owner!.toLowerCase()),
  );
  const shadowed = (r: Registration) =>
    r.cluster.level === 'instance' &&
    !options.instanceAuthorization &&
    catchAllRoots.has(r.root.toLowerCase());

  const decisions = new Map(initial);
  const warnings: PlanWarning[] = [];
  for (const c of clusters.filter((c) => c.level === 'instance' && c.apiUrl)) {
    const registrations = registrationsOf.get(c.id) ?? [];
    const roots = registrations.filter(shadowed).map((r) => r.root);
    if (roots.length === 0 || initial.get(c.id)!.action !== 'migrate') continue;
    if (roots.length === registrations.length) {
      decisions.set(c.id, {
        action: 'skip',
        reason:
          'every top-level group has its own cluster for every environment, which took precedence: no job used it',
      });
    } else {
      warnings.push({
        code: 'instance-cluster-shadowed',
        clusterId: c.id,
        message: `Instance cluster ${c.id} (${c.name}) was never used under ${roots.join(', ')}: each has its own cluster for every environment, which took precedence. No agent is planned there.`,
      });
    }
  }
  return { initial, decisions, shadowed, warnings };
}
