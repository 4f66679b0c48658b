// `migrate-clusters apply plan.json`: carry a reviewed plan out. Checks the plan still matches
// GitLab, asks before changing anything (unless --yes or --dry-run), runs the engine with progress,
// and ends with what was done, what was skipped and what needs a person.
import { confirm } from '@inquirer/prompts';
import { renderData } from '../report/data-output.js';
import { executeApply } from '../apply/execute.js';
import { journalPathFor, loadJournal } from '../apply/journal.js';
import { loadPlan } from '../apply/load-plan.js';
import { selectAgents } from '../apply/run-apply.js';
import { staleReasons } from '../apply/stale.js';
import { ExitCode, UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { assertWriteScope } from '../gitlab/token-scope.js';
import { createOutput } from '../output.js';
import { computePlan } from '../live-state/compute-plan.js';
import type { Plan } from '../plan/types.js';
import { renderPlanJson } from '../plan/plan-file.js';
import { renderPendingSteps } from '../report/pending-steps.js';
import { withDiscovery } from '../with-discovery.js';
import type { ApplyCommandOptions } from './options/apply.js';
import { planOptionsOf } from './options/plan-options.js';

export async function runApplyCommand(options: ApplyCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { planFile: planPath, settings } = options;
  if (!planPath && !options.connection.demo)
    throw new UserError('apply needs a plan file.', {
      hint: 'Make one with `migrate-clusters plan --out plan.json`, review it, then `migrate-clusters apply plan.json`.',
    });
  let plan: Plan | null = planPath ? await loadPlan(planPath) : null;
  const journalPath = planPath ? journalPathFor(planPath) : null;

  return withDiscovery(options.connection, out, {}, async (inventory, connection) => {
    if (plan && !connection.demo && plan.gitlab.url !== connection.url)
      throw new UserError(`${planPath} was made for ${plan.gitlab.url}, not ${connection.url}.`, {
        hint: 'Point --gitlab-url at the plan’s instance, or make a plan for this one.',
      });
    const existing = journalPath ? await loadJournal(journalPath) : null;
    if (plan) {
      const reasons = staleReasons(plan, inventory, existing);
      if (reasons.length > 0 && !options.refresh) {
        throw new UserError(
          `${planPath} is stale: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? ` (and ${reasons.length - 3} more)` : ''}.`,
          {
            hint: 'Make a new plan and review it (`migrate-clusters plan --out plan.json`), or pass --refresh to re-plan now with the same options.',
          },
        );
      }
      if (reasons.length > 0)
        out.info(`The plan was stale (${reasons.length} change(s)): re-planning.`);
    }
    if (!plan || options.refresh) {
      // with the options the plan was made with (--demo without a plan: the defaults)
      const planOptions = planOptionsOf(
        plan ? { ...plan.options, instanceAuthorization: plan.gitlab.instanceAuthorization } : {},
      );
      plan = await computePlan(connection.client, inventory, planOptions);
      if (planPath && !settings.dryRun) await writeFileAtomic(planPath, renderPlanJson(plan));
    }
    const agents = selectAgents(plan.agents, settings.only);
    const pending = plan.steps.filter((s) => agents.some((a) => a.ref === s.agent));
    if (pending.length === 0) {
      out.info('Nothing to do: every selected agent is cut over.');
      if (options.data) out.result(renderData({ outcomes: [], verified: [] }, options.data));
      return ExitCode.ok;
    }

    if (!settings.dryRun) await assertWriteScope(connection.client, 'apply');
    if (!settings.dryRun && !options.yes) {
      if (!out.interactive || !process.stdin.isTTY)
        throw new UserError(
          'apply changes GitLab and your clusters, and nobody is here to confirm.',
          {
            hint: 'Pass --yes to go ahead, or --dry-run to see every change first.',
          },
        );
      out.info(
        renderPendingSteps(agents, pending, {
          disableOldClusters: settings.disableOldClusters,
          configVia: settings.configVia,
          color: out.color,
        }),
      );
      const go = await confirm({
        message: `Apply ${pending.length} step(s) for ${agents.length} agent(s) to ${connection.url}?`,
        default: false,
      });
      if (!go) {
        out.info('Nothing changed.');
        return ExitCode.ok;
      }
    }

    return executeApply({
      plan,
      inventory,
      connection,
      settings,
      overrides: options.kube.contextFor,
      sameCluster: options.kube.sameCluster,
      out,
      journalPath,
      planPath,
      existing,
      data: options.data,
      kubeconfig: options.kube.kubeconfig,
    });
  });
}
