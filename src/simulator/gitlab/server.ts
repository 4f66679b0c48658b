// The GitLab REST simulator: a loopback HTTP server that real @gitbeaker/rest talks to unchanged.
// Per /api/v4 request: record -> hostile answer (hostile-answers.ts) -> injected fault (storm, error,
// stall, random) -> throttle (RateLimit-* headers) -> route (unknown: 404) -> authenticate + scopes ->
// handler -> header rewrite -> lost answer -> latency -> answer.
// Faults sit in front of GitLab (like a proxy), so they neither count against the throttle nor need auth;
// a lost answer is lost on the way back, after GitLab did the work.

import { handleGraphql } from './graphql.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate, extractCredentials, lookupToken, type AuthScheme } from './auth.js';
import { dropConnection, type LostAnswer, type LostAnswerRecord } from '../lost-answers.js';
import {
  errorResponse,
  FaultInjector,
  RateLimiter,
  type FaultPlan,
  type FaultRule,
  type RateLimitPlan,
} from './faults.js';
import type { GitLabFixture } from './fixture-types.js';
import { oversizedBody, rewriteHeaders } from './hostile-answers.js';
import { ApiError, routeNotFound, type ApiResponse, type RequestContext } from './http-kit.js';
import { readBody, recordQuery, redactTokens } from './request-io.js';
import { Router } from './router.js';
import { allRoutes } from './routes/index.js';
import { SimulatorState } from './state.js';

export type {
  FaultPlan,
  FaultRule,
  HostileAnswer,
  HostileAnswerPlan,
  LoseAnswerPlan,
  LostAnswerMode,
  RandomFaultPlan,
  RateLimitPlan,
} from './faults.js';
export type { LostAnswerRecord } from '../lost-answers.js';

export interface GitLabSimulatorOptions {
  fixture: GitLabFixture;
  /** default 0 (any free port) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  faults?: FaultPlan;
  rateLimit?: RateLimitPlan | null;
  /**
   * the time the rate limiter's windows follow (default Date.now): a test that gives the client the
   * same fake clock has the windows pass while the client waits, in no real time
   */
  now?: () => number;
}

export interface RecordedRequest {
  /** 1-based arrival number since the simulator started (clearRequests does not reset it) */
  seq: number;
  method: string;
  /** raw path without query, as sent, e.g. /api/v4/projects/a%2Fb/clusters */
  path: string;
  /** last value per key; a `private_token` value is replaced by "[REDACTED]" */
  query: Record<string, string>;
  /**
   * what the client got: 0 while pending, for requests whose client went away before an answer, and
   * for answers lost in mode reset; 502 for answers lost in mode bad-gateway
   */
  status: number;
  authScheme: AuthScheme;
  /** faults only; a 429 from the RateLimitPlan throttle is GitLab behaviour and records null */
  injected: 'error' | 'rate-limit' | 'stall' | 'lost-answer' | 'hostile' | null;
  /** with `injected`: the part of the plan that hit the request */
  injectedBy?: FaultRule;
  /** with injected 'lost-answer': how, and what GitLab had answered (the work is in the state) */
  lostAnswer?: LostAnswerRecord;
  /** parsed JSON or form body, with any fixture token value redacted */
  bodyJson?: unknown;
}

export interface GitLabSimulator {
  /** e.g. http://127.0.0.1:43121 (no trailing slash, no /api/v4) */
  url: string;
  /** every request, in arrival order; token values are never recorded */
  requests: RecordedRequest[];
  /** replaces the plan and resets every fault counter and the random faults' seed; throws on a bad plan */
  setFaults(plan: FaultPlan | null): void;
  /** replaces the plan and resets the throttle counters */
  setRateLimit(plan: RateLimitPlan | null): void;
  /** false: /api/graphql answers a web server's HTML 404, as where a proxy blocks it */
  setGraphql(served: boolean): void;
  clearRequests(): void;
  /** live, mutable model */
  state: SimulatorState;
  /** closes even with stalled sockets open (they are destroyed) */
  close(): Promise<void>;
}

const API_PREFIX = '/api/v4';
const GRAPHQL = '/api/graphql';

export async function startGitLabSimulator(
  options: GitLabSimulatorOptions,
): Promise<GitLabSimulator> {
  const sim = new Simulator(options);
  await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}

class Simulator implements GitLabSimulator {
  url = '';
  readonly requests: RecordedRequest[] = [];
  readonly state: SimulatorState;
  private readonly router = new Router(allRoutes);
  private readonly server: Server;
  private seq = 0;
  private faults: FaultInjector;
  private rateLimiter: RateLimiter | null;
  private graphqlServed = true;
  private readonly now: () => number;

  constructor(options: GitLabSimulatorOptions) {
    this.now = options.now ?? Date.now;
    this.state = new SimulatorState(options.fixture);
    this.faults = new FaultInjector(options.faults ?? null);
    this.rateLimiter = options.rateLimit ? new RateLimiter(options.rateLimit) : null;
    this.server = createServer((req, res) => {
      // Only transport failures get here (e.g. the client vanished while sending its body).
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.keepAliveTimeout = 5_000;
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  setFaults(plan: FaultPlan | null): void {
    this.faults = new FaultInjector(plan);
  }

  setRateLimit(plan: RateLimitPlan | null): void {
    this.rateLimiter = plan ? new RateLimiter(plan) : null;
  }

  setGraphql(served: boolean): void {
    this.graphqlServed = served;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    const method = (req.method ?? 'GET').toUpperCase();
    const credentials = extractCredentials(req.headers, query);
    const record: RecordedRequest = {
      seq: ++this.seq,
      method,
      path: rawPath,
      query: recordQuery(query),
      status: 0,
      authScheme: credentials.scheme,
      injected: null,
    };
    this.requests.push(record);

    // The client may give up (timeouts, stalls): then every pending wait is cancelled and nothing is sent.
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const body = await readBody(req);
    if (body !== undefined) {
      const secrets = [...this.state.tokensBySecret.keys(), ...this.state.agents.secrets()];
      record.bodyJson = redactTokens(body, secrets);
    }

    if (rawPath !== API_PREFIX && !rawPath.startsWith(`${API_PREFIX}/`) && rawPath !== GRAPHQL) {
      this.write(res, record, outsideApi(rawPath), method === 'HEAD');
      return;
    }

    const isHead = method === 'HEAD';
    const answer = async (response: ApiResponse): Promise<void> => {
      const latency = this.faults.plan?.latencyMs ?? 0;
      if (latency > 0 && !(await wait(latency, aborted.signal))) return;
      this.write(res, record, response, isHead);
    };

    const hostile = this.faults.hostile.decide(method, rawPath);
    if (hostile) {
      record.injected = 'hostile';
      record.injectedBy = 'hostile';
    }
    if (hostile?.kind === 'respond') return answer(hostile.response);
    const rewrite = hostile?.kind === 'rewrite' ? hostile.headers : null;

    const fault = this.faults.decide(method, rawPath);
    if (fault.kind !== 'none') {
      record.injected = fault.injected;
      record.injectedBy = fault.rule;
    }
    if (fault.kind === 'respond') return answer(fault.response);
    if (fault.kind === 'stall' && !(await wait(fault.ms, aborted.signal))) return;
    const lost: LostAnswer | null = fault.kind === 'lose-answer' ? fault.lost : null;

    // GitLab has answered (or throttled): from here on the work is done, whatever reaches the client.
    const deliver = async (gitlabResponse: ApiResponse): Promise<void> => {
      const response = rewrite
        ? { ...gitlabResponse, headers: rewriteHeaders(gitlabResponse.headers, rewrite) }
        : gitlabResponse;
      if (!lost) return answer(response);
      record.lostAnswer = { mode: lost.mode, status: response.status };
      switch (lost.mode) {
        case 'bad-gateway':
          return answer(errorResponse(502));
        case 'reset':
          dropConnection(res);
          return;
        case 'late':
          if (!(await wait(lost.lateMs, aborted.signal))) return;
          return answer(response);
      }
    };

    let throttleHeaders: Record<string, string> = {};
    if (this.rateLimiter) {
      const token = lookupToken(this.state, credentials);
      const key = token ? `token:${token.index}` : `addr:${req.socket.remoteAddress ?? '?'}`;
      const throttle = this.rateLimiter.hit(key, token != null, this.now());
      if (throttle.response) return deliver(throttle.response);
      throttleHeaders = throttle.headers;
    }

    let response: ApiResponse;
    try {
      response = await this.dispatch(method, rawPath, query, body, credentials);
    } catch (error) {
      // A bug in the simulator: answer like GitLab does for unhandled exceptions, and say so loudly.
      console.error(`[gitlab-simulator] internal error on ${method} ${rawPath}:`, error);
      response = { status: 500, json: { message: '500 Internal Server Error' } };
    }
    return deliver({ ...response, headers: { ...throttleHeaders, ...response.headers } });
  }

  private async dispatch(
    method: string,
    rawPath: string,
    query: URLSearchParams,
    body: unknown,
    credentials: ReturnType<typeof extractCredentials>,
  ): Promise<ApiResponse> {
    // Rack::Attack counts /api/graphql as API traffic too: faults and the throttle apply above.
    if (rawPath === GRAPHQL)
      return this.graphqlServed
        ? handleGraphql(this.state, credentials, method, body)
        : outsideApi(rawPath);
    const ctx: RequestContext = {
      method,
      isHead: method === 'HEAD',
      rawPath,
      query,
      params: {},
      body,
      user: null,
      token: null,
      state: this.state,
      baseUrl: this.url,
      responseHeaders: {},
    };
    try {
      // GitLab's catch-all route answers unknown paths before any authentication.
      const match = this.router.match(method, rawPath.slice(API_PREFIX.length), this.state);
      if (!match) throw routeNotFound();
      ctx.params = match.params;
      const token = authenticate(this.state, credentials, method, {
        auth: match.route.auth ?? 'required',
        extraReadScopes: match.route.extraReadScopes ?? [],
      });
      ctx.token = token;
      ctx.user = token?.user ?? null;
      const response = await match.route.handler(ctx);
      return { ...response, headers: { ...ctx.responseHeaders, ...response.headers } };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, json: error.body };
      throw error;
    }
  }

  private write(
    res: ServerResponse,
    record: RecordedRequest,
    response: ApiResponse,
    isHead: boolean,
  ): void {
    if (res.destroyed || res.headersSent) return;
    if (response.oversized) {
      this.writeOversized(res, record, response, response.oversized, isHead);
      return;
    }
    const payload =
      response.json !== undefined
        ? JSON.stringify(response.json)
        : response.text !== undefined
          ? response.text
          : '';
    const contentType =
      response.json !== undefined ? 'application/json' : (response.contentType ?? 'text/plain');
    const headers: Record<string, string | number> = {
      ...response.headers,
      'Content-Length': Buffer.byteLength(payload),
    };
    // A hostile header rewrite may set its own content type (`application/json; charset=…`).
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['Content-Type'] = contentType;
    // Recorded before the bytes leave, so a client that just got its answer sees the final record.
    record.status = response.status;
    res.writeHead(response.status, headers);
    res.end(isHead ? undefined : payload);
  }

  /** Streams a huge body chunk by chunk, pausing for the client, and stops when it goes away. */
  private writeOversized(
    res: ServerResponse,
    record: RecordedRequest,
    response: ApiResponse,
    size: { bytes: number; declareLength: boolean },
    isHead: boolean,
  ): void {
    const body = oversizedBody(size.bytes);
    const headers: Record<string, string | number> = {
      ...response.headers,
      'Content-Type': response.contentType ?? 'application/json',
    };
    if (size.declareLength) headers['Content-Length'] = body.length;
    record.status = response.status;
    res.writeHead(response.status, headers);
    if (isHead) {
      res.end();
      return;
    }
    const chunks = body.chunks()[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        if (res.destroyed) return;
        const next = chunks.next();
        if (next.done) {
          res.end();
          return;
        }
        if (!res.write(next.value)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }
}

/** Resolves true after `ms`, false if the client went away first. */
async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function outsideApi(rawPath: string): ApiResponse {
  if (rawPath.startsWith('/api/v3')) {
    return {
      status: 410,
      text: 'API V3 is no longer supported. Use API V4 instead.',
      contentType: 'text/plain',
    };
  }
  return {
    status: 404,
    text: '<html><body><h1>404 Not Found</h1></body></html>\n',
    contentType: 'text/html',
  };
}
