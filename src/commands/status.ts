// `migrate-clusters status plan.json`: how far the plan has got, live from GitLab and the clusters.
// Reads only (GETs, in GitLab and Kubernetes), so it is safe to run at any time; a table on a
// terminal, JSON with --json, exit 2 with --detailed-exitcode while something is pending.
import { checkJournalBelongs, journalPathFor, loadJournal } from '../apply/journal.js';
import { renderData } from '../report/data-output.js';
import { loadPlan } from '../apply/load-plan.js';
import { checkSameInstance, openKubeAccess } from '../apply/plan-access.js';
import { clustersOfAgents, readLiveClusters, readPlanStatus } from '../apply/status.js';
import { connect } from '../connection.js';
import { ExitCode } from '../errors.js';
import { createOutput } from '../output.js';
import { renderStatusTable } from '../report/status-table.js';
import type { StatusCommandOptions } from './options/status.js';

export async function runStatusCommand(options: StatusCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { planFile: planPath } = options;
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
  } finally {
    await connection.close();
  }
}
