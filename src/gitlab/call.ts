// Running one gitbeaker request of a typed wrapper in the client's request pool, with its failure
// mapped by the one mapping (errors.ts): the UserError names the object and the operation, and the
// GitLab error stays reachable as `cause`.
import type { GitLabClient } from './client.js';
import { explainGitLabError, httpFailure, type FailureHints } from './errors.js';

/** Runs one request in the client's pool, turning failures into UserErrors. */
export async function call<T>(
  client: GitLabClient,
  what: string,
  fn: () => Promise<T>,
  hints: FailureHints = {},
): Promise<T> {
  try {
    return await client.pooled(fn);
  } catch (error) {
    throw explainGitLabError(error, client.url, what, hints);
  }
}

/** Like `call`, but a 404 whose message matches `notFound` means "absent" and gives null. */
export async function callOrNull<T>(
  client: GitLabClient,
  what: string,
  notFound: RegExp,
  fn: () => Promise<T>,
  hints: FailureHints = {},
): Promise<T | null> {
  try {
    return await client.pooled(fn);
  } catch (error) {
    const failure = httpFailure(error);
    if (failure?.status === 404 && notFound.test(failure.description)) return null;
    throw explainGitLabError(error, client.url, what, hints);
  }
}
