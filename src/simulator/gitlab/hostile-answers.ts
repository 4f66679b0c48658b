// Answers no GitLab gives, for tests of a client that must not trust them: what a login proxy, a
// captive portal, a broken cache or a stranger at the wrong --gitlab-url sends back with a 200. Like
// the other faults they stand in front of GitLab: an HTML page, a huge body or a wrong shape is
// answered without GitLab (or its authentication) being asked; header rewrites take GitLab's own
// answer and change its headers on the way out, the way a misbehaving cache would.

import { compileFilter, type RequestFilter, type RequestMatcher } from '../lost-answers.js';
import type { ApiResponse } from './http-kit.js';

export type HostileAnswer =
  /** a login page, 200 text/html unless `status` says otherwise */
  | { kind: 'html-page'; status?: number }
  /**
   * 200 application/json whose body is a JSON array of at least `bytes` bytes, streamed; with
   * `declareLength` false it goes out chunked, so only a client that counts can stop it
   */
  | { kind: 'oversized'; bytes: number; declareLength?: boolean }
  /** 200 application/json with this body (a wrong shape) */
  | { kind: 'json'; body: unknown }
  /** any status, content type and text, e.g. broken JSON labelled application/json */
  | { kind: 'raw'; status?: number; contentType: string; text: string }
  /** GitLab's answer with `x-next-page: 2` and without the totals, on every page: a loop */
  | { kind: 'next-page-loop' }
  /** GitLab's answer with these headers replaced (null removes one); names are case-insensitive */
  | { kind: 'headers'; headers: Record<string, string | null> };

export interface HostileAnswerPlan extends RequestFilter {
  /** default: GET only */
  methods?: string[];
  /** only the first N matching requests get it (default: all); later ones fall to the next rule */
  times?: number;
  answer: HostileAnswer;
}

export type HostileDecision =
  | { kind: 'respond'; response: ApiResponse }
  | { kind: 'rewrite'; headers: Record<string, string | null> };

/** The page a login proxy (an SSO gateway, a captive portal) shows a client without its cookie. */
export const LOGIN_PAGE_HTML =
  '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form action="/sso/login" method="post">' +
  '<input name="user"><input name="password" type="password"><button>Sign in</button></form></body></html>\n';

interface Rule {
  plan: HostileAnswerPlan;
  matches: RequestMatcher;
  used: number;
}

export class HostileAnswers {
  private readonly rules: Rule[];

  constructor(plans: HostileAnswerPlan[] | undefined) {
    this.rules = (plans ?? []).map((plan) => {
      if (plan.times !== undefined && !(Number.isInteger(plan.times) && plan.times >= 1))
        throw new RangeError(`hostile.times must be a positive integer, got ${plan.times}`);
      if (
        plan.answer.kind === 'oversized' &&
        !(Number.isInteger(plan.answer.bytes) && plan.answer.bytes >= 0)
      )
        throw new RangeError(
          `hostile oversized.bytes must be a byte count, got ${plan.answer.bytes}`,
        );
      return { plan, matches: compileFilter(plan, ['GET']), used: 0 };
    });
  }

  /** For the next /api/v4 request; `path` is the raw path as recorded. First matching rule wins. */
  decide(method: string, path: string): HostileDecision | null {
    for (const rule of this.rules) {
      if (!rule.matches(method, path)) continue;
      if (rule.plan.times !== undefined && rule.used >= rule.plan.times) continue;
      rule.used++;
      return decisionFor(rule.plan.answer);
    }
    return null;
  }
}

function decisionFor(answer: HostileAnswer): HostileDecision {
  switch (answer.kind) {
    case 'html-page':
      return {
        kind: 'respond',
        response: {
          status: answer.status ?? 200,
          text: LOGIN_PAGE_HTML,
          contentType: 'text/html; charset=utf-8',
        },
      };
    case 'oversized':
      return {
        kind: 'respond',
        response: {
          status: 200,
          contentType: 'application/json',
          oversized: { bytes: answer.bytes, declareLength: answer.declareLength ?? true },
        },
      };
    case 'json':
      return { kind: 'respond', response: { status: 200, json: answer.body } };
    case 'raw':
      return {
        kind: 'respond',
        response: {
          status: answer.status ?? 200,
          text: answer.text,
          contentType: answer.contentType,
        },
      };
    case 'next-page-loop':
      return {
        kind: 'rewrite',
        headers: { 'X-Next-Page': '2', 'X-Total': null, 'X-Total-Pages': null },
      };
    case 'headers':
      return { kind: 'rewrite', headers: answer.headers };
  }
}

/** `headers` with `changes` applied, names compared case-insensitively. */
export function rewriteHeaders(
  headers: Record<string, string> | undefined,
  changes: Record<string, string | null>,
): Record<string, string> {
  const lower = new Set(Object.keys(changes).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (!lower.has(k.toLowerCase())) out[k] = v;
  for (const [k, v] of Object.entries(changes)) if (v != null) out[k] = v;
  return out;
}

const FILLER_ITEM = '{"id":1,"name":"filler"},';
const FILLER_CHUNK = FILLER_ITEM.repeat(Math.ceil(65_536 / FILLER_ITEM.length));

/** The oversized body as chunks: `[`, filler items, `{}]`; its exact length first. */
export function oversizedBody(bytes: number): { length: number; chunks: () => Iterable<string> } {
  const count = Math.max(0, Math.ceil((bytes - 3) / FILLER_CHUNK.length));
  return {
    length: 1 + count * FILLER_CHUNK.length + 3,
    *chunks() {
      yield '[';
      for (let i = 0; i < count; i++) yield FILLER_CHUNK;
      yield '{}]';
    },
  };
}
