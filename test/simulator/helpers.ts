// Plain-fetch helpers for the simulator contract tests (the tests speak HTTP like any client would).

import {
  startGitLabSimulator,
  type GitLabSimulator,
  type GitLabSimulatorOptions,
} from '../../src/simulator/gitlab/server.js';
import { smallFixture } from './small-fixture.js';

export interface CallOptions {
  token?: string;
  scheme?: 'private-token' | 'bearer' | 'query';
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** parsed body when it is JSON, else undefined */
  json: unknown;
}

/** `path` is below /api/v4 and may carry a query string. */
export async function call(
  sim: GitLabSimulator,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  let url = `${sim.url}/api/v4${path}`;
  if (options.token !== undefined) {
    const scheme = options.scheme ?? 'private-token';
    if (scheme === 'private-token') headers['PRIVATE-TOKEN'] = options.token;
    else if (scheme === 'bearer') headers['Authorization'] = `Bearer ${options.token}`;
    else
      url += `${url.includes('?') ? '&' : '?'}private_token=${encodeURIComponent(options.token)}`;
  }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json')
    ? (JSON.parse(text) as unknown)
    : undefined;
  return { status: res.status, headers: res.headers, text, json };
}

export async function startSmall(
  overrides: Partial<GitLabSimulatorOptions> = {},
): Promise<GitLabSimulator> {
  return startGitLabSimulator({ fixture: smallFixture(), ...overrides });
}

/** ids of an array body, for compact assertions */
export function ids(body: unknown): number[] {
  return (body as { id: number }[]).map((x) => x.id);
}
