// A strict JSON Schema of the agent configuration file (.gitlab/agents/<name>/config.yaml), as
// GitLab documents it (gitlabhq/gitlabhq: doc/user/clusters/agent/ci_cd_workflow.md), and its ajv validator. Strict where
// migrate-clusters writes (ci_access, user_access): KAS rejects a file with unknown fields, and
// GitLab drops entries past the 500th without a word. Loose for the sections users own
// (gitops, remote_development, container_scanning, flux), so a real file is not rejected.
import { Ajv, type ErrorObject } from 'ajv';

/** GitLab uses the first 500 entries of each list and ignores the rest (first(500), since 17.0). */
export const CONFIG_LIST_LIMIT = 500;

/**
 * A project or group full path: segments of letters, digits, `_`, `-` and `.` joined by `/`, with
 * no leading or trailing slash. GitLab matches it case-insensitively and ignores numeric ids.
 */
export const FULL_PATH_PATTERN = '^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$';

const emptyObject = { type: 'object', additionalProperties: false, properties: {} } as const;
const nonEmptyString = { type: 'string', minLength: 1 } as const;

/** access_as is a protobuf oneof: exactly one of agent, ci_job (Premium) or impersonate (Premium). */
const ciAccessAs = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    agent: emptyObject,
    ci_job: emptyObject,
    impersonate: {
      type: 'object',
      required: ['username'],
      additionalProperties: false,
      properties: {
        username: nonEmptyString,
        uid: nonEmptyString,
        groups: { type: 'array', items: nonEmptyString },
        extra: {
          type: 'array',
          items: {
            type: 'object',
            required: ['key'],
            additionalProperties: false,
            properties: { key: nonEmptyString, val: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const;

/** What a project, group or instance authorisation may say, besides its id. */
const authorisationSettings = {
  default_namespace: nonEmptyString,
  access_as: ciAccessAs,
  environments: { type: 'array', minItems: 1, items: nonEmptyString },
  protected_branches_only: { type: 'boolean' },
  resource_management: {
    type: 'object',
    additionalProperties: false,
    properties: { enabled: { type: 'boolean' } },
  },
} as const;

const id = { type: 'string', pattern: FULL_PATH_PATTERN } as const;

const ciAccessList = {
  type: 'array',
  maxItems: CONFIG_LIST_LIMIT,
  items: {
    type: 'object',
    required: ['id'],
    additionalProperties: false,
    properties: { id, ...authorisationSettings },
  },
} as const;

const userAccessList = {
  type: 'array',
  maxItems: CONFIG_LIST_LIMIT,
  items: { type: 'object', required: ['id'], additionalProperties: false, properties: { id } },
} as const;

const logLevel = { enum: ['error', 'warn', 'info', 'debug'] } as const;

/** Sections migrate-clusters never writes: only their type is checked. */
const userOwnedSection = { type: 'object' } as const;

export const agentConfigSchema = {
  $id: 'https://gitlab.com/migrate-clusters/agent-config.schema.json',
  title: 'GitLab agent for Kubernetes configuration file',
  type: 'object',
  additionalProperties: false,
  properties: {
    ci_access: {
      type: 'object',
      additionalProperties: false,
      properties: {
        projects: ciAccessList,
        groups: ciAccessList,
        // 17.11+, Self-Managed, with instance-level authorization on. Rails stores this hash as
        // the authorisation's config, so it takes the same settings as an entry (without id).
        instance: {
          type: 'object',
          additionalProperties: false,
          properties: authorisationSettings,
        },
      },
    },
    user_access: {
      type: 'object',
      additionalProperties: false,
      properties: {
        access_as: {
          type: 'object',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: false,
          properties: { agent: emptyObject, user: emptyObject },
        },
        projects: userAccessList,
        groups: userAccessList,
        // Understood by the agent; Rails does not act on it yet (gitlab-org/gitlab#570346).
        instance: emptyObject,
      },
    },
    observability: {
      type: 'object',
      additionalProperties: false,
      properties: {
        logging: {
          type: 'object',
          additionalProperties: false,
          properties: { level: logLevel, grpc_level: logLevel },
        },
      },
    },
    gitops: userOwnedSection,
    remote_development: userOwnedSection,
    container_scanning: userOwnedSection,
    flux: userOwnedSection,
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(agentConfigSchema);

function describeError(error: ErrorObject): string {
  const where = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${where} has unknown key "${String(params.additionalProperty)}"`;
  if (error.keyword === 'enum')
    return `${where} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Every problem with an agent configuration (already parsed from YAML); empty when valid. */
export function validateAgentConfig(value: unknown): string[] {
  if (validate(value)) return [];
  return [...new Set((validate.errors ?? []).map(describeError))];
}
