// CI/CD variables at the three levels GitLab has, with the model rules of Ci::Variable, Ci::GroupVariable
// and Ci::InstanceVariable: key format and length, masked values, and uniqueness of the key per
// environment scope (project, group) or per instance, whose variables have no environment scope at all.

import { UserError } from '../../errors.js';
import type { GitLabFixture } from './fixture-types.js';
import type { GroupRecord, ProjectRecord, RecordLookup } from './records.js';

export type VariableLevel = 'project' | 'group' | 'instance';
export type VariableType = 'env_var' | 'file';
export const VARIABLE_TYPES: readonly VariableType[] = ['env_var', 'file'];

export interface VariableRecord {
  key: string;
  value: string;
  variableType: VariableType;
  /** '*' for instance variables, which have no scope (the entity leaves the field out) */
  environmentScope: string;
  protected: boolean;
  masked: boolean;
  /** masked_and_hidden: the value is never shown again (project and group variables only) */
  hidden: boolean;
  raw: boolean;
  description: string | null;
}

/** What a create or an update may set; absent fields keep their value (or the default on create). */
export interface VariableInput {
  key?: string;
  value?: string;
  variableType?: VariableType;
  environmentScope?: string;
  protected?: boolean;
  masked?: boolean;
  hidden?: boolean;
  raw?: boolean;
  description?: string | null;
}

export type ModelErrors = Record<string, string[]>;

const KEY = /^[a-zA-Z0-9_]+$/;
/** Ci::Maskable::REGEX */
const MASKABLE = /^[a-zA-Z0-9_+=/@:.~-]{8,}$/;
const MAX_VALUE = 10_000;

/** Owner key: `project:<id>`, `group:<id>` or `instance`. */
export type OwnerKey = `project:${number}` | `group:${number}` | 'instance';

export function projectOwner(project: ProjectRecord): OwnerKey {
  return `project:${project.id}`;
}

export function groupOwner(group: GroupRecord): OwnerKey {
  return `group:${group.id}`;
}

export class VariableStore {
  /** per owner, in creation order (GitLab lists by id) */
  private readonly lists = new Map<OwnerKey, VariableRecord[]>();

  list(owner: OwnerKey): readonly VariableRecord[] {
    return this.lists.get(owner) ?? [];
  }

  /** Ci::VariablesFinder: by key, then by scope when a (non-empty) scope filter is given. */
  find(owner: OwnerKey, key: string, scope?: string | null): VariableRecord[] {
    return this.list(owner).filter(
      (v) => v.key === key && (owner === 'instance' || !scope || v.environmentScope === scope),
    );
  }

  create(
    owner: OwnerKey,
    input: VariableInput,
  ): { variable: VariableRecord } | { errors: ModelErrors } {
    const variable: VariableRecord = {
      key: (input.key ?? '').trim(),
      value: input.value ?? '',
      variableType: input.variableType ?? 'env_var',
      environmentScope: owner === 'instance' ? '*' : (input.environmentScope ?? '*'),
      protected: input.protected ?? false,
      masked: (input.masked ?? false) || (input.hidden ?? false),
      hidden: owner === 'instance' ? false : (input.hidden ?? false),
      raw: input.raw ?? false,
      description: input.description ?? null,
    };
    const errors = this.validate(owner, variable, null);
    if (errors) return { errors };
    const list = this.lists.get(owner) ?? [];
    list.push(variable);
    this.lists.set(owner, list);
    return { variable };
  }

  /** Changes `variable` in place when the result is valid. The key never changes. */
  update(owner: OwnerKey, variable: VariableRecord, input: VariableInput): ModelErrors | null {
    const next: VariableRecord = {
      ...variable,
      value: input.value ?? variable.value,
      variableType: input.variableType ?? variable.variableType,
      environmentScope:
        owner === 'instance' ? '*' : (input.environmentScope ?? variable.environmentScope),
      protected: input.protected ?? variable.protected,
      masked: input.masked ?? variable.masked,
      raw: input.raw ?? variable.raw,
      description: input.description === undefined ? variable.description : input.description,
    };
    const errors = this.validate(owner, next, variable);
    if (errors) return errors;
    Object.assign(variable, next);
    return null;
  }

  remove(owner: OwnerKey, variable: VariableRecord): void {
    this.lists.set(
      owner,
      this.list(owner).filter((v) => v !== variable),
    );
  }

  private validate(
    owner: OwnerKey,
    v: VariableRecord,
    self: VariableRecord | null,
  ): ModelErrors | null {
    const errors: ModelErrors = {};
    const add = (field: string, message: string) => (errors[field] ??= []).push(message);
    if (v.key === '') add('key', "can't be blank");
    if (v.key.length > 255) add('key', 'is too long (maximum is 255 characters)');
    if (!KEY.test(v.key)) add('key', "can contain only letters, digits and '_'.");
    const taken = this.list(owner).some(
      (other) =>
        other !== self &&
        other.key === v.key &&
        (owner === 'instance' || other.environmentScope === v.environmentScope),
    );
    if (taken) add('key', `(${v.key}) has already been taken`);
    if (v.value.length > MAX_VALUE)
      add('value', `The value of the provided variable exceeds the ${MAX_VALUE} character limit`);
    if (v.masked && !MASKABLE.test(v.value)) add('value', 'is invalid');
    if (owner !== 'instance' && v.environmentScope.trim() === '')
      add('environment_scope', "can't be blank");
    if (v.description != null && v.description.length > 255)
      add('description', 'is too long (maximum is 255 characters)');
    return Object.keys(errors).length > 0 ? errors : null;
  }
}

/** Fixture `variables`: values already set before a migration (or left by an earlier run). */
export function addFixtureVariables(
  state: RecordLookup & { variables: VariableStore },
  fixture: GitLabFixture,
): void {
  (fixture.variables ?? []).forEach((v, i) => {
    const what = `variable #${i + 1} ("${v.key}")`;
    let owner: OwnerKey = 'instance';
    if (v.level === 'instance') {
      if (v.owner != null)
        throw new UserError(
          `${what} is an instance variable but has owner "${v.owner}" (use null)`,
        );
    } else {
      const key = (v.owner ?? '').toLowerCase();
      const record =
        v.level === 'group' ? state.groupsByPath.get(key) : state.projectsByPath.get(key);
      if (!record)
        throw new UserError(`${what} has owner "${String(v.owner)}", which is not a ${v.level}`);
      owner = `${v.level}:${record.id}`;
    }
    const made = state.variables.create(owner, {
      key: v.key,
      value: v.value,
      ...(v.environment_scope === undefined ? {} : { environmentScope: v.environment_scope }),
      ...(v.protected === undefined ? {} : { protected: v.protected }),
      ...(v.masked === undefined ? {} : { masked: v.masked }),
      ...(v.raw === undefined ? {} : { raw: v.raw }),
      ...(v.variable_type === undefined ? {} : { variableType: v.variable_type }),
      ...(v.description === undefined ? {} : { description: v.description }),
    });
    if ('errors' in made) {
      const messages = Object.entries(made.errors).flatMap(([k, m]) => m.map((x) => `${k} ${x}`));
      throw new UserError(`${what}: ${messages.join(', ')}`);
    }
  });
}
