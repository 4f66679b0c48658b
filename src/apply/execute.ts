// The apply proper, shared by `apply` and the `migrate` wizard once it has its answers: the
// journal, the kube access, the engine with its progress, and the summary. Neither command
// imports the other: both call this.
import { ExitCode, ExitError } from '../errors.js';
import { renderData, type DataFormat } from '../report/data-output.js';
import { renderDryRunListing } from '../report/dry-run-listing.js';
import { emptyPreview } from './preview.js';
import type { Connection } from '../connection.js';
import type { Inventory } from '../discovery/types.js';
import { kasFromMetadata } from '../kube/kas.js';
import type { Output } from '../output.js';
import type { Plan } from '../plan/types.js';
import { abortableSleep } from '../abortable-sleep.js';
import { checkJournalBelongs, emptyJournal, loadJournal, type Journal } from './journal.js';
import { JournalStore } from './journal-store.js';
import { adoptOpenIntents } from './adopt-intents.js';
import { watchInterrupts } from './interrupt.js';
import { acquireLock } from './lock.js';
import { preflight } from './preflight.js';
import { createKubeAccess } from './kube-access.js';
import { runApply, selectAgents } from './run-apply.js';
import { renderApplySummary, summariseOutcomes } from './summary.js';
import { handOverItems, renderHandOver } from './hand-over.js';
import type { ApplySettings } from './types.js';

export interface ExecuteApplyInput {
  plan: Plan;
  inventory: Inventory;
  connection: Connection;
  settings: ApplySettings;
  /** --context-for CLUSTER_ID=CONTEXT */
  overrides: Record<number, string>;
  /** --same-cluster: clusters whose chosen context the user vouches for */
  sameCluster?: number[];
  out: Output;
  journalPath: string | null;
  existing: Journal | null;
  /** --json / -o: the outcome as data on stdout, progress off */
  data: DataFormat | null;
  kubeconfig?: string | undefined;
  /** the plan file, for messages */
  planPath?: string | undefined;
}

/** The apply proper, shared by `apply` and the `migrate` wizard once it has its answers. */
export async function executeApply(input: ExecuteApplyInput): Promise<ExitCode> {
  const { plan, inventory, connection, settings, overrides, out, journalPath, existing } = input;
  const agents = selectAgents(plan.agents, settings.only);
  const kas =
    settings.install === 'none'
      ? { address: null, version: null }
      : kasFromMetadata((await connection.client.metadata()).kas, connection.url);
  // One apply per plan at a time; the journal is read again under the lock (another run may
  // have finished since it was first read).
  const lock = journalPath && !settings.dryRun ? await acquireLock(journalPath, 'apply') : null;
  const interrupts = watchInterrupts((text) => out.info(text));
  let demo: Awaited<ReturnType<NonNullable<Connection['startDemoClusters']>>> | undefined;
  try {
    const loaded = lock && journalPath ? await loadJournal(journalPath) : existing;
    // the demo's instance gets a new port each time: its journals cannot be told apart by URL
    if (loaded && journalPath && !connection.demo)
      checkJournalBelongs(
        loaded,
        { gitlabUrl: plan.gitlab.url, planPath: input.planPath ?? journalPath },
        journalPath,
      );
    const journal = new JournalStore(
      loaded ?? emptyJournal(connection.url, plan.generatedAt),
      settings.dryRun ? null : journalPath,
    );
    // what a killed run (or a lost answer) made without recording it is recorded now
    if (!settings.dryRun) await adoptOpenIntents(connection.client, journal);
    demo = connection.demo
      ? await connection.startDemoClusters?.(inventory.clusters.map((c) => c.apiUrl))
      : undefined;
    const kube = createKubeAccess({
      ...(demo
        ? { kubeconfig: demo.kubeconfigPath }
        : input.kubeconfig
          ? { kubeconfig: input.kubeconfig }
          : {}),
      overrides,
      sameCluster: input.sameCluster ?? [],
      clusters: inventory.clusters.map((c) => ({ id: c.id, apiUrl: c.apiUrl, caCert: c.caCert })),
      ...(demo ? { serverOverrides: demo.serverOverrides } : {}),
    });
    await preflight({
      plan,
      agents,
      settings,
      kube,
      installed: new Set(journal.journal.installs.map((i) => i.ref)),
    });
    if (settings.dryRun) out.info(out.color.bold('Dry run: nothing will change.'));
    const preview = settings.dryRun ? emptyPreview() : undefined;
    const result = await runApply(
      {
        client: connection.client,
        kube,
        journal,
        now: () => new Date(),
        sleep: (ms) => abortableSleep(ms, interrupts.signal),
        signal: interrupts.signal,
        plan,
        settings: demo ? { ...settings, pollMs: 100 } : settings,
        kas: {
          address: 'address' in kas ? kas.address : null,
          version: 'version' in kas ? kas.version : null,
        },
        verified: new Set(),
        unverified: new Map(),
        projects: new Map(),
        ...(preview ? { preview } : {}),
      },
      agents,
      {
        // a terminal that reports no width (some CI consoles, a bare pty) gets plain lines
        renderer: input.data
          ? 'silent'
          : out.interactive && (process.stderr.columns || process.stdout.columns || 0) > 0
            ? 'default'
            : 'plain',
        write: (line) => out.info(line),
      },
    );
    await journal.flush();
    // nothing was sent after the write that failed; what was sent before is recorded
    if (journal.broken) throw journal.broken;
    const summary = summariseOutcomes(result.outcomes);
    const handOver = handOverItems(agents, result.outcomes, settings, kube);
    if (input.data)
      out.result(
        renderData(
          {
            ...summary,
            verified: result.verified,
            ...(handOver.length ? { handOver } : {}),
            ...(preview ? { dryRun: preview } : {}),
          },
          input.data,
        ),
      );
    else {
      // what it would do is the dry run's result: on stdout, like terraform plan's
      if (preview) out.result(renderDryRunListing(preview, out.color));
      out.info(renderApplySummary(summary, settings, out.color));
      const rerun = input.planPath ? `migrate-clusters apply ${input.planPath}` : 'apply';
      for (const line of renderHandOver(handOver, rerun)) out.info(line);
    }
    if (journalPath && !settings.dryRun) out.info(out.color.dim(`Journal: ${journalPath}`));
    if (interrupts.signal.aborted) {
      out.info('Interrupted; run apply again to resume.');
      throw new ExitError(ExitCode.interrupted);
    }
    if (summary.failed.length > 0) throw new ExitError(ExitCode.error);
    // CI must not go green while a person still has something to do
    if (summary.needsPerson.length > 0 && !settings.dryRun) return ExitCode.incomplete;
    return ExitCode.ok;
  } finally {
    interrupts.dispose();
    await demo?.close();
    await lock?.release();
  }
}
