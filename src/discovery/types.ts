// The inventory: every certificate-based cluster as found, in the shape of
// contracts/inventory.schema.json (plus a few extra fields the planner needs).

export type DiscoveryMode = 'discovery-api' | 'full-scan' | 'mixed';
export type ClusterLevel = 'project' | 'group' | 'instance';

export interface InventoryCluster {
  id: number;
  name: string;
  level: ClusterLevel;
  /** full path of the owning project or group; null for instance clusters */
  owner: string | null;
  /** first segment of the owner's path (a top-level group or a username); null for instance clusters */
  rootNamespace: string | null;
  rootNamespaceKind: 'group' | 'user' | null;
  environmentScope: string;
  enabled: boolean;
  managed: boolean;
  namespacePerEnvironment: boolean | null;
  /**
   * the registered Kubernetes API URL, trimmed and without user information; null when none is
   * registered or it is not a usable http(s) URL (then `apiUrlProblem` says why, and a warning)
   */
  apiUrl: string | null;
  /** why the registered api_url is not used (an extra property: the contract allows them) */
  apiUrlProblem?: string;
  namespace: string | null;
  domain: string | null;
  managementProject: string | null;
  providerType: string | null;
  authorizationType: string | null;
  /** the cluster's CA certificate (public data); compared across registrations of one cluster */
  caCert: string | null;
  createdAt: string | null;
}

export interface InventoryWarning {
  /** stable, machine-readable code */
  code: string;
  clusterId: number | null;
  message: string;
}

export interface Inventory {
  kind: 'migrate-clusters/inventory';
  version: 1;
  gitlab: {
    url: string;
    version: string | null;
    discovery: DiscoveryMode;
    apiCalls: number;
    kasAddress: string | null;
    kasVersion: string | null;
    isAdmin: boolean;
  };
  /** the --group paths the inventory was limited to; empty for the whole instance */
  scope: string[];
  /** full paths of the top-level groups seen (an instance cluster needs one agent per top-level group) */
  topLevelGroups: string[];
  clusters: InventoryCluster[];
  warnings: InventoryWarning[];
}

export interface DiscoveryProgress {
  phase: string;
  done: number;
  total: number;
  clustersFound: number;
  apiCalls: number;
}
