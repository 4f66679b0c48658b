// `migrate-clusters inventory`: what certificate-based clusters exist, as found.
import type { ConnectionFlags } from '../connection.js';
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';
import { renderInventoryTable } from '../report/inventory-table.js';
import { withDiscovery } from './with-discovery.js';

export interface InventoryOptions extends ConnectionFlags {
  json?: boolean;
  group?: string[];
  strategy?: 'auto' | 'full-scan';
  color?: boolean;
  verbose?: boolean;
}

export async function runInventory(options: InventoryOptions): Promise<ExitCode> {
  const out = createOutput({ color: options.color ?? true, verbose: options.verbose ?? false });
  const inventory = await withDiscovery(
    options,
    out,
    { groups: options.group ?? [], strategy: options.strategy ?? 'auto' },
    (found) => Promise.resolve(found),
  );
  out.result(
    options.json ? JSON.stringify(inventory, null, 2) : renderInventoryTable(inventory, out.color),
  );
  return ExitCode.ok;
}
