// Edits the user's config.yaml as a `yaml` Document so every key, comment, anchor and ordering of
// theirs survives: it only adds (list entries, environments, missing settings), and where the
// user already decided otherwise it keeps theirs and records a conflict. It never edits a node
// shared through an alias or merge key, since that would change the other places too.
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isMap, isScalar, isSeq, YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { AccessEntry } from '../plan/types.js';
import { entriesOf, getIn, LISTS, type Json, type ListKey } from './config-values.js';
import { orderedEntry } from './render.js';
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

const DEFAULT_ACCESS_AS = { agent: {} };

/**
 * Edits one parsed file. `theirs` is the file's effective content before any edit; the document
 * only grows, so it stays right for lookups.
 */
export class ConfigEditor {
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
