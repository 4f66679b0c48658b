// `plan`: its flags, and the options its action gets.
import type { Command } from 'commander';
import type { PlanOptions } from '../../plan/options.js';
import {
  connectionOptions,
  dataFormatOf,
  twoFormats,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import type { DataFormat } from '../../report/data-output.js';
import { declareCommand } from './declare.js';
import { discoveryFlags, kubeFlags, planFlags, planOutputFlags, resultFlags } from './flags.js';
import { planOptionsFromFlags, type PlanFlagValues } from './plan-options.js';

export type PlanFormat = 'table' | 'json' | 'yaml' | 'markdown' | 'junit';

export interface PlanCommandOptions extends GitLabCommandOptions {
  plan: PlanOptions;
  groups: string[];
  /** --out: where the plan file goes */
  out: string | undefined;
  reportDir: string | undefined;
  format: PlanFormat;
  detailedExitcode: boolean;
}

interface PlanCommandFlagValues extends ConnectionFlagValues, PlanFlagValues {
  out?: string;
  format?: PlanFormat;
  json?: boolean;
  output?: DataFormat;
  reportDir?: string;
  group?: string[];
  detailedExitcode?: boolean;
}

/**
 * A table unless asked otherwise, on a terminal or not: people read the log of a CI job too, and
 * the plan file is --out's (or --report-dir's) job.
 */
function planFormatOf(flags: PlanCommandFlagValues): PlanFormat {
  const data = dataFormatOf(flags);
  if (data && flags.format && flags.format !== data)
    throw twoFormats(`--format ${flags.format}`, flags.json ? '--json' : `-o ${data}`);
  return flags.format ?? data ?? 'table';
}

export function declarePlan(
  program: Command,
  action: (options: PlanCommandOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'plan',
    description:
      'Work out the migration (a dry run: nothing changes) and show it, or write plan.json and reports',
    options: [
      planFlags.instanceAuthorization(),
      planFlags.agentProjectName(),
      planFlags.agentProject(),
      planOutputFlags.out(),
      planOutputFlags.format(),
      resultFlags.json('print the plan as JSON on stdout (same as --format json)'),
      resultFlags.output(),
      planOutputFlags.reportDir(),
      discoveryFlags.group(),
      resultFlags.detailedExitcode(),
      planFlags.tier(),
      planFlags.userAccess(),
      kubeFlags.contextFor(),
      planFlags.noCiAudit(),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters plan --demo',
      'migrate-clusters plan --json > plan.json            # or -o yaml',
      'migrate-clusters plan --out plan.json --report-dir reports',
      'migrate-clusters plan --format markdown > plan.md',
      'migrate-clusters plan --detailed-exitcode --format junit > plan.junit.xml   # CI: exit 2 = pending',
    ],
  }).action((flags: PlanCommandFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      plan: planOptionsFromFlags(flags),
      groups: flags.group ?? [],
      out: flags.out,
      reportDir: flags.reportDir,
      format: planFormatOf(flags),
      detailedExitcode: flags.detailedExitcode === true,
    }),
  );
}
