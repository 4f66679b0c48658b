// `plan`: its flags, and the options its action gets.
import type { Command } from 'commander';
import type { PlanOptions } from '../../plan/options.js';
import {
  connectionOptions,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import { declareCommand } from './declare.js';
import { discoveryFlags, kubeFlags, planFlags, planOutputFlags, resultFlags } from './flags.js';
import { planOptionsFromFlags, type PlanFlagValues } from './plan-options.js';

export type PlanFormat = 'table' | 'json' | 'markdown' | 'junit';

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
  reportDir?: string;
  group?: string[];
  detailedExitcode?: boolean;
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
      // JSON for pipes and files, a table for people
      format: flags.format ?? (process.stdout.isTTY ? 'table' : 'json'),
      detailedExitcode: flags.detailedExitcode === true,
    }),
  );
}
