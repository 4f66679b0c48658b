// `migrate` (the wizard): its flags, and the options its action gets.
import type { Command } from 'commander';
import type { PlanOptions } from '../../plan/options.js';
import {
  connectionOptions,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import { declareCommand } from './declare.js';
import { commandFlags, kubeFlags, planFlags } from './flags.js';
import { planOptionsFromFlags, type PlanFlagValues } from './plan-options.js';

export interface MigrateCommandOptions extends GitLabCommandOptions {
  /** --plan: a reviewed plan; none: plan now, with `plan` */
  planFile: string | undefined;
  /** how to plan without --plan (its contextFor is also the wizard's pre-selection) */
  plan: PlanOptions;
  kubeconfig: string | undefined;
}

interface MigrateFlagValues extends ConnectionFlagValues, PlanFlagValues {
  plan?: string;
  kubeconfig?: string;
}

export function declareMigrate(
  program: Command,
  action: (options: MigrateCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'migrate',
    description:
      'Interactive wizard: pick agents, confirm names and kube contexts, then apply (needs a terminal)',
    options: [
      commandFlags.plan(),
      kubeFlags.kubeconfig(),
      kubeFlags.contextFor(
        'pre-select the kubeconfig context that reaches certificate cluster ID (repeatable)',
      ),
      planFlags.instanceAuthorization(
        'the admin setting "Enable instance level authorization" is on (17.11+; without --plan)',
      ),
      planFlags.tier('GitLab tier (without --plan)'),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters migrate --demo                  # the whole journey on the demo',
      'migrate-clusters migrate --plan plan.json        # a reviewed plan',
      'migrate-clusters migrate --context-for 4=prod-eu --kubeconfig ~/.kube/prod.yaml',
    ],
    note: 'Without a terminal (CI), use `migrate-clusters apply plan.json --yes` instead. Ctrl-C at any question changes nothing.',
  }).action((flags: MigrateFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      planFile: flags.plan,
      plan: planOptionsFromFlags(flags),
      kubeconfig: flags.kubeconfig,
    }),
  );
}
