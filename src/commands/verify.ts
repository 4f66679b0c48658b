// `migrate-clusters verify plan.json`: the continuity table, read live. For every project and
// environment that deploys through the plan's certificate clusters: the cluster its jobs used,
// the context they get once it is off, whether that reaches the same cluster, and whether every
// job selects it (the CI audit). Reads only. Exit 2 with --detailed-exitcode while a row fails.
import { journalPathFor, loadJournal } from '../apply/journal.js';
import { renderData } from '../report/data-output.js';
import { loadPlan } from '../apply/load-plan.js';
import { checkSameInstance, openKubeAccess } from '../apply/plan-access.js';
import { clustersOfAgents, readLiveClusters } from '../apply/status.js';
import { ExitCode, UserError } from '../errors.js';
import { createOutput } from '../output.js';
import { computePlan } from '../live-state/compute-plan.js';
import { renderContinuityTable } from '../report/continuity-table.js';
import { readLiveContinuity } from '../verify/live-continuity.js';
import { withDiscovery } from '../with-discovery.js';
import type { VerifyCommandOptions } from './options/status.js';
import { planOptionsOf } from './options/plan-options.js';

export async function runVerifyCommand(options: VerifyCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { planFile: planPath } = options;
  if (!planPath && !options.connection.demo)
    throw new UserError('verify needs a plan file.', {
      hint: 'Make one with `migrate-clusters plan --out plan.json`, then `migrate-clusters verify plan.json` (or try --demo).',
    });
  const given = planPath ? await loadPlan(planPath) : null;
  const journal = planPath ? await loadJournal(journalPathFor(planPath)) : null;
  return withDiscovery(options.connection, out, {}, async (inventory, connection) => {
    if (given && planPath) checkSameInstance(connection, given.gitlab.url, planPath);
    const plan = given ?? (await computePlan(connection.client, inventory, planOptionsOf({})));
    const clusters = await readLiveClusters(connection.client, clustersOfAgents(plan));
    const access = await openKubeAccess(connection, plan, clusters, options.kube);
    try {
      const live = await readLiveContinuity(
        { client: connection.client, kube: access.kube, now: () => new Date(), journal },
        plan,
      );
      const { rows, gates } = live.continuity;
      if (options.data)
        out.result(
          renderData(
            {
              gitlabUrl: connection.url,
              rows,
              clusters: [...gates.values()].sort((a, b) => a.clusterId - b.clusterId),
              audit: live.audits.filter((a) => a.jobs.length > 0 || a.problem),
            },
            options.data,
          ),
        );
      else
        out.result(
          renderContinuityTable(
            live.continuity,
            new Map(plan.clusters.map((c) => [c.id, c.name])),
            out.color,
          ),
        );
      const failing = rows.some((r) => !r.holds);
      return options.detailedExitcode && failing ? ExitCode.pending : ExitCode.ok;
    } finally {
      await access.close();
    }
  });
}
