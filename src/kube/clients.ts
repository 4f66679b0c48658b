// One set of kube clients per KubeConfig, kept for the whole run. client-node 1.x makes a new
// https.Agent for every request (KubeConfig.applySecurityAuthentication -> createAgent), so each
// request paid a TCP and TLS handshake; and a new KubernetesObjectApi per call threw away its cache
// of API discovery (which resource a kind maps to), so every object set fetched /api and /apis
// documents again. Here each KubeConfig gets one keep-alive agent per set of TLS settings and one
// KubernetesObjectApi, reused by every call made with it.
import http from 'node:http';
import https from 'node:https';
import { KubernetesObjectApi, type Cluster, type KubeConfig } from '@kubernetes/client-node';

type CreateAgent = (cluster: Cluster | null, options: https.AgentOptions) => http.Agent;

const objectClients = new WeakMap<KubeConfig, KubernetesObjectApi>();
const pooled = new WeakSet<KubeConfig>();

/** A stable key for the agent options that decide which connections may be shared. */
function agentKey(cluster: Cluster | null, options: https.AgentOptions): string {
  const text = (v: unknown): string =>
    v == null
      ? ''
      : Buffer.isBuffer(v)
        ? v.toString('base64')
        : Array.isArray(v)
          ? v.map(text).join(',')
          : typeof v === 'string'
            ? v
            : JSON.stringify(v);
  return [
    cluster?.server ?? '',
    text(options.ca),
    text(options.cert),
    text(options.key),
    text(options.pfx),
    text(options.passphrase),
    String(options.rejectUnauthorized ?? ''),
    options.servername ?? '',
  ].join('\u0000');
}

/**
 * Makes every client built from `kc` share keep-alive connections. Proxied clusters keep
 * client-node's own agents (the proxy agents manage their connections themselves). Idempotent.
 */
export function poolConnections(kc: KubeConfig): KubeConfig {
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
    client = KubernetesObjectApi.makeApiClient(poolConnections(kc));
    objectClients.set(kc, client);
  }
  return client;
}
