// Agents for Kubernetes and their tokens, as the apply engine needs them: camelCase records, projects by
// id or full path, every list page read. Two gitbeaker 43 methods send the wrong verb (Agents.createToken
// uses GET), so token creation goes through the raw requester. A token's value exists only in the
// create response: it is registered with src/redact.ts before anything else can see it.
import { UserError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError, httpFailure, type HttpFailure } from './errors.js';
import { writeOnce } from './lost-answer.js';
import { fetchAllOffset } from './paginate.js';
import { call, callOrNull } from './call.js';

export interface AgentRecord {
  id: number;
  name: string;
  projectPath: string;
  createdAt: string;
}

export interface AgentTokenRecord {
  id: number;
  name: string;
  description: string | null;
  status: 'active' | 'revoked';
  createdAt: string;
  /** when agentk last connected with it; null if never */
  lastUsedAt: string | null;
}

interface AgentSchema {
  id: number;
  name: string;
  config_project: { path_with_namespace: string };
  created_at: string;
}

interface AgentTokenSchema {
  id: number;
  name: string;
  description: string | null;
  status: 'active' | 'revoked';
  created_at: string;
  last_used_at?: string | null;
  token?: string;
}

const MAINTAINER_HINT = 'Registering agents and managing their tokens needs the Maintainer role.';
const DEVELOPER_HINT = 'Reading agents needs at least the Developer role in their project.';

const toAgent = (a: AgentSchema): AgentRecord => ({
  id: a.id,
  name: a.name,
  projectPath: a.config_project.path_with_namespace,
  createdAt: a.created_at,
});

const toToken = (t: AgentTokenSchema): AgentTokenRecord => ({
  id: t.id,
  name: t.name,
  description: t.description ?? null,
  status: t.status,
  createdAt: t.created_at,
  lastUsedAt: t.last_used_at ?? null,
});

/** `400 Bad request - ["Name has already been taken"]` -> `Name has already been taken` */
function badRequestReason(failure: HttpFailure): string {
  const reason = failure.description.replace(/^400 Bad request - /, '');
  try {
    const parsed = JSON.parse(reason) as unknown;
    if (Array.isArray(parsed)) return parsed.map(String).join('; ');
  } catch {
    // a plain sentence
  }
  return reason;
}

/**
 * Every agent registered in `project`, ordered by name. With `absentIsEmpty`, a 404 (no such
 * project, or agents this token may not see) reads as no agents: what a plan needs to know.
 */
export async function listAgents(
  client: GitLabClient,
  project: string | number,
  options: { absentIsEmpty?: boolean } = {},
): Promise<AgentRecord[]> {
  const what = `listing the agents of project ${project}`;
  try {
    const agents = await fetchAllOffset<AgentSchema>(
      client.get,
      endpoint`projects/${project}/cluster_agents`,
    );
    return agents.map(toAgent);
  } catch (error) {
    if (options.absentIsEmpty && httpFailure(error)?.status === 404) return [];
    throw explainGitLabError(error, client.url, what, {
      forbidden: DEVELOPER_HINT,
      explain: (f) =>
        f.status === 404 && /ClusterAgents/.test(f.description)
          ? new UserError(`Cannot see the agents of project ${project} (${f.description}).`, {
              hint: DEVELOPER_HINT,
              cause: error,
            })
          : undefined,
    });
  }
}

export async function findAgent(
  client: GitLabClient,
  project: string,
  name: string,
): Promise<AgentRecord | null> {
  return (await listAgents(client, project)).find((a) => a.name === name) ?? null;
}

export async function registerAgent(
  client: GitLabClient,
  project: string,
  name: string,
): Promise<AgentRecord> {
  // An agent of this name that was not there before (the caller looked) is the one we registered.
  return writeOnce(
    async () => toAgent(await registerCall(client, project, name)),
    () => findAgent(client, project, name),
  );
}

async function registerCall(client: GitLabClient, project: string, name: string) {
  return call(
    client,
    `registering agent ${name} in project ${project}`,
    () => client.agents.register(project, name),
    {
      forbidden: MAINTAINER_HINT,
      explain: (f) =>
        f.status === 400
          ? new UserError(
              `GitLab refused to register agent "${name}" in project ${project}: ${badRequestReason(f)}.`,
              {
                hint: 'Agent names are lowercase letters, digits and "-" (at most 63), unique per project; run plan again to pick up agents that already exist.',
              },
            )
          : undefined,
    },
  );
}

export async function deleteAgent(
  client: GitLabClient,
  project: string,
  agentId: number,
): Promise<void> {
  // A 404 is the end wanted: the DELETE may be a retry of one whose answer was lost.
  await callOrNull(
    client,
    `deleting agent ${agentId} of project ${project}`,
    /^404 Not found$/,
    () => client.agents.unregister(project, agentId),
    { forbidden: MAINTAINER_HINT },
  );
}

/**
 * The agent's active tokens. The list endpoint leaves out `last_used_at`, so each token (there are at most
 * two) is also read on its own to fill it in; a token revoked in between is left out.
 */
export async function listActiveTokens(
  client: GitLabClient,
  project: string,
  agentId: number,
): Promise<AgentTokenRecord[]> {
  let listed: AgentTokenSchema[];
  try {
    listed = await fetchAllOffset<AgentTokenSchema>(
      client.get,
      endpoint`projects/${project}/cluster_agents/${agentId}/tokens`,
    );
  } catch (error) {
    throw explainGitLabError(
      error,
      client.url,
      `listing the tokens of agent ${agentId} in ${project}`,
      {
        forbidden: DEVELOPER_HINT,
      },
    );
  }
  const detailed = await Promise.all(listed.map((t) => getToken(client, project, agentId, t.id)));
  return detailed.filter((t): t is AgentTokenRecord => t != null && t.status === 'active');
}

/** One token with `last_used_at`; null when it is revoked or does not exist (GitLab answers 404 for both). */
export async function getToken(
  client: GitLabClient,
  project: string,
  agentId: number,
  tokenId: number,
): Promise<AgentTokenRecord | null> {
  const token = await callOrNull(
    client,
    `reading token ${tokenId} of agent ${agentId} in ${project}`,
    /^404 Not found$/,
    () => client.agents.showToken(project, agentId, tokenId),
    { forbidden: DEVELOPER_HINT },
  );
  return token == null ? null : toToken(token as unknown as AgentTokenSchema);
}

/** A new token; `token` is its value, shown by GitLab this once and already registered as a secret. */
export async function createToken(
  client: GitLabClient,
  project: string,
  agentId: number,
  name: string,
  description: string,
): Promise<{ record: AgentTokenRecord; token: string }> {
  const response = await call(
    client,
    `creating a token for agent ${agentId} in ${project}`,
    () =>
      client.requester.post(endpoint`projects/${project}/cluster_agents/${agentId}/tokens`, {
        body: { name, description },
      }),
    {
      forbidden: MAINTAINER_HINT,
      explain: (f) =>
        f.status === 400 && /two active tokens/.test(f.description)
          ? new UserError(
              `Agent ${agentId} in ${project} already has two active tokens, GitLab's limit.`,
              {
                hint: 'Revoke the token agentk does not use (Operate > Kubernetes clusters > the agent > Access tokens), then run apply again.',
              },
            )
          : undefined,
    },
  );
  const body = response.body as unknown as AgentTokenSchema;
  const token = body.token;
  registerSecret(token);
  if (typeof token !== 'string' || token === '')
    throw new UserError(
      `GitLab created token ${body.id} for agent ${agentId} but did not return it.`,
      {
        hint: 'Revoke that token in GitLab and run apply again.',
      },
    );
  return { record: toToken(body), token };
}

/** Revokes a token; revoking an already revoked token succeeds too. */
export async function revokeToken(
  client: GitLabClient,
  project: string,
  agentId: number,
  tokenId: number,
): Promise<void> {
  // A 404 is the end wanted: revoked already (a retry of a request whose answer was lost).
  await callOrNull(
    client,
    `revoking token ${tokenId} of agent ${agentId} in ${project}`,
    /^404 Not found$/,
    () => client.agents.removeToken(project, agentId, tokenId),
    { forbidden: MAINTAINER_HINT },
  );
}
