// applyObjects / waitForRollout / readSecretAnnotation / deleteObjects through real client-node,
// with the same assertions against the Kubernetes simulator and against the run's real
// kube-apiserver (test/setup/real-kubernetes.ts; skipped, saying why, where there is none): install,
// idempotent re-apply, conflicts, dry run, rollouts, and the failures a user meets (bad
// credentials, missing rights, a rejected object) with their messages. What only the simulator can
// show (its request log, a slow server, plain HTTP) is checked on the simulator alone.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  applyObjects,
  deleteObjects,
  readOrNull,
  readSecretAnnotation,
  sortForApply,
  UNCHANGED_AS_READ,
} from '../../src/kube/apply.js';
import { renderAgentkManifests } from '../../src/kube/manifests.js';
import { waitForRollout } from '../../src/kube/rollout.js';
import { isWrite, type KubeSimulator } from '../../src/simulator/kube/server.js';
import {
  clusterFactories,
  type ClusterFactory,
  type TestCluster,
} from '../helpers/kube-clusters.js';
import { uniqueName } from '../helpers/real-kubernetes.js';
import { apply, deployment, namespace, startCluster } from '../simulator/kube/helpers.js';

const TOKEN = 'glagent-test-token-0123456789abcdef';
const TOKEN_ID = 'migrate-clusters.gitlab.com/agent-token-id';

// Every object sets a field beyond its name, as the real templates do (labels). kube-apiserver
// records no managedFields entry for an apply that sets no field, and the next apply of such an
// object writes a "before-first-apply" entry, bumping its resourceVersion once although nothing
// changed: the simulator does not model that, and agentk's objects never meet it.
const LABELS = { 'app.kubernetes.io/name': 'agentk' };

/** What an agentk install looks like, in deliberately scrambled order. */
function agentkObjects(
  ns: string,
  options: { replicas?: number; image?: string; progressDeadlineSeconds?: number } = {},
): KubernetesObject[] {
  const { progressDeadlineSeconds, ...rest } = options;
  const d = deployment(ns, 'agentk', { secret: 'agentk-token', ...rest });
  if (progressDeadlineSeconds != null) d.spec['progressDeadlineSeconds'] = progressDeadlineSeconds;
  return [
    d,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'agentk-token',
        namespace: ns,
        labels: LABELS,
        annotations: { [TOKEN_ID]: '42' },
      },
      type: 'Opaque',
      data: { token: Buffer.from(TOKEN).toString('base64') },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'agentk', namespace: ns, labels: LABELS },
    },
    { ...namespace(ns), metadata: { name: ns, labels: LABELS } },
  ];
}

const install = (kc: KubeConfig, objects: KubernetesObject[], force = false) =>
  applyObjects(kc, objects, { dryRun: false, forceConflicts: force });

/** The UserError `promise` rejects with, checked to be one line with a hint. */
async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a UserError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  const user = error as UserError;
  expect(user.message).not.toContain('\n');
  expect(user.hint).toBeTruthy();
  return user;
}

/** The live objects `objects` name (null where absent), read through the API like any client. */
const live = (c: TestCluster, objects: KubernetesObject[]) =>
  Promise.all(objects.map((o) => readOrNull(c.api, structuredClone(o))));

const versions = async (c: TestCluster, objects: KubernetesObject[]) =>
  (await live(c, objects)).map(
    (o, i) => `${objects[i]!.kind}/${objects[i]!.metadata?.name}@${o?.metadata?.resourceVersion}`,
  );

/** Present and not being deleted. */
const existing = async (c: TestCluster, objects: KubernetesObject[]) =>
  (await live(c, objects))
    .filter((o) => o != null && o.metadata?.deletionTimestamp == null)
    .map((o) => o!.kind);

const readDeployment = (c: TestCluster, ns: string) =>
  readOrNull<V1Deployment>(c.api, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'agentk', namespace: ns },
  });

/**
 * Waits for the deployment controller's last word on a rollout whose Pods are not ready: the spec
 * observed and every replica created from the new template. The real controller gets there in a
 * few ms and writes the status several times on the way; comparing resourceVersions or reading
 * progress before that would race it.
 */
async function settled(c: TestCluster, ns: string): Promise<V1Deployment> {
  for (let i = 0; i < 250; i++) {
    const d = await readDeployment(c, ns);
    const wanted = d?.spec?.replicas ?? 1;
    const s = d?.status;
    if (
      d &&
      (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
      s?.updatedReplicas === wanted &&
      s.replicas === wanted
    )
      return d;
    await sleep(20);
  }
  throw new Error(`Deployment ${ns}/agentk did not settle`);
}

function kubeLayerCases(factory: ClusterFactory) {
  let c: TestCluster;
  let NS: string;
  let objects: KubernetesObject[];
  const sim = (): KubeSimulator | null => c.sim;
  beforeEach(async () => {
    c = await factory.start();
    // Each test its own namespace: the real server is shared by the whole run.
    NS = uniqueName('gitlab-agent-demo');
    objects = agentkObjects(NS);
  });
  afterEach(async () => {
    await c.close();
    // Namespace deletion takes the rest with it, in the background (the simulator is gone anyway).
    if (c.kind === 'kube-apiserver') await deleteObjects(c.kc, [namespace(NS)], { dryRun: false });
  });

  describe('applyObjects', () => {
    it('installs namespace first and the Deployment last, owned by migrate-clusters', async () => {
      const results = await install(c.kc, objects);
      expect(results).toEqual([
        { kind: 'Namespace', namespace: null, name: NS, outcome: 'created', dryRun: false },
        {
          kind: 'ServiceAccount',
          namespace: NS,
          name: 'agentk',
          outcome: 'created',
          dryRun: false,
        },
        { kind: 'Secret', namespace: NS, name: 'agentk-token', outcome: 'created', dryRun: false },
        { kind: 'Deployment', namespace: NS, name: 'agentk', outcome: 'created', dryRun: false },
      ]);
      const requests = sim()?.requests;
      if (requests) {
        const patches = requests.filter((r) => r.method === 'PATCH');
        expect(patches).toHaveLength(4);
        expect(
          patches.every(
            (r) =>
              r.fieldManager === 'migrate-clusters' &&
              r.contentType === 'application/apply-patch+yaml',
          ),
        ).toBe(true);
      }
      // On both: every object's fields belong to migrate-clusters through an Apply.
      for (const o of await live(c, objects)) {
        const managers = (o?.metadata?.managedFields ?? []).map(
          (m) => `${m.manager}/${m.operation}`,
        );
        expect(managers, o?.kind).toContain('migrate-clusters/Apply');
      }
      const [, secret] = await live(c, objects);
      expect((secret as { data?: unknown }).data).toEqual({
        token: Buffer.from(TOKEN).toString('base64'),
      });
    });

    it('reports a second identical apply as unchanged, and the cluster does not change', async () => {
      await install(c.kc, objects);
      await settled(c, NS);
      const before = await versions(c, objects);
      const again = await install(c.kc, objects);
      expect(again.map((r) => r.outcome)).toEqual([
        'unchanged',
        'unchanged',
        'unchanged',
        'unchanged',
      ]);
      expect(await versions(c, objects)).toEqual(before);

      const changed = await install(
        c.kc,
        agentkObjects(NS, { image: 'registry.example/agentk:v2' }),
      );
      expect(changed.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
        'Namespace:unchanged',
        'ServiceAccount:unchanged',
        'Secret:unchanged',
        'Deployment:configured',
      ]);
    });

    it("re-applies agentk's objects from one read each when nothing changed: no apply, no dry run", async () => {
      const agentk = renderAgentkManifests({
        agentName: 'demo',
        namespace: NS,
        kasAddress: 'wss://kas.example.test/-/kubernetes-agent/',
        kasVersion: '17.11.2',
        rbac: { kind: 'cluster-admin' },
        token: { value: TOKEN, id: 42 },
      });
      try {
        await install(c.kc, agentk);
        sim()?.clearRequests();
        // installAgentk's way: a dry run first, then (had anything changed) the apply
        const preview = await applyObjects(c.kc, agentk, { dryRun: true, forceConflicts: false });
        const again = await install(c.kc, agentk);
        for (const results of [preview, again])
          expect(results.map((r) => `${r.kind}:${r.outcome}:${r.note ?? ''}`)).toEqual(
            sortForApply(agentk).map((o) => `${o.kind}:unchanged:${UNCHANGED_AS_READ}`),
          );
        const requests = sim()?.requests;
        if (requests) {
          expect(requests.filter((r) => r.method !== 'GET')).toEqual([]);
          expect(requests).toHaveLength(2 * agentk.length);
        }
        // A field no longer set is removed by the apply: that needs the API server.
        const fewer = agentk.map((o) =>
          o.kind === 'ServiceAccount' ? { ...o, metadata: { ...o.metadata, annotations: {} } } : o,
        );
        const changed = await install(c.kc, fewer);
        expect(changed.filter((r) => r.outcome !== 'unchanged').map((r) => r.kind)).toEqual([
          'ServiceAccount',
        ]);
        const [account] = await live(
          c,
          fewer.filter((o) => o.kind === 'ServiceAccount'),
        );
        expect(account?.metadata?.annotations ?? {}).toEqual({});
      } finally {
        // cluster-wide: the namespace's deletion does not take it along
        await deleteObjects(
          c.kc,
          agentk.filter((o) => o.kind === 'ClusterRoleBinding'),
          { dryRun: false },
        );
      }
    });

    it('stops at a field another manager changed, naming it and --force-conflicts; forcing takes it back', async () => {
      await install(c.kc, objects);
      await apply(
        c.api,
        { ...deployment(NS, 'agentk', { replicas: 5 }), spec: { replicas: 5 } } as never,
        'kubectl-scale',
        { force: true },
      );
      const error = await userError(install(c.kc, objects));
      expect(error.message).toBe(
        `Cannot apply Deployment ${NS}/agentk with context "${c.context}" (${c.server}): a field changed by another tool would be overwritten: .spec.replicas (managed by "kubectl-scale").`,
      );
      expect(error.hint).toContain('--force-conflicts');
      expect((await readDeployment(c, NS))?.spec).toMatchObject({ replicas: 5 });

      const forced = await install(c.kc, objects, true);
      expect(forced.at(-1)).toMatchObject({ kind: 'Deployment', outcome: 'configured' });
      expect((await readDeployment(c, NS))?.spec).toMatchObject({ replicas: 2 });
      const requests = sim()?.requests;
      if (requests) expect(requests.filter((r) => r.method === 'PATCH').at(-1)?.force).toBe(true);
    });

    it('leaves nothing behind in a dry run on an empty cluster, reporting what would be created', async () => {
      const results = await applyObjects(c.kc, objects, { dryRun: true, forceConflicts: false });
      expect(results.map((r) => [r.kind, r.outcome, r.dryRun])).toEqual([
        ['Namespace', 'created', true],
        ['ServiceAccount', 'created', true],
        ['Secret', 'created', true],
        ['Deployment', 'created', true],
      ]);
      // The API server would answer 404 inside a namespace that does not exist yet: not sent.
      expect(results[1]?.note).toBe(`namespace ${NS} would be created first`);
      expect(await live(c, objects)).toEqual([null, null, null, null]);
      const requests = sim()?.requests;
      if (requests) {
        expect(requests.filter(isWrite)).toEqual([]);
        expect(requests.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.dryRun])).toEqual(
          [[`/api/v1/namespaces/${NS}`, true]],
        );
      }
    });

    it('tells in a dry run which installed objects would change, changing none', async () => {
      await install(c.kc, objects);
      await settled(c, NS);
      const before = await versions(c, objects);
      sim()?.clearRequests();
      const results = await applyObjects(c.kc, agentkObjects(NS, { replicas: 3 }), {
        dryRun: true,
        forceConflicts: false,
      });
      expect(results.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
        'Namespace:unchanged',
        'ServiceAccount:unchanged',
        'Secret:unchanged',
        'Deployment:configured',
      ]);
      expect(await versions(c, objects)).toEqual(before);
      expect((await readDeployment(c, NS))?.spec?.replicas).toBe(2);
      const requests = sim()?.requests;
      if (requests) expect(requests.filter(isWrite)).toEqual([]);
      // the configured object carries the live object's diff to the dry run's, and only it
      const changed = results.find((r) => r.kind === 'Deployment')!;
      expect(changed.diff).toMatch(/^- {2}replicas: 2$/m);
      expect(changed.diff).toMatch(/^\+ {2}replicas: 3$/m);
      expect(changed.diff).not.toMatch(/managedFields|resourceVersion|uid:|^[-+]status/m);
      expect(results.filter((r) => r.diff != null).map((r) => r.kind)).toEqual(['Deployment']);
    });

    it("shows a Secret's change in a dry run without its values", async () => {
      await install(c.kc, objects);
      const other = agentkObjects(NS).map((o) =>
        o.kind === 'Secret'
          ? {
              ...o,
              data: { token: Buffer.from('glagent-another-token-000000').toString('base64') },
            }
          : o,
      );
      const results = await applyObjects(c.kc, other, { dryRun: true, forceConflicts: false });
      const secret = results.find((r) => r.kind === 'Secret')!;
      expect(secret.outcome).toBe('configured');
      expect(secret.diff).toMatch(/^- {2}token: \(hidden\)$/m);
      expect(secret.diff).toMatch(/^\+ {2}token: \(hidden, changed\)$/m);
      expect(secret.diff).not.toContain(Buffer.from(TOKEN).toString('base64'));
      expect(secret.diff).not.toContain('glagent-another-token');
    });
  });

  describe('failures a user meets', () => {
    it('says the credentials of the context were refused (401) or lack rights (403)', async () => {
      const refused = await userError(install(c.refusedCredentials('staging'), objects));
      expect(refused.message).toBe(
        `The Kubernetes API server ${c.server} refused the credentials of context "staging" (401 Unauthorized).`,
      );
      expect(refused.hint).toContain('kubectl --context staging get namespaces');

      const denied = await userError(install(await c.readOnly('viewer'), objects));
      expect(denied.message).toBe(
        `Context "viewer" may not apply Namespace ${NS}: namespaces "${NS}" is forbidden: User "read-only-user" cannot patch resource "namespaces" in API group "" in the namespace "${NS}".`,
      );
      expect(await live(c, objects)).toEqual([null, null, null, null]);
    });

    it('passes on why the API server rejected an object (422), after applying what came before', async () => {
      (objects[0] as { spec: Record<string, unknown> }).spec['replicas'] = -1;
      const error = await userError(install(c.kc, objects));
      expect(error.message).toBe(
        `The Kubernetes API server rejected Deployment ${NS}/agentk with context "${c.context}" (${c.server}): Deployment.apps "agentk" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0.`,
      );
      expect(await existing(c, objects)).toEqual(['Secret', 'ServiceAccount', 'Namespace']);
    });

    it('explains an untrusted certificate', async () => {
      const untrusted = await userError(install(c.untrustedCa('tls'), objects));
      expect(untrusted.message).toMatch(
        new RegExp(
          `^The TLS certificate of the Kubernetes API server ${c.server.replace(/\./g, '\\.')} \\(context "tls"\\) is not trusted \\([A-Z_]+\\)\\.$`,
        ),
      );
      expect(untrusted.hint).toContain('certificate-authority-data');
    });
  });

  describe('waitForRollout', () => {
    it('returns once the Deployment is available, reporting progress while it waits', async () => {
      await install(c.kc, objects);
      await settled(c, NS);
      const progress: string[] = [];
      await waitForRollout(c.kc, NS, 'agentk', {
        deadlineMs: 20_000,
        pollMs: 10,
        onProgress: (state) => {
          if (progress.length === 0) c.releaseRollouts(NS);
          progress.push(state);
        },
      });
      expect(progress[0]).toBe('0 of 2 updated replicas are available');
      const status = (await readDeployment(c, NS))?.status;
      expect(status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2 });
    });

    it('times out with the Deployment, its state, and how to look', async () => {
      await install(c.kc, objects);
      await settled(c, NS);
      const error = await userError(
        waitForRollout(c.kc, NS, 'agentk', { deadlineMs: 150, pollMs: 20 }),
      );
      expect(error.message).toBe(
        `Deployment ${NS}/agentk did not become available within 150 ms in context "${c.context}": 0 of 2 updated replicas are available (Available: Deployment does not have minimum availability.).`,
      );
      expect(error.hint).toContain(
        `kubectl --context ${c.context} -n ${NS} describe deployment agentk`,
      );
    });

    it('fails at once when the rollout exceeded its progress deadline', async () => {
      // The real controller gives up after progressDeadlineSeconds (1 s here); the simulator
      // ignores that field and is told to stall instead.
      sim()?.setRollout('stalled', { delayMs: 10 });
      await install(c.kc, agentkObjects(NS, { progressDeadlineSeconds: 1 }));
      const error = await userError(
        waitForRollout(c.kc, NS, 'agentk', { deadlineMs: 30_000, pollMs: 20 }),
      );
      expect(error.message).toMatch(
        new RegExp(
          `^Deployment ${NS}/agentk did not roll out in context "${c.context}": the rollout exceeded its progress deadline \\(ReplicaSet ".*" has timed out progressing\\.\\)\\.$`,
        ),
      );
    });

    it('says so when there is no Deployment to wait for', async () => {
      const error = await userError(
        waitForRollout(c.kc, NS, 'agentk', { deadlineMs: 1_000, pollMs: 10 }),
      );
      expect(error.message).toBe(
        `Deployment ${NS}/agentk does not exist in context "${c.context}", so there is no rollout to wait for.`,
      );
    });
  });

  describe('readSecretAnnotation and deleteObjects', () => {
    it('reads the token id annotation, and null for a missing Secret or annotation', async () => {
      expect(await readSecretAnnotation(c.kc, NS, 'agentk-token', TOKEN_ID)).toBeNull();
      await install(c.kc, objects);
      expect(await readSecretAnnotation(c.kc, NS, 'agentk-token', TOKEN_ID)).toBe('42');
      expect(await readSecretAnnotation(c.kc, NS, 'agentk-token', 'other/annotation')).toBeNull();
      expect(await readSecretAnnotation(c.kc, NS, 'no-such-secret', TOKEN_ID)).toBeNull();
    });

    it('deletes in reverse order, tolerates objects already gone, and deletes nothing in a dry run', async () => {
      await install(c.kc, objects);
      await deleteObjects(c.kc, objects, { dryRun: true });
      expect(await existing(c, objects)).toEqual([
        'Deployment',
        'Secret',
        'ServiceAccount',
        'Namespace',
      ]);
      sim()?.clearRequests();
      await deleteObjects(c.kc, objects, { dryRun: false });
      const requests = sim()?.requests;
      if (requests)
        expect(
          requests
            .filter((r) => r.method === 'DELETE')
            .map((r) => r.path.split('/').slice(-2).join('/')),
        ).toEqual([
          'deployments/agentk',
          'secrets/agentk-token',
          'serviceaccounts/agentk',
          `namespaces/${NS}`,
        ]);
      // Gone, or (the real namespace) Terminating until its controller has emptied it.
      expect(await existing(c, objects)).toEqual([]);
      await deleteObjects(c.kc, objects, { dryRun: false });
    });
  });
}

// The real kube-apiserver's cases are slow (vitest.config.ts): `npm run test:fast` runs the simulator's.
for (const factory of clusterFactories)
  describe.skipIf(factory.skipReason != null)(
    factory.skipReason == null ? factory.title : `${factory.title} (${factory.skipReason})`,
    { tags: factory.kind === 'kube-apiserver' ? ['slow'] : [] },
    () => kubeLayerCases(factory),
  );

describe('only the simulator can show', () => {
  const running: KubeSimulator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  const NS = 'gitlab-agent-demo';

  it('reuses connections and API discovery across calls with one KubeConfig', async () => {
    const { sim, kc } = await startCluster({ tls: true });
    running.push(sim);
    const options = { dryRun: false, forceConflicts: false };
    for (let i = 0; i < 3; i += 1) await applyObjects(kc, agentkObjects(NS), options);
    await waitForRollout(kc, NS, 'agentk', { deadlineMs: 5_000, pollMs: 20 });
    // 3 applies of every object (a read and an apply, then a read each as nothing changes), and
    // one connection where keep-alive holds (client-node alone opens one per request).
    const count = agentkObjects(NS).length;
    expect(sim.requests.length).toBeGreaterThan(2 * count + 2 * count);
    expect(sim.connections).toBeLessThanOrEqual(2);
    // discovery of each group version once, not once per call
    const discovery = sim.requests.filter((r) => /^\/apis?(\/[^/]+){0,2}$/.test(r.path));
    const paths = discovery.map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it('asks for API discovery once when several installs on one cluster start at once', async () => {
    const { sim, kc } = await startCluster({ latencyMs: 20 });
    running.push(sim);
    const options = { dryRun: false, forceConflicts: false };
    await Promise.all(
      ['a', 'b', 'c'].map((n) => applyObjects(kc, agentkObjects(`${NS}-${n}`), options)),
    );
    const paths = sim.requests
      .filter((r) => /^\/apis?(\/[^/]+){0,2}$/.test(r.path))
      .map((r) => r.path);
    expect(paths.sort()).toEqual(['/api/v1', '/apis/apps/v1']);
  });

  it('gives up on a server that does not answer within the request timeout', async () => {
    const { sim, kc } = await startCluster();
    running.push(sim);
    sim.setLatency(2_000);
    const error = await userError(
      applyObjects(kc, agentkObjects(NS), {
        dryRun: false,
        forceConflicts: false,
        requestTimeoutMs: 100,
      }),
    );
    expect(error.message).toBe(
      `The Kubernetes API server ${sim.url} (context "sim") did not answer within 100 ms when asked to read Namespace ${NS}.`,
    );
  });

  it('explains a plain-http server without insecure-skip-tls-verify (kube-apiserver serves HTTPS only)', async () => {
    const { sim } = await startCluster();
    running.push(sim);
    const plain = new KubeConfig();
    plain.loadFromOptions({
      clusters: [{ name: 'c', server: sim.url, skipTLSVerify: false }],
      users: [{ name: 'u', token: sim.token }],
      contexts: [{ name: 'plain', cluster: 'c', user: 'u' }],
      currentContext: 'plain',
    });
    const http = await userError(install(plain, agentkObjects(NS)));
    expect(http.message).toBe(
      `Context "plain" points at plain HTTP (${sim.url}) without insecure-skip-tls-verify, which the Kubernetes client refuses.`,
    );
  });
});

describe('without a cluster', () => {
  it('names the server and context when nothing listens there', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'gone', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'whatever-token' }],
      contexts: [{ name: 'prod-eu', cluster: 'gone', user: 'u' }],
      currentContext: 'prod-eu',
    });
    const error = await userError(install(kc, agentkObjects('gitlab-agent-demo')));
    expect(error.message).toBe(
      `Cannot reach the Kubernetes API server http://127.0.0.1:${port} of context "prod-eu": connection refused.`,
    );
    expect(error.hint).toContain('reachable');
  });

  it("refuses client-node's silent http://localhost:8080 fallback without a request", async () => {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false },
      { name: 'user' },
    );
    const error = await userError(install(kc, agentkObjects('gitlab-agent-demo')));
    expect(error.message).toBe(
      'No kubeconfig was found, so the Kubernetes client fell back to http://localhost:8080.',
    );
    expect(error.hint).toContain('--kubeconfig');
  });

  it('orders namespaces, then cluster-wide objects, then the rest, keeping input order otherwise', () => {
    const o = (kind: string, name: string, ns?: string): KubernetesObject => ({
      kind,
      metadata: { name, ...(ns ? { namespace: ns } : {}) },
    });
    const sorted = sortForApply([
      o('Deployment', 'd', 'n'),
      o('ClusterRoleBinding', 'crb'),
      o('PodDisruptionBudget', 'pdb', 'n'),
      o('Secret', 's2', 'n'),
      o('Namespace', 'n'),
      o('Secret', 's1', 'n'),
    ]);
    expect(sorted.map((x) => x.metadata?.name)).toEqual(['n', 'crb', 's2', 's1', 'd', 'pdb']);
  });
});
