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
import { realClock, type Clock } from '../abortable-sleep.js';
import { UserError } from '../errors.js';
import { isRawEndpoint, shapeProblem } from './answer-shapes.js';
import { LostAnswerError } from './lost-answer.js';
import { PAGINATION_HINT, pageHeaderProblem } from './paginate.js';
import { MAX_BODY_BYTES, readCapped, readErrorBody, readJsonAnswer } from './read-answer.js';
import { networkCode } from './errors.js';
import { isBlockedPort, isTlsFailure } from './tls-failure.js';
import {
  NOT_JSON_HINT,
  UntrustedAnswerError,
  describeType,
  mediaType,
} from './untrusted-answer.js';

export interface ApiStats {
  /** HTTP requests sent to GitLab, retries included */
  calls: number;
  retries: number;
}

export interface RetryEvent {
  attempt: number;
  waitMs: number;
  reason: string;
  /** the request asked again: method and path with its query (no headers, so no token) */
  request: string;
}

/** One attempt at a request, as it ended: an HTTP status, or the failure that stopped it. */
export interface RequestEvent {
  method: string;
  /** path and query string, as sent */
  path: string;
  status?: number;
  /** for an attempt without an answer: timeout, or the network error's code */
  failure?: string;
  ms: number;
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
  /** a body past this many bytes is abandoned as it streams (read-answer.ts) */
  maxBodyBytes: number;
  stats: ApiStats;
  onRetry?: (event: RetryEvent) => void;
  /** every attempt, answered or not (--verbose) */
  onRequest?: (event: RequestEvent) => void;
  /** what backoffs, Retry-After and the rate-limit pause wait on (tests pass a fake one) */
  clock: Clock;
}

export const defaultTransportOptions = (): TransportOptions => ({
  timeoutMs: 30_000,
  maxRetries: 6,
  baseBackoffMs: 250,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 300_000,
  maxBodyBytes: MAX_BODY_BYTES,
  stats: { calls: 0, retries: 0 },
  clock: realClock,
});

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * POST and PATCH are not idempotent: after a 5xx, a timeout or a dropped connection the work may
 * be done, so they are not retried (gitlab/lost-answer.ts). A 429 is safe to retry (GitLab's
 * throttle answers before the request runs), and so is a POST that only validates.
 */
// CI Lint, access reviews and GraphQL queries (the only GraphQL this tool sends) change nothing
const SAFE_POSTS = [/\/ci\/lint$/, /\/selfsubjectaccessreviews$/, /^\/api\/graphql$/];
const mayRepeat = (method: string, path: string) =>
  !['POST', 'PATCH'].includes(method) || SAFE_POSTS.some((p) => p.test(path));

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

  constructor(private readonly clock: Clock) {}

  async wait(): Promise<void> {
    const delay = this.pausedUntil - this.clock.now();
    if (delay > 0) await this.clock.sleep(delay);
  }

  observe(headers: Headers): void {
    const remaining = Number(headers.get('ratelimit-remaining'));
    const reset = Number(headers.get('ratelimit-reset'));
    if (headers.has('ratelimit-remaining') && remaining <= 0 && Number.isFinite(reset)) {
      this.pause(reset * 1000 - this.clock.now());
    }
  }

  pause(ms: number): void {
    if (ms > 0) this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}

/**
 * The body of a successful answer, checked before anyone reads it: JSON by content type, within
 * the size cap, pagination headers that move forward, and the shape GitLab gives this endpoint.
 * This is the one place every answer passes, gitbeaker's resources and ours alike.
 */
async function readBody(
  method: string,
  url: URL,
  apiPath: string,
  response: Response,
  maxBytes: number,
): Promise<FormattedResponse['body']> {
  if (response.status === 204) return null;
  const pagination = pageHeaderProblem(url, response.headers);
  if (pagination) {
    await response.body?.cancel();
    throw new UntrustedAnswerError(method, url.pathname, pagination, PAGINATION_HINT);
  }
  if (isRawEndpoint(apiPath)) {
    const bytes = await readCapped(response, maxBytes);
    if (bytes == null)
      throw new UntrustedAnswerError(method, url.pathname, 'with a file larger than the size cap');
    return bytes.toString('utf8');
  }
  const body = await readJsonAnswer(method, url.pathname, response, maxBytes);
  const misfit = shapeProblem(method, apiPath, body);
  if (misfit)
    throw new UntrustedAnswerError(
      method,
      url.pathname,
      `with JSON that is not what GitLab sends there: ${misfit}`,
    );
  return (body as FormattedResponse['body']) ?? {};
}

async function toRequestError(
  request: Request,
  url: URL,
  response: Response,
): Promise<GitbeakerRequestError | UntrustedAnswerError> {
  // GitLab's API answers its errors in JSON too; an HTML 4xx is a proxy's login or block page, or
  // the Rails 404 of a --gitlab-url with a wrong path. Read as GitLab's, a 404 page would pass for
  // "this project is gone" and its clusters would vanish. 429 stays Rack::Attack's (plain text),
  // and 5xx pages from nginx are failures already, retried and reported as such.
  const type = response.headers.get('content-type');
  if (response.status >= 400 && response.status < 500 && response.status !== 429) {
    if (mediaType(type) === 'text/html') {
      await response.body?.cancel();
      return new UntrustedAnswerError(
        request.method,
        url.pathname,
        `with ${describeType(type)} and HTTP ${response.status}, not JSON`,
        NOT_JSON_HINT,
      );
    }
  }
  const { description, text } = await readErrorBody(response);
  // Same shape gitbeaker gives, so callers can read cause.response.status either way.
  return new GitbeakerRequestError(description, {
    cause: { description, request, response: new Response(text, response) },
  });
}

/**
 * A failure before the request left this machine, which asking again will not mend: refused, no such
 * host, or a TLS handshake that failed (plain HTTP on the port, an untrusted or expired certificate).
 */
function neverSent(error: unknown): boolean {
  const code = networkCode(error);
  if (isBlockedPort(error)) return true;
  return (
    code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || isTlsFailure(code)
  );
}

export function createTransport(options: TransportOptions): (o: ResourceOptions) => RequesterType {
  const { clock } = options;
  const gate = new RateGate(clock);

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
    // The path below /api/v4 (still percent-encoded), which names the answer's expected shape.
    const prefixPath = base ? new URL(base).pathname : '/';
    const apiPath = url.pathname.startsWith(prefixPath)
      ? url.pathname.slice(prefixPath.length)
      : url.pathname.replace(/^\//, '');

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
      const startedAt = clock.now();
      const sent = { method: request.method, path: `${url.pathname}${url.search}` };

      let retryReason: string;
      let waitMs: number | null = null;
      try {
        const response = await fetch(request).catch((error: unknown) => {
          const failure = timeout.aborted ? 'timeout' : (networkCode(error) ?? 'network error');
          options.onRequest?.({ ...sent, failure, ms: clock.now() - startedAt });
          throw error;
        });
        options.onRequest?.({ ...sent, status: response.status, ms: clock.now() - startedAt });
        gate.observe(response.headers);
        if (response.ok) {
          const responseBody = asStream
            ? (response.body as FormattedResponse['body'])
            : await readBody(request.method, url, apiPath, response, options.maxBodyBytes);
          return {
            body: responseBody,
            headers: Object.fromEntries(response.headers),
            status: response.status,
          };
        }
        if (!RETRY_STATUSES.has(response.status) || attempt >= options.maxRetries) {
          throw await toRequestError(request, url, response);
        }
        if (response.status !== 429 && !mayRepeat(request.method, url.pathname)) {
          await response.body?.cancel();
          throw new LostAnswerError(request.method, url.pathname, `HTTP ${response.status}`);
        }
        await response.body?.cancel();
        retryReason = `HTTP ${response.status}`;
        waitMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        if (response.status === 429 && waitMs != null) gate.pause(waitMs);
      } catch (error) {
        // GitLab's answer (an HTTP error), a lost write, or an answer that is not GitLab's: none of
        // these gets better by asking again.
        if (error instanceof GitbeakerRequestError || error instanceof UserError) throw error;
        if (signal?.aborted) throw error;
        const timedOut = timeout.aborted;
        if (!timedOut && neverSent(error)) throw error;
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
      options.onRetry?.({
        attempt: attempt + 1,
        waitMs: delay,
        reason: retryReason,
        request: `${sent.method} ${sent.path}`,
      });
      await clock.sleep(delay);
    }
  }

  // gitbeaker's default options handler builds headers (auth), JSON bodies and the query string.
  return createRequesterFn((_, requestOptions) => Promise.resolve(requestOptions), handle);
}
