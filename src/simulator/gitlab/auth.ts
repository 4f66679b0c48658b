// Token authentication and scope checks, in GitLab's order (lib/api/api_guard.rb, auth_finders.rb):
//   1. find the token (PRIVATE-TOKEN header, private_token param, Authorization: Bearer);
//      a token that matches nothing is 401 even on routes that allow anonymous access;
//   2. scopes: `api` allows everything, `read_api` only GET/HEAD, some routes also allow `read_user`
//      (GET /user, /version, /metadata); otherwise 403 insufficient_scope (OAuth2 bearer error shape, whose
//      `scope` lists every scope registered for the endpoint, the route's own first);
//   3. a blocked user is refused with 403 "Your account has been blocked." (api_access_allowed?).
// Secrets are only ever compared, never copied into records or logs.

import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, unauthorized } from './http-kit.js';
import type { TokenScope } from './fixture-types.js';
import type { SimulatorState, TokenRecord } from './state.js';

export type AuthScheme = 'private-token' | 'bearer' | 'none';

export interface Credentials {
  scheme: AuthScheme;
  secret: string | null;
}

export function extractCredentials(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): Credentials {
  const header = headers['private-token'];
  const privateToken = (Array.isArray(header) ? header[0] : header) || query.get('private_token');
  if (privateToken) return { scheme: 'private-token', secret: privateToken };
  const authorization = headers.authorization;
  const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (m?.[1]) return { scheme: 'bearer', secret: m[1] };
  return { scheme: 'none', secret: null };
}

/** Token lookup without side effects (the rate limiter uses it to key requests before routing). */
export function lookupToken(state: SimulatorState, credentials: Credentials): TokenRecord | null {
  return credentials.secret == null ? null : (state.tokensBySecret.get(credentials.secret) ?? null);
}

export interface AuthRequirement {
  /** `required`: `authenticate!`; `optional`: anonymous callers get public data only */
  auth: 'required' | 'optional';
  /** scopes this endpoint accepts for GET/HEAD on top of api/read_api */
  extraReadScopes: readonly TokenScope[];
}

export function authenticate(
  state: SimulatorState,
  credentials: Credentials,
  method: string,
  requirement: AuthRequirement,
): TokenRecord | null {
  if (credentials.secret == null) {
    if (requirement.auth === 'required') throw unauthorized();
    return null;
  }
  const token = lookupToken(state, credentials);
  if (!token) throw unauthorized();
  const readOnly = method === 'GET' || method === 'HEAD';
  const allowed =
    token.scopes.has('api') ||
    (readOnly && token.scopes.has('read_api')) ||
    (readOnly && requirement.extraReadScopes.some((s) => token.scopes.has(s)));
  if (!allowed) {
    throw new ApiError(403, {
      error: 'insufficient_scope',
      error_description:
        'The request requires higher privileges than provided by the access token.',
      scope: [...requirement.extraReadScopes, 'api', 'read_api'].join(' '),
    });
  }
  if (token.user.state === 'blocked') {
    throw new ApiError(403, { message: '403 Forbidden - Your account has been blocked.' });
  }
  return token;
}
