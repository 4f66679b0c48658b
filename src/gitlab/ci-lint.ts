// GitLab's CI lint API, which expands a project's CI configuration the way pipelines see it:
// includes merged, `extends` resolved (lib/api/lint.rb, lib/gitlab/ci/lint.rb).
//   GET  /projects/:id/ci/lint  — the project's own file at ci_config_path (or .gitlab-ci.yml) on
//        the default branch; `:read_code`, so Reporter on a private project. With no file it
//        answers 200 with valid: false and "Please provide content of .gitlab-ci.yml".
//   POST /projects/:id/ci/lint  — given content, in the project's context; `:create_pipeline`,
//        so Developer. Used for configurations the GET cannot read (Auto DevOps without a file,
//        a ci_config_path in another project).
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError } from './errors.js';
import { call } from './call.js';

export interface LintInclude {
  type: string;
  location: string;
}

export interface LintResult {
  valid: boolean;
  errors: string[];
  /** the expanded configuration as YAML; null when invalid */
  mergedYaml: string | null;
  includes: LintInclude[];
}

interface LintSchema {
  valid?: unknown;
  errors?: unknown;
  merged_yaml?: unknown;
  includes?: unknown;
}

/** The lint API's answer, checked: anything else is a failure naming the endpoint. */
function toResult(body: unknown, what: string): LintResult {
  const b = (body ?? {}) as LintSchema;
  if (typeof b.valid !== 'boolean' || !Array.isArray(b.errors))
    throw new Error(`GitLab's answer to ${what} is not a CI lint result`);
  const includes = Array.isArray(b.includes) ? (b.includes as Record<string, unknown>[]) : [];
  return {
    valid: b.valid,
    errors: b.errors.map(String),
    mergedYaml: typeof b.merged_yaml === 'string' ? b.merged_yaml : null,
    includes: includes.map((i) => ({ type: String(i['type']), location: String(i['location']) })),
  };
}

const READ_HINT = 'Reading a project’s CI configuration needs at least the Reporter role.';
const CONTENT_HINT =
  'Expanding a CI configuration that is not a file of the project needs the Developer role.';

/** The project's own CI configuration, expanded. */
export async function lintProjectConfig(
  client: GitLabClient,
  project: string,
): Promise<LintResult> {
  const what = `reading the CI configuration of ${project}`;
  try {
    // client.get runs in the pool already: wrapping it in `call` would wait for a second slot
    const response = await client.get(endpoint`projects/${project}/ci/lint`);
    return toResult(response.body, what);
  } catch (error) {
    throw explainGitLabError(error, client.url, what, { forbidden: READ_HINT });
  }
}

/** `content` expanded in the context of `project` (its includes resolve from there). */
export async function lintContent(
  client: GitLabClient,
  project: string,
  content: string,
): Promise<LintResult> {
  const what = `expanding the CI configuration of ${project}`;
  const response = await call(
    client,
    what,
    () => client.requester.post(endpoint`projects/${project}/ci/lint`, { body: { content } }),
    { forbidden: CONTENT_HINT },
  );
  return toResult(response.body, what);
}

/** GitLab's answer when the project has no CI file at its ci_config_path. */
export const NO_CI_FILE = 'Please provide content of .gitlab-ci.yml';
