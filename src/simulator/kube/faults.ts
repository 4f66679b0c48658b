// Injected faults for the Kubernetes simulator: what an overloaded API server, or a proxy or load
// balancer in front of it (the agent's KAS proxy, a cloud LB), does to a client. Same ideas and
// counting as the GitLab simulator's faults: every Nth matching request since setFaults, seeded
// random faults, and lost answers (the write is done, then the answer does not arrive).

import {
  compileFilter,
  LostAnswerCounter,
  requireEvery,
  type LoseAnswerPlan,
  type LostAnswer,
  type RequestFilter,
  type RequestMatcher,
} from '../lost-answers.js';
import { FaultDice, type RandomFaultPlan } from '../random-faults.js';
import type { Answer } from './operations.js';
import { internalError, serviceUnavailable, tooManyRequests } from './status.js';

export type { LoseAnswerPlan, LostAnswerMode, LostAnswerRecord } from '../lost-answers.js';
export type { RandomFaultPlan } from '../random-faults.js';

/**
 * `methods` and `pathPattern` (against the request path as recorded) choose the requests that
 * errorEvery, rateLimitEvery, resetEvery and random count and hit; default every request, discovery
 * and health checks included. loseAnswer has its own filter.
 */
export interface KubeFaultPlan extends RequestFilter {
  /** matching request #N, #2N, ... answer errorStatus, work not done */
  errorEvery?: number;
  /** default 500 (reason InternalError); 503 is ServiceUnavailable. Also used by random.errorRate */
  errorStatus?: 500 | 503;
  /** matching request #N, #2N, ... answer 429 with Retry-After: 1, work not done */
  rateLimitEvery?: number;
  /**
   * the 429 body: 'status' (default) a Status with reason TooManyRequests, as apierrors.NewTooManyRequests
   * gives; 'text' the plain text kube-apiserver's max-in-flight and priority-and-fairness filters send
   */
  rateLimitBody?: 'status' | 'text';
  /** matching request #N, #2N, ... have their connection reset before anything is done */
  resetEvery?: number;
  /** the write is done, then its answer is lost; default methods POST, PUT, PATCH, DELETE */
  loseAnswer?: LoseAnswerPlan;
  random?: RandomFaultPlan;
}

export type KubeFaultRule =
  'rateLimitEvery' | 'errorEvery' | 'resetEvery' | 'loseAnswer' | 'random';
export type KubeInjected = 'error' | 'rate-limit' | 'reset' | 'lost-answer';

export type KubeFaultDecision =
  | { kind: 'none' }
  | {
      kind: 'respond';
      injected: 'error' | 'rate-limit';
      rule: KubeFaultRule;
      answer: Answer;
      /** the Status reason; null for the filters' plain-text 429 */
      reason: string | null;
    }
  | { kind: 'reset'; injected: 'reset'; rule: KubeFaultRule }
  | { kind: 'lose-answer'; injected: 'lost-answer'; rule: KubeFaultRule; lost: LostAnswer };

const TOO_MANY = 'Too many requests, please try again later.';

type Injected = { answer: Answer; reason: string | null };

function errorAnswer(status: 500 | 503): Injected {
  const failure =
    status === 503
      ? serviceUnavailable('the server is currently unable to handle the request')
      : internalError('injected fault');
  return { answer: { status, body: failure.toStatus() }, reason: failure.reason };
}

function rateLimitAnswer(style: 'status' | 'text'): Injected {
  // Go's http.Error, as the filters call it: text/plain, nosniff, the message and a newline.
  if (style === 'text') {
    const headers = { 'retry-after': '1', 'x-content-type-options': 'nosniff' };
    return { answer: { status: 429, body: `${TOO_MANY}\n`, headers }, reason: null };
  }
  const failure = tooManyRequests(TOO_MANY, 1);
  const headers = { 'retry-after': '1' };
  return { answer: { status: 429, body: failure.toStatus(), headers }, reason: failure.reason };
}

/**
 * The plan with its counters, made anew by setFaults. Rate limits win over errors over resets over
 * random faults over lost answers; a request gets at most one fault, and loseAnswer counts only the
 * requests no other fault hit.
 */
export class KubeFaultInjector {
  private count = 0;
  private readonly matches: RequestMatcher;
  private readonly lostAnswers: LostAnswerCounter;
  private readonly dice: FaultDice;

  constructor(readonly plan: KubeFaultPlan | null) {
    requireEvery('errorEvery', plan?.errorEvery);
    requireEvery('rateLimitEvery', plan?.rateLimitEvery);
    requireEvery('resetEvery', plan?.resetEvery);
    this.matches = compileFilter(plan ?? undefined, null);
    this.lostAnswers = new LostAnswerCounter(plan?.loseAnswer);
    this.dice = new FaultDice(plan?.random);
  }

  decide(method: string, path: string): KubeFaultDecision {
    const plan = this.plan;
    if (!plan) return { kind: 'none' };
    if (this.matches(method, path)) {
      const n = ++this.count;
      // Rolled first, so the random fault of matching request #n never depends on other faults.
      const random = this.dice.roll(method);
      const error = () => errorAnswer(plan.errorStatus ?? 500);
      const rateLimit = () => rateLimitAnswer(plan.rateLimitBody ?? 'status');
      if (plan.rateLimitEvery && n % plan.rateLimitEvery === 0)
        return { kind: 'respond', injected: 'rate-limit', rule: 'rateLimitEvery', ...rateLimit() };
      if (plan.errorEvery && n % plan.errorEvery === 0)
        return { kind: 'respond', injected: 'error', rule: 'errorEvery', ...error() };
      if (plan.resetEvery && n % plan.resetEvery === 0)
        return { kind: 'reset', injected: 'reset', rule: 'resetEvery' };
      if (random?.kind === 'error')
        return { kind: 'respond', injected: 'error', rule: 'random', ...error() };
      if (random?.kind === 'rate-limit')
        return { kind: 'respond', injected: 'rate-limit', rule: 'random', ...rateLimit() };
      if (random?.kind === 'lost-answer')
        return { kind: 'lose-answer', injected: 'lost-answer', rule: 'random', lost: random.lost };
    }
    const lost = this.lostAnswers.next(method, path);
    if (lost) return { kind: 'lose-answer', injected: 'lost-answer', rule: 'loseAnswer', lost };
    return { kind: 'none' };
  }
}
