// plan = discover → read live state → map. The mapper runs twice: once to learn which projects
// and config files matter, then with what GitLab already has. Agent names and projects do not
// depend on live state, so both passes agree on them.
import { environmentTemplatePath } from '../agent-config/render.js';
import type { Inventory } from '../discovery/types.js';
import type { GitLabClient } from '../gitlab/client.js';
import { buildPlan } from './build-plan.js';
import { emptyLiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import { readLiveState, type LiveStateRequest } from './read-live-state.js';
import type { Plan } from './types.js';

export async function computePlan(
  client: GitLabClient,
  inventory: Inventory,
  options: PlanOptions,
): Promise<Plan> {
  const draft = buildPlan(inventory, emptyLiveState(), options);
  const requests = new Map<string, LiveStateRequest>();
  for (const agent of draft.agents) {
    const request = requests.get(agent.project) ?? {
      project: agent.project,
      configPaths: [],
      agents: [],
      environments: false,
    };
    request.configPaths.push(agent.configPath);
    if (agent.environmentTemplate != null)
      request.configPaths.push(environmentTemplatePath(agent.configPath));
    request.agents!.push({ name: agent.name, variables: agent.ciVariables });
    request.environments ||= draft.steps.some(
      (s) => s.agent === agent.ref && s.kind === 'link-environment',
    );
    requests.set(agent.project, request);
  }
  const live = await readLiveState(
    client,
    [...requests.values()].map((r) => ({ ...r, configPaths: [...new Set(r.configPaths)].sort() })),
    options.now(),
  );
  return buildPlan(inventory, live, options);
}
