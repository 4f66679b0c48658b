// The wizard once the plan is known: show its summary, ask every question, then hand the answers
// to the same apply `apply` runs. All prompts finish before listr2 draws anything, and a cancel at
// any prompt changes nothing.
import { findAgent } from '../gitlab/agents.js';
import { projectInfo } from '../gitlab/projects.js';
import type { Journal } from '../apply/journal.js';
import { journalPathFor } from '../apply/journal.js';
import { executeApply } from '../apply/execute.js';
import { applySettings, type ApplyFlags } from '../apply/settings.js';
import type { Connection } from '../connection.js';
import type { Inventory } from '../discovery/types.js';
import { ExitCode } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { loadKubeconfig } from '../kube/kubeconfig.js';
import { matchContexts } from '../kube/match-context.js';
import type { Output } from '../output.js';
import type { Plan } from '../plan/types.js';
import { renderPlanJson } from '../plan/plan-file.js';
import type { DemoClusters } from '../simulator/demo-clusters.js';
import {
  askMigration,
  pendingAgents,
  type GitLabLookups,
  type WizardAnswers,
} from './ask-migration.js';
import { renderWizardSummary } from './describe.js';
import { isPromptCancel, type Prompter } from './prompter.js';

export interface WizardRun {
  plan: Plan;
  inventory: Inventory;
  connection: Connection;
  out: Output;
  prompter: Prompter;
  /** --kubeconfig (the demo brings its own) */
  kubeconfig?: string | undefined;
  /** --context-for CLUSTER_ID=CONTEXT */
  overrides: Record<number, string>;
  /** --plan FILE; null when the plan was made just now */
  planPath: string | null;
  existing: Journal | null;
  /** apply's flags the wizard does not ask about */
  tuning?: Pick<ApplyFlags, 'rolloutTimeout' | 'connectionTimeout' | 'rbac' | 'forceConflicts'>;
}

function gitlabLookups(connection: Connection): GitLabLookups {
  const { client } = connection;
  return {
    projectExists: async (project) => (await projectInfo(client, project)) != null,
    agentExists: async (project, name) =>
      (await projectInfo(client, project)) != null &&
      (await findAgent(client, project, name)) != null,
  };
}

/**
 * Per cluster, the context chosen for the agents that run. A cluster two agents share (an instance
 * cluster seen from two top-level groups) gets none when they chose differently: each agent's
 * kubeContext then decides, as overrides would otherwise win for both.
 */
export function contextOverrides(answers: WizardAnswers): Record<number, string> {
  const chosen = new Map<number, Set<string>>();
  for (const agent of answers.plan.agents) {
    if (!answers.only.includes(agent.ref) || agent.kubeContext == null) continue;
    for (const id of agent.clusterIds)
      chosen.set(id, (chosen.get(id) ?? new Set()).add(agent.kubeContext));
  }
  return Object.fromEntries(
    [...chosen].flatMap(([id, contexts]) => (contexts.size === 1 ? [[id, [...contexts][0]!]] : [])),
  );
}

export async function runWizard(run: WizardRun): Promise<ExitCode> {
  const { out, connection } = run;
  out.info(renderWizardSummary(run.plan, out.color));
  if (pendingAgents(run.plan).length === 0) {
    out.info('Nothing to do: every agent is cut over.');
    return ExitCode.ok;
  }
  // The demo's clusters exist only while it runs: started once here, so the questions offer their
  // contexts and the apply reaches the same simulators.
  const demo = connection.demo
    ? await connection.startDemoClusters?.(run.inventory.clusters.map((c) => c.apiUrl))
    : undefined;
  try {
    const kubeconfig = loadKubeconfig(
      demo
        ? { kubeconfig: demo.kubeconfigPath }
        : run.kubeconfig
          ? { kubeconfig: run.kubeconfig }
          : {},
    );
    // an unknown --context-for is refused before the first question
    matchContexts([], kubeconfig, run.overrides);
    let answers: WizardAnswers | null;
    try {
      answers = await askMigration(run.plan, {
        prompter: run.prompter,
        kubeconfig,
        overrides: run.overrides,
        clusters: run.inventory.clusters.map((c) => ({
          id: c.id,
          apiUrl: c.apiUrl,
          caCert: c.caCert,
        })),
        gitlab: gitlabLookups(connection),
        gitlabUrl: connection.url,
        askPlanFile: run.planPath == null && !connection.demo,
        say: (text) => out.info(text),
        color: out.color,
      });
    } catch (error) {
      if (!isPromptCancel(error)) throw error;
      // the same words as every other command's Ctrl-C at a question (src/main.ts)
      out.info('Cancelled; nothing was changed.');
      return ExitCode.ok;
    }
    if (!answers) {
      out.info('Nothing changed.');
      return ExitCode.ok;
    }
    return await applyAnswers(run, answers, demo);
  } finally {
    await demo?.close();
  }
}

async function applyAnswers(
  run: WizardRun,
  answers: WizardAnswers,
  demo: DemoClusters | undefined,
): Promise<ExitCode> {
  const planPath = run.planPath ?? answers.planFile;
  if (planPath) {
    // before any change: a resumed run, status and rollback must see the names chosen here
    await writeFileAtomic(planPath, renderPlanJson(answers.plan));
    run.out.info(run.out.color.dim(`Plan with your choices: ${planPath}`));
  }
  const settings = applySettings({
    ...run.tuning,
    only: answers.only,
    configVia: answers.configVia,
    ...(answers.outDir ? { outDir: answers.outDir } : {}),
    disableOldClusters: answers.disableOldClusters,
    ...(answers.fixCi ? { fixCi: 'merge-request' as const } : {}),
    askedBy: 'wizard',
  });
  return executeApply({
    plan: answers.plan,
    inventory: run.inventory,
    // executeApply starts the demo's clusters itself: hand it the running ones, closed by runWizard
    connection: demo
      ? {
          ...run.connection,
          startDemoClusters: () => Promise.resolve({ ...demo, close: async () => {} }),
        }
      : run.connection,
    settings,
    overrides: contextOverrides(answers),
    sameCluster: answers.sameCluster,
    out: run.out,
    journalPath: planPath ? journalPathFor(planPath) : null,
    planPath: planPath ?? undefined,
    existing: run.existing,
    data: null,
    kubeconfig: run.kubeconfig,
  });
}
