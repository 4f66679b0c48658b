// `migrate-clusters inventory`: what certificate-based clusters exist, as found.
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';
import { renderInventoryTable } from '../report/inventory-table.js';
import { withDiscovery } from '../with-discovery.js';
import type { InventoryOptions } from './options/inventory.js';

export async function runInventory(options: InventoryOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const inventory = await withDiscovery(
    options.connection,
    out,
    { groups: options.groups, strategy: options.strategy },
    (found) => Promise.resolve(found),
  );
  out.result(
    options.json ? JSON.stringify(inventory, null, 2) : renderInventoryTable(inventory, out.color),
  );
  return ExitCode.ok;
}
