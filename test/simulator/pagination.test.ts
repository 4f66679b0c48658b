import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabFixture } from '../../src/simulator/gitlab/fixture-types.js';
import { startGitLabSimulator, type GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, ids, startSmall } from './helpers.js';
import { smallFixture, TOKENS } from './small-fixture.js';

const admin = { token: TOKENS.adminApi };

function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/<([^>]+)>; rel="([^"]+)"/g))
    out[m[2] as string] = m[1] as string;
  return out;
}

describe('offset pagination', () => {
  let sim: GitLabSimulator;
  beforeAll(async () => {
    sim = await startSmall();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('sets x-* headers and Link on a middle page, keeping the other query parameters', async () => {
    const res = await call(sim, '/projects?order_by=id&sort=asc&per_page=3&page=2', {
      ...admin,
      scheme: 'query',
    });
    expect(ids(res.json)).toEqual([13, 14, 15]);
    expect(
      Object.fromEntries(
        ['x-page', 'x-per-page', 'x-next-page', 'x-prev-page', 'x-total', 'x-total-pages'].map(
          (h) => [h, res.headers.get(h)],
        ),
      ),
    ).toEqual({
      'x-page': '2',
      'x-per-page': '3',
      'x-next-page': '3',
      'x-prev-page': '1',
      'x-total': '7',
      'x-total-pages': '3',
    });
    const base = `${sim.url}/api/v4/projects?order_by=id`;
    expect(links(res.headers.get('link'))).toEqual({
      prev: `${base}&page=1&per_page=3&sort=asc`,
      next: `${base}&page=3&per_page=3&sort=asc`,
      first: `${base}&page=1&per_page=3&sort=asc`,
      last: `${base}&page=3&per_page=3&sort=asc`,
    });
    expect(res.headers.get('link')).not.toContain('private_token');
  });

  it('leaves x-prev-page / x-next-page empty at the boundaries and past the end', async () => {
    const first = await call(sim, '/projects?per_page=3', admin);
    expect([first.headers.get('x-prev-page'), first.headers.get('x-next-page')]).toEqual(['', '2']);
    expect(Object.keys(links(first.headers.get('link')))).toEqual(['next', 'first', 'last']);
    const last = await call(sim, '/projects?per_page=3&page=3', admin);
    expect(ids(last.json)).toEqual([10]);
    expect([last.headers.get('x-prev-page'), last.headers.get('x-next-page')]).toEqual(['2', '']);
    const beyond = await call(sim, '/projects?per_page=3&page=9', admin);
    expect(beyond.json).toEqual([]);
    expect([
      beyond.headers.get('x-prev-page'),
      beyond.headers.get('x-next-page'),
      beyond.headers.get('x-total-pages'),
    ]).toEqual(['', '', '3']);
  });

  it('defaults to 20 per page, clamps per_page to 100 and reports at least one page', async () => {
    expect((await call(sim, '/projects', admin)).headers.get('x-per-page')).toBe('20');
    expect((await call(sim, '/projects?per_page=500', admin)).headers.get('x-per-page')).toBe(
      '100',
    );
    const empty = await call(sim, '/groups/opensource/clusters', admin);
    expect(empty.json).toEqual([]);
    expect(empty.headers.get('x-total')).toBe('0');
    expect(empty.headers.get('x-total-pages')).toBe('1');
  });

  it('rejects non-integer page parameters like Grape', async () => {
    const res = await call(sim, '/projects?page=two', admin);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: 'page is invalid' });
  });

  it('caps offset pagination of projects at offset 50,000 (405, keyset advised)', async () => {
    expect((await call(sim, '/projects?per_page=100&page=501', admin)).status).toBe(200);
    const res = await call(sim, '/projects?per_page=100&page=502', admin);
    expect(res.status).toBe(405);
    expect((res.json as { error: string }).error).toMatch(
      /^Offset pagination has a maximum allowed offset of 50000 .*type Project/,
    );
  });
});

describe('large result sets', () => {
  let sim: GitLabSimulator;
  beforeAll(async () => {
    const fixture: GitLabFixture = smallFixture();
    fixture.groups.push({ id: 100, path: 'big', name: 'Big', parent: null, visibility: 'public' });
    for (let i = 0; i < 10_000; i++) {
      fixture.projects.push({
        id: 1000 + i,
        path: `p${i}`,
        name: `P${i}`,
        namespace: 'big',
        visibility: 'public',
      });
    }
    sim = await startGitLabSimulator({ fixture });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('counts exactly 10,000 records', async () => {
    const res = await call(sim, '/groups/big/projects?per_page=100&simple=true', admin);
    expect(res.headers.get('x-total')).toBe('10000');
    expect(res.headers.get('x-total-pages')).toBe('100');
    expect(links(res.headers.get('link'))).toHaveProperty('last');
  });

  it('omits x-total, x-total-pages and rel="last" past 10,000 records but still links next', async () => {
    const res = await call(sim, '/projects?per_page=100&simple=true', admin);
    expect((res.json as unknown[]).length).toBe(100);
    expect(res.headers.get('x-total')).toBeNull();
    expect(res.headers.get('x-total-pages')).toBeNull();
    expect(res.headers.get('x-next-page')).toBe('2');
    expect(Object.keys(links(res.headers.get('link')))).toEqual(['next', 'first']);
    const last = await call(sim, '/projects?per_page=100&simple=true&page=101', admin);
    expect((last.json as unknown[]).length).toBe(7);
    expect(last.headers.get('x-next-page')).toBe('');
  });

  it('walks 10,000 projects with keyset pagination quickly', async () => {
    const started = Date.now();
    let url: string | null =
      `${sim.url}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=100&simple=true`;
    let count = 0;
    while (url) {
      const res: Response = await fetch(url, {
        headers: { 'PRIVATE-TOKEN': TOKENS.maintainerApi },
      });
      count += ((await res.json()) as unknown[]).length;
      url = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1] ?? null;
    }
    expect(count).toBe(10_000 + 5); // maria also sees her five small-fixture projects
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
