// The resource types the Kubernetes simulator serves, and the discovery documents built from them
// (/api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>). client-node's KubernetesObjectApi
// finds a kind's path through these documents, so they must list every type the CLI applies.

import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { noSuchResource } from './status.js';

export interface ResourceType {
  /** '' for the core group */
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** the kubernetes-models schema check; throws an error with ajv-style `errors` */
  validate(obj: unknown): void;
}

type Validator = ResourceType['validate'];
const check =
  (Model: new (data: never) => { validate(): void }): Validator =>
  (obj) =>
    new Model(obj as never).validate();

function type(
  apiVersion: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  validate: Validator,
  shortNames: string[] = [],
): ResourceType {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return {
    group: group!,
    version: version!,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames,
    validate,
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  type('v1', 'Namespace', 'namespaces', false, check(Namespace), ['ns']),
  type('v1', 'ServiceAccount', 'serviceaccounts', true, check(ServiceAccount), ['sa']),
  type('v1', 'Secret', 'secrets', true, check(Secret)),
  type('v1', 'ConfigMap', 'configmaps', true, check(ConfigMap), ['cm']),
  type('v1', 'Service', 'services', true, check(Service), ['svc']),
  type('apps/v1', 'Deployment', 'deployments', true, check(Deployment), ['deploy']),
  type(
    'policy/v1',
    'PodDisruptionBudget',
    'poddisruptionbudgets',
    true,
    check(PodDisruptionBudget),
    ['pdb'],
  ),
  type('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false, check(ClusterRole)),
  type(
    'rbac.authorization.k8s.io/v1',
    'ClusterRoleBinding',
    'clusterrolebindings',
    false,
    check(ClusterRoleBinding),
  ),
  type('rbac.authorization.k8s.io/v1', 'Role', 'roles', true, check(Role)),
  type('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true, check(RoleBinding)),
  type('coordination.k8s.io/v1', 'Lease', 'leases', true, check(Lease)),
];

export const apiVersionOf = (t: ResourceType) =>
  t.group === '' ? t.version : `${t.group}/${t.version}`;

export function findByPlural(
  group: string,
  version: string,
  plural: string,
): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (t) => t.group === group && t.version === version && t.plural === plural,
  );
}

export function findByKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

// Only what the simulator implements: no watch, no deletecollection.
const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];

export function apiResourceList(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.map((t) => ({
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
    })),
  };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(name: string): object {
  const versions = [
    ...new Set(RESOURCE_TYPES.filter((t) => t.group === name).map((t) => t.version)),
  ];
  const entries = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(): object {
  const groups = [...new Set(RESOURCE_TYPES.map((t) => t.group).filter((g) => g !== ''))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

export function apiGroupDocument(name: string): object | undefined {
  if (name === '' || !RESOURCE_TYPES.some((t) => t.group === name)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name) };
}

/** The discovery document at `path`, undefined when `path` is not a discovery path. */
export function discoveryDocument(path: string, serverAddress: string): object | undefined {
  const missing = (): never => {
    throw noSuchResource();
  };
  if (path === '/api') return apiVersions(serverAddress);
  if (path === '/apis') return apiGroupList();
  const core = /^\/api\/([^/]+)$/.exec(path);
  if (core) return apiResourceList('', core[1]!) ?? missing();
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) return apiGroupDocument(group[1]!) ?? missing();
  const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (groupVersion) return apiResourceList(groupVersion[1]!, groupVersion[2]!) ?? missing();
  return undefined;
}
