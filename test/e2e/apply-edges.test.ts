// @module-tag slow
// apply where the world is not as planned: bad plan files, a stale plan, a variable someone else
// set, no kube context, config through a merge request, manifests for GitOps.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverInventory } from '../../src/discovery/discover.js';
import { writeFileAtomic } from '../../src/files.js';
import { computePlan } from '../../src/live-state/compute-plan.js';
import { defaultPlanOptions } from '../../src/plan/options.js';
import type { Plan } from '../../src/plan/types.js';
import { renderPlanJson } from '../../src/plan/plan-file.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import YAML from 'yaml';
import { applyObjects } from '../../src/kube/apply.js';
import { demoFixture, testClient } from '../helpers/gitlab.js';
import { kubeConfigFor } from '../simulator/kube/helpers.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const AGENT = 'data/ml/demand-forecast:forecast-staging';
let world: World;
let planPath: string;
let plan: Plan;

beforeEach(async () => {
  world = await startWorld(demoFixture());
  const client = testClient(world.gitlab.url, world.token);
  plan = await computePlan(client, await discoverInventory(client), defaultPlanOptions());
  planPath = join(world.dir, 'plan.json');
  await writeFileAtomic(planPath, renderPlanJson(plan));
});
afterEach(async () => {
  await world.close();
});

const apply = (args: string[], env: Record<string, string> = {}) =>
  runCli(['apply', planPath, '--only', AGENT, ...args], { ...world.env, ...env });
const agentOf = () => plan.agents.find((a) => a.ref === AGENT)!;

describe('apply refuses bad input with one clear line and changes nothing', () => {
  it.each([
    ['not JSON', '{"kind": "migrate-clusters/plan",', /is not JSON/],
    ['another kind of file', '{"kind": "something-else"}', /is not a migrate-clusters plan/],
    ['an invalid plan', '{"kind": "migrate-clusters/plan", "version": 1}', /is not a valid plan/],
  ])('%s', async (_name, content, message) => {
    await writeFile(planPath, content);
    const before = world.mark();
    const r = await apply(['--yes']);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(message);
    expect(world.mutations(before)).toEqual([]);
  });

  it('a token that can only read: apply refuses before any step, a dry run is fine', async () => {
    const readOnly = demoFixture().tokens.find((t) => t.scopes.includes('read_api'))!.token;
    const before = world.mark();
    const r = await apply(['--yes'], { GITLAB_TOKEN: readOnly });
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(
      /apply changes GitLab, but the token only has the read_api scope.*api scope/,
    );
    expect(world.mutations(before)).toEqual([]);
    const dry = await apply(['--dry-run'], { GITLAB_TOKEN: readOnly });
    expect(dry.code, dry.stderr).toBe(0);
    expect(world.mutations(before)).toEqual([]);
  });

  it('a stale plan, unless --refresh', async () => {
    world.gitlab.state.clustersById.get(13)!.data.environment_scope = 'qa';
    const before = world.mark();
    const r = await apply(['--yes']);
    expect(r.code).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(
      /is stale: cluster 13 .*environment scope "staging" → "qa".*--refresh/,
    );
    expect(world.mutations(before)).toEqual([]);
    const refreshed = await apply(['--dry-run', '--refresh']);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stderr).toMatch(/re-planning/);
  });
});

describe('apply leaves what it must not touch, and says so', () => {
  it('a KUBE_CONTEXT someone else set: left alone, and the old cluster stays on', async () => {
    const client = testClient(world.gitlab.url, world.token);
    await client.projectVariables.create(
      'data/ml/demand-forecast',
      'KUBE_CONTEXT',
      'theirs:agent',
      {
        environmentScope: 'staging',
      },
    );
    const r = await apply(['--yes', '--disable-old-clusters']);
    expect(r.code, r.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    expect(r.stderr).toMatch(
      /Needs a person:[\s\S]*KUBE_CONTEXT .*already "theirs:agent"; left alone/,
    );
    expect(world.gitlab.state.clustersById.get(13)!.data.enabled).toBe(true);
    const vars = await client.projectVariables.all('data/ml/demand-forecast');
    expect(vars.filter((v) => v.key === 'KUBE_CONTEXT').map((v) => v.value)).toEqual([
      'theirs:agent',
    ]);
  });

  it('no kube context reaches the cluster: one clear line before any write', async () => {
    const empty = join(world.dir, 'other-kubeconfig');
    await writeFile(
      empty,
      'apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: "https://elsewhere.test:6443"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: elsewhere\n  context: {cluster: x, user: u}\ncurrent-context: elsewhere\n',
    );
    const before = world.mark();
    const r = await apply(['--yes'], { KUBECONFIG: empty });
    expect(r.code, r.stderr).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(
      /Nothing was changed: an agent cannot be installed or checked — .*no kube context reaches .* --context-for 13=CONTEXT/,
    );
    expect(world.mutations(before)).toEqual([]);
  });
});

describe('delivery and installation modes', () => {
  it('--config-via merge-request holds the cut-over until the merge request is merged', async () => {
    const first = await apply(['--yes', '--config-via', 'merge-request']);
    expect(first.code, first.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    expect(first.stderr).toMatch(/merge .*merge_requests\/\d+, then run apply again/);
    expect(world.mutations().filter((m) => m.includes('/variables'))).toEqual([]);
    const again = await apply(['--yes', '--config-via', 'merge-request']);
    expect(again.code).toBe(3); // the merge request still waits for a person
    const mrPosts = world.gitlab.requests.filter(
      (r) => r.method === 'POST' && r.path.endsWith('/merge_requests'),
    );
    expect(mrPosts).toHaveLength(1);

    const client = testClient(world.gitlab.url, world.token);
    const [mr] = await client.mergeRequests.all({ projectId: agentOf().project, state: 'opened' });
    await client.mergeRequests.merge(agentOf().project, mr!.iid);
    const merged = await apply(['--yes', '--config-via', 'merge-request']);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stderr).toMatch(/set KUBE_CONTEXT/);
  });

  it('--install manifests writes the objects for GitOps and touches no cluster', async () => {
    const outDir = join(world.dir, 'out');
    // no --no-wait: nobody here installs agentk, so there is nothing to wait for
    const r = await apply(['--yes', '--install', 'manifests', '--out-dir', outDir]);
    expect(r.code, r.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    const files = await readdir(join(outDir, 'data/ml/demand-forecast'));
    expect(files).toEqual(['forecast-staging.yaml']);
    const yaml = await readFile(
      join(outDir, 'data/ml/demand-forecast/forecast-staging.yaml'),
      'utf8',
    );
    expect(yaml).toContain('kind: Deployment');
    expect(yaml).not.toContain('kind: Secret');
    expect(world.mutations().filter((m) => m.startsWith('kube'))).toEqual([]);
    expect(r.stderr).toMatch(/create a token .* Secret/);
    // the summary says what to apply, where, and that a re-run finishes the job
    const agent = agentOf();
    // the fixture's API URL (the plan holds the simulator's)
    const apiUrl = demoFixture().clusters.find((c) => c.id === agent.clusterIds[0])!
      .platform_kubernetes.api_url;
    const context = world.contextFor(apiUrl);
    const manifest = join(outDir, 'data/ml/demand-forecast/forecast-staging.yaml');
    expect(r.stderr).toContain('To finish: agentk is yours to install for 1 agent(s).');
    expect(r.stderr).toContain(
      `kubectl --context ${context} -n ${agent.namespace} create secret generic forecast-staging-gitlab-agent-token --from-literal=token=<the token>`,
    );
    expect(r.stderr).toContain(`kubectl --context ${context} apply --server-side -f ${manifest}`);
    expect(r.stderr).toContain(`Then run migrate-clusters apply ${planPath} again`);
    // no connection poll: the run did not wait for an agentk nobody installed
    const polls = world.gitlab.requests.filter((q) => /\/tokens\/\d+$/.test(q.path));
    expect(polls.length).toBeLessThanOrEqual(1);

    // The person does as told: a token, the Secret, the manifest.
    const projectId = encodeURIComponent(agent.project);
    const agents = (await (
      await fetch(`${world.gitlab.url}/api/v4/projects/${projectId}/cluster_agents`, {
        headers: { 'PRIVATE-TOKEN': world.token },
      })
    ).json()) as { id: number; name: string }[];
    const agentId = agents.find((a) => a.name === agent.name)!.id;
    const created = (await (
      await fetch(
        `${world.gitlab.url}/api/v4/projects/${projectId}/cluster_agents/${agentId}/tokens`,
        {
          method: 'POST',
          headers: { 'PRIVATE-TOKEN': world.token, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'mine' }),
        },
      )
    ).json()) as { token: string };
    const kc = kubeConfigFor(world.clusterFor(apiUrl));
    const objects = YAML.parseAllDocuments(await readFile(manifest, 'utf8')).map(
      (d) => d.toJS() as KubernetesObject,
    );
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'forecast-staging-gitlab-agent-token', namespace: agent.namespace },
      stringData: { token: created.token },
    } as KubernetesObject;
    await applyObjects(kc, [...objects, secret], { dryRun: false, forceConflicts: false });

    const again = await apply(['--yes', '--install', 'manifests', '--out-dir', outDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('To finish');
    expect(again.stderr).toMatch(/set KUBE_CONTEXT/);
  });
});

describe('apply checks everything it can before its first write', () => {
  const refused = async (args: string[], message: RegExp, env: Record<string, string> = {}) => {
    const before = world.mark();
    const r = await apply(['--yes', ...args], env);
    expect(r.code, r.stderr).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(message);
    expect(world.mutations(before)).toEqual([]);
  };

  it('a malformed --rbac', () =>
    refused(
      ['--rbac', 'bogus'],
      /--rbac expects cluster-admin or existing-role:NAME, got "bogus"/,
    ));

  it('an --out-dir that cannot be written', async () => {
    const file = join(world.dir, 'a-file');
    await writeFile(file, 'x');
    await refused(
      ['--install', 'manifests', '--out-dir', join(file, 'sub')],
      /--out-dir .*a-file\/sub cannot be written: .*a-file is a file, not a directory\./,
    );
  });

  it('an agent project GitLab would refuse to create (a hand-edited plan)', async () => {
    const edited: Plan = JSON.parse(await readFile(planPath, 'utf8')) as Plan;
    const other = edited.agents.find((a) => a.createProject)!;
    const bad = 'data/Bad Name!';
    for (const s of edited.steps) {
      if (s.agent !== other.ref) continue;
      s.agent = `${bad}:${other.name}`;
      s.id = s.id.replace(other.ref, s.agent);
    }
    for (const c of edited.clusters)
      c.agents = c.agents.map((r) => (r === other.ref ? `${bad}:${other.name}` : r));
    Object.assign(other, { project: bad, ref: `${bad}:${other.name}` });
    await writeFile(planPath, JSON.stringify(edited));
    const before = world.mark();
    const r = await runCli(['apply', planPath, '--yes', '--only', other.ref], world.env);
    expect(r.code, r.stderr).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(
      /Cannot create the agent project: "Bad Name!" in data\/Bad Name! is not a valid GitLab path/,
    );
    expect(world.mutations(before)).toEqual([]);
  });
});

describe('kube credentials that may only read', () => {
  it('are refused before anything is written, naming what they may not do', async () => {
    await world.close();
    world = await startWorld(demoFixture(), { readOnlyToken: 'sim-read-only-token' });
    const client = testClient(world.gitlab.url, world.token);
    plan = await computePlan(client, await discoverInventory(client), defaultPlanOptions());
    planPath = join(world.dir, 'plan.json');
    await writeFileAtomic(planPath, renderPlanJson(plan));
    const kubeconfig = await readFile(world.kubeconfig, 'utf8');
    const readOnly = join(world.dir, 'read-only-kubeconfig');
    await writeFile(readOnly, kubeconfig.replace(/token: .*/g, 'token: sim-read-only-token'));
    const before = world.mark();
    const r = await apply(['--yes'], { KUBECONFIG: readOnly });
    expect(r.code, r.stderr).toBe(1);
    expect(isOneClearLine(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(
      /context "cluster-\d+" may not create namespaces .*: apply needs it to install agentk/,
    );
    expect(world.mutations(before)).toEqual([]);
  });
});
