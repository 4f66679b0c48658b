// A small router for /api/v4 routes. Patterns are matched segment by segment on the raw path, and each
// segment is percent-decoded only after splitting, so `/projects/a%2Fb` binds `:id` to `a/b` exactly as
// GitLab's `requirements: { id: /[^\/]+/ }` does. HEAD is served by GET routes.

import type { TokenScope } from './fixture-types.js';
import type { ApiResponse, RequestContext } from './http-kit.js';
import type { SimulatorState } from './state.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** path below /api/v4 with `:name` parameters, e.g. `/projects/:id/clusters/:cluster_id` */
  path: string;
  /** default `required`; `optional` routes serve public data to anonymous callers like GitLab does */
  auth?: 'required' | 'optional';
  /** scopes accepted for GET/HEAD besides api/read_api (e.g. read_user on /metadata) */
  extraReadScopes?: TokenScope[];
  /** routes that only exist on some GitLab versions; absent routes fall through to the 404 catch-all */
  available?: (state: SimulatorState) => boolean;
  handler: (ctx: RequestContext) => ApiResponse | Promise<ApiResponse>;
}

export interface RouteMatch {
  route: RouteDefinition;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteDefinition;
  /** literal segment, or null for a parameter */
  segments: (string | null)[];
  names: string[];
}

export class Router {
  private readonly byMethod = new Map<string, CompiledRoute[]>();

  constructor(routes: readonly RouteDefinition[]) {
    for (const route of routes) this.add(route);
  }

  add(route: RouteDefinition): void {
    const parts = route.path.split('/').filter((s) => s !== '');
    const compiled: CompiledRoute = {
      route,
      segments: parts.map((s) => (s.startsWith(':') ? null : s)),
      names: parts.filter((s) => s.startsWith(':')).map((s) => s.slice(1)),
    };
    let list = this.byMethod.get(route.method);
    if (!list) this.byMethod.set(route.method, (list = []));
    list.push(compiled);
  }

  /** `apiPath` is the raw path below /api/v4 (still percent-encoded). */
  match(method: string, apiPath: string, state: SimulatorState): RouteMatch | null {
    const list = this.byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (!list) return null;
    const raw = apiPath.split('/').filter((s) => s !== '');
    // literal routes win over parameterised ones (`/groups/:id/clusters/user` before `/:cluster_id`)
    let best: { compiled: CompiledRoute; params: Record<string, string>; literals: number } | null =
      null;
    for (const compiled of list) {
      if (compiled.segments.length !== raw.length) continue;
      const params: Record<string, string> = {};
      let literals = 0;
      let ok = true;
      let p = 0;
      for (let i = 0; i < raw.length && ok; i++) {
        const want = compiled.segments[i];
        const got = raw[i] as string;
        if (want == null) {
          const decoded = safeDecode(got);
          if (decoded == null) ok = false;
          else params[compiled.names[p++] as string] = decoded;
        } else if (want === got) literals++;
        else ok = false;
      }
      if (!ok) continue;
      if (compiled.route.available && !compiled.route.available(state)) continue;
      if (!best || literals > best.literals) best = { compiled, params, literals };
    }
    return best ? { route: best.compiled.route, params: best.params } : null;
  }
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
