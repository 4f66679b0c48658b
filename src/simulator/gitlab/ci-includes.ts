// `include:` expansion, modelled on Gitlab::Ci::Config::External (lib/gitlab/ci/config/external/):
//   Processor  every included file's expanded hash is deep-merged in order, then the including file's own
//              keys on top (so the including file wins), and `include` is dropped;
//   Mapper     Normalizer (a string is `remote:` when it is a URL, else `local:`), LocationExpander
//              (`project:` with a list of files, `local:` wildcards), Matcher (exactly one file type),
//              Verifier (three passes: location, context, content + nested expansion);
//   File::*    Local, Project, Remote, Template, Artifact, Component with GitLab's error texts.
// The first invalid file's first error becomes the only error of the lint result.
//
// Limits: at most 150 files per pipeline, nested ones and duplicates included (`ci_max_includes`, the
// application setting's default), checked as files are added like Mapper::Verifier does; GitLab has no
// separate nesting-depth limit, so an include cycle ends at that limit too.
//
// Not modelled: `rules:` on includes (every include applies), CI/CD variables in locations (no
// expansion, no masking), `inputs:` interpolation, the 30-second timeout and the total-size limit.
// Remote files are never fetched: the simulator answers as GitLab does when the host does not resolve.

import { canReadCode } from './access.js';
import { findCiTemplate } from './ci-templates.js';
import {
  CiYamlError,
  deepMerge,
  isBlank,
  isCiMap,
  loadCiYaml,
  rubyInspect,
  rubyToS,
  toJson,
  type CiMap,
  type CiValue,
} from './ci-yaml.js';
import { projectWebUrl } from './entities.js';
import type { CommitRecord } from './repository-state.js';
import type { ProjectRecord, SimulatorState, UserRecord } from './state.js';

/** `Gitlab::CurrentSettings.ci_max_includes` on a default instance */
export const MAX_INCLUDES = 150;

/** External::Processor::IncludeError (and the Mapper errors it wraps). */
export class IncludeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncludeError';
  }
}

/** What every context of one lint run shares (Context#mutate hands these on). */
export interface IncludeRun {
  state: SimulatorState;
  baseUrl: string;
  /** Context#expandset: every file met, in the order the Verifier met them */
  files: ExternalFile[];
}

/** External::Context: where relative includes are read from, and as whom. */
export interface IncludeContext {
  project: ProjectRecord | null;
  /** a commit id of `project`, or null (an empty repository, or a template's nested includes) */
  sha: string | null;
  user: UserRecord | null;
  run: IncludeRun;
}

/** One entry of the lint result's `includes` (Entities::Ci::Lint::Result::Include). */
export interface IncludeMetadata {
  type: string;
  location: string;
  blob: string | null;
  raw: string | null;
  extra: Record<string, unknown>;
  context_project: string | null;
  context_sha: string | null;
}

/** File::Base::YAML_ALLOWLIST_EXTENSION, applied to File.basename(location) */
const YAML_EXTENSION = /.+\.(yml|yaml)$/i;

/** Gitlab::UrlSanitizer.valid?: a string whose scheme is http, https, ssh or git */
function isUrl(value: CiValue | undefined): boolean {
  return typeof value === 'string' && /^\s*(https?|ssh|git):/i.test(value);
}

/** Gitlab::Utils.remove_leading_slashes (`Repository#blobs_at` does not take a leading `/`) */
function stripSlashes(value: CiValue | undefined): CiValue | undefined {
  return typeof value === 'string' ? value.replace(/^\/+/, '') : value;
}

/** `project.commit(ref)`: a branch, a commit id, or HEAD (the default branch). */
export function commitOf(
  state: SimulatorState,
  project: ProjectRecord,
  ref: string,
): CommitRecord | undefined {
  const repository = state.repositories.of(project);
  if (ref === 'HEAD') return repository.branches.get(project.defaultBranch);
  return repository.resolve(ref);
}

function blobText(state: SimulatorState, project: ProjectRecord, sha: string, path: string) {
  const blob = state.repositories.of(project).commits.get(sha)?.tree.get(path);
  return blob ? blob.content.toString('utf8') : null;
}

/** project_blob_url / project_raw_url with `File.join(sha, path)` */
function fileUrl(
  run: IncludeRun,
  project: ProjectRecord,
  kind: 'blob' | 'raw',
  sha: string,
  path: string,
): string {
  return `${projectWebUrl(run.baseUrl, project)}/-/${kind}/${encodeURI(`${sha}/${path}`)}`;
}

/** External::File::Base */
export abstract class ExternalFile {
  readonly errors: string[] = [];
  private loaded = false;
  private contentValue: string | null = null;
  private expanded: CiMap | null = null;

  constructor(
    protected readonly params: CiMap,
    protected readonly context: IncludeContext,
  ) {}

  /** the location as given (a string unless the include is malformed) */
  abstract get location(): CiValue | undefined;
  protected abstract fetchContent(): string | null;
  abstract validateContext(): void;
  protected abstract describe(): Omit<IncludeMetadata, 'context_project' | 'context_sha'>;

  matching(): boolean {
    return !isBlank(this.location);
  }

  valid(): boolean {
    return this.errors.length === 0;
  }

  /** masked_location (no variables are masked: the simulator does not expand them) */
  get shownLocation(): string {
    const location = this.location;
    return typeof location === 'string' ? location : rubyInspect(location);
  }

  get content(): string | null {
    if (!this.loaded) {
      this.loaded = true;
      this.contentValue = this.fetchContent();
    }
    return this.contentValue;
  }

  validateLocation(): void {
    const location = this.location;
    if (typeof location !== 'string')
      this.errors.push(`Included file \`${this.shownLocation}\` needs to be a string`);
    else if (!YAML_EXTENSION.test(location.split('/').pop() ?? ''))
      this.errors.push(`Included file \`${this.shownLocation}\` does not have YAML extension!`);
  }

  validateContent(): void {
    if (isBlank(this.content))
      this.errors.push(`Included file \`${this.shownLocation}\` is empty or does not exist!`);
  }

  /** load_and_validate_expanded_hash!: nested includes are expanded here, and their errors raise. */
  loadAndExpand(): void {
    let loaded: CiMap;
    try {
      loaded = loadCiYaml(this.content ?? '');
    } catch (error) {
      if (!(error instanceof CiYamlError)) throw error;
      this.errors.push(`\`${this.shownLocation}\`: ${error.message}`);
      return;
    }
    if (!isBlank(loaded)) this.expanded = expandIncludes(loaded, this.nestedContext());
    if (isBlank(this.expanded))
      this.errors.push(`Included file \`${this.shownLocation}\` does not have valid YAML syntax!`);
  }

  toHash(): CiMap {
    return this.expanded ?? new Map<string, CiValue>();
  }

  /** expand_context_attrs: Base gives nested includes an empty context (no project, sha or user). */
  protected nestedContext(): IncludeContext {
    return { project: null, sha: null, user: null, run: this.context.run };
  }

  metadata(): IncludeMetadata {
    return {
      ...this.describe(),
      context_project: this.context.project?.pathWithNamespace ?? null,
      context_sha: this.context.sha,
    };
  }
}

/** File::Local: a file of the including project at the including commit. */
class LocalFile extends ExternalFile {
  get location() {
    return stripSlashes(this.params.get('local'));
  }

  validateContext(): void {
    if (!this.context.project)
      this.errors.push(`Local file \`${this.shownLocation}\` does not have project!`);
  }

  protected fetchContent(): string | null {
    const { project, sha, run } = this.context;
    if (!project || sha == null || typeof this.location !== 'string') return null;
    return blobText(run.state, project, sha, this.location);
  }

  override validateContent(): void {
    if (this.content == null)
      this.errors.push(`Local file \`${this.shownLocation}\` does not exist!`);
    else if (isBlank(this.content))
      this.errors.push(`Local file \`${this.shownLocation}\` is empty!`);
  }

  protected override nestedContext(): IncludeContext {
    return { ...this.context };
  }

  protected describe() {
    const { project, sha, run } = this.context;
    const ok = this.valid() && project != null && sha != null;
    return {
      type: 'local',
      location: this.shownLocation,
      blob: ok ? fileUrl(run, project, 'blob', sha, this.shownLocation) : null,
      raw: ok ? fileUrl(run, project, 'raw', sha, this.shownLocation) : null,
      extra: {},
    };
  }
}

/** File::Project: `project:` + `file:` (+ `ref:`, default HEAD), read as the including user. */
class ProjectFile extends ExternalFile {
  private target: ProjectRecord | null | undefined;
  private commit: CommitRecord | null | undefined;

  get location() {
    return stripSlashes(this.params.get('file'));
  }

  /** `get_project_name(params[:project]).to_s.downcase` (a list means its first entry) */
  get projectName(): string {
    const raw = this.params.get('project');
    const name = Array.isArray(raw) ? raw[0] : raw;
    return rubyToS(name).toLowerCase();
  }

  get refName(): string {
    const ref = this.params.get('ref');
    return ref == null ? 'HEAD' : rubyToS(ref);
  }

  override matching(): boolean {
    return super.matching() && this.projectName !== '';
  }

  private get project(): ProjectRecord | null {
    if (this.target === undefined)
      this.target = this.context.run.state.projectsByPath.get(this.projectName) ?? null;
    return this.target;
  }

  private get sha(): string | null {
    if (this.commit === undefined)
      this.commit = this.project
        ? (commitOf(this.context.run.state, this.project, this.refName) ?? null)
        : null;
    return this.commit?.id ?? null;
  }

  validateContext(): void {
    const project = this.project;
    // project_access_allowed?: `download_code` for the user of this context
    if (!project || !canReadCode(this.context.run.state, this.context.user, project)) {
      this.errors.push(
        `Project \`${this.projectName}\` not found or access denied! Make sure any includes in the pipeline configuration are correctly defined.`,
      );
    } else if (this.sha == null) {
      this.errors.push(
        `Project \`${this.projectName}\` reference \`${this.refName}\` does not exist!`,
      );
    }
  }

  protected fetchContent(): string | null {
    const { project, sha } = this;
    if (!project || sha == null || typeof this.location !== 'string') return null;
    return blobText(this.context.run.state, project, sha, this.location);
  }

  override validateContent(): void {
    const prefix = `Project \`${this.projectName}\` file \`${this.shownLocation}\``;
    if (this.content == null) this.errors.push(`${prefix} does not exist!`);
    else if (isBlank(this.content)) this.errors.push(`${prefix} is empty!`);
  }

  protected override nestedContext(): IncludeContext {
    return { project: this.project, sha: this.sha, user: this.context.user, run: this.context.run };
  }

  protected describe() {
    const { project, sha } = this;
    const ok = this.valid() && project != null && sha != null;
    const run = this.context.run;
    return {
      type: 'file',
      location: this.shownLocation,
      blob: ok ? fileUrl(run, project, 'blob', sha, this.shownLocation) : null,
      raw: ok ? fileUrl(run, project, 'raw', sha, this.shownLocation) : null,
      extra: { project: this.projectName, ref: this.refName },
    };
  }
}

/** File::Remote: the simulator has no network, so every fetch fails the way an unknown host does. */
class RemoteFile extends ExternalFile {
  get location() {
    return this.params.get('remote');
  }

  override validateLocation(): void {
    super.validateLocation();
    if (!isUrl(this.location))
      this.errors.push(`Remote file \`${this.shownLocation}\` does not have a valid address!`);
  }

  validateContext(): void {}

  /** fetch_with_error_handling: Gitlab::HTTP raising SocketError (the name does not resolve) */
  protected fetchContent(): string | null {
    this.errors.push(
      `Remote file \`${this.shownLocation}\` could not be fetched because of a socket error!`,
    );
    return null;
  }

  protected describe() {
    return {
      type: 'remote',
      location: this.shownLocation,
      blob: null,
      raw: this.shownLocation,
      extra: {},
    };
  }
}

/** File::Template: GitLab's own templates, here the models in ci-templates.ts. */
class TemplateFile extends ExternalFile {
  static readonly SUFFIX = '.gitlab-ci.yml';
  static readonly HOST = 'https://gitlab.com/gitlab-org/gitlab/-/raw/master';

  get location() {
    return this.params.get('template');
  }

  private get nameValid(): boolean {
    return rubyToS(this.location).endsWith(TemplateFile.SUFFIX);
  }

  override validateLocation(): void {
    super.validateLocation();
    if (!this.nameValid)
      this.errors.push(`Template file \`${this.shownLocation}\` is not a valid location!`);
  }

  validateContext(): void {}

  protected fetchContent(): string | null {
    if (!this.nameValid) return null;
    return findCiTemplate(this.shownLocation.slice(0, -TemplateFile.SUFFIX.length)) ?? null;
  }

  protected describe() {
    return {
      type: 'template',
      location: this.shownLocation,
      blob: null,
      // masked_raw has no `valid?` guard: the link is there even for an unknown template
      raw: `${TemplateFile.HOST}/lib/gitlab/ci/templates/${this.shownLocation}`,
      extra: {},
    };
  }
}

/** File::Artifact: only child pipelines (trigger:include) may include a parent job's artifact. */
class ArtifactFile extends ExternalFile {
  get location() {
    return this.params.get('artifact');
  }

  validateContext(): void {
    this.errors.push(
      'Including configs from artifacts is only allowed when triggering child pipelines',
    );
  }

  protected fetchContent(): string | null {
    return null;
  }

  protected describe() {
    const job = this.params.get('job');
    return {
      type: 'artifact',
      location: this.shownLocation,
      blob: null,
      raw: null,
      extra: { job_name: job == null ? null : toJson(job) },
    };
  }
}

interface ComponentFound {
  content: string;
  path: string;
  project: ProjectRecord;
  sha: string;
}

/**
 * File::Component with Ci::Components::FetchService and Components::InstancePath:
 * `<server_fqdn>/<project full path>/<component name>@<version>`, read from `templates/<name>.yml` or
 * `templates/<name>/template.yml` at the commit the version names. The simulator has no CI/CD catalog, so
 * `~latest` and partial semantic versions fail like they do for projects that are not catalog resources.
 */
class ComponentFile extends ExternalFile {
  private fetched: { found: ComponentFound } | { message: string } | undefined;

  get location() {
    return this.params.get('component');
  }

  override validateLocation(): void {
    if (typeof this.location !== 'string')
      this.errors.push(`Included file \`${this.shownLocation}\` needs to be a string`);
  }

  validateContext(): void {
    if (!this.context.project)
      this.errors.push('Unable to use components outside of a project context');
  }

  private fetch(): { found: ComponentFound } | { message: string } {
    if (this.fetched) return this.fetched;
    const { state, baseUrl } = this.context.run;
    const address = this.shownLocation;
    const prefix = `Component '${address}' -`;
    const fqdn = `${new URL(baseUrl).host}/`;
    if (!address.includes('@') || !address.startsWith(fqdn))
      return (this.fetched = { message: `${prefix} the component path is not supported` });
    const at = address.indexOf('@');
    const version = address.slice(at + 1);
    const instancePath = address.slice(fqdn.length, at);
    const slash = instancePath.lastIndexOf('/');
    const projectPath =
      instancePath.startsWith('/') || slash < 0 ? null : instancePath.slice(0, slash);
    const project = projectPath ? state.projectsByPath.get(projectPath.toLowerCase()) : undefined;
    const name = projectPath ? instancePath.slice(projectPath.length + 1) : '';
    const sha =
      project && version !== '~latest' ? commitOf(state, project, version)?.id : undefined;
    if (project && sha) {
      if (!canReadCode(state, this.context.user, project)) {
        return (this.fetched = {
          message: `${prefix} project does not exist or you don't have sufficient permissions`,
        });
      }
      if (!name.includes('/')) {
        for (const path of [`templates/${name}.yml`, `templates/${name}/template.yml`]) {
          const content = blobText(state, project, sha, path);
          if (content != null) return (this.fetched = { found: { content, path, project, sha } });
        }
      }
    }
    if (version === '~latest' && project) {
      return (this.fetched = {
        message: `${prefix} The ~latest version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead.`,
      });
    }
    if (/^\d+(\.\d+)?$/.test(version) && project) {
      return (this.fetched = {
        message: `${prefix} The partial semantic version reference is not supported for non-catalog resources. Use a tag, branch, or commit SHA instead.`,
      });
    }
    return (this.fetched = { message: `${prefix} content not found` });
  }

  protected fetchContent(): string | null {
    const result = this.fetch();
    return 'found' in result ? result.found.content : null;
  }

  override validateContent(): void {
    const result = this.fetch();
    if ('message' in result) this.errors.push(result.message);
    else if (isBlank(result.found.content))
      this.errors.push(`Component '${this.shownLocation}' - content not found`);
  }

  protected override nestedContext(): IncludeContext {
    const result = this.fetch();
    const found = 'found' in result ? result.found : null;
    return {
      project: found?.project ?? null,
      sha: found?.sha ?? null,
      user: this.context.user,
      run: this.context.run,
    };
  }

  protected describe() {
    const result = this.fetched;
    const found = result && 'found' in result ? result.found : null;
    return {
      type: 'component',
      location: this.shownLocation,
      blob: found ? fileUrl(this.context.run, found.project, 'blob', found.sha, found.path) : null,
      raw: null,
      extra: {},
    };
  }
}

/** Mapper::Matcher's file classes, in its order; their names are the valid subkeys. */
const FILE_TYPES = [
  ['local', LocalFile],
  ['project', ProjectFile],
  ['remote', RemoteFile],
  ['template', TemplateFile],
  ['artifact', ArtifactFile],
  ['component', ComponentFile],
] as const;
const SUBKEYS = FILE_TYPES.map(([key]) => `\`${key}\``).join(', ');

/** `local:` wildcards (Repository#search_files_by_wildcard_path): `*` within a segment, `**` across. */
function expandWildcard(location: string, context: IncludeContext): CiMap[] {
  const { project, sha, run } = context;
  const pattern = location.replace(/^\/+/, '');
  const source = pattern
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) =>
      part === '**/'
        ? '(?:.*/)?'
        : part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  const matcher = new RegExp(`^${source}$`);
  const tree =
    project && sha ? run.state.repositories.of(project).commits.get(sha)?.tree : undefined;
  return [...(tree?.keys() ?? [])]
    .filter((path) => matcher.test(path))
    .sort()
    .map((path) => new Map([['local', path]]));
}

/** External::Mapper#process: normalise, expand, match, verify. */
function mapIncludes(values: CiMap, context: IncludeContext): ExternalFile[] {
  const raw = values.get('include');
  const listed = raw == null ? [] : Array.isArray(raw) ? raw : [raw];
  const locations = listed
    .filter((l) => l != null)
    .map((location): CiMap => {
      if (typeof location === 'string')
        return new Map([[isUrl(location) ? 'remote' : 'local', location]]);
      if (isCiMap(location)) return location;
      throw new IncludeError('Each include must be a hash or a string');
    })
    .flatMap((location): CiMap[] => {
      if (location.get('project') != null) {
        const files = location.get('file');
        const list = files == null ? [] : Array.isArray(files) ? files : [files];
        return list.map((file) => new Map([...location, ['file', file]]));
      }
      const local = location.get('local');
      if (typeof local === 'string' && local.includes('*')) return expandWildcard(local, context);
      return [location];
    });

  const files = locations.map((location) => {
    const matching = FILE_TYPES.map(([, Type]) => new Type(location, context)).filter((f) =>
      f.matching(),
    );
    const [only, second] = matching;
    if (only && !second) return only;
    if (!only) {
      throw new IncludeError(
        `\`${JSON.stringify(toJson(location))}\` does not have a valid subkey for include. Valid subkeys are: ${SUBKEYS}`,
      );
    }
    throw new IncludeError(`Each include must use only one of: ${SUBKEYS}`);
  });

  // Mapper::Verifier: all locations, then all contexts, then contents (which expands nested includes)
  const run = context.run;
  for (const file of files) {
    run.files.push(file);
    if (run.files.length > MAX_INCLUDES)
      throw new IncludeError(`Maximum of ${MAX_INCLUDES} nested includes are allowed!`);
    file.validateLocation();
  }
  for (const file of files) if (file.valid()) file.validateContext();
  for (const file of files) {
    if (file.valid()) file.validateContent();
    if (file.valid()) file.loadAndExpand();
  }
  return files;
}

/** External::Processor#perform */
export function expandIncludes(values: CiMap, context: IncludeContext): CiMap {
  const files = mapIncludes(values, context);
  if (files.length === 0) return values;
  for (const file of files) {
    const error = file.errors[0];
    if (error !== undefined) throw new IncludeError(error);
  }
  const content: CiMap = new Map();
  for (const file of files) deepMerge(content, file.toHash());
  deepMerge(content, values);
  content.delete('include');
  return content;
}
