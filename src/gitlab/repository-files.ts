// The one reader of repository files: the current content of files on a branch, with the ids GitLab
// needs to refuse a commit that would overwrite someone else's change. A missing file, branch or
// empty repository is simply "no file": only access problems and unexpected failures become errors.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { explainGitLabError, httpFailure } from './errors.js';
import { missingProject, projectInfo } from './projects.js';

export interface RemoteFile {
  content: string;
  /** the last commit that changed the file on the branch read (`last_commit_id` of an update) */
  lastCommitId: string;
}

export interface BranchSnapshot {
  ref: string;
  /** false when the ref names no branch or commit (an empty repository has none) */
  refExists: boolean;
  files: Record<string, RemoteFile | null>;
}

function cannotRead(project: string, cause: unknown): UserError {
  return new UserError(`GitLab refused to show the repository of ${project} (403 Forbidden).`, {
    hint: `Reading repository files of a private project needs at least the Reporter role on ${project}.`,
    cause,
  });
}

/** The files at `ref`, read concurrently (within the client's request pool). */
export async function readFilesAt(
  client: GitLabClient,
  project: string,
  paths: readonly string[],
  ref: string,
): Promise<BranchSnapshot> {
  let refExists = true;
  const entries = await Promise.all(
    paths.map(async (path): Promise<[string, RemoteFile | null]> => {
      try {
        const file = await client.pooled(() => client.repositoryFiles.show(project, path, ref));
        const content = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8');
        return [path, { content: content.toString('utf8'), lastCommitId: file.last_commit_id }];
      } catch (error) {
        const failure = httpFailure(error);
        if (failure?.status === 404 && failure.description === '404 Commit Not Found') {
          refExists = false;
          return [path, null];
        }
        if (failure?.status === 404 && failure.description === '404 File Not Found')
          return [path, null];
        throw explainGitLabError(error, client.url, `reading ${path} in ${project}`, {
          explain: (f, cause) => {
            if (f.status === 404) return missingProject(project, cause);
            if (f.status === 403 && f.description !== 'insufficient_scope')
              return cannotRead(project, cause);
            return undefined;
          },
        });
      }
    }),
  );
  return { ref, refExists, files: Object.fromEntries(entries) };
}

/**
 * Current content of `paths` on `ref` (default: the project's default branch). A project that does not
 * exist yet, an empty repository and a missing file all read as null, so a dry run can plan the files
 * of a project that apply has not created yet.
 */
export async function readConfigFiles(
  client: GitLabClient,
  project: string,
  paths: string[],
  ref?: string,
): Promise<Record<string, string | null>> {
  const none = Object.fromEntries(paths.map((p) => [p, null]));
  let branch = ref;
  if (branch === undefined) {
    const info = await projectInfo(client, project);
    if (!info || info.emptyRepo) return none;
    branch = info.defaultBranch;
  }
  const snapshot = await readFilesAt(client, project, paths, branch);
  return Object.fromEntries(paths.map((p) => [p, snapshot.files[p]?.content ?? null]));
}
