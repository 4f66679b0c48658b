// Project merge requests (lib/api/merge_requests.rb, MergeRequests::CreateService and the model's
// validations): list with the usual filters, show, create, update and merge. Errors keep GitLab's odd
// shapes: model validations are 400 `{"message":{attr:[…]}}`, branch problems 422 `{"message":[…]}`,
// and a second open merge request for the same source and target branch 409 `{"message":["Another
// open merge request already exists for this source branch: !<iid>"]}`.

import { projectMembershipLevel } from '../access.js';
import { projectWebUrl, userBasic, type Json } from '../entities.js';
import {
  ApiError,
  enumParam,
  forbidden,
  ok,
  paginate,
  recordNotFound,
  unauthorized,
  type ApiResponse,
  type RequestContext,
} from '../http-kit.js';
import type { MergeRequestRecord, ProjectRepository } from '../repository-state.js';
import { RequestParams } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import type { ProjectRecord } from '../state.js';
import { canPushToBranch, DEVELOPER, readableRepository } from './repository.js';

const TITLE_MAX = 255;
const DESCRIPTION_MAX = 1_048_576;

/** Entities::MergeRequestBasic, or Entities::MergeRequest (single GET, create, update) when detailed. */
function mergeRequestEntity(
  ctx: RequestContext,
  repository: ProjectRepository,
  mr: MergeRequestRecord,
  detailed: boolean,
): Json {
  const p = mr.project;
  const ref = `!${mr.iid}`;
  const sourceHead = repository.branches.get(mr.sourceBranch);
  const targetHead = repository.branches.get(mr.targetBranch);
  const o: Json = {
    id: mr.id,
    iid: mr.iid,
    project_id: p.id,
    title: mr.title,
    description: mr.description,
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_by: mr.mergedBy ? userBasic(ctx.baseUrl, mr.mergedBy) : null,
    merge_user: mr.mergedBy ? userBasic(ctx.baseUrl, mr.mergedBy) : null,
    merged_at: mr.mergedAt,
    closed_by: null,
    closed_at: mr.closedAt,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    user_notes_count: 0,
    upvotes: 0,
    downvotes: 0,
    author: userBasic(ctx.baseUrl, mr.author),
    assignees: [],
    assignee: null,
    reviewers: [],
    source_project_id: p.id,
    target_project_id: p.id,
    labels: [],
    draft: false,
    imported: false,
    imported_from: 'none',
    work_in_progress: false,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: 'can_be_merged',
    detailed_merge_status: mr.state === 'opened' ? 'mergeable' : 'not_open',
    merge_after: null,
    sha: mr.state === 'merged' ? null : (sourceHead?.id ?? null),
    merge_commit_sha: mr.mergeCommitId,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: mr.removeSourceBranch,
    prepared_at: mr.createdAt,
    reference: ref,
    references: { short: ref, relative: ref, full: `${p.pathWithNamespace}${ref}` },
    web_url: `${projectWebUrl(ctx.baseUrl, p)}/-/merge_requests/${mr.iid}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
  };
  if (detailed) {
    o['subscribed'] = ctx.user?.id === mr.author.id;
    o['changes_count'] = null;
    o['latest_build_started_at'] = null;
    o['latest_build_finished_at'] = null;
    o['first_deployed_to_production_at'] = null;
    o['pipeline'] = null;
    o['head_pipeline'] = null;
    o['diff_refs'] = {
      base_sha: targetHead?.id ?? null,
      head_sha: sourceHead?.id ?? null,
      start_sha: targetHead?.id ?? null,
    };
    o['merge_error'] = null;
    o['first_contribution'] = false;
    o['user'] = { can_merge: false };
  }
  return o;
}

function accessLevel(ctx: RequestContext, project: ProjectRecord): number {
  if (!ctx.user) return 0;
  return ctx.user.admin ? 50 : projectMembershipLevel(ctx.state, ctx.user, project);
}

/** `find_merge_request_with_access`: `find_by!(iid:)`, so a miss is ActiveRecord's "404 Not found". */
function findMergeRequest(repository: ProjectRepository, rawIid: string): MergeRequestRecord {
  const iid = /^\d+$/.test(rawIid) ? Number(rawIid) : NaN;
  const mr = repository.mergeRequests.find((m) => m.iid === iid);
  if (!mr) throw recordNotFound();
  return mr;
}

/** Model validations on title/description: 400 with the attribute hash. */
function checkLengths(title: string | undefined, description: string | undefined): void {
  const errors: Record<string, string[]> = {};
  if (title !== undefined && title.trim() === '') errors['title'] = ["can't be blank"];
  else if (title !== undefined && title.length > TITLE_MAX)
    errors['title'] = [`is too long (maximum is ${TITLE_MAX} characters)`];
  if (description !== undefined && description.length > DESCRIPTION_MAX)
    errors['description'] = [`is too long (maximum is ${DESCRIPTION_MAX} characters)`];
  if (Object.keys(errors).length > 0) throw new ApiError(400, { message: errors });
}

function listMergeRequests(ctx: RequestContext): ApiResponse {
  const { repository } = readableRepository(ctx);
  const state = enumParam(
    ctx.query,
    'state',
    ['opened', 'closed', 'locked', 'merged', 'all'] as const,
    'all',
  );
  const orderBy = enumParam(
    ctx.query,
    'order_by',
    ['created_at', 'updated_at', 'title'] as const,
    'created_at',
  );
  const sort = enumParam(ctx.query, 'sort', ['asc', 'desc'] as const, 'desc');
  const source = ctx.query.get('source_branch');
  const target = ctx.query.get('target_branch');
  const iids = new Set(ctx.query.getAll('iids[]').map(Number));
  const dir = sort === 'asc' ? 1 : -1;
  const key = orderBy === 'title' ? 'title' : orderBy === 'updated_at' ? 'updatedAt' : 'createdAt';
  const rows = repository.mergeRequests
    .filter(
      (m) =>
        (state === 'all' || m.state === state) &&
        (source == null || m.sourceBranch === source) &&
        (target == null || m.targetBranch === target) &&
        (iids.size === 0 || iids.has(m.iid)),
    )
    .sort((a, b) => (a[key] === b[key] ? (a.id - b.id) * dir : a[key] < b[key] ? -dir : dir));
  return ok(paginate(ctx, rows).map((m) => mergeRequestEntity(ctx, repository, m, false)));
}

function createMergeRequest(ctx: RequestContext): ApiResponse {
  const { project, repository } = readableRepository(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  params.requires('title', 'source_branch', 'target_branch');
  const title = params.string('title') ?? '';
  const source = params.string('source_branch') ?? '';
  const target = params.string('target_branch') ?? '';
  const description = params.string('description') ?? '';
  // JSON null reads as absent, like an omitted parameter
  const targetProject = params.int('target_project_id') ?? undefined;
  // create_merge_request_from / create_merge_request_in
  if (accessLevel(ctx, project) < DEVELOPER) throw forbidden();
  if (targetProject !== undefined && targetProject !== project.id) {
    // forks are outside the simulator
    throw new ApiError(422, { message: ['Source project is not a fork of the target project'] });
  }
  checkLengths(title, description);
  if (source === target) {
    throw new ApiError(422, {
      message: ["You can't use same project/branch for source and target"],
    });
  }
  const missing: string[] = [];
  if (!repository.branches.has(source)) missing.push(`Source branch "${source}" does not exist`);
  if (!repository.branches.has(target)) missing.push(`Target branch "${target}" does not exist`);
  if (missing.length > 0) throw new ApiError(422, { message: missing });
  const conflicting = repository.mergeRequests.find(
    (m) => m.state === 'opened' && m.sourceBranch === source && m.targetBranch === target,
  );
  if (conflicting) {
    throw new ApiError(409, {
      message: [
        `Another open merge request already exists for this source branch: !${conflicting.iid}`,
      ],
    });
  }
  const now = ctx.state.repositories.now();
  const mr: MergeRequestRecord = {
    id: ctx.state.repositories.nextMergeRequestId(),
    iid: repository.mergeRequests.reduce((max, m) => Math.max(max, m.iid), 0) + 1,
    project,
    title,
    description,
    state: 'opened',
    sourceBranch: source,
    targetBranch: target,
    author: ctx.user as NonNullable<RequestContext['user']>,
    removeSourceBranch: params.bool('remove_source_branch') ?? false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergedBy: null,
    mergeCommitId: null,
  };
  repository.mergeRequests.push(mr);
  return ok(mergeRequestEntity(ctx, repository, mr, true), 201);
}

const UPDATABLE = [
  'title',
  'description',
  'target_branch',
  'state_event',
  'remove_source_branch',
] as const;

function updateMergeRequest(ctx: RequestContext): ApiResponse {
  const { project, repository } = readableRepository(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  if (!UPDATABLE.some((n) => params.has(n))) {
    throw new ApiError(400, {
      error: `${UPDATABLE.join(', ')} are missing, at least one parameter must be provided`,
    });
  }
  const stateEvent = params.oneOf('state_event', ['close', 'reopen'] as const);
  const mr = findMergeRequest(repository, ctx.params['merge_request_iid'] ?? '');
  // update_merge_request: Developer+, or the author
  if (accessLevel(ctx, project) < DEVELOPER && ctx.user?.id !== mr.author.id) throw forbidden();
  // JSON null leaves an attribute as it is, like an omitted parameter
  const title = params.string('title') ?? undefined;
  const description = params.string('description') ?? undefined;
  checkLengths(title, description);
  const target = params.string('target_branch') ?? undefined;
  if (target !== undefined && !repository.branches.has(target))
    throw new ApiError(422, { message: [`Target branch "${target}" does not exist`] });
  const now = ctx.state.repositories.now();
  if (title !== undefined) mr.title = title;
  if (description !== undefined) mr.description = description;
  if (target !== undefined) mr.targetBranch = target;
  const remove = params.bool('remove_source_branch');
  if (remove !== undefined) mr.removeSourceBranch = remove;
  if (stateEvent === 'close' && mr.state === 'opened') {
    mr.state = 'closed';
    mr.closedAt = now;
  } else if (stateEvent === 'reopen' && mr.state === 'closed') {
    mr.state = 'opened';
    mr.closedAt = null;
  }
  mr.updatedAt = now;
  return ok(mergeRequestEntity(ctx, repository, mr, true));
}

/**
 * PUT …/merge (accept): a merge commit on the target (merge_method "merge"), then the source branch is
 * removed when asked. Merging into the protected default branch needs a Maintainer: GitLab answers a
 * caller who may not merge with 401, not 403.
 */
function acceptMergeRequest(ctx: RequestContext): ApiResponse {
  const { project, repository } = readableRepository(ctx);
  const params = RequestParams.of(ctx.query, ctx.body);
  const mr = findMergeRequest(repository, ctx.params['merge_request_iid'] ?? '');
  if (mr.state !== 'opened') throw new ApiError(405, { message: '405 Method Not Allowed' });
  if (!canPushToBranch(ctx, project, mr.targetBranch)) throw unauthorized();
  const source = repository.branches.get(mr.sourceBranch);
  const target = repository.branches.get(mr.targetBranch);
  const sha = params.string('sha');
  if (sha != null && sha !== source?.id)
    throw new ApiError(409, { message: `SHA does not match HEAD of source branch: ${sha}` });
  const tree = source && target ? repository.mergedTree(source, target) : null;
  if (!source || !target || !tree) throw new ApiError(406, { message: 'Branch cannot be merged' });
  const user = ctx.user as NonNullable<RequestContext['user']>;
  const now = ctx.state.repositories.now();
  const merge = repository.commit({
    branch: mr.targetBranch,
    parent: target,
    mergedParent: source,
    tree,
    message:
      params.string('merge_commit_message') ??
      `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}\n\n` +
        `See merge request ${project.pathWithNamespace}!${mr.iid}`,
    authorName: user.name,
    authorEmail: `${user.username}@example.com`,
    createdAt: now,
  });
  Object.assign(mr, {
    state: 'merged',
    mergedAt: now,
    mergedBy: user,
    mergeCommitId: merge.id,
    updatedAt: now,
  });
  if (params.bool('should_remove_source_branch') ?? mr.removeSourceBranch)
    repository.branches.delete(mr.sourceBranch);
  return ok(mergeRequestEntity(ctx, repository, mr, true));
}

export const mergeRequestRoutes: RouteDefinition[] = [
  {
    method: 'GET',
    path: '/projects/:id/merge_requests',
    auth: 'optional',
    handler: listMergeRequests,
  },
  { method: 'POST', path: '/projects/:id/merge_requests', handler: createMergeRequest },
  {
    method: 'GET',
    path: '/projects/:id/merge_requests/:merge_request_iid',
    auth: 'optional',
    handler: (ctx) => {
      const { repository } = readableRepository(ctx);
      const mr = findMergeRequest(repository, ctx.params['merge_request_iid'] ?? '');
      return ok(mergeRequestEntity(ctx, repository, mr, true));
    },
  },
  {
    method: 'PUT',
    path: '/projects/:id/merge_requests/:merge_request_iid',
    handler: updateMergeRequest,
  },
  {
    method: 'PUT',
    path: '/projects/:id/merge_requests/:merge_request_iid/merge',
    handler: acceptMergeRequest,
  },
];
