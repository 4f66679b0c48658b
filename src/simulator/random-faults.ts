// Seeded random faults, shared by both simulators, so tests and benchmarks can ask for "2% transient
// faults" and get the same faults on the same requests every run. Each counted request rolls the dice
// exactly once, whatever else happens to it: the fault of request #k depends only on the seed and k
// (and, for lost answers, on its method), not on which faults earlier requests got.

import {
  DEFAULT_LATE_MS,
  MUTATING_METHODS,
  type LostAnswer,
  type LostAnswerMode,
} from './lost-answers.js';
import { mulberry32, type Random } from './seeded-random.js';

export interface RandomFaultPlan {
  seed: number;
  /** share of requests answered with a 5xx before the work is done */
  errorRate?: number;
  /** share of requests answered 429 with Retry-After: 1 */
  rateLimitRate?: number;
  /** share of mutating requests (POST, PUT, PATCH, DELETE) that are done, then lose their answer */
  loseAnswerRate?: number;
  /** how the lost answers are lost, chosen per request; default all three */
  loseAnswerModes?: LostAnswerMode[];
  /** for lost answers in mode late; default 3000 */
  lateMs?: number;
}

export type RandomFault =
  { kind: 'error' } | { kind: 'rate-limit' } | { kind: 'lost-answer'; lost: LostAnswer } | null;

const ALL_MODES: LostAnswerMode[] = ['bad-gateway', 'reset', 'late'];

export class FaultDice {
  private readonly random: Random | null;

  constructor(private readonly plan: RandomFaultPlan | undefined) {
    this.random = plan ? mulberry32(plan.seed) : null;
    if (!plan) return;
    const rates = [plan.errorRate, plan.rateLimitRate, plan.loseAnswerRate].map((r) => r ?? 0);
    if (rates.some((r) => !(r >= 0 && r <= 1)) || rates.reduce((a, b) => a + b, 0) > 1)
      throw new RangeError('random fault rates must be between 0 and 1 and add up to at most 1');
    if (plan.loseAnswerModes?.length === 0)
      throw new RangeError('random.loseAnswerModes must not be empty');
  }

  /** One draw, split into consecutive bands: [error | rate limit | lost answer | nothing]. */
  roll(method: string): RandomFault {
    const plan = this.plan;
    if (!plan || !this.random) return null;
    const u = this.random();
    const error = plan.errorRate ?? 0;
    const rateLimit = plan.rateLimitRate ?? 0;
    const lose = plan.loseAnswerRate ?? 0;
    if (u < error) return { kind: 'error' };
    if (u < error + rateLimit) return { kind: 'rate-limit' };
    if (u < error + rateLimit + lose && MUTATING_METHODS.includes(method)) {
      // Where the draw fell inside the band picks the mode, so no second draw is needed.
      const modes = plan.loseAnswerModes ?? ALL_MODES;
      const within = (u - error - rateLimit) / lose;
      const mode = modes[Math.min(modes.length - 1, Math.floor(within * modes.length))]!;
      return { kind: 'lost-answer', lost: { mode, lateMs: plan.lateMs ?? DEFAULT_LATE_MS } };
    }
    return null;
  }
}
