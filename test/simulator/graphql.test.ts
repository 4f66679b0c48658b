// The simulator's /api/graphql: what GitLab answers to the queries a plan sends (see
// src/simulator/gitlab/graphql.ts for the GitLab files each answer follows).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { demoFixture } from '../helpers/gitlab.js';

let sim: GitLabSimulator;
let fixture: GitLabFixture;
const token = (user: string, scope: 'api' | 'read_api') =>
  fixture.tokens.find((t) => t.user === user && t.scopes.includes(scope))!.token;

async function ask(query: string, secret: string | null) {
  const res = await fetch(`${sim.url}/api/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { 'PRIVATE-TOKEN': secret } : {}) },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as unknown)
    : {};
  return { status: res.status, body: json as { data?: unknown; errors?: { message: string }[] } };
}

const PRIVATE = 'platform/infrastructure/cluster-management';
const project = (path: string, fields = 'fullPath') =>
  `p: project(fullPath: "${path}") { ${fields} }`;

beforeAll(async () => {
  fixture = demoFixture();
  sim = await startGitLabSimulator({ fixture });
});
afterAll(async () => {
  await sim.close();
});

describe('POST /api/graphql', () => {
  it('a private project is null to anonymous callers and there for a read_api token', async () => {
    expect((await ask(`query { ${project(PRIVATE)} }`, null)).body.data).toEqual({ p: null });
    expect(
      (await ask(`query { ${project(PRIVATE)} }`, token('root', 'read_api'))).body.data,
    ).toEqual({
      p: { fullPath: PRIVATE },
    });
  });

  it('blobs returns only the paths that exist, at the root ref', async () => {
    const r = await ask(
      `query { ${project('platform/ci-templates', 'repository { rootRef blobs(paths: ["deploy/kubectl.yml", "nope.txt"]) { nodes { path } } }')} }`,
      token('root', 'api'),
    );
    const repository = (
      r.body.data as {
        p: { repository: { rootRef: string; blobs: { nodes: { path: string }[] } } };
      }
    ).p.repository;
    expect(repository.rootRef).toBe('main');
    expect(repository.blobs.nodes.map((n) => n.path)).toEqual(['deploy/kubectl.yml']);
  });

  it('refuses a query over the complexity limit in GitLab words, with HTTP 200', async () => {
    const fields =
      'repository { blobs(paths: ["a", "b", "c", "d", "e", "f", "g", "h"]) { nodes { path rawBlob } } }';
    const many = Array.from(
      { length: 12 },
      (_, i) => `p${i}: project(fullPath: "x/${i}") { ${fields} }`,
    );
    const r = await ask(`query { ${many.join(' ')} }`, token('mara', 'api'));
    expect(r.status).toBe(200);
    expect(r.body.errors?.[0]?.message).toMatch(
      /^Query has complexity of \d+, which exceeds max complexity of 250$/,
    );
    // an administrator gets 300 (gitlab_schema.rb)
    const admin = await ask(`query { ${many.join(' ')} }`, token('root', 'api'));
    expect(admin.body.errors?.[0]?.message).toMatch(/max complexity of 300$/);
  });

  it('a bad token is 401; mutations and unknown fields are errors', async () => {
    expect((await ask(`query { ${project(PRIVATE)} }`, 'glpat-nobody')).status).toBe(401);
    const unknown = await ask(`query { ${project(PRIVATE, 'nope')} }`, token('root', 'api'));
    expect(unknown.body.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);
    const mutation = await ask('mutation { x }', token('root', 'api'));
    expect(mutation.body.errors?.length).toBeGreaterThan(0);
  });

  it('counts as API traffic: the throttle applies', async () => {
    sim.setRateLimit({ limit: 1, windowSeconds: 60 });
    try {
      await ask(`query { ${project(PRIVATE)} }`, token('tomas', 'api'));
      expect((await ask(`query { ${project(PRIVATE)} }`, token('tomas', 'api'))).status).toBe(429);
    } finally {
      sim.setRateLimit(null);
    }
  });
});
