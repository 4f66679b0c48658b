// `inventory`: its flags, and the options its action gets.
import type { Command } from 'commander';
import {
  connectionOptions,
  dataFormatOf,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import type { DataFormat } from '../../report/data-output.js';
import { declareCommand } from './declare.js';
import { discoveryFlags, resultFlags } from './flags.js';

export interface InventoryOptions extends GitLabCommandOptions {
  /** --json / -o: data on stdout, or null for text */
  data: DataFormat | null;
  groups: string[];
  strategy: 'auto' | 'full-scan';
}

interface InventoryFlagValues extends ConnectionFlagValues {
  json?: boolean;
  output?: DataFormat;
  group?: string[];
  strategy: 'auto' | 'full-scan';
}

export function declareInventory(
  program: Command,
  action: (options: InventoryOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'inventory',
    description:
      'List every certificate-based cluster (instance, group and project level) as GitLab reports it',
    options: [
      resultFlags.json('print the inventory as JSON on stdout (contract: inventory.schema.json)'),
      resultFlags.output(),
      discoveryFlags.group(),
      discoveryFlags.strategy(),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters inventory --demo',
      'migrate-clusters inventory --gitlab-url https://gitlab.example.com --group platform/infra',
      'migrate-clusters inventory --json | jq ".clusters[] | select(.enabled)"',
    ],
  }).action((flags: InventoryFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      data: dataFormatOf(flags),
      groups: flags.group ?? [],
      strategy: flags.strategy,
    }),
  );
}
