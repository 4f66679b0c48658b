// Test access to the GitLab simulator: fixtures, a started server, and a client for it.
import { readFileSync } from 'node:fs';
import { createGitLabClient, type GitLabClient } from '../../src/gitlab/client.js';
import { demoFixturePath } from '../../src/paths.js';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import {
  startGitLabSimulator,
  type GitLabSimulator,
  type GitLabSimulatorOptions,
} from '../../src/simulator/gitlab/server.js';

export function demoFixture(): GitLabFixture {
  return JSON.parse(readFileSync(demoFixturePath, 'utf8')) as GitLabFixture;
}

export function tokenOf(
  fixture: GitLabFixture,
  predicate: (t: GitLabFixture['tokens'][number], admin: boolean) => boolean,
): string {
  const admins = new Set(fixture.users.filter((u) => u.admin).map((u) => u.username));
  const token = fixture.tokens.find((t) => predicate(t, admins.has(t.user)));
  if (!token) throw new Error('fixture has no such token');
  return token.token;
}

export const adminApiToken = (f: GitLabFixture) =>
  tokenOf(f, (t, admin) => admin && t.scopes.includes('api'));

export async function withSimulator<T>(
  options: GitLabSimulatorOptions,
  fn: (simulator: GitLabSimulator) => Promise<T>,
): Promise<T> {
  const simulator = await startGitLabSimulator(options);
  try {
    return await fn(simulator);
  } finally {
    await simulator.close();
  }
}

/** A client with fast retries, so fault tests do not wait for production backoffs. */
export function testClient(
  url: string,
  token: string,
  overrides: Partial<Parameters<typeof createGitLabClient>[0]['transport']> = {},
): GitLabClient {
  return createGitLabClient({
    url,
    token,
    concurrency: 8,
    transport: { baseBackoffMs: 5, maxBackoffMs: 50, timeoutMs: 2_000, ...overrides },
  });
}
