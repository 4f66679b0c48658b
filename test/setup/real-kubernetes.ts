// vitest globalSetup: one real control plane (kube-apiserver 1.28.7, etcd, kube-controller-manager)
// for the whole run, from the workspace's ../shared/k8s (see its README.md). It is started once
// because a start costs 3-5 s of a 2-core machine; tests share it and isolate themselves by
// namespace. Where the folder is absent the tests that need it skip, saying why; where it exists and
// the start fails, the run fails: CI has the folder, and a silent skip there would hide the tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createTagsFilter } from '@vitest/runner/utils';
import YAML from 'yaml';

/** What a test file gets through `inject('realKubernetes')`; null when there is no control plane. */
export interface RealKubernetesInfo {
  /** admin kubeconfig (O=system:masters, CA and client key embedded); never write to it */
  kubeconfig: string;
  /** e.g. https://127.0.0.1:41234 */
  server: string;
  /** the kubeconfig's only context */
  context: string;
  /** base64 PEM of the cluster CA, as in the kubeconfig */
  caData: string;
  version: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    realKubernetes: RealKubernetesInfo | null;
    /** why realKubernetes is null */
    realKubernetesSkipReason: string;
  }
}

export const K8S_DIR_ENV = 'MIGRATE_CLUSTERS_K8S_DIR';

/**
 * The folder with `start` and `stop`: ../shared/k8s beside the checkout (CI copies /shared there
 * and runs from the project root), else $MIGRATE_CLUSTERS_K8S_DIR for other layouts.
 */
export function findK8sDir(cwd = process.cwd(), env = process.env): string | null {
  const candidates = [resolve(cwd, '../shared/k8s'), env[K8S_DIR_ENV]]
    .filter((d): d is string => !!d)
    .map((d) => resolve(cwd, d));
  return candidates.find((d) => existsSync(join(d, 'start'))) ?? null;
}

export const SKIP_REASON =
  'real Kubernetes tests skipped: no ../shared/k8s/start — see ../shared/k8s/README.md';

/** Every test that reaches the real server is tagged `slow` (vitest.config.ts). */
export const LEFT_OUT_REASON =
  'real Kubernetes tests left out: the tags filter excludes slow (npm run test:fast)';

/** false when --tags-filter leaves every `slow` test out, so no test could use the server. */
export function slowTestsRun(project: TestProject): boolean {
  const filter = project.globalConfig.tagsFilter;
  return !filter?.length || createTagsFilter(filter, project.globalConfig.tags)(['slow']);
}

export function setup(project: TestProject): (() => void) | undefined {
  if (!slowTestsRun(project)) {
    project.provide('realKubernetes', null);
    project.provide('realKubernetesSkipReason', LEFT_OUT_REASON);
    return undefined;
  }
  const k8sDir = findK8sDir();
  if (!k8sDir) {
    console.warn(SKIP_REASON);
    project.provide('realKubernetes', null);
    project.provide('realKubernetesSkipReason', SKIP_REASON);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'migrate-clusters-k8s-'));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      // `stop` signals only the PIDs start recorded in DIR/pids, and exits 0 when nothing runs.
      execFileSync(join(k8sDir, 'stop'), [dir], { stdio: ['ignore', 'ignore', 'inherit'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // Vitest exits through process.exit() on Ctrl-C without tearing down: stop it then too.
  process.once('exit', stop);
  const started = Date.now();
  try {
    let out: string;
    try {
      out = execFileSync(join(k8sDir, 'start'), [dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      // Loud on purpose: the folder is there, so these tests are expected to run.
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(
        `cannot start the real Kubernetes control plane with ${join(k8sDir, 'start')}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n${stderr}`,
      );
    }
    const info = JSON.parse(out) as { kubeconfig: string; server: string };
    const kubeconfig = YAML.parse(readFileSync(info.kubeconfig, 'utf8')) as {
      'current-context': string;
      clusters: { cluster: { 'certificate-authority-data': string } }[];
    };
    // The binary says which version it is (start unpacked it into DIR/bin): titles stay true if
    // ../shared/k8s moves to another release.
    const version =
      /v(\d+\.\d+\.\d+)/.exec(
        execFileSync(join(dir, 'bin', 'kube-apiserver'), ['--version'], { encoding: 'utf8' }),
      )?.[1] ?? 'unknown';
    project.provide('realKubernetes', {
      kubeconfig: info.kubeconfig,
      server: info.server,
      context: kubeconfig['current-context'],
      caData: kubeconfig.clusters[0]?.cluster['certificate-authority-data'] ?? '',
      version,
    });
    project.provide('realKubernetesSkipReason', '');
    console.log(
      `real Kubernetes: kube-apiserver ${version} at ${info.server}, started in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    // Nothing may outlive a failed setup: vitest runs no teardown for it.
    process.off('exit', stop);
    stop();
    throw error;
  }
  return () => {
    process.off('exit', stop);
    stop();
  };
}
