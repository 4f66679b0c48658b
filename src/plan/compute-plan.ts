// plan = discover → read live state → map. The mapper runs twice: once to learn which projects
// and config files matter, then with what GitLab already has. Agent names and projects do not
// depend on live state, so both passes agree on them.
import type { Inventory } from '../discovery/types.js';
import type { GitLabClient } from '../gitlab/client.js';
import { buildPlan } from './build-plan.js';
import { emptyLiveState } from './live-state.js';
import type { PlanOptions } from './options.js';
import { readLiveState } from './read-live-state.js';
import type { Plan } from './types.js';

export async function computePlan(
  client: GitLabClient,
  inventory: Inventory,
  options: PlanOptions,
): Promise<Plan> {
  const draft = buildPlan(inventory, emptyLiveState(), options);
  const byProject = new Map<string, Set<string>>();
  for (const agent of draft.agents)
    byProject.set(agent.project, (byProject.get(agent.project) ?? new Set()).add(agent.configPath));
  const live = await readLiveState(
    client,
    [...byProject].map(([project, paths]) => ({ project, configPaths: [...paths].sort() })),
  );
  return buildPlan(inventory, live, options);
}
