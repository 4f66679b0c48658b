// @module-tag slow
// The cut-over gate over real HTTP: an old cluster is turned off only when what keeps its jobs
// deploying is proven live, not merely present. Each case first shows the cluster staying on with
// the reason named, then the same run (with the cause fixed) cutting it over.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { groupOwner } from '../../src/simulator/gitlab/variables-state.js';
import { demoFixture } from '../helpers/gitlab.js';
import { isOneClearLine, runCli } from '../helpers/run-cli.js';
import { startWorld, type World } from '../helpers/world.js';

let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

const enabled = (w: World, id: number) => w.gitlab.state.clustersById.get(id)!.data.enabled;
const fileAt = (w: World, project: string, path: string) => {
  const p = w.gitlab.state.findProject(project)!;
  return w.gitlab.state.repositories
    .of(p)
    .branches.get(p.defaultBranch)
    ?.tree.get(path)
    ?.content.toString('utf8');
};
const groupVariables = (w: World, group: string) =>
  w.gitlab.state.variables.list(groupOwner(w.gitlab.state.findGroup(group)!));

async function planIn(w: World, extra: string[] = []) {
  const at = extra.indexOf('--out');
  const path = at >= 0 ? extra[at + 1]! : join(w.dir, 'plan.json');
  const args = at >= 0 ? extra : ['--out', path, ...extra];
  const r = await runCli(['plan', '--format', 'json', ...args], w.env);
  expect(r.code, r.stderr).toBe(0);
  return { path, plan: JSON.parse(await readFile(path, 'utf8')) as { steps: { id: string }[] } };
}

const apply = (w: World, plan: string, args: string[]) =>
  runCli(['apply', plan, '--yes', '--disable-old-clusters', ...args], w.env);

describe('an existing config.yaml counts only for the ci_access it grants', () => {
  const AGENT = 'platform/infrastructure/cluster-management:prod-eu';
  const PROJECT = 'platform/infrastructure/cluster-management';
  const CONFIG = '.gitlab/agents/prod-eu/config.yaml';
  const OBSERVABILITY_ONLY = 'observability:\n  logging:\n    level: debug\n';
  const withObservabilityOnly = (): GitLabFixture => {
    const fixture = demoFixture();
    fixture.repositories = [
      ...(fixture.repositories ?? []),
      { project: PROJECT, files: { [CONFIG]: OBSERVABILITY_ONLY } },
    ];
    return fixture;
  };
  const replaceConfig = async (w: World, content: string) => {
    const url = `${w.gitlab.url}/api/v4/projects/${encodeURIComponent(PROJECT)}/repository/commits`;
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'PRIVATE-TOKEN': w.token, 'content-type': 'application/json' },
      body: JSON.stringify({
        branch: 'main',
        commit_message: 'tidy the agent config',
        actions: [{ action: 'update', file_path: CONFIG, content }],
      }),
    });
    expect(r.status).toBe(201);
  };

  it('plans the commit though the file exists; the gate reads the file, not its presence', async () => {
    world = await startWorld(withObservabilityOnly());
    const first = await planIn(world, ['--out', join(world.dir, 'first.json')]);
    expect(first.plan.steps.map((s) => s.id)).toContain(`${AGENT}/commit-config`);
    const set = await runCli(['apply', first.path, '--yes', '--only', AGENT], world.env);
    expect(set.code, set.stderr).toBe(0);
    expect(fileAt(world, PROJECT, CONFIG)).toMatch(
      /observability:[\s\S]*ci_access:\n\s+groups:\n\s+- id: platform/,
    );

    // A plan made now has nothing left to commit; then someone trims the file to what it was.
    const later = await planIn(world);
    expect(later.plan.steps.map((s) => s.id)).not.toContain(`${AGENT}/commit-config`);
    await replaceConfig(world, OBSERVABILITY_ONLY);
    const held = await apply(world, later.path, ['--only', AGENT]);
    expect(held.code, held.stderr).toBe(3); /* a person must act: ExitCode.incomplete */
    expect(enabled(world, 2)).toBe(true);
    expect(held.stderr).toMatch(
      /disable-cluster:2 — stays on: .*prod-eu: .*config\.yaml on the default branch: config\.yaml has no ci_access section/,
    );

    // The first plan commits the config again (merged into the user's file), then cuts over.
    const done = await apply(world, first.path, ['--only', AGENT]);
    expect(done.code, done.stderr).toBe(0);
    expect(enabled(world, 2)).toBe(false);
  });
});

describe('a token used long ago is not a connection', () => {
  const AGENT = 'data/gitlab-agents:data-platform';
  const fiftyHoursAgo = new Date(Date.now() - 50 * 3600_000).toISOString();
  const withStaleAgent = (): GitLabFixture => {
    const fixture = demoFixture();
    fixture.projects.push({
      ...fixture.projects.find((p) => p.path === 'warehouse-schemas')!,
      id: 199,
      path: 'gitlab-agents',
      name: 'gitlab-agents',
    });
    fixture.agents = [
      ...(fixture.agents ?? []),
      {
        project: 'data/gitlab-agents',
        name: 'data-platform',
        tokens: [{ name: 'old', last_used_at: fiftyHoursAgo }],
      },
    ];
    fixture.repositories = [
      ...(fixture.repositories ?? []),
      {
        project: 'data/gitlab-agents',
        files: {
          '.gitlab/agents/data-platform/config.yaml': 'ci_access:\n  groups:\n    - id: data\n',
        },
      },
    ];
    return fixture;
  };

  it('plans token, install and connection; keeps the cluster on without agentk; then cuts over', async () => {
    world = await startWorld(withStaleAgent());
    const { path, plan } = await planIn(world);
    const ids = plan.steps.map((s) => s.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        `${AGENT}/create-token`,
        `${AGENT}/install-agentk`,
        `${AGENT}/wait-connection`,
      ]),
    );

    const held = await apply(world, path, ['--only', AGENT, '--install', 'none']);
    expect(enabled(world, 12)).toBe(true);
    expect(held.stderr).toMatch(
      /disable-cluster:12 — (held back|stays on): .*not connected: no token used within the hour \(token \d+ last used 50 h ago\)/,
    );
    expect(groupVariables(world, 'data').filter((v) => v.key === 'KUBE_CONTEXT')).toEqual([]);

    const done = await apply(world, path, ['--only', AGENT]);
    expect(done.code, done.stderr).toBe(0);
    expect(enabled(world, 12)).toBe(false);
  });
});

describe('a context that reaches another cluster is not trusted', () => {
  const AGENT = 'data/gitlab-agents:ml-gke';
  const ML = 'https://gke-ml.kestrel.test';
  const DATA = 'https://k8s-data.kestrel.test:6443';

  it('refuses before installing anything; the right context cuts over', async () => {
    world = await startWorld(demoFixture());
    const { path } = await planIn(world);
    const wrong = world.contextFor(DATA);
    const before = world.mark();
    const held = await apply(world, path, ['--only', AGENT, '--context-for', `11=${wrong}`]);
    // refused before the first write: one line, nothing anywhere
    expect(held.code, held.stderr).toBe(1);
    expect(isOneClearLine(held.stderr), held.stderr).toBe(true);
    expect(world.mutations(before)).toEqual([]);
    expect(enabled(world, 11)).toBe(true);
    expect(held.stderr).toMatch(
      new RegExp(
        `kube context "${wrong}" reaches .*, not .* \\(certificate cluster 11\\).*cannot read kube-system through the cluster's own API URL.*--same-cluster 11`,
      ),
    );
    expect(groupVariables(world, 'data/ml')).toEqual([]);

    const done = await apply(world, path, [
      '--only',
      AGENT,
      '--context-for',
      `11=${world.contextFor(ML)}`,
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(enabled(world, 11)).toBe(false);
  });
});
