// Commands that change GitLab check first that the token may write: otherwise the first write of
// a long run fails half-way with "insufficient_scope", after some steps already ran.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { httpFailure } from './errors.js';

interface TokenSelf {
  scopes?: string[];
}

/** Throws when the token is a personal access token without the `api` scope. */
export async function assertWriteScope(client: GitLabClient, command: string): Promise<void> {
  let scopes: string[] | undefined;
  try {
    scopes = (await client.get<TokenSelf>('personal_access_tokens/self')).body.scopes;
  } catch (error) {
    // Not a personal access token (OAuth, project/group token on older GitLab) or GitLab < 15.5:
    // nothing to check up front; a write without rights still fails with its own message.
    const status = httpFailure(error)?.status;
    if (status === 404 || status === 403 || status === 401) return;
    throw error;
  }
  if (scopes && !scopes.includes('api')) {
    throw new UserError(
      `${command} changes GitLab, but the token only has the ${scopes.join(', ') || 'no'} scope${scopes.length > 1 ? 's' : ''}.`,
      {
        hint: 'Use a personal access token with the api scope (GITLAB_TOKEN), or add --dry-run to see the changes.',
      },
    );
  }
}
