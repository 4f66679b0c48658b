// Plan warnings with stable codes: what the mapping cannot reproduce exactly, and what a person
// should check. Codes are part of the output contract; never rename one.
import { normaliseApiUrl } from '../discovery/api-url.js';
import type { Inventory, InventoryCluster } from '../discovery/types.js';
import type { PlanOptions } from './options.js';
import type { ClusterAction, PlanWarning } from './types.js';

function versionAtLeast(version: string | null, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version ?? '');
  if (!m) return true; // unknown: do not cry wolf
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

export function checkClusters(
  clusters: InventoryCluster[],
  decisions: ReadonlyMap<number, { action: ClusterAction }>,
  options: PlanOptions,
): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const active = clusters.filter((c) => decisions.get(c.id)?.action === 'migrate');

  const byPhysical = new Map<string, InventoryCluster[]>();
  for (const c of clusters.filter((c) => c.apiUrl)) {
    const key = normaliseApiUrl(c.apiUrl);
    byPhysical.set(key, [...(byPhysical.get(key) ?? []), c]);
  }
  for (const [url, regs] of byPhysical) {
    const certs = new Set(regs.map((r) => r.caCert?.trim()).filter(Boolean));
    if (certs.size > 1) {
      warnings.push({
        code: 'ca-cert-mismatch',
        clusterId: regs[0]!.id,
        message: `Clusters ${regs.map((r) => r.id).join(', ')} share the API URL ${url} but not the CA certificate: check they really are one cluster (a rotated CA is harmless).`,
      });
    }
  }
  for (const c of active) {
    if (c.managed && options.tier === 'free') {
      warnings.push({
        code: 'managed-resources-need-premium',
        clusterId: c.id,
        message: `Cluster ${c.id} is GitLab-managed: on Free the agent does not create namespaces and service accounts per environment. Existing namespaces stay; new environments need their namespace created by the pipeline (or plan with --tier premium).`,
      });
    }
    if (c.providerType === 'gcp') {
      warnings.push({
        code: 'gcp-provider',
        clusterId: c.id,
        message: `Cluster ${c.id} was created through GitLab's GKE integration: the cluster itself is unaffected; it is migrated like any other.`,
      });
    }
    if (c.level === 'instance' && !options.instanceAuthorization) {
      warnings.push({
        code: 'instance-cluster-personal-namespaces',
        clusterId: c.id,
        message: `Instance cluster ${c.id} becomes one agent per top-level group; projects in personal namespaces lose access to it (or plan with --instance-authorization).`,
      });
    }
  }
  if (options.userAccess) {
    warnings.push({
      code: 'user-access-granted',
      clusterId: null,
      message:
        'user_access gives the members of authorised projects and groups access to the clusters through the dashboard, which they did not have before.',
    });
  }
  return warnings;
}

export function checkVersionSupport(inventory: Inventory, options: PlanOptions): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const version = inventory.gitlab.version;
  if (options.instanceAuthorization && !versionAtLeast(version, 18, 1)) {
    warnings.push({
      code: 'instance-authorization-version',
      clusterId: null,
      message: `--instance-authorization needs GitLab 17.11 for \`instance: {}\` and 18.1 for entries across top-level groups; this is ${version}.`,
    });
  }
  if (inventory.gitlab.kasAddress == null && inventory.clusters.length > 0) {
    warnings.push({
      code: 'kas-disabled',
      clusterId: null,
      message:
        'GitLab reports no agent server (KAS) address: agents cannot connect until KAS is enabled.',
    });
  }
  return warnings;
}
