// Mapping rule 10 (docs/mapping-rules.md), the cut-over order: config → agent → token → agentk → connected → variables →
// environments → (only with --disable-old-clusters) old cluster off. Steps already satisfied by
// live state are left out, so a plan after a complete migration has none.
import type { PlannedAgent, PlanStep } from './types.js';
import { variableId } from './variables.js';

export interface AgentProgress {
  projectExists: boolean;
  registered: boolean;
  configCommitted: boolean;
  /** certificate clusters of this agent still to cut over */
  pendingClusterIds: number[];
  /** projects whose environments can be linked (the agent is registered in that project) */
  linkableProjects: string[];
  /** a token of the agent is in use: agentk is installed and connected */
  connected?: boolean;
  /** variableId of the planned variables already set to the planned value */
  presentVariables?: ReadonlySet<string>;
  /** linkable projects whose served environments are all linked to this agent */
  linkedProjects?: ReadonlySet<string>;
}

export function stepsFor(agent: PlannedAgent, progress: AgentProgress): PlanStep[] {
  if (agent.status === 'done') return [];
  const steps: PlanStep[] = [];
  const about = (kind: PlanStep['kind'], suffix: string, description: string) => ({
    id: `${agent.ref}/${kind}${suffix}`,
    agent: agent.ref,
    clusterId: null,
    description,
  });
  const add = (
    kind: Exclude<PlanStep['kind'], 'set-variable' | 'link-environment' | 'fix-ci'>,
    description: string,
  ) => steps.push({ ...about(kind, '', description), kind });

  if (agent.createProject && !progress.projectExists)
    add('create-project', `Create project ${agent.project} for agent configuration`);
  if (!progress.configCommitted)
    add('commit-config', `Commit ${agent.configPath} to ${agent.project}`);
  if (!progress.registered)
    add('register-agent', `Register agent ${agent.name} in ${agent.project}`);
  if (!progress.connected) {
    add('create-token', `Create an agent token for ${agent.ref} (or reuse the installed one)`);
    add('install-agentk', `Install agentk in namespace ${agent.namespace} on ${agent.apiUrl}`);
    add('wait-connection', `Wait until agent ${agent.ref} is connected`);
  }
  for (const v of agent.ciVariables) {
    if (progress.presentVariables?.has(variableId(v))) continue;
    const where = v.level === 'instance' ? 'the instance' : `${v.level} ${v.owner}`;
    steps.push({
      ...about(
        'set-variable',
        `:${variableId(v)}`,
        `Set ${v.key}=${v.value} on ${where} (environment scope ${v.environmentScope})`,
      ),
      kind: 'set-variable',
      variable: { ...v },
    });
  }
  for (const project of progress.linkableProjects) {
    if (progress.linkedProjects?.has(project)) continue;
    steps.push({
      ...about(
        'link-environment',
        `:${project}`,
        `Link the environments of ${project} to agent ${agent.ref}`,
      ),
      kind: 'link-environment',
      project,
    });
  }
  for (const id of progress.pendingClusterIds) {
    steps.push({
      ...about(
        'disable-cluster',
        `:${id}`,
        `Turn off certificate cluster ${id} (only with --disable-old-clusters)`,
      ),
      kind: 'disable-cluster',
      clusterId: id,
    });
  }
  return steps;
}
