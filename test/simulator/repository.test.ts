// The simulator's repository, merge-request and project-creation routes, over HTTP: through real
// gitbeaker where it has a method, and with plain fetch where the exact status and body matter.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { httpFailure } from '../../src/gitlab/errors.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { loadFixture } from '../../src/simulator/gitlab/load-fixture.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { testClient } from '../helpers/gitlab.js';
import { call } from './helpers.js';
import { smallFixture, TOKENS } from './small-fixture.js';

const GUEST_TOKEN = 'glpat-test-guest-api-000000000000';
const CONFIG = '.gitlab/agents/web/config.yaml';
const CONFIG_TEXT = 'ci_access:\n  projects:\n    - id: acme/web\n';

/** The small instance plus repository content and a Guest on the private acme/payments/api. */
function fixture(): GitLabFixture {
  const f = smallFixture();
  f.users.push({ id: 9, username: 'guest', name: 'Gus Guest', admin: false });
  f.tokens.push({ token: GUEST_TOKEN, user: 'guest', scopes: ['api'] });
  f.members.push({ user: 'guest', source: 'acme/payments/api', access_level: 10 });
  f.repositories = [
    { project: 'acme/web', files: { [CONFIG]: CONFIG_TEXT } },
    { project: 'acme/web', branch: 'feature', files: { 'docs/notes.md': 'notes\n' } },
  ];
  return f;
}

const gitBlobId = (text: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0${text}`)
    .digest('hex');

const enc = encodeURIComponent;
const mutating = (sim: GitLabSimulator) =>
  sim.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

async function failureOf(
  promise: Promise<unknown>,
): Promise<{ status: number; description: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  const failure = httpFailure(error);
  if (!failure) throw new Error(`expected an HTTP failure, got ${String(error)}`);
  return failure;
}

// each test gets its own simulator: repositories are mutable state
let sim: GitLabSimulator;
let admin: GitLabClient;
let dev: GitLabClient;
let maria: GitLabClient;
beforeEach(async () => {
  sim = await startGitLabSimulator({ fixture: fixture() });
  admin = testClient(sim.url, TOKENS.adminApi);
  dev = testClient(sim.url, TOKENS.developerApi);
  maria = testClient(sim.url, TOKENS.maintainerApi);
});
afterEach(async () => {
  await sim.close();
});

describe('repository files', () => {
  it('reads a fixture file with git-compatible ids and the commit that last changed it', async () => {
    const file = await admin.repositoryFiles.show('acme/web', CONFIG, 'main');
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toBe(CONFIG_TEXT);
    expect(file.blob_id).toBe(gitBlobId(CONFIG_TEXT));
    expect(file.content_sha256).toBe(createHash('sha256').update(CONFIG_TEXT).digest('hex'));
    expect(file).toMatchObject({
      file_name: 'config.yaml',
      file_path: CONFIG,
      size: Buffer.byteLength(CONFIG_TEXT),
      encoding: 'base64',
      ref: 'main',
    });
    const branch = await admin.branches.show('acme/web', 'main');
    expect(file.commit_id).toBe(branch.commit.id);
    expect(file.last_commit_id).toBe(branch.commit.id);
    // every fixture project starts with a README
    const readme = await admin.repositoryFiles.show('acme/payments/api', 'README.md', 'master');
    expect(Buffer.from(readme.content, 'base64').toString()).toBe('# API\n');
  });

  it('keeps branch content apart and answers GitLab 404s', async () => {
    const onFeature = await admin.repositoryFiles.show('acme/web', 'docs/notes.md', 'feature');
    expect(Buffer.from(onFeature.content, 'base64').toString()).toBe('notes\n');
    const file = await call(
      sim,
      `/projects/acme%2Fweb/repository/files/${enc('docs/notes.md')}?ref=main`,
      {
        token: TOKENS.adminApi,
      },
    );
    expect([file.status, file.json]).toEqual([404, { message: '404 File Not Found' }]);
    const ref = await call(sim, `/projects/10/repository/files/README.md?ref=nope`, {
      token: TOKENS.adminApi,
    });
    expect([ref.status, ref.json]).toEqual([404, { message: '404 Commit Not Found' }]);
    const project = await call(sim, `/projects/acme%2Fnope/repository/files/README.md?ref=main`, {
      token: TOKENS.adminApi,
    });
    expect([project.status, project.json]).toEqual([404, { message: '404 Project Not Found' }]);
    const noRef = await call(sim, `/projects/10/repository/files/README.md`, {
      token: TOKENS.adminApi,
    });
    expect([noRef.status, noRef.json]).toEqual([400, { error: 'ref is missing' }]);
  });

  it('serves /raw and HEAD with the X-Gitlab-* headers', async () => {
    expect(await admin.repositoryFiles.showRaw('acme/web', CONFIG, 'main')).toBe(CONFIG_TEXT);
    const head = await fetch(
      `${sim.url}/api/v4/projects/10/repository/files/${enc(CONFIG)}?ref=main`,
      { method: 'HEAD', headers: { 'PRIVATE-TOKEN': TOKENS.adminApi } },
    );
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('x-gitlab-blob-id')).toBe(gitBlobId(CONFIG_TEXT));
    expect(head.headers.get('x-gitlab-file-path')).toBe(CONFIG);
  });

  it('needs Reporter to read the code of a private project', async () => {
    const guest = await call(sim, `/projects/11/repository/files/README.md?ref=master`, {
      token: GUEST_TOKEN,
    });
    expect([guest.status, guest.json]).toEqual([403, { message: '403 Forbidden' }]);
    const stranger = await call(sim, `/projects/13/repository/files/README.md?ref=main`, {
      token: TOKENS.developerApi,
    });
    expect([stranger.status, stranger.json]).toEqual([404, { message: '404 Project Not Found' }]);
  });
});

describe('commits', () => {
  it('creates a branch with a commit, then updates a file guarded by last_commit_id', async () => {
    const first = await dev.commits.create(
      'acme/web',
      'add-config',
      'Add agent config',
      [{ action: 'create', filePath: '.gitlab/agents/x/config.yaml', content: 'a: 1\nb: 2\n' }],
      { startBranch: 'main' },
    );
    const main = await admin.branches.show('acme/web', 'main');
    expect(first.parent_ids).toEqual([main.commit.id]);
    expect(first.stats).toEqual({ additions: 2, deletions: 0, total: 2 });
    expect(first.title).toBe('Add agent config');
    expect(first.author_name).toBe('Dev Eloper');

    const read = await dev.repositoryFiles.show(
      'acme/web',
      '.gitlab/agents/x/config.yaml',
      'add-config',
    );
    expect(read.last_commit_id).toBe(first.id);
    const second = await dev.commits.create('acme/web', 'add-config', 'Change b', [
      {
        action: 'update',
        filePath: '.gitlab/agents/x/config.yaml',
        content: 'a: 1\nb: 3\n',
        lastCommitId: read.last_commit_id,
      },
    ]);
    expect(second.parent_ids).toEqual([first.id]);
    expect(second.stats).toEqual({ additions: 1, deletions: 1, total: 2 });
    // the default branch did not move
    expect((await admin.branches.show('acme/web', 'main')).commit.id).toBe(main.commit.id);

    const stale = await failureOf(
      dev.commits.create('acme/web', 'add-config', 'Stale', [
        {
          action: 'update',
          filePath: '.gitlab/agents/x/config.yaml',
          content: 'x\n',
          lastCommitId: first.id,
        },
      ]),
    );
    expect(stale).toEqual({
      status: 400,
      description:
        'The file has changed since you started editing it: .gitlab/agents/x/config.yaml',
    });
  });

  it("answers Gitaly's exact errors for create, update and delete", async () => {
    const body = (action: string, path: string) => ({
      branch: 'feature',
      commit_message: 'm',
      actions: [{ action, file_path: path, content: 'x' }],
    });
    const post = (b: unknown) =>
      call(sim, '/projects/10/repository/commits', {
        token: TOKENS.developerApi,
        method: 'POST',
        body: b,
      });
    expect((await post(body('create', 'README.md'))).json).toEqual({
      message: 'A file with this name already exists',
    });
    expect((await post(body('update', 'missing.txt'))).json).toEqual({
      message: "A file with this name doesn't exist",
    });
    const deleted = await post(body('delete', 'missing.txt'));
    expect([deleted.status, deleted.json]).toEqual([
      400,
      { message: "A file with this name doesn't exist" },
    ]);
    const noBranch = await post({ ...body('create', 'n.txt'), branch: 'nowhere' });
    expect(noBranch.json).toEqual({
      message: 'You can only create or edit files when you are on a branch',
    });
    const exists = await post({ ...body('create', 'n.txt'), start_branch: 'main' });
    expect(exists.json).toEqual({
      message:
        "A branch called 'feature' already exists. Switch to that branch in order to make changes",
    });
    const missing = await post({});
    expect([missing.status, missing.json]).toEqual([
      400,
      { error: 'branch is missing, commit_message is missing, actions is missing' },
    ]);
    const badAction = await post({ ...body('rename', 'n.txt') });
    expect(badAction.json).toEqual({ error: 'actions[0][action] does not have a valid value' });
    // none of the refused commits moved the branch
    const feature = await admin.branches.show('acme/web', 'feature');
    expect(feature.commit.message).toBe('Add files to feature');
  });

  it('protects the default branch: Developers get 403, Maintainers may push', async () => {
    const refused = await failureOf(
      dev.commits.create('acme/web', 'main', 'Direct', [
        { action: 'create', filePath: 'direct.txt', content: 'x' },
      ]),
    );
    expect(refused).toEqual({
      status: 403,
      description: '403 Forbidden - You are not allowed to push into this branch',
    });
    const pushed = await maria.commits.create('acme/payments/api', 'master', 'Direct', [
      { action: 'create', filePath: 'direct.txt', content: 'x' },
    ]);
    expect((await maria.branches.show('acme/payments/api', 'master')).commit.id).toBe(pushed.id);
    const guest = await call(sim, '/projects/11/repository/commits', {
      token: GUEST_TOKEN,
      method: 'POST',
      body: { branch: 'x', start_branch: 'master', commit_message: 'm', actions: [] },
    });
    expect(guest.status).toBe(403);
  });

  it('accepts form bodies with bracketed action keys', async () => {
    const form = new URLSearchParams({
      branch: 'from-form',
      start_branch: 'main',
      commit_message: 'Form commit',
      'actions[0][action]': 'create',
      'actions[0][file_path]': 'form.txt',
      'actions[0][content]': 'from a form\n',
    });
    const res = await fetch(`${sim.url}/api/v4/projects/10/repository/commits`, {
      method: 'POST',
      headers: {
        'PRIVATE-TOKEN': TOKENS.developerApi,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    });
    expect(res.status).toBe(201);
    expect(await admin.repositoryFiles.showRaw('acme/web', 'form.txt', 'from-form')).toBe(
      'from a form\n',
    );
  });
});

describe('branches', () => {
  it('creates, lists and shows branches with GitLab errors', async () => {
    const created = await dev.branches.create('acme/web', 'migrate-clusters/web', 'main');
    expect(created).toMatchObject({
      name: 'migrate-clusters/web',
      default: false,
      protected: false,
    });
    const main = await admin.branches.show('acme/web', 'main');
    expect(created.commit.id).toBe(main.commit.id);
    expect(main).toMatchObject({ default: true, protected: true, can_push: true });
    expect((await dev.branches.show('acme/web', 'main')).can_push).toBe(false);
    const names = (await admin.branches.all('acme/web')).map((b) => b.name);
    expect(names).toEqual(['feature', 'main', 'migrate-clusters/web']);
    expect((await admin.branches.show('acme/web', 'migrate-clusters/web')).merged).toBe(true);

    const again = await call(sim, '/projects/10/repository/branches', {
      token: TOKENS.developerApi,
      method: 'POST',
      body: { branch: 'feature', ref: 'main' },
    });
    expect([again.status, again.json]).toEqual([400, { message: 'Branch already exists' }]);
    const badRef = await call(sim, '/projects/10/repository/branches', {
      token: TOKENS.developerApi,
      method: 'POST',
      body: { branch: 'other', ref: 'nope' },
    });
    expect(badRef.json).toEqual({
      message: "Failed to create branch 'other': invalid reference name 'nope'",
    });
    const missing = await call(sim, `/projects/10/repository/branches/${enc('no/such')}`, {
      token: TOKENS.adminApi,
    });
    expect([missing.status, missing.json]).toEqual([404, { message: '404 Branch Not Found' }]);
  });
});

describe('merge requests', () => {
  it('creates one per source branch, answers 409 for a second, lists and updates', async () => {
    await dev.branches.create('acme/web', 'topic', 'main');
    await dev.commits.create('acme/web', 'topic', 'Topic', [
      { action: 'create', filePath: 'topic.txt', content: 't\n' },
    ]);
    const mr = await dev.mergeRequests.create('acme/web', 'topic', 'main', 'Add topic', {
      description: 'Replaces clusters 1 and 2',
    });
    expect(mr).toMatchObject({
      iid: 1,
      state: 'opened',
      source_branch: 'topic',
      target_branch: 'main',
      description: 'Replaces clusters 1 and 2',
      web_url: `${sim.url}/acme/web/-/merge_requests/1`,
      references: { full: 'acme/web!1' },
    });
    expect(mr.author.username).toBe('dev');

    const second = await call(sim, '/projects/acme%2Fweb/merge_requests', {
      token: TOKENS.developerApi,
      method: 'POST',
      body: { source_branch: 'topic', target_branch: 'main', title: 'Again' },
    });
    expect([second.status, second.json]).toEqual([
      409,
      { message: ['Another open merge request already exists for this source branch: !1'] },
    ]);
    const noBranch = await call(sim, '/projects/10/merge_requests', {
      token: TOKENS.developerApi,
      method: 'POST',
      body: { source_branch: 'ghost', target_branch: 'main', title: 'Ghost' },
    });
    expect([noBranch.status, noBranch.json]).toEqual([
      422,
      { message: ['Source branch "ghost" does not exist'] },
    ]);

    const open = await admin.mergeRequests.all({
      projectId: 'acme/web',
      sourceBranch: 'topic',
      state: 'opened',
    });
    expect(open.map((m) => m.iid)).toEqual([1]);
    expect(
      await admin.mergeRequests.all({ projectId: 'acme/web', sourceBranch: 'feature' }),
    ).toEqual([]);

    const edited = await dev.mergeRequests.edit('acme/web', 1, {
      description: 'Now three clusters',
    });
    expect(edited.description).toBe('Now three clusters');
    expect((await admin.mergeRequests.show('acme/web', 1)).description).toBe('Now three clusters');
    await dev.mergeRequests.edit('acme/web', 1, { stateEvent: 'close' });
    // closed: the branch is free for a new one
    const next = await dev.mergeRequests.create('acme/web', 'topic', 'main', 'Retry');
    expect(next.iid).toBe(2);
    const closed = await admin.mergeRequests.all({ projectId: 'acme/web', state: 'closed' });
    expect(closed.map((m) => m.iid)).toEqual([1]);

    const unknown = await call(sim, '/projects/10/merge_requests/99', { token: TOKENS.adminApi });
    expect([unknown.status, unknown.json]).toEqual([404, { message: '404 Not found' }]);
    const guest = await call(sim, '/projects/11/merge_requests', {
      token: GUEST_TOKEN,
      method: 'POST',
      body: { source_branch: 'a', target_branch: 'master', title: 't' },
    });
    expect(guest.status).toBe(403);
  });
});

describe('merging', () => {
  it('merges into the protected default branch for Maintainers only, once', async () => {
    await dev.commits.create(
      'acme/web',
      'agent',
      'Add agent config',
      [{ action: 'update', filePath: CONFIG, content: 'ci_access: {}\n' }],
      { startBranch: 'main' },
    );
    await dev.mergeRequests.create('acme/web', 'agent', 'main', 'Agent', {
      removeSourceBranch: true,
    });
    const byDev = await call(sim, '/projects/10/merge_requests/1/merge', {
      token: TOKENS.developerApi,
      method: 'PUT',
    });
    expect([byDev.status, byDev.json]).toEqual([401, { message: '401 Unauthorized' }]);

    const merged = await admin.mergeRequests.merge('acme/web', 1);
    expect(merged).toMatchObject({ state: 'merged', merged_by: { username: 'root' } });
    expect(await admin.repositoryFiles.showRaw('acme/web', CONFIG, 'main')).toBe('ci_access: {}\n');
    const main = await admin.branches.show('acme/web', 'main');
    expect(main.commit.id).toBe(merged.merge_commit_sha);
    expect(main.commit.parent_ids).toHaveLength(2);
    // force_remove_source_branch: the branch is gone
    const gone = await call(sim, '/projects/10/repository/branches/agent', {
      token: TOKENS.adminApi,
    });
    expect(gone.status).toBe(404);
    const twice = await call(sim, '/projects/10/merge_requests/1/merge', {
      token: TOKENS.adminApi,
      method: 'PUT',
    });
    expect([twice.status, twice.json]).toEqual([405, { message: '405 Method Not Allowed' }]);
  });

  it('refuses to merge when both sides changed a file', async () => {
    await dev.commits.create(
      'acme/web',
      'left',
      'Left',
      [{ action: 'update', filePath: CONFIG, content: 'left\n' }],
      { startBranch: 'main' },
    );
    await dev.mergeRequests.create('acme/web', 'left', 'main', 'Left');
    await admin.commits.create('acme/web', 'main', 'Right', [
      { action: 'update', filePath: CONFIG, content: 'right\n' },
    ]);
    const conflict = await call(sim, '/projects/10/merge_requests/1/merge', {
      token: TOKENS.adminApi,
      method: 'PUT',
    });
    expect([conflict.status, conflict.json]).toEqual([406, { message: 'Branch cannot be merged' }]);
  });
});

describe('project creation', () => {
  it('creates an empty project in a group that every project route then sees', async () => {
    const created = await dev.projects.create({
      name: 'gitlab-agents',
      path: 'gitlab-agents',
      namespaceId: 1,
    });
    expect(created).toMatchObject({
      path_with_namespace: 'acme/gitlab-agents',
      empty_repo: true,
      default_branch: 'main',
      visibility: 'private',
    });
    const shown = await admin.projects.show('acme/gitlab-agents');
    expect(shown.id).toBe(created.id);
    const inGroup = await admin.groups.allProjects('acme');
    expect(inGroup.map((p) => p.path)).toContain('gitlab-agents');
    // the Developer who created it sees it through the group membership
    expect((await dev.projects.show(created.id)).name).toBe('gitlab-agents');

    const empty = await call(sim, `/projects/${created.id}/repository/files/README.md?ref=main`, {
      token: TOKENS.adminApi,
    });
    expect([empty.status, empty.json]).toEqual([404, { message: '404 Commit Not Found' }]);
    expect(await admin.branches.all(created.id)).toEqual([]);

    const duplicate = await call(sim, '/projects', {
      token: TOKENS.adminApi,
      method: 'POST',
      body: { name: 'gitlab-agents', path: 'gitlab-agents', namespace_id: 1 },
    });
    expect([duplicate.status, duplicate.json]).toEqual([
      400,
      { message: { name: ['has already been taken'], path: ['has already been taken'] } },
    ]);
    const nameless = await call(sim, '/projects', {
      token: TOKENS.adminApi,
      method: 'POST',
      body: {},
    });
    expect(nameless.json).toEqual({
      error: 'name, path are missing, at least one parameter must be provided',
    });
  });

  it('refuses groups where the user may not create projects, and honours initialize_with_readme', async () => {
    // maria maintains acme/payments but has no role in acme itself
    const refused = await call(sim, '/projects', {
      token: TOKENS.maintainerApi,
      method: 'POST',
      body: { path: 'gitlab-agents', namespace_id: 1 },
    });
    expect([refused.status, refused.json]).toEqual([
      400,
      { message: { namespace: ['is not valid'] } },
    ]);
    const made = await maria.projects.create({
      path: 'agents',
      namespaceId: 2,
      initializeWithReadme: true,
    });
    expect(made).toMatchObject({ path_with_namespace: 'acme/payments/agents', empty_repo: false });
    const readme = await maria.repositoryFiles.show('acme/payments/agents', 'README.md', 'main');
    expect(Buffer.from(readme.content, 'base64').toString()).toBe('# agents\n');
  });

  it('makes the first commit of an empty repository its default branch', async () => {
    const p = await admin.projects.create({ path: 'fresh', namespaceId: 1 });
    const commit = await admin.commits.create(p.id, 'main', 'First', [
      { action: 'create', filePath: 'a.txt', content: 'a' },
    ]);
    expect(commit.parent_ids).toEqual([]);
    expect((await admin.projects.show(p.id)).empty_repo).toBe(false);
    expect((await admin.branches.show(p.id, 'main')).default).toBe(true);
  });

  it('records every mutating request in the request log', async () => {
    sim.clearRequests();
    await dev.branches.create('acme/web', 'logged', 'main');
    await dev.commits.create('acme/web', 'logged', 'm', [
      { action: 'create', filePath: 'l.txt', content: 'l' },
    ]);
    await dev.mergeRequests.create('acme/web', 'logged', 'main', 'Logged');
    await dev.mergeRequests.edit('acme/web', 1, { description: 'd' });
    await admin.projects.create({ path: 'logged', namespaceId: 1 });
    expect(mutating(sim).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /api/v4/projects/acme%2Fweb/repository/branches 201',
      'POST /api/v4/projects/acme%2Fweb/repository/commits 201',
      'POST /api/v4/projects/acme%2Fweb/merge_requests 201',
      'PUT /api/v4/projects/acme%2Fweb/merge_requests/1 200',
      'POST /api/v4/projects 201',
    ]);
    expect(mutating(sim)[1]?.bodyJson).toMatchObject({
      branch: 'logged',
      actions: [{ action: 'create', file_path: 'l.txt', content: 'l' }],
    });
  });
});

describe('fixture repositories', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-repos-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects entries for unknown projects and non-text files at load time', async () => {
    const unknown = fixture();
    unknown.repositories = [{ project: 'acme/nope', files: {} }];
    const file = join(dir, 'unknown.json');
    await writeFile(file, JSON.stringify(unknown));
    const error = await loadFixture(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      `Fixture ${file}: repositories[0] names project "acme/nope", which is not a project`,
    );

    const binary = fixture() as unknown as { repositories: { project: string; files: unknown }[] };
    binary.repositories = [{ project: 'acme/web', files: { 'a.bin': 42 } }];
    const file2 = join(dir, 'binary.json');
    await writeFile(file2, JSON.stringify(binary));
    const error2 = await loadFixture(file2).catch((e: unknown) => e);
    expect((error2 as UserError).message).toContain('repositories[0] has an invalid "files"');
  });
});
