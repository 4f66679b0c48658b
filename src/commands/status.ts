// `migrate-clusters status plan.json`: how far the plan has got, live from GitLab and the clusters.
// Reads only (GETs, in GitLab and Kubernetes), so it is safe to run at any time; a table on a
// terminal, JSON with --json, exit 2 with --detailed-exitcode while something is pending.
import { createKubeAccess } from '../apply/kube-access.js';
import { journalPathFor, loadJournal } from '../apply/journal.js';
import { loadPlan } from '../apply/load-plan.js';
import {
  clustersOfAgents,
  readLiveClusters,
  readPlanStatus,
  type LiveCluster,
} from '../apply/status.js';
import type { KubeAccess } from '../apply/types.js';
import { openConnection, type Connection, type ConnectionFlags } from '../connection.js';
import { ExitCode, UserError } from '../errors.js';
import { createOutput, type Output } from '../output.js';
import type { Plan } from '../plan/types.js';
import { renderStatusTable } from '../report/status-table.js';
import { parseContextFor, parseSameCluster } from './apply.js';

export interface StatusCommandOptions extends ConnectionFlags {
  json?: boolean;
  kubeconfig?: string;
  contextFor?: string[];
  sameCluster?: string[];
  detailedExitcode?: boolean;
  color?: boolean;
  verbose?: boolean;
}

/** A plan (or journal) belongs to one GitLab instance; the demo starts on a new port each time. */
export function checkSameInstance(connection: Connection, url: string, file: string): void {
  if (connection.demo || url === connection.url) return;
  throw new UserError(`${file} was made for ${url}, not ${connection.url}.`, {
    hint: 'Point --gitlab-url at that instance, or pass the plan made for this one.',
  });
}

export async function connect(options: ConnectionFlags, out: Output): Promise<Connection> {
  return openConnection(options, (retry) =>
    out.verbose(`retrying a GitLab request (${retry.reason}) in ${Math.round(retry.waitMs)} ms`),
  );
}

/**
 * The kube contexts that reach the plan's clusters, matched as apply matches them (API URL and
 * CA as GitLab has them now, --context-for first). For --demo, the demo's simulated clusters.
 */
export async function openKubeAccess(
  connection: Connection,
  plan: Plan,
  live: Map<number, LiveCluster | null>,
  options: {
    kubeconfig?: string | undefined;
    contextFor?: string[] | undefined;
    sameCluster?: string[] | undefined;
  },
): Promise<{ kube: KubeAccess; close: () => Promise<void> }> {
  const clusters = clustersOfAgents(plan).map((c) => ({
    id: c.id,
    apiUrl: live.get(c.id)?.apiUrl ?? c.apiUrl,
    caCert: live.get(c.id)?.caCert ?? null,
  }));
  const demo = connection.demo
    ? await connection.startDemoClusters?.(clusters.map((c) => c.apiUrl))
    : undefined;
  const kubeconfig = demo?.kubeconfigPath ?? options.kubeconfig;
  const kube = createKubeAccess({
    ...(kubeconfig ? { kubeconfig } : {}),
    overrides: parseContextFor(options.contextFor),
    sameCluster: parseSameCluster(options.sameCluster),
    clusters,
    ...(demo ? { serverOverrides: demo.serverOverrides } : {}),
  });
  return { kube, close: async () => demo?.close() };
}

export async function runStatusCommand(
  planPath: string,
  options: StatusCommandOptions,
): Promise<ExitCode> {
  const out = createOutput({ color: options.color ?? true, verbose: options.verbose ?? false });
  parseContextFor(options.contextFor); // a malformed flag fails before anything is read
  const plan = await loadPlan(planPath);
  const journal = await loadJournal(journalPathFor(planPath));
  const connection = await connect(options, out);
  try {
    checkSameInstance(connection, plan.gitlab.url, planPath);
    const clusters = await readLiveClusters(connection.client, clustersOfAgents(plan));
    const access = await openKubeAccess(connection, plan, clusters, options);
    try {
      const status = await readPlanStatus(plan, {
        client: connection.client,
        kube: access.kube,
        journal,
        clusters,
        now: () => new Date(),
      });
      if (options.json) out.result(JSON.stringify(status, null, 2));
      else out.result(renderStatusTable({ ...status, gitlabUrl: connection.url }, out.color));
      return options.detailedExitcode && status.pending ? ExitCode.pending : ExitCode.ok;
    } finally {
      await access.close();
    }
  } finally {
    await connection.close();
  }
}
