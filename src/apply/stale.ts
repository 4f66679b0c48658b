// A plan is stale when GitLab's clusters no longer look as they did when it was made: applying it
// then could authorise the wrong projects or turn off the wrong cluster. Changes this tool made
// itself (clusters it turned off, per the journal) are expected, not staleness.
import { normaliseApiUrl } from '../discovery/api-url.js';
import type { Inventory, InventoryCluster } from '../discovery/types.js';
import type { Plan, PlannedCluster } from '../plan/types.js';
import type { Journal } from './journal.js';

const url = (value: string | null) => (value ? normaliseApiUrl(value) : null);

function differences(
  planned: PlannedCluster,
  live: InventoryCluster,
  turnedOff: boolean,
): string[] {
  const out: string[] = [];
  const check = (what: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${what} ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  };
  check('API URL', url(planned.apiUrl), url(live.apiUrl));
  check('environment scope', planned.environmentScope, live.environmentScope);
  check('owner', planned.owner, live.owner);
  check('managed', planned.managed, live.managed);
  check('namespace', planned.namespace ?? null, live.namespace ?? null);
  if (!(turnedOff && !live.enabled)) check('enabled', planned.enabled, live.enabled);
  return out;
}

/** Human-readable reasons the plan no longer matches the live inventory; empty when it does. */
export function staleReasons(plan: Plan, inventory: Inventory, journal: Journal | null): string[] {
  const reasons: string[] = [];
  const live = new Map(inventory.clusters.map((c) => [c.id, c]));
  const offByUs = new Set(journal?.disabledClusters.map((d) => d.id) ?? []);
  for (const planned of plan.clusters) {
    const now = live.get(planned.id);
    if (!now) {
      reasons.push(`cluster ${planned.id} (${planned.name}) is gone`);
      continue;
    }
    const diff = differences(planned, now, offByUs.has(planned.id));
    if (diff.length) reasons.push(`cluster ${planned.id} (${planned.name}): ${diff.join(', ')}`);
  }
  const known = new Set(plan.clusters.map((c) => c.id));
  for (const c of inventory.clusters)
    if (!known.has(c.id)) reasons.push(`cluster ${c.id} (${c.name}) is new`);
  return reasons;
}
