// Reads, for every project a plan wants agents in, whether it exists, which agents are
// registered there and whether their config files are on the default branch: through GraphQL,
// many projects per request (graphql-batch.ts), and through REST where GraphQL cannot answer. For agents already
// registered it also reads how far their cut-over got (a token in use, variables, environments),
// so a plan after a partial apply lists only what is left. Nothing is read for agents that do not
// exist yet: a first plan costs no extra calls.
import { tokenConnected } from '../continuity/connected.js';
import { listActiveTokens, listAgents } from '../gitlab/agents.js';
import type { GitLabClient } from '../gitlab/client.js';
import { listEnvironments } from '../gitlab/environments.js';
import { explainGitLabError } from '../gitlab/errors.js';
import { projectInfo } from '../gitlab/projects.js';
import { readConfigFiles } from '../gitlab/repository-files.js';
import { listVariables } from '../gitlab/variables.js';
import {
  variableOwnerKey,
  type LiveProject,
  type LiveState,
  type LiveVariable,
} from '../plan/live-state.js';
import type { CiVariable } from '../plan/types.js';
import { GraphqlProjectReader, type ProjectRead } from './graphql-batch.js';

export interface LiveStateRequest {
  project: string;
  configPaths: string[];
  /** the agents planned in this project and the variable owners each would set */
  agents?: { name: string; variables: Pick<CiVariable, 'level' | 'owner'>[] }[];
  /** read the project's environments (an agent here may link them) */
  environments?: boolean;
}

/** Progress details refine the steps only: where they cannot be read, the steps stay listed. */
async function orUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

/** The REST way: the project, its agents, then one read per planned file. */
async function readProjectRest(
  client: GitLabClient,
  request: LiveStateRequest,
): Promise<ProjectRead> {
  const project = await projectInfo(client, request.project);
  if (project == null) return { exists: false, agents: [], files: {} };
  const agents = await listAgents(client, project.id, { absentIsEmpty: true });
  const files = project.emptyRepo
    ? Object.fromEntries(request.configPaths.map((p) => [p, null]))
    : await readConfigFiles(
        client,
        project.pathWithNamespace,
        request.configPaths,
        project.defaultBranch,
      );
  return { exists: true, agents: agents.map((a) => ({ id: a.id, name: a.name })), files };
}

/** For agents already registered: how far their cut-over got (a token in use, environments). */
async function readProgress(
  client: GitLabClient,
  request: LiveStateRequest,
  read: ProjectRead,
  now: Date,
): Promise<LiveProject> {
  if (!read.exists) return { exists: false, agents: [], files: {} };
  const live: LiveProject = {
    exists: true,
    agents: read.agents.map((a) => a.name).sort(),
    files: read.files,
  };
  const wanted = new Set((request.agents ?? []).map((a) => a.name));
  const registered = read.agents.filter((a) => wanted.has(a.name));
  if (registered.length === 0) return live;
  const connected = await Promise.all(
    registered.map(async (agent) => {
      const tokens = await orUndefined(() => listActiveTokens(client, request.project, agent.id));
      // GitLab's `connected?`: an active token used within the last hour (see continuity/connected.ts)
      return tokens?.some((t) => tokenConnected(t, now)) ? agent.name : null;
    }),
  );
  live.connectedAgents = connected.filter((n): n is string => n != null).sort();
  if (request.environments) {
    const names = new Map(read.agents.map((a) => [a.id, a.name]));
    const environments = await orUndefined(() => listEnvironments(client, request.project));
    if (environments)
      live.environments = environments.map((e) => ({
        name: e.name,
        agent: e.clusterAgentId == null ? null : (names.get(e.clusterAgentId) ?? null),
      }));
  }
  return live;
}

export async function readLiveState(
  client: GitLabClient,
  requests: LiveStateRequest[],
  now: Date,
): Promise<LiveState> {
  const projects: Record<string, LiveProject> = {};
  const variables: Record<string, LiveVariable[]> = {};
  try {
    // GraphQL first, many projects a request; REST for what it could not answer
    const batched = await new GraphqlProjectReader(client).read(requests);
    await Promise.all(
      requests.map(async (request) => {
        const read = batched.get(request.project) ?? (await readProjectRest(client, request));
        projects[request.project.toLowerCase()] = await readProgress(client, request, read, now);
      }),
    );
    // Variables only where an agent already registered would set some.
    const owners = new Map<string, Pick<CiVariable, 'level' | 'owner'>>();
    for (const request of requests) {
      const live = projects[request.project.toLowerCase()]!;
      for (const agent of request.agents ?? [])
        if (live.agents.includes(agent.name))
          for (const v of agent.variables) owners.set(variableOwnerKey(v.level, v.owner), v);
    }
    await Promise.all(
      [...owners].map(async ([key, { level, owner }]) => {
        const found = await orUndefined(() => listVariables(client, level, owner));
        if (found)
          variables[key] = found.map((v) => ({
            key: v.key,
            environmentScope: v.environmentScope,
            value: v.value,
          }));
      }),
    );
  } catch (error) {
    throw explainGitLabError(
      error,
      client.url,
      'reading the agents and config files already in GitLab',
    );
  }
  return { projects, variables };
}
