// @module-tag slow
// What a converged re-run of apply costs the clusters, measured with the Kubernetes simulators'
// request logs on the demo instance through the built CLI: apply once, then again with nothing to
// do. The second run writes nothing, sends no apply or dry run, and reads each agentk object once.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWrite, type KubeRequest } from '../../src/simulator/kube/server.js';
import { demoFixture } from '../helpers/gitlab.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

let world: World;
let plan: string;
beforeAll(async () => {
  world = await startWorld(demoFixture());
  plan = join(world.dir, 'plan.json');
});
afterAll(async () => {
  await world.close();
});

/** API discovery (/api/v1, /apis/apps/v1): which resource a kind is, not a read of an object. */
const isDiscovery = (r: KubeRequest) => /^\/apis?(\/[^/]+){0,2}$/.test(r.path);
const isAccessReview = (r: KubeRequest) => r.path.endsWith('/selfsubjectaccessreviews');

describe('a converged re-run of apply', () => {
  it('makes no write and no dry run, and reads each object at most once', async () => {
    expect((await runCli(['plan', '--out', plan, '--format', 'json'], world.env)).code).toBe(0);
    const first = await runCli(['apply', plan, '--yes'], world.env);
    expect(first.code, first.stderr).toBe(0);
    const from = world.mark();
    const again = await runCli(['apply', plan, '--yes'], world.env);
    expect(again.code, again.stderr).toBe(0);
    const requests = world.clusters.flatMap((k, i) => k.requests.slice(from.kube[i]));
    const agents = (JSON.parse(await readFile(plan, 'utf8')) as { agents: unknown[] }).agents
      .length;
    expect(agents).toBe(11);
    // Measured on the demo (11 agents, 8 clusters) before applyObjects told "unchanged" from its
    // read: 253 requests — 88 access reviews, 33 discovery, 77 object reads, 55 dry-run applies.
    expect(requests.filter(isWrite)).toEqual([]);
    expect(requests.filter((r) => r.method === 'PATCH')).toEqual([]);
    const reads = requests.filter((r) => !isDiscovery(r) && !isAccessReview(r));
    expect(reads.every((r) => r.method === 'GET')).toBe(true);
    const perObject = new Map<string, number>();
    for (const r of reads) perObject.set(r.path, (perObject.get(r.path) ?? 0) + 1);
    // the readiness check at the end of the chain reuses install's read of the Deployment
    for (const [path, n] of perObject) expect(n, path).toBe(1);
    // 5 objects applied, and the token Secret read for its id
    expect(reads.length).toBe(6 * agents);
    // preflight's access reviews (8 per agent) and one discovery per API group and cluster remain
    expect(requests.filter(isAccessReview)).toHaveLength(8 * agents);
    expect(requests.filter(isDiscovery).length).toBeLessThanOrEqual(4 * world.clusters.length);
  }, 120_000);
});
