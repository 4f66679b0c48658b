// Shared error handling for the typed GitLab wrappers the apply engine calls (agents, variables,
// environments, cluster edits): every failure becomes a UserError naming the object and the operation,
// with a hint for the role each endpoint needs; the GitLab error stays reachable as `cause`.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { explainGitLabError, httpFailure, type HttpFailure } from './errors.js';

export interface FailureHints {
  /** hint when GitLab answers 403 Forbidden (the role the endpoint needs) */
  forbidden?: string;
  /** endpoint-specific translations (a known 400 or 409); undefined falls back to the generic text */
  explain?: (failure: HttpFailure) => UserError | undefined;
}

export function wrapperFailure(
  error: unknown,
  client: GitLabClient,
  what: string,
  hints: FailureHints = {},
): UserError {
  if (error instanceof UserError) return error;
  const failure = httpFailure(error);
  if (failure) {
    const specific = hints.explain?.(failure);
    if (specific) return specific;
    if (failure.status === 403 && failure.description !== 'insufficient_scope' && hints.forbidden) {
      return new UserError(`GitLab refused access while ${what} (403 Forbidden).`, {
        hint: hints.forbidden,
        cause: error,
      });
    }
  }
  return explainGitLabError(error, client.url, what);
}

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
    throw wrapperFailure(error, client, what, hints);
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
    throw wrapperFailure(error, client, what, hints);
  }
}
