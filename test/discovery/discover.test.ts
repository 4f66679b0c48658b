// Discovery over real HTTP against the simulator: exactly the fixture's clusters, with both
// strategies, under faults, and the failures a user can run into.
import { describe, expect, it } from 'vitest';
import { discoverInventory } from '../../src/discovery/discover.js';
import type { Inventory } from '../../src/discovery/types.js';
import { UserError } from '../../src/errors.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { generateInstance } from '../../src/simulator/gitlab/generate-instance.js';
import { contractErrors, validateInventory } from '../helpers/contracts.js';
import {
  adminApiToken,
  demoFixture,
  testClient,
  tokenOf,
  withSimulator,
} from '../helpers/gitlab.js';

/** What the inventory must say about each fixture cluster. */
function expectedClusters(
  fixture: GitLabFixture,
  keep: (c: GitLabFixture['clusters'][number]) => boolean = () => true,
) {
  return fixture.clusters
    .filter(keep)
    .map((c) => ({
      id: c.id,
      name: c.name,
      level: c.level,
      owner: c.owner,
      environmentScope: c.environment_scope,
      enabled: c.enabled,
      managed: c.managed,
      namespacePerEnvironment: c.namespace_per_environment,
      apiUrl: c.platform_kubernetes.api_url,
      namespace: c.platform_kubernetes.namespace,
      domain: c.domain,
      managementProject: c.management_project,
    }))
    .sort((a, b) => a.id - b.id);
}

function found(inventory: Inventory) {
  return inventory.clusters.map(
    ({
      id,
      name,
      level,
      owner,
      environmentScope,
      enabled,
      managed,
      namespacePerEnvironment,
      apiUrl,
      namespace,
      domain,
      managementProject,
    }) => ({
      id,
      name,
      level,
      owner,
      environmentScope,
      enabled,
      managed,
      namespacePerEnvironment,
      apiUrl,
      namespace,
      domain,
      managementProject,
    }),
  );
}

const demo = demoFixture();
const withVersion = (fixture: GitLabFixture, version: string): GitLabFixture => ({
  ...fixture,
  instance: { ...fixture.instance, version },
});
const flagOff = (fixture: GitLabFixture): GitLabFixture => ({
  ...fixture,
  instance: {
    ...fixture.instance,
    featureFlags: { ...fixture.instance.featureFlags, certificate_based_clusters: false },
  },
});

describe('discovery on the demo instance', () => {
  it.each(['auto', 'full-scan'] as const)('finds exactly the fixture clusters (%s)', (strategy) =>
    withSimulator({ fixture: demo }, async (sim) => {
      const client = testClient(sim.url, adminApiToken(demo));
      const inventory = await discoverInventory(client, { strategy });
      expect(found(inventory)).toEqual(expectedClusters(demo));
      expect(inventory.gitlab.discovery).toBe(strategy === 'auto' ? 'discovery-api' : 'full-scan');
      expect(contractErrors(validateInventory, inventory)).toEqual([]);
      expect(inventory.gitlab.apiCalls).toBe(sim.requests.length);
    }),
  );

  it('falls back to a full scan where the discovery API does not exist (17.8)', () =>
    withSimulator({ fixture: withVersion(demo, '17.8.1-ee') }, async (sim) => {
      const inventory = await discoverInventory(testClient(sim.url, adminApiToken(demo)));
      expect(found(inventory)).toEqual(expectedClusters(demo));
      expect(inventory.gitlab.discovery).toBe('full-scan');
      expect(inventory.warnings.map((w) => w.code)).toContain('discovery-api-unavailable');
      // The version says there is no discovery API: it is not even tried.
      expect(sim.requests.filter((r) => r.path.includes('discover-cert-based-clusters'))).toEqual(
        [],
      );
    }));

  it('limits the inventory to --group and everything below it', () =>
    withSimulator({ fixture: demo }, async (sim) => {
      const group = demo.clusters.find((c) => c.level === 'group')!.owner!.split('/')[0]!;
      const inventory = await discoverInventory(testClient(sim.url, adminApiToken(demo)), {
        groups: [group],
      });
      const inScope = (c: GitLabFixture['clusters'][number]) =>
        c.owner != null && (c.owner === group || c.owner.startsWith(`${group}/`));
      expect(found(inventory)).toEqual(expectedClusters(demo, inScope));
      expect(inventory.scope).toEqual([group]);
    }));

  it('scans the groups an admin is not a member of, which the discovery API would under-report', () => {
    const notMember = {
      ...demo,
      members: demo.members.filter((m) => !(m.user === 'root' && m.source === 'logistics')),
    };
    return withSimulator({ fixture: notMember }, async (sim) => {
      const inventory = await discoverInventory(testClient(sim.url, adminApiToken(demo)));
      expect(found(inventory)).toEqual(expectedClusters(demo));
      expect(inventory.gitlab.discovery).toBe('mixed');
    });
  });

  it('rejects an unknown --group with a clear message', () =>
    withSimulator({ fixture: demo }, async (sim) => {
      await expect(
        discoverInventory(testClient(sim.url, adminApiToken(demo)), { groups: ['no-such-group'] }),
      ).rejects.toThrow(/Group "no-such-group" was not found/);
    }));

  it('warns that instance clusters need an admin when the token is not one', () =>
    withSimulator({ fixture: demo }, async (sim) => {
      const token = tokenOf(demo, (t, admin) => !admin && t.scopes.includes('api'));
      const inventory = await discoverInventory(testClient(sim.url, token));
      expect(inventory.warnings.map((w) => w.code)).toContain('instance-clusters-not-visible');
      expect(inventory.clusters.filter((c) => c.level === 'instance')).toEqual([]);
      expect(inventory.gitlab.isAdmin).toBe(false);
      expect(contractErrors(validateInventory, inventory)).toEqual([]);
    }));

  it.each(['auto', 'full-scan'] as const)(
    'says the feature flag is off instead of "no clusters" (%s)',
    (strategy) =>
      withSimulator({ fixture: flagOff(demo) }, async (sim) => {
        const error = await discoverInventory(testClient(sim.url, adminApiToken(demo)), {
          strategy,
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UserError);
        expect((error as UserError).message).toMatch(
          /certificate_based_clusters feature flag is off/,
        );
        expect((error as UserError).hint).toMatch(/Feature\.enable\(:certificate_based_clusters\)/);
      }),
  );

  it('explains a bad token and an unreachable instance', async () => {
    await withSimulator({ fixture: demo }, async (sim) => {
      await expect(
        discoverInventory(testClient(sim.url, 'glpat-wrong-000000000000')),
      ).rejects.toThrow(/rejected the token \(401/);
    });
    await expect(
      discoverInventory(testClient('http://127.0.0.1:9', 'glpat-whatever-0000000')),
    ).rejects.toThrow(/Cannot reach GitLab/);
  });

  it('produces the same inventory through 5xx, 429 storms and stalls', () =>
    withSimulator({ fixture: demo }, async (sim) => {
      const clean = await discoverInventory(testClient(sim.url, adminApiToken(demo)));
      sim.setFaults({
        errorEvery: 5,
        errorStatus: 502,
        rateLimitStorm: { from: 3, count: 3, retryAfterSeconds: 1 },
        stallEvery: 11,
        stallMs: 5_000,
      });
      const client = testClient(sim.url, adminApiToken(demo), { timeoutMs: 250 });
      const faulty = await discoverInventory(client);
      expect(client.stats.retries).toBeGreaterThan(3);
      expect(found(faulty)).toEqual(found(clean));
      expect(faulty.warnings).toEqual(clean.warnings);
    }));
});

describe('discovery on a generated instance (1,000 projects)', () => {
  const fixture = generateInstance({ projects: 1000, seed: 7 });
  const token = adminApiToken(fixture);

  it('finds the same clusters with both strategies, with far fewer calls through the discovery API', () =>
    withSimulator({ fixture }, async (sim) => {
      const viaApi = testClient(sim.url, token);
      const api = await discoverInventory(viaApi);
      const viaScan = testClient(sim.url, token);
      const scan = await discoverInventory(viaScan, { strategy: 'full-scan' });
      expect(found(api)).toEqual(expectedClusters(fixture));
      expect(found(scan)).toEqual(expectedClusters(fixture));
      expect(viaApi.stats.calls * 3).toBeLessThan(viaScan.stats.calls);
    }));

  it('with the discovery API, reads clusters only of projects that have some or sit in personal namespaces', () =>
    withSimulator({ fixture }, async (sim) => {
      await discoverInventory(testClient(sim.url, token));
      const usernames = new Set(fixture.users.map((u) => u.username));
      const owners = new Set(fixture.clusters.map((c) => c.owner));
      const byId = new Map(fixture.projects.map((p) => [String(p.id), p]));
      const projectReads = sim.requests
        .map((r) => /^\/api\/v4\/projects\/([^/]+)\/clusters$/.exec(r.path)?.[1])
        .filter((id): id is string => id != null)
        .map((id) => decodeURIComponent(id));
      for (const ref of projectReads) {
        const project = byId.get(ref);
        const path = project ? `${project.namespace}/${project.path}` : ref;
        expect(owners.has(path) || usernames.has(path.split('/')[0]!), path).toBe(true);
      }
    }));
});
