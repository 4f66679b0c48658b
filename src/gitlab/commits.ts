// The one place commits are made: POST /projects/:id/repository/commits with create/update actions
// (gitlabhq/gitlabhq: lib/api/commits.rb). An update carries the `last_commit_id` the file was read
// at, so GitLab refuses it when someone changed the file in between.
import type { GitLabClient } from './client.js';
import { call } from './call.js';
import type { FailureHints } from './errors.js';
import { writeOnce } from './lost-answer.js';

export interface FileAction {
  action: 'create' | 'update';
  filePath: string;
  content: string;
  lastCommitId?: string;
}

export interface NewCommit {
  project: string;
  branch: string;
  message: string;
  actions: FileAction[];
  /** create `branch` from this one */
  startBranch?: string;
}

/**
 * Makes the commit and gives its id. `readBack` answers a lost answer: the id of the commit when
 * the branch holds what was meant to be committed, else null (then it is made once more).
 */
export async function createCommit(
  client: GitLabClient,
  commit: NewCommit,
  what: string,
  readBack: () => Promise<{ id: string } | null>,
  hints: FailureHints = {},
): Promise<{ id: string }> {
  const { project, branch, message, actions, startBranch } = commit;
  return writeOnce<{ id: string }>(
    () =>
      call(
        client,
        what,
        () =>
          client.commits.create(project, branch, message, actions, {
            ...(startBranch ? { startBranch } : {}),
          }),
        hints,
      ),
    readBack,
  );
}
