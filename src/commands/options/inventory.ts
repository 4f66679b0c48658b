// `inventory`: its flags, and the options its action gets.
import type { Command } from 'commander';
import {
  connectionOptions,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import { declareCommand } from './declare.js';
import { discoveryFlags, resultFlags } from './flags.js';

export interface InventoryOptions extends GitLabCommandOptions {
  json: boolean;
  groups: string[];
  strategy: 'auto' | 'full-scan';
}

interface InventoryFlagValues extends ConnectionFlagValues {
  json?: boolean;
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
      json: flags.json === true,
      groups: flags.group ?? [],
      strategy: flags.strategy,
    }),
  );
}
