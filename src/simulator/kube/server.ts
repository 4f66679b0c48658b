// The Kubernetes API simulator: a loopback HTTP(S) server that real @kubernetes/client-node talks to
// unchanged (KubernetesObjectApi and the typed APIs). Per request: record -> injected fault (429, 5xx,
// reset, random) -> authenticate (bearer token, else 401) -> route (discovery documents or a resource
// path) -> authorize (a read-only token gets 403 on writes) -> verb -> lost answer -> latency -> answer.
// Every failure the API server itself makes is a `Status` body.
// Request bodies are never recorded, so Secret values cannot leak through the request log.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BAD_GATEWAY_HTML, dropConnection, type LostAnswerRecord } from '../lost-answers.js';
import { discoveryDocument, findByKind } from './catalog.js';
import {
  KubeFaultInjector,
  type KubeFaultPlan,
  type KubeFaultRule,
  type KubeInjected,
} from './faults.js';
import { Operations, type Answer, type WriteOptions } from './operations.js';
import { KubeObjects } from './objects.js';
import { RolloutController, type DeploymentAvailableHandler, type RolloutMode } from './rollout.js';
import { resolveResourcePath, type ResourceRoute } from './routes.js';
import { selfSignedCertificate } from './self-signed.js';
import {
  badRequest,
  forbidden,
  KubeApiError,
  methodNotAllowed,
  noSuchResource,
  unauthorized,
} from './status.js';
import { ObjectStore } from './store.js';

export type {
  DeploymentAvailableEvent,
  DeploymentAvailableHandler,
  RolloutMode,
  SimulatedSecret,
} from './rollout.js';
export type { KubeObject } from './store.js';
export type { KubeObjects } from './objects.js';
export type {
  KubeFaultPlan,
  KubeFaultRule,
  KubeInjected,
  LoseAnswerPlan,
  LostAnswerMode,
  LostAnswerRecord,
  RandomFaultPlan,
} from './faults.js';

export interface KubeSimulatorOptions {
  /** the bearer token with full access; default: a random one */
  token?: string;
  /** a second token that may only read (get, list): writes answer 403 Forbidden */
  readOnlyToken?: string;
  /** default 0 (any free port) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** serve HTTPS with a self-signed certificate made at start (default false: plain HTTP) */
  tls?: boolean;
  /** how long a Deployment rollout takes; default 50 ms */
  rolloutDelayMs?: number;
  /** default 'available' */
  rollout?: RolloutMode;
  /** added before every answer; default 0 */
  latencyMs?: number;
  onDeploymentAvailable?: DeploymentAvailableHandler;
  /**
   * Also call onDeploymentAvailable every this many ms while a Deployment stays available, as a
   * running agentk keeps talking to GitLab (so its token's last_used_at stays fresh); 0: never.
   */
  availableHeartbeatMs?: number;
  /** injected faults from the start; see setFaults */
  faults?: KubeFaultPlan;
  /** echo each request's headers in the message of every failure; see setEchoRequestHeaders */
  echoRequestHeaders?: boolean;
}

export interface KubeRequest {
  /** 1-based arrival number */
  seq: number;
  method: string;
  /** path without query, as sent */
  path: string;
  query: Record<string, string>;
  /** dryRun=All */
  dryRun: boolean;
  fieldManager: string | null;
  force: boolean | null;
  contentType: string | null;
  /**
   * what the client got: 0 while pending, for a reset connection, and for a client that gave up before
   * a late answer; 502 for an answer lost in mode bad-gateway
   */
  status: number;
  /**
   * the Status reason of a failure, e.g. Conflict, NotFound, Unauthorized, TooManyRequests; for a
   * lost answer, the reason of the answer the server had made
   */
  reason: string | null;
  /** the fault that hit the request, if any */
  injected: KubeInjected | null;
  /** with `injected`: the part of the plan that hit the request */
  injectedBy?: KubeFaultRule;
  /** with injected 'lost-answer': how, and what the server had answered (the write is done) */
  lostAnswer?: LostAnswerRecord;
}

export interface KubeSimulator {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  /** the bearer token with full access */
  token: string;
  /** base64 of the PEM certificate to trust (kubeconfig certificate-authority-data); TLS only */
  caData: string | null;
  /** every request, in arrival order; bodies are never recorded */
  requests: KubeRequest[];
  /** TCP connections accepted so far (TLS handshakes, on a TLS simulator): shows keep-alive */
  readonly connections: number;
  clearRequests(): void;
  /** inspection (and seeding) of the stored objects, bypassing HTTP */
  objects: KubeObjects;
  /** how rollouts end from now on, and after how long, including those under way */
  setRollout(mode: RolloutMode, options?: { delayMs?: number }): void;
  setLatency(ms: number): void;
  /** replaces the plan and resets every fault counter and the random faults' seed; throws on a bad plan */
  setFaults(plan: KubeFaultPlan | null): void;
  /**
   * From now on, every failure (status 400 and above) ends its message with the request's headers,
   * Authorization included, in Go's http.Header JSON form: what some API servers, authenticating
   * proxies and debug builds do, and what a client must never print as it comes.
   */
  setEchoRequestHeaders(on: boolean): void;
  close(): Promise<void>;
}

/** Resolves true after `ms`, false if `signal` ends the wait first. */
async function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Requests that change state unless dry run: what tests assert did not happen. */
/** A request that changes the cluster (a dry run, or an access review that stores nothing, does not). */
export function isWrite(request: KubeRequest): boolean {
  return (
    ['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method) &&
    !request.dryRun &&
    !request.path.endsWith('/selfsubjectaccessreviews')
  );
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export async function startKubeSimulator(
  options: KubeSimulatorOptions = {},
): Promise<KubeSimulator> {
  const sim = new Simulator(options);
  await sim.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new KubeApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The User-Agent's product, which the real server uses as the manager of non-apply writes. */
function managerFromUserAgent(userAgent: string | undefined): string {
  const product = (userAgent ?? '').split('/')[0]?.trim();
  return product || 'unknown';
}

/**
 * "May I?" (SelfSubjectAccessReview, POST only, answered 201 and stored nowhere, as kube-apiserver
 * does): the full token may do anything, the read-only one get, list and watch.
 */
function selfSubjectAccessReview(body: string, readOnly: boolean): Answer {
  let review: { spec?: { resourceAttributes?: { verb?: string } } };
  try {
    review = JSON.parse(body) as typeof review;
  } catch {
    throw badRequest('the body of a SelfSubjectAccessReview must be JSON');
  }
  const verb = review.spec?.resourceAttributes?.verb ?? '';
  const allowed = !readOnly || ['get', 'list', 'watch'].includes(verb);
  return {
    status: 201,
    body: {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: review.spec ?? {},
      status: allowed
        ? { allowed: true, reason: 'allowed by the simulator (full token)' }
        : { allowed: false },
    },
  };
}

/** `answer` with the request's headers at the end of its message (Go's http.Header as JSON). */
function withEchoedHeaders(answer: Answer, req: IncomingMessage): Answer {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.replace(
      /(^|-)([a-z])/g,
      (_, dash: string, c: string) => dash + c.toUpperCase(),
    );
    (headers[name] ??= []).push(req.rawHeaders[i + 1]!);
  }
  const echo = `request headers: ${JSON.stringify(headers)}`;
  if (typeof answer.body === 'string')
    return { ...answer, body: `${answer.body.trimEnd()}\n${echo}\n` };
  const body = answer.body as { message?: unknown } | null;
  if (body == null || typeof body !== 'object') return answer;
  const message = typeof body.message === 'string' ? `${body.message}; ${echo}` : echo;
  return { ...answer, body: { ...body, message } };
}

/** The namespaces every cluster starts with (kube-apiserver's system namespaces controller). */
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

class Simulator implements KubeSimulator {
  url = '';
  readonly token: string;
  readonly caData: string | null;
  readonly requests: KubeRequest[] = [];
  readonly objects: KubeObjects;
  private readonly readOnlyToken: string | undefined;
  private readonly store = new ObjectStore();
  private readonly rollout: RolloutController;
  private readonly operations: Operations;
  private readonly server: Server;
  private latencyMs: number;
  private faults: KubeFaultInjector;
  private echoRequestHeaders: boolean;
  private readonly closing = new AbortController();
  private seq = 0;
  connections = 0;

  constructor(options: KubeSimulatorOptions) {
    this.token = options.token ?? `sim-${randomBytes(16).toString('hex')}`;
    this.readOnlyToken = options.readOnlyToken;
    this.latencyMs = options.latencyMs ?? 0;
    this.faults = new KubeFaultInjector(options.faults ?? null);
    this.echoRequestHeaders = options.echoRequestHeaders ?? false;
    this.rollout = new RolloutController(
      this.store,
      options.rollout ?? 'available',
      options.rolloutDelayMs ?? 50,
      options.onDeploymentAvailable,
      options.availableHeartbeatMs ?? 0,
    );
    this.operations = new Operations(this.store, this.rollout);
    // A real cluster starts with these; kube-system's uid is what identifies the cluster.
    const namespaceType = findByKind('v1', 'Namespace')!;
    for (const name of SYSTEM_NAMESPACES)
      this.store.commit(
        namespaceType,
        null,
        name,
        undefined,
        { object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, managers: [] },
        { dryRun: false, keepStatus: false },
      );
    this.objects = new KubeObjects(this.store, this.operations);
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      // Only transport failures get here (e.g. the client vanished while sending its body).
      this.handle(req, res).catch(() => res.destroy());
    };
    if (options.tls) {
      const { key, cert } = selfSignedCertificate(options.host ?? '127.0.0.1');
      this.caData = Buffer.from(cert).toString('base64');
      this.server = createHttpsServer({ key, cert }, handler);
    } else {
      this.caData = null;
      this.server = createServer(handler);
    }
    this.server.keepAliveTimeout = 5_000;
    this.server.on(options.tls ? 'secureConnection' : 'connection', () => {
      this.connections += 1;
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const scheme = this.caData ? 'https' : 'http';
        this.url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  setRollout(mode: RolloutMode, options: { delayMs?: number } = {}): void {
    this.rollout.setMode(mode, options.delayMs);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  setFaults(plan: KubeFaultPlan | null): void {
    this.faults = new KubeFaultInjector(plan);
  }

  setEchoRequestHeaders(on: boolean): void {
    this.echoRequestHeaders = on;
  }

  close(): Promise<void> {
    this.rollout.close();
    this.closing.abort();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const dryRun = url.searchParams.getAll('dryRun');
    const force = url.searchParams.get('force');
    const record: KubeRequest = {
      seq: ++this.seq,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      dryRun: dryRun.includes('All'),
      fieldManager: url.searchParams.get('fieldManager'),
      force: force == null ? null : force === 'true',
      contentType: req.headers['content-type']?.split(';')[0]?.trim() ?? null,
      status: 0,
      reason: null,
      injected: null,
    };
    this.requests.push(record);

    // A client that gives up (or the simulator closing) ends a late answer's wait.
    const clientGone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const fault = this.faults.decide(method, url.pathname);
    if (fault.kind !== 'none') {
      record.injected = fault.injected;
      record.injectedBy = fault.rule;
    }

    let answer: Answer;
    try {
      const body = await readText(req);
      if (fault.kind === 'reset') {
        // the connection dies on the way in: nothing is done and nothing is answered
        dropConnection(res);
        return;
      }
      if (fault.kind === 'respond') {
        answer = fault.answer;
        record.reason = fault.reason;
      } else answer = this.dispatch(req, url, method, record, body);
    } catch (error) {
      let failure: KubeApiError;
      if (error instanceof KubeApiError) failure = error;
      else {
        // A bug in the simulator: answer like the API server does for panics, and say so loudly.
        console.error(`[kube-simulator] internal error on ${method} ${url.pathname}:`, error);
        failure = new KubeApiError(
          500,
          'InternalError',
          'an error on the server has prevented the request from succeeding',
        );
      }
      const status = failure.toStatus();
      answer = { status: status.code, body: status };
      record.reason = status.reason ?? null;
    }
    if (fault.kind === 'lose-answer') {
      // The server has done the work; now the answer goes missing on its way back.
      const { mode, lateMs } = fault.lost;
      record.lostAnswer = { mode, status: answer.status };
      if (mode === 'reset') {
        dropConnection(res);
        return;
      }
      if (mode === 'bad-gateway')
        answer = { status: 502, body: BAD_GATEWAY_HTML, headers: { 'content-type': 'text/html' } };
      if (mode === 'late') {
        const gone = AbortSignal.any([this.closing.signal, clientGone.signal]);
        if (!(await wait(lateMs, gone))) return;
      }
    }
    // Closing the simulator ends pending waits (the handler's catch destroys the socket).
    if (this.latencyMs > 0) await sleep(this.latencyMs, undefined, { signal: this.closing.signal });
    if (res.destroyed) return;
    if (this.echoRequestHeaders && answer.status >= 400) answer = withEchoedHeaders(answer, req);
    const text = typeof answer.body === 'string';
    const payload = text ? (answer.body as string) : JSON.stringify(answer.body);
    const type = text ? 'text/plain; charset=utf-8' : 'application/json';
    res.writeHead(answer.status, {
      'content-type': type,
      ...answer.headers,
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
    record.status = answer.status;
  }

  private dispatch(
    req: IncomingMessage,
    url: URL,
    method: string,
    record: KubeRequest,
    body: string,
  ): Answer {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (HEALTH_PATHS.has(path)) return { status: 200, body: 'ok' };
    const readOnly = this.authenticate(req.headers.authorization);
    if (path === '/version')
      return {
        status: 200,
        body: { major: '1', minor: '31', gitVersion: 'v1.31.0-sim', platform: 'linux/amd64' },
      };
    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') {
      if (method !== 'POST') throw methodNotAllowed();
      return selfSubjectAccessReview(body, readOnly);
    }
    const discovery = discoveryDocument(path, this.url.replace(/^https?:\/\//, ''));
    if (discovery !== undefined) {
      if (method !== 'GET') throw methodNotAllowed();
      return { status: 200, body: discovery };
    }
    const route = resolveResourcePath(path);
    if (!route) throw noSuchResource();
    const dryRun = url.searchParams.getAll('dryRun');
    if (dryRun.some((v) => v !== 'All'))
      throw badRequest(`Invalid dryRun value: supported values: "All"`);
    if (readOnly && method !== 'GET') {
      const verb =
        { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ??
        method.toLowerCase();
      // A Namespace is its own namespace in kube-apiserver's request attributes: patching one
      // answers `namespaces "x" is forbidden: … in the namespace "x"` (1.28), not "at the
      // cluster scope"; creating one (no name yet) is at the cluster scope.
      const ownNamespace =
        route.target.type.kind === 'Namespace' ? route.target.name : route.target.namespace;
      throw forbidden(
        'read-only-user',
        verb,
        route.target.type.plural,
        route.target.type.group,
        ownNamespace,
        route.target.name ?? undefined,
      );
    }
    const force = url.searchParams.get('force');
    const options: WriteOptions = {
      dryRun: record.dryRun,
      fieldManager: url.searchParams.get('fieldManager') ?? undefined,
      defaultManager: managerFromUserAgent(req.headers['user-agent']),
      force: force == null ? undefined : force === 'true',
    };
    return this.verb(route, method, url, body, record.contentType ?? '', options);
  }

  private verb(
    route: ResourceRoute,
    method: string,
    url: URL,
    body: string,
    contentType: string,
    options: WriteOptions,
  ): Answer {
    const { target } = route;
    if (target.name == null) {
      if (method === 'GET') return this.operations.list(target, url.searchParams);
      if (method === 'POST' && route.collectionWritable)
        return this.operations.create(target, body, options);
      throw methodNotAllowed();
    }
    switch (method) {
      case 'GET':
        return this.operations.get(target, target.name);
      case 'PUT':
        return this.operations.replace(target, target.name, body, options);
      case 'PATCH':
        return this.operations.patch(target, target.name, body, contentType, options);
      case 'DELETE':
        return this.operations.delete(target, target.name, options);
      default:
        throw methodNotAllowed();
    }
  }

  /** true: the read-only token; throws 401 for anything but a known bearer token. */
  private authenticate(header: string | undefined): boolean {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    const token = match?.[1]?.trim();
    if (token === this.token) return false;
    if (token !== undefined && token === this.readOnlyToken) return true;
    throw unauthorized();
  }
}
