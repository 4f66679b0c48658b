// Our own pagination over gitbeaker's raw requester (its RequestHelper, which follows `Link`,
// is not exported). Offset lists fetch their remaining pages concurrently once the first page
// says how many there are; keyset lists stream page by page so callers can start work early.
//
// Pagination is bounded: an answer whose headers loop (`x-next-page: 2` on every page made 34,594
// requests in 20 s) or contradict each other stops the run. Two layers: `pageHeaderProblem` checks
// each answer on its own and runs in the transport, so gitbeaker's own Link-following (agents,
// merge requests) is bounded too; the helpers below add what needs memory of earlier pages.
import { UntrustedAnswerError } from './untrusted-answer.js';

export type Query = Record<string, string | number | boolean | undefined>;
export interface Page<T> {
  body: T;
  headers: Record<string, string>;
  status: number;
}
export type GetFn = <T>(path: string, query?: Query) => Promise<Page<T>>;

export const PER_PAGE = 100; // GitLab's maximum

/**
 * No list migrate-clusters reads has a million entries (100 per page); an answer that claims more
 * pages, or a walk that gets this far, is not an instance but a loop.
 */
export const MAX_PAGES = 10_000;

export const PAGINATION_HINT =
  'GitLab does not paginate like this: is a proxy or cache in front of it rewriting headers? Check --gitlab-url.';

/** Keyset cursors GitLab puts in a next link (projects: id_after/id_before; groups: cursor). */
const CURSOR_PARAMS = ['id_after', 'id_before', 'cursor'];

function nextLink(linkHeader: string | null | undefined): URL | null {
  if (!linkHeader) return null;
  for (const part of linkHeader.split(',')) {
    const match = /<([^>]+)>;\s*rel="next"/.exec(part);
    if (match?.[1]) {
      try {
        return new URL(match[1]);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** A positive page number, null for absent or empty (GitLab sends `x-next-page:` empty on the last page). */
function pageNumber(value: string | null | undefined): number | null | 'invalid' {
  if (value == null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : 'invalid';
}

const cursorOf = (params: URLSearchParams) =>
  CURSOR_PARAMS.map((k) => `${k}=${params.get(k) ?? ''}`).join('&');

/**
 * What is wrong with one answer's pagination headers, or null. GitLab's offset headers
 * (lib/gitlab/pagination/offset_header_builder.rb, offset_pagination.rb) satisfy: x-page is the page
 * asked for; x-next-page and a rel="next" link point past it; x-total-pages is
 * max(1, ceil(x-total / x-per-page)) and no next page lies beyond it. A keyset next link carries a
 * cursor other than the one asked with.
 */
export function pageHeaderProblem(request: URL, headers: Headers): string | null {
  const asked = pageNumber(request.searchParams.get('page'));
  const current = typeof asked === 'number' ? asked : 1;
  const at = `page ${current}`;
  const xPage = pageNumber(headers.get('x-page'));
  const xNext = pageNumber(headers.get('x-next-page'));
  const xTotalPages = pageNumber(headers.get('x-total-pages'));
  const xPerPage = pageNumber(headers.get('x-per-page'));
  const xTotalRaw = headers.get('x-total');
  const xTotal = xTotalRaw == null || xTotalRaw.trim() === '' ? null : Number(xTotalRaw);

  if (
    xPage === 'invalid' ||
    xNext === 'invalid' ||
    xTotalPages === 'invalid' ||
    xPerPage === 'invalid'
  )
    return `(${at}) with pagination headers that are not page numbers`;
  if (xTotal != null && !(Number.isInteger(xTotal) && xTotal >= 0))
    return `(${at}) with an x-total that is not a count`;
  if (xPage != null && xPage !== current)
    return `(${at}) with x-page ${xPage}: it ignores the page asked for`;
  if (xNext != null && xNext <= current)
    return `(${at}) with x-next-page ${xNext}, which does not move past page ${current}: its pagination loops`;
  if (xTotalPages != null && xTotalPages > MAX_PAGES)
    return `with ${xTotalPages} pages, more than the ${MAX_PAGES} migrate-clusters reads of one list`;
  if (xNext != null && xNext > MAX_PAGES)
    return `(${at}) with a next page ${xNext}, past the ${MAX_PAGES} pages migrate-clusters reads of one list`;
  if (xNext != null && xTotalPages != null && xNext > xTotalPages)
    return `(${at}) with x-next-page ${xNext} beyond its own x-total-pages ${xTotalPages}`;
  if (xTotal != null && xTotalPages != null && xPerPage != null) {
    const expected = Math.max(1, Math.ceil(xTotal / xPerPage));
    if (expected !== xTotalPages)
      return `(${at}) with x-total ${xTotal} at ${xPerPage} per page but x-total-pages ${xTotalPages}`;
  }

  const next = nextLink(headers.get('link'));
  if (next) {
    const linked = pageNumber(next.searchParams.get('page'));
    if (typeof linked === 'number' && linked <= current)
      return `(${at}) with a rel="next" link to page ${linked}: its pagination loops`;
    if (typeof linked === 'number' && linked > MAX_PAGES)
      return `(${at}) with a rel="next" link to page ${linked}, past the ${MAX_PAGES} pages migrate-clusters reads of one list`;
    const keyset = CURSOR_PARAMS.some((k) => next.searchParams.has(k));
    if (keyset && cursorOf(next.searchParams) === cursorOf(request.searchParams))
      return 'with a rel="next" link to the very page it answered: its pagination loops';
  }
  return null;
}

const apiPath = (path: string) => `/api/v4/${path.replace(/^\/+/, '')}`;

function untrusted(path: string, problem: string): UntrustedAnswerError {
  return new UntrustedAnswerError('GET', apiPath(path), problem, PAGINATION_HINT);
}

/** A list page's items; anything but an array of at most `per_page` items is not a page. */
function itemsOf<T>(path: string, page: number, response: Page<T[]>): T[] {
  const body: unknown = response.body;
  if (!Array.isArray(body))
    throw untrusted(path, `(page ${page}) with something other than a list`);
  if (body.length > PER_PAGE)
    throw untrusted(
      path,
      `(page ${page}) with ${body.length} items, more than the ${PER_PAGE} asked for`,
    );
  return body as T[];
}

/** Every page of an offset-paginated list, pages after the first fetched concurrently. */
export async function fetchAllOffset<T>(get: GetFn, path: string, query: Query = {}): Promise<T[]> {
  const first = await get<T[]>(path, { ...query, per_page: PER_PAGE, page: 1 });
  const items = [...itemsOf(path, 1, first)];
  // The transport has checked x-total-pages against x-total and MAX_PAGES already.
  const totalPages = Number(first.headers['x-total-pages']);
  if (Number.isInteger(totalPages) && totalPages > 1) {
    const pages = Array.from({ length: totalPages - 1 }, (_, i) => i + 2);
    const rest = await Promise.all(
      pages.map(async (page) => ({
        page,
        response: await get<T[]>(path, { ...query, per_page: PER_PAGE, page }),
      })),
    );
    for (const { page, response } of rest) items.push(...itemsOf(path, page, response));
    return items;
  }
  // Past 10,000 records GitLab omits the totals: walk x-next-page one page at a time. Each next
  // page lies past the current one and below MAX_PAGES (the transport checks), so this ends.
  let current = 1;
  let next = first.headers['x-next-page'];
  let lastSize = items.length;
  while (!Number.isInteger(totalPages) && next) {
    // Without counts GitLab knows there is more only by reading one row past the page
    // (Kaminari's without_count), so an empty page never names a next one.
    if (lastSize === 0)
      throw untrusted(path, `(page ${current}) with no items but a next page ${next}`);
    current = Number(next);
    const response = await get<T[]>(path, { ...query, per_page: PER_PAGE, page: current });
    const page = itemsOf(path, current, response);
    items.push(...page);
    lastSize = page.length;
    next = response.headers['x-next-page'];
  }
  return items;
}

/** Pages of a keyset-paginated list (`pagination=keyset`), following `Link: rel="next"`. */
export async function* streamKeyset<T>(
  get: GetFn,
  path: string,
  query: Query,
): AsyncGenerator<T[]> {
  let params: Query = { ...query, pagination: 'keyset', per_page: PER_PAGE };
  // Every cursor seen: a link back to any earlier page (not only the last one) is a loop.
  const seen = new Set<string>([cursorOf(new URLSearchParams())]);
  for (let pages = 1; ; pages++) {
    const response = await get<T[]>(path, params);
    const page = itemsOf(path, pages, response);
    if (page.length > 0) yield page;
    const next = nextLink(response.headers.link);
    if (!next || page.length === 0) return;
    if (!next.pathname.endsWith(`/${path.replace(/^\/+/, '')}`))
      throw untrusted(
        path,
        `(page ${pages}) with a rel="next" link to another list (${next.pathname})`,
      );
    const cursor = cursorOf(next.searchParams);
    if (seen.has(cursor))
      throw untrusted(
        path,
        `(page ${pages}) with a rel="next" link back to an earlier page: its pagination loops`,
      );
    if (pages >= MAX_PAGES)
      throw untrusted(
        path,
        `with more than ${MAX_PAGES} pages, the most migrate-clusters reads of one list`,
      );
    seen.add(cursor);
    // The next link carries the cursor (id_after=...); keep its query, our base path.
    params = Object.fromEntries(next.searchParams.entries());
  }
}
