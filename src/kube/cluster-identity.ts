// Whether two ways into Kubernetes reach one cluster. A cluster's `kube-system` namespace is made
// once, when the cluster is created, and its uid never changes: the same uid through two
// addresses means one cluster (the identity kubectl plugins and Velero use as a cluster id).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../errors.js';
import { callKube } from './call-kube.js';
import { poolConnections } from './clients.js';

/** The uid of `kube-system`, read through `kc`; throws a UserError when it cannot be read. */
export async function readClusterUid(kc: KubeConfig): Promise<string> {
  const api = poolConnections(kc).makeApiClient(CoreV1Api);
  const ns = await callKube(kc, 'read', 'Namespace kube-system', () =>
    api.readNamespace({ name: 'kube-system' }),
  );
  const uid = ns.metadata?.uid;
  if (!uid) throw new UserError('Namespace kube-system has no uid.');
  return uid;
}

export type IdentityVerdict = { same: true; uid: string } | { same: false; reason: string };

/** Reads kube-system's uid through both configs and compares them. Never throws. */
export async function sameCluster(
  through: KubeConfig,
  reference: KubeConfig,
): Promise<IdentityVerdict> {
  let mine: string;
  try {
    mine = await readClusterUid(through);
  } catch (error) {
    return {
      same: false,
      reason: `cannot read kube-system through the context: ${message(error)}`,
    };
  }
  let theirs: string;
  try {
    theirs = await readClusterUid(reference);
  } catch (error) {
    return {
      same: false,
      reason: `cannot read kube-system through the cluster's own API URL with the context's credentials: ${message(error)}`,
    };
  }
  return mine === theirs
    ? { same: true, uid: mine }
    : { same: false, reason: 'kube-system has another uid there: it is another cluster' };
}

const message = (error: unknown) =>
  (error instanceof UserError ? error.message : String((error as Error).message ?? error)).replace(
    /\.$/,
    '',
  );
