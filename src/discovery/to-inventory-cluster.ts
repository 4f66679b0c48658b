// ClusterSchema (GitLab's entity) → InventoryCluster (our camelCase record). The api_url is checked
// here, once, for everything downstream: a URL that is not http(s) with a valid host is kept out
// (the cluster gets no agent), and user information never leaves this function.
import type { ClusterSchema } from '../gitlab/schemas.js';
import { registerSecret } from '../redact.js';
import { checkApiUrl, credentialsIn } from './api-url.js';
import type { ClusterLevel, InventoryCluster, InventoryWarning } from './types.js';

export interface ClusterOwner {
  level: ClusterLevel;
  path: string | null;
  rootKind: 'group' | 'user' | null;
}

export interface ConvertedCluster {
  cluster: InventoryCluster;
  /** what is wrong with the cluster as registered (its api_url) */
  warnings: InventoryWarning[];
}

function describe(cluster: ClusterSchema, owner: ClusterOwner): string {
  const where = owner.level === 'instance' ? 'the instance' : `${owner.level} ${owner.path}`;
  return `Cluster ${cluster.id} "${cluster.name}" in ${where}`;
}

export function toInventoryCluster(cluster: ClusterSchema, owner: ClusterOwner): ConvertedCluster {
  const platform = cluster.platform_kubernetes;
  const warnings: InventoryWarning[] = [];
  let apiUrl: string | null = null;
  let apiUrlProblem: string | undefined;
  const registered = platform?.api_url;
  let hadCredentials = platform?.api_url_credentials_removed === true;
  if (registered != null && registered.trim() !== '') {
    const check = checkApiUrl(registered);
    if (check.ok) {
      apiUrl = check.url;
      if (check.hadCredentials) {
        // CertificateClusters removes them already; this is the second line of defence.
        for (const secret of credentialsIn(registered)) registerSecret(secret);
        hadCredentials = true;
      }
    } else {
      apiUrlProblem = `its Kubernetes API URL ${JSON.stringify(check.shown)} ${check.problem}`;
      warnings.push({
        code: 'invalid-api-url',
        clusterId: cluster.id,
        message: `${describe(cluster, owner)}: ${apiUrlProblem}, so no agent is planned for it. Correct the URL in GitLab (the cluster's Details), then plan again.`,
      });
    }
  }
  if (hadCredentials)
    warnings.push({
      code: 'api-url-credentials',
      clusterId: cluster.id,
      message: `${describe(cluster, owner)} has a user name and password in its Kubernetes API URL; they are left out of the inventory, the plan and every report. Remove them from the cluster in GitLab, and change the password if it is in use.`,
    });
  return {
    cluster: {
      id: cluster.id,
      name: cluster.name,
      level: owner.level,
      owner: owner.path,
      rootNamespace: owner.path == null ? null : owner.path.split('/')[0]!,
      rootNamespaceKind: owner.rootKind,
      environmentScope: cluster.environment_scope ?? '*',
      // GitLab documents null booleans as false.
      enabled: cluster.enabled === true,
      managed: cluster.managed === true,
      namespacePerEnvironment: cluster.namespace_per_environment ?? null,
      apiUrl,
      ...(apiUrlProblem === undefined ? {} : { apiUrlProblem }),
      namespace: platform?.namespace || null,
      domain: cluster.domain || null,
      managementProject: cluster.management_project?.path_with_namespace ?? null,
      providerType: cluster.provider_type ?? null,
      authorizationType: platform?.authorization_type ?? null,
      caCert: platform?.ca_cert ?? null,
      createdAt: cluster.created_at ?? null,
    },
    warnings,
  };
}
