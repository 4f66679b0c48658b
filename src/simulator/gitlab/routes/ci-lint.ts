// GET and POST /projects/:id/ci/lint (lib/api/lint.rb), answered with Entities::Ci::Lint::Result.
//   GET   lints the project's own configuration: the file at `ci_config_path` (or `.gitlab-ci.yml`) in
//         the commit `content_ref` (deprecated: `sha`) names, by default the head of the default
//         branch. Needs `:read_code` (Reporter+ on a private project). A `ci_config_path` that points at
//         another project (`file.yml@group/project`) or a URL is not a blob of this repository, so the
//         content is nil and the answer is "Please provide content of .gitlab-ci.yml".
//   POST  lints the `content` it is given, in the context of the head of the default branch. Needs
//         `:create_pipeline` (Developer+).
// `dry_run=true` is accepted but runs the same static check. GitLab's dry run simulates creating a
// pipeline on `dry_run_ref`/`ref` instead: it evaluates `rules:` (jobs that would not run are left
// out), its jobs have no only/except/needs, a missing file falls back to Auto DevOps, and as a pipeline
// creation it needs `:create_pipeline` even on GET. The simulator does not evaluate rules, so it does not
// pretend to. The ci_lint rate limit is not modelled either.

import { canReadCode, hasProjectAccess } from '../access.js';
import { lintStatic, type LintResult } from '../ci-config.js';
import { commitOf, type IncludeContext } from '../ci-includes.js';
import {
  ApiError,
  boolParam,
  forbidden,
  notFound,
  ok,
  type ApiResponse,
  type RequestContext,
} from '../http-kit.js';
import { RequestParams } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import type { ProjectRecord } from '../state.js';
import { DEVELOPER } from './repository.js';
import { findVisibleProject } from './projects.js';

/** Ci::Pipeline::DEFAULT_CONFIG_PATH */
const DEFAULT_CONFIG_PATH = '.gitlab-ci.yml';

/** Grape's `mutually_exclusive` (checked with the other parameter validations, before the endpoint). */
function exclusive(ctx: RequestContext, a: string, b: string): void {
  if (ctx.query.get(a) != null && ctx.query.get(b) != null)
    throw new ApiError(400, { error: `${a}, ${b} are mutually exclusive` });
}

/** Entities::Ci::Lint::Result: `jobs` only when include_jobs is set. */
function lintEntity(result: LintResult, includeJobs: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    valid: result.errors.length === 0,
    errors: result.errors,
    warnings: result.warnings,
    merged_yaml: result.merged_yaml,
    includes: result.includes,
  };
  if (includeJobs) body['jobs'] = result.jobs;
  return body;
}

function lintContext(
  ctx: RequestContext,
  project: ProjectRecord,
  sha: string | null,
): IncludeContext {
  return {
    project,
    sha,
    user: ctx.user,
    run: { state: ctx.state, baseUrl: ctx.baseUrl, files: [] },
  };
}

function getLint(ctx: RequestContext): ApiResponse {
  exclusive(ctx, 'sha', 'content_ref');
  exclusive(ctx, 'ref', 'dry_run_ref');
  boolParam(ctx.query, 'dry_run');
  const includeJobs = boolParam(ctx.query, 'include_jobs') ?? false;

  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  if (!canReadCode(ctx.state, ctx.user, project)) throw forbidden(); // authorize_read_code!
  const repository = ctx.state.repositories.of(project);
  if (repository.empty) throw notFound('Repository');

  // content_ref || sha || repository.root_ref_sha
  const ref = ctx.query.get('content_ref') ?? ctx.query.get('sha') ?? 'HEAD';
  const commit = commitOf(ctx.state, project, ref);
  if (!commit) throw notFound('Commit');
  // ci_config_path_or_default: `ci_config_path.presence || DEFAULT_CONFIG_PATH`
  const path = project.ciConfigPath?.trim() ? project.ciConfigPath : DEFAULT_CONFIG_PATH;
  const blob = commit.tree.get(path);
  const content = blob ? blob.content.toString('utf8') : null;
  return ok(lintEntity(lintStatic(content, lintContext(ctx, project, commit.id)), includeJobs));
}

function postLint(ctx: RequestContext): ApiResponse {
  const params = RequestParams.of(ctx.query, ctx.body);
  params.requires('content');
  const content = params.string('content') ?? '';
  params.bool('dry_run');
  const includeJobs = params.bool('include_jobs') ?? false;
  params.string('ref');

  const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
  // :create_pipeline is `developer_access & user_confirmed`
  if (!hasProjectAccess(ctx.state, ctx.user, project, DEVELOPER)) throw forbidden();
  // Lint.new without sha: `project.repository.commit&.sha`, nil for an empty repository
  const head = ctx.state.repositories.of(project).branches.get(project.defaultBranch);
  return ok(
    lintEntity(lintStatic(content, lintContext(ctx, project, head?.id ?? null)), includeJobs),
  );
}

export const ciLintRoutes: RouteDefinition[] = [
  // anonymous callers may lint public projects (lint_spec.rb "when the project is public")
  { method: 'GET', path: '/projects/:id/ci/lint', auth: 'optional', handler: getLint },
  // anonymous: 404 for private projects, 403 for public ones, as authorize! decides after user_project
  { method: 'POST', path: '/projects/:id/ci/lint', auth: 'optional', handler: postLint },
];
