// CI/CD variables at the project, group and instance level, addressed by key and environment scope.
// Instance variables have no environment scope in GitLab (one value per key for every job), so at that
// level the scope must be '*'. Managing variables needs Maintainer on a project, Owner on a group, and an
// administrator for the instance. gitbeaker 43's instance `remove` sends a GET, so writes use the raw
// requester throughout, with `filter[environment_scope]` to say which of several same-key variables.
import { UserError } from '../errors.js';
import type { GitLabClient } from './client.js';
import { endpoint } from './endpoint.js';
import { explainGitLabError, type FailureHints, type HttpFailure } from './errors.js';
import { writeOnce } from './lost-answer.js';
import { fetchAllOffset } from './paginate.js';
import { call, callOrNull } from './call.js';

export type VariableLevel = 'project' | 'group' | 'instance';

export interface VariableRecord {
  key: string;
  /** null when the variable is masked and hidden: GitLab never shows the value again */
  value: string | null;
  /** '*' for instance variables */
  environmentScope: string;
  protected: boolean;
  masked: boolean;
  raw: boolean;
  description: string | null;
}

export interface VariableInput {
  key: string;
  value: string;
  environmentScope: string;
  description?: string;
  protected?: boolean;
  masked?: boolean;
  raw?: boolean;
}

interface VariableSchema {
  key: string;
  value: string | null;
  environment_scope?: string;
  protected?: boolean;
  masked?: boolean;
  raw?: boolean;
  description?: string | null;
}

const toRecord = (v: VariableSchema): VariableRecord => ({
  key: v.key,
  value: v.value,
  environmentScope: v.environment_scope ?? '*',
  protected: v.protected === true,
  masked: v.masked === true,
  raw: v.raw === true,
  description: v.description ?? null,
});

export function variablesPath(level: VariableLevel, owner: string | null): string {
  if (level === 'instance') return 'admin/ci/variables';
  if (owner == null)
    throw new UserError(`A ${level} CI/CD variable needs the ${level}'s path.`, {
      hint: 'Run plan again: the plan names no owner for this variable.',
    });
  return level === 'project'
    ? endpoint`projects/${owner}/variables`
    : endpoint`groups/${owner}/variables`;
}

function where(level: VariableLevel, owner: string | null): string {
  return level === 'instance' ? 'the instance' : `${level} ${owner}`;
}

function hints(
  level: VariableLevel,
  key: string,
  scope: string,
  owner: string | null,
): FailureHints {
  return {
    forbidden:
      level === 'project'
        ? 'Project CI/CD variables need the Maintainer role in the project.'
        : level === 'group'
          ? 'Group CI/CD variables need the Owner role in the group (Maintainer is not enough).'
          : 'Instance CI/CD variables need an administrator.',
    explain: (f: HttpFailure) => {
      if (f.status === 400 && /has already been taken/.test(f.description))
        return new UserError(
          `${key} already exists on ${where(level, owner)} for environment scope ${scope}.`,
          {
            hint: 'Run apply again: it reads the existing value and leaves a different one alone.',
          },
        );
      if (f.status === 409)
        return new UserError(
          `${key} on ${where(level, owner)} exists for several environment scopes and GitLab could not tell which one was meant.`,
        );
      return undefined;
    },
  };
}

/** Instance variables apply to every environment: a narrower scope cannot be expressed there. */
function checkScope(level: VariableLevel, key: string, scope: string): void {
  if (level === 'instance' && scope !== '*')
    throw new UserError(
      `Instance CI/CD variables have no environment scope, so ${key} cannot be limited to "${scope}" there.`,
      {
        hint: 'Set it on the groups or projects instead (re-plan without --instance-authorization), or use scope "*".',
      },
    );
}

const filter = (level: VariableLevel, scope: string) =>
  level === 'instance' ? {} : { 'filter[environment_scope]': scope };

/** Every variable at this level (all pages). `owner` is the project or group path, null for the instance. */
export async function listVariables(
  client: GitLabClient,
  level: VariableLevel,
  owner: string | null,
): Promise<VariableRecord[]> {
  try {
    return (await fetchAllOffset<VariableSchema>(client.get, variablesPath(level, owner))).map(
      toRecord,
    );
  } catch (error) {
    throw explainGitLabError(
      error,
      client.url,
      `listing the CI/CD variables of ${where(level, owner)}`,
      hints(level, '', '*', owner),
    );
  }
}

/** The variable with this key and scope, or null. At the instance level the scope is ignored. */
export async function findVariable(
  client: GitLabClient,
  level: VariableLevel,
  owner: string | null,
  key: string,
  environmentScope: string,
): Promise<VariableRecord | null> {
  const path = `${variablesPath(level, owner)}/${encodeURIComponent(key)}`;
  const found = await callOrNull(
    client,
    `reading ${key} (scope ${environmentScope}) on ${where(level, owner)}`,
    /Variable Not Found/,
    () => client.requester.get(path, { searchParams: filter(level, environmentScope) }),
    hints(level, key, environmentScope, owner),
  );
  return found == null ? null : toRecord(found.body as unknown as VariableSchema);
}

function writeBody(level: VariableLevel, v: VariableInput): Record<string, unknown> {
  const body: Record<string, unknown> = { value: v.value };
  if (level !== 'instance') body['environment_scope'] = v.environmentScope;
  if (v.description !== undefined) body['description'] = v.description;
  if (v.protected !== undefined) body['protected'] = v.protected;
  if (v.masked !== undefined) body['masked'] = v.masked;
  if (v.raw !== undefined) body['raw'] = v.raw;
  return body;
}

export async function createVariable(
  client: GitLabClient,
  level: VariableLevel,
  owner: string | null,
  v: VariableInput,
): Promise<VariableRecord> {
  checkScope(level, v.key, v.environmentScope);
  const path = variablesPath(level, owner);
  // Lost answer: the variable with our value there is the one we created.
  return writeOnce(
    async () => {
      const response = await call(
        client,
        `creating ${v.key} (scope ${v.environmentScope}) on ${where(level, owner)}`,
        () => client.requester.post(path, { body: { key: v.key, ...writeBody(level, v) } }),
        hints(level, v.key, v.environmentScope, owner),
      );
      return toRecord(response.body as unknown as VariableSchema);
    },
    async () => {
      const found = await findVariable(client, level, owner, v.key, v.environmentScope);
      return found?.value === v.value ? found : null;
    },
  );
}

/** Sets the value (and the other given fields) of the variable with this key and scope. */
export async function updateVariable(
  client: GitLabClient,
  level: VariableLevel,
  owner: string | null,
  v: VariableInput,
): Promise<VariableRecord> {
  checkScope(level, v.key, v.environmentScope);
  const path = `${variablesPath(level, owner)}/${encodeURIComponent(v.key)}`;
  const response = await call(
    client,
    `updating ${v.key} (scope ${v.environmentScope}) on ${where(level, owner)}`,
    () =>
      client.requester.put(path, {
        body: writeBody(level, v),
        searchParams: filter(level, v.environmentScope),
      }),
    hints(level, v.key, v.environmentScope, owner),
  );
  return toRecord(response.body as unknown as VariableSchema);
}

export async function deleteVariable(
  client: GitLabClient,
  level: VariableLevel,
  owner: string | null,
  key: string,
  environmentScope: string,
): Promise<void> {
  checkScope(level, key, environmentScope);
  const path = `${variablesPath(level, owner)}/${encodeURIComponent(key)}`;
  // A 404 is the end wanted: the DELETE may be a retry of one whose answer was lost.
  await callOrNull(
    client,
    `deleting ${key} (scope ${environmentScope}) on ${where(level, owner)}`,
    /^404 (Group)?Variable Not Found$/,
    () => client.requester.delete(path, { searchParams: filter(level, environmentScope) }),
    hints(level, key, environmentScope, owner),
  );
}
