// `apply`: its flags, and the options its action gets.
import type { Command } from 'commander';
import { applySettings, type ApplyFlags } from '../../apply/settings.js';
import type { ApplySettings } from '../../apply/types.js';
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
import { applyFlags, kubeFlags, resultFlags } from './flags.js';

export interface ApplyCommandOptions extends GitLabCommandOptions {
  /** the plan file; none with --demo (it plans now) */
  planFile: string | undefined;
  settings: ApplySettings;
  kube: KubeOptions;
  yes: boolean;
  refresh: boolean;
  /** --json / -o: data on stdout, or null for text */
  data: DataFormat | null;
}

interface ApplyFlagValues extends ConnectionFlagValues, KubeFlagValues, ApplyFlags {
  yes?: boolean;
  refresh?: boolean;
  json?: boolean;
  output?: DataFormat;
}

export function declareApply(
  program: Command,
  action: (options: ApplyCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'apply',
    description:
      'Carry a plan out: agent config, registration, token, agentk, variables, environments, cut-over',
    argument: ['[plan]', 'plan file from `plan --out` (optional with --demo)'],
    options: [
      kubeFlags.kubeconfig(),
      kubeFlags.contextFor(),
      kubeFlags.sameCluster(),
      resultFlags.dryRun(),
      resultFlags.yes(),
      applyFlags.only(),
      applyFlags.disableOldClusters(),
      applyFlags.fixCi(),
      applyFlags.configVia(),
      applyFlags.install(),
      applyFlags.outDir(),
      applyFlags.noWait(),
      applyFlags.parallel(),
      applyFlags.rbac(),
      applyFlags.forceConflicts(),
      applyFlags.refresh(),
      applyFlags.rolloutTimeout(),
      applyFlags.connectionTimeout(),
      resultFlags.json('print the outcome as JSON on stdout (progress stays off)'),
      resultFlags.output(),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters apply plan.json --dry-run',
      'migrate-clusters apply plan.json --yes',
      'migrate-clusters apply plan.json --only payments/gitlab-agents:staging --config-via merge-request',
      'migrate-clusters apply plan.json --yes --fix-ci merge-request   # also fix the deploy jobs that would break',
      'migrate-clusters apply plan.json --yes --disable-old-clusters   # turns off only what verify shows safe',
      'migrate-clusters apply --demo --yes                             # the whole journey on the demo',
    ],
    note: 'A journal of what apply did is kept beside the plan (plan.json.state.json, no secrets).',
  }).action((planFile: string | undefined, flags: ApplyFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      planFile,
      settings: applySettings(flags),
      kube: kubeOptions(flags),
      yes: flags.yes === true,
      refresh: flags.refresh === true,
      data: dataFormatOf(flags),
    }),
  );
}
