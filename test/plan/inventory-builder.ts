// Builds inventories for planner tests, the way changesets' FakeFullState builds release state.
import type { Inventory, InventoryCluster } from '../../src/discovery/types.js';
import { defaultPlanOptions, type PlanOptions } from '../../src/plan/options.js';

export class InventoryBuilder {
  private readonly clusters: InventoryCluster[] = [];
  private topLevel = new Set<string>();
  private nextId = 1;
  version = '17.11.2-ee';

  private add(
    level: InventoryCluster['level'],
    owner: string | null,
    name: string,
    apiUrl: string,
    extra: Partial<InventoryCluster>,
  ) {
    const root = owner?.split('/')[0] ?? null;
    if (root && extra.rootNamespaceKind !== 'user') this.topLevel.add(root);
    this.clusters.push({
      id: extra.id ?? this.nextId,
      name,
      level,
      owner,
      rootNamespace: root,
      rootNamespaceKind: owner == null ? null : 'group',
      environmentScope: '*',
      enabled: true,
      managed: false,
      namespacePerEnvironment: true,
      apiUrl,
      namespace: null,
      domain: null,
      managementProject: null,
      providerType: 'user',
      authorizationType: 'rbac',
      caCert: 'CA-1',
      createdAt: '2024-01-01T00:00:00.000Z',
      ...extra,
    });
    this.nextId = Math.max(this.nextId, (extra.id ?? this.nextId) + 1);
    return this;
  }

  project(owner: string, name: string, apiUrl: string, extra: Partial<InventoryCluster> = {}) {
    return this.add('project', owner, name, apiUrl, extra);
  }

  group(owner: string, name: string, apiUrl: string, extra: Partial<InventoryCluster> = {}) {
    return this.add('group', owner, name, apiUrl, extra);
  }

  instance(name: string, apiUrl: string, extra: Partial<InventoryCluster> = {}) {
    return this.add('instance', null, name, apiUrl, extra);
  }

  topLevelGroups(...paths: string[]) {
    paths.forEach((p) => this.topLevel.add(p));
    return this;
  }

  build(): Inventory {
    return {
      kind: 'migrate-clusters/inventory',
      version: 1,
      gitlab: {
        url: 'https://gitlab.example.test',
        version: this.version,
        discovery: 'discovery-api',
        apiCalls: 0,
        kasAddress: 'wss://gitlab.example.test/-/kubernetes-agent/',
        kasVersion: '17.11.2',
        isAdmin: true,
      },
      scope: [],
      topLevelGroups: [...this.topLevel].sort(),
      clusters: this.clusters,
      warnings: [],
    };
  }
}

export const fixedClock = () => new Date('2026-11-25T12:00:00.000Z');

export function planOptions(overrides: Partial<PlanOptions> = {}): PlanOptions {
  return { ...defaultPlanOptions(), now: fixedClock, ...overrides };
}
