// `migrate-clusters inventory`: what certificate-based clusters exist, as found.
import { ExitCode } from '../errors.js';
import { renderData } from '../report/data-output.js';
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
    options.data ? renderData(inventory, options.data) : renderInventoryTable(inventory, out.color),
  );
  return ExitCode.ok;
}
