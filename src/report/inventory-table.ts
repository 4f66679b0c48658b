// The human rendering of an inventory: one row per certificate cluster, then a summary and warnings.
import type { ChalkInstance } from 'chalk';
import type { Inventory, InventoryCluster } from '../discovery/types.js';
import { normaliseApiUrl } from '../discovery/api-url.js';
import { renderTable } from './text-table.js';

function state(cluster: InventoryCluster, color: ChalkInstance): string {
  const parts = [cluster.enabled ? color.green('enabled') : color.dim('disabled')];
  if (cluster.managed) parts.push('managed');
  return parts.join(', ');
}

export function renderInventoryTable(inventory: Inventory, color: ChalkInstance): string {
  const { clusters, gitlab, warnings } = inventory;
  const out: string[] = [];
  if (clusters.length === 0) {
    out.push('No certificate-based clusters found.');
  } else {
    const rows = clusters.map((c) => [
      String(c.id),
      c.level,
      c.owner ?? color.dim('(instance)'),
      c.name,
      c.environmentScope,
      c.apiUrl ?? color.dim('-'),
      state(c, color),
    ]);
    out.push(
      renderTable(
        ['ID', 'LEVEL', 'OWNER', 'NAME', 'SCOPE', 'API URL', 'STATE'].map((h) => color.bold(h)),
        rows,
      ),
    );
  }
  const physical = new Set(clusters.map((c) => normaliseApiUrl(c.apiUrl))).size;
  const disabled = clusters.filter((c) => !c.enabled).length;
  out.push('');
  out.push(
    `${clusters.length} certificate cluster${clusters.length === 1 ? '' : 's'}` +
      (disabled ? ` (${disabled} disabled)` : '') +
      ` on ${physical} physical cluster${physical === 1 ? '' : 's'} · GitLab ${gitlab.version ?? 'unknown'} · ` +
      `${gitlab.discovery} · ${gitlab.apiCalls} API calls`,
  );
  if (inventory.scope.length > 0) out.push(`Scope: ${inventory.scope.join(', ')}`);
  for (const w of warnings) out.push(`${color.yellow('warning')} [${w.code}] ${w.message}`);
  return out.join('\n');
}
