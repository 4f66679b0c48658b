// Mapping rules 4, 6 and 7 (docs/mapping-rules.md): which projects and groups may use an agent (`ci_access`), with the
// environments of the certificate clusters it replaces, merged across registrations.
import type { InventoryCluster } from '../discovery/types.js';
import type { AccessEntry, AgentConfig } from './types.js';

/** GitLab silently ignores entries past this many per list (first(500), since 17.0). */
export const ACCESS_LIST_LIMIT = 500;

export interface Grant {
  list: 'projects' | 'groups' | 'instance';
  /** full path; '' for instance */
  id: string;
  cluster: InventoryCluster;
}

export interface AccessOptions {
  /** Premium: GitLab-managed clusters become `access_as: ci_job` with managed resources (rule 6) */
  premium: boolean;
  userAccess: boolean;
}

/** Merges grants on the same id: environments unite, and `*` anywhere lifts the restriction. */
export function mergeEntries(grants: Grant[], options: AccessOptions): AccessEntry[] {
  const byId = new Map<
    string,
    { id: string; scopes: Set<string>; namespace: string | null; ciJob: boolean }
  >();
  for (const grant of grants) {
    const key = grant.id.toLowerCase();
    const entry = byId.get(key) ?? {
      id: grant.id,
      scopes: new Set<string>(),
      namespace: null,
      ciJob: false,
    };
    entry.scopes.add(grant.cluster.environmentScope);
    entry.ciJob ||= options.premium && grant.cluster.managed;
    if (entry.namespace == null && !grant.cluster.managed && grant.cluster.namespace)
      entry.namespace = grant.cluster.namespace;
    byId.set(key, entry);
  }
  return [...byId.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => {
      const entry: AccessEntry = { id: e.id };
      if (e.namespace) entry.default_namespace = e.namespace;
      entry.access_as = e.ciJob ? { ci_job: {} } : { agent: {} };
      if (!e.scopes.has('*')) entry.environments = [...e.scopes].sort();
      if (e.ciJob) entry.resource_management = { enabled: true };
      return entry;
    });
}

export function buildConfig(grants: Grant[], options: AccessOptions): AgentConfig {
  const projects = mergeEntries(
    grants.filter((g) => g.list === 'projects'),
    options,
  );
  const groups = mergeEntries(
    grants.filter((g) => g.list === 'groups'),
    options,
  );
  const instance = grants.some((g) => g.list === 'instance');
  const ci: NonNullable<AgentConfig['ci_access']> = {};
  if (projects.length) ci.projects = projects;
  if (groups.length) ci.groups = groups;
  if (instance) ci.instance = {};
  const config: AgentConfig = { ci_access: ci };
  if (options.userAccess && (projects.length || groups.length)) {
    config.user_access = {
      access_as: { agent: {} },
      ...(projects.length ? { projects: projects.map((p) => ({ id: p.id })) } : {}),
      ...(groups.length ? { groups: groups.map((g) => ({ id: g.id })) } : {}),
    };
  }
  return config;
}

/**
 * Splits grants so that no agent lists more than 500 projects or 500 groups: GitLab would drop
 * the rest without a word. Grants on one id stay together so their environments still merge.
 */
export function chunkGrants(grants: Grant[]): Grant[][] {
  const ids = (list: Grant['list']) =>
    [...new Set(grants.filter((g) => g.list === list).map((g) => g.id.toLowerCase()))].sort();
  const projectIds = ids('projects');
  const groupIds = ids('groups');
  const chunks = Math.max(
    1,
    Math.ceil(projectIds.length / ACCESS_LIST_LIMIT),
    Math.ceil(groupIds.length / ACCESS_LIST_LIMIT),
  );
  if (chunks === 1) return [grants];
  const chunkOf = new Map<string, number>();
  projectIds.forEach((id, i) => chunkOf.set(`projects:${id}`, Math.floor(i / ACCESS_LIST_LIMIT)));
  groupIds.forEach((id, i) => chunkOf.set(`groups:${id}`, Math.floor(i / ACCESS_LIST_LIMIT)));
  const result: Grant[][] = Array.from({ length: chunks }, () => []);
  for (const grant of grants)
    result[chunkOf.get(`${grant.list}:${grant.id.toLowerCase()}`) ?? 0]!.push(grant);
  return result;
}
