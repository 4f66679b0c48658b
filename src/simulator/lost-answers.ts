// "Lost answers", shared by both simulators: the server carries a request out completely (the agent,
// the token, the commit, the object exist), then the answer never reaches the client. This is the
// case an idempotent apply engine must survive, and the one a plain 5xx or a stall cannot reproduce:
// after a 5xx the work was not done, after a stall the simulator drops the work when the client leaves.

import type { ServerResponse } from 'node:http';

/**
 * - bad-gateway: a 502 HTML page, as nginx or Workhorse answer when the upstream's answer got lost
 * - reset: the connection is reset without any response (the client sees a socket error)
 * - late: the real answer, but only after lateMs (a client with a shorter timeout gives up)
 */
export type LostAnswerMode = 'bad-gateway' | 'reset' | 'late';

export interface RequestFilter {
  /** upper-case HTTP methods; each fault says its default */
  methods?: string[];
  /** a RegExp source, searched (not anchored) in the raw request path as the request log shows it */
  pathPattern?: string;
}

export interface LoseAnswerPlan extends RequestFilter {
  /** request #N, #2N, ... among the matching requests that no other fault hit */
  every: number;
  mode: LostAnswerMode;
  /** for mode late; default 3000 */
  lateMs?: number;
}

export interface LostAnswer {
  mode: LostAnswerMode;
  /** how long a late answer waits */
  lateMs: number;
}

/** What the request log keeps about a lost answer. */
export interface LostAnswerRecord {
  mode: LostAnswerMode;
  /** what the server answered before the fault replaced or withheld it */
  status: number;
}

export const MUTATING_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
export const DEFAULT_LATE_MS = 3000;

export type RequestMatcher = (method: string, path: string) => boolean;

/** Compiled once per plan, so a bad pathPattern fails at setFaults and not inside a request. */
export function compileFilter(
  filter: RequestFilter | undefined,
  defaultMethods: readonly string[] | null,
): RequestMatcher {
  const methods = filter?.methods ?? defaultMethods;
  const allowed = methods ? new Set(methods.map((m) => m.toUpperCase())) : null;
  const pattern = filter?.pathPattern !== undefined ? new RegExp(filter.pathPattern) : null;
  return (method, path) =>
    (allowed == null || allowed.has(method)) && (pattern == null || pattern.test(path));
}

export function requireEvery(name: string, every: number | undefined): void {
  if (every !== undefined && !(Number.isInteger(every) && every >= 1))
    throw new RangeError(`${name} must be a positive integer, got ${every}`);
}

/** Counts the matching requests offered to it and says which of them lose their answer. */
export class LostAnswerCounter {
  private readonly matches: RequestMatcher;
  private count = 0;

  constructor(private readonly plan: LoseAnswerPlan | undefined) {
    requireEvery('loseAnswer.every', plan?.every);
    this.matches = compileFilter(plan, MUTATING_METHODS);
  }

  /** Call only for requests no other fault hit (see LoseAnswerPlan.every). */
  next(method: string, path: string): LostAnswer | null {
    const plan = this.plan;
    if (!plan || !this.matches(method, path)) return null;
    if (++this.count % plan.every !== 0) return null;
    return { mode: plan.mode, lateMs: plan.lateMs ?? DEFAULT_LATE_MS };
  }
}

/** The page a reverse proxy serves for 502 (both simulators' proxies answer with this one). */
export const BAD_GATEWAY_HTML = '<html><body><h1>502 Bad Gateway</h1></body></html>\n';

/**
 * Ends the connection without a response. A TCP reset where possible (the client sees ECONNRESET, as
 * when a proxy or load balancer drops the connection); TLS sockets cannot be reset directly, so they
 * are just destroyed (the client sees the connection close before any response).
 */
export function dropConnection(res: ServerResponse): void {
  const socket = res.socket;
  try {
    if (socket) {
      socket.resetAndDestroy();
      return;
    }
  } catch {
    // not a plain TCP handle (TLS): fall through
  }
  res.destroy();
}
