// Reads, for every project a plan wants agents in, whether it exists, which agents are
// registered there and whether their config files are on the default branch.
import type { GitLabClient } from '../gitlab/client.js';
import { explainGitLabError, httpFailure } from '../gitlab/errors.js';
import type { LiveProject, LiveState } from './live-state.js';

export interface LiveStateRequest {
  project: string;
  configPaths: string[];
}

async function orNullOn404<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (error) {
    if (httpFailure(error)?.status === 404) return null;
    throw error;
  }
}

async function readProject(client: GitLabClient, request: LiveStateRequest): Promise<LiveProject> {
  const project = await orNullOn404(() =>
    client.pooled(() => client.projects.show(request.project)),
  );
  if (project == null) return { exists: false, agents: [], files: {} };
  const agents =
    (await orNullOn404(() => client.pooled(() => client.agents.all(project.id)))) ?? [];
  const ref = (project.default_branch as string | null) ?? 'HEAD';
  const files: Record<string, string | null> = {};
  await Promise.all(
    request.configPaths.map(async (path) => {
      const file = await orNullOn404(() =>
        client.pooled(() => client.repositoryFiles.show(project.id, path, ref)),
      );
      files[path] = file == null ? null : Buffer.from(file.content, 'base64').toString('utf8');
    }),
  );
  return { exists: true, agents: agents.map((a) => a.name).sort(), files };
}

export async function readLiveState(
  client: GitLabClient,
  requests: LiveStateRequest[],
): Promise<LiveState> {
  const projects: Record<string, LiveProject> = {};
  try {
    await Promise.all(
      requests.map(async (request) => {
        projects[request.project.toLowerCase()] = await readProject(client, request);
      }),
    );
  } catch (error) {
    throw explainGitLabError(
      error,
      client.url,
      'reading the agents and config files already in GitLab',
    );
  }
  return { projects };
}
