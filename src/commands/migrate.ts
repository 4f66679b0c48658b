// `migrate-clusters migrate`: the interactive wizard. Refuses without a terminal (CI uses
// `apply plan.json --yes`), loads or makes the plan, then asks and applies (src/wizard).
import { journalPathFor, loadJournal } from '../apply/journal.js';
import { loadPlan } from '../apply/load-plan.js';
import { staleReasons } from '../apply/stale.js';
import { UserError, type ExitCode } from '../errors.js';
import { createOutput } from '../output.js';
import { computePlan } from '../live-state/compute-plan.js';
import { refuseUnknownPlanChoices } from '../flag-values.js';
import type { Plan } from '../plan/types.js';
import { inquirerPrompter } from '../wizard/prompter.js';
import { runWizard } from '../wizard/run-wizard.js';
import { withDiscovery } from '../with-discovery.js';
import type { MigrateCommandOptions } from './options/migrate.js';

interface Terminal {
  env: NodeJS.ProcessEnv;
  stdin: { isTTY?: boolean };
  stdout: { isTTY?: boolean };
}

/** The wizard needs a person at a terminal: in CI or a pipe, say what to run instead. */
export function assertTerminal(
  terminal: Terminal = { env: process.env, stdin: process.stdin, stdout: process.stdout },
): void {
  if (terminal.stdin.isTTY === true && terminal.stdout.isTTY === true && !terminal.env.CI) return;
  throw new UserError('migrate asks questions and needs a terminal, but there is none here.', {
    hint: 'Without one, review a plan and apply it: `migrate-clusters plan --out plan.json`, then `migrate-clusters apply plan.json --yes`.',
  });
}

export async function runMigrateCommand(options: MigrateCommandOptions): Promise<ExitCode> {
  assertTerminal();
  const out = createOutput(options.output);
  const planPath = options.planFile ?? null;
  const loaded: Plan | null = planPath ? await loadPlan(planPath) : null;
  const journalPath = planPath ? journalPathFor(planPath) : null;

  return withDiscovery(options.connection, out, {}, async (inventory, connection) => {
    if (loaded && !connection.demo && loaded.gitlab.url !== connection.url)
      throw new UserError(`${planPath} was made for ${loaded.gitlab.url}, not ${connection.url}.`, {
        hint: 'Point --gitlab-url at the plan’s instance, or run migrate without --plan to plan this one.',
      });
    const existing = journalPath ? await loadJournal(journalPath) : null;
    if (loaded) {
      const reasons = staleReasons(loaded, inventory, existing);
      if (reasons.length > 0)
        throw new UserError(
          `${planPath} is stale: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? ` (and ${reasons.length - 3} more)` : ''}.`,
          {
            hint: 'Run migrate without --plan to plan afresh, or make a new plan (`migrate-clusters plan --out plan.json`) and review it.',
          },
        );
    }
    const plan = loaded ?? (await computePlan(connection.client, inventory, options.plan));
    if (!loaded)
      refuseUnknownPlanChoices(options.plan, { clusters: inventory.clusters, agents: plan.agents });
    return runWizard({
      plan,
      inventory,
      connection,
      out,
      prompter: inquirerPrompter(),
      kubeconfig: options.kubeconfig,
      overrides: options.plan.contextFor,
      planPath,
      existing,
    });
  });
}
