// What a refused write of configuration delivery means, said in its terms: the role a protected
// default branch or a merge request needs, a project that is gone, a file someone changed meanwhile.
// Given as hints to the one mapping of GitLab failures (gitlab/errors.ts).
import { UserError } from '../errors.js';
import type { FailureHints } from '../gitlab/errors.js';
import { missingProject } from '../gitlab/projects.js';
import type { ConfigVia } from './types.js';

/** The 400s GitLab gives when a file changed between our read and our commit. */
const RACE_MESSAGES = [
  'The file has changed since you started editing it',
  'A file with this name already exists',
  "A file with this name doesn't exist",
];

export function writeHints(
  via: ConfigVia,
  project: string,
  branch: string,
  doing: string,
): FailureHints {
  return {
    explain: (failure, error) => {
      if (failure.status === 403 && failure.description !== 'insufficient_scope') {
        const toDefault = via === 'commit' || !branch.startsWith('migrate-clusters/');
        return new UserError(`GitLab refused ${doing} (403 Forbidden).`, {
          hint: toDefault
            ? `Pushing to the protected default branch ${branch} needs the Maintainer role on ${project}; ` +
              'ask a maintainer, or use --config-via merge-request (Developer is enough).'
            : `Branches and merge requests need at least the Developer role on ${project}.`,
          cause: error,
        });
      }
      if (failure.status === 404 && failure.description === '404 Project Not Found')
        return missingProject(project, error);
      if (failure.status === 400 && RACE_MESSAGES.some((m) => failure.description.startsWith(m))) {
        return new UserError(
          `A configuration file in ${project} changed on ${branch} while migrate-clusters was writing it (${failure.description}).`,
          {
            hint: 'Run the command again: it re-reads the files and merges with the new content.',
            cause: error,
          },
        );
      }
      return undefined;
    },
  };
}
