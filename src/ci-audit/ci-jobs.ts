// The jobs of a merged CI configuration (GitLab's lint API `merged_yaml`: includes merged,
// `extends` and `!reference` resolved, see Gitlab::Ci::Config#build_config in
// lib/gitlab/ci/config.rb), with what each job inherits from `default:` and the top level, which
// merged_yaml leaves unapplied.
import { parseDocument } from 'yaml';
import { isObject, type Json } from '../agent-config/config-values.js';
import { UserError } from '../errors.js';

/**
 * Top-level keys that are never jobs: Gitlab::Ci::Config::Entry::Root's entries
 * (lib/gitlab/ci/config/entry/root.rb), the old `types`, and the `spec` header of an include.
 */
const RESERVED = new Set([
  'image',
  'services',
  'stages',
  'types',
  'before_script',
  'after_script',
  'variables',
  'cache',
  'include',
  'default',
  'workflow',
  'spec',
]);

export type ScriptSection = 'before_script' | 'script' | 'after_script';

export interface CiJob {
  name: string;
  /** environment:name; null for a job without one */
  environment: string | null;
  /** the effective script lines of each section, nested lists flattened */
  sections: Record<ScriptSection, string[]>;
  image: string | null;
  /** effective variables: the top level's (unless `inherit: variables` says otherwise), then the job's */
  variables: Record<string, string>;
  /** the job's own variables (after extends) */
  ownVariables: Record<string, string>;
  only: unknown;
  except: unknown;
  /** `rules:` entries, nested lists flattened (GitLab flattens `!reference`d rule lists) */
  rules: unknown[];
}

/** Script lines as GitLab accepts them: a string, or a list of strings and nested lists. */
function lines(value: unknown): string[] {
  if (value == null) return [];
  if (Array.isArray(value)) return value.flatMap(lines);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? [String(value)]
    : [];
}

function imageName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value.name === 'string' ? value.name : null;
}

function environmentName(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value.name === 'string' ? value.name : null;
}

/**
 * Whether a job takes `key` from `default:` / the top level. `inherit: default:` is true, false or
 * a list of keys (Gitlab::Ci::Config::Entry::Inherit::Default, lib/gitlab/ci/config/entry/inherit/default.rb);
 * `inherit: variables:` works the same way for top-level variables.
 */
function inherits(job: Json, kind: 'default' | 'variables', key: string): boolean {
  const setting = isObject(job.inherit) ? job.inherit[kind] : undefined;
  if (setting === false) return false;
  if (Array.isArray(setting)) return setting.includes(key);
  return true;
}

function variableValue(value: unknown): string {
  if (isObject(value)) return variableValue(value.value);
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

function variablesOf(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, variableValue(v)]));
}

/** Parses merged_yaml; throws UserError when it is not valid YAML or not a mapping. */
export function parseMergedConfig(mergedYaml: string): Json {
  const doc = parseDocument(mergedYaml, { merge: true });
  const problem = doc.errors[0];
  if (problem)
    throw new UserError(
      `The merged CI configuration is not valid YAML: ${problem.message.split('\n')[0]}`,
    );
  const config: unknown = doc.toJS({ maxAliasCount: -1 });
  if (config == null) return {};
  if (!isObject(config)) throw new UserError('The merged CI configuration is not a YAML mapping.');
  return config;
}

/**
 * Every job, with its environment or null. Hidden jobs (names starting with '.') are templates
 * GitLab never runs (Entry::Jobs#hidden?, lib/gitlab/ci/config/entry/jobs.rb).
 */
export function configJobs(config: Json): CiJob[] {
  const defaults = isObject(config.default) ? config.default : {};
  /** `default:` wins over the old top-level form of the same key. */
  const fromDefault = (job: Json, key: string): unknown =>
    inherits(job, 'default', key) ? (defaults[key] ?? config[key]) : undefined;
  const rootVariables = variablesOf(config.variables);

  const jobs: CiJob[] = [];
  for (const [name, job] of Object.entries(config)) {
    if (RESERVED.has(name) || name.startsWith('.') || !isObject(job)) continue;
    const environment = environmentName(job.environment);
    const own = (key: string) => (key in job ? job[key] : fromDefault(job, key));
    const inherited = Object.fromEntries(
      Object.entries(rootVariables).filter(([key]) => inherits(job, 'variables', key)),
    );
    const ownVariables = variablesOf(job.variables);
    jobs.push({
      name,
      environment,
      sections: {
        before_script: lines(own('before_script')),
        script: lines(job.script),
        after_script: lines(own('after_script')),
      },
      image: imageName(own('image')),
      variables: { ...inherited, ...ownVariables },
      ownVariables,
      only: job.only,
      except: job.except,
      rules: Array.isArray(job.rules) ? (job.rules as unknown[]).flat(10) : [],
    });
  }
  return jobs;
}
