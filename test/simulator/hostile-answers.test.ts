// The simulator's hostile answers (what a login proxy, a broken cache or the wrong host sends with
// a 200), spoken to with plain fetch like any client would.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeEach(async () => {
  sim = await startSmall();
});
afterEach(async () => {
  await sim.close();
});

const admin = { token: TOKENS.adminApi };

describe('hostile answers', () => {
  it('answers a matching GET with a login page (200 text/html), without asking GitLab', async () => {
    sim.setFaults({ hostile: [{ pathPattern: '/clusters$', answer: { kind: 'html-page' } }] });
    const page = await call(sim, '/groups/1/clusters'); // no token: the proxy answers first
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('Sign in');
    // other paths and other methods reach GitLab
    expect((await call(sim, '/groups/1', admin)).status).toBe(200);
    expect(sim.requests.map((r) => r.injected)).toEqual(['hostile', null]);
  });

  it('streams an oversized JSON body, with or without a Content-Length', async () => {
    sim.setFaults({
      hostile: [
        { pathPattern: '/groups$', answer: { kind: 'oversized', bytes: 3_000_000 } },
        {
          pathPattern: '/projects$',
          answer: { kind: 'oversized', bytes: 3_000_000, declareLength: false },
        },
      ],
    });
    const declared = await call(sim, '/groups', admin);
    expect(Number(declared.headers.get('content-length'))).toBe(declared.text.length);
    expect(declared.text.length).toBeGreaterThanOrEqual(3_000_000);
    expect((JSON.parse(declared.text) as unknown[]).length).toBeGreaterThan(10_000);
    const chunked = await call(sim, '/projects', admin);
    expect(chunked.headers.get('content-length')).toBeNull();
    expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
    expect(chunked.text.length).toBeGreaterThanOrEqual(3_000_000);
  });

  it('stops streaming when the client goes away', async () => {
    sim.setFaults({
      hostile: [{ pathPattern: '/groups$', answer: { kind: 'oversized', bytes: 500_000_000 } }],
    });
    const response = await fetch(`${sim.url}/api/v4/groups`);
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    // the server is still there and answers the next request at once
    expect((await call(sim, '/version', admin)).status).toBe(200);
  });

  it('answers a wrong shape, or any raw text', async () => {
    sim.setFaults({
      hostile: [
        {
          pathPattern: '/discover-cert-based-clusters',
          answer: { kind: 'json', body: { groups: 'x', projects: 5 } },
        },
        {
          pathPattern: '/metadata',
          answer: { kind: 'raw', contentType: 'application/json', text: '{"version":' },
        },
      ],
    });
    const shape = await call(sim, '/discover-cert-based-clusters?group_id=1', admin);
    expect(shape.json).toEqual({ groups: 'x', projects: 5 });
    const broken = await fetch(`${sim.url}/api/v4/metadata`);
    expect(await broken.text()).toBe('{"version":');
  });

  it('rewrites GitLab’s own headers: a looping x-next-page, or any header', async () => {
    sim.setFaults({
      hostile: [
        { pathPattern: '/groups$', answer: { kind: 'next-page-loop' } },
        {
          pathPattern: '/projects$',
          answer: {
            kind: 'headers',
            headers: { 'content-type': 'application/json; charset=utf-8' },
          },
        },
      ],
    });
    const groups = await call(sim, '/groups?page=7&per_page=1', admin);
    expect(groups.status).toBe(200);
    expect(Array.isArray(groups.json)).toBe(true);
    expect(groups.headers.get('x-next-page')).toBe('2');
    expect(groups.headers.get('x-total')).toBeNull();
    expect(groups.headers.get('x-total-pages')).toBeNull();
    const projects = await call(sim, '/projects', admin);
    expect(projects.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('hits only the first `times` matches; later ones fall to the next rule or to GitLab', async () => {
    sim.setFaults({
      hostile: [
        { pathPattern: '/version', times: 1, answer: { kind: 'html-page' } },
        { pathPattern: '/version', times: 1, answer: { kind: 'json', body: [] } },
      ],
    });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await call(sim, '/version', admin));
    expect(answers.map((a) => a.headers.get('content-type'))).toEqual([
      'text/html; charset=utf-8',
      'application/json',
      'application/json',
    ]);
    expect(answers[2]!.json).toMatchObject({ version: expect.any(String) as string });
  });

  it('refuses a bad plan at setFaults', () => {
    expect(() => sim.setFaults({ hostile: [{ times: 0, answer: { kind: 'html-page' } }] })).toThrow(
      /times/,
    );
    expect(() =>
      sim.setFaults({ hostile: [{ pathPattern: '(', answer: { kind: 'html-page' } }] }),
    ).toThrow();
  });
});
