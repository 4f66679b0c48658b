// Merges the planned agent config into the config.yaml a project already has. The user's file is
// edited in place as a `yaml` Document, so every key, comment, anchor and ordering of theirs
// survives; migrate-clusters only adds (entries, environments, missing settings). Where the user
// already decided something else, theirs stays and the difference is reported as a conflict.
import { isDeepStrictEqual } from 'node:util';
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  YAMLMap,
  YAMLSeq,
  type Document,
  type ToStringOptions,
} from 'yaml';
import { UserError } from '../errors.js';
import type { AccessEntry, AgentConfig } from '../plan/types.js';
import { orderedEntry, renderConfigText, YAML_OUTPUT } from './render.js';
import { CONFIG_LIST_LIMIT } from './schema.js';

export type ConflictKind = 'setting' | 'environments' | 'limit' | 'shared-node' | 'template';

export interface ConfigConflict {
  kind: ConflictKind;
  /** repository path of the file */
  file: string;
  /** where in the file, e.g. `ci_access.projects[id=x].access_as` */
  path: string;
  /** what the plan wants (null: the key absent) */
  ours: unknown;
  /** what the file has (null: the key absent) */
  theirs: unknown;
  message: string;
}

export interface MergeResult {
  content: string;
  /** false: `content` is the existing text, byte for byte, and nothing needs committing */
  changed: boolean;
  conflicts: ConfigConflict[];
}

export interface MergeTarget {
  project: string;
  path: string;
  /** header comment of a new file */
  header?: string | null;
}

type Json = Record<string, unknown>;
type ListKey = readonly ['ci_access' | 'user_access', 'projects' | 'groups'];

const LISTS: ListKey[] = [
  ['ci_access', 'projects'],
  ['ci_access', 'groups'],
  ['user_access', 'projects'],
  ['user_access', 'groups'],
];
const DEFAULT_ACCESS_AS = { agent: {} };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value != null && !Array.isArray(value);

function getIn(value: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), value);
}

/** The effective entries of a list (aliases and merge keys resolved), as GitLab reads them. */
const entriesOf = (theirs: unknown, keys: ListKey): Json[] => {
  const list = getIn(theirs, keys);
  return Array.isArray(list) ? (list as Json[]) : [];
};

/** What GitLab would refuse to read (or misread) in the user's file; we never overwrite such a file. */
function shapeProblems(theirs: unknown): string[] {
  if (theirs == null) return [];
  if (!isObject(theirs)) return ['the file is not a YAML mapping'];
  const problems: string[] = [];
  for (const section of ['ci_access', 'user_access'] as const) {
    const value = theirs[section];
    if (value == null) continue;
    if (!isObject(value)) {
      problems.push(`${section} is not a mapping`);
      continue;
    }
    for (const list of ['projects', 'groups'] as const) {
      const entries = value[list];
      if (entries == null) continue;
      if (!Array.isArray(entries)) problems.push(`${section}.${list} is not a list`);
      else
        entries.forEach((entry, i) => {
          if (!isObject(entry) || typeof entry.id !== 'string' || entry.id === '')
            problems.push(`${section}.${list}[${i}] has no id`);
        });
    }
    for (const key of ['instance', 'access_as'])
      if (value[key] != null && !isObject(value[key]))
        problems.push(`${section}.${key} is not a mapping`);
  }
  return problems;
}

/** yaml's pretty errors quote the source after a colon: keep the sentence. */
const firstLine = (message: string) => (message.split('\n')[0] ?? '').replace(/:$/, '');

function parseExisting(text: string, target: MergeTarget): { doc: Document; theirs: unknown } {
  const where = `${target.path} in ${target.project}`;
  const hint =
    'Fix the file on the default branch (or move it away) and run again: migrate-clusters never overwrites a file it cannot read.';
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem)
    throw new UserError(`${where} is not valid YAML: ${firstLine(problem.message)}`, { hint });
  let theirs: unknown;
  try {
    theirs = doc.toJS();
  } catch (error) {
    throw new UserError(`${where} cannot be read: ${(error as Error).message}`, { hint });
  }
  const problems = shapeProblems(theirs);
  if (problems.length)
    throw new UserError(`${where} is not a valid agent configuration: ${problems.join('; ')}.`, {
      hint,
    });
  return { doc, theirs };
}

/**
 * Edits one parsed file. `theirs` is the file's effective content before any edit; the document
 * only grows, so it stays right for lookups.
 */
class ConfigEditor {
  changed = false;
  readonly conflicts: ConfigConflict[] = [];
  private readonly added = new Map<string, number>();

  constructor(
    private readonly doc: Document,
    private readonly theirs: unknown,
    private readonly file: string,
  ) {}

  conflict(kind: ConflictKind, path: string, ours: unknown, theirs: unknown, message: string) {
    this.conflicts.push({ kind, file: this.file, path, ours, theirs, message });
  }

  /** Editing a node shared through an alias or merge key would change the other places too. */
  private shared(path: string, ours: unknown, theirs: unknown) {
    this.conflict(
      'shared-node',
      path,
      ours,
      theirs ?? null,
      `${path} is shared through a YAML alias or merge key, which migrate-clusters does not edit: add ${JSON.stringify(ours)} by hand.`,
    );
  }

  /**
   * The file's own map or list at `keys`, created when absent; null (and a conflict) when shared.
   */
  private collection(keys: readonly string[], kind: 'map', ours: unknown): YAMLMap | null;
  private collection(keys: readonly string[], kind: 'seq', ours: unknown): YAMLSeq | null;
  private collection(keys: readonly string[], kind: 'map' | 'seq', ours: unknown) {
    if (
      this.doc.contents == null ||
      (isScalar(this.doc.contents) && this.doc.contents.value == null)
    )
      this.doc.contents = new YAMLMap(this.doc.schema);
    let node: unknown = this.doc.contents;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const want = i === keys.length - 1 ? kind : 'map';
      const parent = node as YAMLMap;
      const own: unknown = parent.get(key, true);
      const ownEmpty = own === undefined || (isScalar(own) && own.value == null);
      if (isAlias(own) || (ownEmpty && getIn(this.theirs, keys.slice(0, i + 1)) != null)) {
        this.shared(keys.slice(0, i + 1).join('.'), ours, getIn(this.theirs, keys.slice(0, i + 1)));
        return null;
      }
      if (ownEmpty) {
        const created =
          want === 'map' ? new YAMLMap(this.doc.schema) : new YAMLSeq(this.doc.schema);
        parent.set(key, created);
        this.changed = true;
        node = created;
      } else {
        // `ci_access: {}` would otherwise take everything added into one flow line.
        if ((isMap(own) || isSeq(own)) && own.flow && own.items.length === 0) own.flow = false;
        node = own;
      }
    }
    return node as YAMLMap | YAMLSeq;
  }

  /** The file's own mapping of entry `index` of a list, or null when it is shared. */
  private entryNode(keys: ListKey, index: number, path: string, ours: unknown): YAMLMap | null {
    let node: unknown = this.doc.contents;
    for (const key of keys) node = isMap(node) ? node.get(key, true) : undefined;
    const item: unknown = isSeq(node) ? node.items[index] : undefined;
    if (isMap(item)) return item;
    this.shared(path, ours, entriesOf(this.theirs, keys)[index]);
    return null;
  }

  setIn(keys: readonly string[], value: unknown) {
    const parent = this.collection(keys.slice(0, -1), 'map', { [keys.at(-1)!]: value });
    if (!parent) return;
    parent.set(keys.at(-1)!, this.doc.createNode(value, { aliasDuplicateObjects: false }));
    this.changed = true;
  }

  mergeList(keys: ListKey, desired: Partial<AccessEntry>[] | undefined) {
    const existing = entriesOf(this.theirs, keys);
    for (const ours of desired ?? []) {
      const id = String(ours.id).toLowerCase();
      // GitLab indexes entries by id, so of two entries with one id the last one counts.
      const index = existing.findLastIndex((e) => String(e.id).toLowerCase() === id);
      if (index >= 0) {
        if (keys[0] === 'ci_access') this.mergeEntry(keys, index, existing[index]!, ours);
        continue;
      }
      const list = this.collection(keys, 'seq', orderedEntry(ours));
      if (!list) continue;
      list.add(this.doc.createNode(orderedEntry(ours), { aliasDuplicateObjects: false }));
      this.changed = true;
      this.added.set(keys.join('.'), (this.added.get(keys.join('.')) ?? 0) + 1);
    }
  }

  private mergeEntry(keys: ListKey, index: number, theirs: Json, ours: Partial<AccessEntry>) {
    const path = `${keys.join('.')}[id=${ours.id}]`;
    const additions: Json = {};
    const differ = (key: string, message: string) =>
      this.conflict(
        'setting',
        `${path}.${key}`,
        ours[key as keyof AccessEntry] ?? null,
        theirs[key] ?? null,
        message,
      );

    const accessDiffers =
      ours.access_as !== undefined &&
      !isDeepStrictEqual(theirs.access_as ?? DEFAULT_ACCESS_AS, ours.access_as);
    if (accessDiffers)
      differ(
        'access_as',
        `${path} lets jobs act with another identity than the plan's; yours is kept.`,
      );

    if (ours.default_namespace !== undefined) {
      if (theirs.default_namespace == null) additions.default_namespace = ours.default_namespace;
      else if (theirs.default_namespace !== ours.default_namespace)
        differ('default_namespace', `${path} has another default namespace; yours is kept.`);
    }
    if (
      ours.protected_branches_only !== undefined &&
      (theirs.protected_branches_only ?? false) !== ours.protected_branches_only
    )
      differ(
        'protected_branches_only',
        `${path} differs on protected branches only; yours is kept.`,
      );

    if (ours.resource_management !== undefined) {
      const theirsEnabled = getIn(theirs, ['resource_management', 'enabled']) ?? false;
      if (theirsEnabled !== ours.resource_management.enabled) {
        if (theirs.resource_management == null && !accessDiffers)
          additions.resource_management = ours.resource_management;
        else
          differ(
            'resource_management',
            `${path} differs on GitLab-managed resources; yours is kept.`,
          );
      }
    }

    const missing = this.missingEnvironments(path, theirs.environments, ours.environments);
    if (Object.keys(additions).length === 0 && missing.length === 0) return;
    const node = this.entryNode(keys, index, path, { ...additions, environments: missing });
    if (!node) return;
    for (const [key, value] of Object.entries(additions))
      node.set(key, this.doc.createNode(value, { aliasDuplicateObjects: false }));
    if (missing.length) {
      const own: unknown = node.get('environments', true);
      if (isSeq(own)) missing.forEach((e) => own.add(this.doc.createNode(e)));
      else
        node.set(
          'environments',
          this.doc.createNode([...(theirs.environments as string[]), ...missing]),
        );
    }
    this.changed = true;
  }

  /** No (or an empty) list means every environment, so a restriction only ever widens by union. */
  private missingEnvironments(path: string, theirs: unknown, ours: string[] | undefined): string[] {
    if (!Array.isArray(theirs) || theirs.length === 0) return [];
    if (ours == null || ours.length === 0) {
      this.conflict(
        'environments',
        `${path}.environments`,
        null,
        theirs,
        `${path} is limited to some environments, where the certificate cluster served every environment; yours is kept.`,
      );
      return [];
    }
    return ours.filter((e) => !theirs.includes(e));
  }

  mergeAccessAs(ours: Record<string, unknown> | undefined) {
    if (ours === undefined) return;
    const section = getIn(this.theirs, ['user_access']);
    if (section == null) return this.setIn(['user_access', 'access_as'], ours);
    const theirs = getIn(section, ['access_as']);
    if (!isDeepStrictEqual(theirs ?? DEFAULT_ACCESS_AS, ours))
      this.conflict(
        'setting',
        'user_access.access_as',
        ours,
        theirs ?? null,
        'user_access lets people act with another identity than the plan says; yours is kept.',
      );
  }

  checkLimits() {
    for (const keys of LISTS) {
      const before = entriesOf(this.theirs, keys).length;
      const after = before + (this.added.get(keys.join('.')) ?? 0);
      if (after > CONFIG_LIST_LIMIT)
        this.conflict(
          'limit',
          keys.join('.'),
          after,
          before,
          `${keys.join('.')} would list ${after} entries: GitLab reads the first ${CONFIG_LIST_LIMIT} and silently ignores the rest. Move some to another agent.`,
        );
    }
  }
}

/** The file's layout, so an edited file keeps looking like its author wrote it. */
function styleOf(text: string): ToStringOptions & { crlf: boolean } {
  const lines = text
    .split(/\r?\n/)
    .map((raw) => ({ indent: raw.length - raw.trimStart().length, text: raw.trim() }))
    .filter((line) => line.text !== '' && !line.text.startsWith('#'));
  let indent: number | undefined;
  let indentSeq: boolean | undefined;
  lines.forEach((line, i) => {
    const previous = lines[i - 1];
    if (!previous || !/:$/.test(previous.text.replace(/\s+#.*$/, ''))) return;
    if (/^-(\s|$)/.test(line.text)) indentSeq ??= line.indent > previous.indent;
    else if (line.indent > previous.indent) indent ??= line.indent - previous.indent;
  });
  return {
    ...YAML_OUTPUT,
    indent: Math.min(indent ?? 2, 8),
    indentSeq: indentSeq ?? true,
    crlf: text.includes('\r\n'),
  };
}

/** yaml sets a blank line before a file's closing comment; keep it attached where it was. */
function keepTrailingComment(doc: Document, text: string) {
  if (!doc.comment || !isMap(doc.contents) || doc.contents.comment) return;
  if (/\n[ \t]*\r?\n(?:[ \t]*#.*\r?\n?)+\s*$/.test(text)) return;
  doc.contents.comment = doc.comment;
  doc.comment = null;
}

/**
 * The new text of config.yaml: `desired` rendered when there is no file, else merged into the
 * existing one. Throws UserError when the existing file is not valid YAML or not shaped like an
 * agent configuration.
 */
export function mergeAgentConfig(
  existing: string | null,
  desired: AgentConfig,
  target: MergeTarget,
): MergeResult {
  const { doc, theirs } =
    existing == null ? { doc: parseDocument(''), theirs: null } : parseExisting(existing, target);
  const editor = new ConfigEditor(doc, theirs, target.path);
  editor.mergeList(LISTS[0]!, desired.ci_access?.projects);
  editor.mergeList(LISTS[1]!, desired.ci_access?.groups);
  const instance = desired.ci_access?.instance;
  if (instance !== undefined && getIn(theirs, ['ci_access', 'instance']) == null)
    editor.setIn(['ci_access', 'instance'], instance);
  editor.mergeAccessAs(desired.user_access?.access_as);
  editor.mergeList(LISTS[2]!, desired.user_access?.projects);
  editor.mergeList(LISTS[3]!, desired.user_access?.groups);
  editor.checkLimits();

  if (existing == null)
    return {
      content: renderConfigText(desired, target.header ?? null),
      changed: true,
      conflicts: editor.conflicts,
    };
  if (!editor.changed) return { content: existing, changed: false, conflicts: editor.conflicts };
  const { crlf, ...options } = styleOf(existing);
  keepTrailingComment(doc, existing);
  const text = doc.toString(options);
  return {
    content: crlf ? text.replace(/\r?\n/g, '\r\n') : text,
    changed: true,
    conflicts: editor.conflicts,
  };
}
