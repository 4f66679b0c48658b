// The simulated deployment controller: a new or changed Deployment starts a rollout whose status is
// not yet available; after `delayMs` it becomes Available (mode 'available'), stays unavailable
// forever ('never', like pods in ImagePullBackOff), or gives up with ProgressDeadlineExceeded
// ('stalled'). Status writes go through the store as kube-controller-manager on the status
// subresource, as in a real cluster.

import { clone, isPlainObject } from './field-paths.js';
import { recordUpdate } from './managed-fields.js';
import { nowRfc3339, type KubeObject, type ObjectStore, type StoredObject } from './store.js';

export type RolloutMode = 'available' | 'never' | 'stalled';

export interface SimulatedSecret {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
  /** decoded values (the simulator's own process only; never logged) */
  data: Record<string, string>;
}

export interface DeploymentAvailableEvent {
  namespace: string;
  name: string;
  deployment: KubeObject;
  /** the Secrets the pod template mounts (secret and projected volumes) that exist */
  secrets: SimulatedSecret[];
}

export type DeploymentAvailableHandler = (event: DeploymentAvailableEvent) => void | Promise<void>;

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

function condition(type: string, status: boolean, reason: string, message: string): Condition {
  return { type, status: status ? 'True' : 'False', reason, message };
}

const spec = (d: KubeObject) => (isPlainObject(d['spec']) ? d['spec'] : {});
const statusOf = (d: KubeObject) => (isPlainObject(d['status']) ? d['status'] : {});

/** Secret names the pod template refers to through volumes. */
export function mountedSecretNames(deployment: KubeObject): string[] {
  const template = isPlainObject(spec(deployment)['template'])
    ? (spec(deployment)['template'] as Record<string, unknown>)
    : {};
  const podSpec = isPlainObject(template['spec']) ? template['spec'] : {};
  const volumes = Array.isArray(podSpec['volumes']) ? (podSpec['volumes'] as unknown[]) : [];
  const names = new Set<string>();
  for (const volume of volumes.filter(isPlainObject)) {
    const secret = volume['secret'];
    if (isPlainObject(secret) && typeof secret['secretName'] === 'string')
      names.add(secret['secretName']);
    const projected = volume['projected'];
    const sources =
      isPlainObject(projected) && Array.isArray(projected['sources']) ? projected['sources'] : [];
    for (const source of (sources as unknown[]).filter(isPlainObject)) {
      const s = source['secret'];
      if (isPlainObject(s) && typeof s['name'] === 'string') names.add(s['name']);
    }
  }
  return [...names];
}

export class RolloutController {
  /** rollouts not (yet) available, by namespace/name */
  private readonly incomplete = new Map<string, StoredObject['type']>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Deployments whose rollout finished available, by namespace/name */
  private readonly available = new Map<string, StoredObject['type']>();
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ObjectStore,
    private mode: RolloutMode,
    private delayMs: number,
    private readonly onAvailable: DeploymentAvailableHandler | undefined,
    heartbeatMs = 0,
  ) {
    if (heartbeatMs > 0 && onAvailable) {
      this.heartbeat = setInterval(() => {
        for (const [id, type] of this.available) {
          const d = this.current(id, type);
          if (d) this.notify(d);
        }
      }, heartbeatMs);
      this.heartbeat.unref();
    }
  }

  private static id(d: StoredObject): string {
    return JSON.stringify([d.object.metadata.namespace ?? '', d.object.metadata.name]);
  }

  private current(id: string, type: StoredObject['type']): StoredObject | undefined {
    const [namespace, name] = JSON.parse(id) as [string, string];
    return this.store.find(type, namespace, name);
  }

  /** A Deployment was created or its spec changed: a new rollout begins. */
  started(deployment: StoredObject): void {
    const s = statusOf(deployment.object);
    const replicas = Number(spec(deployment.object)['replicas'] ?? 1);
    const available = Number(s['availableReplicas'] ?? 0);
    this.writeStatus(deployment, {
      observedGeneration: deployment.object.metadata['generation'],
      replicas,
      updatedReplicas: 0,
      ...(available > 0 ? { readyReplicas: available, availableReplicas: available } : {}),
      unavailableReplicas: Math.max(replicas - available, 0),
      conditions: [
        available >= replicas && available > 0
          ? condition(
              'Available',
              true,
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
            )
          : condition(
              'Available',
              false,
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        condition(
          'Progressing',
          true,
          'ReplicaSetUpdated',
          `ReplicaSet "${this.replicaSetName(deployment)}" is progressing.`,
        ),
      ],
    });
    const id = RolloutController.id(deployment);
    this.incomplete.set(id, deployment.type);
    this.available.delete(id);
    this.schedule(id);
  }

  deleted(deployment: StoredObject): void {
    const id = RolloutController.id(deployment);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.incomplete.delete(id);
    this.available.delete(id);
  }

  setMode(mode: RolloutMode, delayMs = this.delayMs): void {
    this.mode = mode;
    this.delayMs = delayMs;
    // Rollouts not yet available follow the new mode from now on.
    for (const id of this.incomplete.keys()) this.schedule(id);
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private schedule(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const type = this.incomplete.get(id);
    const d = type && this.current(id, type);
    if (!type || !d) return;
    const progressing = (statusOf(d.object)['conditions'] as Condition[] | undefined)?.find(
      (c) => c.type === 'Progressing',
    );
    // Already in the state this mode ends in: nothing more happens until the mode changes.
    if (this.mode === 'never' && this.isNeverState(d)) return;
    if (this.mode === 'stalled' && progressing?.reason === 'ProgressDeadlineExceeded') return;
    const generation = d.object.metadata['generation'];
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const now = this.current(id, type);
      if (now && now.object.metadata['generation'] === generation) this.finish(id, now);
    }, this.delayMs);
    this.timers.set(id, timer);
  }

  private isNeverState(d: StoredObject): boolean {
    const s = statusOf(d.object);
    return (
      s['updatedReplicas'] === spec(d.object)['replicas'] && s['availableReplicas'] === undefined
    );
  }

  private replicaSetName(d: StoredObject): string {
    const generation = Number(d.object.metadata['generation'] ?? 1);
    return `${d.object.metadata.name}-${String(generation).padStart(2, '0')}sim`;
  }

  private finish(id: string, d: StoredObject): void {
    const replicas = Number(spec(d.object)['replicas'] ?? 1);
    const rs = this.replicaSetName(d);
    const generation = d.object.metadata['generation'];
    if (this.mode === 'available') {
      this.writeStatus(d, {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          condition(
            'Available',
            true,
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
          ),
          condition(
            'Progressing',
            true,
            'NewReplicaSetAvailable',
            `ReplicaSet "${rs}" has successfully progressed.`,
          ),
        ],
      });
      this.incomplete.delete(id);
      this.available.set(id, d.type);
      this.notify(d);
      return;
    }
    const old = statusOf(d.object);
    const conditions = Array.isArray(old['conditions'])
      ? (clone(old['conditions']) as Condition[])
      : [];
    const available =
      conditions.find((c) => c.type === 'Available') ??
      condition(
        'Available',
        false,
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
      );
    const progressing =
      this.mode === 'stalled'
        ? condition(
            'Progressing',
            false,
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rs}" has timed out progressing.`,
          )
        : condition('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`);
    this.writeStatus(d, {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      unavailableReplicas: replicas,
      conditions: [available, progressing],
    });
  }

  private writeStatus(d: StoredObject, status: Record<string, unknown>): void {
    const before = d.object;
    const after = { ...clone(before), status };
    const managers = recordUpdate({
      managers: d.managers,
      before,
      after,
      manager: 'kube-controller-manager',
      apiVersion: 'apps/v1',
      now: nowRfc3339(),
      subresource: 'status',
    });
    const namespace = before.metadata.namespace ?? null;
    this.store.commit(
      d.type,
      namespace,
      before.metadata.name,
      d,
      { object: after, managers },
      { dryRun: false, keepStatus: false },
    );
  }

  private notify(d: StoredObject): void {
    if (!this.onAvailable) return;
    const current = this.store.find(
      d.type,
      d.object.metadata.namespace ?? null,
      d.object.metadata.name,
    );
    if (!current) return;
    const namespace = current.object.metadata.namespace ?? '';
    const secrets: SimulatedSecret[] = [];
    for (const name of mountedSecretNames(current.object)) {
      const secret = this.store
        .list(null, namespace)
        .find((s) => s.type.kind === 'Secret' && s.object.metadata.name === name);
      if (!secret) continue;
      const data = isPlainObject(secret.object['data']) ? secret.object['data'] : {};
      secrets.push({
        namespace,
        name,
        annotations: clone(
          (secret.object.metadata['annotations'] as Record<string, string> | undefined) ?? {},
        ),
        data: Object.fromEntries(
          Object.entries(data).map(([k, v]) => [
            k,
            Buffer.from(String(v), 'base64').toString('utf8'),
          ]),
        ),
      });
    }
    const event = {
      namespace,
      name: current.object.metadata.name,
      deployment: this.store.render(current),
      secrets,
    };
    Promise.resolve()
      .then(() => this.onAvailable?.(event))
      .catch((error: unknown) => {
        // The handler is test or demo code; its failure must not take the API server down.
        console.error(
          `[kube-simulator] onDeploymentAvailable failed for ${namespace}/${event.name}: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
  }
}
