// Instance metadata and the current user. /version is the deprecated alias of /metadata and returns the
// same body (lib/api/metadata.rb); both accept read_user tokens, as does GET /user (lib/api/users.rb).

import { currentUser } from '../entities.js';
import { ok, unauthorized, type RequestContext } from '../http-kit.js';
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
    method: 'GET',
    path: '/user',
    extraReadScopes: ['read_user'],
    handler: (ctx) => {
      if (!ctx.user) throw unauthorized();
      return ok(currentUser(ctx.baseUrl, ctx.user));
    },
  },
];
