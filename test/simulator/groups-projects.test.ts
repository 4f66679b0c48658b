import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitLabSimulator } from '../../src/simulator/gitlab/server.js';
import { call, ids, startSmall } from './helpers.js';
import { TOKENS } from './small-fixture.js';

let sim: GitLabSimulator;
beforeAll(async () => {
  sim = await startSmall();
});
afterAll(async () => {
  await sim.close();
});

const admin = { token: TOKENS.adminApi };
const maria = { token: TOKENS.maintainerApi };
const dev = { token: TOKENS.developerApi };

describe('GET /groups', () => {
  it('lists everything for admins, ordered by name then id', async () => {
    const res = await call(sim, '/groups', admin);
    expect(ids(res.json)).toEqual([1, 3, 4, 5, 6, 2]); // ACME, Core, Globex, Infra, OpenSource, Payments
  });

  it('lists only membership-related groups for users unless all_available=true', async () => {
    expect(ids((await call(sim, '/groups', maria)).json)).toEqual([1, 3, 2]);
    expect(ids((await call(sim, '/groups?all_available=true', maria)).json)).toEqual([1, 3, 6, 2]);
    expect(ids((await call(sim, '/groups')).json)).toEqual([6]); // anonymous: public only
  });

  it('filters by membership for min_access_level, also for admins (GitLab has no admin bypass there)', async () => {
    expect(ids((await call(sim, '/groups?min_access_level=40', maria)).json)).toEqual([3, 2]);
    expect(ids((await call(sim, '/groups?min_access_level=40', dev)).json)).toEqual([]);
    expect(ids((await call(sim, '/groups?min_access_level=40', admin)).json)).toEqual([]);
  });

  it('supports top_level_only, order_by and sort, and rejects bad values like Grape', async () => {
    expect(ids((await call(sim, '/groups?top_level_only=true', admin)).json)).toEqual([1, 4, 6]);
    expect(ids((await call(sim, '/groups?order_by=id&sort=desc', admin)).json)).toEqual([
      6, 5, 4, 3, 2, 1,
    ]);
    expect(ids((await call(sim, '/groups?order_by=path', admin)).json)).toEqual([1, 3, 4, 5, 6, 2]);
    const bad = await call(sim, '/groups?order_by=size', admin);
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'order_by does not have a valid value' });
    expect((await call(sim, '/groups?all_available=maybe', admin)).json).toEqual({
      error: 'all_available is invalid',
    });
  });

  it('returns the Group entity', async () => {
    const [core] = (await call(sim, '/groups?search=core', admin)).json as Record<
      string,
      unknown
    >[];
    expect(core).toMatchObject({
      id: 3,
      name: 'Core',
      path: 'core',
      full_name: 'ACME / Payments / Core',
      full_path: 'acme/payments/core',
      parent_id: 2,
      visibility: 'private',
      web_url: `${sim.url}/groups/acme/payments/core`,
    });
  });
});

describe('GET /groups/:id and descendants', () => {
  it('resolves numeric ids and URL-encoded full paths, case-insensitively', async () => {
    for (const id of ['2', 'acme%2Fpayments', 'ACME%2FPayments']) {
      const res = await call(sim, `/groups/${id}`, maria);
      expect(res.status).toBe(200);
      expect((res.json as { id: number }).id).toBe(2);
    }
  });

  it('hides private groups as 404 Group Not Found', async () => {
    for (const id of ['4', 'globex', 'globex%2Finfra', '999']) {
      const res = await call(sim, `/groups/${id}`, maria);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ message: '404 Group Not Found' });
    }
    expect((await call(sim, '/groups/globex', admin)).status).toBe(200);
  });

  it('includes the group own readable projects unless with_projects=false', async () => {
    const res = await call(sim, '/groups/1', dev);
    expect(ids((res.json as { projects: unknown }).projects)).toEqual([10]);
    expect(
      await call(sim, '/groups/1?with_projects=false', dev).then((r) => r.json),
    ).not.toHaveProperty('projects');
  });

  it('lists descendant groups (all levels, not the group itself)', async () => {
    expect(ids((await call(sim, '/groups/acme/descendant_groups', admin)).json)).toEqual([3, 2]);
    expect(
      ids((await call(sim, '/groups/1/descendant_groups?min_access_level=40', maria)).json),
    ).toEqual([3, 2]);
    expect(
      ids((await call(sim, '/groups/1/descendant_groups?min_access_level=40', dev)).json),
    ).toEqual([]);
    expect((await call(sim, '/groups/4/descendant_groups', maria)).json).toEqual({
      message: '404 Group Not Found',
    });
  });

  it('lists group projects newest first, with include_subgroups and min_access_level', async () => {
    expect(ids((await call(sim, '/groups/1/projects', admin)).json)).toEqual([10]);
    expect(ids((await call(sim, '/groups/1/projects?include_subgroups=true', admin)).json)).toEqual(
      [12, 11, 10],
    );
    expect(
      ids(
        (await call(sim, '/groups/1/projects?include_subgroups=true&min_access_level=40', maria))
          .json,
      ),
    ).toEqual([12, 11]);
    expect(
      ids(
        (await call(sim, '/groups/1/projects?include_subgroups=true&min_access_level=40', admin))
          .json,
      ),
    ).toEqual([]);
    const simple = (await call(sim, '/groups/1/projects?simple=true', admin)).json as Record<
      string,
      unknown
    >[];
    expect(simple[0]).toHaveProperty('path_with_namespace', 'acme/web');
    expect(simple[0]).not.toHaveProperty('visibility');
  });
});

describe('GET /projects', () => {
  it('lists what each caller can read, newest first', async () => {
    expect(ids((await call(sim, '/projects', admin)).json)).toEqual([16, 15, 14, 13, 12, 11, 10]);
    expect(ids((await call(sim, '/projects', maria)).json)).toEqual([16, 15, 12, 11, 10]);
    expect(ids((await call(sim, '/projects')).json)).toEqual([16]);
  });

  it('supports membership, owned, min_access_level and order_by/sort', async () => {
    expect(ids((await call(sim, '/projects?membership=true', maria)).json)).toEqual([15, 12, 11]);
    expect(ids((await call(sim, '/projects?owned=true', maria)).json)).toEqual([15]);
    expect(ids((await call(sim, '/projects?min_access_level=30', dev)).json)).toEqual([12, 11, 10]);
    expect(ids((await call(sim, '/projects?membership=true', admin)).json)).toEqual([14]);
    expect(ids((await call(sim, '/projects?order_by=name&sort=asc', maria)).json)).toEqual([
      11, 12, 16, 15, 10,
    ]);
  });

  it('paginates with keyset on id, following only Link rel="next"', async () => {
    const seen: number[][] = [];
    let url: string | null =
      `${sim.url}/api/v4/projects?pagination=keyset&order_by=id&sort=asc&per_page=2`;
    while (url) {
      const res: Response = await fetch(url, {
        headers: { 'PRIVATE-TOKEN': TOKENS.maintainerApi },
      });
      expect(res.headers.get('x-total')).toBeNull();
      expect(res.headers.get('x-next-page')).toBeNull();
      seen.push(ids(await res.json()));
      const link = res.headers.get('link');
      url = link ? (/<([^>]+)>; rel="next"/.exec(link)?.[1] ?? null) : null;
    }
    expect(seen).toEqual([[10, 11], [12, 15], [16]]);
    const desc = await call(
      sim,
      '/projects?pagination=keyset&order_by=id&sort=desc&per_page=2',
      admin,
    );
    expect(ids(desc.json)).toEqual([16, 15]);
    expect(desc.headers.get('link')).toBe(
      `<${sim.url}/api/v4/projects?id_before=15&order_by=id&pagination=keyset&per_page=2&sort=desc>; rel="next"`,
    );
  });

  it('refuses keyset pagination without order_by=id like GitLab (405)', async () => {
    const res = await call(sim, '/projects?pagination=keyset&per_page=2', admin);
    expect(res.status).toBe(405);
    expect(res.json).toEqual({
      error: 'Keyset pagination is not yet available for this type of request',
    });
  });
});

describe('GET /projects/:id', () => {
  it('resolves ids and encoded paths case-insensitively', async () => {
    for (const id of ['11', 'acme%2Fpayments%2Fapi', 'ACME%2FPAYMENTS%2FAPI']) {
      const res = await call(sim, `/projects/${id}`, maria);
      expect((res.json as { id: number }).id).toBe(11);
    }
  });

  it('hides a private project the caller cannot access as 404 Project Not Found', async () => {
    for (const id of ['13', 'globex%2Finfra%2Fterraform', '14']) {
      const res = await call(sim, `/projects/${id}`, maria);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ message: '404 Project Not Found' });
    }
    expect((await call(sim, '/projects/13', admin)).status).toBe(200);
  });

  it('returns the project entity with namespace and permissions', async () => {
    const api = (await call(sim, '/projects/11', maria)).json;
    expect(api).toMatchObject({
      id: 11,
      name: 'API',
      path: 'api',
      path_with_namespace: 'acme/payments/api',
      name_with_namespace: 'ACME / Payments / API',
      default_branch: 'master',
      visibility: 'private',
      web_url: `${sim.url}/acme/payments/api`,
      namespace: {
        id: 2,
        name: 'Payments',
        path: 'payments',
        kind: 'group',
        full_path: 'acme/payments',
        parent_id: 1,
      },
      permissions: {
        project_access: null,
        group_access: { access_level: 40, notification_level: 3 },
      },
    });
  });

  it('gives personal namespaces their own stable ids (1,000,000 + user id) and an owner', async () => {
    const playground = (await call(sim, '/projects/maria%2Fplayground', maria)).json;
    expect(playground).toMatchObject({
      default_branch: 'main',
      namespace: {
        id: 1_000_002,
        kind: 'user',
        path: 'maria',
        full_path: 'maria',
        parent_id: null,
        name: 'Maria Maintainer',
      },
      owner: { id: 2, username: 'maria' },
      permissions: {
        project_access: { access_level: 50, notification_level: 3 },
        group_access: null,
      },
    });
  });
});
