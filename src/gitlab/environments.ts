// Project environments and their link to an agent (GitLab 17.5+ Environments API). Over REST, GitLab
// links an environment only to an agent registered in the environment's own project; reading needs
// Reporter, linking Developer. gitbeaker's `edit` has no agent fields, so the update uses the requester.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError } from './errors.js';
import { fetchAllOffset } from './paginate.js';
import { call } from './call.js';

export interface EnvironmentRecord {
  id: number;
  name: string;
  slug: string;
  tier: string | null;
  clusterAgentId: number | null;
  kubernetesNamespace: string | null;
}

interface EnvironmentSchema {
  id: number;
  name: string;
  slug: string;
  tier?: string | null;
  cluster_agent?: { id: number } | null;
  kubernetes_namespace?: string | null;
}

const toRecord = (e: EnvironmentSchema): EnvironmentRecord => ({
  id: e.id,
  name: e.name,
  slug: e.slug,
  tier: e.tier ?? null,
  clusterAgentId: e.cluster_agent?.id ?? null,
  kubernetesNamespace: e.kubernetes_namespace ?? null,
});

/** Every environment of `project` (all pages), ascending id. */
export async function listEnvironments(
  client: GitLabClient,
  project: string,
): Promise<EnvironmentRecord[]> {
  try {
    const list = await fetchAllOffset<EnvironmentSchema>(
      client.get,
      endpoint`projects/${project}/environments`,
    );
    return list.map(toRecord);
  } catch (error) {
    throw explainGitLabError(error, client.url, `listing the environments of project ${project}`, {
      forbidden: 'Reading environments needs at least the Reporter role in the project.',
    });
  }
}

/**
 * Points an environment at `agentId` (null unlinks it). Unlinking also clears the Kubernetes namespace
 * unless one is given, because GitLab rejects a namespace without an agent.
 */
export async function linkEnvironmentToAgent(
  client: GitLabClient,
  project: string,
  environmentId: number,
  agentId: number | null,
  kubernetesNamespace?: string | null,
): Promise<EnvironmentRecord> {
  const body: Record<string, unknown> = { cluster_agent_id: agentId };
  if (kubernetesNamespace !== undefined) body['kubernetes_namespace'] = kubernetesNamespace;
  else if (agentId == null) body['kubernetes_namespace'] = null;
  const response = await call(
    client,
    `${agentId == null ? 'unlinking' : `linking agent ${agentId} to`} environment ${environmentId} of project ${project}`,
    () =>
      client.requester.put(endpoint`projects/${project}/environments/${environmentId}`, { body }),
    {
      forbidden: 'Linking environments to agents needs at least the Developer role in the project.',
      explain: (f) => {
        if (f.status === 400 && /cannot be associated with this environment/.test(f.description))
          return new UserError(
            `GitLab cannot link environment ${environmentId} of ${project} to agent ${agentId}: the agent must be registered in ${project} itself.`,
            {
              hint: 'Agents shared through ci_access still serve the jobs; only the environment page link is missing.',
            },
          );
        if (f.status === 400)
          return new UserError(
            `GitLab refused the agent settings of environment ${environmentId} in ${project}: ${f.description}.`,
          );
        return undefined;
      },
    },
  );
  return toRecord(response.body as unknown as EnvironmentSchema);
}
