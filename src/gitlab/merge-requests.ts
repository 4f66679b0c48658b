// Merge requests as configuration delivery needs them: the open one from a branch, opening one, and
// changing its title and description (gitlabhq/gitlabhq: lib/api/merge_requests.rb).
import type { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { call } from './call.js';
import { explainGitLabError, httpFailure, type FailureHints } from './errors.js';
import { writeOnce } from './lost-answer.js';

export interface OpenMergeRequest {
  iid: number;
  webUrl: string;
  title: string;
  description: string;
}

function toOpenMergeRequest(mr: {
  iid: number;
  web_url: string;
  title: string;
  description?: string | null;
}): OpenMergeRequest {
  return { iid: mr.iid, webUrl: mr.web_url, title: mr.title, description: mr.description ?? '' };
}

/** The open merge request from `source` into `target`, or null. */
export async function findOpenMergeRequest(
  client: GitLabClient,
  project: string,
  source: string,
  target: string,
): Promise<OpenMergeRequest | null> {
  const list = await call(client, `listing merge requests of ${project}`, () =>
    client.mergeRequests.all({
      projectId: project,
      sourceBranch: source,
      targetBranch: target,
      state: 'opened',
    }),
  );
  const first = list[0];
  return first ? toOpenMergeRequest(first) : null;
}

export interface NewMergeRequest {
  project: string;
  source: string;
  target: string;
  title: string;
  description: string;
}

/**
 * Opens the merge request (its source branch removed on merge). `exists` when GitLab answers 409:
 * one is open for the branch already (someone's, or a killed earlier run's whose answer was lost);
 * `error` is that answer, explained, for a caller that then cannot find it either.
 */
export async function openMergeRequest(
  client: GitLabClient,
  mr: NewMergeRequest,
  hints: FailureHints = {},
): Promise<
  { kind: 'opened'; mergeRequest: OpenMergeRequest } | { kind: 'exists'; error: UserError }
> {
  const what = 'opening a merge request';
  try {
    // Lost answer: the open merge request from our branch is the one we opened.
    const mergeRequest = await writeOnce(
      async () =>
        toOpenMergeRequest(
          await client.pooled(() =>
            client.mergeRequests.create(mr.project, mr.source, mr.target, mr.title, {
              description: mr.description,
              removeSourceBranch: true,
            }),
          ),
        ),
      () => findOpenMergeRequest(client, mr.project, mr.source, mr.target),
    );
    return { kind: 'opened', mergeRequest };
  } catch (error) {
    if (httpFailure(error)?.status === 409)
      return { kind: 'exists', error: explainGitLabError(error, client.url, what) };
    throw explainGitLabError(error, client.url, what, hints);
  }
}

/** PUT /projects/:id/merge_requests/:iid with a new title and description. */
export async function editMergeRequest(
  client: GitLabClient,
  project: string,
  iid: number,
  changes: { title: string; description: string },
  hints: FailureHints = {},
): Promise<OpenMergeRequest> {
  return toOpenMergeRequest(
    await call(
      client,
      `updating merge request !${iid}`,
      () => client.mergeRequests.edit(project, iid, changes),
      hints,
    ),
  );
}
