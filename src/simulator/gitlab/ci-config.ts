// Static CI lint: Gitlab::Ci::Lint#legacy_static_validation -> Gitlab::Ci::YamlProcessor ->
// Gitlab::Ci::Config, reduced to what a migration needs to read back: the expanded configuration, its
// includes and its jobs. Gitlab::Ci::Config#build_config runs, in order:
//   1. Config::Yaml.load!               (ci-yaml.ts)
//   2. External::Processor#perform      includes (ci-includes.ts)
//   3. Config::Extendable               `extends:` (lib/gitlab/ci/config/extendable/entry.rb)
//   4. Yaml::Tags::Resolver             `!reference` (lib/gitlab/ci/config/yaml/tags/*.rb)
//   5. EdgeStagesInjector               `.pre` and `.post` around a `stages:` list
// A failure in any of these is a ConfigError: its message is the only error, and merged_yaml and
// includes are null because no Ci::Config object exists (YamlProcessor#execute rescues it).
//
// merged_yaml is `Ci::Config#metadata[:merged_yaml]`, i.e. `@config.deep_stringify_keys.to_yaml`, taken
// after all five steps (lib/gitlab/ci/config.rb; YamlProcessor::Result#config_metadata). So it holds
// the included files merged in, `include:` removed, `extends:` resolved but the `extends:` keys still
// present (Extendable::Entry#extend! deep-merges the job's own hash, key included, over its bases),
// hidden `.jobs` kept, `!reference` tags replaced by what they point at, and `.pre`/`.post` added to an
// explicit `stages:` list. It is there whenever the configuration loads, also when the entry or logical
// validation below then fails (api/lint_spec.rb "invalid config": merged_yaml equals the content).
//
// After loading, Entry::Root validates the config, then YamlProcessor#run_logical_validations! checks
// stages, needs, dependencies and on_stop. Of the entry validations only those a migration meets are
// modelled: every job needs script:/run:/trigger:, at least one visible job, only:/except: shapes, and
// the `rules:when` warning. Unknown keywords, value types of other keywords, parallel:matrix expansion
// and the needs cycle check are not.

import {
  IncludeError,
  expandIncludes,
  type IncludeContext,
  type IncludeMetadata,
} from './ci-includes.js';
import {
  CiYamlError,
  ReferenceTag,
  deepClone,
  deepMerge,
  dumpYaml,
  isBlank,
  isCiMap,
  loadCiYaml,
  rubyInspect,
  rubyToS,
  toJson,
  type CiMap,
  type CiValue,
} from './ci-yaml.js';

/** Static-mode job keys of Gitlab::Ci::Lint#yaml_processor_result_to_jobs, in its order. */
export interface LintJob {
  name: string;
  stage: string;
  before_script: unknown[];
  script: unknown[];
  after_script: unknown[];
  tag_list: unknown[];
  only: unknown;
  except: unknown;
  environment: string | null;
  when: string;
  allow_failure: boolean;
  needs: { name: string; artifacts: boolean; optional: boolean }[] | null;
}

/** Gitlab::Ci::Lint::Result */
export interface LintResult {
  errors: string[];
  warnings: string[];
  merged_yaml: string | null;
  includes: IncludeMetadata[] | null;
  /** only for a valid configuration (`return jobs unless result&.valid?`) */
  jobs: LintJob[];
}

/** Extendable::ExtensionError */
class ExtensionError extends Error {}
/** Yaml::Tags::TagError */
class TagError extends Error {}

/**
 * Extendable::Entry::MAX_NESTING_LEVELS: an entry with more ancestors than this may not extend, so a
 * job's chain of `extends:` can be 11 hops long (job -> .e1 -> ... -> .e11).
 */
const MAX_EXTENDS_NESTING = 10;

/** Ruby's Kernel#Array: nil is empty, an array stays, a hash becomes its pairs, anything else is wrapped. */
function rubyArray(value: CiValue | undefined): CiValue[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value;
  if (isCiMap(value)) return [...value].map(([k, v]) => [k, v]);
  return [value];
}

/**
 * Extendable::Entry#extend!: bases first (each resolved recursively), deep-merged in the order listed,
 * then the entry's own hash on top; arrays are replaced, not appended. The result replaces the entry.
 */
function extendEntry(hash: CiMap, key: string, ancestors: readonly string[]): CiValue {
  const value = hash.get(key) ?? null;
  if (!isCiMap(value) || !value.has('extends')) return value;
  const bases = rubyArray(value.get('extends')).map(rubyToS);
  const unknown = bases.filter((base) => !hash.has(base));
  if (unknown.length > 0)
    throw new ExtensionError(`${key}: unknown keys in \`extends\` (${unknown.join(', ')})`);
  const invalid = bases.filter((base) => !isCiMap(hash.get(base)));
  if (invalid.length > 0)
    throw new ExtensionError(`${key}: invalid base hashes in \`extends\` (${invalid.join(', ')})`);
  if (ancestors.length > MAX_EXTENDS_NESTING)
    throw new ExtensionError(`${key}: nesting too deep in \`extends\``);
  if (ancestors.includes(key))
    throw new ExtensionError(`${key}: circular dependency detected in \`extends\``);
  const merged: CiMap = new Map();
  for (const base of bases)
    deepMerge(merged, extendEntry(hash, base, [...ancestors, key]) as CiMap);
  deepMerge(merged, value);
  hash.set(key, merged);
  return merged;
}

/** Config::Extendable: every top-level entry, in order. */
function extendConfig(config: CiMap): CiMap {
  const hash = deepClone(config) as CiMap;
  for (const key of [...hash.keys()]) extendEntry(hash, key, []);
  return hash;
}

/** Tags::Reference#valid?: a non-empty sequence of strings. */
function referencePath(tag: ReferenceTag): string[] | null {
  const data = tag.data;
  if (tag.kind !== 'seq' || !Array.isArray(data) || data.length === 0) return null;
  return data.every((s) => typeof s === 'string') ? data : null;
}

/** Tags::Base#validation_error_message: the scalar, else the mapping, else the sequence. */
function invalidReference(tag: ReferenceTag): string {
  const data = tag.data;
  const shown =
    tag.kind === 'scalar' && !isBlank(data)
      ? data
      : tag.kind === 'map' && !isBlank(data)
        ? data
        : tag.kind === 'seq'
          ? data
          : [];
  return `!reference ${rubyInspect(shown)} is not valid`;
}

/** `resolver.config.dig(*location)`: digging into anything but a mapping is a TypeError (not found). */
function dig(root: CiMap, path: readonly string[], missing: () => TagError): CiValue {
  let current: CiValue = root;
  for (const key of path) {
    if (current == null) return null;
    if (!isCiMap(current)) throw missing();
    current = current.get(key) ?? null;
  }
  return current;
}

/** Tags::Resolver: every `!reference` replaced by the (itself resolved) value it points at. */
function resolveReferences(config: CiMap): CiMap {
  const root = deepClone(config) as CiMap;
  const resolveTag = (tag: ReferenceTag): CiValue => {
    const path = referencePath(tag);
    if (!path) throw new TagError(invalidReference(tag));
    const shown = `!reference ${rubyInspect(path)}`;
    if (tag.state === 'resolving') throw new TagError(`${shown} is part of a circular chain`);
    if (tag.state === 'done') return tag.resolved;
    tag.state = 'resolving';
    const missing = () => new TagError(`${shown} could not be found`);
    const value = deepResolve(dig(root, path, missing));
    if (value == null || value === false) throw missing();
    tag.resolved = value;
    tag.state = 'done';
    return value;
  };
  const wrap = (v: CiValue): CiValue => (v instanceof ReferenceTag ? resolveTag(v) : v);
  // ActiveSupport's deep_transform_values: through mappings and arrays down to the leaves
  const transform = (v: CiValue): CiValue => {
    if (isCiMap(v)) return new Map([...v].map(([k, x]) => [k, transform(x)]));
    if (Array.isArray(v)) return v.map(transform);
    return wrap(v);
  };
  // Resolver#deep_resolve: an array only one level deep, a mapping all the way
  const deepResolve = (v: CiValue): CiValue => {
    if (Array.isArray(v)) return v.map(wrap);
    if (isCiMap(v)) return transform(v);
    return wrap(v);
  };
  return transform(root) as CiMap;
}

const EDGE_STAGES = ['.pre', '.post'];
const DEFAULT_STAGES = ['.pre', 'build', 'test', 'deploy', '.post'];

/** EdgeStagesInjector: `.pre` first and `.post` last in a non-empty `stages:` (or `types:`) list. */
function injectEdgeStages(config: CiMap): CiMap {
  const key = config.has('stages') ? 'stages' : config.has('types') ? 'types' : null;
  const stages = key ? config.get(key) : null;
  if (!key || !Array.isArray(stages) || stages.length === 0) return config;
  const out = new Map(config);
  out.set(key, ['.pre', ...stages.filter((s) => !EDGE_STAGES.includes(s as string)), '.post']);
  return out;
}

/** Entry::Root's reserved entries: never jobs. `default` and `workflow` are jobs only if they look like one. */
const RESERVED = new Set([
  'include',
  'before_script',
  'image',
  'services',
  'after_script',
  'variables',
  'stages',
  'types',
  'cache',
]);
const ROOT_KEYS = new Set([...RESERVED, 'default', 'workflow']);
/** the deprecated top-level keywords Entry::Default inherits when `default:` does not set them */
const GLOBAL_DEFAULTS = new Set(['before_script', 'image', 'services', 'after_script', 'cache']);

type JobKind = 'hidden' | 'job' | 'bridge';

/** Entry::Jobs.find_type: Hidden, Job (script: or run:), Bridge (trigger:), or nothing. */
function jobKind(name: string, config: CiValue): JobKind | null {
  if (name.startsWith('.')) return 'hidden';
  if (!isCiMap(config)) return null;
  if (config.has('script') || config.has('run')) return 'job';
  if (config.has('trigger')) return 'bridge';
  return null;
}

/**
 * How Entry::Jobs' error names a job: ActiveModel's full_messages humanizes the attribute (`_` to space,
 * a trailing " id" dropped), Config::Entry::Validator downcases the message and turns the spaces of a
 * letters-only name back into underscores.
 */
function errorJobName(name: string): string {
  const human = name
    .replace(/\./g, '_')
    .replace(/_/g, ' ')
    .replace(/^\s+/, '')
    .replace(/ id$/, '')
    .toLowerCase();
  return /^[a-z\s]+$/.test(human) ? human.replace(/\s/g, '_') : human;
}

interface Job {
  name: string;
  kind: 'job' | 'bridge';
  config: CiMap;
  stage: CiValue;
}

interface Root {
  config: CiMap;
  stages: string[];
  jobs: Job[];
  hasWorkflowRules: boolean;
  errors: string[];
  warnings: string[];
}

const RULES_WHEN_DOCS =
  'https://docs.gitlab.com/ee/ci/jobs/job_troubleshooting.html#job-may-allow-multiple-pipelines-to-run-for-a-single-action-warning';

/** Entry::Root#compose!, reduced: the jobs, the stages and the modelled entry errors and warnings. */
function composeRoot(config: CiMap): Root {
  const entries = [...config].filter(
    ([name, value]) =>
      !RESERVED.has(name) && (jobKind(name, value) != null || !ROOT_KEYS.has(name)),
  );
  const workflow = config.get('workflow');
  const hasWorkflowRules = isCiMap(workflow) && workflow.get('rules') != null;
  const stagesValue = config.get('stages') ?? config.get('types');
  const stages = Array.isArray(stagesValue) ? stagesValue.map(rubyToS) : DEFAULT_STAGES;

  const errors: string[] = [];
  const warnings: string[] = [];
  const jobs: Job[] = [];
  for (const [name, value] of entries) {
    const kind = jobKind(name, value);
    if (kind == null)
      errors.push(
        `jobs ${errorJobName(name)} config should implement the script:, run:, or trigger: keyword`,
      );
    else if (kind !== 'hidden' && isCiMap(value))
      jobs.push({
        name,
        kind,
        config: value,
        stage: value.get('stage') ?? value.get('type') ?? 'test',
      });
  }
  if (jobs.length === 0) errors.push('jobs config should contain at least one visible job');

  for (const job of jobs) {
    for (const key of ['only', 'except']) {
      const policy = job.config.get(key);
      // Entry::Policy is Simplifiable: an array (refs) or a hash; anything else is UnknownStrategy
      if (policy != null && !Array.isArray(policy) && !isCiMap(policy))
        errors.push(`jobs:${job.name}:${key} has to be either an array of conditions or a hash`);
    }
    // Processable#validate_against_warnings (skipped when workflow:rules exist)
    const rules = job.config.get('rules');
    const last = Array.isArray(rules) ? rules[rules.length - 1] : undefined;
    if (
      !hasWorkflowRules &&
      isCiMap(last) &&
      last.size === 1 &&
      last.has('when') &&
      last.get('when') !== 'never'
    ) {
      warnings.push(
        `jobs:${job.name} may allow multiple pipelines to run for a single action due to \`rules:when\` clause with no \`workflow:rules\` - read more: ${RULES_WHEN_DOCS}`,
      );
    }
  }
  return { config, stages, jobs, hasWorkflowRules, errors, warnings };
}

/** Entry::Environment's value: a name and an action (start unless given). */
function environmentOf(job: Job): { name: string; action: string; onStop: string | null } | null {
  const env = job.config.get('environment');
  if (env == null) return null;
  if (!isCiMap(env)) return { name: rubyToS(env), action: 'start', onStop: null };
  const onStop = env.get('on_stop');
  return {
    name: rubyToS(env.get('name')),
    action: rubyToS(env.get('action') ?? 'start'),
    onStop: onStop == null ? null : rubyToS(onStop),
  };
}

/** Entry::Needs: `needs.job` entries (cross-project and pipeline needs are not job needs). */
function needsOf(job: Job): LintJob['needs'] {
  const raw = job.config.get('needs');
  const list = raw == null ? [] : Array.isArray(raw) ? raw : [raw];
  const needs = list.flatMap((need) => {
    if (typeof need === 'string') return [{ name: need, artifacts: true, optional: false }];
    if (!isCiMap(need) || need.get('job') == null) return [];
    return [
      {
        name: rubyToS(need.get('job')),
        artifacts: need.get('artifacts') !== false,
        optional: need.get('optional') === true,
      },
    ];
  });
  return needs.length > 0 ? needs : null;
}

/** YamlProcessor#run_logical_validations!: the first failure is the only error. */
function logicalError(root: Root): string | null {
  const { stages, jobs } = root;
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const stageIndex = (job: Job) => stages.indexOf(job.stage as string);
  const dependency = (
    job: Job,
    name: string,
    type: 'dependency' | 'need',
    optional = false,
  ): string | null => {
    const target = byName.get(name);
    if (!target) return optional ? null : `${job.name} job: undefined ${type}: ${name}`;
    const at = stageIndex(target);
    if (at < 0 || at > stageIndex(job))
      return `${job.name} job: ${type} ${name} is not defined in current or prior stages`;
    return null;
  };
  for (const job of jobs) {
    if (typeof job.stage !== 'string' || !stages.includes(job.stage)) {
      return `${job.name} job: chosen stage ${rubyToS(job.stage)} does not exist; available stages are ${stages.join(', ')}`;
    }
    for (const dep of rubyArray(job.config.get('dependencies'))) {
      const error = dependency(job, rubyToS(dep), 'dependency');
      if (error) return error;
    }
    const needs = needsOf(job) ?? [];
    for (const need of needs) {
      const error = dependency(job, need.name, 'need', need.optional);
      if (error) return error;
    }
    const duplicated = [
      ...new Set(needs.map((n) => n.name).filter((n, i, all) => all.indexOf(n) !== i)),
    ];
    if (duplicated.length > 0)
      return `${job.name} has the following needs duplicated: ${duplicated.join(', ')}.`;
    const env = environmentOf(job);
    if (env?.onStop != null) {
      const prefix = `${job.name} job: on_stop job ${env.onStop}`;
      const stopJob = byName.get(env.onStop);
      if (!stopJob) return `${prefix} is not defined`;
      const stopEnv = environmentOf(stopJob);
      if (!stopEnv) return `${prefix} does not have environment defined`;
      if (stopEnv.name !== env.name) return `${prefix} have different environment name`;
      if (stopEnv.action !== 'stop') return `${prefix} needs to have action stop defined`;
    }
  }
  return null;
}

/** Entry::Commands / Entry::Script: a string or a (nested, e.g. by !reference) list of lines. */
function commands(value: CiValue | undefined): unknown[] {
  if (value == null) return [];
  return (Array.isArray(value) ? value : [value]).flat(10).map((v) => toJson(v));
}

/** Inheritable#inherit!: the job's own value, else `default:` (or a deprecated global), per `inherit:default`. */
function inherited(root: Root, job: Job, key: string): CiValue | undefined {
  const own = job.config.get(key);
  if (own != null) return own;
  const inherit = job.config.get('inherit');
  const setting = isCiMap(inherit) ? inherit.get('default') : undefined;
  if (setting === false) return undefined;
  if (Array.isArray(setting) && !setting.includes(key)) return undefined;
  const defaults = root.config.get('default');
  if (isCiMap(defaults) && defaults.get(key) != null) return defaults.get(key);
  return GLOBAL_DEFAULTS.has(key) ? (root.config.get(key) ?? undefined) : undefined;
}

/**
 * Entry::Policy#value: the default (`refs: [branches, tags]` for only:, none for except:) deep-merged
 * with the given value. Processable#compose! drops the only:/except: defaults when the job has rules: or
 * the pipeline has workflow:rules.
 */
function policy(root: Root, job: Job, key: 'only' | 'except'): unknown {
  const given = job.config.get(key);
  const noDefaults = job.config.get('rules') != null || root.hasWorkflowRules;
  if (given == null && (key === 'except' || noDefaults)) return null;
  const value: CiMap =
    key === 'only'
      ? new Map<string, CiValue>([['refs', ['branches', 'tags']]])
      : new Map<string, CiValue>();
  if (Array.isArray(given)) deepMerge(value, new Map([['refs', given]]));
  else if (isCiMap(given)) deepMerge(value, given);
  return toJson(value);
}

/** Lint#yaml_processor_result_to_jobs: by stage, then in configuration order. */
function lintJobs(root: Root): LintJob[] {
  const out: LintJob[] = [];
  for (const stage of root.stages) {
    for (const job of root.jobs) {
      if (job.stage !== stage) continue;
      const when = rubyToS(job.config.get('when')) || 'on_success';
      const allowFailure = job.config.get('allow_failure');
      out.push({
        name: job.name,
        stage,
        before_script: commands(inherited(root, job, 'before_script')),
        script: commands(job.config.get('script')),
        after_script: commands(inherited(root, job, 'after_script')),
        tag_list: rubyArray(inherited(root, job, 'tags')).map((t) => toJson(t)),
        only: policy(root, job, 'only'),
        except: policy(root, job, 'except'),
        environment: environmentOf(job)?.name ?? null,
        when,
        // Job#ignored?: a boolean allow_failure, false for `allow_failure: exit_codes`, else manual jobs
        allow_failure:
          typeof allowFailure === 'boolean'
            ? allowFailure
            : isCiMap(allowFailure)
              ? false
              : when === 'manual',
        needs: needsOf(job),
      });
    }
  }
  return out;
}

const NO_CONTENT = 'Please provide content of .gitlab-ci.yml';

/** Gitlab::Ci::Lint#legacy_static_validation for `content` read in `context`. */
export function lintStatic(content: string | null, context: IncludeContext): LintResult {
  if (isBlank(content))
    return { errors: [NO_CONTENT], warnings: [], merged_yaml: null, includes: null, jobs: [] };
  let config: CiMap;
  try {
    config = loadCiYaml(content ?? '');
    config = expandIncludes(config, context);
    config = extendConfig(config);
    config = resolveReferences(config);
    config = injectEdgeStages(config);
  } catch (error) {
    const known =
      error instanceof CiYamlError ||
      error instanceof IncludeError ||
      error instanceof ExtensionError ||
      error instanceof TagError;
    if (!known) throw error;
    return { errors: [error.message], warnings: [], merged_yaml: null, includes: null, jobs: [] };
  }
  const includes = context.run.files.map((file) => file.metadata());
  const mergedYaml = dumpYaml(config);
  const root = composeRoot(config);
  const base = { warnings: root.warnings, merged_yaml: mergedYaml, includes, jobs: [] };
  if (root.errors.length > 0) return { ...base, errors: root.errors };
  const logical = logicalError(root);
  if (logical) return { ...base, errors: [logical] };
  return { ...base, errors: [], jobs: lintJobs(root) };
}
