// CI configuration YAML the way GitLab reads and writes it. GitLab loads with Psych's safe_load, which is
// YAML 1.1 (`yes`/`no`/`on`/`off` are booleans, `<<` merge keys work, aliases are allowed), with the one
// custom tag `!reference` (lib/gitlab/ci/config/yaml/loader.rb, lib/gitlab/config/loader/yaml.rb), and
// writes merged_yaml with Ruby's `to_yaml`. The `yaml` package reads the same language; its error texts
// differ from libyaml's, so only the shape of GitLab's message is kept: "(<unknown>): <problem> at line L
// column C".
//
// Mappings are kept as Maps, so job names that look like numbers keep their place (a plain object would
// move them to the front) and keys such as `__proto__` are just keys. Keys become strings when loaded,
// like GitLab's `deep_symbolize_keys` followed by `deep_stringify_keys` on the way out.

import {
  Document,
  isScalar,
  Pair,
  parseAllDocuments,
  Scalar,
  YAMLMap,
  YAMLSeq,
  type CollectionTag,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';

export type CiMap = Map<string, CiValue>;
export type CiValue = string | number | boolean | null | CiValue[] | CiMap | ReferenceTag;

/** A Gitlab::Config::Loader::FormatError: the text is what GitLab reports as the only error. */
export class CiYamlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiYamlError';
  }
}

/**
 * A `!reference` tag (lib/gitlab/ci/config/yaml/tags/reference.rb). It stays in the loaded config until
 * the tag resolver runs after `extends:`; `state` is per copy, like the per-object status of Tags::Base.
 */
export class ReferenceTag {
  state: 'pending' | 'resolving' | 'done' = 'pending';
  resolved: CiValue = null;
  constructor(
    /** which YAML node carried the tag; only a sequence of strings is a valid reference */
    readonly kind: 'seq' | 'scalar' | 'map',
    readonly data: CiValue,
  ) {}

  copy(): ReferenceTag {
    return new ReferenceTag(this.kind, this.data);
  }
}

export function isCiMap(value: unknown): value is CiMap {
  return value instanceof Map;
}

/** Ruby's `blank?`: nil, false, whitespace-only strings and empty collections. */
export function isBlank(value: unknown): boolean {
  if (value == null || value === false) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map) return value.size === 0;
  return false;
}

const tagItems = (node: YAMLSeq.Parsed): CiValue[] =>
  node.items.map((item) => (isScalar(item) ? normalize(item.value) : null));

const REFERENCE_TAGS: (CollectionTag | ScalarTag)[] = [
  {
    tag: '!reference',
    collection: 'seq',
    resolve: (node) => new ReferenceTag('seq', tagItems(node as YAMLSeq.Parsed)),
  },
  {
    tag: '!reference',
    collection: 'map',
    resolve: (node) => new ReferenceTag('map', new Map((node as YAMLMap.Parsed).items.map(keyed))),
  },
  { tag: '!reference', resolve: (text: string) => new ReferenceTag('scalar', text) },
];

function keyed(pair: Pair): [string, CiValue] {
  const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
  return [key, isScalar(pair.value) ? normalize(pair.value.value) : null];
}

const FLOAT_TAG = 'tag:yaml.org,2002:float';

/**
 * The YAML 1.1 float patterns of the `yaml` package accept a mantissa without digits, so a hidden job
 * named `.e1` would load as NaN; Psych's ScalarScanner wants a digit. Floats here need one too.
 */
function withPsychFloats(tags: Tags): Tags {
  return tags.map((tag) => {
    if (
      typeof tag === 'string' ||
      tag.tag !== FLOAT_TAG ||
      !('test' in tag) ||
      !tag.test ||
      tag.test.source.includes('inf')
    )
      return tag;
    const test =
      tag.format === 'EXP'
        ? /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/
        : /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
    return { ...tag, test };
  });
}

const PARSE_OPTIONS = {
  version: '1.1',
  customTags: (tags: Tags) => [...withPsychFloats(tags), ...REFERENCE_TAGS],
  // Psych keeps the last of duplicated keys instead of failing
  uniqueKeys: false,
} as const;

/** `max_yaml_depth` on a default instance (Gitlab::Utils::DeepSize in Config::Loader::Yaml#valid?) */
const MAX_YAML_DEPTH = 100;
/** Config::Loader::Yaml::DataTooLargeError */
const TOO_BIG = 'The parsed YAML is too big';

/** Loaded JS values to CiValues: string keys everywhere; classes safe_load would refuse are refused. */
function normalize(value: unknown, depth = 1): CiValue {
  if (value == null) return null;
  if (value instanceof ReferenceTag) return value;
  if ((value instanceof Map || Array.isArray(value)) && depth > MAX_YAML_DEPTH)
    throw new CiYamlError(TOO_BIG);
  if (value instanceof Map) {
    const out: CiMap = new Map();
    for (const [k, v] of value) out.set(k == null ? '' : String(k), normalize(v, depth + 1));
    return out;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => normalize(v, depth + 1));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  // YAML 1.1 timestamps: Psych would build a Date, which safe_load does not permit
  if (value instanceof Date) throw new CiYamlError('Tried to load unspecified class: Date');
  // !!binary: Psych gives the decoded bytes as a String
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  throw new CiYamlError('Invalid configuration format');
}

function formatYamlError(error: {
  message: string;
  linePos?: [{ line: number; col: number }, ...unknown[]];
}): string {
  const problem =
    error.message.split(/ at line \d+, column \d+/)[0]?.split('\n')[0] ?? error.message;
  const at = error.linePos?.[0];
  return at
    ? `(<unknown>): ${problem} at line ${at.line} column ${at.col}`
    : `(<unknown>): ${problem}`;
}

/**
 * Yaml::Loader#load_uninterpolated_yaml + Yaml::Result#content: up to two documents (a `spec:` header and
 * the configuration), empty documents dropped, each one a mapping ("Invalid configuration format"
 * otherwise). Returns the configuration document, an empty map when there is none.
 */
export function loadCiYaml(text: string): CiMap {
  const documents: CiMap[] = [];
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, PARSE_OPTIONS);
  } catch {
    throw new CiYamlError(TOO_BIG);
  }
  for (const doc of parsed) {
    const error = doc.errors[0];
    // nesting deep enough to exhaust the parser's stack is far beyond max_yaml_depth
    if (error?.message.includes('Maximum call stack')) throw new CiYamlError(TOO_BIG);
    if (error) throw new CiYamlError(formatYamlError(error));
    if (doc.contents == null) continue; // reject_empty
    let loaded: unknown;
    try {
      loaded = doc.toJS({ mapAsMap: true, maxAliasCount: 100 });
    } catch {
      // alias bombs: GitLab's DeepSize check refuses what would expand beyond its limits
      throw new CiYamlError(TOO_BIG);
    }
    const value = normalize(loaded);
    if (!isCiMap(value)) throw new CiYamlError('Invalid configuration format');
    documents.push(value);
  }
  const [first, second] = documents;
  // has_header?: more than one document and the first holds `spec:`. Inputs are not interpolated.
  if (first && second && first.has('spec')) return second;
  return first ?? new Map<string, CiValue>();
}

export function deepClone(value: CiValue): CiValue {
  if (value instanceof Map) {
    const out: CiMap = new Map();
    for (const [k, v] of value) out.set(k, deepClone(v));
    return out;
  }
  if (Array.isArray(value)) return value.map(deepClone);
  if (value instanceof ReferenceTag) return value.copy();
  return value;
}

/**
 * ActiveSupport's `deep_merge!`: keys of `source` win, mappings on both sides merge recursively, anything
 * else (arrays included) is replaced. A replaced key keeps its position in `target`; new keys go last.
 */
export function deepMerge(target: CiMap, source: CiMap): CiMap {
  for (const [key, value] of source) {
    const current = target.get(key);
    if (isCiMap(current) && isCiMap(value))
      target.set(key, deepMerge(deepClone(current) as CiMap, value));
    else target.set(key, deepClone(value));
  }
  return target;
}

/** Ruby's `inspect` for the values GitLab interpolates into error texts. */
export function rubyInspect(value: CiValue | undefined): string {
  if (value == null) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  if (value instanceof ReferenceTag) return `!reference ${rubyInspect(value.data)}`;
  return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}=>${rubyInspect(v)}`).join(', ')}}`;
}

/** Ruby's `to_s` for values interpolated as text (nil is empty, collections are inspected). */
export function rubyToS(value: CiValue | undefined): string {
  if (value == null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return rubyInspect(value);
}

/** Maps to plain objects, for JSON responses. */
export function toJson(value: CiValue | undefined): unknown {
  if (value === undefined) return null;
  if (value instanceof Map) {
    // no prototype, so a `__proto__` key is an ordinary property
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of value) out[k] = toJson(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof ReferenceTag) return rubyInspect(value);
  return value;
}

function toNode(value: CiValue): Node {
  if (value instanceof Map) {
    const map = new YAMLMap();
    for (const [k, v] of value) map.items.push(new Pair(new Scalar(k), toNode(v)));
    return map;
  }
  if (Array.isArray(value)) {
    const seq = new YAMLSeq();
    for (const v of value) seq.items.push(toNode(v));
    return seq;
  }
  if (value instanceof ReferenceTag) return new Scalar(rubyInspect(value));
  return new Scalar(value);
}

/**
 * `hash.deep_stringify_keys.to_yaml`: a `---` document, sequences not indented under their key and strings
 * quoted wherever YAML 1.1 would read them as something else, as Psych writes them. Line folding and
 * quote choice can differ from Psych in details; the YAML means the same.
 */
export function dumpYaml(config: CiMap): string {
  if (config.size === 0) return '--- {}\n';
  const doc = new Document(null, { version: '1.1' });
  doc.contents = toNode(config);
  return `---\n${doc.toString({ indentSeq: false, singleQuote: true, nullStr: '' })}`;
}
