// The shape a journal must have once read, checked before anything trusts it: a journal of the
// wrong shape (hand-edited, another tool's, cut short in the wrong place) would otherwise make
// apply crash on a TypeError or rollback act on "certificate cluster undefined". Extra keys are
// allowed (a newer version may add some); what is there must be what this version reads.
import { Ajv, type ErrorObject } from 'ajv';
import { JOURNAL_LISTS } from './journal-format.js';
import type { Journal } from './journal.js';

const str = { type: 'string' } as const;
const id = { type: 'integer', minimum: 0 } as const;
const level = { enum: ['project', 'group', 'instance'] } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const list = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'array',
  items: { type: 'object', properties, required },
});

const schema = {
  type: 'object',
  required: ['kind', 'gitlabUrl', 'planGeneratedAt', ...JOURNAL_LISTS],
  properties: {
    kind: { const: 'migrate-clusters/journal' },
    gitlabUrl: str,
    planGeneratedAt: str,
    createdProjects: { type: 'array', items: str },
    agents: list({ ref: str, id }, ['ref', 'id']),
    tokens: list({ ref: str, id, name: str }, ['ref', 'id']),
    revokedTokens: list({ ref: str, id }, ['ref', 'id']),
    installs: list({ ref: str, context: str, namespace: str }, ['ref', 'context', 'namespace']),
    variables: list({ level, owner: nullableStr, key: str, environmentScope: str, value: str }, [
      'level',
      'owner',
      'key',
      'environmentScope',
      'value',
    ]),
    environments: list(
      { project: str, id, name: str, previousAgentId: { type: ['integer', 'null'] } },
      ['project', 'id', 'name', 'previousAgentId'],
    ),
    disabledClusters: list(
      { id, level, owner: nullableStr, namespacePerEnvironment: { type: ['boolean', 'null'] } },
      ['id', 'level', 'owner', 'namespacePerEnvironment'],
    ),
    completedSteps: { type: 'array', items: str },
    intents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'kind'],
        properties: {
          id: str,
          kind: { enum: ['create-project', 'register-agent', 'create-token'] },
          project: str,
          ref: str,
          name: str,
          agentId: id,
        },
      },
    },
    settledIntents: { type: 'array', items: str },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile<Journal>(schema);

function describe(error: ErrorObject): string {
  const where = error.instancePath || 'the journal';
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** null when `value` is a journal this version can read; otherwise what is wrong, in one line. */
export function journalShapeProblem(value: unknown): string | null {
  if (validate(value)) return null;
  const errors = validate.errors ?? [];
  return errors.slice(0, 3).map(describe).join('; ') + (errors.length > 3 ? ' (and more)' : '');
}
