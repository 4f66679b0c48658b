// Waiting for a Deployment rollout with a deadline, by polling its status (the same checks as
// `kubectl rollout status`). NOTE: client-node's Watch is not used: in 2.0.x it drops every watch
// after 30 s (kubernetes-client/javascript#3020), and polling needs no reconnect logic.
import { type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { abortableSleep } from '../abortable-sleep.js';
import { UserError } from '../errors.js';
import { callKube } from './call-kube.js';
import { assertUsableKubeConfig, describeTarget, isNotFound } from './errors.js';
import { objectClient } from './clients.js';

export interface RolloutWaitOptions {
  deadlineMs: number;
  /** default 2 s */
  pollMs?: number;
  /** stops the wait (Ctrl-C): it then throws "interrupted" */
  signal?: AbortSignal;
  /** called when the rollout's state changes, e.g. "1 of 2 updated replicas are available" */
  onProgress?: (state: string) => void;
  /** per API request; default 30 s */
  requestTimeoutMs?: number;
}

export interface RolloutState {
  done: boolean;
  /** the Deployment gave up (ProgressDeadlineExceeded): waiting longer will not help */
  failed: boolean;
  summary: string;
}

/** kubectl's rollout status logic for Deployments. */
export function rolloutState(d: V1Deployment): RolloutState {
  const generation = d.metadata?.generation ?? 0;
  const status = d.status ?? {};
  const wanted = d.spec?.replicas ?? 1;
  const pending = (summary: string): RolloutState => ({ done: false, failed: false, summary });
  if ((status.observedGeneration ?? 0) < generation)
    return pending('waiting for the deployment controller to see the new spec');
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      done: false,
      failed: true,
      summary: `the rollout exceeded its progress deadline (${progressing.message ?? 'no message'})`,
    };
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return pending(`${updated} of ${wanted} new replicas have been updated`);
  if (replicas > updated)
    return pending(`${replicas - updated} old replicas are pending termination`);
  if (available < updated)
    return pending(`${available} of ${updated} updated replicas are available`);
  return { done: true, failed: false, summary: `${available} of ${wanted} replicas are available` };
}

const formatDuration = (ms: number) =>
  ms < 1_000
    ? `${ms} ms`
    : ms < 120_000
      ? `${Math.round(ms / 1_000)} s`
      : `${Math.round(ms / 60_000)} min`;

function conditionsText(d: V1Deployment): string {
  const notes = (d.status?.conditions ?? [])
    .filter((c) => c.status !== 'True' || c.reason === 'ProgressDeadlineExceeded')
    .map((c) => `${c.type}: ${c.message ?? c.reason ?? c.status}`);
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

/** The longest pause between two reads of a rollout or a connection. */
export const MAX_POLL_MS = 5_000;

export async function waitForRollout(
  kc: KubeConfig,
  namespace: string,
  name: string,
  options: RolloutWaitOptions,
): Promise<void> {
  assertUsableKubeConfig(kc);
  const client = objectClient(kc);
  const { context } = describeTarget(kc);
  let wait = options.pollMs ?? 250;
  const deadline = Date.now() + options.deadlineMs;
  const what = `Deployment ${namespace}/${name}`;
  const describe = `kubectl --context ${context} -n ${namespace} describe deployment ${name}`;
  let last = '';
  for (;;) {
    const deployment = await callKube<V1Deployment | null>(
      kc,
      'read',
      what,
      async () => {
        try {
          return await client.read<V1Deployment>({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name, namespace },
          });
        } catch (error) {
          if (isNotFound(error)) return null;
          throw error;
        }
      },
      {
        ...(options.requestTimeoutMs != null ? { timeoutMs: options.requestTimeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (deployment == null) {
      throw new UserError(
        `${what} does not exist in context "${context}", so there is no rollout to wait for.`,
        {
          hint: 'Run apply again to install agentk; if it keeps disappearing, check what deletes it.',
        },
      );
    }
    const state = rolloutState(deployment);
    if (state.done) return;
    if (state.failed) {
      throw new UserError(`${what} did not roll out in context "${context}": ${state.summary}.`, {
        hint: `See why with ${describe} (and its pods' events and logs), fix the cause, then run apply again.`,
      });
    }
    if (state.summary !== last) options.onProgress?.(state.summary);
    last = state.summary;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new UserError(
        `${what} did not become available within ${formatDuration(options.deadlineMs)} in context "${context}": ${state.summary}${conditionsText(deployment)}.`,
        {
          hint: `See why with ${describe} (and kubectl --context ${context} -n ${namespace} get pods); run apply again to keep waiting, nothing needs undoing.`,
        },
      );
    }
    if (options.signal?.aborted) throw new UserError(`Interrupted while waiting for ${what}.`);
    await abortableSleep(Math.min(wait, remaining), options.signal);
    // start short, then back off: many agents wait side by side without flooding the API server
    wait = Math.min(wait * 1.5, MAX_POLL_MS);
  }
}
