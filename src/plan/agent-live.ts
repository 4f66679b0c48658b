// What live state says about one planned agent: registered, its config file granting what the plan
// grants, its variables set, its environments linked. Pure reads of a LiveState.
import { environmentTemplatePath } from '../agent-config/render.js';
import { missingGrants, readAuthorizations } from '../continuity/authorizations.js';
import type { Grant } from './access.js';
import type { Registration } from './agents.js';
import { liveProject, variableOwnerKey, type LiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import type { PlannedAgent } from './types.js';
import { variableId } from './variables.js';
import { scopeMatches } from './variable-precedence.js';

export const configPathOf = (name: string) => `.gitlab/agents/${name}/config.yaml`;

export function grantFor({ cluster, root }: Registration, instanceAuthorization: boolean): Grant {
  if (cluster.level === 'project') return { list: 'projects', id: cluster.owner!, cluster };
  if (cluster.level === 'group') return { list: 'groups', id: cluster.owner!, cluster };
  return instanceAuthorization
    ? { list: 'instance', id: '', cluster }
    : { list: 'groups', id: root, cluster };
}

export function liveOf(draft: { project: string; name: string }, live: LiveState) {
  const project = liveProject(live, draft.project);
  return {
    projectExists: project?.exists ?? false,
    registered: project?.agents.includes(draft.name) ?? false,
    configPresent: project?.files[configPathOf(draft.name)] != null,
    connected: project?.connectedAgents?.includes(draft.name) ?? false,
  };
}

/**
 * The live config.yaml grants `config` as GitLab reads it (a file that exists but lacks the
 * entries authorises nobody), and the environment template is there when one is planned.
 */
export function configGrants(
  draft: { project: string; name: string },
  config: PlannedAgent['config'],
  live: LiveState,
  options: PlanOptions,
  templatePlanned = false,
): boolean {
  const files = liveProject(live, draft.project)?.files ?? {};
  const path = configPathOf(draft.name);
  const context = {
    agentProject: draft.project,
    instanceAuthorization: options.instanceAuthorization,
  };
  const granted = missingGrants(config, readAuthorizations(files[path] ?? null, context), context);
  return granted.length === 0 && (!templatePlanned || files[environmentTemplatePath(path)] != null);
}

/** The planned variables GitLab already has, with the planned value. */
export function variablesInPlace(agent: PlannedAgent, live: LiveState): Set<string> {
  return new Set(
    agent.ciVariables
      .filter((v) =>
        live.variables?.[variableOwnerKey(v.level, v.owner)]?.some(
          (x) =>
            x.key === v.key && x.environmentScope === v.environmentScope && x.value === v.value,
        ),
      )
      .map(variableId),
  );
}

/** Linkable projects whose environments in the agent's clusters' scopes all use the agent. */
export function environmentsLinked(
  agent: PlannedAgent,
  projects: string[],
  scopes: Map<string, string[]>,
  live: LiveState,
): Set<string> {
  return new Set(
    projects.filter((project) => {
      const environments = liveProject(live, project)?.environments;
      if (!environments) return false;
      const served = scopes.get(project) ?? [];
      return environments
        .filter((e) => served.some((scope) => scopeMatches(scope, e.name)))
        .every((e) => e.agent === agent.name);
    }),
  );
}
