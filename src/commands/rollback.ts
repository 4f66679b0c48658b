// `migrate-clusters rollback plan.json`: undo the cut-over this tool made, as its journal records
// it. Asks first (unless --yes or --dry-run), prints one line per undo, and keeps the journal up
// to date as it goes so that a second run only finishes what the first could not.
import { confirm } from '@inquirer/prompts';
import { renderData } from '../report/data-output.js';
import type { ChalkInstance } from 'chalk';
import {
  checkJournalBelongs,
  journalPathFor,
  loadJournal,
  openIntents,
  type Journal,
} from '../apply/journal.js';
import { JournalStore } from '../apply/journal-store.js';
import { adoptOpenIntents } from '../apply/adopt-intents.js';
import { acquireLock } from '../apply/lock.js';
import { loadPlan } from '../apply/load-plan.js';
import {
  rollbackWork,
  runRollback,
  type RollbackOutcome,
  type RollbackSettings,
  type RollbackStatus,
} from '../apply/rollback.js';
import { clustersOfAgents, readLiveClusters } from '../apply/status.js';
import { createKubeAccess } from '../apply/kube-access.js';
import { connect, type Connection } from '../connection.js';
import { ExitCode, ExitError, UserError } from '../errors.js';
import { createOutput, type Output } from '../output.js';
import type { Plan } from '../plan/types.js';
import { checkSameInstance, openKubeAccess } from '../apply/plan-access.js';
import { assertWriteScope } from '../gitlab/token-scope.js';
import type { RollbackCommandOptions } from './options/rollback.js';

function mark(status: RollbackStatus, color: ChalkInstance): string {
  switch (status) {
    case 'done':
      return color.green('✔');
    case 'unchanged':
      return color.dim('=');
    case 'left-alone':
    case 'needs-person':
      return color.yellow('!');
    case 'held':
      return color.dim('-');
    case 'failed':
      return color.red('✗');
  }
}

const line = (o: RollbackOutcome, color: ChalkInstance) =>
  `${mark(o.status, color)} ${o.subject}: ${o.detail}`;

function countOf(outcomes: RollbackOutcome[]) {
  const n = (s: RollbackStatus) => outcomes.filter((o) => o.status === s).length;
  return {
    done: n('done'),
    unchanged: n('unchanged'),
    leftAlone: n('left-alone'),
    needsPerson: n('needs-person'),
    held: n('held'),
    failed: n('failed'),
  };
}

/** "Nothing to roll back", why, and (with --json / -o) the empty result: exit 0. */
function nothingToUndo(why: string, options: RollbackCommandOptions, out: Output): ExitCode {
  out.info(`Nothing to roll back: ${why}`);
  if (options.data) out.result(renderData({ outcomes: [], ...countOf([]) }, options.data));
  return ExitCode.ok;
}

export async function runRollbackCommand(options: RollbackCommandOptions): Promise<ExitCode> {
  const out = createOutput(options.output);
  const { planFile: planPath } = options;
  const settings = { dryRun: options.dryRun, uninstall: options.uninstall };
  if (!planPath) {
    if (!options.connection.demo)
      throw new UserError('rollback needs the plan file apply was given.', {
        hint: 'Its journal is beside it: migrate-clusters rollback plan.json',
      });
    // each --demo run starts its own instance: no apply has changed the one this run would see
    return nothingToUndo(
      'the demo instance starts fresh on every run, so no apply has changed it. (rollback PLAN --demo undoes what a demo apply of that plan file recorded.)',
      options,
      out,
    );
  }
  const plan = await loadPlan(planPath);
  const journalPath = journalPathFor(planPath);
  // no apply may change what the journal says while rollback reads and undoes it
  const lock = settings.dryRun ? null : await acquireLock(journalPath, 'rollback');
  try {
    return await rollBack(plan, planPath, journalPath, options, out, settings);
  } finally {
    await lock?.release();
  }
}

async function rollBack(
  plan: Plan,
  planPath: string,
  journalPath: string,
  options: RollbackCommandOptions,
  out: Output,
  settings: RollbackSettings,
): Promise<ExitCode> {
  const journal = await loadJournal(journalPath);
  // The plan file exists (loadPlan read it): nothing done yet is nothing to undo, as an empty
  // journal is. Exit 0 both ways; the line says which plan file apply would have recorded beside.
  if (!journal) {
    return nothingToUndo(
      `apply has not run for ${planPath} (no journal at ${journalPath}). rollback undoes what apply recorded beside the plan file it was given.`,
      options,
      out,
    );
  }
  const demo = options.connection.demo;
  if (!demo) checkJournalBelongs(journal, { gitlabUrl: plan.gitlab.url, planPath }, journalPath);
  const connection = await connect(options.connection, out);
  try {
    checkSameInstance(connection, journal.gitlabUrl, journalPath);
    const store = new JournalStore(journal, settings.dryRun ? null : journalPath);
    // what a killed apply made without recording it is undone too
    if (openIntents(journal).length) {
      if (settings.dryRun) {
        const adopted = new JournalStore(structuredClone(journal), null);
        await adoptOpenIntents(connection.client, adopted);
        Object.assign(journal, adopted.journal);
      } else await adoptOpenIntents(connection.client, store);
    }
    return await undoAll(plan, journal, journalPath, store, connection, options, out, settings);
  } finally {
    await connection.close();
  }
}

async function undoAll(
  plan: Plan,
  journal: Journal,
  journalPath: string,
  store: JournalStore,
  connection: Connection,
  options: RollbackCommandOptions,
  out: Output,
  settings: RollbackSettings,
): Promise<ExitCode> {
  const work = rollbackWork(journal, settings.uninstall);
  const total = Object.values(work).reduce((a, b) => a + b, 0);
  if (total === 0) {
    return nothingToUndo(
      `the journal records no change left to undo${settings.uninstall ? '' : ' (agentk and agents stay unless --uninstall)'}.`,
      options,
      out,
    );
  }
  const described = [
    work.clusters && `turn ${work.clusters} certificate cluster(s) on again`,
    work.variables && `remove ${work.variables} CI/CD variable(s)`,
    work.environments && `unlink ${work.environments} environment(s)`,
    work.installs && `uninstall agentk from ${work.installs} cluster(s)`,
    work.agents && `delete ${work.agents} agent(s)`,
    work.tokens && 'revoke the agent tokens it created',
  ].filter(Boolean);
  if (!settings.dryRun && !options.yes) {
    if (!out.interactive || !process.stdin.isTTY)
      throw new UserError('rollback changes GitLab, and nobody is here to confirm.', {
        hint: 'Pass --yes to go ahead, or --dry-run to see what it would undo.',
      });
    const go = await confirm({
      message: `Roll back ${journal.gitlabUrl}: ${described.join(', ')}?`,
      default: false,
    });
    if (!go) {
      out.info('Nothing changed.');
      return ExitCode.ok;
    }
  }

  {
    if (!settings.dryRun) await assertWriteScope(connection.client, 'rollback');
    const installed = plan.agents.filter((a) => journal.installs.some((i) => i.ref === a.ref));
    // Only --uninstall touches a cluster: without it, no kubeconfig is read (nor demo cluster run).
    const access =
      settings.uninstall && installed.length
        ? await openKubeAccess(
            connection,
            plan,
            await readLiveClusters(connection.client, clustersOfAgents(plan, installed)),
            options.kube,
          )
        : { kube: createKubeAccess({ overrides: {}, clusters: [] }), close: async () => {} };
    try {
      if (settings.dryRun) out.info(out.color.bold('Dry run: nothing will change.'));
      const outcomes = await runRollback(
        {
          client: connection.client,
          kube: access.kube,
          journal: store,
          plan,
          settings,
        },
        options.data ? undefined : (o) => out.info(line(o, out.color)),
      );
      const counts = countOf(outcomes);
      if (options.data) out.result(renderData({ outcomes, ...counts }, options.data));
      else
        out.info(
          out.color.bold(
            `\n${counts.done} ${settings.dryRun ? 'would be undone' : 'undone'} · ${counts.unchanged} already so · ${counts.leftAlone} left alone · ${counts.needsPerson} need a person · ${counts.held} held back · ${counts.failed} failed`,
          ),
        );
      if (!settings.dryRun) out.info(out.color.dim(`Journal: ${journalPath}`));
      if (counts.failed > 0) throw new ExitError(ExitCode.error);
      return ExitCode.ok;
    } finally {
      await access.close();
    }
  }
}
