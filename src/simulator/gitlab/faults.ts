// Failure modes for resilience tests and benchmarks: injected faults (what a proxy or an overloaded
// instance does in front of GitLab) and GitLab's own per-user API throttle (Rack::Attack).

import type { ApiResponse } from './http-kit.js';

export interface FaultPlan {
  /** added to every /api/v4 response */
  latencyMs?: number;
  /** request #N, #2N, ... (1-based count of /api/v4 requests since setFaults) answer errorStatus */
  errorEvery?: number;
  /** default 500 */
  errorStatus?: 500 | 502 | 503 | 504;
  /** requests #from .. #from+count-1 answer 429 'Retry later' text/plain + Retry-After */
  rateLimitStorm?: { from: number; count: number; retryAfterSeconds: number };
  /** request #N, #2N ... do not answer for stallMs (client should time out and retry) */
  stallEvery?: number;
  /** default 60000; when the client disconnects the work is dropped */
  stallMs?: number;
}

export interface RateLimitPlan {
  limit: number;
  windowSeconds: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'respond'; injected: 'error' | 'rate-limit'; response: ApiResponse }
  | { kind: 'stall'; ms: number };

const ERROR_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** What request number `n` (1-based since the plan was set) runs into. A storm wins over errors over stalls. */
export function decideFault(plan: FaultPlan | null, n: number): FaultDecision {
  if (!plan) return { kind: 'none' };
  const storm = plan.rateLimitStorm;
  if (storm && n >= storm.from && n < storm.from + storm.count) {
    return {
      kind: 'respond',
      injected: 'rate-limit',
      response: {
        status: 429,
        text: 'Retry later\n',
        contentType: 'text/plain',
        headers: { 'Retry-After': String(storm.retryAfterSeconds) },
      },
    };
  }
  if (plan.errorEvery && n % plan.errorEvery === 0) {
    const status = plan.errorStatus ?? 500;
    const label = `${status} ${ERROR_TEXT[status] ?? 'Error'}`;
    // 502 comes from the reverse proxy (Workhorse/nginx) as an HTML page; the others as GitLab JSON.
    const response: ApiResponse =
      status === 502
        ? {
            status,
            text: `<html><body><h1>${label}</h1></body></html>\n`,
            contentType: 'text/html',
          }
        : { status, json: { message: label } };
    return { kind: 'respond', injected: 'error', response };
  }
  if (plan.stallEvery && n % plan.stallEvery === 0)
    return { kind: 'stall', ms: plan.stallMs ?? 60_000 };
  return { kind: 'none' };
}

export interface ThrottleResult {
  headers: Record<string, string>;
  /** set when the request is over the limit */
  response: ApiResponse | null;
}

/**
 * Fixed-window counter per key, like Rack::Attack: windows are aligned to multiples of `windowSeconds`
 * since the epoch, every request counts (also throttled ones), and a request is throttled once the count
 * passes the limit. Authenticated callers are keyed per token (GitLab keys per user; the fixture's tokens
 * are per user in practice), anonymous ones per client address.
 */
export class RateLimiter {
  private readonly counters = new Map<string, { window: number; count: number }>();

  constructor(private readonly plan: RateLimitPlan) {}

  hit(key: string, authenticated: boolean, nowMs = Date.now()): ThrottleResult {
    const windowMs = this.plan.windowSeconds * 1000;
    const window = Math.floor(nowMs / windowMs);
    let counter = this.counters.get(key);
    if (!counter || counter.window !== window)
      this.counters.set(key, (counter = { window, count: 0 }));
    counter.count++;
    const resetMs = (window + 1) * windowMs;
    const headers: Record<string, string> = {
      'RateLimit-Name': authenticated
        ? 'throttle_authenticated_api'
        : 'throttle_unauthenticated_api',
      'RateLimit-Limit': String(this.plan.limit),
      'RateLimit-Observed': String(counter.count),
      'RateLimit-Remaining': String(Math.max(0, this.plan.limit - counter.count)),
      'RateLimit-Reset': String(Math.floor(resetMs / 1000)),
    };
    if (counter.count <= this.plan.limit) return { headers, response: null };
    const throttledHeaders = {
      ...headers,
      'RateLimit-ResetTime': new Date(resetMs).toUTCString(),
      'Retry-After': String(Math.max(1, Math.ceil((resetMs - nowMs) / 1000))),
    };
    return {
      headers: throttledHeaders,
      response: {
        status: 429,
        text: 'Retry later\n',
        contentType: 'text/plain',
        headers: throttledHeaders,
      },
    };
  }
}
