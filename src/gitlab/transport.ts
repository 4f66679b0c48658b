// The HTTP transport under gitbeaker. @gitbeaker/rest's own handler retries only 429/502, with
// sub-millisecond waits and no regard for Retry-After, and has no per-attempt timeout. We plug
// this handler into gitbeaker's documented seam (`requesterFn`) instead, so every resource,
// gitbeaker's and ours, gets the same retries, pacing, timeouts and call counting.
import {
  GitbeakerRequestError,
  GitbeakerTimeoutError,
  createRequesterFn,
  type FormattedResponse,
  type RequesterType,
  type ResourceOptions,
} from '@gitbeaker/requester-utils';
import { LostAnswerError } from './lost-answer.js';

export interface ApiStats {
  /** HTTP requests sent to GitLab, retries included */
  calls: number;
  retries: number;
}

export interface RetryEvent {
  attempt: number;
  waitMs: number;
  reason: string;
}

export interface TransportOptions {
  /** per-attempt timeout; a stalled request is abandoned and retried */
  timeoutMs: number;
  maxRetries: number;
  /** first backoff step; doubles each attempt (with jitter), capped at maxBackoffMs */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** a Retry-After longer than this is cut short (a misconfigured proxy must not stall a run for hours) */
  maxRetryAfterMs: number;
  stats: ApiStats;
  onRetry?: (event: RetryEvent) => void;
}

export const defaultTransportOptions = (): TransportOptions => ({
  timeoutMs: 30_000,
  maxRetries: 6,
  baseBackoffMs: 250,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 300_000,
  stats: { calls: 0, retries: 0 },
});

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * POST and PATCH are not idempotent: after a 5xx, a timeout or a dropped connection the work may
 * be done, so they are not retried (gitlab/lost-answer.ts). A 429 is safe to retry (GitLab's
 * throttle answers before the request runs), and so is a POST that only validates.
 */
const SAFE_POSTS = [/\/ci\/lint$/, /\/selfsubjectaccessreviews$/];
const mayRepeat = (method: string, path: string) =>
  !['POST', 'PATCH'].includes(method) || SAFE_POSTS.some((p) => p.test(path));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as RFC 9110 allows; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value == null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Shared pacing from GitLab's RateLimit-* headers: when a response says the quota is spent,
 * every request waits for the reset instead of walking into a wall of 429s.
 */
class RateGate {
  private pausedUntil = 0;

  async wait(): Promise<void> {
    const delay = this.pausedUntil - Date.now();
    if (delay > 0) await sleep(delay);
  }

  observe(headers: Headers): void {
    const remaining = Number(headers.get('ratelimit-remaining'));
    const reset = Number(headers.get('ratelimit-reset'));
    if (headers.has('ratelimit-remaining') && remaining <= 0 && Number.isFinite(reset)) {
      this.pause(reset * 1000 - Date.now());
    }
  }

  pause(ms: number): void {
    if (ms > 0) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }
}

async function readBody(response: Response): Promise<FormattedResponse['body']> {
  if (response.status === 204) return null;
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (type === 'application/json')
    return ((await response.json()) as FormattedResponse['body']) ?? {};
  return response.text();
}

async function toRequestError(
  request: Request,
  response: Response,
): Promise<GitbeakerRequestError> {
  const text = await response.text();
  let description = text;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
      const field = parsed.error ?? parsed.message ?? '';
      description = typeof field === 'string' ? field : JSON.stringify(field);
    } catch {
      // keep the raw text
    }
  }
  // Same shape gitbeaker gives, so callers can read cause.response.status either way.
  return new GitbeakerRequestError(description, {
    cause: { description, request, response: new Response(text, response) },
  });
}

function isConnectionRefused(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

export function createTransport(options: TransportOptions): (o: ResourceOptions) => RequesterType {
  const gate = new RateGate();

  const backoff = (attempt: number) => {
    const step = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
  };

  async function handle(
    endpoint: string,
    raw?: Record<string, unknown>,
  ): Promise<FormattedResponse> {
    const { prefixUrl, searchParams, method, headers, body, signal, asStream } = (raw ?? {}) as {
      prefixUrl?: string;
      searchParams?: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      signal?: AbortSignal;
      asStream?: boolean;
    };
    const base = prefixUrl && !prefixUrl.endsWith('/') ? `${prefixUrl}/` : prefixUrl;
    const url = new URL(endpoint, base);
    if (searchParams) url.search = searchParams;

    for (let attempt = 0; ; attempt += 1) {
      await gate.wait();
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const request = new Request(url, {
        method: method ?? 'GET',
        headers: headers ?? {},
        body: body ?? null,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      options.stats.calls += 1;

      let retryReason: string;
      let waitMs: number | null = null;
      try {
        const response = await fetch(request);
        gate.observe(response.headers);
        if (response.ok) {
          const responseBody = asStream
            ? (response.body as FormattedResponse['body'])
            : await readBody(response);
          return {
            body: responseBody,
            headers: Object.fromEntries(response.headers),
            status: response.status,
          };
        }
        if (!RETRY_STATUSES.has(response.status) || attempt >= options.maxRetries) {
          throw await toRequestError(request, response);
        }
        if (response.status !== 429 && !mayRepeat(request.method, url.pathname)) {
          await response.body?.cancel();
          throw new LostAnswerError(request.method, url.pathname, `HTTP ${response.status}`);
        }
        await response.body?.cancel();
        retryReason = `HTTP ${response.status}`;
        waitMs = parseRetryAfter(response.headers.get('retry-after'));
        if (response.status === 429 && waitMs != null) gate.pause(waitMs);
      } catch (error) {
        if (error instanceof GitbeakerRequestError || error instanceof LostAnswerError) throw error;
        if (signal?.aborted) throw error;
        const timedOut = timeout.aborted;
        if (!timedOut && isConnectionRefused(error)) throw error;
        // refused: never sent; anything else: it may have arrived
        if (!mayRepeat(request.method, url.pathname))
          throw new LostAnswerError(
            request.method,
            url.pathname,
            timedOut ? 'timeout' : 'connection dropped',
          );
        if (attempt >= options.maxRetries) {
          if (timedOut)
            throw new GitbeakerTimeoutError(
              `No answer from ${url.origin} within ${options.timeoutMs} ms`,
            );
          throw error;
        }
        retryReason = timedOut ? 'timeout' : 'network error';
      }
      const delay = waitMs == null ? backoff(attempt) : Math.min(waitMs, options.maxRetryAfterMs);
      options.stats.retries += 1;
      options.onRetry?.({ attempt: attempt + 1, waitMs: delay, reason: retryReason });
      await sleep(delay);
    }
  }

  // gitbeaker's default options handler builds headers (auth), JSON bodies and the query string.
  return createRequesterFn((_, requestOptions) => Promise.resolve(requestOptions), handle);
}
