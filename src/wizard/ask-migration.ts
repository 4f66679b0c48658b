// The wizard's questions, in order: which agents, each one's project and name, the kube context
// that installs it, how its configuration reaches GitLab, whether old clusters go off, and a final
// yes. Nothing here changes anything: GitLab is only read to check answers, and the answers come
// back as a plan (renames and contexts applied) plus the apply settings the person chose.
// The questions about one agent (its project, name and context) are in ask-agent.ts.
import type { ChalkInstance } from 'chalk';
import { existsSync } from 'node:fs';
import type { ConfigVia } from '../apply/types.js';
import type { LoadedKubeconfig } from '../kube/kubeconfig.js';
import type { ClusterToMatch } from '../kube/match-context.js';
import type { Plan, PlannedAgent } from '../plan/types.js';
import { askContext, askIdentity, vouchesForOtherAddress } from './ask-agent.js';
import { agentChoiceName, renderChanges, stepsToRun } from './describe.js';
import type { Prompter } from './prompter.js';

/** What the wizard reads from GitLab to check an answer. Reads only. */
export interface GitLabLookups {
  projectExists(project: string): Promise<boolean>;
  agentExists(project: string, name: string): Promise<boolean>;
}

export interface WizardDeps {
  prompter: Prompter;
  kubeconfig: LoadedKubeconfig;
  /** --context-for CLUSTER_ID=CONTEXT: pre-selects that context */
  overrides: Record<number, string>;
  /** the certificate clusters as GitLab reports them now (API URL and CA) */
  clusters: ClusterToMatch[];
  gitlab: GitLabLookups;
  /** the instance the changes go to, for the final question */
  gitlabUrl: string;
  /** no plan file yet: ask where to keep the plan and the journal of the run */
  askPlanFile: boolean;
  say: (text: string) => void;
  color: ChalkInstance;
}

export interface WizardAnswers {
  /** the plan with the chosen names, projects and kube contexts */
  plan: Plan;
  /** refs of the agents to set up now, in plan order */
  only: string[];
  configVia: ConfigVia;
  outDir: string | null;
  disableOldClusters: boolean;
  /** where to keep the plan (and its journal) when there was no plan file */
  planFile: string | null;
  /** clusters whose chosen context (at another address) the person vouched for */
  sameCluster: number[];
  /** open merge requests that fix deploy jobs (apply --fix-ci merge-request) */
  fixCi: boolean;
}

/** The agents a run could still do something for. */
export function pendingAgents(plan: Plan): PlannedAgent[] {
  return plan.agents.filter((a) => plan.steps.some((s) => s.agent === a.ref));
}

/** Asks everything; null when the person says no at the end. Ctrl-C rejects (see isPromptCancel). */
export async function askMigration(plan: Plan, deps: WizardDeps): Promise<WizardAnswers | null> {
  const { prompter } = deps;
  const chosen = await askAgents(plan, deps);
  if (chosen.contexts.size === 0) {
    deps.say('No agent left to set up.');
    return null;
  }
  const { configVia, outDir } = await askDelivery(prompter);
  const disableOldClusters = await prompter.confirm({
    message:
      'Turn each old certificate cluster off once its agents are connected and in use? (it is never deleted)',
    default: false,
  });
  // Turning clusters off waits for jobs that would break; merge requests can fix some of them.
  const fixable = (plan.ciAudit?.projects ?? []).flatMap((p) => p.jobs).filter((j) => j.fixAction);
  const fixCi =
    disableOldClusters && fixable.length > 0
      ? await prompter.confirm({
          message: `${fixable.length} deploy job(s) in the plan would break but can be fixed: open a merge request per project that makes them select their agent context? (clusters they use stay on until merged)`,
          default: true,
        })
      : false;
  const planFile = deps.askPlanFile ? await askPlanFile(prompter) : null;

  const { contexts, skipped } = chosen;
  const withContexts: Plan = {
    ...chosen.plan,
    agents: chosen.plan.agents.map((a) =>
      contexts.has(a.ref) ? { ...a, kubeContext: contexts.get(a.ref)! } : a,
    ),
  };
  const listing = { plan: withContexts, contexts, skipped, configVia, outDir, disableOldClusters };
  deps.say(`\n${renderChanges(listing, deps.color)}`);
  const only = [...contexts.keys()];
  const steps = only.flatMap((ref) => stepsToRun(withContexts, ref, disableOldClusters)).length;
  const go = await prompter.confirm({
    message: `Apply ${steps} step(s) for ${only.length} agent(s) to ${deps.gitlabUrl}?`,
    default: false,
  });
  return go
    ? {
        plan: withContexts,
        only,
        configVia,
        outDir,
        disableOldClusters,
        planFile,
        sameCluster: chosen.sameCluster,
        fixCi,
      }
    : null;
}

interface ChosenAgents {
  /** the plan with the names and projects chosen */
  plan: Plan;
  /** ref → kube context, for the agents to set up now */
  contexts: Map<string, string>;
  /** refs of agents picked, then skipped at the context question */
  skipped: string[];
  /** clusters whose context the person vouched for */
  sameCluster: number[];
}

/** Which agents, and for each its project, name and kube context. */
async function askAgents(plan: Plan, deps: WizardDeps): Promise<ChosenAgents> {
  const picked = await deps.prompter.checkbox({
    message: 'Which agents should be set up now?',
    choices: pendingAgents(plan).map((a) => ({
      value: a.ref,
      name: agentChoiceName(a, plan),
      short: a.ref,
      checked: true,
    })),
    required: true,
    pageSize: 15,
  });
  const chosen: ChosenAgents = { plan, contexts: new Map(), skipped: [], sameCluster: [] };
  for (const ref of picked) {
    const agent = chosen.plan.agents.find((a) => a.ref === ref)!;
    deps.say(deps.color.bold(`\nAgent ${agent.ref}`));
    const identity = await askIdentity(chosen.plan, agent, deps);
    chosen.plan = identity.plan;
    const context = await askContext(identity.agent, deps);
    if (context == null) chosen.skipped.push(identity.agent.ref);
    else {
      chosen.contexts.set(identity.agent.ref, context);
      if (await vouchesForOtherAddress(identity.agent, context, deps))
        chosen.sameCluster.push(...identity.agent.clusterIds);
    }
  }
  return chosen;
}

async function askDelivery(
  prompter: Prompter,
): Promise<{ configVia: ConfigVia; outDir: string | null }> {
  const configVia = await prompter.select<ConfigVia>({
    message: 'How should the agent configuration reach GitLab?',
    choices: [
      { value: 'commit', name: 'Commit it to the default branch of each agent project' },
      {
        value: 'merge-request',
        name: 'Open a merge request per agent (variables and the cut-over wait until it is merged)',
      },
      { value: 'files', name: 'Write the files to a directory, for you to push' },
    ],
    default: 'commit',
  });
  if (configVia !== 'files') return { configVia, outDir: null };
  const outDir = await prompter.input({
    message: 'Directory to write the agent configuration to:',
    default: 'agent-config',
    validate: (value) => (value.trim() ? true : 'Give a directory.'),
  });
  return { configVia, outDir: outDir.trim() };
}

/**
 * `status`, `rollback` and a resumed run need the plan with the names chosen here (planning again
 * would name the agents afresh), and the journal kept beside it.
 */
async function askPlanFile(prompter: Prompter): Promise<string> {
  const file = await prompter.input({
    message: 'Keep the plan and the journal of this run in (for apply, status and rollback later):',
    default: 'plan.json',
    validate: (value) => {
      const path = value.trim();
      if (path === '') return 'Give a file name.';
      if (existsSync(path))
        return `${path} exists: choose another file (or run migrate --plan ${path} to use that plan).`;
      return true;
    },
  });
  return file.trim();
}
