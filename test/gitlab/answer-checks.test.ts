// Answers that cannot be GitLab's are refused where they arrive (the transport), over real HTTP
// against the simulator's hostile answers: HTML where JSON belongs, bodies past the size cap, wrong
// shapes, broken JSON, and pagination that loops or contradicts itself.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { hasKnownShape } from '../../src/gitlab/answer-shapes.js';
import { explainGitLabError } from '../../src/gitlab/errors.js';
import { fetchAllOffset, MAX_PAGES, streamKeyset } from '../../src/gitlab/paginate.js';
import { UntrustedAnswerError } from '../../src/gitlab/untrusted-answer.js';
import type { HostileAnswerPlan } from '../../src/simulator/gitlab/server.js';
import { adminApiToken, demoFixture, testClient, withSimulator } from '../helpers/gitlab.js';

const fixture = demoFixture();
const token = adminApiToken(fixture);
const platform = fixture.groups.find((g) => g.path === 'platform')!;

async function failure(promise: Promise<unknown>): Promise<UntrustedAnswerError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UntrustedAnswerError);
  return error as UntrustedAnswerError;
}

const withHostile = <T>(hostile: HostileAnswerPlan[], fn: Parameters<typeof withSimulator<T>>[1]) =>
  withSimulator<T>({ fixture, faults: { hostile } }, fn);

describe('content type and size', () => {
  it('refuses a 200 HTML page on a list endpoint, naming the request, without retrying', () =>
    withHostile([{ pathPattern: '/clusters$', answer: { kind: 'html-page' } }], async (sim) => {
      const client = testClient(sim.url, token);
      const error = await failure(client.clusters.allForGroup(platform.id));
      expect(error.message).toBe(
        `GitLab answered GET /api/v4/groups/${platform.id}/clusters with an HTML page (text/html), not JSON.`,
      );
      expect(error.hint).toBe(
        'Is --gitlab-url the GitLab address, or is a login proxy in front of it?',
      );
      expect(sim.requests).toHaveLength(1);
      expect(explainGitLabError(error, sim.url, 'discovering clusters')).toBe(error);
    }));

  it('refuses an HTML 404 instead of reading it as "this group is gone"', () =>
    withHostile(
      [{ pathPattern: '/clusters$', answer: { kind: 'html-page', status: 404 } }],
      async (sim) => {
        const client = testClient(sim.url, token);
        const error = await failure(client.clusters.allForGroup(platform.id));
        expect(error.message).toMatch(/with an HTML page \(text\/html\) and HTTP 404, not JSON/);
      },
    ));

  it('takes application/json with a charset', () =>
    withHostile(
      [
        {
          pathPattern: '/metadata$',
          answer: {
            kind: 'headers',
            headers: { 'Content-Type': 'application/json; charset=utf-8' },
          },
        },
      ],
      async (sim) => {
        const client = testClient(sim.url, token);
        expect((await client.metadata()).version).toBe(fixture.instance.version);
      },
    ));

  it('refuses JSON that does not parse', () =>
    withHostile(
      [
        {
          pathPattern: '/metadata$',
          answer: { kind: 'raw', contentType: 'application/json', text: '{"version":' },
        },
      ],
      async (sim) => {
        const error = await failure(testClient(sim.url, token).metadata());
        expect(error.message).toMatch(/GET \/api\/v4\/metadata with a body that is not valid JSON/);
      },
    ));

  it.each([true, false])(
    'stops reading a 60 MB body at the cap (Content-Length sent: %s)',
    (declareLength) =>
      withHostile(
        [
          {
            pathPattern: '/groups$',
            answer: { kind: 'oversized', bytes: 60_000_000, declareLength },
          },
        ],
        async (sim) => {
          const client = testClient(sim.url, token);
          const before = process.memoryUsage().rss;
          const error = await failure(fetchAllOffset(client.get, 'groups'));
          expect(error.message).toMatch(/GET \/api\/v4\/groups with more than 20 MB/);
          // never held whole: far less than the body's 60 MB
          expect(process.memoryUsage().rss - before).toBeLessThan(50_000_000);
          expect(sim.requests).toHaveLength(1);
        },
      ),
  );

  it('summarises an HTML error page rather than quoting it', () =>
    withSimulator({ fixture, faults: { errorEvery: 1, errorStatus: 502 } }, async (sim) => {
      const client = testClient(sim.url, token, { maxRetries: 1 });
      const error = await client.metadata().then(
        () => null,
        (e: unknown) => explainGitLabError(e, sim.url, 'reading /metadata'),
      );
      expect(error).toBeInstanceOf(UserError);
      expect(error!.message).toBe(
        'GitLab answered 502 an HTML page (text/html) while reading /metadata.',
      );
    }));
});

describe('shapes', () => {
  it('refuses a wrong-shaped discovery answer, naming the fields, not their values', () =>
    withHostile(
      [
        {
          pathPattern: '/discover-cert-based-clusters',
          answer: { kind: 'json', body: { groups: 'x', projects: 5 } },
        },
      ],
      async (sim) => {
        const error = await failure(testClient(sim.url, token).clusters.discover(platform.id));
        expect(error.message).toBe(
          'GitLab answered GET /api/v4/discover-cert-based-clusters with JSON that is not what GitLab sends there: /groups must be object; /projects must be object.',
        );
      },
    ));

  it('refuses a cluster list whose entries lack what GitLab always sends', () =>
    withHostile(
      [
        {
          pathPattern: '/clusters$',
          answer: { kind: 'json', body: [{ id: 1, name: 'a', api_url: 'https://x' }] },
        },
      ],
      async (sim) => {
        const error = await failure(testClient(sim.url, token).clusters.allForGroup(platform.id));
        expect(error.message).toMatch(/\/0 must have required property 'enabled'/);
      },
    ));

  it('does not echo values: a wrong-shaped variables list names positions only', () =>
    withHostile(
      [
        {
          pathPattern: '/variables$',
          answer: { kind: 'json', body: [{ key: 'SECRET', value: 42 }] },
        },
      ],
      async (sim) => {
        const error = await failure(
          fetchAllOffset(testClient(sim.url, token).get, 'projects/1/variables'),
        );
        expect(error.message).toMatch(/\/0\/value must be string,null/);
        expect(error.message).not.toContain('42');
        expect(error.message).not.toContain('SECRET');
      },
    ));

  it('knows the shape of every endpoint discovery and plan read', () => {
    const read = [
      'projects/a%2Fb/clusters',
      'groups/12/clusters',
      'admin/clusters',
      'groups/12/clusters/3',
      'discover-cert-based-clusters',
      'groups',
      'groups/12',
      'groups/12/descendant_groups',
      'projects',
      'groups/12/projects',
      'projects/a%2Fb',
      'metadata',
      'user',
      'personal_access_tokens/self',
      'projects/5/cluster_agents',
      'projects/a%2Fb/cluster_agents/3/tokens',
      'projects/a%2Fb/cluster_agents/3/tokens/9',
      'projects/a%2Fb/variables',
      'groups/a/variables',
      'admin/ci/variables',
      'projects/a%2Fb/variables/KUBE_CONTEXT',
      'projects/a%2Fb/environments',
      'projects/5/repository/files/.gitlab%2Fagents%2Fa%2Fconfig.yaml',
    ];
    expect(read.filter((path) => !hasKnownShape('GET', path))).toEqual([]);
  });
});

describe('pagination', () => {
  it(
    'stops at an x-next-page that does not move forward (it used to loop for ever)',
    () =>
      withHostile(
        [{ pathPattern: '/clusters$', answer: { kind: 'next-page-loop' } }],
        async (sim) => {
          const client = testClient(sim.url, token);
          const error = await failure(client.clusters.allForGroup(platform.id));
          expect(error.message).toBe(
            `GitLab answered GET /api/v4/groups/${platform.id}/clusters (page 2) with x-next-page 2, which does not move past page 2: its pagination loops.`,
          );
          expect(sim.requests).toHaveLength(2);
        },
      ),
    10_000,
  );

  it('refuses totals that contradict each other', () =>
    withHostile(
      [
        {
          pathPattern: '/clusters$',
          answer: { kind: 'headers', headers: { 'X-Total': '5', 'X-Total-Pages': '3' } },
        },
      ],
      async (sim) => {
        const error = await failure(testClient(sim.url, token).clusters.allForGroup(platform.id));
        expect(error.message).toMatch(/x-total 5 at 100 per page but x-total-pages 3/);
      },
    ));

  it(`refuses more than ${MAX_PAGES} pages before asking for them`, () =>
    withHostile(
      [
        {
          pathPattern: '/clusters$',
          answer: {
            kind: 'headers',
            headers: { 'X-Total': '100000000', 'X-Total-Pages': '1000000', 'X-Next-Page': '2' },
          },
        },
      ],
      async (sim) => {
        const error = await failure(testClient(sim.url, token).clusters.allForGroup(platform.id));
        expect(error.message).toMatch(/with 1000000 pages, more than the 10000/);
        expect(sim.requests).toHaveLength(1);
      },
    ));

  it('refuses a next page beyond x-total-pages, and a page that is not the one asked for', () =>
    withHostile(
      [
        {
          pathPattern: '/clusters$',
          times: 1,
          answer: { kind: 'headers', headers: { 'X-Next-Page': '9' } },
        },
        { pathPattern: '/clusters$', answer: { kind: 'headers', headers: { 'X-Page': '1' } } },
      ],
      async (sim) => {
        const client = testClient(sim.url, token);
        const beyond = await failure(client.clusters.allForGroup(platform.id));
        expect(beyond.message).toMatch(/x-next-page 9 beyond its own x-total-pages 1/);
        const ignored = await failure(client.get('groups/10/clusters', { page: 3 }));
        expect(ignored.message).toMatch(/\(page 3\) with x-page 1: it ignores the page asked for/);
      },
    ));

  it('refuses an empty page that names a next page (uncounted lists)', () =>
    withHostile(
      [
        {
          pathPattern: '/clusters$',
          answer: {
            kind: 'headers',
            headers: { 'X-Total': null, 'X-Total-Pages': null, 'X-Next-Page': '2' },
          },
        },
      ],
      async (sim) => {
        // platform/observability has no clusters: its page 1 is empty and yet "has" a page 2
        const client = testClient(sim.url, token);
        const error = await failure(fetchAllOffset(client.get, 'groups/13/clusters'));
        expect(error.message).toBe(
          'GitLab answered GET /api/v4/groups/13/clusters (page 1) with no items but a next page 2.',
        );
      },
    ));

  it(
    'stops a keyset link that points at the page it came from',
    () =>
      withSimulator({ fixture }, async (sim) => {
        const self = `<${sim.url}/api/v4/projects?id_after=5&order_by=id&pagination=keyset&per_page=100&sort=asc>; rel="next"`;
        sim.setFaults({
          hostile: [
            { pathPattern: '/projects$', answer: { kind: 'headers', headers: { Link: self } } },
          ],
        });
        const client = testClient(sim.url, token);
        const pages = async () => {
          for await (const page of streamKeyset(client.get, 'projects', {
            order_by: 'id',
            sort: 'asc',
          }))
            void page;
        };
        const error = await failure(pages());
        expect(error.message).toMatch(/rel="next" link to the very page it answered/);
        expect(sim.requests).toHaveLength(2);
      }),
    10_000,
  );

  it(
    'stops a keyset walk that comes back to an earlier cursor',
    () =>
      withSimulator({ fixture }, async (sim) => {
        const link = (after: number) =>
          `<${sim.url}/api/v4/projects?id_after=${after}&order_by=id&pagination=keyset&per_page=100&sort=asc>; rel="next"`;
        const once = (after: number): HostileAnswerPlan => ({
          pathPattern: '/projects$',
          times: 1,
          answer: { kind: 'headers', headers: { Link: link(after) } },
        });
        sim.setFaults({ hostile: [once(1), once(2), once(1)] });
        const client = testClient(sim.url, token);
        const pages = async () => {
          for await (const page of streamKeyset(client.get, 'projects', {
            order_by: 'id',
            sort: 'asc',
          }))
            void page;
        };
        const error = await failure(pages());
        expect(error.message).toMatch(/\(page 3\) with a rel="next" link back to an earlier page/);
        expect(sim.requests).toHaveLength(3);
      }),
    10_000,
  );

  it(
    'bounds gitbeaker’s own Link-following too',
    () =>
      withSimulator({ fixture }, async (sim) => {
        const path = encodeURIComponent('platform/ci-templates');
        const loop = `<${sim.url}/api/v4/projects/${path}/cluster_agents?page=2&per_page=20>; rel="next"`;
        sim.setFaults({
          hostile: [
            {
              pathPattern: '/cluster_agents$',
              answer: { kind: 'headers', headers: { Link: loop } },
            },
          ],
        });
        const client = testClient(sim.url, token);
        const error = await failure(client.agents.all(decodeURIComponent(path)));
        expect(error.message).toMatch(
          /\(page 2\) with a rel="next" link to page 2: its pagination loops/,
        );
        expect(sim.requests.length).toBeLessThanOrEqual(2);
      }),
    10_000,
  );
});
