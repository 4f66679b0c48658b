// `migrate-clusters inventory`: what certificate-based clusters exist, as found.
import { openConnection, type ConnectionFlags } from '../connection.js';
import { discoverInventory } from '../discovery/discover.js';
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';
import { renderInventoryTable } from '../report/inventory-table.js';
import { createProgressLine } from '../report/progress-line.js';

export interface InventoryOptions extends ConnectionFlags {
  json?: boolean;
  group?: string[];
  strategy?: 'auto' | 'full-scan';
  color?: boolean;
  verbose?: boolean;
}

export async function runInventory(options: InventoryOptions): Promise<ExitCode> {
  const out = createOutput({ color: options.color ?? true, verbose: options.verbose ?? false });
  const connection = await openConnection(options, (retry) =>
    out.verbose(`retrying a GitLab request (${retry.reason}) in ${Math.round(retry.waitMs)} ms`),
  );
  const progress = createProgressLine(process.stderr, out.interactive);
  try {
    if (connection.demo) out.info(out.color.dim(`Demo: simulated GitLab at ${connection.url}`));
    const inventory = await discoverInventory(connection.client, {
      groups: options.group ?? [],
      strategy: options.strategy ?? 'auto',
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    out.result(
      options.json
        ? JSON.stringify(inventory, null, 2)
        : renderInventoryTable(inventory, out.color),
    );
    return ExitCode.ok;
  } finally {
    progress.done();
    await connection.close();
  }
}
