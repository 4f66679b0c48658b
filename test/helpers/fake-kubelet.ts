// A stand-in for the kubelet on the real test API server, which has none: Pods that
// kube-controller-manager creates for a Deployment's ReplicaSet stay Pending there, so no
// Deployment ever becomes Available. This polls the Pods (of some namespaces, or all) and writes
// the status a kubelet would once the containers run and pass their readiness probes (phase
// Running, conditions Ready and ContainersReady true, every container ready); the real ReplicaSet
// and Deployment controllers then count the Pods available, as in a cluster.
//
// It can also play agentk: for a ready Pod whose container runs with --token-file, it reads the
// token from the Secret mounted at that path and hands it to `onAgentkToken` (tests pass the GitLab
// simulator's `state.agents.connect`), at once and every `connectEveryMs` while the Pod exists,
// because a running agentk keeps its connection and GitLab counts an agent connected only if its
// token was used within the last hour.
//
// Polling, not a watch: one list per tick is cheap on a loopback server, needs no reconnect logic,
// and stop() only has to wait for the tick under way. Nothing is left running after stop().
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';

export interface FakeKubeletOptions {
  kc: KubeConfig;
  /** only Pods in these namespaces; default every namespace (mind other tests on a shared server) */
  namespaces?: readonly string[] | ((namespace: string) => boolean);
  /** how often Pods are looked at; default 100 ms */
  pollMs?: number;
  /** agentk's side: called with the token a ready agentk Pod reads (see the header) */
  onAgentkToken?: (token: string, pod: { namespace: string; name: string }) => void;
  /** default 1000 ms */
  connectEveryMs?: number;
}

export interface FakeKubelet {
  /** Pods this kubelet made ready so far, as namespace/name */
  readonly readied: readonly string[];
  /** failures other than objects vanishing under it (a test may assert there are none) */
  readonly errors: readonly unknown[];
  /** stops polling and waits for the tick under way; safe to call twice */
  stop(): Promise<void>;
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** The status a kubelet reports for a Pod whose containers all started and are ready. */
function runningStatus(pod: V1Pod, podIp: string): Record<string, unknown> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
  return {
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: now,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: `fake-kubelet://${c.image ?? ''}`,
      containerID: `fake-kubelet://${pod.metadata?.uid ?? ''}/${c.name}`,
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** Where a Pod's agentk reads its token: the Secret and key mounted at its --token-file. */
export function tokenSourceOf(pod: V1Pod): { secret: string; key: string } | null {
  for (const container of pod.spec?.containers ?? []) {
    const args = container.args ?? [];
    const at = args.findIndex((a) => a === '--token-file' || a.startsWith('--token-file='));
    if (at < 0) continue;
    const file = args[at]!.includes('=') ? args[at]!.slice('--token-file='.length) : args[at + 1];
    if (!file) continue;
    for (const mount of container.volumeMounts ?? []) {
      const dir = mount.mountPath.replace(/\/+$/, '');
      if (!file.startsWith(`${dir}/`)) continue;
      const path = file.slice(dir.length + 1);
      const volume = pod.spec?.volumes?.find((v) => v.name === mount.name);
      // A secret volume, or a projected one with a secret source (items map keys to paths).
      const sources = [
        ...(volume?.secret?.secretName
          ? [{ name: volume.secret.secretName, items: volume.secret.items }]
          : []),
        ...(volume?.projected?.sources ?? []).flatMap((s) =>
          s.secret?.name ? [{ name: s.secret.name, items: s.secret.items }] : [],
        ),
      ];
      for (const source of sources) {
        const key = source.items ? source.items.find((i) => i.path === path)?.key : path;
        if (key) return { secret: source.name, key };
      }
    }
  }
  return null;
}

const isGone = (error: unknown) =>
  typeof error === 'object' && error != null && (error as { code?: number }).code === 404;

export function startFakeKubelet(options: FakeKubeletOptions): FakeKubelet {
  const core = options.kc.makeApiClient(CoreV1Api);
  const pollMs = options.pollMs ?? 100;
  const connectEveryMs = options.connectEveryMs ?? 1_000;
  const filter = options.namespaces;
  const wanted = (namespace: string) =>
    filter == null ||
    (typeof filter === 'function' ? filter(namespace) : filter.includes(namespace));
  const readied: string[] = [];
  const errors: unknown[] = [];
  /** namespace/name/uid → when agentk last "connected" */
  const lastConnect = new Map<string, number>();
  const stopping = new AbortController();
  let ips = 0;

  const listPods = async (): Promise<V1Pod[]> => {
    // One namespace list each when they are few and known; one cluster-wide list otherwise.
    if (Array.isArray(filter)) {
      const lists = await Promise.all(
        (filter as readonly string[]).map((namespace) => core.listNamespacedPod({ namespace })),
      );
      return lists.flatMap((l) => l.items);
    }
    return (await core.listPodForAllNamespaces()).items.filter((p) =>
      wanted(p.metadata?.namespace ?? ''),
    );
  };

  const makeReady = async (pod: V1Pod): Promise<V1Pod> => {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    ips += 1;
    const ip = `10.244.${Math.floor(ips / 250) % 250}.${(ips % 250) + 1}`;
    const patched = await core.patchNamespacedPodStatus(
      { name, namespace, body: { status: runningStatus(pod, ip) }, fieldManager: 'fake-kubelet' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    readied.push(`${namespace}/${name}`);
    return patched;
  };

  const connect = async (pod: V1Pod, id: string): Promise<void> => {
    const source = tokenSourceOf(pod);
    if (!source || !options.onAgentkToken) return;
    const last = lastConnect.get(id);
    if (last != null && Date.now() - last < connectEveryMs) return;
    const namespace = pod.metadata?.namespace ?? '';
    const secret = await core.readNamespacedSecret({ name: source.secret, namespace });
    const value = secret.data?.[source.key];
    if (value == null) return;
    lastConnect.set(id, Date.now());
    // agentk reads the file as is; the tool writes the token without a newline, but be lenient.
    options.onAgentkToken(Buffer.from(value, 'base64').toString('utf8').trim(), {
      namespace,
      name: pod.metadata?.name ?? '',
    });
  };

  const tick = async (): Promise<void> => {
    const pods = await listPods();
    const present = new Set<string>();
    for (const listed of pods) {
      if (stopping.signal.aborted) return;
      const id = `${listed.metadata?.namespace}/${listed.metadata?.name}/${listed.metadata?.uid}`;
      // A Pod being deleted is a kubelet's to stop, not to start; agentk there is going away.
      if (listed.metadata?.deletionTimestamp) continue;
      present.add(id);
      try {
        const pod = isReady(listed) ? listed : await makeReady(listed);
        await connect(pod, id);
      } catch (error) {
        if (!isGone(error)) errors.push(error);
      }
    }
    for (const id of lastConnect.keys()) if (!present.has(id)) lastConnect.delete(id);
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await tick();
      } catch (error) {
        if (!isGone(error)) errors.push(error);
      }
      try {
        await sleep(pollMs, undefined, { signal: stopping.signal });
      } catch {
        // aborted: stop() was called
      }
    }
  })();

  return {
    readied,
    errors,
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}
