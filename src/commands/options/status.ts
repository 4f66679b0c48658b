// `status` and `verify`, which read a plan's progress live: their flags, and the options their
// actions get.
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
import { kubeFlags, resultFlags } from './flags.js';

export interface ReadPlanOptions extends GitLabCommandOptions {
  kube: KubeOptions;
  /** --json / -o: data on stdout, or null for text */
  data: DataFormat | null;
  detailedExitcode: boolean;
}

export interface StatusCommandOptions extends ReadPlanOptions {
  /** none with --demo: plan now */
  planFile: string | undefined;
}

export interface VerifyCommandOptions extends ReadPlanOptions {
  /** none with --demo: plan now */
  planFile: string | undefined;
}

interface ReadPlanFlagValues extends ConnectionFlagValues, KubeFlagValues {
  json?: boolean;
  output?: DataFormat;
  detailedExitcode?: boolean;
}

const readPlanOptions = (flags: ReadPlanFlagValues): ReadPlanOptions => ({
  ...gitLabCommandOptions(flags),
  kube: kubeOptions(flags),
  data: dataFormatOf(flags),
  detailedExitcode: flags.detailedExitcode === true,
});

const kubeOptionList = () => [
  kubeFlags.kubeconfig(),
  kubeFlags.contextFor(),
  kubeFlags.sameCluster(),
];

export function declareStatus(
  program: Command,
  action: (options: StatusCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'status',
    description:
      'Show how far a plan has got, live from GitLab and the clusters (reads only; changes nothing)',
    argument: ['[plan]', 'plan file from `plan --out` (with --demo: plan now)'],
    options: [
      ...kubeOptionList(),
      resultFlags.json('print the status as JSON on stdout'),
      resultFlags.output(),
      resultFlags.detailedExitcode('exit 2 while some agent is not cut over, 0 when all are'),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters status plan.json',
      'migrate-clusters status --demo                        # the demo, planned now',
      "migrate-clusters status plan.json --json | jq '.agents[] | {ref, state}'",
      'migrate-clusters status plan.json --detailed-exitcode   # CI: exit 2 = not cut over yet',
    ],
  }).action((planFile: string | undefined, flags: ReadPlanFlagValues) =>
    action({ ...readPlanOptions(flags), planFile }),
  );
}

export function declareVerify(
  program: Command,
  action: (options: VerifyCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'verify',
    description:
      'Continuity, read live: does every job reach the cluster it used once the old one is off? (reads only)',
    argument: ['[plan]', 'plan file from `plan --out` (with --demo: plan now)'],
    options: [
      ...kubeOptionList(),
      resultFlags.json('print the rows, the clusters and the CI audit as JSON on stdout'),
      resultFlags.output(),
      resultFlags.detailedExitcode('exit 2 while some row does not hold, 0 when all do'),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters verify plan.json',
      'migrate-clusters verify --demo                       # every CI audit verdict on the demo',
      "migrate-clusters verify plan.json --json | jq '.rows[] | select(.holds | not)'",
      'migrate-clusters verify plan.json --detailed-exitcode   # CI: exit 2 = not safe to cut over yet',
    ],
  }).action((planFile: string | undefined, flags: ReadPlanFlagValues) =>
    action({ ...readPlanOptions(flags), planFile }),
  );
}
