// The journal is written ahead: apply cut off at any journal write (the disk full, or the process
// killed right after a request whose outcome it never recorded) leaves a journal from which the
// next apply converges and `rollback --uninstall` removes everything apply made. A journal that
// cannot be written stops apply before its next request.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptOpenIntents } from '../../src/apply/adopt-intents.js';
import { emptyJournal, loadJournal, openIntents } from '../../src/apply/journal.js';
import { fileIo, JournalStore, type JournalIo } from '../../src/apply/journal-store.js';
import { runRollback } from '../../src/apply/rollback.js';
import type { KubeAccess } from '../../src/apply/types.js';
import { projectInfo } from '../../src/gitlab/projects.js';
import { discoverInventory } from '../../src/discovery/discover.js';
import { findAgent } from '../../src/gitlab/agents.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { findVariable } from '../../src/gitlab/variables.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { isWrite } from '../../src/simulator/kube/server.js';
import { adminApiToken, demoFixtureWithFixedCi, testClient } from '../helpers/gitlab.js';
import { agentkObjectsIn } from '../helpers/agentk-objects.js';
import { applyInProcess, startWorld, type World } from '../helpers/world.js';

let dir: string;
let sim: GitLabSimulator;
let client: GitLabClient;
let plan: Plan;
let world: World;
let kube: KubeAccess;
const journalPath = () => join(dir, 'plan.json.state.json');

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mc-write-ahead-'));
  const fx = demoFixtureWithFixedCi();
  world = await startWorld(fx, { apiUrls: 'fixture', rolloutDelayMs: 10 });
  sim = world.gitlab;
  client = testClient(sim.url, adminApiToken(fx));
  const inventory = await discoverInventory(client);
  plan = await computePlan(client, inventory, defaultPlanOptions());
  kube = world.kubeAccess(inventory.clusters);
});
afterEach(async () => {
  await world.close();
  await rm(dir, { recursive: true, force: true });
});

/** The file system, until write number `failAt` (1-based): that one and all later fail ENOSPC. */
function diskFullAt(failAt: number, onFull: () => void): JournalIo & { writes: () => number } {
  let n = 0;
  const step = async (write: () => Promise<void>) => {
    n += 1;
    if (n >= failAt) {
      if (n === failAt) onFull();
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    await write();
  };
  return {
    replace: (p, t) => step(() => fileIo.replace(p, t)),
    append: (p, t) => step(() => fileIo.append(p, t)),
    writes: () => n,
  };
}

/** GitLab and kube writes (CI Lint and access reviews are POSTs that change nothing) */
const gitlabWrites = () =>
  sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method) && !r.path.endsWith('/ci/lint'));
const mutations = () =>
  gitlabWrites().length +
  world.clusters.reduce(
    (n, s) =>
      n +
      s.requests.filter(
        (r) => isWrite(r) && r.path !== '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      ).length,
    0,
  );

/** What apply changes, read live: agents, variables, clusters, agentk objects. */
async function liveState() {
  const agents: (number | null)[] = [];
  for (const a of plan.agents)
    agents.push(
      (await projectInfo(client, a.project))
        ? ((await findAgent(client, a.project, a.name))?.id ?? null)
        : null,
    );
  const variables: (string | null)[] = [];
  for (const v of plan.agents.flatMap((a) => a.ciVariables))
    variables.push(
      (await findVariable(client, v.level, v.owner, v.key, v.environmentScope))?.value ?? null,
    );
  const clusters = [...sim.state.clustersById.values()].map(
    (c) => `${c.data.id}:${c.data.enabled}`,
  );
  const agentk = agentkObjectsIn(world.clusters);
  const activeTokens = [...sim.state.agents.secrets()].length;
  return { agents, variables, clusters, agentk, activeTokens };
}

const settings = { disableOldClusters: true, parallel: 1 };

describe('a journal that cannot be written', () => {
  it('stops apply before its next request, and says so', async () => {
    let atFull = -1;
    const io = diskFullAt(12, () => (atFull = mutations()));
    const journal = new JournalStore(
      emptyJournal(sim.url, plan.generatedAt),
      journalPath(),
      undefined,
      io,
    );
    const result = await applyInProcess({ sim, client, kube, journal, plan, settings });
    expect(atFull, 'the disk filled up during the run').toBeGreaterThan(0);
    const after = gitlabWrites()
      .slice(-4)
      .map((r) => `${r.method} ${r.path}`);
    expect(mutations(), `no request after the failed journal write: ${after.join(', ')}`).toBe(
      atFull,
    );
    expect(journal.broken?.message).toMatch(
      /^Cannot write the journal .*: ENOSPC; stopped before the next change\.$/,
    );
    expect(
      result.outcomes.some((o) => o.result.detail === 'not run: the journal cannot be written'),
    ).toBe(true);
  });
});

describe('cut off at any journal write, then resumed and rolled back', { tags: ['slow'] }, () => {
  it('leaves nothing apply made', async () => {
    const before = await liveState();
    expect(before.agentk).toEqual([]);
    // cut points from the first write to past the agent registrations, tokens and installs
    for (const cut of [2, 5, 9, 14, 20, 27]) {
      await rm(journalPath(), { force: true });
      const first = new JournalStore(
        emptyJournal(sim.url, plan.generatedAt),
        journalPath(),
        undefined,
        diskFullAt(cut, () => {}),
      );
      await applyInProcess({ sim, client, kube, journal: first, plan, settings });

      // the next run: adopts what the journal's open intents name, then finishes the job
      const second = new JournalStore(
        (await loadJournal(journalPath())) ?? emptyJournal(sim.url, plan.generatedAt),
        journalPath(),
      );
      await adoptOpenIntents(client, second);
      const resumed = await applyInProcess({ sim, client, kube, journal: second, plan, settings });
      expect(
        resumed.outcomes.filter((o) => o.result.status === 'failed').map((o) => o.result.detail),
        `cut at write ${cut}`,
      ).toEqual([]);
      await second.flush();

      const third = new JournalStore((await loadJournal(journalPath()))!, journalPath());
      await adoptOpenIntents(client, third);
      expect(openIntents(third.journal)).toEqual([]);
      const undone = await runRollback({
        client,
        kube,
        journal: third,
        plan,
        settings: { dryRun: false, uninstall: true },
      });
      expect(
        undone.filter((o) => o.status === 'failed').map((o) => o.detail),
        `rollback after a cut at write ${cut}`,
      ).toEqual([]);
      expect(await liveState(), `nothing left after a cut at write ${cut}`).toEqual(before);
    }
  }, 120_000);
});
