// Discovery over real HTTP when GitLab's answers cannot be trusted: each probed failure used to
// lose or invent clusters (or never end); now it stops with one error naming the request. And
// clusters whose api_url GitLab would not accept today are warned about and get no agent, and
// credentials in an api_url never reach the inventory or the plan.
import { describe, expect, it } from 'vitest';
import { discoverInventory } from '../../src/discovery/discover.js';
import { UntrustedAnswerError } from '../../src/gitlab/untrusted-answer.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import { emptyLiveState } from '../../src/plan/live-state.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import { redact } from '../../src/redact.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import type { FaultPlan } from '../../src/simulator/gitlab/server.js';
import { contractErrors, validateInventory, validatePlan } from '../helpers/contracts.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

const demo = demoFixture();
const token = adminApiToken(demo);
const group = (path: string) => demo.groups.find((g) => g.path === path && !g.parent)!;

async function discoveryFailure(faults: FaultPlan, strategy: 'auto' | 'full-scan' = 'auto') {
  return withSimulator({ fixture: demo, faults }, async (sim) => {
    const error = await discoverInventory(testClient(sim.url, token), { strategy }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UntrustedAnswerError);
    return { error: error as UntrustedAnswerError, requests: sim.requests.length };
  });
}

describe('discovery refuses answers that are not GitLab’s', () => {
  it.each(['auto', 'full-scan'] as const)(
    'a 200 HTML page on a cluster list (%s) stops the run instead of inventing clusters',
    async (strategy) => {
      const payments = group('payments');
      const { error } = await discoveryFailure(
        {
          hostile: [
            {
              pathPattern: `/groups/(${payments.id}|payments)/clusters$`,
              answer: { kind: 'html-page' },
            },
          ],
        },
        strategy,
      );
      expect(error.message).toMatch(
        /^GitLab answered GET \/api\/v4\/groups\/(\d+|payments)\/clusters with an HTML page \(text\/html\), not JSON\.$/,
      );
    },
  );

  it('a 60 MB answer on the group list', async () => {
    const { error } = await discoveryFailure({
      hostile: [{ pathPattern: '/groups$', answer: { kind: 'oversized', bytes: 60_000_000 } }],
    });
    expect(error.message).toMatch(/^GitLab answered GET \/api\/v4\/groups with more than 20 MB/);
  });

  it('a wrong-shaped discovery answer, which used to drop 13 of 15 clusters', async () => {
    const { error } = await discoveryFailure({
      hostile: [
        {
          pathPattern: '/discover-cert-based-clusters',
          answer: { kind: 'json', body: { groups: 'x', projects: 5 } },
        },
      ],
    });
    expect(error.message).toContain('/groups must be object; /projects must be object');
  });

  it('an x-next-page that loops, which used to make requests for ever', async () => {
    const { error, requests } = await discoveryFailure({
      hostile: [{ pathPattern: '/groups$', answer: { kind: 'next-page-loop' } }],
    });
    expect(error.message).toMatch(/with x-next-page 2, which does not move past page 2/);
    expect(requests).toBeLessThan(10);
  }, 15_000);
});

/** The demo with api_urls GitLab would refuse today, and one with a password in it. */
const PASSWORD = 'hunter2-very-secret';
const oddUrls: Record<number, string> = {
  8: 'not a url',
  10: 'ftp://k8s-staging.kestrel.test',
  11: 'https://[::1',
  12: 'k8s-data.kestrel.test:6443',
  14: `https://deployer:${PASSWORD}@k8s-tools.kestrel.test:6443`,
};
function withOddUrls(): GitLabFixture {
  const fixture = demoFixture();
  for (const c of fixture.clusters)
    if (oddUrls[c.id] !== undefined) c.platform_kubernetes.api_url = oddUrls[c.id]!;
  return fixture;
}

describe('api_url checked at discovery', () => {
  it('warns per cluster, keeps bad URLs out, strips credentials, and the plan skips those clusters', () =>
    withSimulator({ fixture: withOddUrls() }, async (sim) => {
      const inventory = await discoverInventory(testClient(sim.url, token));
      expect(contractErrors(validateInventory, inventory)).toEqual([]);
      const byId = new Map(inventory.clusters.map((c) => [c.id, c]));

      const invalid = inventory.warnings.filter((w) => w.code === 'invalid-api-url');
      expect(invalid.map((w) => w.clusterId).sort((a, b) => a! - b!)).toEqual([8, 10, 11, 12]);
      for (const id of [8, 10, 11, 12]) {
        expect(byId.get(id)!.apiUrl).toBeNull();
        expect(byId.get(id)!.apiUrlProblem).toMatch(/^its Kubernetes API URL ".+" /);
      }
      expect(byId.get(10)!.apiUrlProblem).toContain('uses the scheme ftp:, not http or https');
      expect(byId.get(12)!.apiUrlProblem).toContain('has no scheme');
      // what GitLab would have stored for host:6443 is nothing: its validator refuses the scheme
      // "host"; and it is never read as `host://6443`
      expect(JSON.stringify(inventory)).not.toContain('k8s-data.kestrel.test://');

      expect(byId.get(14)!.apiUrl).toBe('https://k8s-tools.kestrel.test:6443');
      const credentials = inventory.warnings.filter((w) => w.code === 'api-url-credentials');
      expect(credentials).toHaveLength(1);
      expect(credentials[0]!.clusterId).toBe(14);
      expect(credentials[0]!.message).toMatch(/^Cluster 14 "/);
      expect(credentials[0]!.message).not.toMatch(/deployer|hunter2/);
      expect(JSON.stringify(inventory)).not.toMatch(/deployer|hunter2/);
      // and should some path ever print it, it is a registered secret
      expect(redact(`x ${PASSWORD} x`)).not.toContain(PASSWORD);

      const plan = buildPlan(inventory, emptyLiveState(), {
        ...defaultPlanOptions(),
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      expect(contractErrors(validatePlan, plan)).toEqual([]);
      const planned = new Map(plan.clusters.map((c) => [c.id, c]));
      for (const id of [8, 10, 11, 12]) {
        expect(planned.get(id)!.action).toBe('skip');
        expect(planned.get(id)!.reason).toMatch(/^its Kubernetes API URL /);
        expect(planned.get(id)!.agents).toEqual([]);
        expect(plan.agents.filter((a) => a.clusterIds.includes(id))).toEqual([]);
        expect(plan.warnings.some((w) => w.code === 'invalid-api-url' && w.clusterId === id)).toBe(
          true,
        );
      }
      expect(planned.get(14)!.action).toBe('migrate');
      expect(plan.agents.find((a) => a.clusterIds.includes(14))!.apiUrl).toBe(
        'https://k8s-tools.kestrel.test:6443',
      );
      expect(JSON.stringify(plan)).not.toMatch(/deployer|hunter2/);
    }));
});
