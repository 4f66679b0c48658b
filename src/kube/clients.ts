// One set of kube clients per KubeConfig, kept for the whole run. client-node 1.x makes a new
// https.Agent for every request (KubeConfig.applySecurityAuthentication -> createAgent), so each
// request paid a TCP and TLS handshake; and a new KubernetesObjectApi per call threw away its cache
// of API discovery (which resource a kind maps to), so every object set fetched /api and /apis
// documents again. Here each KubeConfig gets one keep-alive agent per set of TLS settings and one
// KubernetesObjectApi, reused by every call made with it; and every credential its requests carry
// is registered as a secret before it is sent (guardCredentials).
import http from 'node:http';
import https from 'node:https';
import { KubernetesObjectApi, type Cluster, type KubeConfig } from '@kubernetes/client-node';
import { registerSecret } from '../redact.js';

type CreateAgent = (cluster: Cluster | null, options: https.AgentOptions) => http.Agent;

const objectClients = new WeakMap<KubeConfig, KubernetesObjectApi>();
const pooled = new WeakSet<KubeConfig>();
const guarded = new WeakSet<KubeConfig>();

/** What KubeConfig.applyOptions fills in for one request (client-node's private https options). */
interface AppliedRequestOptions {
  headers?: Record<string, unknown>;
  key?: unknown;
  passphrase?: unknown;
  pfx?: unknown;
}

const text = (v: unknown): string | null =>
  typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null;

/** The credentials a request carries (its Authorization header, client key), as secrets. */
function registerRequestCredentials(opts: AppliedRequestOptions): void {
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    if (name.toLowerCase() !== 'authorization') continue;
    const header = String(value);
    // "Bearer <token>" / "Basic <base64 user:password>": the credential, wherever it shows up
    const credential = /^\S+\s+(.+)$/.exec(header)?.[1];
    registerSecret(credential);
    if (/^basic\s/i.test(header) && credential)
      registerSecret(Buffer.from(credential, 'base64').toString('utf8'));
  }
  for (const secret of [opts.key, opts.passphrase, opts.pfx]) {
    const value = text(secret);
    if (value == null) continue;
    registerSecret(value);
    if (Buffer.isBuffer(secret)) registerSecret(secret.toString('base64'));
  }
}

/**
 * Makes every credential a request made with `kc` carries a secret (src/redact.ts) before the
 * request leaves. Static tokens and passwords are registered when the kubeconfig is read; but an
 * exec credential plugin (client-node's ExecAuth) or an auth provider (OIDC, Azure, GCP) makes its
 * token only when a request needs one, and puts it nowhere but the request's Authorization header
 * (and a client key from the plugin in its TLS options). An API server or proxy that echoes request
 * headers in an error body would otherwise have that token printed. Every request of client-node
 * 1.x gets its credentials from KubeConfig.applyOptions (applySecurityAuthentication for the
 * generated APIs and KubernetesObjectApi, applyToHTTPSOptions for watch and exec): the one place
 * to see them. Idempotent.
 */
export function guardCredentials(kc: KubeConfig): KubeConfig {
  if (guarded.has(kc)) return kc;
  guarded.add(kc);
  // applyOptions is private in client-node's typings, like createAgent below.
  const target = kc as unknown as { applyOptions: (opts: AppliedRequestOptions) => Promise<void> };
  const original = target.applyOptions.bind(kc);
  target.applyOptions = async (opts) => {
    await original(opts);
    registerRequestCredentials(opts);
  };
  return kc;
}

/** A stable key for the agent options that decide which connections may be shared. */
function agentKey(cluster: Cluster | null, options: https.AgentOptions): string {
  const key = (v: unknown): string =>
    v == null
      ? ''
      : Buffer.isBuffer(v)
        ? v.toString('base64')
        : Array.isArray(v)
          ? v.map(key).join(',')
          : typeof v === 'string'
            ? v
            : JSON.stringify(v);
  return [
    cluster?.server ?? '',
    key(options.ca),
    key(options.cert),
    key(options.key),
    key(options.pfx),
    key(options.passphrase),
    String(options.rejectUnauthorized ?? ''),
    options.servername ?? '',
  ].join('\u0000');
}

/**
 * Makes every client built from `kc` share keep-alive connections. Proxied clusters keep
 * client-node's own agents (the proxy agents manage their connections themselves). Idempotent.
 */
export function poolConnections(kc: KubeConfig): KubeConfig {
  guardCredentials(kc);
  if (pooled.has(kc)) return kc;
  pooled.add(kc);
  // createAgent is private in client-node's typings; it is the one place agents are made.
  const target = kc as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, http.Agent>();
  target.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return original(cluster, options);
    const key = agentKey(cluster, options);
    let agent = agents.get(key);
    if (!agent) {
      const plainHttp = cluster?.server?.startsWith('http:') ?? false;
      if (plainHttp && !cluster?.skipTLSVerify) return original(cluster, options);
      const shared = { ...options, keepAlive: true, maxSockets: 16 };
      agent = plainHttp ? new http.Agent(shared) : new https.Agent(shared);
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}

/** The KubernetesObjectApi for `kc`, made once: its API discovery cache lasts the whole run. */
export function objectClient(kc: KubeConfig): KubernetesObjectApi {
  let client = objectClients.get(kc);
  if (!client) {
    client = shareDiscovery(KubernetesObjectApi.makeApiClient(poolConnections(kc)));
    objectClients.set(kc, client);
  }
  return client;
}

type Resource = (apiVersion: string, kind: string, options?: unknown) => Promise<unknown>;

/**
 * One discovery request per API group version, even when several agents on one cluster ask at
 * once (apply --parallel): KubernetesObjectApi caches a group version's resources only once its
 * request has answered, so each caller in the meantime sent its own. Callers that come while one
 * is in flight wait for it, then read the cache (or ask again if it failed).
 */
function shareDiscovery(client: KubernetesObjectApi): KubernetesObjectApi {
  // resource() is protected in client-node's typings; it is where every request finds its path.
  const target = client as unknown as { resource: Resource };
  const original = target.resource.bind(client);
  const inFlight = new Map<string, Promise<unknown>>();
  target.resource = (apiVersion, kind, options) => {
    const pending = inFlight.get(apiVersion);
    if (pending) {
      const again = () => original(apiVersion, kind, options);
      return pending.then(again, again);
    }
    const asked = original(apiVersion, kind, options);
    inFlight.set(apiVersion, asked);
    const settle = () => {
      if (inFlight.get(apiVersion) === asked) inFlight.delete(apiVersion);
    };
    asked.then(settle, settle);
    return asked;
  };
  return client;
}
