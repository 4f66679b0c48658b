// Test access to the Kubernetes simulator: a started server with a KubeConfig for it, the
// server-side apply call client-node makes, Status bodies of failures, and small sample objects.
import {
  ApiException,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeconfigFor } from '../../../src/simulator/kube/kubeconfig-file.js';
import {
  startKubeSimulator,
  type KubeSimulator,
  type KubeSimulatorOptions,
} from '../../../src/simulator/kube/server.js';

export interface Cluster {
  sim: KubeSimulator;
  kc: KubeConfig;
  api: KubernetesObjectApi;
}

export function kubeConfigFor(
  sim: KubeSimulator,
  options: { context?: string; token?: string } = {},
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(
    kubeconfigFor([
      {
        contextName: options.context ?? 'sim',
        server: sim.url,
        token: options.token ?? sim.token,
        caData: sim.caData,
      },
    ]),
  );
  return kc;
}

export async function startCluster(options: KubeSimulatorOptions = {}): Promise<Cluster> {
  const sim = await startKubeSimulator(options);
  const kc = kubeConfigFor(sim);
  return { sim, kc, api: KubernetesObjectApi.makeApiClient(kc) };
}

export function apply(
  api: KubernetesObjectApi,
  object: KubernetesObject,
  manager: string,
  options: { force?: boolean; dryRun?: boolean } = {},
): Promise<KubernetesObject> {
  return api.patch(
    structuredClone(object),
    undefined,
    options.dryRun ? 'All' : undefined,
    manager,
    options.force ?? false,
    PatchStrategy.ServerSideApply,
  );
}

export interface StatusBody {
  kind: string;
  code: number;
  reason?: string;
  message?: string;
  details?: {
    name?: string;
    kind?: string;
    causes?: { type?: string; reason?: string; message?: string; field?: string }[];
  };
}

/** The Status body of the ApiException `promise` rejects with (fails if it resolves). */
export async function statusOf(promise: Promise<unknown>): Promise<StatusBody> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body: unknown = error.body;
    return (typeof body === 'string' ? JSON.parse(body) : body) as StatusBody;
  }
  throw new Error('expected the request to fail');
}

/** Polls until `check` returns a value (bounded, so a broken simulator fails instead of hanging). */
export async function eventually<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  limit = 200,
): Promise<T> {
  for (let i = 0; i < limit; i++) {
    const value = await check();
    if (value) return value;
    await sleep(20);
  }
  throw new Error('condition not reached');
}

export const namespace = (name: string): KubernetesObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name },
});

export function deployment(
  ns: string,
  name: string,
  options: { replicas?: number; image?: string; secret?: string } = {},
): KubernetesObject & { spec: Record<string, unknown> } {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'agent',
              image: options.image ?? 'registry.example/agentk:v1',
              args: ['--token-file=/etc/agentk/secrets/token'],
              ...(options.secret
                ? { volumeMounts: [{ name: 'token', mountPath: '/etc/agentk/secrets' }] }
                : {}),
            },
          ],
          ...(options.secret
            ? { volumes: [{ name: 'token', secret: { secretName: options.secret } }] }
            : {}),
        },
      },
    },
  };
}
