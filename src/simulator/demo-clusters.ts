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

export async function startDemoClusters(
  gitlab: GitLabSimulator,
  apiUrls: (string | null)[],
  options: { rolloutDelayMs?: number } = {},
): Promise<DemoClusters> {
  const urls = [...new Set(apiUrls.filter((u): u is string => !!u).map(normaliseApiUrl))].sort();
  const simulators = new Map<string, KubeSimulator>();
  const dir = await mkdtemp(join(tmpdir(), 'migrate-clusters-demo-'));
  try {
    for (const url of urls) {
      simulators.set(
        url,
        await startKubeSimulator({
          rolloutDelayMs: options.rolloutDelayMs ?? 300,
          availableHeartbeatMs: 1000,
          onDeploymentAvailable: ({ secrets }) => {
            for (const secret of secrets) {
              const token = secret.data['token'];
              if (token) gitlab.state.agents.connect(token.trim());
            }
          },
        }),
      );
    }
    const taken = new Set<string>();
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeKubeconfig(
      kubeconfigPath,
      urls.map((url) => ({
        contextName: contextName(url, taken),
        server: url,
        token: simulators.get(url)!.token,
      })),
    );
    return {
      kubeconfigPath,
      serverOverrides: new Map(urls.map((url) => [url, simulators.get(url)!.url])),
      simulators,
      close: async () => {
        await Promise.all([...simulators.values()].map((s) => s.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...simulators.values()].map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
