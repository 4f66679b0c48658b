// The two kinds of cluster the kube layer's tests run against with the same assertions: the
// Kubernetes simulator (one per test, with its request log) and the real kube-apiserver of this run
// (shared; a test owns the namespaces it names). Each gives an admin KubeConfig, kubeconfigs a user
// meets when things are wrong (refused credentials, read-only rights, an untrusted CA), and a way
// to let rollouts finish (the simulator's controller, or a fake kubelet on the real server).
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { selfSignedCertificate } from '../../src/simulator/kube/self-signed.js';
import { startKubeSimulator, type KubeSimulator } from '../../src/simulator/kube/server.js';
import { kubeConfigFor } from '../simulator/kube/helpers.js';
import { startFakeKubelet, type FakeKubelet } from './fake-kubelet.js';
import { realKubeConfig, realKubernetes, realKubernetesSkipReason } from './real-kubernetes.js';

/** The user whose rights are `view` only: the simulator's read-only token, impersonated on the real server. */
export const READ_ONLY_USER = 'read-only-user';

export interface TestCluster {
  kind: 'simulator' | 'kube-apiserver';
  /** admin access, through context `context` */
  kc: KubeConfig;
  context: string;
  server: string;
  api: KubernetesObjectApi;
  /** the simulator, for its request log; null on the real server, which keeps none */
  sim: KubeSimulator | null;
  /** the same server with credentials it refuses (401) */
  refusedCredentials(context: string): KubeConfig;
  /** the same server as READ_ONLY_USER, who may read but not write (403) */
  readOnly(context: string): Promise<KubeConfig>;
  /** the same server, trusting a CA that did not sign its certificate */
  untrustedCa(context: string): KubeConfig;
  /** lets the rollouts in `namespace` finish: Pods become ready, Deployments available */
  releaseRollouts(namespace: string): void;
  close(): Promise<void>;
}

export interface ClusterFactory {
  kind: TestCluster['kind'];
  /** for describe titles */
  title: string;
  /** null when this kind is available, else why its tests skip */
  skipReason: string | null;
  start(): Promise<TestCluster>;
}

function withUser(
  server: string,
  context: string,
  cluster: { caData?: string; skipTLSVerify?: boolean },
  user: Record<string, string>,
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: cluster.skipTLSVerify ?? false, ...cluster }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: context, cluster: 'c', user: 'u' }],
    currentContext: context,
  });
  return kc;
}

const otherCa = () => Buffer.from(selfSignedCertificate('127.0.0.1').cert).toString('base64');

/**
 * A simulator per test. Rollouts end as a real controller leaves them when no Pod gets ready
 * (every replica updated, none available) within a few ms, until a test releases them.
 */
export const simulatorFactory: ClusterFactory = {
  kind: 'simulator',
  title: 'Kubernetes simulator',
  skipReason: null,
  start: async () => {
    const readOnlyToken = 'read-only-token-123456';
    const sim = await startKubeSimulator({
      tls: true,
      readOnlyToken,
      rollout: 'never',
      rolloutDelayMs: 5,
    });
    const kc = kubeConfigFor(sim);
    return {
      kind: 'simulator',
      kc,
      context: 'sim',
      server: sim.url,
      api: KubernetesObjectApi.makeApiClient(kc),
      sim,
      refusedCredentials: (context) =>
        kubeConfigFor(sim, { context, token: 'expired-token-123456' }),
      readOnly: (context) => Promise.resolve(kubeConfigFor(sim, { context, token: readOnlyToken })),
      untrustedCa: (context) =>
        withUser(sim.url, context, { caData: otherCa() }, { token: sim.token }),
      releaseRollouts: () => sim.setRollout('available', { delayMs: 5 }),
      close: () => sim.close(),
    };
  },
};

/** The run's kube-apiserver: shared, so only the namespaces a test names are its own. */
export const realFactory: ClusterFactory = {
  kind: 'kube-apiserver',
  title: `kube-apiserver ${realKubernetes?.version ?? ''}`.trim(),
  skipReason: realKubernetes ? null : realKubernetesSkipReason,
  start: () => {
    const info = realKubernetes!;
    const kc = realKubeConfig();
    const api = KubernetesObjectApi.makeApiClient(kc);
    const kubelets: FakeKubelet[] = [];
    const admin = kc.getCurrentUser()!;
    const asAdmin = (context: string, extra: Record<string, string> = {}) =>
      withUser(
        info.server,
        context,
        { caData: info.caData },
        { certData: admin.certData ?? '', keyData: admin.keyData ?? '', ...extra },
      );
    return Promise.resolve({
      kind: 'kube-apiserver',
      kc,
      context: info.context,
      server: info.server,
      api,
      sim: null,
      // The API server knows no bearer tokens but service accounts' signed ones: any other is refused.
      refusedCredentials: (context) =>
        withUser(info.server, context, { caData: info.caData }, { token: 'expired-token-123456' }),
      readOnly: async (context) => {
        // The admin impersonating a user bound to the built-in `view` ClusterRole: RBAC then
        // answers exactly as for that user. Applying the binding again is a no-op, so every test
        // (and file) may ask for it.
        await api.patch(
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: 'migrate-clusters-tests-read-only-user' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
            subjects: [
              { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: READ_ONLY_USER },
            ],
          } as KubernetesObject,
          undefined,
          undefined,
          'migrate-clusters-tests',
          true,
          PatchStrategy.ServerSideApply,
        );
        return asAdmin(context, { impersonateUser: READ_ONLY_USER });
      },
      untrustedCa: (context) =>
        withUser(
          info.server,
          context,
          { caData: otherCa() },
          { certData: admin.certData ?? '', keyData: admin.keyData ?? '' },
        ),
      releaseRollouts: (namespace) => {
        kubelets.push(startFakeKubelet({ kc, namespaces: [namespace], pollMs: 50 }));
      },
      close: async () => {
        await Promise.all(kubelets.splice(0).map((k) => k.stop()));
      },
    });
  },
};

export const clusterFactories: ClusterFactory[] = [simulatorFactory, realFactory];
