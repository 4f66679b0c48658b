// Delivery of agent configuration files over real HTTP against the GitLab simulator (demo instance):
// commit, merge-request and files modes, idempotent re-runs checked on the request log, dry runs,
// project creation and the errors people without the needed role get.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverConfig, type DeliveryRequest } from '../../src/config-delivery/deliver.js';
import { ensureAgentProject } from '../../src/config-delivery/ensure-project.js';
import { projectInfo } from '../../src/gitlab/projects.js';
import { readConfigFiles } from '../../src/gitlab/repository-files.js';
import { UserError } from '../../src/errors.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { adminApiToken, demoFixture, testClient, tokenOf } from '../helpers/gitlab.js';

const CONFIG = '.gitlab/agents/prod-eu/config.yaml';
const TEMPLATE = '.gitlab/agents/prod-eu/environment_templates/default.yaml';

function request(project: string, overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    project,
    agentName: 'prod-eu',
    files: [
      { path: CONFIG, content: 'ci_access:\n  groups:\n    - id: platform\n' },
      { path: TEMPLATE, content: 'environment:\n  kubernetes:\n    namespace: x\n' },
    ],
    commitMessage: 'Configure GitLab agent prod-eu (migrate-clusters)',
    mergeRequestTitle: 'Configure GitLab agent prod-eu',
    mergeRequestDescription: 'Replaces certificate-based clusters:\n- prod-eu (id 3)',
    ...overrides,
  };
}

const mutating = (sim: GitLabSimulator) =>
  sim.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  const e = error as UserError;
  expect(e.message).not.toContain('\n');
  return e;
}

let fixture: GitLabFixture;
let sim: GitLabSimulator;
let admin: GitLabClient;
let mara: GitLabClient;
let tomas: GitLabClient;
beforeEach(async () => {
  fixture = demoFixture();
  sim = await startGitLabSimulator({ fixture });
  admin = testClient(sim.url, adminApiToken(fixture));
  // mara: Owner of platform; tomas: Developer in payments/checkout
  mara = testClient(
    sim.url,
    tokenOf(fixture, (t) => t.user === 'mara'),
  );
  tomas = testClient(
    sim.url,
    tokenOf(fixture, (t) => t.user === 'tomas'),
  );
});
afterEach(async () => {
  await sim.close();
});

describe('ensureAgentProject', () => {
  it('creates the shared project once, with a README on main', async () => {
    const first = await ensureAgentProject(mara, 'platform/gitlab-agents');
    expect(first.created).toBe(true);
    const shown = await admin.projects.show('platform/gitlab-agents');
    expect(shown.id).toBe(first.projectId);
    expect(await readConfigFiles(mara, 'platform/gitlab-agents', ['README.md'])).toEqual({
      'README.md': '# gitlab-agents\n',
    });

    // what creation reports is what GitLab shows afterwards (apply reads no more of it)
    const live = await projectInfo(mara, 'platform/gitlab-agents');
    expect(first.info).toEqual(live);
    expect(live).toMatchObject({ defaultBranch: 'main', emptyRepo: false });
    sim.clearRequests();
    expect(await ensureAgentProject(mara, 'platform/gitlab-agents')).toEqual({
      created: false,
      projectId: first.projectId,
      info: live,
    });
    expect(mutating(sim)).toEqual([]);
  });

  it('only decides in a dry run', async () => {
    sim.clearRequests();
    expect(await ensureAgentProject(mara, 'payments/gitlab-agents', { dryRun: true })).toEqual({
      created: true,
      projectId: null,
      info: null,
    });
    expect(mutating(sim)).toEqual([]);
    expect(await readConfigFiles(mara, 'payments/gitlab-agents', [CONFIG])).toEqual({
      [CONFIG]: null,
    });
  });

  it('says clearly when the group refuses or does not exist', async () => {
    const refused = await rejection(ensureAgentProject(tomas, 'payments/gitlab-agents'));
    expect(refused.message).toBe(
      "This token's user may not create projects in payments, so payments/gitlab-agents cannot be created.",
    );
    expect(refused.hint).toContain('Developer role');
    const noGroup = await rejection(ensureAgentProject(admin, 'nope/gitlab-agents'));
    expect(noGroup.message).toContain('the group nope does not exist');
    const topLevel = await rejection(ensureAgentProject(admin, 'gitlab-agents'));
    expect(topLevel.message).toContain('must be inside a group');
    expect(mutating(sim).filter((r) => r.status < 300)).toEqual([]);
  });
});

describe('deliverConfig via commit', () => {
  const project = 'platform/infrastructure/cluster-management';

  it('commits what is missing, then nothing on a re-run', async () => {
    const first = await deliverConfig(mara, request(project), { via: 'commit' });
    expect(first).toMatchObject({
      via: 'commit',
      changed: true,
      branch: 'main',
      files: [
        { path: CONFIG, action: 'create' },
        { path: TEMPLATE, action: 'create' },
      ],
      mergeRequest: null,
    });
    expect(first.commitId).toBe((await admin.branches.show(project, 'main')).commit.id);
    const req = request(project);
    expect(await readConfigFiles(mara, project, [CONFIG, TEMPLATE])).toEqual({
      [CONFIG]: req.files[0]?.content,
      [TEMPLATE]: req.files[1]?.content,
    });

    sim.clearRequests();
    const again = await deliverConfig(mara, request(project), { via: 'commit' });
    expect(again).toMatchObject({ changed: false, commitId: null, calls: [] });
    expect(again.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect(mutating(sim)).toEqual([]);

    // one file changed: only it is committed, guarded by the commit that last changed it
    const changed = request(project);
    (changed.files[0] as { content: string }).content += '    - id: platform/observability\n';
    const update = await deliverConfig(mara, changed, { via: 'commit' });
    expect(update.files.map((f) => f.action)).toEqual(['update', 'unchanged']);
    const commits = mutating(sim);
    expect(commits.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /api/v4/projects/${encodeURIComponent(project)}/repository/commits`,
    ]);
    expect(commits[0]?.bodyJson).toMatchObject({
      branch: 'main',
      actions: [{ action: 'update', file_path: CONFIG, last_commit_id: first.commitId }],
    });
  });

  it('gives a Developer one clear error: the default branch needs a Maintainer', async () => {
    const project2 = 'payments/checkout/checkout-web';
    const error = await rejection(deliverConfig(tomas, request(project2), { via: 'commit' }));
    expect(error.message).toBe(`GitLab refused committing to main of ${project2} (403 Forbidden).`);
    expect(error.hint).toContain(`Maintainer role on ${project2}`);
    expect(error.hint).toContain('--config-via merge-request');
    expect(await readConfigFiles(admin, project2, [CONFIG])).toEqual({ [CONFIG]: null });
    // while a merge request is within a Developer's rights
    const viaMr = await deliverConfig(tomas, request(project2), { via: 'merge-request' });
    expect(viaMr.mergeRequest?.created).toBe(true);
  });

  it('refuses a missing project, and plans on it in a dry run', async () => {
    const missing = await rejection(
      deliverConfig(mara, request('platform/gitlab-agents'), { via: 'commit' }),
    );
    expect(missing.message).toBe(
      'The agent configuration project platform/gitlab-agents does not exist, or this token cannot see it.',
    );
    sim.clearRequests();
    const planned = await deliverConfig(mara, request('platform/gitlab-agents'), {
      via: 'commit',
      dryRun: true,
    });
    expect(planned.changed).toBe(true);
    expect(planned.files.map((f) => f.action)).toEqual(['create', 'create']);
    expect(planned.notes).toEqual([
      'platform/gitlab-agents does not exist yet; apply creates it first.',
    ]);
    expect(mutating(sim)).toEqual([]);
  });

  it('plans a merge request on a project apply will create, as the real run then does', async () => {
    const project = 'platform/gitlab-agents';
    const planned = await deliverConfig(mara, request(project), {
      via: 'merge-request',
      dryRun: true,
    });
    expect(mutating(sim)).toEqual([]);
    expect(planned).toMatchObject({ branch: 'migrate-clusters/prod-eu', mergeRequest: null });
    expect(planned.calls.map((c) => c.method)).toEqual(['POST', 'POST']);
    await ensureAgentProject(mara, project);
    const real = await deliverConfig(mara, request(project), { via: 'merge-request' });
    expect(real.calls).toEqual(planned.calls);
    expect(real.files).toEqual(planned.files);
    expect(real.mergeRequest?.created).toBe(true);
  });
});

describe('deliverConfig via merge-request', () => {
  const project = 'platform/infrastructure/clusters/prod-eu';
  const branch = 'migrate-clusters/prod-eu';

  it('opens one merge request, re-runs change nothing, and later runs update it', async () => {
    const first = await deliverConfig(mara, request(project), { via: 'merge-request' });
    expect(first).toMatchObject({
      changed: true,
      branch,
      files: [
        { path: CONFIG, action: 'create' },
        { path: TEMPLATE, action: 'create' },
      ],
      mergeRequest: {
        iid: 1,
        webUrl: `${sim.url}/${project}/-/merge_requests/1`,
        created: true,
        updated: false,
      },
    });
    // the default branch is untouched until someone merges
    expect(await readConfigFiles(admin, project, [CONFIG])).toEqual({ [CONFIG]: null });
    expect((await readConfigFiles(admin, project, [CONFIG], branch))[CONFIG]).toBe(
      request(project).files[0]?.content,
    );
    const mr = await admin.mergeRequests.show(project, 1);
    expect(mr).toMatchObject({
      source_branch: branch,
      target_branch: 'main',
      title: 'Configure GitLab agent prod-eu',
      description: request(project).mergeRequestDescription,
      force_remove_source_branch: true,
    });

    sim.clearRequests();
    const again = await deliverConfig(mara, request(project), { via: 'merge-request' });
    expect(again).toMatchObject({
      changed: false,
      commitId: null,
      calls: [],
      mergeRequest: { iid: 1, created: false, updated: false },
    });
    expect(again.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect(mutating(sim)).toEqual([]);

    // a new cluster list: only the description changes
    const described = request(project, {
      mergeRequestDescription:
        'Replaces certificate-based clusters:\n- prod-eu (id 3)\n- prod-eu-2 (id 9)',
    });
    const updated = await deliverConfig(mara, described, { via: 'merge-request' });
    expect(updated.mergeRequest).toMatchObject({ iid: 1, created: false, updated: true });
    expect(mutating(sim).map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /api/v4/projects/${encodeURIComponent(project)}/merge_requests/1`,
    ]);
    expect((await admin.mergeRequests.show(project, 1)).description).toBe(
      described.mergeRequestDescription,
    );

    // new content: one more commit on the existing branch, still one merge request
    sim.clearRequests();
    const changed = request(project, {
      mergeRequestDescription: described.mergeRequestDescription,
    });
    (changed.files[1] as { content: string }).content = 'environment: {}\n';
    const third = await deliverConfig(mara, changed, { via: 'merge-request' });
    expect(third.files.map((f) => f.action)).toEqual(['unchanged', 'update']);
    const writes = mutating(sim);
    expect(writes.map((r) => r.method)).toEqual(['POST']);
    expect(writes[0]?.bodyJson).toMatchObject({ branch });
    expect(writes[0]?.bodyJson).not.toHaveProperty('start_branch');
    const open = await admin.mergeRequests.all({ projectId: project, state: 'opened' });
    expect(open.map((m) => m.iid)).toEqual([1]);
  });

  it('has nothing left to do once a maintainer merged the merge request', async () => {
    const first = await deliverConfig(mara, request(project), { via: 'merge-request' });
    await admin.mergeRequests.merge(project, first.mergeRequest?.iid ?? 0);
    expect((await readConfigFiles(admin, project, [CONFIG]))[CONFIG]).toBe(
      request(project).files[0]?.content,
    );
    sim.clearRequests();
    const after = await deliverConfig(mara, request(project), { via: 'merge-request' });
    expect(after).toMatchObject({ changed: false, branch: 'main', mergeRequest: null, calls: [] });
    expect(mutating(sim)).toEqual([]);
  });

  it('does nothing when the default branch already holds the files', async () => {
    await deliverConfig(mara, request(project), { via: 'commit' });
    sim.clearRequests();
    const result = await deliverConfig(mara, request(project), { via: 'merge-request' });
    expect(result).toMatchObject({ changed: false, branch: 'main', mergeRequest: null });
    expect(mutating(sim)).toEqual([]);
    expect((await admin.branches.all(project)).map((b) => b.name)).toEqual(['main']);
  });

  it('commits straight to main when the repository is empty (no branch to target)', async () => {
    const empty = await admin.projects.create({ path: 'empty-agents', namespaceId: 10 });
    const result = await deliverConfig(admin, request(empty.path_with_namespace), {
      via: 'merge-request',
    });
    expect(result).toMatchObject({ changed: true, branch: 'main', mergeRequest: null });
    expect(result.notes[0]).toContain('has no commits yet');
    expect(
      (await readConfigFiles(admin, empty.path_with_namespace, [CONFIG]))[CONFIG],
    ).not.toBeNull();
  });
});

describe('dry runs', () => {
  it('report the calls the real run then makes, and make none of them', async () => {
    for (const via of ['commit', 'merge-request'] as const) {
      const project =
        via === 'commit'
          ? 'platform/observability/alert-rules'
          : 'platform/observability/grafana-dashboards';
      sim.clearRequests();
      const planned = await deliverConfig(mara, request(project), { via, dryRun: true });
      expect(mutating(sim)).toEqual([]);
      expect(planned.changed).toBe(true);
      expect(planned.mergeRequest).toBeNull();
      expect(await readConfigFiles(admin, project, [CONFIG])).toEqual({ [CONFIG]: null });

      sim.clearRequests();
      const real = await deliverConfig(mara, request(project), { via });
      expect(real.files).toEqual(planned.files);
      expect(real.calls).toEqual(planned.calls);
      expect(mutating(sim).map((r) => `${r.method} ${r.path}`)).toEqual(
        planned.calls.map((c) => `${c.method} /api/v4${c.path}`),
      );
    }
  });
});

describe('deliverConfig via files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deliver-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the tree under the project path, and nothing on a re-run', async () => {
    const project = 'platform/gitlab-agents';
    const target = join(dir, project, CONFIG);
    const planned = await deliverConfig(null, request(project), {
      via: 'files',
      outDir: dir,
      dryRun: true,
    });
    expect(planned.files.map((f) => f.action)).toEqual(['create', 'create']);
    expect(planned.writtenPaths).toEqual([]);
    await expect(stat(target)).rejects.toThrow();

    const first = await deliverConfig(null, request(project), { via: 'files', outDir: dir });
    expect(first.writtenPaths).toEqual([target, join(dir, project, TEMPLATE)]);
    expect(await readFile(target, 'utf8')).toBe(request(project).files[0]?.content);
    const before = (await stat(target)).mtimeMs;

    const again = await deliverConfig(null, request(project), { via: 'files', outDir: dir });
    expect(again).toMatchObject({ changed: false, writtenPaths: [] });
    expect(again.files.map((f) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect((await stat(target)).mtimeMs).toBe(before);
    expect(sim.requests).toEqual([]);
  });

  it('needs an output directory', async () => {
    const error = await rejection(deliverConfig(null, request('a/b'), { via: 'files' }));
    expect(error.hint).toContain('--out-dir');
  });
});

describe('readConfigFiles', () => {
  it('reads null for a missing project, a missing file and an empty repository', async () => {
    expect(await readConfigFiles(admin, 'platform/nope', [CONFIG])).toEqual({ [CONFIG]: null });
    expect(await readConfigFiles(admin, 'platform/ci-templates', [CONFIG, 'README.md'])).toEqual({
      [CONFIG]: null,
      'README.md': '# CI Templates\n',
    });
    const empty = await admin.projects.create({ path: 'blank', namespaceId: 10 });
    expect(await readConfigFiles(admin, empty.path_with_namespace, [CONFIG])).toEqual({
      [CONFIG]: null,
    });
  });
});
