// GitLab's GraphQL API (POST /api/graphql) on the same transport as REST: the same pool, retries,
// pacing and size cap. Only queries are sent, so a lost answer may be asked again. GitLab answers
// a query it refuses with HTTP 200 and `errors` (a complexity over its limit, an unknown field on an
// older version); those come back to the caller, which falls back to REST.
import { Ajv } from 'ajv';
import type { GitLabClient } from './client.js';
import { UntrustedAnswerError } from './untrusted-answer.js';

export interface GraphqlAnswer<T> {
  data: T | null;
  errors: string[];
}

const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile({
  type: 'object',
  properties: {
    data: { type: ['object', 'null'] },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    },
  },
});

export async function graphqlQuery<T>(
  client: GitLabClient,
  query: string,
): Promise<GraphqlAnswer<T>> {
  const body = await client.graphql(query);
  if (!validate(body))
    throw new UntrustedAnswerError(
      'POST',
      '/api/graphql',
      'with JSON that is not a GraphQL answer',
    );
  const answer = body as { data?: T | null; errors?: { message: string }[] };
  return { data: answer.data ?? null, errors: (answer.errors ?? []).map((e) => e.message) };
}

/** GitLab's "Query has complexity of 301, which exceeds max complexity of 250" (gitlab_schema.rb). */
export function complexityRefusal(errors: string[]): { cost: number; max: number } | null {
  for (const e of errors) {
    const m = /complexity of (\d+), which exceeds max complexity of (\d+)/.exec(e);
    if (m) return { cost: Number(m[1]), max: Number(m[2]) };
  }
  return null;
}

/** `gid://gitlab/Clusters::Agent/12` → 12 */
export function idOf(gid: string): number {
  return Number(gid.slice(gid.lastIndexOf('/') + 1));
}
