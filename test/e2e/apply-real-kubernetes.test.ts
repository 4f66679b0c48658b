// @module-tag slow
// The built CLI against the run's real kube-apiserver (test/setup/real-kubernetes.ts): plan, a dry
// run that leaves the cluster alone, apply (agentk's objects by server-side apply, rolled out by the
// real controllers with a fake kubelet making the Pods ready, the agent connected to the GitLab
// simulator by the fake kubelet playing agentk), a second apply that writes nothing, and rollback
// --uninstall. GitLab is the simulator seeded with the demo's clusters of ONE physical cluster
// (k8s-staging, four certificate clusters of three top-level groups), pointed at the real server
// and carrying its CA, so context matching (server and CA) runs for real too.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KubernetesObjectApi,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseApiUrl } from '../../src/discovery/api-url.js';
import { readOrNull } from '../../src/kube/apply.js';
import { findAgentkObjects } from '../../src/kube/find-agentk.js';
import { agentkObjectNames, TOKEN_ID_ANNOTATION } from '../../src/kube/manifests.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';
import { adminApiToken, demoFixture } from '../helpers/gitlab.js';
import {
  realKubeConfig,
  realKubernetes,
  realKubernetesSkipReason,
} from '../helpers/real-kubernetes.js';
import { runCli } from '../helpers/run-cli.js';

const PHYSICAL_CLUSTER = 'https://k8s-staging.kestrel.test:6443';

interface PlannedAgent {
  ref: string;
  project: string;
  name: string;
  namespace: string;
  apiUrl: string;
  clusterIds: number[];
}

/** The demo with only the certificate clusters of one physical cluster, now the real server. */
function oneClusterFixture(server: string, caData: string): GitLabFixture {
  const fixture = demoFixture();
  fixture.clusters = fixture.clusters.filter(
    (c) => normaliseApiUrl(c.platform_kubernetes.api_url) === normaliseApiUrl(PHYSICAL_CLUSTER),
  );
  for (const c of fixture.clusters) {
    c.platform_kubernetes.api_url = server;
    // GitLab keeps the cluster's CA; the tool matches it against the kubeconfig's.
    c.platform_kubernetes.ca_cert = Buffer.from(caData, 'base64').toString('utf8');
  }
  return fixture;
}

describe.skipIf(!realKubernetes)(
  realKubernetes
    ? `apply against kube-apiserver ${realKubernetes.version}`
    : `apply against a real kube-apiserver (${realKubernetesSkipReason})`,
  () => {
    let gitlab: GitLabSimulator;
    let kubelet: FakeKubelet | null = null;
    let kc: KubeConfig;
    let api: KubernetesObjectApi;
    let dir: string;
    let plan: string;
    let agents: PlannedAgent[] = [];
    let env: Record<string, string>;
    const fixture = realKubernetes
      ? oneClusterFixture(realKubernetes.server, realKubernetes.caData)
      : demoFixture();
    const cli = (args: string[]) => runCli(args, env);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mc-real-k8s-'));
      plan = join(dir, 'plan.json');
      gitlab = await startGitLabSimulator({ fixture });
      kc = realKubeConfig();
      api = KubernetesObjectApi.makeApiClient(kc);
      env = {
        GITLAB_URL: gitlab.url,
        GITLAB_TOKEN: adminApiToken(fixture),
        KUBECONFIG: realKubernetes!.kubeconfig,
      };
    });
    afterAll(async () => {
      await kubelet?.stop();
      await gitlab?.close();
      await rm(dir, { recursive: true, force: true });
    });

    /** agentk's objects of an agent, by name, as the templates render them. */
    const objectsOf = (a: PlannedAgent): KubernetesObject[] => {
      const names = agentkObjectNames(a.name);
      const ns = (kind: string, apiVersion: string, name: string) => ({
        apiVersion,
        kind,
        metadata: { name, namespace: a.namespace },
      });
      return [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.namespace } },
        ns('ServiceAccount', 'v1', names.fullname),
        ns('Secret', 'v1', names.secret),
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: `${a.namespace}:${names.fullname}-cluster-admin` },
        },
        ns('Deployment', 'apps/v1', names.deployment),
        ns('PodDisruptionBudget', 'policy/v1', names.fullname),
      ];
    };

    const live = (objects: KubernetesObject[]) =>
      Promise.all(objects.map((o) => readOrNull(api, structuredClone(o))));

    /** Every agentk object and ReplicaSet with its resourceVersion: any write shows. */
    const snapshot = async (): Promise<string[]> => {
      const rows: string[] = [];
      for (const a of agents) {
        const objects = objectsOf(a);
        const found = await live(objects);
        found.forEach((o, i) =>
          rows.push(
            `${objects[i]!.kind} ${objects[i]!.metadata?.name}@${o?.metadata?.resourceVersion}`,
          ),
        );
        const sets = await api.list('apps/v1', 'ReplicaSet', a.namespace);
        for (const rs of sets.items)
          rows.push(`ReplicaSet ${rs.metadata?.name}@${rs.metadata?.resourceVersion}`);
      }
      return rows.sort();
    };

    /** Waits until the controllers have no more to write: Deployments and PDBs at rest. */
    const atRest = async () => {
      for (let i = 0; i < 300; i++) {
        let rest = true;
        for (const a of agents) {
          const found = await live(objectsOf(a));
          const deployment = found[4] as V1Deployment | null;
          const pdb = found[5] as V1PodDisruptionBudget | null;
          const progressing = deployment?.status?.conditions?.find((c) => c.type === 'Progressing');
          rest &&=
            progressing?.reason === 'NewReplicaSetAvailable' &&
            deployment?.status?.availableReplicas === 2 &&
            (deployment.status.replicas ?? 0) === 2 &&
            pdb?.status?.currentHealthy === 2 &&
            pdb.status.observedGeneration === pdb.metadata?.generation;
        }
        if (rest) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('the cluster did not come to rest');
    };

    const gitlabWrites = (from: number) =>
      gitlab.requests
        .slice(from)
        .filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
        .map((r) => `${r.method} ${r.path}`);

    it('plans one agent per top-level group in the one cluster, each through the real server', async () => {
      const r = await cli(['plan', '--out', plan, '--format', 'json']);
      expect(r.code, r.stderr).toBe(0);
      agents = (JSON.parse(await readFile(plan, 'utf8')) as { agents: PlannedAgent[] }).agents;
      expect(agents.map((a) => a.ref).sort()).toEqual([
        'data/ml/demand-forecast:forecast-staging',
        'logistics/gitlab-agents:staging',
        'payments/gitlab-agents:staging',
      ]);
      for (const a of agents)
        expect(normaliseApiUrl(a.apiUrl)).toBe(normaliseApiUrl(realKubernetes!.server));
      expect(agents.flatMap((a) => a.clusterIds).sort((x, y) => x - y)).toEqual([6, 7, 10, 13]);
    });

    it('apply --dry-run leaves the real cluster unchanged', async () => {
      const from = gitlab.requests.length;
      const r = await cli(['apply', plan, '--dry-run']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/would apply \d+ objects .* with context k8s-local/);
      for (const a of agents) expect(await findAgentkObjects(kc, a), a.ref).toEqual([]);
      // POST /ci/lint validates a configuration and stores nothing.
      expect(gitlabWrites(from).filter((w) => !w.endsWith('/ci/lint'))).toEqual([]);
    });

    it('apply installs agentk, the real controllers roll it out and the agent connects', async () => {
      // The fake kubelet watches only these namespaces: other tests share the server.
      kubelet = startFakeKubelet({
        kc,
        namespaces: agents.map((a) => a.namespace),
        onAgentkToken: (token) => gitlab.state.agents.connect(token),
      });
      const r = await cli(['apply', plan, '--yes']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/0 failed/);
      for (const a of agents) {
        const [namespace, sa, secret, binding, deployment, pdb] = await live(objectsOf(a));
        expect(namespace?.metadata?.labels, a.ref).toMatchObject({
          'app.kubernetes.io/managed-by': 'migrate-clusters',
        });
        expect(sa, a.ref).not.toBeNull();
        expect(binding, a.ref).toMatchObject({
          roleRef: { kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'ServiceAccount', name: sa?.metadata?.name, namespace: a.namespace }],
        });
        expect(pdb, a.ref).toMatchObject({ spec: { minAvailable: 1 } });
        const available = (deployment as V1Deployment).status?.conditions?.find(
          (c) => c.type === 'Available',
        );
        expect(available?.status, a.ref).toBe('True');
        // The Secret carries the id of the token GitLab knows is in use: agentk's connection.
        const annotation = secret?.metadata?.annotations?.[TOKEN_ID_ANNOTATION];
        expect(annotation, `${a.ref} token id`).toMatch(/^\d+$/);
        const tokenId = Number(annotation);
        const project = gitlab.state.findProject(a.project)!;
        const [agent] = gitlab.state.agents.forProject(project).filter((x) => x.name === a.name);
        const token =
          agent && gitlab.state.agents.activeTokens(agent).find((t) => t.id === tokenId);
        expect(token?.lastUsedAt, `${a.ref} connected`).toEqual(expect.any(String));
        for (const o of [namespace, sa, secret, binding, deployment, pdb])
          expect(
            o?.metadata?.managedFields?.some(
              (m) => m.manager === 'migrate-clusters' && m.operation === 'Apply',
            ),
            `${o?.kind} owned by migrate-clusters`,
          ).toBe(true);
      }
      expect(kubelet.errors).toEqual([]);
    });

    it('a dry run and a second apply make no write to the cluster, nor to GitLab', async () => {
      await atRest();
      const before = await snapshot();
      const from = gitlab.requests.length;
      const dry = await cli(['apply', plan, '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      const again = await cli(['apply', plan, '--yes']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/agentk is installed \(context k8s-local\)/);
      expect(await snapshot()).toEqual(before);
      expect(gitlabWrites(from).filter((w) => !w.endsWith('/ci/lint'))).toEqual([]);
    });

    it('rollback --uninstall deletes what apply created', async () => {
      const r = await cli(['rollback', plan, '--yes', '--uninstall']);
      expect(r.code, r.stderr).toBe(0);
      for (const a of agents) {
        const [namespace, ...rest] = await live(objectsOf(a));
        // The namespace is Terminating until kube-controller-manager has emptied it, then gone.
        if (namespace) expect(namespace.metadata?.deletionTimestamp, a.ref).toBeTruthy();
        expect(rest, a.ref).toEqual([null, null, null, null, null]);
        const project = gitlab.state.findProject(a.project);
        const registered = project
          ? gitlab.state.agents.forProject(project).filter((x) => x.name === a.name)
          : [];
        expect(registered, a.ref).toEqual([]);
      }
    });
  },
);
