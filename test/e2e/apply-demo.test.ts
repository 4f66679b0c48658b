// @module-tag slow
// The whole journey through the built CLI on the demo instance, over real HTTP: plan → apply →
// apply again (no mutating request) → cut-over → plan shows nothing pending.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DryRunPreview } from '../../src/apply/preview.js';
import { normaliseApiUrl } from '../../src/discovery/api-url.js';
import { agentkObjectNames } from '../../src/kube/manifests.js';
import type { Plan } from '../../src/plan/types.js';
import { demoFixture, demoFixtureWithFixedCi } from '../helpers/gitlab.js';
import { runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

const fixture = demoFixture();
let world: World;
let plan: string;
let replan: string;
const outputs: string[] = [];
const cli = async (args: string[]) => {
  const result = await runCli(args, world.env);
  outputs.push(result.stdout, result.stderr);
  return result;
};

beforeAll(async () => {
  world = await startWorld(fixture);
  plan = join(world.dir, 'plan.json');
  replan = join(world.dir, 'replan.json');
});
afterAll(async () => {
  await world.close();
});

describe('apply on the demo instance', () => {
  it('plans, and a dry run changes nothing anywhere', async () => {
    expect((await cli(['plan', '--out', plan, '--format', 'json'])).code).toBe(0);
    const before = world.mark();
    const dry = await cli(['apply', plan, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/would register agent/);
    expect(world.mutations(before)).toEqual([]);
    const all = await cli([
      'apply',
      plan,
      '--dry-run',
      '--fix-ci',
      'merge-request',
      '--disable-old-clusters',
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stderr).toMatch(
      /checkout-api\/fix-ci — would open a merge request from migrate-clusters\/fix-ci/,
    );
    // POST /ci/lint validates a configuration and stores nothing (lib/api/lint.rb)
    expect(world.mutations(before).filter((m) => !m.endsWith('/ci/lint'))).toEqual([]);
  });

  it('refuses to change anything without --yes when nobody can confirm', async () => {
    const before = world.mark();
    const r = await cli(['apply', plan]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--yes/);
    expect(world.mutations(before)).toEqual([]);
  });

  it('converges: every agent registered once, connected, with its variables', async () => {
    const r = await cli(['apply', plan, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/0 failed/);
    const planned = JSON.parse(await readFile(plan, 'utf8')) as {
      agents: { ref: string; project: string; name: string; ciVariables: { key: string }[] }[];
    };
    const agents = world.gitlab.state.agents;
    for (const a of planned.agents) {
      const project = world.gitlab.state.findProject(a.project)!;
      expect(project, a.ref).toBeDefined();
      const registered = agents.forProject(project).filter((x) => x.name === a.name);
      expect(registered, a.ref).toHaveLength(1);
      const tokens = agents.activeTokens(registered[0]!);
      expect(tokens.length).toBeGreaterThanOrEqual(1);
      expect(tokens.length).toBeLessThanOrEqual(2);
      expect(
        tokens.some((t) => t.lastUsedAt != null),
        `${a.ref} connected`,
      ).toBe(true);
    }
  });

  it('a second apply makes no mutating request', async () => {
    const before = world.mark();
    const r = await cli(['apply', plan, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(world.mutations(before)).toEqual([]);
  });

  it('a dry run lists on stdout what it would change: the calls, the config diff, the kube objects and their diff', async () => {
    const planned = JSON.parse(await readFile(plan, 'utf8')) as Plan;
    const agent = planned.agents.find((a) => a.ref === 'payments/gitlab-agents:staging')!;
    // someone rewrote the agent's config.yaml without its ci_access …
    const edit = await fetch(
      `${world.gitlab.url}/api/v4/projects/${encodeURIComponent(agent.project)}/repository/commits`,
      {
        method: 'POST',
        headers: { 'private-token': world.token, 'content-type': 'application/json' },
        body: JSON.stringify({
          branch: 'main',
          commit_message: 'by hand',
          actions: [
            { action: 'update', file_path: agent.configPath, content: 'observability: {}\n' },
          ],
        }),
      },
    );
    expect(edit.status).toBe(201);
    // … and took a label off agentk's ServiceAccount
    const cluster = world.clusters.find(
      (k) => normaliseApiUrl(k.url) === normaliseApiUrl(agent.apiUrl),
    )!;
    const account = agentkObjectNames(agent.name).fullname;
    const live = cluster.objects.get('v1', 'ServiceAccount', agent.namespace, account)!;
    const labels: Record<string, string> = { ...(live.metadata.labels as Record<string, string>) };
    delete labels['app.kubernetes.io/name'];
    cluster.objects.seed(
      { ...live, metadata: { ...live.metadata, labels } },
      { manager: 'kubectl-edit' },
    );

    const before = world.mark();
    const dry = await cli(['apply', plan, '--dry-run', '--no-color']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(world.mutations(before)).toEqual([]);
    const project = encodeURIComponent(agent.project);
    expect(dry.stdout).toMatch(/^GitLab: 1 call it would make$/m);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^    POST /projects/${project}/repository/commits +commit update ${agent.configPath} to main$`,
        'm',
      ),
    );
    expect(dry.stdout).toContain(`  ~ ${agent.project}: ${agent.configPath}\n`);
    expect(dry.stdout).toMatch(/^ {5}observability: \{\}$/m);
    expect(dry.stdout).toMatch(/^ {4}\+ci_access:$/m);
    expect(dry.stdout).toMatch(
      new RegExp(`^      ~ ServiceAccount ${agent.namespace}/${account} \\(configured\\)$`, 'm'),
    );
    expect(dry.stdout).toMatch(/^ {8}\+ {4}app\.kubernetes\.io\/name: /m);
    expect(dry.stdout).toMatch(
      new RegExp(`^    agent ${agent.ref}: 1 of 5 objects would change \\(4 as they are\\)$`, 'm'),
    );
    expect(dry.stdout).toMatch(
      /^ {4}agent data\/gitlab-agents:data-platform: 5 objects, all as they are$/m,
    );

    const json = await cli(['apply', plan, '--dry-run', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { dryRun } = JSON.parse(json.stdout) as { dryRun: DryRunPreview };
    expect(dryRun.calls).toEqual([
      {
        agents: [agent.ref],
        method: 'POST',
        path: `/projects/${project}/repository/commits`,
        what: `commit update ${agent.configPath} to main`,
      },
    ]);
    expect(dryRun.files.map((f) => [f.path, f.change])).toEqual([[agent.configPath, 'update']]);
    const changed = dryRun.objects.filter((o) => o.outcome !== 'unchanged');
    expect(changed.map((o) => [o.agent, o.kind, o.outcome])).toEqual([
      [agent.ref, 'ServiceAccount', 'configured'],
    ]);
    expect(changed[0]!.diff).toMatch(/^\+ {4}app\.kubernetes\.io\/name: /m);
    expect(world.mutations(before)).toEqual([]);

    // put both back as apply would
    const fixed = await cli(['apply', plan, '--yes']);
    expect(fixed.code, fixed.stderr).toBe(0);
  });

  it('a plan made now lists only the old clusters still to turn off', async () => {
    const r = await cli(['plan', '--out', replan, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const fresh = JSON.parse(r.stdout) as {
      steps: { kind: string }[];
      summary: { toMigrate: number };
    };
    expect(fresh.steps.length).toBeGreaterThan(0);
    expect([...new Set(fresh.steps.map((s) => s.kind))]).toEqual(['disable-cluster']);
    expect(fresh.steps).toHaveLength(fresh.summary.toMigrate);
  });

  it('the cut-over turns off only the clusters whose jobs are proven; --fix-ci opens merge requests', async () => {
    const r = await cli([
      'apply',
      replan,
      '--yes',
      '--disable-old-clusters',
      '--fix-ci',
      'merge-request',
    ]);
    expect(r.code, r.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    const on = [...world.gitlab.state.clustersById.values()]
      .filter((c) => c.data.enabled)
      .map((c) => c.data.id)
      .sort((a, b) => a - b);
    // breaking jobs: 5 checkout-api, 7 route-planner, 9 tracking-api, 13 demand-forecast, 14 developer-portal
    expect(on).toEqual([5, 7, 9, 13, 14]);
    expect(r.stderr).toMatch(
      /disable-cluster:5 — stays on: payments\/checkout\/checkout-api \(production\): job deploy-production would break: runs kubectl apply without choosing a context/,
    );
    const opened = [
      'payments/checkout/checkout-api',
      'logistics/routing/route-planner',
      'platform/developer-portal',
    ];
    for (const project of opened) {
      const mrs = world.gitlab.state.repositories.of(
        world.gitlab.state.findProject(project)!,
      ).mergeRequests;
      expect(
        mrs.filter((m) => m.state === 'opened'),
        project,
      ).toHaveLength(1);
    }
    expect(r.stderr).toMatch(
      /ci\/logistics\/tracking\/tracking-api\/fix-ci — nothing here can be changed by this tool/,
    );
  });

  it('once the merge requests are merged and a person fixes the rest, the same run cuts over; plan shows nothing pending', async () => {
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${world.gitlab.url}/api/v4/${path}`, {
        method,
        headers: { 'PRIVATE-TOKEN': world.token, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
    };
    for (const project of [
      'payments/checkout/checkout-api',
      'logistics/routing/route-planner',
      'platform/developer-portal',
    ])
      await api('PUT', `projects/${encodeURIComponent(project)}/merge_requests/1/merge`);
    const fixed = demoFixtureWithFixedCi().repositories!;
    for (const project of ['logistics/tracking/tracking-api', 'platform/ci-templates']) {
      const files = fixed.find((r) => r.project === project)!.files;
      await api('POST', `projects/${encodeURIComponent(project)}/repository/commits`, {
        branch: 'main',
        commit_message: 'Select the agent context',
        actions: Object.entries(files).map(([file_path, content]) => ({
          action: 'update',
          file_path,
          content,
        })),
      });
    }
    const r = await cli(['apply', replan, '--yes', '--disable-old-clusters']);
    expect(r.code, r.stderr).toBe(0);
    expect(
      [...world.gitlab.state.clustersById.values()].filter(
        (c) => c.data.enabled && c.data.id !== 8,
      ),
    ).toEqual([]);
    const after = await cli(['plan', '--detailed-exitcode', '--format', 'json']);
    const fresh = JSON.parse(after.stdout) as { summary: { toMigrate: number }; steps: unknown[] };
    expect(fresh.summary.toMigrate).toBe(0);
    expect(fresh.steps).toEqual([]);
    expect(after.code).toBe(0);
  });

  it('no token appears in any output, the plan or the journal', async () => {
    const files = [
      await readFile(plan, 'utf8'),
      await readFile(`${plan}.state.json`, 'utf8'),
      await readFile(`${replan}.state.json`, 'utf8'),
    ];
    const secrets = [
      ...fixture.tokens.map((t) => t.token),
      ...world.gitlab.state.agents.secrets(),
      ...world.clusters.map((k) => k.token),
    ];
    for (const text of [...outputs, ...files])
      for (const secret of secrets) expect(text.includes(secret)).toBe(false);
  });
});
