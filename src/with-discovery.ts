// What the commands that discover share (inventory, plan, manifests, apply, migrate, verify):
// connect (or start the demo), show progress on a terminal, discover the inventory, and always
// close the connection.
import { connect, type Connection, type ConnectionOptions } from './connection.js';
import { discoverInventory, type DiscoverOptions } from './discovery/discover.js';
import type { Inventory } from './discovery/types.js';
import type { Output } from './output.js';
import { createProgressLine } from './report/progress-line.js';

export async function withDiscovery<T>(
  options: ConnectionOptions,
  out: Output,
  discover: Omit<DiscoverOptions, 'onProgress'>,
  use: (inventory: Inventory, connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(options, out);
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
