// Reads a fixture file and rejects broken ones with a single line that names the file and the entry, so a
// hand-edited fixture fails at load time instead of as a puzzling 404 from the simulator.

import { readFile } from 'node:fs/promises';
import { UserError } from '../../errors.js';
import type { GitLabFixture } from './fixture-types.js';
import { SimulatorState } from './state.js';

export async function loadFixture(file: string): Promise<GitLabFixture> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot read it (${code ?? 'error'})`;
    throw new UserError(`Fixture ${file}: ${why}`, { cause: error });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`Fixture ${file}: not valid JSON (${oneLine((error as Error).message)})`, {
      cause: error,
    });
  }
  try {
    checkFixtureShape(data);
    // Building the model resolves every reference (parents, namespaces, members, owners) and reports the first dangling one.
    new SimulatorState(data);
  } catch (error) {
    if (error instanceof UserError)
      throw new UserError(`Fixture ${file}: ${error.message}`, { cause: error });
    throw error;
  }
  return data;
}

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isInt: Check = (v) => Number.isInteger(v);
const isBool: Check = (v) => typeof v === 'boolean';
const nullable =
  (check: Check): Check =>
  (v) =>
    v == null || check(v);
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const isObject: Check = (v) => typeof v === 'object' && v != null && !Array.isArray(v);
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check);

const VISIBILITY = oneOf('private', 'internal', 'public');
const ACCESS = oneOf(10, 20, 30, 40, 50);
const SCOPES = oneOf('api', 'read_api', 'read_user', 'read_repository', 'write_repository');

/** field -> [check, required?] */
type Spec = Record<string, [Check, boolean]>;

const SPECS: Record<'users' | 'tokens' | 'groups' | 'projects' | 'members' | 'clusters', Spec> = {
  users: {
    id: [isInt, true],
    username: [isString, true],
    name: [isString, true],
    admin: [isBool, true],
    state: [oneOf('active', 'blocked'), false],
  },
  tokens: {
    token: [isString, true],
    user: [isString, true],
    scopes: [arrayOf(SCOPES), true],
    name: [isString, false],
  },
  groups: {
    id: [isInt, true],
    path: [isString, true],
    name: [isString, true],
    parent: [nullable(isString), true],
    visibility: [VISIBILITY, false],
    description: [isString, false],
  },
  projects: {
    id: [isInt, true],
    path: [isString, true],
    name: [isString, true],
    namespace: [isString, true],
    visibility: [VISIBILITY, false],
    default_branch: [isString, false],
    description: [isString, false],
    ci_config_path: [isString, false],
    auto_devops_enabled: [isBool, false],
  },
  members: { user: [isString, true], source: [isString, true], access_level: [ACCESS, true] },
  clusters: {
    id: [isInt, true],
    name: [isString, true],
    level: [oneOf('project', 'group', 'instance'), true],
    owner: [nullable(isString), true],
    environment_scope: [isString, true],
    enabled: [isBool, true],
    managed: [isBool, true],
    namespace_per_environment: [isBool, true],
    domain: [nullable(isString), true],
    provider_type: [oneOf('user', 'gcp'), true],
    created_at: [isString, true],
    created_by: [isString, true],
    platform_kubernetes: [isObject, true],
    management_project: [nullable(isString), true],
    provider_gcp: [nullable(isObject), false],
  },
};

const INSTANCE: Spec = {
  version: [isString, true],
  revision: [isString, true],
  enterprise: [isBool, true],
  kas: [isObject, true],
  featureFlags: [isObject, true],
  auto_devops_enabled: [isBool, false],
};

const KAS: Spec = {
  enabled: [isBool, true],
  externalUrl: [nullable(isString), true],
  externalK8sProxyUrl: [nullable(isString), true],
  version: [nullable(isString), true],
};

const PLATFORM: Spec = {
  api_url: [isString, true],
  namespace: [nullable(isString), true],
  authorization_type: [oneOf('rbac', 'abac', 'unknown_authorization'), true],
  ca_cert: [nullable(isString), true],
};

function checkObject(value: unknown, where: string, spec: Spec): void {
  if (!isObject(value)) throw new UserError(`${where} must be an object`);
  const record = value as Record<string, unknown>;
  for (const [field, [check, required]] of Object.entries(spec)) {
    if (!(field in record) || record[field] === undefined) {
      if (required) throw new UserError(`${where} is missing "${field}"`);
      continue;
    }
    if (!check(record[field]))
      throw new UserError(`${where} has an invalid "${field}": ${JSON.stringify(record[field])}`);
  }
}

/** Structural check of a parsed fixture (references are checked by building the state). */
export function checkFixtureShape(data: unknown): asserts data is GitLabFixture {
  if (!isObject(data)) throw new UserError('the top level must be a JSON object');
  const root = data as Record<string, unknown>;
  checkObject(root['instance'], 'instance', INSTANCE);
  checkObject((root['instance'] as Record<string, unknown>)['kas'], 'instance.kas', KAS);
  for (const [key, spec] of Object.entries(SPECS)) {
    const list = root[key];
    if (list === undefined) throw new UserError(`missing required key "${key}"`);
    if (!Array.isArray(list)) throw new UserError(`"${key}" must be an array`);
    list.forEach((item, i) => checkObject(item, `${key}[${i}]`, spec));
  }
  (root['clusters'] as Record<string, unknown>[]).forEach((c, i) =>
    checkObject(c['platform_kubernetes'], `clusters[${i}].platform_kubernetes`, PLATFORM),
  );
  checkRepositories(root['repositories']);
  checkOptionalLists(root);
}

/** Optional lists of a partly migrated instance: agents (with tokens), variables, environments. */
const OPTIONAL_SPECS: Record<'agents' | 'variables' | 'environments', Spec> = {
  agents: {
    project: [isString, true],
    name: [isString, true],
    created_by: [isString, false],
    tokens: [Array.isArray, false],
  },
  variables: {
    level: [oneOf('project', 'group', 'instance'), true],
    owner: [nullable(isString), true],
    key: [isString, true],
    value: [isString, true],
    environment_scope: [isString, false],
    protected: [isBool, false],
    masked: [isBool, false],
    raw: [isBool, false],
    variable_type: [oneOf('env_var', 'file'), false],
    description: [isString, false],
  },
  environments: {
    project: [isString, true],
    name: [isString, true],
    tier: [oneOf('production', 'staging', 'testing', 'development', 'other'), false],
    cluster_agent: [isString, false],
    kubernetes_namespace: [isString, false],
  },
};

const AGENT_TOKEN: Spec = {
  name: [isString, true],
  description: [isString, false],
  status: [oneOf('active', 'revoked'), false],
  token: [isString, false],
  last_used_at: [nullable(isString), false],
};

function checkOptionalLists(root: Record<string, unknown>): void {
  for (const [key, spec] of Object.entries(OPTIONAL_SPECS)) {
    const list = root[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new UserError(`"${key}" must be an array`);
    list.forEach((item, i) => checkObject(item, `${key}[${i}]`, spec));
  }
  ((root['agents'] ?? []) as Record<string, unknown>[]).forEach((a, i) =>
    ((a['tokens'] ?? []) as unknown[]).forEach((t, j) =>
      checkObject(t, `agents[${i}].tokens[${j}]`, AGENT_TOKEN),
    ),
  );
}

const REPOSITORY: Spec = {
  project: [isString, true],
  branch: [isString, false],
  files: [(v) => isObject(v) && Object.values(v as object).every(isString), true],
};

/** Optional `repositories`: file contents must be text (the simulator stores them as UTF-8). */
function checkRepositories(list: unknown): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) throw new UserError('"repositories" must be an array');
  list.forEach((item, i) => checkObject(item, `repositories[${i}]`, REPOSITORY));
}

function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}
