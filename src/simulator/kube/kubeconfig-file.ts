// Kubeconfig files pointing at simulated clusters, one context per cluster, as kubectl and
// client-node read them. Plain-HTTP simulators need `insecure-skip-tls-verify: true` (client-node
// refuses http:// otherwise); HTTPS ones carry their self-signed certificate as the CA.

import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface SimulatedContext {
  contextName: string;
  server: string;
  token: string;
  /** base64 PEM (KubeSimulator.caData); omitted for plain HTTP */
  caData?: string | null;
  /** default: the context name */
  clusterName?: string;
  /** default: `<context name>-user` */
  userName?: string;
  namespace?: string;
}

export function kubeconfigFor(
  contexts: readonly SimulatedContext[],
  currentContext?: string,
): string {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': currentContext ?? contexts[0]?.contextName ?? '',
    clusters: contexts.map((c) => ({
      name: c.clusterName ?? c.contextName,
      cluster: {
        server: c.server,
        ...(c.caData
          ? { 'certificate-authority-data': c.caData }
          : c.server.startsWith('http:')
            ? { 'insecure-skip-tls-verify': true }
            : {}),
      },
    })),
    users: contexts.map((c) => ({
      name: c.userName ?? `${c.contextName}-user`,
      user: { token: c.token },
    })),
    contexts: contexts.map((c) => ({
      name: c.contextName,
      context: {
        cluster: c.clusterName ?? c.contextName,
        user: c.userName ?? `${c.contextName}-user`,
        ...(c.namespace ? { namespace: c.namespace } : {}),
      },
    })),
  };
  return stringify(config);
}

/** Writes the kubeconfig readable by its owner only, like kubectl does (it holds tokens). */
export async function writeKubeconfig(
  file: string,
  contexts: readonly SimulatedContext[],
  currentContext?: string,
): Promise<void> {
  await writeFile(file, kubeconfigFor(contexts, currentContext), { mode: 0o600 });
}
