// Building blocks for route handlers: the request context, GitLab's error bodies (each helper names the
// GitLab/Grape call it imitates, because the exact text differs between them), Grape-style parameter
// coercion, and offset/keyset pagination headers.

import type { SimulatorState, TokenRecord, UserRecord } from './state.js';

export interface RequestContext {
  /** GET, POST, ... (HEAD is routed as GET; `isHead` tells the server to drop the body) */
  method: string;
  isHead: boolean;
  /** raw path as sent, without the query, e.g. /api/v4/projects/a%2Fb/clusters */
  rawPath: string;
  query: URLSearchParams;
  /** route parameters, percent-decoded (`a%2Fb` -> `a/b`) */
  params: Record<string, string>;
  body: unknown;
  user: UserRecord | null;
  token: TokenRecord | null;
  state: SimulatorState;
  /** e.g. http://127.0.0.1:43121 — web_url and Link headers are built on it */
  baseUrl: string;
  /** headers a handler adds to its response (pagination) */
  responseHeaders: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** a huge JSON body streamed in chunks (hostile-answers.ts), instead of json or text */
  oversized?: { bytes: number; declareLength: boolean };
}

export function ok(json: unknown, status = 200): ApiResponse {
  return { status, json };
}

/** Thrown to end a request early with a GitLab error, like Grape's `error!`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${status} ${JSON.stringify(body)}`);
    this.name = 'ApiError';
  }
}

/** `not_found!('Project')` -> 404 {"message":"404 Project Not Found"}; `not_found!` -> "404 Not Found". */
export function notFound(resource?: string): ApiError {
  return new ApiError(404, { message: resource ? `404 ${resource} Not Found` : '404 Not Found' });
}

/** `ActiveRecord::RecordNotFound` (a `.find(id)` that misses): note the lower-case "found". */
export function recordNotFound(): ApiError {
  return new ApiError(404, { message: '404 Not found' });
}

/** `forbidden!` / a failed `authorize!`. */
export function forbidden(reason?: string): ApiError {
  return new ApiError(403, { message: reason ? `403 Forbidden - ${reason}` : '403 Forbidden' });
}

export function unauthorized(): ApiError {
  return new ApiError(401, { message: '401 Unauthorized' });
}

/** The catch-all route: Grape's `error!` uses the `error` key, not `message`. */
export function routeNotFound(): ApiError {
  return new ApiError(404, { error: '404 Not Found' });
}

/** Grape parameter validation failures. */
export function paramMissing(name: string): ApiError {
  return new ApiError(400, { error: `${name} is missing` });
}
export function paramInvalid(name: string): ApiError {
  return new ApiError(400, { error: `${name} is invalid` });
}
export function paramNotInValues(name: string): ApiError {
  return new ApiError(400, { error: `${name} does not have a valid value` });
}

const INTEGER = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** Grape `type: Integer` */
export function intParam(
  query: URLSearchParams,
  name: string,
  required = false,
): number | undefined {
  const raw = query.get(name);
  if (raw == null) {
    if (required) throw paramMissing(name);
    return undefined;
  }
  if (!INTEGER.test(raw.trim())) throw paramInvalid(name);
  return Number(raw.trim());
}

/** Grape `type: Boolean` (dry-types' params coercion word list). */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const raw = query.get(name);
  if (raw == null || raw === '') return undefined;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw paramInvalid(name);
}

/** Grape `values: [...]` with a default. */
export function enumParam<T extends string>(
  query: URLSearchParams,
  name: string,
  values: readonly T[],
  fallback: T,
): T {
  const raw = query.get(name);
  if (raw == null) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw paramNotInValues(name);
  return raw as T;
}

/** `min_access_level` accepts `Gitlab::Access.all_values`. */
export function accessLevelParam(
  query: URLSearchParams,
  name = 'min_access_level',
): number | undefined {
  const value = intParam(query, name);
  if (value !== undefined && ![0, 5, 10, 15, 20, 30, 40, 50].includes(value))
    throw paramNotInValues(name);
  return value;
}

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;
/** GitLab stops counting past this many rows and drops x-total, x-total-pages and rel="last". */
export const COUNT_LIMIT = 10_000;
/** `offset_pagination_limit` default for types that support keyset pagination (projects). */
export const MAX_OFFSET = 50_000;

export interface PageParams {
  page: number;
  perPage: number;
}

export function pageParams(query: URLSearchParams): PageParams {
  const page = intParam(query, 'page') ?? 1;
  const perPage = intParam(query, 'per_page') ?? DEFAULT_PER_PAGE;
  return {
    page: page < 1 ? 1 : page,
    perPage: perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE),
  };
}

/** The request URL with some query parameters replaced; keys sorted like Rails' `Hash#to_query`. */
export function pageHref(
  ctx: RequestContext,
  overrides: Record<string, string>,
  drop: readonly string[] = [],
): string {
  const entries: [string, string][] = [];
  for (const [k, v] of ctx.query) {
    // never echo a token back in a Link header
    if (k === 'private_token' || k in overrides || drop.includes(k)) continue;
    entries.push([k, v]);
  }
  for (const [k, v] of Object.entries(overrides)) entries.push([k, v]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return `${ctx.baseUrl}${ctx.rawPath}?${new URLSearchParams(entries).toString()}`;
}

export interface OffsetOptions {
  /** entity type name for the max-offset error (only keyset-capable types have the limit) */
  keysetCapableType?: string;
}

/**
 * Offset pagination (`Gitlab::Pagination::OffsetPagination`): slices `items` and sets x-page, x-per-page,
 * x-next-page, x-prev-page (empty at the boundaries), x-total, x-total-pages and Link on the context.
 */
export function paginate<T>(
  ctx: RequestContext,
  items: readonly T[],
  options: OffsetOptions = {},
): T[] {
  const { page, perPage } = pageParams(ctx.query);
  const offset = (page - 1) * perPage;
  if (options.keysetCapableType && offset > MAX_OFFSET) {
    throw new ApiError(405, {
      error:
        `Offset pagination has a maximum allowed offset of ${MAX_OFFSET} for requests that return objects of type ` +
        `${options.keysetCapableType}. Remaining records can be retrieved using keyset pagination.`,
    });
  }
  const slice = items.slice(offset, offset + perPage);
  const total = items.length;
  const counted = total <= COUNT_LIMIT;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  // Kaminari: out of range pages have neither prev nor next; uncounted relations know only "is there more".
  const outOfRange = counted ? page > totalPages : slice.length === 0;
  const next = !outOfRange && offset + perPage < total ? page + 1 : null;
  const prev = !outOfRange && page > 1 ? page - 1 : null;
  const href = (p: number): string => pageHref(ctx, { page: String(p), per_page: String(perPage) });
  const links: string[] = [];
  if (prev != null) links.push(`<${href(prev)}>; rel="prev"`);
  if (next != null) links.push(`<${href(next)}>; rel="next"`);
  links.push(`<${href(1)}>; rel="first"`);
  if (counted) links.push(`<${href(totalPages)}>; rel="last"`);
  const h = ctx.responseHeaders;
  h['X-Per-Page'] = String(perPage);
  h['X-Page'] = String(page);
  h['X-Next-Page'] = next == null ? '' : String(next);
  h['X-Prev-Page'] = prev == null ? '' : String(prev);
  h['Link'] = links.join(', ');
  if (counted) {
    h['X-Total'] = String(total);
    h['X-Total-Pages'] = String(totalPages);
  }
  return slice;
}

/**
 * Keyset pagination by id (`pagination=keyset&order_by=id`). `ascending` must be sorted by ascending id.
 * Only a Link rel="next" header is sent, and only while a page comes back full (GitLab's Pager does not
 * look ahead, so a result that ends exactly on a page boundary is followed by one empty page).
 */
export function paginateKeyset<T extends { id: number }>(
  ctx: RequestContext,
  ascending: readonly T[],
  sort: 'asc' | 'desc',
  visible: (item: T) => boolean,
): T[] {
  const { perPage } = pageParams(ctx.query);
  const after = intParam(ctx.query, 'id_after');
  const before = intParam(ctx.query, 'id_before');
  const out: T[] = [];
  if (sort === 'asc') {
    for (
      let i = after === undefined ? 0 : firstIndexAbove(ascending, after);
      i < ascending.length && out.length < perPage;
      i++
    ) {
      const item = ascending[i] as T;
      if (before !== undefined && item.id >= before) break;
      if (visible(item)) out.push(item);
    }
  } else {
    const start =
      before === undefined ? ascending.length - 1 : firstIndexAbove(ascending, before - 1) - 1;
    for (let i = start; i >= 0 && out.length < perPage; i--) {
      const item = ascending[i] as T;
      if (after !== undefined && item.id <= after) break;
      if (visible(item)) out.push(item);
    }
  }
  const last = out[out.length - 1];
  if (last && out.length === perPage) {
    const cursor: Record<string, string> = {
      [sort === 'asc' ? 'id_after' : 'id_before']: String(last.id),
      per_page: String(perPage),
    };
    ctx.responseHeaders['Link'] =
      `<${pageHref(ctx, cursor, ['id_after', 'id_before', 'page'])}>; rel="next"`;
  }
  return out;
}

/** index of the first element with id > `id` */
function firstIndexAbove<T extends { id: number }>(list: readonly T[], id: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as T).id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
