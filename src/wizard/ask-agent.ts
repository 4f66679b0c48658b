// The wizard's questions about one agent: its configuration project and name (checked against
// the plan and, read only, against GitLab), and the kube context that installs agentk for it,
// with the person's word where that context reaches the cluster at another address.
import { normaliseApiUrl } from '../discovery/api-url.js';
import { UserError } from '../errors.js';
import { contextNames } from '../kube/kubeconfig.js';
import {
  caNoteFor,
  matchContexts,
  type ClusterToMatch,
  type ContextMatch,
} from '../kube/match-context.js';
import { agentProjectProblem, renameAgent, renameProblem } from '../plan/rename-agent.js';
import type { Plan, PlannedAgent } from '../plan/types.js';
import type { WizardDeps } from './ask-migration.js';
import type { PromptChoice } from './prompter.js';

/** The agent's project and name; a changed one is applied to the plan with renameAgent. */
export async function askIdentity(
  plan: Plan,
  agent: PlannedAgent,
  deps: WizardDeps,
): Promise<{ plan: Plan; agent: PlannedAgent }> {
  const { prompter, color } = deps;
  if (agent.status !== 'new') {
    deps.say(color.dim('Started by an earlier run: it keeps its name and project.'));
    return { plan, agent };
  }
  let project: string;
  let createProject: boolean;
  for (;;) {
    project = (
      await prompter.input({
        message: `Configuration project of agent ${agent.name}:`,
        default: agent.project,
        validate: (value) => agentProjectProblem(plan, agent, value.trim()) ?? true,
      })
    ).trim();
    createProject = agent.createProject;
    if (project === agent.project) break;
    createProject = !(await deps.gitlab.projectExists(project));
    if (!createProject) break;
    const create = await prompter.confirm({
      message: `${project} does not exist (or this token cannot see it). Create it?`,
      default: false,
    });
    if (create) break;
  }
  const name = (
    await prompter.input({
      message: `Name of the agent in ${project}:`,
      default: agent.name,
      validate: async (value) => {
        const name = value.trim();
        const problem = renameProblem(plan, agent.ref, { project, name });
        if (problem) return `${problem}.`;
        const changed = project !== agent.project || name !== agent.name;
        if (!changed) return true;
        try {
          // Registering would then adopt someone else's agent, and apply would rotate its tokens.
          if (await deps.gitlab.agentExists(project, name))
            return `${project} already has an agent named ${name}: choose another name.`;
        } catch (error) {
          if (error instanceof UserError) return error.message;
          throw error;
        }
        return true;
      },
    })
  ).trim();
  const renamed = renameAgent(plan, agent.ref, { project, name, createProject });
  return { plan: renamed, agent: renamed.agents.find((a) => a.ref === `${project}:${name}`)! };
}

function clustersOf(agent: PlannedAgent, deps: WizardDeps): ClusterToMatch[] {
  const byId = new Map(deps.clusters.map((c) => [c.id, c]));
  return agent.clusterIds.map((id) => byId.get(id) ?? { id, apiUrl: agent.apiUrl, caCert: null });
}

function contextMatches(agent: PlannedAgent, deps: WizardDeps): ContextMatch[] {
  const clusters = clustersOf(agent, deps);
  const overrides = { ...deps.overrides };
  if (agent.kubeContext) for (const c of clusters) overrides[c.id] ??= agent.kubeContext;
  try {
    return matchContexts(clusters, deps.kubeconfig, overrides);
  } catch (error) {
    // a context the plan recorded that this kubeconfig lacks: match as if none was recorded
    if (!(error instanceof UserError)) throw error;
    deps.say(deps.color.yellow(`${error.message} Choose one below.`));
    return matchContexts(clusters, deps.kubeconfig, deps.overrides);
  }
}

/**
 * A context at another address than the cluster's API URL may be another cluster. Apply proves
 * it is not (kube-system read through both addresses) or refuses; the person can vouch instead.
 */
export async function vouchesForOtherAddress(
  agent: PlannedAgent,
  context: string,
  deps: WizardDeps,
): Promise<boolean> {
  const config = deps.kubeconfig.config;
  const server = config.getCluster(config.getContextObject(context)?.cluster ?? '')?.server ?? '';
  if (normaliseApiUrl(server) === normaliseApiUrl(agent.apiUrl)) return false;
  deps.say(
    deps.color.yellow(
      `Context ${context} reaches ${server || 'no server'}, not ${agent.apiUrl}. Apply installs agentk only once it sees the same cluster through both addresses (the kube-system namespace), unless you vouch for it.`,
    ),
  );
  return deps.prompter.confirm({
    message: `Is ${context} the same cluster as ${agent.apiUrl}, at another address?`,
    default: false,
  });
}

/** The kube context that installs agentk for `agent`; null to leave the agent out of this run. */
export async function askContext(agent: PlannedAgent, deps: WizardDeps): Promise<string | null> {
  const matches = contextMatches(agent, deps);
  const found = matches.find((m) => m.context != null)?.context ?? null;
  if (found == null) {
    // why nothing is pre-selected (a CA that is not GitLab's, several candidates)
    for (const note of new Set(matches.flatMap((m) => m.notes))) deps.say(deps.color.dim(note));
    const candidates = [...new Set(matches.flatMap((m) => m.candidates))];
    deps.say(
      deps.color.yellow(
        candidates.length > 1
          ? `Several kube contexts reach ${agent.apiUrl} (${candidates.join(', ')}): choose one.`
          : `No kube context of your kubeconfig is known to reach ${agent.apiUrl}.`,
      ),
    );
  }
  const config = deps.kubeconfig.config;
  const names = contextNames(deps.kubeconfig);
  // one column of servers, whatever the length of the context names
  const width = Math.max(0, ...names.map((n) => n.length));
  const choices = names.map((name): PromptChoice<string | null> => {
    const server = config.getCluster(config.getContextObject(name)?.cluster ?? '')?.server ?? '?';
    return {
      value: name,
      name: `${name.padEnd(width)}  ${deps.color.dim(server)}${name === found ? '  (reaches its cluster)' : ''}`,
      short: name,
    };
  });
  choices.push({
    value: null,
    name: 'Skip this agent for now (nothing is done for it)',
    short: 'skip this agent for now',
  });
  const chosen = await deps.prompter.select<string | null>({
    message: `Kube context that installs agentk for ${agent.ref} on ${agent.apiUrl}:`,
    choices,
    default: found,
    pageSize: 15,
  });
  if (chosen != null) {
    const notes = clustersOf(agent, deps).map((c) => caNoteFor(c, deps.kubeconfig, chosen));
    for (const note of new Set(notes)) if (note) deps.say(deps.color.dim(note));
  }
  return chosen;
}
