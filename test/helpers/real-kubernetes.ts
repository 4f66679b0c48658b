// The run's real Kubernetes API server (test/setup/real-kubernetes.ts starts it), as a test file
// sees it: its address and an admin KubeConfig, or null and the reason to skip. The server is shared
// by every test file of the run, so each test works in namespaces of its own (uniqueName).
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { RealKubernetesInfo } from '../setup/real-kubernetes.js';

export type { RealKubernetesInfo } from '../setup/real-kubernetes.js';

/** null where ../shared/k8s is absent: skip with realKubernetesSkipReason. */
export const realKubernetes: RealKubernetesInfo | null = inject('realKubernetes');
export const realKubernetesSkipReason: string = inject('realKubernetesSkipReason');

/** A fresh admin KubeConfig for the shared server (KubeConfig objects are mutable: one per use). */
export function realKubeConfig(): KubeConfig {
  if (!realKubernetes) throw new Error(realKubernetesSkipReason);
  const kc = new KubeConfig();
  kc.loadFromFile(realKubernetes.kubeconfig);
  return kc;
}

let counter = 0;

/**
 * A DNS label no other test of this run uses: `prefix-<random>-<n>`. Random, not the pid, because
 * forks may be reused across test files and several files run at once against the one server.
 */
export function uniqueName(prefix: string): string {
  counter += 1;
  const suffix = `${randomBytes(3).toString('hex')}-${counter.toString(36)}`;
  return `${prefix.slice(0, 63 - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}
