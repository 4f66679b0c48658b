// `rollback`: its flags, and the options its action gets.
import type { Command } from 'commander';
import {
  connectionOptions,
  dataFormatOf,
  gitLabCommandOptions,
  kubeOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
  type KubeFlagValues,
  type KubeOptions,
} from './common.js';
import type { DataFormat } from '../../report/data-output.js';
import { declareCommand } from './declare.js';
import { commandFlags, kubeFlags, resultFlags } from './flags.js';

export interface RollbackCommandOptions extends GitLabCommandOptions {
  /** the plan file apply was given: its journal is beside it */
  /** none with --demo: the demo starts fresh, with nothing to undo */
  planFile: string | undefined;
  dryRun: boolean;
  yes: boolean;
  uninstall: boolean;
  /** --json / -o: data on stdout, or null for text */
  data: DataFormat | null;
  /** used with --uninstall only */
  kube: KubeOptions;
}

interface RollbackFlagValues extends ConnectionFlagValues, KubeFlagValues {
  dryRun?: boolean;
  yes?: boolean;
  uninstall?: boolean;
  json?: boolean;
  output?: DataFormat;
}

export function declareRollback(
  program: Command,
  action: (options: RollbackCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'rollback',
    description:
      'Undo the cut-over apply made: old clusters on again, its variables and environment links removed',
    argument: [
      '[plan]',
      'the plan file apply was given (its journal is beside it); none with --demo',
    ],
    options: [
      resultFlags.dryRun('say what it would undo; change nothing'),
      resultFlags.yes(),
      commandFlags.uninstall(),
      resultFlags.json(),
      resultFlags.output(),
      kubeFlags.kubeconfig(
        'kubeconfig to use with --uninstall (default: $KUBECONFIG, then ~/.kube/config)',
      ),
      kubeFlags.contextFor(),
      kubeFlags.sameCluster(
        'vouch that the --context-for context of cluster ID reaches that very cluster (repeatable)',
      ),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters rollback plan.json --dry-run',
      'migrate-clusters rollback plan.json --yes',
      'migrate-clusters rollback plan.json --yes --uninstall   # also remove agentk and the agents',
    ],
    note: 'Only what the journal (plan.json.state.json) records is undone; certificate clusters and projects are never deleted.',
  }).action((planFile: string | undefined, flags: RollbackFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      planFile,
      dryRun: flags.dryRun === true,
      yes: flags.yes === true,
      uninstall: flags.uninstall === true,
      data: dataFormatOf(flags),
      kube: kubeOptions(flags),
    }),
  );
}
