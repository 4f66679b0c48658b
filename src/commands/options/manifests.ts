// `manifests`: its flags, and the options its action gets.
import type { Command } from 'commander';
import type { PlanOptions } from '../../plan/options.js';
import {
  connectionOptions,
  gitLabCommandOptions,
  type ConnectionFlagValues,
  type GitLabCommandOptions,
} from './common.js';
import { declareCommand } from './declare.js';
import { applyFlags, commandFlags, discoveryFlags, planFlags } from './flags.js';
import { planOptionsFromFlags, type PlanFlagValues } from './plan-options.js';

export interface ManifestsOptions extends GitLabCommandOptions {
  plan: PlanOptions;
  groups: string[];
  /** `<project path>:<agent name>`, or the agent name alone when only one agent has it */
  agent: string;
  /** --rbac as given (parsed where the manifests are rendered) */
  rbac: string;
}

interface ManifestsFlagValues extends ConnectionFlagValues, PlanFlagValues {
  agent: string;
  rbac: string;
  group?: string[];
}

export function declareManifests(
  program: Command,
  action: (options: ManifestsOptions) => Promise<void>,
): void {
  declareCommand(program, {
    name: 'manifests',
    description:
      "Print a planned agent's agentk objects as YAML (without the token Secret); changes nothing",
    options: [
      planFlags.instanceAuthorization(),
      planFlags.agentProjectName(),
      planFlags.agentProject(),
      commandFlags.agent(),
      applyFlags.rbac(),
      discoveryFlags.group('plan only this group and everything below it (repeatable)'),
      ...connectionOptions(),
    ],
    examples: [
      'migrate-clusters manifests --demo --agent payments/gitlab-agents:staging',
      'migrate-clusters manifests --agent platform/gitlab-agents:review-apps --rbac existing-role:gitlab-deployer > agentk.yaml',
      'migrate-clusters manifests --agent prod-eu | kubectl apply --dry-run=server -f -   # a unique agent name',
    ],
  }).action((flags: ManifestsFlagValues) =>
    action({
      ...gitLabCommandOptions(flags),
      plan: planOptionsFromFlags(flags),
      groups: flags.group ?? [],
      agent: flags.agent,
      rbac: flags.rbac,
    }),
  );
}
