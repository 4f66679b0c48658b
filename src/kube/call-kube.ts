// Every request to a Kubernetes API server: bounded in time (node-fetch itself would wait
// forever), tried again after a transient failure when sending it twice is harmless, and turned
// into a UserError naming the context when it fails for good (errors.ts).
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { abortableSleep } from '../abortable-sleep.js';
import { guardCredentials } from './clients.js';
import { describeTarget, KubeRequestTimeout, systemCode, toKubeUserError } from './errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Statuses worth asking again: the API server (or a proxy before it) was busy or briefly down. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

/**
 * Actions whose request can be sent twice with the same end state: reads and lists, server-side
 * apply (the same apply body gives the same object, whether or not the first one landed) and
 * SelfSubjectAccessReview ("check", a POST that stores nothing). Creates and deletes are not
 * retried: a lost answer there has consequences a blind second try would hide.
 */
const IDEMPOTENT_ACTIONS = new Set(['read', 'list', 'apply', 'check']);

export interface KubeRetryPolicy {
  /** requests in all, the first included; default 5 */
  attempts: number;
  /** the first pause; each next one doubles, with jitter; default 250 ms */
  baseDelayMs: number;
  /** the longest pause, Retry-After included; default 30 s */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: KubeRetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

export interface CallKubeOptions {
  /** per request (each attempt); default 30 s */
  timeoutMs?: number;
  /** Ctrl-C: no further attempt starts and a pause between attempts ends at once */
  signal?: AbortSignal;
  /** whether a failed request may be sent again; default: by `action` (IDEMPOTENT_ACTIONS) */
  idempotent?: boolean;
  retry?: Partial<KubeRetryPolicy>;
}

/**
 * KubeConfigs whose API server has answered at least once in this run. A refused connection to a
 * server that never answered is a wrong address or a cluster that is down (say so at once); to
 * one that answered a moment ago it is an API server restarting or a load balancer moving it.
 */
const answered = new WeakSet<KubeConfig>();

/** Whether `error` is a transient failure worth another attempt, and the wait the server asked for. */
function transient(
  error: unknown,
  kc: KubeConfig,
): { retry: false } | { retry: true; retryAfterMs: number | null } {
  if (error instanceof ApiException) {
    if (!RETRYABLE_STATUSES.has(error.code)) return { retry: false };
    return { retry: true, retryAfterMs: retryAfterMs(error.headers) };
  }
  if (error instanceof KubeRequestTimeout) return { retry: false };
  const code = systemCode(error);
  if (code === 'ECONNRESET' || code === 'EPIPE') return { retry: true, retryAfterMs: null };
  if (code === 'ECONNREFUSED' && answered.has(kc)) return { retry: true, retryAfterMs: null };
  return { retry: false };
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 10.2.3), else null. */
function retryAfterMs(headers: unknown): number | null {
  const raw =
    headers != null && typeof headers === 'object'
      ? (headers as Record<string, unknown>)['retry-after']
      : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1_000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** Exponential backoff with jitter (0.5x to 1.5x), so parallel agents do not retry in step. */
function backoffMs(retry: number, policy: KubeRetryPolicy): number {
  const exponential = policy.baseDelayMs * 2 ** retry;
  return Math.min(policy.maxDelayMs, Math.round(exponential * (0.5 + Math.random())));
}

/** One attempt, bounded by `timeoutMs`. */
async function attempt<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // NOTE: client-node 1.x gives no way to abort its request; the socket is left to the OS,
    // and the CLI exits explicitly when done (src/main.ts), so it cannot hold the process.
    timer = setTimeout(() => reject(new KubeRequestTimeout(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One attempt at a Kubernetes request, as it ended (--verbose). */
export interface KubeCallEvent {
  /** the context (or server) asked */
  target: string;
  action: string;
  what: string;
  /** ok, the HTTP status, or the error's code */
  outcome: string;
  ms: number;
}

let observer: ((event: KubeCallEvent) => void) | null = null;

/** Tells `log` of every attempt from now on (null: stop); --verbose sets it once per run. */
export function observeKubeCalls(log: ((event: KubeCallEvent) => void) | null): void {
  observer = log;
}

function outcomeOf(error: unknown): string {
  if (error instanceof ApiException) return String(error.code);
  if (error instanceof KubeRequestTimeout) return 'timeout';
  return systemCode(error) ?? 'error';
}

/**
 * Runs one API call with a time limit per request, turning failures into UserErrors. Transient
 * failures (429, 500, 502, 503, 504, a reset connection, a refused one from a server that has
 * answered before) of idempotent requests are tried again with exponential backoff, honouring
 * Retry-After: at a few percent of such failures a run of hundreds of requests would otherwise
 * almost never finish. The last failure is the one reported. A timeout is not retried: a server
 * that keeps a request for 30 s would keep the next one too, and the user waits for each.
 * An abort (Ctrl-C) lets the request in flight finish (apply's interruption says so) but starts
 * no other.
 */
export async function callKube<T>(
  kc: KubeConfig,
  action: string,
  what: string,
  fn: () => Promise<T>,
  options: number | CallKubeOptions = {},
): Promise<T> {
  const settings: CallKubeOptions = typeof options === 'number' ? { timeoutMs: options } : options;
  const timeoutMs = settings.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const policy: KubeRetryPolicy = { ...DEFAULT_RETRY, ...settings.retry };
  const idempotent = settings.idempotent ?? IDEMPOTENT_ACTIONS.has(action);
  const attempts = idempotent ? Math.max(1, policy.attempts) : 1;
  // Credentials a request is about to carry (exec plugins, auth providers) become secrets first.
  guardCredentials(kc);
  for (let n = 0; ; n++) {
    const startedAt = Date.now();
    const tell = (outcome: string) =>
      observer?.({
        target: `context ${kc.getCurrentContext()}`,
        action,
        what,
        outcome,
        ms: Date.now() - startedAt,
      });
    try {
      const result = await attempt(fn, timeoutMs);
      answered.add(kc);
      tell('ok');
      return result;
    } catch (error) {
      tell(outcomeOf(error));
      if (error instanceof ApiException) answered.add(kc);
      const verdict = transient(error, kc);
      if (!verdict.retry || n + 1 >= attempts || settings.signal?.aborted)
        throw toKubeUserError(error, describeTarget(kc), action, what);
      const wait = Math.min(
        policy.maxDelayMs,
        Math.max(backoffMs(n, policy), verdict.retryAfterMs ?? 0),
      );
      await abortableSleep(wait, settings.signal);
      if (settings.signal?.aborted) throw toKubeUserError(error, describeTarget(kc), action, what);
    }
  }
}
