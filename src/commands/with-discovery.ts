// What inventory and plan share: connect (or start the demo), log retries, show progress on a
// terminal, discover the inventory, and always close the connection.
import { openConnection, type Connection, type ConnectionFlags } from '../connection.js';
import { discoverInventory, type DiscoverOptions } from '../discovery/discover.js';
import type { Inventory } from '../discovery/types.js';
import type { Output } from '../output.js';
import { createProgressLine } from '../report/progress-line.js';

export async function withDiscovery<T>(
  flags: ConnectionFlags,
  out: Output,
  discover: Omit<DiscoverOptions, 'onProgress'>,
  use: (inventory: Inventory, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await openConnection(flags, (retry) =>
    out.verbose(`retrying a GitLab request (${retry.reason}) in ${Math.round(retry.waitMs)} ms`),
  );
  const progress = createProgressLine(process.stderr, out.interactive);
  try {
    if (connection.demo) out.info(out.color.dim(`Demo: simulated GitLab at ${connection.url}`));
    const inventory = await discoverInventory(connection.client, {
      ...discover,
      onProgress: (p) => progress.update(p),
    });
    progress.done();
    return await use(inventory, connection);
  } finally {
    progress.done();
    await connection.close();
  }
}
