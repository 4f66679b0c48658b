// What of one agent's agentk is in a cluster: the objects that exist (for rollback to delete), its
// Deployment and the token id its Secret carries (for status). Reads only, and an object that is
// absent is an answer (null, or left out), not an error.
import {
  type KubeConfig,
  type KubernetesObject,
  type V1ClusterRoleBinding,
  type V1Deployment,
} from '@kubernetes/client-node';
import { describeObject, readOrNull, readSecretAnnotation } from './apply.js';
import { callKube } from './call-kube.js';
import { agentkObjectNames, renderAgentkManifests, TOKEN_ID_ANNOTATION } from './manifests.js';
import { objectClient } from './clients.js';

/** Which agentk: the agent's name and the namespace it was installed in. */
export interface AgentkAt {
  name: string;
  namespace: string;
}

/** agentk's objects of `agent` that exist in the cluster, found by name (and, for the binding, label). */
export async function findAgentkObjects(
  kc: KubeConfig,
  agent: AgentkAt,
): Promise<KubernetesObject[]> {
  const names = agentkObjectNames(agent.name);
  // Names only matter here: the KAS address and version do not change them.
  const rendered = renderAgentkManifests({
    agentName: agent.name,
    namespace: agent.namespace,
    kasAddress: 'wss://kas.invalid',
    kasVersion: '0.0.0',
    rbac: { kind: 'cluster-admin' },
  }).filter((o) => o.kind !== 'ClusterRoleBinding');
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: names.secret, namespace: agent.namespace },
  };
  const client = objectClient(kc);
  // The binding's name carries the bound role (--rbac), which the journal does not keep: find it
  // by the release label and the ServiceAccount it binds.
  const bindings = await callKube(kc, 'list', 'ClusterRoleBindings', () =>
    client.list<V1ClusterRoleBinding>(
      'rbac.authorization.k8s.io/v1',
      'ClusterRoleBinding',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      `app.kubernetes.io/name=gitlab-agent,app.kubernetes.io/instance=${names.release}`,
    ),
  );
  const ours = bindings.items
    .filter((b) =>
      (b.subjects ?? []).some(
        (s) =>
          s.kind === 'ServiceAccount' &&
          s.name === names.fullname &&
          s.namespace === agent.namespace,
      ),
    )
    .map((b) => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: b.metadata?.name },
    }));
  const present: KubernetesObject[] = [...ours];
  for (const object of [...rendered, secret]) {
    const found = await callKube(kc, 'read', describeObject(object), () =>
      readOrNull(client, object),
    );
    if (found) present.push(object);
  }
  return present;
}

/** agentk's Deployment, or null when it is not installed. */
export async function readAgentkDeployment(
  kc: KubeConfig,
  agent: AgentkAt,
): Promise<V1Deployment | null> {
  const name = agentkObjectNames(agent.name).deployment;
  const client = objectClient(kc);
  return callKube(kc, 'read', `Deployment ${agent.namespace}/${name}`, () =>
    readOrNull<V1Deployment>(client, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: agent.namespace },
    }),
  );
}

/** The id of the token agentk has, as apply annotated its Secret; null when there is none. */
export async function readInstalledTokenId(
  kc: KubeConfig,
  agent: AgentkAt,
): Promise<number | null> {
  const id = await readSecretAnnotation(
    kc,
    agent.namespace,
    agentkObjectNames(agent.name).secret,
    TOKEN_ID_ANNOTATION,
  );
  return id != null && /^\d+$/.test(id) ? Number(id) : null;
}
