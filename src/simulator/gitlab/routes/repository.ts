// Repository files, commits and branches (lib/api/files.rb, commits.rb, branches.rb and the services
// behind them). Reads need `read_code` (anyone who can see a public or internal project, Reporter+ on a
// private one). Writes need `push_code` on the branch: Developer+, and Maintainer+ on the default branch,
// which GitLab protects by default (default_branch_protection 2, "fully protected": developers can
// neither push to it nor make its first push).

import { canReadCode, DEVELOPER, MAINTAINER, projectMembershipLevel } from '../access.js';
import { projectWebUrl, type Json } from '../entities.js';
import {
  ApiError,
  forbidden,
  notFound,
  ok,
  paginate,
  paramMissing,
  type ApiResponse,
  type RequestContext,
} from '../http-kit.js';
import {
  applyActions,
  RepositoryError,
  type CommitRecord,
  type FileAction,
  type ProjectRepository,
} from '../repository-state.js';
import type { RouteDefinition } from '../router.js';
import { RequestParams } from '../request-params.js';
import type { ProjectRecord } from '../state.js';
import { findVisibleProject } from './projects.js';

export { DEVELOPER, REPORTER } from '../access.js';

/** `user_project` + `authorize_read_code!` */
export function readableRepository(ctx: RequestContext): {
  project: ProjectRecord;
  repository: ProjectRepository;
} {
  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  if (!canReadCode(ctx.state, ctx.user, project)) throw forbidden();
  return { project, repository: ctx.state.repositories.of(project) };
}

/** Gitlab::UserAccess#can_push_to_branch? with only the default branch protected. */
export function canPushToBranch(
  ctx: RequestContext,
  project: ProjectRecord,
  branch: string,
): boolean {
  const user = ctx.user;
  if (!user) return false;
  if (user.admin) return true;
  const level = projectMembershipLevel(ctx.state, user, project);
  return level >= (branch === project.defaultBranch ? MAINTAINER : DEVELOPER);
}

/** Gitlab::GitRefValidator.validate (git check-ref-format plus GitLab's own refusals). */
export function validBranchName(name: string): boolean {
  if (name === '' || name === 'HEAD' || name.startsWith('-') || name.startsWith('refs/'))
    return false;
  if (/[\s~^:?*[\\]/.test(name) || name.includes('..') || name.includes('@{')) return false;
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  if (name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock') || name.includes('//'))
    return false;
  return !name.split('/').some((s) => s.startsWith('.'));
}

/** Entities::Commit, or Entities::CommitDetail when `detail` says which extras to add. */
export function commitEntity(
  base: string,
  project: ProjectRecord,
  c: CommitRecord,
  detail?: { stats: boolean },
): Json {
  const o: Json = {
    id: c.id,
    short_id: c.id.slice(0, 8),
    created_at: c.createdAt,
    parent_ids: c.parentIds,
    title: c.message.split('\n')[0] ?? '',
    message: c.message,
    author_name: c.authorName,
    author_email: c.authorEmail,
    authored_date: c.createdAt,
    committer_name: c.authorName,
    committer_email: c.authorEmail,
    committed_date: c.createdAt,
    trailers: {},
    extended_trailers: {},
    web_url: `${projectWebUrl(base, project)}/-/commit/${c.id}`,
  };
  if (detail) {
    if (detail.stats) o['stats'] = { ...c.stats };
    o['status'] = null;
    o['project_id'] = project.id;
    o['last_pipeline'] = null;
  }
  return o;
}

function branchEntity(
  ctx: RequestContext,
  project: ProjectRecord,
  repository: ProjectRepository,
  name: string,
  head: CommitRecord,
): Json {
  const isDefault = name === project.defaultBranch;
  const defaultHead = repository.branches.get(project.defaultBranch);
  return {
    name,
    commit: commitEntity(ctx.baseUrl, project, head),
    merged: !isDefault && defaultHead != null && repository.reachable(defaultHead, head),
    protected: isDefault,
    // ProtectedBranch.developers_can?: false for unprotected branches too (no matching rule)
    developers_can_push: false,
    developers_can_merge: false,
    can_push: canPushToBranch(ctx, project, name),
    default: isDefault,
    web_url: `${projectWebUrl(ctx.baseUrl, project)}/-/tree/${name}`,
  };
}

function fileHeaders(
  filePath: string,
  ref: string,
  commit: CommitRecord,
  repository: ProjectRepository,
): Record<string, string> {
  const blob = commit.tree.get(filePath);
  const last = repository.lastCommitFor(commit, filePath);
  if (!blob || !last) throw notFound('File');
  return {
    'X-Gitlab-Blob-Id': blob.id,
    'X-Gitlab-Commit-Id': commit.id,
    'X-Gitlab-Content-Sha256': blob.sha256,
    'X-Gitlab-Encoding': 'base64',
    'X-Gitlab-Execute-Filemode': 'false',
    'X-Gitlab-File-Name': filePath.split('/').pop() ?? filePath,
    'X-Gitlab-File-Path': filePath,
    'X-Gitlab-Last-Commit-Id': last.id,
    'X-Gitlab-Ref': ref,
    'X-Gitlab-Size': String(blob.content.length),
  };
}

/** GET|HEAD /projects/:id/repository/files/:file_path[/raw] */
function getFile(raw: boolean) {
  return (ctx: RequestContext): ApiResponse => {
    const { project, repository } = readableRepository(ctx);
    const filePath = ctx.params['file_path'] ?? '';
    const ref = ctx.query.get('ref') ?? (raw ? project.defaultBranch : null);
    if (ref == null) throw paramMissing('ref');
    const commit = repository.resolve(ref);
    if (!commit) throw notFound('Commit');
    const headers = fileHeaders(filePath, ref, commit, repository);
    const blob = commit.tree.get(filePath);
    if (!blob) throw notFound('File');
    if (raw) {
      return {
        status: 200,
        text: blob.content.toString('utf8'),
        contentType: 'text/plain; charset=utf-8',
        headers,
      };
    }
    return {
      status: 200,
      headers,
      json: {
        file_name: headers['X-Gitlab-File-Name'],
        file_path: filePath,
        size: blob.content.length,
        encoding: 'base64',
        content_sha256: blob.sha256,
        ref,
        blob_id: blob.id,
        commit_id: commit.id,
        last_commit_id: headers['X-Gitlab-Last-Commit-Id'],
        execute_filemode: false,
        content: blob.content.toString('base64'),
      },
    };
  };
}

const ACTIONS = ['create', 'delete', 'move', 'update', 'chmod'] as const;

/** `requires :actions, type: Array[JSON]` and each action's own `requires`/`values`. */
function parseActions(params: RequestParams): FileAction[] {
  return params.list('actions', true).map((a) => {
    a.requires('action', 'file_path');
    const action = a.oneOf('action', ACTIONS) as FileAction['action'];
    const encoding = a.oneOf('encoding', ['text', 'base64'] as const) ?? 'text';
    const text = a.string('content');
    return {
      action,
      filePath: a.string('file_path') ?? '',
      previousPath: a.string('previous_path') ?? undefined,
      content:
        text == null ? undefined : Buffer.from(text, encoding === 'base64' ? 'base64' : 'utf8'),
      lastCommitId: a.string('last_commit_id') ?? undefined,
    };
  });
}

/** `render_api_error!(result[:message], 400)` for everything Commits::CreateService refuses. */
function refuse(message: string): ApiError {
  return new ApiError(400, { message });
}

/** POST /projects/:id/repository/commits (Files::MultiService via Commits::CreateService) */
function createCommit(ctx: RequestContext): ApiResponse {
  const { project, repository } = readableRepository(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  params.requires('branch', 'commit_message', 'actions');
  const branch = params.string('branch') ?? '';
  const message = params.string('commit_message') ?? '';
  const actions = parseActions(params);
  const startSha = params.string('start_sha');
  const force = params.bool('force') ?? false;
  const withStats = params.bool('stats') ?? true;
  if (!canPushToBranch(ctx, project, branch))
    throw forbidden('You are not allowed to push into this branch');

  const empty = repository.empty;
  if (startSha != null && params.raw('start_branch') != null)
    throw refuse("You can't pass both start_branch and start_sha");
  const startBranch = startSha != null ? undefined : (params.string('start_branch') ?? branch);
  let base: CommitRecord | undefined;
  if (startSha != null) {
    if (!/^[0-9a-f]{40}$/.test(startSha)) throw refuse(`Invalid start_sha '${startSha}'`);
    base = repository.commits.get(startSha);
    if (!base) throw refuse(`Cannot find start_sha '${startSha}'`);
  } else if (startBranch != null) {
    base = repository.branches.get(startBranch);
    if (!base && !empty) throw refuse('You can only create or edit files when you are on a branch');
  }
  const different = startBranch !== branch || startSha != null;
  if (!empty && different && repository.branches.has(branch) && !force) {
    throw refuse(
      `A branch called '${branch}' already exists. Switch to that branch in order to make changes`,
    );
  }
  if (different && !validBranchName(branch)) {
    throw refuse(
      `Something went wrong when we tried to create '${branch}' for you: Branch name is invalid`,
    );
  }

  let tree;
  try {
    tree = applyActions(repository, base, actions);
  } catch (error) {
    if (error instanceof RepositoryError) throw refuse(error.message);
    throw error;
  }
  const user = ctx.user;
  const commit = repository.commit({
    branch,
    parent: base,
    tree,
    message,
    authorName: params.string('author_name') ?? user?.name ?? 'Administrator',
    authorEmail: params.string('author_email') ?? `${user?.username ?? 'root'}@example.com`,
    createdAt: ctx.state.repositories.now(),
  });
  // The first push into an empty repository makes its branch the default one.
  if (empty) project.defaultBranch = branch;
  return ok(commitEntity(ctx.baseUrl, project, commit, { stats: withStats }), 201);
}

/** POST /projects/:id/repository/branches (Branches::CreateService) */
function createBranch(ctx: RequestContext): ApiResponse {
  const { project, repository } = readableRepository(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  params.requires('branch', 'ref');
  const branch = params.string('branch') ?? '';
  const ref = params.string('ref') ?? '';
  if (!canPushToBranch(ctx, project, branch))
    throw forbidden('You are not allowed to push into this branch');
  if (ref === '') throw refuse('Ref is missing');
  if (repository.empty) {
    // create_default_branch_if_empty: GitLab first commits an empty README.md to the default branch
    const user = ctx.user;
    const readme = applyActions(repository, undefined, [
      { action: 'create', filePath: 'README.md', content: Buffer.alloc(0) },
    ]);
    repository.commit({
      branch: project.defaultBranch,
      parent: undefined,
      tree: readme,
      message: 'Add README.md',
      authorName: user?.name ?? 'Administrator',
      authorEmail: `${user?.username ?? 'root'}@example.com`,
      createdAt: ctx.state.repositories.now(),
    });
  }
  if (!validBranchName(branch)) throw refuse('Branch name is invalid');
  if (repository.branches.has(branch)) throw refuse('Branch already exists');
  const target = repository.resolve(ref);
  if (!target) throw refuse(`Failed to create branch '${branch}': invalid reference name '${ref}'`);
  repository.branches.set(branch, target);
  return ok(branchEntity(ctx, project, repository, branch, target), 201);
}

export const repositoryRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/projects/:id/repository/files/:file_path',
    auth: 'optional',
    handler: getFile(false),
  },
  {
    method: 'GET',
    path: '/projects/:id/repository/files/:file_path/raw',
    auth: 'optional',
    handler: getFile(true),
  },
  { method: 'POST', path: '/projects/:id/repository/commits', handler: createCommit },
  {
    method: 'GET',
    path: '/projects/:id/repository/branches',
    auth: 'optional',
    handler: (ctx) => {
      const { project, repository } = readableRepository(ctx);
      const search = ctx.query.get('search')?.toLowerCase() ?? '';
      const names = [...repository.branches.keys()]
        .filter((n) => n.toLowerCase().includes(search))
        .sort();
      return ok(
        paginate(ctx, names).map((n) =>
          branchEntity(ctx, project, repository, n, repository.branches.get(n) as CommitRecord),
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/projects/:id/repository/branches/:branch',
    auth: 'optional',
    handler: (ctx) => {
      const { project, repository } = readableRepository(ctx);
      const name = ctx.params['branch'] ?? '';
      const head = repository.branches.get(name);
      if (!head) throw notFound('Branch');
      return ok(branchEntity(ctx, project, repository, name, head));
    },
  },
  { method: 'POST', path: '/projects/:id/repository/branches', handler: createBranch },
];
