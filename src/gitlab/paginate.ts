// Our own pagination over gitbeaker's raw requester (its RequestHelper, which follows `Link`,
// is not exported). Offset lists fetch their remaining pages concurrently once the first page
// says how many there are; keyset lists stream page by page so callers can start work early.
export type Query = Record<string, string | number | boolean | undefined>;
export interface Page<T> {
  body: T;
  headers: Record<string, string>;
  status: number;
}
export type GetFn = <T>(path: string, query?: Query) => Promise<Page<T>>;

export const PER_PAGE = 100; // GitLab's maximum

function nextLink(linkHeader: string | undefined): URL | null {
  if (!linkHeader) return null;
  for (const part of linkHeader.split(',')) {
    const match = /<([^>]+)>;\s*rel="next"/.exec(part);
    if (match?.[1]) return new URL(match[1]);
  }
  return null;
}

/** Every page of an offset-paginated list, pages after the first fetched concurrently. */
export async function fetchAllOffset<T>(get: GetFn, path: string, query: Query = {}): Promise<T[]> {
  const first = await get<T[]>(path, { ...query, per_page: PER_PAGE, page: 1 });
  const items = [...first.body];
  const totalPages = Number(first.headers['x-total-pages']);
  if (Number.isInteger(totalPages) && totalPages > 1) {
    const pages = Array.from({ length: totalPages - 1 }, (_, i) => i + 2);
    const rest = await Promise.all(
      pages.map((page) => get<T[]>(path, { ...query, per_page: PER_PAGE, page })),
    );
    for (const response of rest) items.push(...response.body);
    return items;
  }
  // Past 10,000 records GitLab omits the totals: walk x-next-page one page at a time.
  let next = first.headers['x-next-page'];
  while (!Number.isInteger(totalPages) && next) {
    const response = await get<T[]>(path, { ...query, per_page: PER_PAGE, page: Number(next) });
    items.push(...response.body);
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
  for (;;) {
    const response = await get<T[]>(path, params);
    const page = response.body;
    if (page.length > 0) yield page;
    const next = nextLink(response.headers.link);
    if (!next || page.length === 0) return;
    // The next link carries the cursor (id_after=...); keep its query, our base path.
    params = Object.fromEntries(next.searchParams.entries());
  }
}
