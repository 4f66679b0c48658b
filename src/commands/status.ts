// `migrate-clusters status plan.json`: how far the plan has got, live from GitLab and the clusters.
// Reads only (GETs, in GitLab and Kubernetes), so it is safe to run at any time; a table on a
// terminal, JSON with --json, exit 2 with --detailed-exitcode while something is pending.
import {
  checkJournalBelongs,
  journalPathFor,
  loadJournal,
  type Journal,
} from '../apply/journal.js';
import { renderData } from '../report/data-output.js';
import { loadPlan } from '../apply/load-plan.js';
import { checkSameInstance, openKubeAccess } from '../apply/plan-access.js';
import { clustersOfAgents, readLiveClusters, readPlanStatus } from '../apply/status.js';
import { connect, type Connection } from '../connection.js';
import { computePlan } from '../live-state/compute-plan.js';
import type { Plan } from '../plan/types.js';
import { withDiscovery } from '../with-discovery.js';
import { planOptionsOf } from './options/plan-options.js';
import { ExitCode, UserError } from '../errors.js';
import { createOutput, type Output } from '../output.js';
import { renderStatusTable } from '../report/status-table.js';
import type { StatusCommandOptions } from './options/status.js';

export async function runStatusCommand(options: StatusCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { planFile: planPath } = options;
  if (!planPath) {
    if (!options.connection.demo)
      throw new UserError('status needs a plan file.', {
        hint: 'Make one with `migrate-clusters plan --out plan.json`, then `migrate-clusters status plan.json` (or try --demo).',
      });
    // the demo, planned now: where a fresh instance stands (nothing done yet)
    return withDiscovery(options.connection, out, {}, async (inventory, connection) => {
      const plan = await computePlan(connection.client, inventory, planOptionsOf({}));
      return showStatus(plan, null, connection, options, out);
    });
  }
  const plan = await loadPlan(planPath);
  const journal = await loadJournal(journalPathFor(planPath));
  const connection = await connect(options.connection, out);
  try {
    checkSameInstance(connection, plan.gitlab.url, planPath);
    if (journal && !connection.demo)
      checkJournalBelongs(
        journal,
        { gitlabUrl: plan.gitlab.url, planPath },
        journalPathFor(planPath),
      );
    return await showStatus(plan, journal, connection, options, out);
  } finally {
    await connection.close();
  }
}

async function showStatus(
  plan: Plan,
  journal: Journal | null,
  connection: Connection,
  options: StatusCommandOptions,
  out: Output,
): Promise<ExitCode> {
  const clusters = await readLiveClusters(connection.client, clustersOfAgents(plan));
  const access = await openKubeAccess(connection, plan, clusters, options.kube);
  try {
    const status = await readPlanStatus(plan, {
      client: connection.client,
      kube: access.kube,
      journal,
      clusters,
      now: () => new Date(),
    });
    if (options.data) out.result(renderData(status, options.data));
    else out.result(renderStatusTable({ ...status, gitlabUrl: connection.url }, out.color));
    return options.detailedExitcode && status.pending ? ExitCode.pending : ExitCode.ok;
  } finally {
    await access.close();
  }
}
