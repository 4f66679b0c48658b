// Giving a planned agent another name or configuration project (the `migrate` wizard asks): a pure
// function from a plan to a plan, so the result is exactly what `plan` would have written had it
// chosen that name — ref, paths, namespace, KUBE_CONTEXT values, steps and cluster links agree.
import { normaliseApiUrl } from '../discovery/api-url.js';
import { UserError } from '../errors.js';
import { agentNamespace, rootedNamespace } from './agent-name.js';
import { stepsFor, type AgentProgress } from './steps.js';
import type { Plan, PlannedAgent } from './types.js';

/** GitLab's cluster_agent_name_regex: an RFC 1123 DNS label. */
const AGENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_NAME = 63;
/** A project's full path: namespace segments and the project's own path, GitLab's path characters. */
const PROJECT_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;

export interface AgentIdentity {
  project: string;
  name: string;
  /**
   * The project does not exist yet and apply should create it. Default: unchanged when the
   * project stays, false when it changes (a typo must not create a project).
   */
  createProject?: boolean;
}

const rootOf = (path: string) => path.split('/')[0]!.toLowerCase();

/** Why `name` cannot name an agent at all, or null. */
export function agentNameProblem(name: string): string | null {
  if (name === '') return 'an agent needs a name';
  if (name.length > MAX_NAME)
    return `"${name}" is ${name.length} characters long: agent names have at most ${MAX_NAME}`;
  if (!AGENT_NAME.test(name))
    return `"${name}" is not a valid agent name: lowercase letters, digits and "-" only, not starting or ending with "-"`;
  return null;
}

/** Why `agent` cannot live in `project`, or null. */
export function agentProjectProblem(
  plan: Plan,
  agent: PlannedAgent,
  project: string,
): string | null {
  if (!PROJECT_PATH.test(project))
    return `"${project}" is not a project path: give its full path, such as ${agent.rootNamespace}/gitlab-agents`;
  // NOTE: GitLab drops ci_access entries outside the configuration project's top-level group
  // (mapping rule 2), so moving the agent there would silently take every job's access away.
  if (!plan.gitlab.instanceAuthorization && rootOf(project) !== agent.rootNamespace.toLowerCase())
    return `${project} is outside ${agent.rootNamespace}: GitLab ignores an agent's ci_access entries outside its project's top-level group`;
  return null;
}

function findAgent(plan: Plan, ref: string): PlannedAgent {
  const agent = plan.agents.find((a) => a.ref === ref);
  if (!agent)
    throw new UserError(`The plan has no agent ${ref}.`, {
      hint: `Use one of: ${plan.agents.map((a) => a.ref).join(', ') || '(none)'}.`,
    });
  return agent;
}

/** Why `ref` cannot become `project:name`, or null: the name, the project, and uniqueness. */
export function renameProblem(plan: Plan, ref: string, change: AgentIdentity): string | null {
  const agent = findAgent(plan, ref);
  if (change.project === agent.project && change.name === agent.name) return null;
  // Its agent, config or clusters already exist under the planned name: renaming now would leave
  // them behind and make a second agent for the same cluster.
  if (agent.status !== 'new')
    return `${ref} was started by an earlier run (${agent.status}): it keeps its name and project`;
  const problem = agentNameProblem(change.name) ?? agentProjectProblem(plan, agent, change.project);
  if (problem) return problem;
  const clash = plan.agents.find(
    (a) =>
      a !== agent &&
      a.project.toLowerCase() === change.project.toLowerCase() &&
      a.name === change.name,
  );
  if (clash) return `the plan already has an agent ${change.name} in ${clash.project}`;
  if (namespaceFor(plan, agent, change) == null)
    return `another agent on ${agent.apiUrl} already installs into the namespace agent ${change.name} would use`;
  return null;
}

/** agentNamespace(name), or with the root namespace in it where that is taken on the same cluster. */
function namespaceFor(plan: Plan, agent: PlannedAgent, change: AgentIdentity): string | null {
  const cluster = normaliseApiUrl(agent.apiUrl);
  const taken = new Set(
    plan.agents
      .filter((a) => a !== agent && normaliseApiUrl(a.apiUrl) === cluster)
      .map((a) => a.namespace),
  );
  const plain = agentNamespace(change.name);
  if (!taken.has(plain)) return plain;
  // the plan's own rule (a hash where the name is cut), so a rename plans what `plan` would
  const withRoot = rootedNamespace(rootOf(change.project), change.name);
  return taken.has(withRoot) ? null : withRoot;
}

/**
 * The plan with agent `ref` called `change.name` in `change.project`. Only an agent no run has
 * started (status `new`) can be renamed. Throws a UserError when the new identity is invalid,
 * taken in the plan, or outside the agent's top-level group.
 */
export function renameAgent(plan: Plan, ref: string, change: AgentIdentity): Plan {
  const problem = renameProblem(plan, ref, change);
  if (problem)
    throw new UserError(`Cannot rename agent ${ref}: ${problem}.`, {
      hint: 'Agent names are lowercase letters, digits and "-" (at most 63), unique in their project.',
    });
  const agent = findAgent(plan, ref);
  if (change.project === agent.project && change.name === agent.name) return plan;

  const projectChanged = change.project !== agent.project;
  const newRef = `${change.project}:${change.name}`;
  const createProject = change.createProject ?? (projectChanged ? false : agent.createProject);
  const renamed: PlannedAgent = {
    ...agent,
    ref: newRef,
    name: change.name,
    project: change.project,
    createProject,
    rootNamespace: plan.gitlab.instanceAuthorization
      ? change.project.split('/')[0]!
      : agent.rootNamespace,
    namespace: namespaceFor(plan, agent, change)!,
    configPath: `.gitlab/agents/${change.name}/config.yaml`,
    ciVariables: agent.ciVariables.map((v) =>
      v.key === 'KUBE_CONTEXT' && v.value === ref ? { ...v, value: newRef } : { ...v },
    ),
  };

  const own = plan.steps.filter((s) => s.agent === ref);
  const progress: AgentProgress = {
    projectExists: projectChanged ? !createProject : !own.some((s) => s.kind === 'create-project'),
    // a new agent: nothing registered or committed under either name
    registered: false,
    configCommitted: false,
    pendingClusterIds: own.flatMap((s) =>
      s.kind === 'disable-cluster' && s.clusterId != null ? [s.clusterId] : [],
    ),
    // NOTE: GitLab links an environment only to an agent registered in the environment's own
    // project (gitlabhq/gitlabhq: lib/api/environments.rb), so moving the agent can lose that step.
    linkableProjects: plan.clusters.some(
      (c) => agent.clusterIds.includes(c.id) && c.level === 'project' && c.owner === change.project,
    )
      ? [change.project]
      : [],
  };
  // the agent's steps stay where they were among the others
  const first = plan.steps.findIndex((s) => s.agent === ref);
  const others = plan.steps.filter((s) => s.agent !== ref);
  const at = first < 0 ? others.length : first;
  const steps = [...others.slice(0, at), ...stepsFor(renamed, progress), ...others.slice(at)];

  return {
    ...plan,
    agents: plan.agents.map((a) => (a === agent ? renamed : a)),
    clusters: plan.clusters.map((c) =>
      c.agents.includes(ref)
        ? { ...c, agents: c.agents.map((r) => (r === ref ? newRef : r)).sort() }
        : c,
    ),
    steps,
  };
}
