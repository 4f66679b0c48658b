// `migrate-clusters apply plan.json`: carry a reviewed plan out. Checks the plan still matches
// GitLab, asks before changing anything (unless --yes or --dry-run), runs the engine with progress,
// and ends with what was done, what was skipped and what needs a person.
import { confirm } from '@inquirer/prompts';
import { createKubeAccess } from '../apply/kube-access.js';
import { emptyJournal, journalPathFor, JournalStore, loadJournal } from '../apply/journal.js';
import { loadPlan } from '../apply/load-plan.js';
import { runApply, selectAgents } from '../apply/run-apply.js';
import { staleReasons } from '../apply/stale.js';
import { renderApplySummary, summariseOutcomes } from '../apply/summary.js';
import type { ApplySettings, ConfigVia, InstallMode } from '../apply/types.js';
import type { Connection, ConnectionFlags } from '../connection.js';
import type { Inventory } from '../discovery/types.js';
import type { Output } from '../output.js';
import type { Journal } from '../apply/journal.js';
import { ExitCode, ExitError, UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { assertWriteScope } from '../gitlab/token-scope.js';
import { kasFromMetadata } from '../kube/kas.js';
import { createOutput } from '../output.js';
import { computePlan } from '../plan/compute-plan.js';
import { defaultPlanOptions } from '../plan/options.js';
import type { Plan } from '../plan/types.js';
import { renderPlanJson } from '../report/plan-json.js';
import { parsePairs } from './plan.js';
import { withDiscovery } from './with-discovery.js';

export interface ApplyCommandOptions extends ConnectionFlags {
  dryRun?: boolean;
  yes?: boolean;
  only?: string[];
  disableOldClusters?: boolean;
  configVia?: ConfigVia;
  install?: InstallMode;
  wait?: boolean;
  outDir?: string;
  kubeconfig?: string;
  contextFor?: string[];
  sameCluster?: string[];
  fixCi?: 'merge-request';
  rbac?: string;
  forceConflicts?: boolean;
  refresh?: boolean;
  json?: boolean;
  rolloutTimeout?: number;
  connectionTimeout?: number;
  color?: boolean;
  verbose?: boolean;
}

export function parseContextFor(values: string[] | undefined): Record<number, string> {
  return Object.fromEntries(
    parsePairs('--context-for', values).map(([id, context]) => {
      if (!/^\d+$/.test(id))
        throw new UserError(`--context-for needs a cluster id before "=", got "${id}".`, {
          hint: 'Cluster ids are listed by `migrate-clusters inventory`.',
        });
      return [Number(id), context];
    }),
  );
}

/** --same-cluster ID (repeatable): cluster ids. */
export function parseSameCluster(values: string[] | undefined): number[] {
  return (values ?? []).map((id) => {
    if (!/^\d+$/.test(id))
      throw new UserError(`--same-cluster needs a certificate cluster id, got "${id}".`, {
        hint: 'Cluster ids are listed by `migrate-clusters inventory`.',
      });
    return Number(id);
  });
}

export function applySettings(options: ApplyCommandOptions): ApplySettings {
  const configVia = options.configVia ?? 'commit';
  const install = options.install ?? 'apply';
  if ((configVia === 'files' || install === 'manifests') && !options.outDir)
    throw new UserError(
      `--${configVia === 'files' ? 'config-via files' : 'install manifests'} writes files: say where with --out-dir DIR.`,
    );
  return {
    dryRun: options.dryRun ?? false,
    only: options.only ?? [],
    disableOldClusters: options.disableOldClusters ?? false,
    configVia,
    install,
    outDir: options.outDir ?? null,
    wait: options.wait ?? true,
    rolloutDeadlineMs: (options.rolloutTimeout ?? 300) * 1000,
    connectionDeadlineMs: (options.connectionTimeout ?? 300) * 1000,
    pollMs: 1000,
    forceConflicts: options.forceConflicts ?? false,
    rbac: options.rbac ?? 'cluster-admin',
    fixCi: options.fixCi ?? null,
  };
}

export async function runApplyCommand(
  planPath: string | undefined,
  options: ApplyCommandOptions,
): Promise<ExitCode> {
  const out = createOutput({ color: options.color ?? true, verbose: options.verbose ?? false });
  const settings = applySettings(options);
  const overrides = parseContextFor(options.contextFor);
  const sameCluster = parseSameCluster(options.sameCluster);
  if (!planPath && !options.demo)
    throw new UserError('apply needs a plan file.', {
      hint: 'Make one with `migrate-clusters plan --out plan.json`, review it, then `migrate-clusters apply plan.json`.',
    });
  let plan: Plan | null = planPath ? await loadPlan(planPath) : null;
  const journalPath = planPath ? journalPathFor(planPath) : null;

  return withDiscovery(options, out, {}, async (inventory, connection) => {
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
      plan = await computePlan(connection.client, inventory, {
        ...defaultPlanOptions(),
        ...(plan?.options ?? {}),
        instanceAuthorization: plan?.gitlab.instanceAuthorization ?? false,
        contextFor: Object.fromEntries(
          Object.entries(plan?.options.contextFor ?? {}).map(([k, v]) => [Number(k), v]),
        ),
      });
      if (planPath && !settings.dryRun) await writeFileAtomic(planPath, renderPlanJson(plan));
    }
    const agents = selectAgents(plan.agents, settings.only);
    const pending = plan.steps.filter((s) => agents.some((a) => a.ref === s.agent));
    if (pending.length === 0) {
      out.info('Nothing to do: every selected agent is cut over.');
      if (options.json) out.result(JSON.stringify({ outcomes: [], verified: [] }, null, 2));
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
      overrides,
      sameCluster,
      out,
      journalPath,
      existing,
      json: options.json ?? false,
      kubeconfig: options.kubeconfig,
    });
  });
}

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
  json: boolean;
  kubeconfig?: string | undefined;
}

/** The apply proper, shared by `apply` and the `migrate` wizard once it has its answers. */
export async function executeApply(input: ExecuteApplyInput): Promise<ExitCode> {
  const { plan, inventory, connection, settings, overrides, out, journalPath, existing } = input;
  const agents = selectAgents(plan.agents, settings.only);
  const kas =
    settings.install === 'none'
      ? { address: null, version: null }
      : kasFromMetadata((await connection.client.metadata()).kas, connection.url);
  const journal = new JournalStore(
    existing ?? emptyJournal(connection.url, plan.generatedAt),
    settings.dryRun ? null : journalPath,
  );
  const demo = connection.demo
    ? await connection.startDemoClusters?.(inventory.clusters.map((c) => c.apiUrl))
    : undefined;
  try {
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
    if (settings.dryRun) out.info(out.color.bold('Dry run: nothing will change.'));
    const result = await runApply(
      {
        client: connection.client,
        kube,
        journal,
        now: () => new Date(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        plan,
        settings: demo ? { ...settings, pollMs: 100 } : settings,
        kas: {
          address: 'address' in kas ? kas.address : null,
          version: 'version' in kas ? kas.version : null,
        },
        verified: new Set(),
        unverified: new Map(),
      },
      agents,
      {
        renderer: input.json ? 'silent' : out.interactive ? 'default' : 'plain',
        write: (line) => out.info(line),
      },
    );
    const summary = summariseOutcomes(result.outcomes);
    if (input.json) out.result(JSON.stringify({ ...summary, verified: result.verified }, null, 2));
    else out.info(renderApplySummary(summary, settings, out.color));
    if (journalPath && !settings.dryRun) out.info(out.color.dim(`Journal: ${journalPath}`));
    if (summary.failed.length > 0) throw new ExitError(ExitCode.error);
    return ExitCode.ok;
  } finally {
    await demo?.close();
  }
}
