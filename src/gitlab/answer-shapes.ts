// The shape of every GitLab answer that discovery and plan build on, checked before anything reads
// it. Without this a wrong-shaped discovery answer (`{"groups":"x","projects":5}`) read as "no
// owners here" and 13 of 15 clusters vanished without a word.
//
// The schemas are deliberately narrow: they list the fields migrate-clusters reads, with the types
// GitLab's entities give them, and allow everything else (GitLab adds fields in every release).
// A field is required only where GitLab's entity always exposes it and a missing one would silently
// change the result (a cluster without `enabled` would read as turned off). Sources:
//   clusters            gitlabhq/gitlabhq: lib/api/entities/cluster.rb, lib/api/entities/platform/kubernetes.rb
//   discovery           lib/api/cluster_discovery.rb: `present({ groups:, projects: })`, both always
//   groups, projects    lib/api/entities/group.rb, basic_project_details.rb (namespace always exposed)
//   metadata, user(s)   lib/api/metadata.rb, entities/user_public.rb (is_admin only for admins), user_basic.rb
//   tokens, agents      lib/api/entities/clusters/agent.rb, agent_token.rb; personal_access_tokens
//   variables           lib/api/entities/ci/variable.rb (value null when hidden)
//   environments        lib/api/entities/environment.rb
//   repository files    lib/api/files.rb (content base64, last_commit_id)
import { Ajv, type ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;

const int: Schema = { type: 'integer' };
const str: Schema = { type: 'string' };
const orNull = (type: string): Schema => ({ type: [type, 'null'] });
const object = (required: string[], properties: Record<string, Schema>): Schema => ({
  type: 'object',
  required,
  properties,
});
/** `required` and `properties` only constrain objects, so null passes as itself. */
const objectOrNull = (required: string[], properties: Record<string, Schema>): Schema => ({
  ...object(required, properties),
  type: ['object', 'null'],
});
const list = (item: Schema): Schema => ({ type: 'array', items: item });

const projectIdentity = { id: int, path_with_namespace: str };

const cluster = object(
  ['id', 'name', 'enabled', 'managed', 'environment_scope', 'platform_kubernetes'],
  {
    id: int,
    name: str,
    created_at: orNull('string'),
    domain: orNull('string'),
    enabled: orNull('boolean'),
    managed: orNull('boolean'),
    provider_type: orNull('string'),
    environment_scope: str,
    namespace_per_environment: orNull('boolean'),
    platform_kubernetes: objectOrNull([], {
      api_url: orNull('string'),
      namespace: orNull('string'),
      authorization_type: orNull('string'),
      ca_cert: orNull('string'),
    }),
    management_project: objectOrNull(['path_with_namespace'], projectIdentity),
  },
);

const discoveredByOwner: Schema = {
  type: 'object',
  additionalProperties: list(object(['id', 'name'], { id: int, name: str })),
};
const discovery = object(['groups', 'projects'], {
  groups: discoveredByOwner,
  projects: discoveredByOwner,
});

const group = object(['id', 'full_path', 'parent_id'], {
  id: int,
  full_path: str,
  parent_id: orNull('integer'),
});

const projectInList = object(['id', 'path_with_namespace', 'namespace'], {
  ...projectIdentity,
  namespace: object(['kind'], { kind: str, full_path: str }),
});

const project = object(['id', 'path_with_namespace'], {
  ...projectIdentity,
  default_branch: orNull('string'),
  empty_repo: { type: 'boolean' },
  archived: { type: 'boolean' },
  ci_config_path: orNull('string'),
});

const metadata = object(['version'], {
  version: str,
  kas: objectOrNull([], { externalUrl: orNull('string'), version: orNull('string') }),
});

const user = object(['id', 'username'], { id: int, username: str, is_admin: { type: 'boolean' } });

const tokenSelf = object(['scopes'], { scopes: list(str) });

const agent = object(['id', 'name', 'config_project'], {
  id: int,
  name: str,
  config_project: object(['path_with_namespace'], projectIdentity),
});

const agentToken = object(['id', 'name', 'status'], {
  id: int,
  name: str,
  status: { enum: ['active', 'revoked'] },
  created_at: str,
  last_used_at: orNull('string'),
});

const variable = object(['key', 'value'], {
  key: str,
  value: orNull('string'),
  environment_scope: str,
});

const environment = object(['id', 'name'], {
  id: int,
  name: str,
  slug: str,
  cluster_agent: objectOrNull(['id'], { id: int }),
});

const repositoryFile = object(['content', 'encoding', 'last_commit_id'], {
  content: str,
  encoding: str,
  last_commit_id: str,
});

/** One path segment as GitLab routes it: an id or a URL-encoded full path (`a%2Fb`). */
const S = '[^/]+';
const route = (pattern: string) => new RegExp(`^${pattern}$`);

/** Paths below /api/v4, as sent (still percent-encoded). First match wins. */
const SHAPES: { methods: string[]; pattern: RegExp; schema: Schema }[] = [
  { methods: ['GET'], pattern: route(`(projects|groups)/${S}/clusters`), schema: list(cluster) },
  { methods: ['GET'], pattern: route('admin/clusters'), schema: list(cluster) },
  {
    methods: ['GET', 'PUT'],
    pattern: route(`((projects|groups)/${S}|admin)/clusters/\\d+`),
    schema: cluster,
  },
  { methods: ['GET'], pattern: route('discover-cert-based-clusters'), schema: discovery },
  { methods: ['GET'], pattern: route(`groups(/${S}/descendant_groups)?`), schema: list(group) },
  { methods: ['GET'], pattern: route(`groups/${S}`), schema: group },
  { methods: ['GET'], pattern: route(`(groups/${S}/)?projects`), schema: list(projectInList) },
  { methods: ['GET'], pattern: route(`projects/${S}`), schema: project },
  { methods: ['GET'], pattern: route('(metadata|version)'), schema: metadata },
  { methods: ['GET'], pattern: route('user'), schema: user },
  { methods: ['GET'], pattern: route('users'), schema: list(user) },
  { methods: ['GET'], pattern: route('personal_access_tokens/self'), schema: tokenSelf },
  { methods: ['GET'], pattern: route(`projects/${S}/cluster_agents`), schema: list(agent) },
  { methods: ['GET'], pattern: route(`projects/${S}/cluster_agents/\\d+`), schema: agent },
  {
    methods: ['GET'],
    pattern: route(`projects/${S}/cluster_agents/\\d+/tokens`),
    schema: list(agentToken),
  },
  {
    methods: ['GET'],
    pattern: route(`projects/${S}/cluster_agents/\\d+/tokens/\\d+`),
    schema: agentToken,
  },
  {
    methods: ['GET'],
    pattern: route(`((projects|groups)/${S}|admin/ci)/variables`),
    schema: list(variable),
  },
  {
    methods: ['GET'],
    pattern: route(`((projects|groups)/${S}|admin/ci)/variables/${S}`),
    schema: variable,
  },
  { methods: ['GET'], pattern: route(`projects/${S}/environments`), schema: list(environment) },
  {
    methods: ['GET'],
    pattern: route(`projects/${S}/repository/files/${S}`),
    schema: repositoryFile,
  },
];

/**
 * The few API endpoints that answer raw bytes instead of JSON (a file's content, a job log, an
 * archive). migrate-clusters itself reads none of them; gitbeaker's resources can.
 */
const RAW = [
  route(`projects/${S}/repository/(files/${S}|blobs/${S})/raw`),
  route(`projects/${S}/repository/archive(\\.[a-z.0-9]+)?`),
  route(`projects/${S}/jobs/\\d+/trace`),
  route(`(projects/${S}/)?snippets/\\d+/(raw|files/.+/raw)`),
];

export function isRawEndpoint(apiPath: string): boolean {
  return RAW.some((pattern) => pattern.test(apiPath));
}

let compiled: { methods: string[]; pattern: RegExp; validate: ValidateFunction }[] | null = null;

function validators() {
  if (!compiled) {
    // allErrors: report every misfit of the answer, not only the first (messages keep three).
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    compiled = SHAPES.map((s) => ({ ...s, validate: ajv.compile(s.schema) }));
  }
  return compiled;
}

/** Endpoints with a known shape (for tests: every endpoint discovery and plan read is listed). */
export function hasKnownShape(method: string, apiPath: string): boolean {
  return validators().some((v) => v.methods.includes(method) && v.pattern.test(apiPath));
}

/**
 * Why `body` is not the answer GitLab gives to `method apiPath`, or null when it is (or when the
 * endpoint has no listed shape). Only JSON pointers and expected types are named, never values.
 */
export function shapeProblem(method: string, apiPath: string, body: unknown): string | null {
  const match = validators().find((v) => v.methods.includes(method) && v.pattern.test(apiPath));
  if (!match || match.validate(body)) return null;
  const errors = match.validate.errors ?? [];
  const described = errors
    .slice(0, 3)
    .map(
      (e) => `${e.instancePath === '' ? 'the answer' : e.instancePath} ${e.message ?? 'is wrong'}`,
    );
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  return described.join('; ') + more;
}
