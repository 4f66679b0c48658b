// Failure modes for resilience tests and benchmarks: injected faults (what a proxy or an overloaded
// instance does in front of GitLab) and GitLab's own per-user API throttle (Rack::Attack).

import {
  BAD_GATEWAY_HTML,
  LostAnswerCounter,
  type LoseAnswerPlan,
  type LostAnswer,
} from '../lost-answers.js';
import { FaultDice, type RandomFaultPlan } from '../random-faults.js';
import { HostileAnswers, type HostileAnswerPlan } from './hostile-answers.js';
import type { ApiResponse } from './http-kit.js';

export type { LoseAnswerPlan, LostAnswerMode } from '../lost-answers.js';
export type { RandomFaultPlan } from '../random-faults.js';
export type { HostileAnswer, HostileAnswerPlan } from './hostile-answers.js';

export interface FaultPlan {
  /** added to every /api/v4 response */
  latencyMs?: number;
  /** request #N, #2N, ... (1-based count of /api/v4 requests since setFaults) answer errorStatus */
  errorEvery?: number;
  /** default 500; also the status of random.errorRate faults */
  errorStatus?: 500 | 502 | 503 | 504;
  /** requests #from .. #from+count-1 answer 429 'Retry later' text/plain + Retry-After */
  rateLimitStorm?: { from: number; count: number; retryAfterSeconds: number };
  /** request #N, #2N ... do not answer for stallMs (client should time out and retry) */
  stallEvery?: number;
  /**
   * default 60000. When the client disconnects during a stall the work is dropped (the request never
   * reached GitLab); to have the work done and the answer lost, use `loseAnswer` with mode `late`.
   */
  stallMs?: number;
  /**
   * The request is handled completely, then its answer is lost (502 page, reset, or late). Counts
   * the matching requests (default methods POST, PUT, PATCH, DELETE; pathPattern against the raw
   * path as recorded, /api/v4 included) that no other fault hit.
   */
  loseAnswer?: LoseAnswerPlan;
  /** seeded faults on every /api/v4 request; errors use errorStatus, 429s carry Retry-After: 1 */
  random?: RandomFaultPlan;
  /**
   * Answers no GitLab gives (an HTML login page, a huge body, a wrong shape, looping pagination)
   * for the requests each rule matches; checked before every other fault. Requests answered this
   * way do not count for the other faults' counters.
   */
  hostile?: HostileAnswerPlan[];
}

export interface RateLimitPlan {
  limit: number;
  windowSeconds: number;
}

/** Which part of the plan hit a request. */
export type FaultRule =
  'rateLimitStorm' | 'errorEvery' | 'stallEvery' | 'loseAnswer' | 'random' | 'hostile';

export type FaultDecision =
  | { kind: 'none' }
  | {
      kind: 'respond';
      injected: 'error' | 'rate-limit';
      rule: FaultRule;
      response: ApiResponse;
    }
  | { kind: 'stall'; injected: 'stall'; rule: FaultRule; ms: number }
  | { kind: 'lose-answer'; injected: 'lost-answer'; rule: FaultRule; lost: LostAnswer };

const ERROR_TEXT: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** 502 comes from the reverse proxy (Workhorse/nginx) as an HTML page; the others as GitLab JSON. */
export function errorResponse(status: number): ApiResponse {
  if (status === 502) return { status, text: BAD_GATEWAY_HTML, contentType: 'text/html' };
  return { status, json: { message: `${status} ${ERROR_TEXT[status] ?? 'Error'}` } };
}

function retryLater(retryAfterSeconds: number): ApiResponse {
  return {
    status: 429,
    text: 'Retry later\n',
    contentType: 'text/plain',
    headers: { 'Retry-After': String(retryAfterSeconds) },
  };
}

/**
 * The plan with its counters, made anew by setFaults (so every count starts again). A storm wins over
 * errors over stalls over random faults over lost answers; a request gets at most one fault.
 */
export class FaultInjector {
  private count = 0;
  private readonly lostAnswers: LostAnswerCounter;
  private readonly dice: FaultDice;
  /** consulted by the server before `decide` */
  readonly hostile: HostileAnswers;

  constructor(readonly plan: FaultPlan | null) {
    this.lostAnswers = new LostAnswerCounter(plan?.loseAnswer);
    this.dice = new FaultDice(plan?.random);
    this.hostile = new HostileAnswers(plan?.hostile);
  }

  /** For the next /api/v4 request; `path` is the raw path as recorded. */
  decide(method: string, path: string): FaultDecision {
    const plan = this.plan;
    if (!plan) return { kind: 'none' };
    const n = ++this.count;
    // Rolled before anything else, so the random fault of request #n never depends on other faults.
    const random = this.dice.roll(method);
    const storm = plan.rateLimitStorm;
    if (storm && n >= storm.from && n < storm.from + storm.count) {
      const response = retryLater(storm.retryAfterSeconds);
      return { kind: 'respond', injected: 'rate-limit', rule: 'rateLimitStorm', response };
    }
    const errorStatus = plan.errorStatus ?? 500;
    if (plan.errorEvery && n % plan.errorEvery === 0) {
      const response = errorResponse(errorStatus);
      return { kind: 'respond', injected: 'error', rule: 'errorEvery', response };
    }
    if (plan.stallEvery && n % plan.stallEvery === 0)
      return { kind: 'stall', injected: 'stall', rule: 'stallEvery', ms: plan.stallMs ?? 60_000 };
    if (random?.kind === 'error') {
      const response = errorResponse(errorStatus);
      return { kind: 'respond', injected: 'error', rule: 'random', response };
    }
    if (random?.kind === 'rate-limit')
      return { kind: 'respond', injected: 'rate-limit', rule: 'random', response: retryLater(1) };
    if (random?.kind === 'lost-answer')
      return { kind: 'lose-answer', injected: 'lost-answer', rule: 'random', lost: random.lost };
    const lost = this.lostAnswers.next(method, path);
    if (lost) return { kind: 'lose-answer', injected: 'lost-answer', rule: 'loseAnswer', lost };
    return { kind: 'none' };
  }
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
