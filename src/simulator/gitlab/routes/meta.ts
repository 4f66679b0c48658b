// Instance metadata and the current user. /version is the deprecated alias of /metadata and returns the
// same body (lib/api/metadata.rb); both accept read_user tokens, as does GET /user (lib/api/users.rb).

import { currentUser, userBasic } from '../entities.js';
import { ApiError, ok, unauthorized, type RequestContext } from '../http-kit.js';
import type { RouteDefinition } from '../router.js';
import { versionAtLeast } from '../hierarchy.js';

function metadata(ctx: RequestContext): unknown {
  const { instance } = ctx.state;
  const kas: Record<string, unknown> = {
    enabled: instance.kas.enabled,
    externalUrl: instance.kas.externalUrl,
  };
  // kas.externalK8sProxyUrl was added to the metadata query in 17.6
  if (versionAtLeast(instance.version, 17, 6))
    kas['externalK8sProxyUrl'] = instance.kas.externalK8sProxyUrl;
  kas['version'] = instance.kas.version;
  return {
    version: instance.version,
    revision: instance.revision,
    kas,
    enterprise: instance.enterprise,
  };
}

export const metaRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/version',
    extraReadScopes: ['read_user'],
    handler: (ctx) => ok(metadata(ctx)),
  },
  {
    method: 'GET',
    path: '/metadata',
    extraReadScopes: ['read_user'],
    handler: (ctx) => ok(metadata(ctx)),
  },
  {
    // lib/api/personal_access_tokens/self_information.rb (15.5+): any personal access token may
    // read itself, whatever its scopes.
    method: 'GET',
    path: '/personal_access_tokens/self',
    extraReadScopes: ['read_user', 'read_repository', 'write_repository'],
    handler: (ctx) => {
      if (!ctx.user || !ctx.token) throw unauthorized();
      return ok({
        id: ctx.token.index + 1,
        name: ctx.token.name,
        revoked: false,
        created_at: '2025-01-01T00:00:00.000Z',
        scopes: [...ctx.token.scopes],
        user_id: ctx.user.id,
        last_used_at: null,
        active: true,
        expires_at: null,
      });
    },
  },
  {
    // GET /users?username=: UsersFinder#by_username, case-insensitive (User.by_username). Callers
    // who are not administrators see only users in no forbidden state (gitlabhq/gitlabhq:
    // app/finders/users_finder.rb; lib/api/users.rb). Only the username filter is simulated.
    method: 'GET',
    path: '/users',
    extraReadScopes: ['read_user'],
    handler: (ctx) => {
      if (!ctx.user) throw unauthorized();
      const username = ctx.query.get('username');
      if (username == null)
        throw new ApiError(501, {
          message: '501 Not Implemented - the simulator models GET /users only with ?username=',
        });
      const found = ctx.state.usersByUsername.get(username.toLowerCase());
      const visible = found && (ctx.user.admin || found.state === 'active');
      return ok(visible ? [userBasic(ctx.baseUrl, found)] : []);
    },
  },
  {
    method: 'GET',
    path: '/user',
    extraReadScopes: ['read_user'],
    handler: (ctx) => {
      if (!ctx.user) throw unauthorized();
      return ok(currentUser(ctx.baseUrl, ctx.user));
    },
  },
];
