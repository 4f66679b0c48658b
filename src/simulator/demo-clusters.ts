// The demo's Kubernetes side: one simulated API server per physical cluster of the demo instance,
// and a kubeconfig whose contexts name the clusters' real API URLs (so context matching runs for
// real) while the demo routes those addresses to the simulators. When a simulated agentk rolls
// out, and every second while it runs, it "connects" to the simulated GitLab with the token from its
// Secret, as agentk keeps doing (so GitLab counts it connected only while it runs).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseApiUrl } from '../discovery/api-url.js';
import type { GitLabSimulator } from './gitlab/server.js';
import { writeKubeconfig } from './kube/kubeconfig-file.js';
import { startKubeSimulator, type KubeSimulator } from './kube/server.js';

export interface DemoClusters {
  kubeconfigPath: string;
  /** normalised API URL → the kubeconfig context that names it */
  contexts: Map<string, string>;
  /** normalised API URL → simulator URL */
  serverOverrides: Map<string, string>;
  simulators: Map<string, KubeSimulator>;
  close(): Promise<void>;
}

/** `https://k8s-prod.kestrel.test:6443` → `k8s-prod`; made unique with the port if needed. */
function contextName(apiUrl: string, taken: Set<string>): string {
  const url = new URL(apiUrl);
  let name = url.hostname.split('.')[0] ?? url.hostname;
  if (taken.has(name)) name = `${name}-${url.port || '443'}`;
  taken.add(name);
  return name;
}

export interface ClusterSimulatorOptions {
  /** default 300 */
  rolloutDelayMs?: number;
  /** a second bearer token the simulators accept with read-only rights */
  readOnlyToken?: string;
}

/**
 * One Kubernetes simulator per physical cluster (`apiUrls` normalised, duplicates and nulls
 * dropped), keyed by normalised API URL in sorted order. Each simulated agentk hands the token
 * from its Secret to `connect` when it rolls out and every second while it runs.
 */
export async function startClusterSimulators(
  apiUrls: (string | null)[],
  connect: (agentToken: string) => void,
  options: ClusterSimulatorOptions = {},
): Promise<Map<string, KubeSimulator>> {
  const urls = [...new Set(apiUrls.filter((u): u is string => !!u).map(normaliseApiUrl))].sort();
  const simulators = new Map<string, KubeSimulator>();
  try {
    for (const url of urls) {
      simulators.set(
        url,
        await startKubeSimulator({
          rolloutDelayMs: options.rolloutDelayMs ?? 300,
          availableHeartbeatMs: 1000,
          ...(options.readOnlyToken ? { readOnlyToken: options.readOnlyToken } : {}),
          onDeploymentAvailable: ({ secrets }) => {
            for (const secret of secrets) {
              const token = secret.data['token'];
              if (token) connect(token.trim());
            }
          },
        }),
      );
    }
    return simulators;
  } catch (error) {
    await Promise.all([...simulators.values()].map((s) => s.close()));
    throw error;
  }
}

export async function startDemoClusters(
  gitlab: GitLabSimulator,
  apiUrls: (string | null)[],
  options: ClusterSimulatorOptions = {},
): Promise<DemoClusters> {
  const simulators = await startClusterSimulators(
    apiUrls,
    (token) => gitlab.state.agents.connect(token),
    options,
  );
  const urls = [...simulators.keys()];
  let dir: string | null = null;
  try {
    dir = await mkdtemp(join(tmpdir(), 'migrate-clusters-demo-'));
    const taken = new Set<string>();
    const contexts = new Map(urls.map((url) => [url, contextName(url, taken)]));
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(
      kubeconfigPath,
      urls.map((url) => ({
        contextName: contexts.get(url)!,
        server: url,
        token: simulators.get(url)!.token,
      })),
    );
    const made = dir;
    return {
      kubeconfigPath,
      contexts,
      serverOverrides: new Map(urls.map((url) => [url, simulators.get(url)!.url])),
      simulators,
      close: async () => {
        await Promise.all([...simulators.values()].map((s) => s.close()));
        await rm(made, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...simulators.values()].map((s) => s.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
