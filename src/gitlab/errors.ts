// The one mapping of GitLab failures: transport and HTTP failures become one-line UserErrors that say
// what was being done and what to do next. A wrapper adds what only it knows through FailureHints (the
// role its endpoint needs, a known 400 or 409); everything else gets the same wording everywhere.
import {
  GitbeakerRequestError,
  GitbeakerRetryError,
  GitbeakerTimeoutError,
} from '@gitbeaker/requester-utils';
import { UserError } from '../errors.js';
import { isBlockedPort, isTlsFailure, tlsFailureWords } from './tls-failure.js';

export interface HttpFailure {
  status: number;
  /** GitLab's `message` or `error` field, as gitbeaker extracted it */
  description: string;
}

/** The HTTP status and GitLab message of a failed request, or null for other errors. */
export function httpFailure(error: unknown): HttpFailure | null {
  if (!(error instanceof GitbeakerRequestError)) return null;
  const cause = error.cause as { response?: Response; description?: string } | undefined;
  const status = cause?.response?.status;
  return status == null ? null : { status, description: cause?.description ?? error.message };
}

export interface FailureHints {
  /** hint when GitLab answers 403 Forbidden (the role the endpoint needs) */
  forbidden?: string;
  /**
   * endpoint-specific translations (a known 400 or 409), given the failure and the error to keep as
   * `cause`; undefined falls back to the generic text
   */
  explain?: (failure: HttpFailure, error: unknown) => UserError | undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens on that port)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up (DNS)',
  ECONNRESET: 'the connection was reset',
};

/** The system error code of a failed fetch (on its cause, or the cause's cause). */
export function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
  return cause?.code ?? cause?.cause?.code;
}

/**
 * @param what what we were doing, for the message ("listing clusters of group a/b")
 */
export function explainGitLabError(
  error: unknown,
  url: string,
  what: string,
  hints: FailureHints = {},
): UserError {
  if (error instanceof UserError) return error;
  const failure = httpFailure(error);
  if (failure) {
    const specific = hints.explain?.(failure, error);
    if (specific) return specific;
    const { status, description } = failure;
    if (status === 401) {
      return new UserError(
        `GitLab at ${url} rejected the token (401 Unauthorized) while ${what}.`,
        {
          hint: 'Check --token or GITLAB_TOKEN: the token may be wrong, expired or revoked.',
          cause: error,
        },
      );
    }
    if (status === 403 && description === 'insufficient_scope') {
      return new UserError(
        `The token lacks the scope needed for ${what} (403 insufficient_scope).`,
        {
          hint: 'Use a personal access token with the read_api scope for inventory/plan, or api for apply.',
          cause: error,
        },
      );
    }
    if (status === 403) {
      return new UserError(`GitLab refused access while ${what} (403 Forbidden).`, {
        hint:
          hints.forbidden ??
          'Certificate clusters need at least the Maintainer role; instance clusters need an administrator.',
        cause: error,
      });
    }
    return new UserError(
      `GitLab answered ${status} ${description || ''} while ${what}.`.replace(/\s+\./, '.'),
      {
        cause: error,
      },
    );
  }
  if (error instanceof GitbeakerTimeoutError || error instanceof GitbeakerRetryError) {
    return new UserError(`GitLab at ${url} did not answer while ${what}: ${error.message}.`, {
      hint: 'Check the instance is up, or raise --timeout; retries already happened.',
      cause: error,
    });
  }
  const code = networkCode(error);
  if (code && NETWORK_WORDS[code]) {
    return new UserError(`Cannot reach GitLab at ${url}: ${NETWORK_WORDS[code]} (${code}).`, {
      hint: 'Check --gitlab-url or GITLAB_URL, and that this machine can reach the instance.',
      cause: error,
    });
  }
  if (isBlockedPort(error)) {
    return new UserError(
      `Cannot reach GitLab at ${url}: Node's fetch refuses that port (it is reserved for another protocol).`,
      { hint: 'Check the port in --gitlab-url or GITLAB_URL.', cause: error },
    );
  }
  if (isTlsFailure(code)) {
    const { problem, hint } = tlsFailureWords(code!, url);
    return new UserError(`Cannot talk to GitLab at ${url}: ${problem}.`, { hint, cause: error });
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    return new UserError(`Cannot reach GitLab at ${url} (${code ?? error.message}).`, {
      hint: 'Check --gitlab-url or GITLAB_URL (scheme, host, port).',
      cause: error,
    });
  }
  return new UserError(
    `Unexpected failure while ${what}: ${(error as Error).message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
