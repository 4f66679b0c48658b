// applyObjects / waitForRollout / readSecretAnnotation / deleteObjects through real client-node
// against the Kubernetes simulator: install, idempotent re-apply, conflicts, dry run, rollouts, and
// the failures a user meets (unreachable server, bad credentials, no kubeconfig) with their messages.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import {
  applyObjects,
  deleteObjects,
  readSecretAnnotation,
  sortForApply,
} from '../../src/kube/apply.js';
import { waitForRollout } from '../../src/kube/rollout.js';
import { isWrite, SYSTEM_NAMESPACES, type KubeSimulator } from '../../src/simulator/kube/server.js';
import {
  apply,
  deployment,
  kubeConfigFor,
  namespace,
  startCluster,
  type Cluster,
} from '../simulator/kube/helpers.js';

const NS = 'gitlab-agent-demo';
const TOKEN = 'glagent-test-token-0123456789abcdef';
const TOKEN_ID = 'migrate-clusters.gitlab.com/agent-token-id';

/** What an agentk install looks like, in deliberately scrambled order. */
function agentkObjects(options: { replicas?: number; image?: string } = {}): KubernetesObject[] {
  return [
    deployment(NS, 'agentk', { secret: 'agentk-token', ...options }),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'agentk-token', namespace: NS, annotations: { [TOKEN_ID]: '42' } },
      type: 'Opaque',
      data: { token: Buffer.from(TOKEN).toString('base64') },
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'agentk', namespace: NS } },
    namespace(NS),
  ];
}

const running: KubeSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
async function cluster(options: Parameters<typeof startCluster>[0] = {}): Promise<Cluster> {
  // Rollouts are held unless a test releases them, so status writes never race the assertions.
  const c = await startCluster({ rollout: 'never', rolloutDelayMs: 3_600_000, ...options });
  running.push(c.sim);
  return c;
}

const install = (kc: KubeConfig, objects = agentkObjects(), force = false) =>
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

const versions = (sim: KubeSimulator) =>
  sim.objects
    .list()
    .map((o) => `${o.kind}/${o.metadata.name}@${String(o.metadata['resourceVersion'])}`);

describe('applyObjects', () => {
  it('installs namespace first and the Deployment last, owned by migrate-clusters', async () => {
    const { sim, kc } = await cluster();
    const results = await install(kc);
    expect(results).toEqual([
      { kind: 'Namespace', namespace: null, name: NS, outcome: 'created', dryRun: false },
      { kind: 'ServiceAccount', namespace: NS, name: 'agentk', outcome: 'created', dryRun: false },
      { kind: 'Secret', namespace: NS, name: 'agentk-token', outcome: 'created', dryRun: false },
      { kind: 'Deployment', namespace: NS, name: 'agentk', outcome: 'created', dryRun: false },
    ]);
    const patches = sim.requests.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(4);
    expect(
      patches.every(
        (r) =>
          r.fieldManager === 'migrate-clusters' && r.contentType === 'application/apply-patch+yaml',
      ),
    ).toBe(true);
    const live = sim.objects.get('apps/v1', 'Deployment', NS, 'agentk')!;
    const managers = (
      live.metadata['managedFields'] as { manager: string; operation: string }[]
    ).map((m) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('migrate-clusters/Apply');
    expect(sim.objects.get('v1', 'Secret', NS, 'agentk-token')?.['data']).toEqual({
      token: Buffer.from(TOKEN).toString('base64'),
    });
  });

  it('reports a second identical apply as unchanged, and the cluster does not change', async () => {
    const { sim, kc } = await cluster();
    await install(kc);
    const before = versions(sim);
    const again = await install(kc);
    expect(again.map((r) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(versions(sim)).toEqual(before);

    const changed = await install(kc, agentkObjects({ image: 'registry.example/agentk:v2' }));
    expect(changed.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
      'Namespace:unchanged',
      'ServiceAccount:unchanged',
      'Secret:unchanged',
      'Deployment:configured',
    ]);
  });

  it('stops at a field another manager changed, naming it and --force-conflicts; forcing takes it back', async () => {
    const { sim, kc, api } = await cluster();
    await install(kc);
    await apply(
      api,
      { ...deployment(NS, 'agentk', { replicas: 5 }), spec: { replicas: 5 } } as never,
      'kubectl-scale',
      {
        force: true,
      },
    );
    const error = await userError(install(kc));
    expect(error.message).toBe(
      `Cannot apply Deployment ${NS}/agentk with context "sim" (${sim.url}): a field changed by another tool would be overwritten: .spec.replicas (managed by "kubectl-scale").`,
    );
    expect(error.hint).toContain('--force-conflicts');
    expect(sim.objects.get('apps/v1', 'Deployment', NS, 'agentk')?.['spec']).toMatchObject({
      replicas: 5,
    });

    const forced = await install(kc, agentkObjects(), true);
    expect(forced.at(-1)).toMatchObject({ kind: 'Deployment', outcome: 'configured' });
    expect(sim.objects.get('apps/v1', 'Deployment', NS, 'agentk')?.['spec']).toMatchObject({
      replicas: 2,
    });
    expect(sim.requests.filter((r) => r.method === 'PATCH').at(-1)?.force).toBe(true);
  });

  it('leaves nothing behind in a dry run on an empty cluster, reporting what would be created', async () => {
    const { sim, kc } = await cluster();
    const results = await applyObjects(kc, agentkObjects(), {
      dryRun: true,
      forceConflicts: false,
    });
    expect(results.map((r) => [r.kind, r.outcome, r.dryRun])).toEqual([
      ['Namespace', 'created', true],
      ['ServiceAccount', 'created', true],
      ['Secret', 'created', true],
      ['Deployment', 'created', true],
    ]);
    // The API server would answer 404 inside a namespace that does not exist yet: not sent.
    expect(results[1]?.note).toBe(`namespace ${NS} would be created first`);
    expect(sim.objects.count() - SYSTEM_NAMESPACES.length).toBe(0);
    expect(sim.requests.filter(isWrite)).toEqual([]);
    expect(sim.requests.filter((r) => r.method === 'PATCH').map((r) => [r.path, r.dryRun])).toEqual(
      [[`/api/v1/namespaces/${NS}`, true]],
    );
  });

  it('tells in a dry run which installed objects would change, changing none', async () => {
    const { sim, kc } = await cluster();
    await install(kc);
    const before = versions(sim);
    sim.clearRequests();
    const results = await applyObjects(kc, agentkObjects({ replicas: 3 }), {
      dryRun: true,
      forceConflicts: false,
    });
    expect(results.map((r) => `${r.kind}:${r.outcome}`)).toEqual([
      'Namespace:unchanged',
      'ServiceAccount:unchanged',
      'Secret:unchanged',
      'Deployment:configured',
    ]);
    expect(versions(sim)).toEqual(before);
    expect(sim.requests.filter(isWrite)).toEqual([]);
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

describe('failures a user meets', () => {
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
    const error = await userError(install(kc));
    expect(error.message).toBe(
      `Cannot reach the Kubernetes API server http://127.0.0.1:${port} of context "prod-eu": connection refused.`,
    );
    expect(error.hint).toContain('reachable');
  });

  it('gives up on a server that does not answer within the request timeout', async () => {
    const { sim, kc } = await cluster();
    sim.setLatency(2_000);
    const error = await userError(
      applyObjects(kc, agentkObjects(), {
        dryRun: false,
        forceConflicts: false,
        requestTimeoutMs: 100,
      }),
    );
    expect(error.message).toBe(
      `The Kubernetes API server ${sim.url} (context "sim") did not answer within 100 ms when asked to read Namespace ${NS}.`,
    );
  });

  it('says the credentials of the context were refused (401) or lack rights (403)', async () => {
    const { sim } = await cluster({ readOnlyToken: 'read-only-token-123456' });
    const bad = kubeConfigFor(sim, { context: 'staging', token: 'expired-token-123456' });
    const refused = await userError(install(bad));
    expect(refused.message).toBe(
      `The Kubernetes API server ${sim.url} refused the credentials of context "staging" (401 Unauthorized).`,
    );
    expect(refused.hint).toContain('kubectl --context staging get namespaces');

    const reader = kubeConfigFor(sim, { context: 'viewer', token: 'read-only-token-123456' });
    const denied = await userError(install(reader));
    expect(denied.message).toBe(
      `Context "viewer" may not apply Namespace ${NS}: namespaces "${NS}" is forbidden: User "read-only-user" cannot patch resource "namespaces" in API group "" in the namespace "${NS}".`,
    );
    expect(sim.objects.count() - SYSTEM_NAMESPACES.length).toBe(0);
  });

  it('passes on why the API server rejected an object (422), after applying what came before', async () => {
    const { sim, kc } = await cluster();
    const objects = agentkObjects();
    (objects[0] as { spec: Record<string, unknown> }).spec['replicas'] = -1;
    const error = await userError(install(kc, objects));
    expect(error.message).toBe(
      `The Kubernetes API server rejected Deployment ${NS}/agentk with context "sim" (${sim.url}): Deployment.apps "agentk" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0.`,
    );
    const created = sim.objects
      .list()
      .filter((o) => !(o.kind === 'Namespace' && SYSTEM_NAMESPACES.includes(o.metadata.name)));
    expect(created.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount', 'Secret']);
  });

  it("refuses client-node's silent http://localhost:8080 fallback without a request", async () => {
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false },
      { name: 'user' },
    );
    const error = await userError(install(kc));
    expect(error.message).toBe(
      'No kubeconfig was found, so the Kubernetes client fell back to http://localhost:8080.',
    );
    expect(error.hint).toContain('--kubeconfig');
  });

  it('explains a plain-http server without insecure-skip-tls-verify, and an untrusted certificate', async () => {
    const { sim } = await cluster();
    const plain = new KubeConfig();
    plain.loadFromOptions({
      clusters: [{ name: 'c', server: sim.url, skipTLSVerify: false }],
      users: [{ name: 'u', token: sim.token }],
      contexts: [{ name: 'plain', cluster: 'c', user: 'u' }],
      currentContext: 'plain',
    });
    const http = await userError(install(plain));
    expect(http.message).toBe(
      `Context "plain" points at plain HTTP (${sim.url}) without insecure-skip-tls-verify, which the Kubernetes client refuses.`,
    );

    const secure = await cluster({ tls: true });
    const other = await cluster({ tls: true });
    const wrongCa = new KubeConfig();
    wrongCa.loadFromOptions({
      clusters: [
        { name: 'c', server: secure.sim.url, caData: other.sim.caData ?? '', skipTLSVerify: false },
      ],
      users: [{ name: 'u', token: secure.sim.token }],
      contexts: [{ name: 'tls', cluster: 'c', user: 'u' }],
      currentContext: 'tls',
    });
    const untrusted = await userError(install(wrongCa));
    expect(untrusted.message).toMatch(
      new RegExp(
        `^The TLS certificate of the Kubernetes API server ${secure.sim.url.replace(/\./g, '\\.')} \\(context "tls"\\) is not trusted \\([A-Z_]+\\)\\.$`,
      ),
    );
    expect(untrusted.hint).toContain('certificate-authority-data');
  });
});

describe('waitForRollout', () => {
  it('returns once the Deployment is available, reporting progress while it waits', async () => {
    const { sim, kc } = await cluster();
    await install(kc);
    const progress: string[] = [];
    let released = false;
    await waitForRollout(kc, NS, 'agentk', {
      deadlineMs: 10_000,
      pollMs: 10,
      onProgress: (state) => {
        progress.push(state);
        if (!released) sim.setRollout('available', { delayMs: 10 });
        released = true;
      },
    });
    expect(progress[0]).toBe('0 of 2 new replicas have been updated');
    const status = sim.objects.get('apps/v1', 'Deployment', NS, 'agentk')?.['status'];
    expect(status).toMatchObject({ availableReplicas: 2, updatedReplicas: 2 });
  });

  it('times out with the Deployment, its state, and how to look', async () => {
    const { kc } = await cluster();
    await install(kc);
    const error = await userError(
      waitForRollout(kc, NS, 'agentk', { deadlineMs: 150, pollMs: 20 }),
    );
    expect(error.message).toBe(
      `Deployment ${NS}/agentk did not become available within 150 ms in context "sim": 0 of 2 new replicas have been updated (Available: Deployment does not have minimum availability.).`,
    );
    expect(error.hint).toContain(`kubectl --context sim -n ${NS} describe deployment agentk`);
  });

  it('fails at once when the rollout exceeded its progress deadline', async () => {
    const { kc } = await cluster({ rollout: 'stalled', rolloutDelayMs: 10 });
    await install(kc);
    const error = await userError(
      waitForRollout(kc, NS, 'agentk', { deadlineMs: 30_000, pollMs: 10 }),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^Deployment ${NS}/agentk did not roll out in context "sim": the rollout exceeded its progress deadline \\(ReplicaSet ".*" has timed out progressing\\.\\)\\.$`,
      ),
    );
  });

  it('says so when there is no Deployment to wait for', async () => {
    const { kc } = await cluster();
    const error = await userError(
      waitForRollout(kc, NS, 'agentk', { deadlineMs: 1_000, pollMs: 10 }),
    );
    expect(error.message).toBe(
      `Deployment ${NS}/agentk does not exist in context "sim", so there is no rollout to wait for.`,
    );
  });
});

describe('readSecretAnnotation and deleteObjects', () => {
  it('reads the token id annotation, and null for a missing Secret or annotation', async () => {
    const { kc } = await cluster();
    expect(await readSecretAnnotation(kc, NS, 'agentk-token', TOKEN_ID)).toBeNull();
    await install(kc);
    expect(await readSecretAnnotation(kc, NS, 'agentk-token', TOKEN_ID)).toBe('42');
    expect(await readSecretAnnotation(kc, NS, 'agentk-token', 'other/annotation')).toBeNull();
    expect(await readSecretAnnotation(kc, NS, 'no-such-secret', TOKEN_ID)).toBeNull();
  });

  it('deletes in reverse order, tolerates objects already gone, and deletes nothing in a dry run', async () => {
    const { sim, kc } = await cluster();
    await install(kc);
    await deleteObjects(kc, agentkObjects(), { dryRun: true });
    expect(sim.objects.count() - SYSTEM_NAMESPACES.length).toBe(4);
    sim.clearRequests();
    await deleteObjects(kc, agentkObjects(), { dryRun: false });
    expect(
      sim.requests
        .filter((r) => r.method === 'DELETE')
        .map((r) => r.path.split('/').slice(-2).join('/')),
    ).toEqual([
      'deployments/agentk',
      'secrets/agentk-token',
      'serviceaccounts/agentk',
      `namespaces/${NS}`,
    ]);
    expect(sim.objects.count() - SYSTEM_NAMESPACES.length).toBe(0);
    await deleteObjects(kc, agentkObjects(), { dryRun: false });
  });
});
